//! What channel health reads beyond the integration row: the updates of an
//! integration kept as failed (listed, counted, picked to apply again) and
//! its last successful send. Writing them stays with `inbound` and `outbound`.

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;
use shared::Id;

use super::schema::{inbound_events, outbound_queue};
use super::{DbConn, StoreError};
use crate::store::OnBackend;

/// The status of an update kept but not applied.
const FAILED: &str = "failed";

/// One update kept as failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedUpdateRecord {
    pub id: Id,
    pub received_at: NaiveDateTime,
    pub error: Option<String>,
}

pub fn count_failed_updates(conn: &mut DbConn, integration_id: Id) -> Result<i64, StoreError> {
    Ok(inbound_events::table
        .filter(inbound_events::integration_id.eq(integration_id))
        .filter(inbound_events::status.eq(FAILED))
        .count()
        .get_result_on(conn)?)
}

/// Failed updates of an integration after the one with id `after`, oldest first.
pub fn list_failed_updates(
    conn: &mut DbConn,
    integration_id: Id,
    after: Option<Id>,
    limit: i64,
) -> Result<Vec<FailedUpdateRecord>, StoreError> {
    let rows: Vec<(Id, NaiveDateTime, Option<String>)> = inbound_events::table
        .filter(inbound_events::integration_id.eq(integration_id))
        .filter(inbound_events::status.eq(FAILED))
        .filter(inbound_events::id.gt(after.unwrap_or(0)))
        .order(inbound_events::id)
        .limit(limit)
        .select((
            inbound_events::id,
            inbound_events::received_at,
            inbound_events::error,
        ))
        .load_on(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, received_at, error)| FailedUpdateRecord {
            id,
            received_at,
            error,
        })
        .collect())
}

/// Raw bodies of an integration's failed updates, oldest first, to apply again.
pub fn failed_update_bodies(
    conn: &mut DbConn,
    integration_id: Id,
    limit: i64,
) -> Result<Vec<(Id, String)>, StoreError> {
    Ok(inbound_events::table
        .filter(inbound_events::integration_id.eq(integration_id))
        .filter(inbound_events::status.eq(FAILED))
        .order(inbound_events::id)
        .limit(limit)
        .select((inbound_events::integration_id, inbound_events::body))
        .load_on(conn)?)
}

/// When the integration last sent a message successfully.
pub fn last_sent_at(
    conn: &mut DbConn,
    integration_id: Id,
) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(outbound_queue::table
        .filter(outbound_queue::integration_id.eq(integration_id))
        .select(max(outbound_queue::sent_at))
        .first_on(conn)?)
}
