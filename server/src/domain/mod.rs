//! Domain rules: pure functions over plain types, no I/O.

pub mod account;
pub mod policy;
