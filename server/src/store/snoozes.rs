//! Snoozed chats (`chat_snoozes`, one row per snoozed chat): reads the
//! snooze for the rules, writes what `domain::snooze` decided, and finds the
//! snoozes whose time has come for the wake timer. It decides nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use super::schema::chat_snoozes;
use super::{timeline, DbConn, StoreError};
use crate::domain::snooze::{self, SnoozeChange};
use crate::store::OnBackend;

/// Until when the chat is snoozed (`None`: it is not).
pub fn find_until(conn: &mut DbConn, chat_id: Id) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(chat_snoozes::table
        .find(chat_id)
        .select(chat_snoozes::until)
        .first_on(conn)
        .optional()?)
}

/// The snoozes of these chats, for list rows.
pub fn list_until(
    conn: &mut DbConn,
    chat_ids: &[Id],
) -> Result<Vec<(Id, NaiveDateTime)>, StoreError> {
    let ids = chat_ids.to_vec();
    let query = chat_snoozes::table.select((chat_snoozes::chat_id, chat_snoozes::until));
    Ok(load_for_ids!(conn, query, chat_snoozes::chat_id, ids)?)
}

/// Writes a rule's outcome: the snooze (replaced or removed), then its
/// events by `actor_id`; returns the ids of the appended timeline items.
pub fn apply(
    conn: &mut DbConn,
    chat_id: Id,
    actor_id: Option<Id>,
    change: &SnoozeChange,
) -> Result<Vec<Id>, StoreError> {
    // Replace rather than upsert: the derived connection has no ON CONFLICT,
    // and the caller's write transaction makes the two steps one.
    diesel::delete(chat_snoozes::table.find(chat_id)).execute_on(conn)?;
    if let Some(until) = change.until {
        diesel::insert_into(chat_snoozes::table)
            .values((
                chat_snoozes::chat_id.eq(chat_id),
                chat_snoozes::until.eq(until),
                chat_snoozes::snoozed_by.eq(actor_id),
            ))
            .execute_on(conn)?;
    }
    change
        .events
        .iter()
        .map(|event| timeline::insert_event(conn, chat_id, actor_id, event))
        .collect()
}

/// A customer's message arrived in the chat: a snooze ends (`customer_wrote`).
pub fn wake_on_customer_message(conn: &mut DbConn, chat_id: Id) -> Result<Vec<Id>, StoreError> {
    match snooze::customer_wrote(find_until(conn, chat_id)?) {
        Some(change) => apply(conn, chat_id, None, &change),
        None => Ok(Vec::new()),
    }
}

/// Chats whose snooze is due at `at`, the longest overdue first.
pub fn list_due(conn: &mut DbConn, at: NaiveDateTime, limit: i64) -> Result<Vec<Id>, StoreError> {
    Ok(chat_snoozes::table
        .filter(chat_snoozes::until.le(at))
        .order((chat_snoozes::until, chat_snoozes::chat_id))
        .select(chat_snoozes::chat_id)
        .limit(limit)
        .load_on(conn)?)
}
