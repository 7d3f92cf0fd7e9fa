//! Types shared by the Tidings server and its web app: REST DTOs, error codes and
//! (later) the socket protocol. Serde only: no storage, HTTP-server or browser types.

pub mod api;
pub mod error;
pub mod lang;
pub mod nullable;
pub mod ws;

/// Identifier of any stored record. CONTRACT.md: ids are JSON integers.
pub type Id = i64;
