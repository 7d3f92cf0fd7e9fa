//! The durable, bounded event log behind the live socket. Rows are appended
//! inside the transaction that makes the change, so an event exists exactly
//! when its change does; on PostgreSQL a trigger on the log sends a NOTIFY on
//! [`NOTIFY_CHANNEL`] (migration `event_log_notify`), which PostgreSQL
//! delivers to every node only at commit.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use super::schema::event_log;
use super::{now, DbConn, StoreError};
use crate::store::OnBackend;

/// The NOTIFY channel every node listens on.
pub const NOTIFY_CHANNEL: &str = "tidings_events";

pub fn append(conn: &mut DbConn, chat_id: Option<Id>, payload: &str) -> Result<Id, StoreError> {
    let id = diesel::insert_into(event_log::table)
        .values((
            event_log::chat_id.eq(chat_id),
            event_log::payload.eq(payload),
            event_log::at.eq(now()),
        ))
        .returning(event_log::id);
    let id = id.get_result_on(conn)?;
    Ok(id)
}

/// Appends several events (`(chat, payload)`, in order). On PostgreSQL in
/// one statement: one round trip for a change's events, not one each. SQLite
/// has no round trip to save, and Diesel parses a multi-row insert anew on
/// every call while it keeps the one-row insert prepared: one row at a time.
pub fn append_all(conn: &mut DbConn, events: &[(Option<Id>, String)]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    if let DbConn::Sqlite(_) = conn {
        for (chat_id, payload) in events {
            append(conn, *chat_id, payload)?;
        }
        return Ok(());
    }
    let at = now();
    let rows: Vec<_> = events
        .iter()
        .map(|(chat_id, payload)| {
            (
                event_log::chat_id.eq(*chat_id),
                event_log::payload.eq(payload.as_str()),
                event_log::at.eq(at),
            )
        })
        .collect();
    // The derived multi-backend has no multi-row INSERT; the backend has.
    let insert = diesel::insert_into(event_log::table).values(rows);
    insert.execute_on(conn)?;
    Ok(())
}

/// Events after `after`, oldest first.
pub fn after(conn: &mut DbConn, after: Id, limit: i64) -> Result<Vec<(Id, String)>, StoreError> {
    Ok(event_log::table
        .filter(event_log::id.gt(after))
        .order(event_log::id)
        .limit(limit)
        .select((event_log::id, event_log::payload))
        .load_on(conn)?)
}

/// The oldest and newest ids in the log (0 when empty).
pub fn bounds(conn: &mut DbConn) -> Result<(Id, Id), StoreError> {
    let (min, max): (Option<Id>, Option<Id>) = event_log::table
        .select((
            diesel::dsl::min(event_log::id),
            diesel::dsl::max(event_log::id),
        ))
        .first_on(conn)?;
    Ok((min.unwrap_or(0), max.unwrap_or(0)))
}

/// Drops events older than `before`, always keeping the newest `keep` rows.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime, keep: i64) -> Result<usize, StoreError> {
    let (_, max) = bounds(conn)?;
    Ok(diesel::delete(
        event_log::table
            .filter(event_log::at.lt(before))
            .filter(event_log::id.le(max - keep)),
    )
    .execute_on(conn)?)
}
