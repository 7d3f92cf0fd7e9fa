//! Domain rules: pure functions over plain types, no I/O.

pub mod account;
pub mod business;
pub mod business_hours;
pub mod canned;
pub mod chat;
pub mod client_address;
pub mod contact;
pub mod deal;
pub mod health;
pub mod integration;
pub mod notifications;
pub mod open_hours;
pub mod pacing;
pub mod policy;
pub mod push;
pub mod rate;
pub mod reason;
pub mod report_records;
pub mod reports;
pub mod routing;
pub mod snooze;
pub mod task;
pub mod text;
pub mod upload;
pub mod whatsapp;
