//! Chats: lookup with access facts, the inbox groups, the archive, and the
//! per-chat state (followers, tags, read markers, notification settings).
//!
//! A list is one keyset-paginated query over indexed columns plus one batch
//! query each for followers, tags, deals and unread counts of that page — never
//! a query per chat.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use shared::api::chats::{ChatGroup, ChatStatus};
use shared::api::Channel;
use shared::Id;

use super::schema::{
    chat_followers, chat_snoozes, chat_tags, chat_user_state, chats, contacts, deals, integrations,
    timeline_items,
};
use super::{search, snoozes, DbConn, StoreError};
use crate::domain::chat::{parse_status, status_str, ChatState};
use crate::domain::policy::ChatScope;
use crate::store::{kept_update, OnBackend};

/// A chat as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRecord {
    pub id: Id,
    pub integration_id: Id,
    pub customer_id: Id,
    pub contact_id: Id,
    pub status: ChatStatus,
    pub assignee_id: Option<Id>,
    pub referral: Option<String>,
    pub unreachable_reason: Option<String>,
    pub last_message_preview: Option<String>,
    pub started_at: NaiveDateTime,
    pub last_message_at: NaiveDateTime,
    /// Since when it waits for an eligible manager.
    pub waiting_since: Option<NaiveDateTime>,
    /// Until when a free-form reply may be sent (WhatsApp); `None`: no window.
    pub reply_window_ends_at: Option<NaiveDateTime>,
    /// Telegram Business: the connection the chat belongs to.
    pub business_connection_id: Option<String>,
}

type ChatColumns = (
    chats::id,
    chats::integration_id,
    chats::customer_id,
    chats::contact_id,
    chats::status,
    chats::assignee_id,
    chats::referral,
    chats::unreachable_reason,
    chats::last_message_preview,
    chats::started_at,
    chats::last_message_at,
    chats::waiting_since,
    chats::reply_window_ends_at,
    chats::business_connection_id,
);
pub(super) const CHAT_COLUMNS: ChatColumns = (
    chats::id,
    chats::integration_id,
    chats::customer_id,
    chats::contact_id,
    chats::status,
    chats::assignee_id,
    chats::referral,
    chats::unreachable_reason,
    chats::last_message_preview,
    chats::started_at,
    chats::last_message_at,
    chats::waiting_since,
    chats::reply_window_ends_at,
    chats::business_connection_id,
);

/// A `chats` row as [`CHAT_COLUMNS`] selects it.
#[derive(Debug, Queryable)]
pub(super) struct ChatRow {
    id: Id,
    integration_id: Id,
    customer_id: Id,
    contact_id: Id,
    status: String,
    assignee_id: Option<Id>,
    referral: Option<String>,
    unreachable_reason: Option<String>,
    last_message_preview: Option<String>,
    started_at: NaiveDateTime,
    last_message_at: NaiveDateTime,
    waiting_since: Option<NaiveDateTime>,
    reply_window_ends_at: Option<NaiveDateTime>,
    business_connection_id: Option<String>,
}

pub(super) fn to_record(row: ChatRow) -> Result<ChatRecord, StoreError> {
    let status = parse_status(&row.status).ok_or_else(|| {
        StoreError::Corrupt(format!("chat {}: unknown status {:?}", row.id, row.status))
    })?;
    Ok(ChatRecord {
        id: row.id,
        integration_id: row.integration_id,
        customer_id: row.customer_id,
        contact_id: row.contact_id,
        status,
        assignee_id: row.assignee_id,
        referral: row.referral,
        unreachable_reason: row.unreachable_reason,
        last_message_preview: row.last_message_preview,
        started_at: row.started_at,
        last_message_at: row.last_message_at,
        waiting_since: row.waiting_since,
        reply_window_ends_at: row.reply_window_ends_at,
        business_connection_id: row.business_connection_id,
    })
}

impl ChatRecord {
    /// What the conversation rules need of it.
    pub fn state(&self) -> ChatState {
        ChatState {
            status: self.status,
            assignee_id: self.assignee_id,
        }
    }
}

pub fn find_chat(conn: &mut DbConn, id: Id) -> Result<ChatRecord, StoreError> {
    to_record(chats::table.find(id).select(CHAT_COLUMNS).first_on(conn)?)
}

