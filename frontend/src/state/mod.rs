//! Client state provided once as contexts by `app.rs`; screens read it, never own it.

pub mod connection;
pub mod directory;
pub mod inbox;
pub mod notifications;
pub mod open_chat;
pub mod session;
pub mod stored;
