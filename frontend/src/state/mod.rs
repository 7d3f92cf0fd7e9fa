//! Client state provided once as contexts by `app.rs`; screens read it, never own it.

pub mod session;
