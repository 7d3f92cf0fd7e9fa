//! Talking to the server: `http` is the typed REST client, `ws` the live connection.

pub mod http;
pub mod ws;
