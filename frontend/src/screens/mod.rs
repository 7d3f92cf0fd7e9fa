//! One module per screen. Screens never import each other; `app.rs` composes them.

pub mod clients;
pub mod login;
pub mod shell;
