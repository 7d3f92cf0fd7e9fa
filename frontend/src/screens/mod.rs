//! One module per screen. Screens never import each other; `app.rs` composes them.

pub mod archive;
pub mod chat_view;
pub mod contacts;
pub mod deals;
pub mod inbox_list;
pub mod login;
pub mod reports;
pub mod settings;
pub mod shell;
pub mod sidebar;
pub mod tasks;