/// The chat of a customer with an integration (there is at most one).
pub fn find_chat_of_customer(
    conn: &mut DbConn,
    integration_id: Id,
    customer_id: Id,
) -> Result<Option<ChatRecord>, StoreError> {
    let chat = chats::table
        .filter(chats::integration_id.eq(integration_id))
        .filter(chats::customer_id.eq(customer_id))
        .filter(chats::business_connection_id.is_null())
        .select(CHAT_COLUMNS);
    chat.first_on(conn).optional()?.map(to_record).transpose()
}

pub fn is_follower(conn: &mut DbConn, chat_id: Id, user_id: Id) -> Result<bool, StoreError> {
    let n: i64 = chat_followers::table
        .filter(chat_followers::chat_id.eq(chat_id))
        .filter(chat_followers::user_id.eq(user_id))
        .count()
        .get_result_on(conn)?;
    Ok(n > 0)
}

/// A chat with everything a list row shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatSummary {
    pub chat: ChatRecord,
    pub integration_name: String,
    pub channel: Channel,
    pub contact_name: String,
    pub follower_ids: Vec<Id>,
    pub tags: Vec<String>,
    pub deal_ids: Vec<Id>,
    pub unread_count: i64,
    /// Until when the chat is snoozed, if it is.
    pub snoozed_until: Option<NaiveDateTime>,
}

/// Position in a list ordered by newest activity: `(last_message_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub last_message_at: NaiveDateTime,
    pub id: Id,
}

impl ListCursor {
    pub fn encode(&self) -> String {
        format!(
            "{}_{}",
            self.last_message_at.and_utc().timestamp_micros(),
            self.id
        )
    }

    pub fn decode(value: &str) -> Option<ListCursor> {
        let (micros, id) = value.split_once('_')?;
        let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some(ListCursor {
            last_message_at: at.naive_utc(),
            id: id.parse().ok()?,
        })
    }
}

/// Archive filters; all optional, all combined.
#[derive(Debug, Clone, Default)]
pub struct ArchiveFilter {
    pub channel: Option<Channel>,
    pub integration_id: Option<Id>,
    pub assignee_id: Option<Id>,
    pub status: Option<ChatStatus>,
    pub tag: Option<String>,
    /// Chats started at or after.
    pub from: Option<NaiveDateTime>,
    /// Chats started at or before.
    pub to: Option<NaiveDateTime>,
    /// Full-text query over the chat's messages and the contact's name.
    pub text: Option<String>,
}

/// What to list: a group (from `user_id`'s point of view) or the archive.
pub enum Listing<'a> {
    Group(ChatGroup, &'a ArchiveFilter),
    Archive(&'a ArchiveFilter),
}

/// The joined tables every chat listing reads.
type ListSource = diesel::helper_types::InnerJoinQuerySource<
    diesel::helper_types::InnerJoinQuerySource<chats::table, integrations::table>,
    contacts::table,
>;

type Filter<'a> = Box<
    dyn BoxableExpression<ListSource, super::DbBackend, SqlType = diesel::sql_types::Bool> + 'a,
>;

fn group_filter<'a>(group: ChatGroup, user_id: Id) -> Filter<'a> {
    // Snoozed chats leave the working groups until they wake; closing ends a
    // snooze, so a snoozed chat is always open.
    let snoozed = || chats::id.eq_any(chat_snoozes::table.select(chat_snoozes::chat_id));
    let open = chats::status
        .eq(status_str(ChatStatus::Open))
        .and(diesel::dsl::not(snoozed()));
    match group {
        ChatGroup::Mine => Box::new(open.and(chats::assignee_id.eq(user_id).assume_not_null())),
        ChatGroup::Unassigned => Box::new(open.and(chats::assignee_id.is_null())),
        ChatGroup::Others => Box::new(
            open.and(chats::assignee_id.is_not_null())
                .and(chats::assignee_id.ne(user_id).assume_not_null()),
        ),
        ChatGroup::Closed => Box::new(chats::status.eq(status_str(ChatStatus::Closed))),
        ChatGroup::Snoozed => Box::new(snoozed()),
    }
}

fn scope_filter<'a>(scope: ChatScope) -> Option<Filter<'a>> {
    match scope {
        ChatScope::All => None,
        ChatScope::FollowedBy(user) => Some(Box::new(
            chats::id.eq_any(
                chat_followers::table
                    .filter(chat_followers::user_id.eq(user))
                    .select(chat_followers::chat_id),
            ),
        )),
    }
}

fn archive_filters<'a>(conn: &DbConn, filter: &'a ArchiveFilter) -> Vec<Filter<'a>> {
    let mut out: Vec<Filter<'a>> = Vec::new();
    if let Some(channel) = filter.channel {
        out.push(Box::new(integrations::kind.eq(channel.as_str())));
    }
    if let Some(id) = filter.integration_id {
        out.push(Box::new(chats::integration_id.eq(id)));
    }
    if let Some(id) = filter.assignee_id {
        out.push(Box::new(chats::assignee_id.eq(id).assume_not_null()));
    }
    if let Some(status) = filter.status {
        out.push(Box::new(chats::status.eq(status_str(status))));
    }
    if let Some(tag) = &filter.tag {
        out.push(Box::new(
            chats::id.eq_any(
                chat_tags::table
                    .filter(chat_tags::tag.eq(tag.trim().to_lowercase()))
                    .select(chat_tags::chat_id),
            ),
        ));
    }
    if let Some(from) = filter.from {
        out.push(Box::new(chats::started_at.ge(from)));
    }
    if let Some(to) = filter.to {
        out.push(Box::new(chats::started_at.le(to)));
    }
    if let Some(text) = &filter.text {
        out.push(search::chat_matches(conn, text));
    }
    out
}

