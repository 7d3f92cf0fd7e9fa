//! Chat use cases: lists, the chat with its sidebar, the timeline, search, and
//! (in `actions`) every manager action. Each checks the access policy first; a
//! chat the caller may not see is "not found". Reads run in plain read
//! transactions ([`read_chat`]); changes in write transactions whose appended
//! items become their live events ([`change_chat`]).

use chrono::NaiveDateTime;
use diesel::Connection;
use shared::api::chats::{Chat, ChatDetail, ChatGroup, Comment, GroupCount, Item};
use shared::Id;

use super::reasons::SayReasons;
use super::{live, views, Context, ServiceError};
use crate::domain::account::User;
use crate::domain::chat::Transition;
use crate::domain::policy::{chat_scope, decide, decide_on_chat, Action, ChatAction, ChatFacts};
use crate::store::chats::{self as chat_store, ArchiveFilter, ChatRecord, ListCursor, Listing};
use crate::store::{conversation, crm, now, search, timeline, DbConn, StoreError};
use crate::texts::Says;

mod actions;
pub mod bulk;
pub mod reactions;
pub mod snooze;

pub use actions::*;

pub const MAX_PAGE: i64 = 100;
pub const DEFAULT_PAGE: i64 = 50;

/// Loads the chat and checks that the caller may do `action` on it.
pub(crate) fn authorize(
    conn: &mut DbConn,
    caller: &User,
    chat_id: Id,
    action: ChatAction,
) -> Result<ChatRecord, ServiceError> {
    let chat = chat_store::find_chat(conn, chat_id).map_err(ServiceError::not_found_as("chat"))?;
    let caller_follows = chat_store::is_follower(conn, chat_id, caller.id)?;
    ServiceError::check(
        decide_on_chat(caller.role, action, ChatFacts { caller_follows }),
        "chat",
    )?;
    Ok(chat)
}

/// The page size asked for, capped at [`MAX_PAGE`]; below one is refused.
pub(crate) fn page_size(limit: Option<i64>) -> Result<i64, ServiceError> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        limit if limit < 1 => Err(ServiceError::Invalid(Says::LimitTooSmall)),
        limit => Ok(limit.min(MAX_PAGE)),
    }
}

fn decode_cursor(cursor: Option<&str>) -> Result<Option<ListCursor>, ServiceError> {
    cursor
        .filter(|c| !c.is_empty())
        .map(|c| ListCursor::decode(c).ok_or(ServiceError::Invalid(Says::BadCursor)))
        .transpose()
}

pub enum ListRequest {
    /// A group, narrowed by the archive's filters (those that apply to groups).
    Group(ChatGroup, ArchiveFilter),
    Archive(ArchiveFilter),
}

pub async fn list(
    ctx: &Context,
    caller: &User,
    request: ListRequest,
    limit: Option<i64>,
    cursor: Option<String>,
) -> Result<(Vec<Chat>, Option<String>), ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListChats), "chat")?;
    let after = decode_cursor(cursor.as_deref())?;
    let limit = page_size(limit)?;
    let scope = chat_scope(caller.role, caller.id);
    let user_id = caller.id;
    let (page, next) = ctx
        .store
        .run(move |conn| {
            let listing = match &request {
                ListRequest::Group(group, filter) => Listing::Group(*group, filter),
                ListRequest::Archive(filter) => Listing::Archive(filter),
            };
            chat_store::list_chats(conn, listing, scope, user_id, after, limit)
        })
        .await?;
    let chats: Vec<Chat> = page.into_iter().map(views::chat).collect();
    Ok((chats.in_readers_language(), next.map(|c| c.encode())))
}

pub async fn counts(ctx: &Context, caller: &User) -> Result<Vec<GroupCount>, ServiceError> {
    let scope = chat_scope(caller.role, caller.id);
    let user_id = caller.id;
    let counts = ctx
        .store
        .run(move |conn| chat_store::group_counts(conn, scope, user_id))
        .await?;
    Ok(counts
        .into_iter()
        .map(|(group, chats, unread, waiting)| GroupCount {
            group,
            chats,
            unread,
            waiting,
        })
        .collect())
}

pub async fn detail(ctx: &Context, caller: &User, chat_id: Id) -> Result<ChatDetail, ServiceError> {
    let caller = caller.clone();
    let parts = ctx
        .store
        .run(move |conn| -> Result<_, StoreError> { Ok(detail_parts(conn, &caller, chat_id)) })
        .await??;
    Ok(views::chat_detail(parts).in_readers_language())
}

