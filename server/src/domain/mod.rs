//! Domain rules: pure functions over plain types, no I/O.

pub mod account;
pub mod assignment;
pub mod chat;
pub mod client_address;
pub mod deal;
pub mod health;
pub mod integration;
pub mod pacing;
pub mod policy;
pub mod rate;
pub mod text;
pub mod upload;
