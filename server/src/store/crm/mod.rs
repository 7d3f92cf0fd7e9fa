//! The small CRM: customers and contacts, pipelines and stages, deals, tasks,
//! projects, chat links and comments; one file per aggregate.

mod comments;
mod contacts;
mod deals;
mod work;

pub use comments::*;
pub use contacts::*;
pub use deals::*;
pub use work::*;
