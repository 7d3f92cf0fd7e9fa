//! The conversation engine: CONTRACT.md "Rules" and "Chats", driven with
//! normalized inbound events (no messenger), checked through the REST API, on
//! SQLite and PostgreSQL.

mod access;
mod access_live;
mod actions;
mod assignable;
mod canned;
mod concurrency;
mod contacts;
mod deals;
mod erasure;
mod events;
mod fair_sending;
mod inbox_filters;
mod lists;
mod notifications;
mod pipelines;
mod quotes;
mod reactions;
mod reports;
mod routing;
mod rules;
mod search_index;
mod snooze;
mod support;
mod tasks;
