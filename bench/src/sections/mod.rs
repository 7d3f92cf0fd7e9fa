//! The report sections of each scenario: run it, then turn its outcome into
//! rows and checks.

pub mod backup;
pub mod bulk_actions;
pub mod canned;
pub mod channels;
pub mod crm;
pub mod footprint;
pub mod ingest;
pub mod live;
pub mod outbound;
pub mod push;
pub mod queries;
pub mod reads;
pub mod reports;
pub mod routing;
