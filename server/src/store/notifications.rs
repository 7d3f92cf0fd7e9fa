//! Users' notifications and the facts that decide who gets one (people,
//! their mute setting, the integration's queue). Who is notified is decided
//! in `domain::notifications`, never here.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use shared::api::notifications::NotificationKind;
use shared::api::users::Role;
use shared::Id;

use super::schema::{chat_followers, chat_user_state, integration_queue, notifications, users};
use super::{DbConn, StoreError};
use crate::domain::notifications::{NewNotification, Person};
use crate::store::OnBackend;

/// A notification as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRecord {
    pub id: Id,
    pub user_id: Id,
    pub kind: NotificationKind,
    pub chat_id: Id,
    pub item_id: Option<Id>,
    pub actor_id: Option<Id>,
    pub at: NaiveDateTime,
    pub read: bool,
}

type Row = (
    Id,
    Id,
    String,
    Id,
    Option<Id>,
    Option<Id>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

const COLUMNS: (
    notifications::id,
    notifications::user_id,
    notifications::kind,
    notifications::chat_id,
    notifications::item_id,
    notifications::actor_id,
    notifications::at,
    notifications::read_at,
) = (
    notifications::id,
    notifications::user_id,
    notifications::kind,
    notifications::chat_id,
    notifications::item_id,
    notifications::actor_id,
    notifications::at,
    notifications::read_at,
);

fn to_record(row: Row) -> Result<NotificationRecord, StoreError> {
    let (id, user_id, kind, chat_id, item_id, actor_id, at, read_at) = row;
    let kind = NotificationKind::parse(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("notification {id}: unknown kind {kind:?}")))?;
    Ok(NotificationRecord {
        id,
        user_id,
        kind,
        chat_id,
        item_id,
        actor_id,
        at,
        read: read_at.is_some(),
    })
}

/// Writes the notifications of one occurrence in a chat; returns them, in order.
pub fn insert(
    conn: &mut DbConn,
    chat_id: Id,
    new: &[NewNotification],
    at: NaiveDateTime,
) -> Result<Vec<NotificationRecord>, StoreError> {
    new.iter()
        .map(|n| {
            let insert = diesel::insert_into(notifications::table)
                .values((
                    notifications::user_id.eq(n.user_id),
                    notifications::kind.eq(n.kind.as_str()),
                    notifications::chat_id.eq(chat_id),
                    notifications::item_id.eq(n.item_id),
                    notifications::actor_id.eq(n.actor_id),
                    notifications::at.eq(at),
                ))
                .returning(notifications::id);
            let id: Id = insert.get_result_on(conn)?;
            Ok(NotificationRecord {
                id,
                user_id: n.user_id,
                kind: n.kind,
                chat_id,
                item_id: n.item_id,
                actor_id: n.actor_id,
                at,
                read: false,
            })
        })
        .collect()
}

/// One page of the user's notifications, newest first, before the
/// notification `before`; the next page's cursor is the last one's id.
pub fn list(
    conn: &mut DbConn,
    user_id: Id,
    unread_only: bool,
    before: Option<Id>,
    limit: i64,
) -> Result<(Vec<NotificationRecord>, Option<Id>), StoreError> {
    let mut query = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .select(COLUMNS)
        .order(notifications::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    if let Some(before) = before {
        query = query.filter(notifications::id.lt(before));
    }
    let rows: Vec<Row> = query.load(conn)?;
    let more = rows.len() as i64 > limit;
    let page: Vec<NotificationRecord> = rows
        .into_iter()
        .take(limit as usize)
        .map(to_record)
        .collect::<Result<_, _>>()?;
    let next = more.then(|| page.last().map(|n| n.id)).flatten();
    Ok((page, next))
}

pub fn count_unread(conn: &mut DbConn, user_id: Id) -> Result<i64, StoreError> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .select(count_star())
        .first_on(conn)?)
}

/// Marks the user's unread notifications among `ids` (all of them when
/// `None`) read; others' ids change nothing. Returns the ids marked.
pub fn mark_read(
    conn: &mut DbConn,
    user_id: Id,
    ids: Option<&[Id]>,
    at: NaiveDateTime,
) -> Result<Vec<Id>, StoreError> {
    let mut query = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .select(notifications::id)
        .into_boxed();
    if let Some(ids) = ids {
        query = query.filter(notifications::id.eq_any(ids));
    }
    let marked: Vec<Id> = query.load(conn)?;
    if !marked.is_empty() {
        diesel::update(notifications::table.filter(notifications::id.eq_any(&marked)))
            .set(notifications::read_at.eq(at))
            .execute_on(conn)?;
    }
    Ok(marked)
}

/// The queue of an integration, in order.
pub fn queue(conn: &mut DbConn, integration_id: Id) -> Result<Vec<Id>, StoreError> {
    Ok(integration_queue::table
        .filter(integration_queue::integration_id.eq(integration_id))
        .order(integration_queue::position)
        .select(integration_queue::user_id)
        .load_on(conn)?)
}

/// What the notification rules need of these users in this chat; unknown
/// ids are left out.
pub fn people(conn: &mut DbConn, chat_id: Id, ids: &[Id]) -> Result<Vec<Person>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = ids.to_vec();
    let found = users::table
        .select((users::id, users::name, users::role, users::active))
        .order(users::id);
    let found: Vec<(Id, String, String, bool)> = load_for_ids!(conn, found, users::id, ids)?;
    let follows = chat_followers::table
        .filter(chat_followers::chat_id.eq(chat_id))
        .select(chat_followers::user_id);
    let follows: Vec<Id> = load_for_ids!(conn, follows, chat_followers::user_id, ids)?;
    let muted = chat_user_state::table
        .filter(chat_user_state::chat_id.eq(chat_id))
        .filter(chat_user_state::notifications_enabled.eq(false))
        .select(chat_user_state::user_id);
    let muted: Vec<Id> = load_for_ids!(conn, muted, chat_user_state::user_id, ids)?;
    found
        .into_iter()
        .map(|(id, name, role, active)| {
            let role = Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("user {id}: unknown role {role:?}")))?;
            Ok(Person {
                id,
                name,
                role,
                active,
                follows: follows.contains(&id),
                muted: muted.contains(&id),
            })
        })
        .collect()
}