fn detail_parts(
    conn: &mut DbConn,
    caller: &User,
    chat_id: Id,
) -> Result<views::DetailParts, ServiceError> {
    let chat = authorize(conn, caller, chat_id, ChatAction::View)?;
    Ok(views::DetailParts {
        summary: chat_store::find_summary(conn, chat_id, Some(caller.id))?,
        contact: crm::find_contact_card(conn, chat.contact_id)?,
        deals: crm::chat_deals(conn, chat_id)?,
        tasks: {
            let tasks = crm::chat_tasks(conn, chat_id)?;
            crm::with_chats(conn, tasks)?
        },
        projects: crm::chat_projects(conn, chat_id)?,
        notifications_enabled: chat_store::notifications_enabled(conn, chat_id, caller.id)?,
    })
}

/// The chat as a list row (after a change, for the caller's view).
pub async fn summary(ctx: &Context, caller: &User, chat_id: Id) -> Result<Chat, ServiceError> {
    let caller = caller.clone();
    let summary = ctx
        .store
        .run(move |conn| -> Result<_, StoreError> {
            Ok((|| {
                authorize(conn, &caller, chat_id, ChatAction::View)?;
                Ok::<_, ServiceError>(chat_store::find_summary(conn, chat_id, Some(caller.id))?)
            })())
        })
        .await??;
    Ok(views::chat(summary).in_readers_language())
}

/// Runs `work` in a plain read transaction after the access check: on
/// SQLite a deferred one that never takes the write turn, so viewing a chat
/// never waits for writers (WAL readers see the last commit).
async fn read_chat<T, F>(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    work: F,
) -> Result<T, ServiceError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, ChatRecord) -> Result<T, ServiceError> + Send + 'static,
{
    let caller = caller.clone();
    ctx.store
        .run(move |conn| {
            Ok(conn.transaction(|conn| {
                let chat = authorize(conn, &caller, chat_id, ChatAction::View)?;
                work(conn, chat)
            }))
        })
        .await?
}

/// Runs `work` in a write transaction after the access check on the chat.
/// `work` pushes the ids of the timeline items it appends; those items, then
/// the chat, become the change's live events, in the same transaction.
async fn change_chat<T, F>(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    action: ChatAction,
    work: F,
) -> Result<T, ServiceError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &User, ChatRecord, &mut Vec<Id>) -> Result<T, ServiceError>
        + Send
        + 'static,
{
    let caller = caller.clone();
    let result = ctx
        .store
        .run(move |conn| {
            Ok(crate::store::write_transaction(conn, |conn| {
                let chat = authorize(conn, &caller, chat_id, action)?;
                let mut appended = Vec::new();
                let value = work(conn, &caller, chat, &mut appended)?;
                live::items_then_chat_changed(conn, chat_id, appended)?;
                Ok(value)
            }))
        })
        .await?;
    if result.is_ok() {
        ctx.hub.wake();
        if matches!(action, ChatAction::Close | ChatAction::Assign) {
            // A close or a reassignment may free a manager for a waiting chat.
            ctx.routing_ready.notify_one();
        }
    }
    result
}

/// Applies a transition of the conversation rules made by the caller.
fn apply_transition(
    conn: &mut DbConn,
    caller: &User,
    chat: &ChatRecord,
    transition: &Transition,
    appended: &mut Vec<Id>,
) -> Result<(), ServiceError> {
    appended.extend(conversation::apply(
        conn,
        chat.id,
        Some(caller.id),
        chat.state(),
        transition,
        now(),
    )?);
    Ok(())
}

pub async fn timeline(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    before: Option<Id>,
    limit: Option<i64>,
) -> Result<Vec<Item>, ServiceError> {
    let limit = page_size(limit)?;
    let items = read_chat(ctx, caller, chat_id, move |conn, _| {
        Ok(timeline::list_items(conn, chat_id, before, limit)?)
    })
    .await?;
    let items: Vec<Item> = items.into_iter().map(views::item).collect();
    Ok(items.in_readers_language())
}

pub async fn search(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    query: String,
) -> Result<Vec<Item>, ServiceError> {
    let items = read_chat(ctx, caller, chat_id, move |conn, _| {
        let ids = search::search_chat(conn, chat_id, &query, MAX_PAGE)?;
        Ok(timeline::find_items(conn, ids)?)
    })
    .await?;
    let items: Vec<Item> = items.into_iter().map(views::item).collect();
    Ok(items.in_readers_language())
}

pub async fn comments(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
) -> Result<Vec<Comment>, ServiceError> {
    let list = read_chat(ctx, caller, chat_id, move |conn, _| {
        Ok(crm::list_comments(conn, chat_id)?)
    })
    .await?;
    Ok(list.into_iter().map(views::comment).collect())
}

/// Archive filter from query values; dates are RFC 3339 or `YYYY-MM-DD`.
pub fn parse_date(value: &str, end_of_day: bool) -> Result<NaiveDateTime, ServiceError> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(at.naive_utc());
    }
    let date = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        ServiceError::Invalid(Says::NotADate {
            value: value.to_owned(),
        })
    })?;
    let time = if end_of_day {
        chrono::NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        chrono::NaiveTime::from_hms_opt(0, 0, 0)
    };
    Ok(date.and_time(time.unwrap_or_default()))
}