/// One page of chats, newest activity first, from `user_id`'s point of view.
pub fn list_chats(
    conn: &mut DbConn,
    listing: Listing<'_>,
    scope: ChatScope,
    user_id: Id,
    after: Option<ListCursor>,
    limit: i64,
) -> Result<(Vec<ChatSummary>, Option<ListCursor>), StoreError> {
    let mut query = chats::table
        .inner_join(integrations::table)
        .inner_join(contacts::table)
        .select((
            CHAT_COLUMNS,
            integrations::name,
            integrations::kind,
            contacts::name,
        ))
        .into_boxed();
    match listing {
        Listing::Group(group, filter) => {
            query = query.filter(group_filter(group, user_id));
            for f in archive_filters(conn, filter) {
                query = query.filter(f);
            }
        }
        Listing::Archive(filter) => {
            for f in archive_filters(conn, filter) {
                query = query.filter(f);
            }
        }
    }
    if let Some(f) = scope_filter(scope) {
        query = query.filter(f);
    }
    if let Some(cursor) = after {
        query = query.filter(
            chats::last_message_at
                .lt(cursor.last_message_at)
                .or(chats::last_message_at
                    .eq(cursor.last_message_at)
                    .and(chats::id.lt(cursor.id))),
        );
    }
    let rows: Vec<(ChatRow, String, String, String)> = query
        .order((chats::last_message_at.desc(), chats::id.desc()))
        .limit(limit + 1)
        .load(conn)?;
    let has_more = rows.len() as i64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let mut page = Vec::with_capacity(rows.len());
    for (row, integration_name, kind, contact_name) in rows {
        let channel = Channel::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown channel {kind:?}")))?;
        page.push(ChatSummary {
            chat: to_record(row)?,
            integration_name,
            channel,
            contact_name,
            follower_ids: Vec::new(),
            tags: Vec::new(),
            deal_ids: Vec::new(),
            unread_count: 0,
            snoozed_until: None,
        });
    }
    fill_details(conn, &mut page, Some(user_id))?;
    let next = if has_more {
        page.last().map(|s| ListCursor {
            last_message_at: s.chat.last_message_at,
            id: s.chat.id,
        })
    } else {
        None
    };
    Ok((page, next))
}

