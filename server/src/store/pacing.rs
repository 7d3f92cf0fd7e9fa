//! Send pacing shared by every node: messengers limit a bot (Telegram: about
//! 30 messages a second) and a chat (about one a second, short bursts)
//! whatever number of servers send for it, so each node counts the sends of
//! all of them here before it claims a job. On PostgreSQL the bot's advisory
//! lock makes counting and recording one step across nodes; SQLite's writers
//! already take turns. Each node still keeps its own recent sends in memory
//! (`service::outbound`) so it does not ask here for jobs it knows must wait.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use shared::Id;

use super::schema::recent_sends;
use super::{lock_for_transaction, lock_key, DbConn, StoreError};
use crate::domain::pacing::{Window, JITTER_MARGIN, PER_BOT, PER_CHAT};
use crate::store::OnBackend;

/// Sends older than this count for nothing (longer than any window).
const KEEP: TimeDelta = TimeDelta::seconds(10);

/// Which pace a send would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paced {
    Bot,
    Chat,
}

/// Whether a send to this chat of this bot must wait; holds the bot's pacing
/// lock until the transaction ends, so call [`record_send`] in the same one.
pub fn must_wait(
    conn: &mut DbConn,
    integration_id: Id,
    chat_id: Id,
    at: NaiveDateTime,
) -> Result<Option<Paced>, StoreError> {
    lock_for_transaction(conn, lock_key(&[b"pacing", &integration_id.to_le_bytes()]))?;
    let sent_since = |rule: Window| at - window_with_margin(rule);
    let by_bot: i64 = recent_sends::table
        .filter(recent_sends::integration_id.eq(integration_id))
        .filter(recent_sends::sent_at.gt(sent_since(PER_BOT)))
        .count()
        .get_result_on(conn)?;
    if by_bot >= limit(PER_BOT) {
        return Ok(Some(Paced::Bot));
    }
    let to_chat: i64 = recent_sends::table
        .filter(recent_sends::chat_id.eq(chat_id))
        .filter(recent_sends::sent_at.gt(sent_since(PER_CHAT)))
        .count()
        .get_result_on(conn)?;
    Ok((to_chat >= limit(PER_CHAT)).then_some(Paced::Chat))
}

/// Counts a send that is about to happen, and forgets the bot's old ones.
pub fn record_send(
    conn: &mut DbConn,
    integration_id: Id,
    chat_id: Id,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(
        recent_sends::table
            .filter(recent_sends::integration_id.eq(integration_id))
            .filter(recent_sends::sent_at.lt(at - KEEP)),
    )
    .execute_on(conn)?;
    diesel::insert_into(recent_sends::table)
        .values((
            recent_sends::integration_id.eq(integration_id),
            recent_sends::chat_id.eq(chat_id),
            recent_sends::sent_at.eq(at),
        ))
        .execute_on(conn)?;
    Ok(())
}

fn window_with_margin(rule: Window) -> TimeDelta {
    TimeDelta::from_std(rule.window + JITTER_MARGIN).unwrap_or(KEEP)
}

fn limit(rule: Window) -> i64 {
    i64::try_from(rule.limit).unwrap_or(i64::MAX)
}
