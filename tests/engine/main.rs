//! The conversation engine: CONTRACT.md "Rules" and "Chats", driven with
//! normalized inbound events (no messenger), checked through the REST API, on
//! SQLite and PostgreSQL.

mod access;
mod access_live;
mod actions;
mod assignable;
mod concurrency;
mod deals;
mod erasure;
mod events;
mod fair_sending;
mod lists;
mod pipelines;
mod rules;
mod support;
