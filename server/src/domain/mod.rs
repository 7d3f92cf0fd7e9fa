//! Domain rules: pure functions over plain types, no I/O.

pub mod account;
pub mod assignment;
pub mod chat;
pub mod client_address;
pub mod health;
pub mod integration;
pub mod open_hours;
pub mod pacing;
pub mod policy;
pub mod rate;
pub mod reports;
pub mod text;
pub mod upload;
