//! Snoozing chats: a manager's snooze and unsnooze (REST, bulk), the end of a
//! snooze when the chat closes, and the wake timer that brings chats back
//! when their time comes. Rules come from `domain::snooze`; the timer runs on
//! one node at a time (a lease) and keeps its state in the database, so a
//! restart or another node picks up where it stopped.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use shared::api::chats::Chat;
use shared::api::timeline::UnsnoozeReason;
use shared::Id;
use tokio::sync::watch;

use super::{change_chat, summary};
use crate::domain::account::User;
use crate::domain::policy::ChatAction;
use crate::domain::snooze as rules;
use crate::service::{live, Context, ServiceError};
use crate::store::{leases, now, snoozes, write_transaction, DbConn, StoreError};
use crate::texts::Says;

/// How often the timer looks for snoozes that are due.
const TICK: Duration = Duration::from_secs(2);
/// The timer's node renews its lease at least this often …
const RENEW_EVERY: Duration = Duration::from_secs(15);
/// … and another node takes over this long after it stopped renewing.
const LEASE_TTL: TimeDelta = TimeDelta::seconds(45);
const LEASE: &str = "snooze-waker";
/// Chats woken per pass; the next pass takes the rest.
const WAKE_BATCH: i64 = 200;

/// `until` as sent: an RFC 3339 time (any offset), in UTC.
pub fn parse_until(value: &str) -> Result<NaiveDateTime, ServiceError> {
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .map(|at| chrono::SubsecRound::trunc_subsecs(at.naive_utc(), 6))
        .map_err(|_| {
            ServiceError::Invalid(Says::UntilNotATime {
                value: value.to_owned(),
            })
        })
}

/// Refuses a time that is not in the future (before touching any chat).
pub fn check_until(until: NaiveDateTime) -> Result<(), ServiceError> {
    if until <= now() {
        return Err(ServiceError::Invalid(Says::Snooze(
            rules::SnoozeError::NotInFuture,
        )));
    }
    Ok(())
}

/// A manager snoozes the chat until `until`.
pub async fn snooze(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    until: NaiveDateTime,
) -> Result<Chat, ServiceError> {
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::Snooze,
        move |conn, caller, chat, appended| {
            let change = rules::snooze(chat.status, until, now()).map_err(|err| match err {
                rules::SnoozeError::NotInFuture => ServiceError::Invalid(Says::Snooze(err)),
                rules::SnoozeError::Closed => ServiceError::Conflict(Says::Snooze(err)),
            })?;
            appended.extend(snoozes::apply(conn, chat_id, Some(caller.id), &change)?);
            Ok(())
        },
    )
    .await?;
    summary(ctx, caller, chat_id).await
}

/// A manager ends the chat's snooze (nothing happens if it has none).
pub async fn unsnooze(ctx: &Context, caller: &User, chat_id: Id) -> Result<Chat, ServiceError> {
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::Snooze,
        move |conn, caller, _, appended| {
            let current = snoozes::find_until(conn, chat_id)?;
            if let Some(change) = rules::unsnooze(current, UnsnoozeReason::Manual) {
                appended.extend(snoozes::apply(conn, chat_id, Some(caller.id), &change)?);
            }
            Ok(())
        },
    )
    .await?;
    summary(ctx, caller, chat_id).await
}

/// The chat closed (inside the close's transaction): its snooze ends quietly.
pub(super) fn end_on_close(conn: &mut DbConn, chat_id: Id) -> Result<(), StoreError> {
    if let Some(change) = rules::chat_closes(snoozes::find_until(conn, chat_id)?) {
        snoozes::apply(conn, chat_id, None, &change)?;
    }
    Ok(())
}

/// Wakes every chat whose snooze is due at `at` (`unsnoozed`, reason
/// `time`), each in its own transaction with its live events; returns how
/// many woke. The timer calls it; tests call it with a time of their choice.
pub async fn wake_due(ctx: &Context, at: NaiveDateTime) -> Result<usize, ServiceError> {
    let mut woken = 0;
    loop {
        let due = ctx
            .store
            .run(move |conn| snoozes::list_due(conn, at, WAKE_BATCH))
            .await?;
        let batch = due.len();
        for chat_id in due {
            let changed = ctx
                .store
                .run(move |conn| write_transaction(conn, |conn| wake_chat(conn, chat_id, at)))
                .await?;
            if changed {
                woken += 1;
            }
        }
        if woken > 0 {
            ctx.hub.wake();
        }
        if (batch as i64) < WAKE_BATCH {
            return Ok(woken);
        }
    }
}

/// Wakes one chat if its snooze is still due (another node or a customer's
/// message may have ended it since it was listed).
fn wake_chat(conn: &mut DbConn, chat_id: Id, at: NaiveDateTime) -> Result<bool, StoreError> {
    let Some(change) = rules::wake_if_due(snoozes::find_until(conn, chat_id)?, at) else {
        return Ok(false);
    };
    let items = snoozes::apply(conn, chat_id, None, &change)?;
    live::items_then_chat_changed(conn, chat_id, items)?;
    Ok(true)
}

/// The wake timer: while this node holds the lease, wakes due snoozes every
/// [`TICK`].
pub async fn run(ctx: Context, node: String, mut shutdown: watch::Receiver<bool>) {
    let mut held_since: Option<tokio::time::Instant> = None;
    loop {
        let renew = held_since.is_none_or(|since| since.elapsed() >= RENEW_EVERY);
        if renew {
            let holder = node.clone();
            held_since = match ctx
                .store
                .run(move |conn| leases::acquire(conn, LEASE, &holder, LEASE_TTL))
                .await
            {
                Ok(true) => Some(tokio::time::Instant::now()),
                Ok(false) => None,
                Err(err) => {
                    tracing::warn!(%err, "cannot take the snooze timer's lease");
                    None
                }
            };
        }
        if held_since.is_some() {
            if let Err(err) = wake_due(&ctx, now()).await {
                tracing::warn!(%err, "cannot wake snoozed chats");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
    if held_since.is_some() {
        let _ = ctx
            .store
            .run(move |conn| leases::release(conn, LEASE, &node))
            .await;
    }
}