/// One chat with everything a list row shows; its unread count is the
/// `reader`'s (none: 0, for views shared by everyone, such as live events).
pub fn find_summary(
    conn: &mut DbConn,
    chat_id: Id,
    reader: Option<Id>,
) -> Result<ChatSummary, StoreError> {
    let chat = chats::table
        .inner_join(integrations::table)
        .inner_join(contacts::table)
        .filter(chats::id.eq(chat_id))
        .select((
            CHAT_COLUMNS,
            integrations::name,
            integrations::kind,
            contacts::name,
        ));
    let (row, integration_name, kind, contact_name): (ChatRow, String, String, String) =
        chat.first_on(conn)?;
    let channel = Channel::parse(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown channel {kind:?}")))?;
    let mut page = vec![ChatSummary {
        chat: to_record(row)?,
        integration_name,
        channel,
        contact_name,
        follower_ids: Vec::new(),
        tags: Vec::new(),
        deal_ids: Vec::new(),
        unread_count: 0,
        snoozed_until: None,
    }];
    fill_details(conn, &mut page, reader)?;
    page.pop().ok_or(StoreError::NotFound)
}

diesel::define_sql_function! {
    /// `COALESCE(value, fallback)`: the value, or the fallback when it is null.
    fn coalesce<T: diesel::sql_types::SqlType + diesel::sql_types::SingleValue>(value: diesel::sql_types::Nullable<T>, fallback: T) -> T;
}

/// Followers, tags, deals and, for a `reader`, unread counts (counting a
/// chat's whole history for no one would grow with every message).
fn fill_details(
    conn: &mut DbConn,
    page: &mut [ChatSummary],
    reader: Option<Id>,
) -> Result<(), StoreError> {
    if page.is_empty() {
        return Ok(());
    }
    let ids: Vec<Id> = page.iter().map(|s| s.chat.id).collect();
    let followers = chat_followers::table
        .order((chat_followers::chat_id, chat_followers::user_id))
        .select((chat_followers::chat_id, chat_followers::user_id));
    let followers: Vec<(Id, Id)> = load_for_ids!(conn, followers, chat_followers::chat_id, ids)?;
    let tags = chat_tags::table
        .order((chat_tags::chat_id, chat_tags::tag))
        .select((chat_tags::chat_id, chat_tags::tag));
    let tags: Vec<(Id, String)> = load_for_ids!(conn, tags, chat_tags::chat_id, ids)?;
    let deal_rows = deals::table
        .order(deals::id)
        .select((deals::chat_id, deals::id));
    let deal_rows: Vec<(Option<Id>, Id)> = load_for_ids!(conn, deal_rows, deals::chat_id, ids)?;
    let unread = match reader {
        Some(user_id) => unread_counts(conn, &ids, user_id)?,
        None => Vec::new(),
    };
    let snoozed = snoozes::list_until(conn, &ids)?;
    for summary in page.iter_mut() {
        let id = summary.chat.id;
        summary.follower_ids = followers
            .iter()
            .filter(|f| f.0 == id)
            .map(|f| f.1)
            .collect();
        summary.tags = tags
            .iter()
            .filter(|t| t.0 == id)
            .map(|t| t.1.clone())
            .collect();
        summary.deal_ids = deal_rows
            .iter()
            .filter(|d| d.0 == Some(id))
            .map(|d| d.1)
            .collect();
        summary.unread_count = unread
            .iter()
            .find(|(chat, _)| *chat == id)
            .map_or(0, |(_, n)| *n);
        summary.snoozed_until = snoozed
            .iter()
            .find(|(chat, _)| *chat == id)
            .map(|(_, until)| *until);
    }
    Ok(())
}

/// Customer messages newer than the user's read marker, per chat.
pub fn unread_counts(
    conn: &mut DbConn,
    chat_ids: &[Id],
    user_id: Id,
) -> Result<Vec<(Id, i64)>, StoreError> {
    Ok(timeline_items::table
        .left_join(
            chat_user_state::table.on(chat_user_state::chat_id
                .eq(timeline_items::chat_id)
                .and(chat_user_state::user_id.eq(user_id))),
        )
        .filter(timeline_items::chat_id.eq_any(chat_ids))
        .filter(timeline_items::direction.eq("in"))
        .filter(timeline_items::id.gt(coalesce(chat_user_state::last_read_item_id.nullable(), 0)))
        .group_by(timeline_items::chat_id)
        .select((timeline_items::chat_id, count_star()))
        .load_on(conn)?)
}

/// How many chats each group holds for the user, and their unread messages.
pub fn group_counts(
    conn: &mut DbConn,
    scope: ChatScope,
    user_id: Id,
) -> Result<Vec<(ChatGroup, i64, i64, i64)>, StoreError> {
    let mut out = Vec::with_capacity(5);
    for group in [
        ChatGroup::Mine,
        ChatGroup::Unassigned,
        ChatGroup::Others,
        ChatGroup::Closed,
        ChatGroup::Snoozed,
    ] {
        let mut query = chats::table
            .inner_join(integrations::table)
            .inner_join(contacts::table)
            .select((chats::id, chats::waiting_since))
            .filter(group_filter(group, user_id))
            .into_boxed();
        if let Some(f) = scope_filter(scope) {
            query = query.filter(f);
        }
        let rows: Vec<(Id, Option<NaiveDateTime>)> = query.load(conn)?;
        let waiting = rows.iter().filter(|(_, since)| since.is_some()).count() as i64;
        let ids: Vec<Id> = rows.into_iter().map(|(id, _)| id).collect();
        let unread: i64 = if group == ChatGroup::Closed {
            0
        } else {
            unread_counts(conn, &ids, user_id)?
                .iter()
                .map(|(_, n)| n)
                .sum()
        };
        out.push((group, ids.len() as i64, unread, waiting));
    }
    Ok(out)
}

pub fn followers(conn: &mut DbConn, chat_id: Id) -> Result<Vec<Id>, StoreError> {
    Ok(chat_followers::table
        .filter(chat_followers::chat_id.eq(chat_id))
        .order(chat_followers::user_id)
        .select(chat_followers::user_id)
        .load_on(conn)?)
}

pub fn set_followers(conn: &mut DbConn, chat_id: Id, user_ids: &[Id]) -> Result<(), StoreError> {
    diesel::delete(chat_followers::table.filter(chat_followers::chat_id.eq(chat_id)))
        .execute_on(conn)?;
    for user_id in user_ids {
        diesel::insert_into(chat_followers::table)
            .values((
                chat_followers::chat_id.eq(chat_id),
                chat_followers::user_id.eq(user_id),
            ))
            .execute_on(conn)?;
    }
    Ok(())
}

pub fn tags(conn: &mut DbConn, chat_id: Id) -> Result<Vec<String>, StoreError> {
    Ok(chat_tags::table
        .filter(chat_tags::chat_id.eq(chat_id))
        .order(chat_tags::tag)
        .select(chat_tags::tag)
        .load_on(conn)?)
}

pub fn set_tags(conn: &mut DbConn, chat_id: Id, tags: &[String]) -> Result<(), StoreError> {
    diesel::delete(chat_tags::table.filter(chat_tags::chat_id.eq(chat_id))).execute_on(conn)?;
    for tag in tags {
        diesel::insert_into(chat_tags::table)
            .values((chat_tags::chat_id.eq(chat_id), chat_tags::tag.eq(tag)))
            .execute_on(conn)?;
    }
    Ok(())
}

pub fn set_status(
    conn: &mut DbConn,
    chat_id: Id,
    status: ChatStatus,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let closed_at = (status == ChatStatus::Closed).then_some(at);
    diesel::update(chats::table.find(chat_id))
        .set((
            chats::status.eq(status_str(status)),
            chats::closed_at.eq(closed_at),
        ))
        .execute_on(conn)?;
    if status == ChatStatus::Closed {
        // A closed chat neither waits nor runs the no-answer clock; a reopen
        // starts both afresh.
        diesel::update(chats::table.find(chat_id))
            .set((
                chats::waiting_since.eq(None::<NaiveDateTime>),
                chats::awaiting_reply_since.eq(None::<NaiveDateTime>),
                chats::no_answer_for.eq(None::<NaiveDateTime>),
            ))
            .execute_on(conn)?;
    }
    Ok(())
}

/// A new assignee (or none): any assignment restarts the no-answer clock, and
/// a chat that has a manager no longer waits.
pub fn set_assignee(
    conn: &mut DbConn,
    chat_id: Id,
    assignee: Option<Id>,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(chats::table.find(chat_id))
        .set((chats::assignee_id.eq(assignee), chats::assigned_at.eq(at)))
        .execute_on(conn)?;
    if assignee.is_some() {
        diesel::update(chats::table.find(chat_id))
            .set(chats::waiting_since.eq(None::<NaiveDateTime>))
            .execute_on(conn)?;
    }
    Ok(())
}

/// The chat waits for an eligible manager from `since`.
pub fn start_waiting(
    conn: &mut DbConn,
    chat_id: Id,
    since: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(chats::table.find(chat_id))
        .set(chats::waiting_since.eq(since))
        .execute_on(conn)?;
    Ok(())
}

pub fn set_unreachable(
    conn: &mut DbConn,
    chat_id: Id,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    diesel::update(chats::table.find(chat_id))
        .set(chats::unreachable_reason.eq(reason))
        .execute_on(conn)?;
    Ok(())
}

/// Records new activity: moves the chat to the top of its group.
pub fn touch(
    conn: &mut DbConn,
    chat_id: Id,
    at: NaiveDateTime,
    preview: &str,
) -> Result<(), StoreError> {
    diesel::update(chats::table.find(chat_id))
        .set((
            chats::last_message_at.eq(at),
            chats::last_message_preview.eq(preview),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// [`touch`] for a customer's message, in one statement as it runs once per
/// customer message: also starts the no-answer clock unless it runs already
/// (it runs from the oldest unanswered message) and, when the messenger limits
/// replies to a window after the customer's last message (WhatsApp, Telegram
/// Business), moves the end of that window.
pub fn customer_wrote(
    conn: &mut DbConn,
    chat_id: Id,
    at: NaiveDateTime,
    preview: &str,
    window_ends_at: Option<NaiveDateTime>,
) -> Result<(), StoreError> {
    let chat = chats::table.find(chat_id);
    let activity = (
        chats::last_message_at.eq(at),
        chats::last_message_preview.eq(preview),
        chats::awaiting_reply_since.eq(coalesce(chats::awaiting_reply_since, at).nullable()),
    );
    match window_ends_at {
        Some(ends_at) => kept_update(chat, (activity, chats::reply_window_ends_at.eq(ends_at)))
            .execute_on(conn)?,
        None => kept_update(chat, activity).execute_on(conn)?,
    };
    Ok(())
}

/// The user's notification setting for the chat (on unless turned off).
pub fn notifications_enabled(
    conn: &mut DbConn,
    chat_id: Id,
    user_id: Id,
) -> Result<bool, StoreError> {
    Ok(chat_user_state::table
        .filter(chat_user_state::chat_id.eq(chat_id))
        .filter(chat_user_state::user_id.eq(user_id))
        .select(chat_user_state::notifications_enabled)
        .first_on(conn)
        .optional()?
        .unwrap_or(true))
}

fn ensure_user_state(conn: &mut DbConn, chat_id: Id, user_id: Id) -> Result<(), StoreError> {
    let exists: i64 = chat_user_state::table
        .filter(chat_user_state::chat_id.eq(chat_id))
        .filter(chat_user_state::user_id.eq(user_id))
        .count()
        .get_result_on(conn)?;
    if exists == 0 {
        diesel::insert_into(chat_user_state::table)
            .values((
                chat_user_state::chat_id.eq(chat_id),
                chat_user_state::user_id.eq(user_id),
                chat_user_state::last_read_item_id.eq(0),
                chat_user_state::notifications_enabled.eq(true),
            ))
            .execute_on(conn)?;
    }
    Ok(())
}

pub fn set_notifications(
    conn: &mut DbConn,
    chat_id: Id,
    user_id: Id,
    enabled: bool,
) -> Result<(), StoreError> {
    ensure_user_state(conn, chat_id, user_id)?;
    diesel::update(
        chat_user_state::table
            .filter(chat_user_state::chat_id.eq(chat_id))
            .filter(chat_user_state::user_id.eq(user_id)),
    )
    .set(chat_user_state::notifications_enabled.eq(enabled))
    .execute_on(conn)?;
    Ok(())
}

/// Moves the user's read marker forward (never back) to `item_id`, or to the
/// newest item when `None`.
pub fn mark_read(
    conn: &mut DbConn,
    chat_id: Id,
    user_id: Id,
    item_id: Option<Id>,
) -> Result<(), StoreError> {
    let newest: Option<Id> = timeline_items::table
        .filter(timeline_items::chat_id.eq(chat_id))
        .select(diesel::dsl::max(timeline_items::id))
        .first_on(conn)?;
    let target = match (item_id, newest) {
        (Some(item), Some(newest)) => item.min(newest),
        (None, Some(newest)) => newest,
        (_, None) => return Ok(()),
    };
    ensure_user_state(conn, chat_id, user_id)?;
    diesel::update(
        chat_user_state::table
            .filter(chat_user_state::chat_id.eq(chat_id))
            .filter(chat_user_state::user_id.eq(user_id))
            .filter(chat_user_state::last_read_item_id.lt(target)),
    )
    .set(chat_user_state::last_read_item_id.eq(target))
    .execute_on(conn)?;
    Ok(())
}
