//! The small CRM: customers and contacts, pipelines and stages, deals, tasks,
//! projects, chat links and comments; one file per aggregate.

mod comments;
mod contact_book;
mod contacts;
mod deals;
mod task_board;
mod work;

pub use comments::*;
pub use contact_book::*;
pub use contacts::*;
pub use deals::*;
pub use task_board::*;
pub use work::*;
