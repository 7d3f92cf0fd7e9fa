//! Quotes and reactions on messages. A quote points at our item when we have
//! the quoted message and shows that item's text as it is now; otherwise it
//! shows the messenger's copy kept with the quoting message. Reactions are one
//! per customer and one per manager on each message (unique indexes), a new one
//! replacing the old.

use diesel::prelude::*;
use shared::Id;

use super::schema::{message_reactions, timeline_items};
use super::timeline::{ItemRecord, QuoteRecord, RecordBody};
use super::{now, DbConn, StoreError};
use crate::store::OnBackend;

/// Fills in what each message of `items` quotes.
pub(super) fn load_quotes(conn: &mut DbConn, items: &mut [ItemRecord]) -> Result<(), StoreError> {
    let quoted_ids: Vec<Id> = items
        .iter()
        .filter_map(|item| item.message().and_then(|m| m.reply_to_id))
        .collect();
    let quoted: Vec<(Id, Option<String>, Option<String>)> = if quoted_ids.is_empty() {
        Vec::new()
    } else {
        let query = timeline_items::table.select((
            timeline_items::id,
            timeline_items::text,
            timeline_items::content_kind,
        ));
        load_for_ids!(conn, query, timeline_items::id, quoted_ids)?
    };
    for item in items {
        let RecordBody::Message(message) = &mut item.body else {
            continue;
        };
        let ours = message
            .reply_to_id
            .and_then(|id| quoted.iter().find(|(quoted_id, _, _)| *quoted_id == id));
        // Without our item the messenger's copy read with the row stays.
        if let Some((id, text, kind)) = ours {
            message.quote = Some(Box::new(QuoteRecord {
                item_id: Some(*id),
                text: quoted_text(text.as_deref(), kind.as_deref()),
            }));
        }
    }
    Ok(())
}

/// A quoted message's text, or its kind for a message without one ("[photo]").
fn quoted_text(text: Option<&str>, content_kind: Option<&str>) -> String {
    match text.filter(|text| !text.is_empty()) {
        Some(text) => text.to_owned(),
        None => format!("[{}]", content_kind.unwrap_or("message")),
    }
}

/// Fills in the reactions of the messages `message_ids` of `items`.
pub(super) fn load_reactions(
    conn: &mut DbConn,
    items: &mut [ItemRecord],
    message_ids: Vec<Id>,
) -> Result<(), StoreError> {
    let query = message_reactions::table
        .order(message_reactions::id)
        .select((
            message_reactions::item_id,
            message_reactions::user_id,
            message_reactions::emoji,
        ));
    let reactions: Vec<(Id, Option<Id>, String)> =
        load_for_close_ids!(conn, query, message_reactions::item_id, message_ids)?;
    for item in items {
        let id = item.id;
        if let RecordBody::Message(message) = &mut item.body {
            message.reactions = reactions
                .iter()
                .filter(|(item_id, _, _)| *item_id == id)
                .map(|(_, user_id, emoji)| (*user_id, emoji.clone()))
                .collect();
        }
    }
    Ok(())
}

/// Records which item of the chat an outbound message quotes.
pub fn set_reply_to(conn: &mut DbConn, item_id: Id, reply_to_id: Id) -> Result<(), StoreError> {
    diesel::update(timeline_items::table.find(item_id))
        .set(timeline_items::reply_to_id.eq(reply_to_id))
        .execute_on(conn)?;
    Ok(())
}

/// A message of this chat, with the messenger's id when it has reached it:
/// `None` when `item_id` is not a message of `chat_id`.
pub fn message_in_chat(
    conn: &mut DbConn,
    chat_id: Id,
    item_id: Id,
) -> Result<Option<Option<String>>, StoreError> {
    Ok(timeline_items::table
        .filter(timeline_items::id.eq(item_id))
        .filter(timeline_items::chat_id.eq(chat_id))
        .filter(timeline_items::kind.eq("message"))
        .select(timeline_items::external_id)
        .first_on(conn)
        .optional()?)
}

/// Sets (or with `None` clears) the reaction of a manager (`user_id`) or of
/// the customer (`None`) on a message; whether anything changed.
pub fn set_reaction(
    conn: &mut DbConn,
    item_id: Id,
    user_id: Option<Id>,
    emoji: Option<&str>,
) -> Result<bool, StoreError> {
    let mine = message_reactions::table
        .filter(message_reactions::item_id.eq(item_id))
        .into_boxed();
    let mine = match user_id {
        Some(user_id) => mine.filter(message_reactions::user_id.eq(user_id)),
        None => mine.filter(message_reactions::user_id.is_null()),
    };
    let current: Option<(Id, String)> = mine
        .select((message_reactions::id, message_reactions::emoji))
        .first(conn)
        .optional()?;
    if current.as_ref().map(|(_, emoji)| emoji.as_str()) == emoji {
        return Ok(false);
    }
    if let Some((id, _)) = current {
        diesel::delete(message_reactions::table.find(id)).execute_on(conn)?;
    }
    if let Some(emoji) = emoji {
        diesel::insert_into(message_reactions::table)
            .values((
                message_reactions::item_id.eq(item_id),
                message_reactions::user_id.eq(user_id),
                message_reactions::emoji.eq(emoji),
                message_reactions::at.eq(now()),
            ))
            .execute_on(conn)?;
    }
    Ok(true)
}

/// The reactions on one message, oldest first.
pub fn reactions_of(
    conn: &mut DbConn,
    item_id: Id,
) -> Result<Vec<(Option<Id>, String)>, StoreError> {
    Ok(message_reactions::table
        .filter(message_reactions::item_id.eq(item_id))
        .order(message_reactions::id)
        .select((message_reactions::user_id, message_reactions::emoji))
        .load_on(conn)?)
}
