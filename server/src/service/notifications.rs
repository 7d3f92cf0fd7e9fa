//! The notification centre: making notifications inside the transaction of
//! the change that causes them ([`notify`], the one entry point), listing
//! them and marking them read. Who is notified is `domain::notifications`.
//!
//! Because a notification is written with its cause (the comment, the
//! assignment, the customer's message applied by the inbound writer), a
//! change that commits once notifies once, on any number of nodes; the live
//! event rides the same event log as everything else.

use shared::api::chats::Direction;
use shared::api::notifications::{MarkNotificationsRead, NotificationPage};
use shared::api::timeline::{AssignmentReason, TimelineEvent};
use shared::ws::ServerMsg;
use shared::Id;

use super::chats::page_size;
use super::{views, Context, ServiceError};
use crate::domain::account::User;
use crate::domain::notifications::{self as rules, ChatNow, Occurrence};
use crate::realtime;
use crate::store::chats::ChatRecord;
use crate::store::notifications::{self as store, NotificationRecord};
use crate::store::timeline::{ItemRecord, RecordBody};
use crate::store::{now, write_transaction, DbConn, StoreError};
use crate::texts::Says;

/// Most ids one "mark read" names (beyond: `{all: true}`).
pub const MAX_MARK_IDS: usize = 500;

/// Writes the notifications `occurrence` implies in `chat` (as it is now,
/// after the change) and records each as a live event for its user alone;
/// returns them. Call it inside the transaction of the change, so a change
/// that commits notifies exactly once. Everything that must follow a new
/// notification (a push to the user's devices) hooks in here.
pub fn notify(
    conn: &mut DbConn,
    chat: &ChatRecord,
    occurrence: &Occurrence,
) -> Result<Vec<NotificationRecord>, StoreError> {
    let mut events = realtime::Batch::default();
    let made = notify_all(conn, chat, std::slice::from_ref(occurrence), &mut events)?;
    events.record(conn)?;
    Ok(made)
}

/// [`notify`] for several occurrences of one change, in order: the people
/// they concern are read once, and the live events join `events` (the caller
/// logs them with its own).
fn notify_all(
    conn: &mut DbConn,
    chat: &ChatRecord,
    occurrences: &[Occurrence],
    events: &mut realtime::Batch,
) -> Result<Vec<NotificationRecord>, StoreError> {
    let waits = occurrences
        .iter()
        .any(|o| matches!(o, Occurrence::StartedWaiting { .. }));
    let facts = ChatNow {
        status: chat.status,
        assignee_id: chat.assignee_id,
        queue: match waits {
            true => store::queue(conn, chat.integration_id)?,
            false => Vec::new(),
        },
    };
    let mut candidates: Vec<Id> = occurrences
        .iter()
        .flat_map(|occurrence| rules::candidates(occurrence, &facts))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let people = store::people(conn, chat.id, &candidates)?;
    let new: Vec<_> = occurrences
        .iter()
        .flat_map(|occurrence| rules::notifications(occurrence, &facts, &people))
        .collect();
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let made = store::insert(conn, chat.id, &new, now())?;
    for notification in &made {
        events.for_users(
            Some(chat.id),
            vec![notification.user_id],
            ServerMsg::Notification {
                notification: views::notification(notification.clone()),
            },
        )?;
    }
    super::push::queue_for(conn, chat, &made)?;
    tracing::debug!(chat_id = chat.id, made = made.len(), "notified");
    Ok(made)
}

/// [`notify`] for what the timeline items a change appended imply: an
/// assignment, a customer's message, a chat that starts waiting; their live
/// events join `events`.
pub fn notify_items(
    conn: &mut DbConn,
    chat: &ChatRecord,
    items: &[ItemRecord],
    events: &mut realtime::Batch,
) -> Result<Vec<NotificationRecord>, StoreError> {
    let occurrences: Vec<Occurrence> = items.iter().filter_map(occurrence_of).collect();
    if occurrences.is_empty() {
        return Ok(Vec::new());
    }
    notify_all(conn, chat, &occurrences, events)
}

fn occurrence_of(item: &ItemRecord) -> Option<Occurrence> {
    match &item.body {
        RecordBody::Message(message) if message.direction == Direction::In => {
            Some(Occurrence::CustomerWrote { item_id: item.id })
        }
        RecordBody::Message(_) => None,
        RecordBody::Event { actor_id, event } => match event {
            TimelineEvent::Assigned(assigned) => Some(Occurrence::Assigned {
                item_id: item.id,
                user_id: assigned.user_id,
                previous_user_id: assigned.previous_user_id,
                actor_id: *actor_id,
                reason: assigned.reason,
            }),
            TimelineEvent::Unassigned(unassigned)
                if unassigned.reason == AssignmentReason::NoEligibleManager =>
            {
                Some(Occurrence::StartedWaiting { item_id: item.id })
            }
            _ => None,
        },
    }
}

/// The caller's notifications, newest first (only unread ones when
/// `unread_only`), with their unread total.
pub async fn list(
    ctx: &Context,
    caller: &User,
    unread_only: bool,
    cursor: Option<String>,
    limit: Option<i64>,
) -> Result<NotificationPage, ServiceError> {
    let limit = page_size(limit)?;
    let before = cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<Id>()
                .map_err(|_| ServiceError::Invalid(Says::BadCursor))
        })
        .transpose()?;
    let user_id = caller.id;
    let (page, next, unread) = ctx
        .store
        .run(move |conn| {
            let (page, next) = store::list(conn, user_id, unread_only, before, limit)?;
            let unread = store::count_unread(conn, user_id)?;
            Ok::<_, StoreError>((page, next, unread))
        })
        .await?;
    Ok(NotificationPage {
        items: page.into_iter().map(views::notification).collect(),
        next_cursor: next.map(|id| id.to_string()),
        unread,
    })
}

/// Marks the caller's notifications read (`ids`, or all); ids that are not
/// the caller's are ignored. The caller's other tabs and devices hear of it.
/// Returns what is left unread.
pub async fn mark_read(
    ctx: &Context,
    caller: &User,
    request: MarkNotificationsRead,
) -> Result<i64, ServiceError> {
    if request.ids.len() > MAX_MARK_IDS {
        return Err(ServiceError::Invalid(Says::TooManyNotificationIds {
            max: MAX_MARK_IDS,
        }));
    }
    let user_id = caller.id;
    let (unread, changed) = ctx
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let ids = (!request.all).then_some(request.ids.as_slice());
                let marked = store::mark_read(conn, user_id, ids, now())?;
                let unread = store::count_unread(conn, user_id)?;
                if !marked.is_empty() {
                    realtime::record_for_users(
                        conn,
                        None,
                        vec![user_id],
                        ServerMsg::NotificationsRead {
                            ids: if request.all {
                                Vec::new()
                            } else {
                                marked.clone()
                            },
                            all: request.all,
                            unread,
                        },
                    )?;
                }
                Ok::<_, StoreError>((unread, !marked.is_empty()))
            })
        })
        .await?;
    if changed {
        ctx.hub.wake();
    }
    Ok(unread)
}
