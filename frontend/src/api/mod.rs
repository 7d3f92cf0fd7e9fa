//! Talking to the server. `http` is the typed REST client; the socket client comes later.

pub mod http;
