//! REST API tests against the real server, each on SQLite and on PostgreSQL.

mod accounts;
mod basics;
mod hostile;
mod metrics;
mod schemathesis;
mod throttling;
mod web_security;
