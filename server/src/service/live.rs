//! Building the live events of a change, inside its transaction (see
//! `realtime`): what changed in a chat becomes typed socket events in the log,
//! and the items it appended become notifications (`service::notifications`).

use shared::api::chats::Direction;
use shared::ws::ServerMsg;
use shared::Id;

use super::{notifications, views};
use crate::realtime;
use crate::store::timeline::ItemRecord;
use crate::store::{chats, timeline, DbConn, StoreError};

/// The chat as everyone sees it (unread counts are per user: clients keep them).
pub fn chat_dto(conn: &mut DbConn, chat_id: Id) -> Result<shared::api::chats::Chat, StoreError> {
    Ok(views::chat(chats::find_summary(conn, chat_id, None)?))
}

/// `ChatCreated` or `ChatUpdated` for everyone who may see the chat.
pub fn chat_changed(conn: &mut DbConn, chat_id: Id, created: bool) -> Result<(), StoreError> {
    let chat = chat_dto(conn, chat_id)?;
    let msg = if created {
        ServerMsg::ChatCreated { chat }
    } else {
        ServerMsg::ChatUpdated { chat }
    };
    realtime::record_for_chat(conn, chat_id, msg)
}

/// `ChatCreated` or `ChatUpdated`, then one event per new item: what a
/// customer's message changed. The chat and its followers are read once, and
/// the events are logged in one statement. `item_ids` must be items this
/// transaction appended: nobody can have edited or reacted to them yet.
pub fn chat_and_items_changed(
    conn: &mut DbConn,
    chat_id: Id,
    created: bool,
    item_ids: Vec<Id>,
) -> Result<(), StoreError> {
    let summary = chats::find_summary(conn, chat_id, None)?;
    let chat = views::chat(summary.clone());
    let msg = if created {
        ServerMsg::ChatCreated { chat }
    } else {
        ServerMsg::ChatUpdated { chat }
    };
    let mut events = realtime::Batch::default();
    events.for_chat_followers(chat_id, summary.follower_ids.clone(), msg)?;
    let items = timeline::find_items_appended_now(conn, item_ids)?;
    record_items(conn, &summary, items, &mut events)?;
    events.record(conn)
}

/// One live event per new item, then the notifications they imply (an
/// assignment, a customer's message, a chat that starts waiting), into `events`.
fn record_items(
    conn: &mut DbConn,
    summary: &chats::ChatSummary,
    items: Vec<ItemRecord>,
    events: &mut realtime::Batch,
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let chat_id = summary.chat.id;
    for item in items.iter().cloned() {
        let item = views::item(item);
        let msg = match item.direction() {
            Some(Direction::In) => ServerMsg::MessageReceived { item },
            Some(Direction::Out) => ServerMsg::MessageSent { item },
            None => ServerMsg::ItemAdded { item },
        };
        events.for_chat_followers(chat_id, summary.follower_ids.clone(), msg)?;
    }
    notifications::notify_items(conn, &summary.chat, &items, events)?;
    Ok(())
}

/// The newest timeline item id of a chat (0 when empty).
pub fn newest_item(conn: &mut DbConn, chat_id: Id) -> Result<Id, StoreError> {
    Ok(timeline::list_items(conn, chat_id, None, 1)?
        .first()
        .map_or(0, |item| item.id))
}

/// What a manager's action changed: the items it appended, then the chat.
pub fn items_then_chat_changed(
    conn: &mut DbConn,
    chat_id: Id,
    item_ids: Vec<Id>,
) -> Result<(), StoreError> {
    let summary = chats::find_summary(conn, chat_id, None)?;
    let follower_ids = summary.follower_ids.clone();
    let mut events = realtime::Batch::default();
    let items = timeline::find_items(conn, item_ids)?;
    record_items(conn, &summary, items, &mut events)?;
    let chat = views::chat(summary);
    events.for_chat_followers(chat_id, follower_ids, ServerMsg::ChatUpdated { chat })?;
    events.record(conn)
}

/// `ReactionsChanged` for everyone who may see the chat: the message's
/// reactions as they are now.
pub fn reactions_changed(conn: &mut DbConn, chat_id: Id, item_id: Id) -> Result<(), StoreError> {
    let reactions = views::reactions(crate::store::reactions::reactions_of(conn, item_id)?);
    realtime::record_for_chat(
        conn,
        chat_id,
        ServerMsg::ReactionsChanged {
            chat_id,
            item_id,
            reactions,
        },
    )
}
