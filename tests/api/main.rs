//! REST API tests against the real server, each on SQLite and on PostgreSQL.

mod accounts;
mod basics;
mod hostile;
mod languages;
mod metrics;
mod schemathesis;
mod static_files;
mod throttling;
mod web_security;
