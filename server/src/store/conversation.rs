//! Writes what the conversation rules decided (`domain::chat::Transition`):
//! the chat's new status and assignee, then its events, in order. The one
//! place a rule's outcome reaches the database, for inbound processing,
//! manager actions and demo seeding alike; it decides nothing.

use chrono::NaiveDateTime;
use shared::Id;

use super::chats::{set_assignee, set_status};
use super::{timeline, DbConn, StoreError};
use crate::domain::chat::{ChatState, Transition};

/// Applies `transition` to a chat that was in state `before`; returns the ids
/// of the timeline items it appended, in order. `at` is when a status change
/// happened (a close's `closed_at`).
pub fn apply(
    conn: &mut DbConn,
    chat_id: Id,
    actor_id: Option<Id>,
    before: ChatState,
    transition: &Transition,
    at: NaiveDateTime,
) -> Result<Vec<Id>, StoreError> {
    if transition.state.status != before.status {
        set_status(conn, chat_id, transition.state.status, at)?;
    }
    if transition.state.assignee_id != before.assignee_id {
        set_assignee(conn, chat_id, transition.state.assignee_id, at)?;
    }
    transition
        .events
        .iter()
        .map(|event| timeline::insert_event(conn, chat_id, actor_id, event))
        .collect()
}
