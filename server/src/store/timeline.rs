//! The timeline: customer messages, replies and events of a chat, one id
//! sequence, paged by id.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use shared::api::chats::{DeliveryState, Direction};
use shared::Id;

use super::schema::{
    attachments, chats, message_versions, outbound_parts, pending_receipts, timeline_items,
};
use super::{now, DbConn, StoreError};
use crate::channels::InboundAttachment;
use crate::store::OnBackend;
use shared::api::timeline::TimelineEvent;

/// A timeline entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    pub id: Id,
    pub chat_id: Id,
    pub at: NaiveDateTime,
    pub body: RecordBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RecordBody {
    Message(MessageRecord),
    Event {
        actor_id: Option<Id>,
        event: TimelineEvent,
    },
}

/// A message as stored, with its files and earlier versions.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRecord {
    pub direction: Direction,
    pub author_id: Option<Id>,
    pub content_kind: String,
    pub text: Option<String>,
    pub external_id: Option<String>,
    pub reply_to_id: Option<Id>,
    pub delivery: DeliveryState,
    pub delivery_error: Option<String>,
    pub edited_at: Option<NaiveDateTime>,
    pub data: Option<serde_json::Value>,
    /// When the customer deleted it on their messenger.
    pub deleted_at: Option<NaiveDateTime>,
    pub attachments: Vec<AttachmentRecord>,
    pub versions: Vec<(String, NaiveDateTime)>,
    /// What the message quotes, as shown: the messenger's copy of the quoted
    /// text until [`super::reactions::load_quotes`] finds our item.
    pub quote: Option<Box<QuoteRecord>>,
    /// `(manager or None for the customer, emoji)`, oldest first.
    pub reactions: Vec<(Option<Id>, String)>,
}

/// A quoted message as a quote shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRecord {
    /// Our item, when we have the quoted message.
    pub item_id: Option<Id>,
    pub text: String,
}

impl ItemRecord {
    pub fn message(&self) -> Option<&MessageRecord> {
        match &self.body {
            RecordBody::Message(message) => Some(message),
            RecordBody::Event { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct AttachmentRecord {
    pub id: Id,
    pub item_id: Id,
    pub kind: String,
    pub name: String,
    pub mime: Option<String>,
    pub size: Option<i64>,
    pub path: Option<String>,
    pub external_ref: Option<String>,
    pub fetch_error: Option<String>,
}

pub fn direction_str(direction: Direction) -> &'static str {
    match direction {
        Direction::In => "in",
        Direction::Out => "out",
    }
}

fn parse_direction(value: &str) -> Option<Direction> {
    match value {
        "in" => Some(Direction::In),
        "out" => Some(Direction::Out),
        _ => None,
    }
}

pub fn delivery_str(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Pending => "pending",
        DeliveryState::Sent => "sent",
        DeliveryState::Delivered => "delivered",
        DeliveryState::Seen => "seen",
        DeliveryState::Failed => "failed",
    }
}

fn parse_delivery(value: &str) -> Option<DeliveryState> {
    Some(match value {
        "pending" => DeliveryState::Pending,
        "sent" => DeliveryState::Sent,
        "delivered" => DeliveryState::Delivered,
        "seen" => DeliveryState::Seen,
        "failed" => DeliveryState::Failed,
        _ => return None,
    })
}

/// Appends an event to the chat's timeline; returns its item id.
pub fn insert_event(
    conn: &mut DbConn,
    chat_id: Id,
    actor_id: Option<Id>,
    event: &TimelineEvent,
) -> Result<Id, StoreError> {
    Ok(diesel::insert_into(timeline_items::table)
        .values((
            timeline_items::chat_id.eq(chat_id),
            timeline_items::kind.eq("event"),
            timeline_items::at.eq(now()),
            timeline_items::event.eq(event.name()),
            timeline_items::actor_id.eq(actor_id),
            timeline_items::data.eq(event.data().to_string()),
        ))
        .returning(timeline_items::id)
        .get_result_on(conn)?)
}

/// A customer's message.
pub struct NewInboundMessage<'a> {
    pub chat_id: Id,
    pub at: NaiveDateTime,
    pub content_kind: &'a str,
    pub text: Option<&'a str>,
    pub external_id: &'a str,
    pub reply_to_id: Option<Id>,
    /// The messenger's copy of the quoted message's text.
    pub reply_to_text: Option<&'a str>,
    pub details: &'a serde_json::Value,
    pub attachments: &'a [InboundAttachment],
}

pub fn insert_inbound(conn: &mut DbConn, new: NewInboundMessage<'_>) -> Result<Id, StoreError> {
    let details = (!new.details.is_null()).then(|| new.details.to_string());
    let item = diesel::insert_into(timeline_items::table)
        .values((
            timeline_items::chat_id.eq(new.chat_id),
            timeline_items::kind.eq("message"),
            timeline_items::at.eq(new.at),
            timeline_items::direction.eq(direction_str(Direction::In)),
            timeline_items::content_kind.eq(new.content_kind),
            timeline_items::text.eq(new.text),
            timeline_items::external_id.eq(new.external_id),
            timeline_items::reply_to_id.eq(new.reply_to_id),
            timeline_items::reply_to_text.eq(new.reply_to_text),
            timeline_items::delivery.eq(delivery_str(DeliveryState::Delivered)),
            timeline_items::data.eq(details),
        ))
        .returning(timeline_items::id);
    let id: Id = item.get_result_on(conn)?;
    for attachment in new.attachments {
        diesel::insert_into(attachments::table)
            .values((
                attachments::item_id.eq(id),
                attachments::kind.eq(&attachment.kind),
                attachments::name.eq(&attachment.name),
                attachments::mime.eq(&attachment.mime),
                attachments::size.eq(attachment.size),
                attachments::external_ref.eq(&attachment.external_ref),
                attachments::created_at.eq(now()),
            ))
            .execute_on(conn)?;
    }
    Ok(id)
}

/// Turns a message just stored as the customer's into one the Telegram
/// Business owner wrote from their own app: outgoing, by `author` (the
/// linked user, if any), and already delivered by Telegram.
pub fn make_owner_message(
    conn: &mut DbConn,
    item_id: Id,
    author: Option<Id>,
) -> Result<(), StoreError> {
    diesel::update(timeline_items::table.find(item_id))
        .set((
            timeline_items::direction.eq(direction_str(Direction::Out)),
            timeline_items::author_id.eq(author),
            timeline_items::delivery.eq(delivery_str(DeliveryState::Sent)),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// A message to the customer (a reply, or an automatic greeting / auto-reply
/// when `author_id` is `None`), pending until the outbound queue sends it.
pub fn insert_outbound(
    conn: &mut DbConn,
    chat_id: Id,
    author_id: Option<Id>,
    text: &str,
    data: Option<serde_json::Value>,
) -> Result<Id, StoreError> {
    Ok(diesel::insert_into(timeline_items::table)
        .values((
            timeline_items::chat_id.eq(chat_id),
            timeline_items::kind.eq("message"),
            timeline_items::at.eq(now()),
            timeline_items::direction.eq(direction_str(Direction::Out)),
            timeline_items::author_id.eq(author_id),
            timeline_items::content_kind.eq("text"),
            timeline_items::text.eq(text),
            timeline_items::delivery.eq(delivery_str(DeliveryState::Pending)),
            timeline_items::data.eq(data.map(|d| d.to_string())),
        ))
        .returning(timeline_items::id)
        .get_result_on(conn)?)
}

/// A manager's file sent with an outbound message.
pub struct NewOutboundFile<'a> {
    /// `photo` or `document`.
    pub kind: &'a str,
    pub name: &'a str,
    pub mime: Option<&'a str>,
    pub size: i64,
}

/// Records the file of an outbound message; returns the attachment id and the
/// path under the data directory its bytes must be written to.
pub fn attach_outbound_file(
    conn: &mut DbConn,
    item_id: Id,
    file: NewOutboundFile<'_>,
) -> Result<(Id, String), StoreError> {
    let id: Id = diesel::insert_into(attachments::table)
        .values((
            attachments::item_id.eq(item_id),
            attachments::kind.eq(file.kind),
            attachments::name.eq(file.name),
            attachments::mime.eq(file.mime),
            attachments::size.eq(file.size),
            attachments::created_at.eq(now()),
        ))
        .returning(attachments::id)
        .get_result_on(conn)?;
    // Named by id, never by the uploader's file name.
    let path = format!("attachments/{id}");
    diesel::update(attachments::table.find(id))
        .set(attachments::path.eq(&path))
        .execute_on(conn)?;
    diesel::update(timeline_items::table.find(item_id))
        .set(timeline_items::content_kind.eq(file.kind))
        .execute_on(conn)?;
    Ok((id, path))
}

/// The item of this chat with this messenger id, if any.
pub fn find_by_external(
    conn: &mut DbConn,
    chat_id: Id,
    external_id: &str,
) -> Result<Option<Id>, StoreError> {
    Ok(timeline_items::table
        .filter(timeline_items::chat_id.eq(chat_id))
        .filter(timeline_items::external_id.eq(external_id))
        .select(timeline_items::id)
        .order(timeline_items::id)
        .first_on(conn)
        .optional()?)
}

/// The message of this chat the messenger knows by this id: one of ours
/// split in several parts is known by each of them.
pub fn find_message_by_external(
    conn: &mut DbConn,
    chat_id: Id,
    external_id: &str,
) -> Result<Option<Id>, StoreError> {
    if let Some(id) = find_by_external(conn, chat_id, external_id)? {
        return Ok(Some(id));
    }
    Ok(outbound_parts::table
        .inner_join(timeline_items::table)
        .filter(timeline_items::chat_id.eq(chat_id))
        .filter(outbound_parts::external_id.eq(external_id))
        .select(timeline_items::id)
        .first_on(conn)
        .optional()?)
}

/// Replaces a message's text, keeping the earlier one as a version.
pub fn record_edit(
    conn: &mut DbConn,
    item_id: Id,
    new_text: Option<&str>,
    edited_at: NaiveDateTime,
) -> Result<(), StoreError> {
    let (old_text, old_at, old_edited): (Option<String>, NaiveDateTime, Option<NaiveDateTime>) =
        timeline_items::table
            .find(item_id)
            .select((
                timeline_items::text,
                timeline_items::at,
                timeline_items::edited_at,
            ))
            .first_on(conn)?;
    diesel::insert_into(message_versions::table)
        .values((
            message_versions::item_id.eq(item_id),
            message_versions::text.eq(old_text.unwrap_or_default()),
            message_versions::at.eq(old_edited.unwrap_or(old_at)),
        ))
        .execute_on(conn)?;
    diesel::update(timeline_items::table.find(item_id))
        .set((
            timeline_items::text.eq(new_text),
            timeline_items::edited_at.eq(edited_at),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// Marks a message deleted by the customer (kept, shown as deleted); the
/// first deletion's time stays.
pub fn mark_deleted(conn: &mut DbConn, item_id: Id, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(
        timeline_items::table
            .find(item_id)
            .filter(timeline_items::deleted_at.is_null()),
    )
    .set(timeline_items::deleted_at.eq(at))
    .execute_on(conn)?;
    Ok(())
}

/// Sets the delivery state of one of our messages.
pub fn set_delivery(
    conn: &mut DbConn,
    item_id: Id,
    state: DeliveryState,
    error: Option<&str>,
    external_id: Option<&str>,
) -> Result<(), StoreError> {
    let target = timeline_items::table.find(item_id);
    diesel::update(target)
        .set((
            timeline_items::delivery.eq(delivery_str(state)),
            timeline_items::delivery_error.eq(error),
        ))
        .execute_on(conn)?;
    if let Some(external_id) = external_id {
        diesel::update(target)
            .set(timeline_items::external_id.eq(external_id))
            .execute_on(conn)?;
    }
    Ok(())
}

/// How long a receipt for a send we have not recorded is kept: sends are
/// recorded within seconds, so an older one is about a message we never knew.
const PENDING_RECEIPT_TTL: TimeDelta = TimeDelta::hours(24);

/// A delivery state a receipt set on one of our messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptChange {
    pub chat_id: Id,
    pub item_id: Id,
    pub state: DeliveryState,
    pub error: Option<String>,
}

/// Moves a sent message forward (sent → delivered → seen) from a messenger
/// receipt, or marks it failed; receipts arriving out of order never move it
/// back. `seen` is sent once per read, not per message (Viber, see
/// shared/protocols/viber.md §3), so it also covers the chat's earlier sent or
/// delivered messages. A receipt for a send not recorded yet (Viber may call
/// back before its `send_message` answer is stored) is kept and applied when
/// the send is recorded ([`apply_pending_receipts`]). Returns the chat and the
/// items that changed, in order.
pub fn apply_receipt(
    conn: &mut DbConn,
    integration_id: Id,
    external_id: &str,
    state: DeliveryState,
    error: Option<&str>,
) -> Result<Option<(Id, Vec<Id>)>, StoreError> {
    let of_integration = chats::table
        .filter(chats::integration_id.eq(integration_id))
        .select(chats::id);
    let mut found: Option<(Id, Id, Option<String>)> = timeline_items::table
        .filter(timeline_items::chat_id.eq_any(of_integration))
        .filter(timeline_items::external_id.eq(external_id))
        .filter(timeline_items::direction.eq("out"))
        .select((
            timeline_items::id,
            timeline_items::chat_id,
            timeline_items::delivery,
        ))
        .first_on(conn)
        .optional()?;
    if found.is_none() {
        // A later part of a message split in several.
        found = outbound_parts::table
            .inner_join(timeline_items::table)
            .filter(timeline_items::chat_id.eq_any(of_integration))
            .filter(outbound_parts::external_id.eq(external_id))
            .select((
                timeline_items::id,
                timeline_items::chat_id,
                timeline_items::delivery,
            ))
            .first_on(conn)
            .optional()?;
    }
    let current = found
        .as_ref()
        .and_then(|(_, _, current)| current.as_deref().and_then(parse_delivery));
    let Some((item_id, chat_id, _)) = found.filter(|_| current != Some(DeliveryState::Pending))
    else {
        keep_pending_receipt(conn, integration_id, external_id, state, error)?;
        return Ok(None);
    };
    let rank = |s: Option<DeliveryState>| match s {
        Some(DeliveryState::Pending) | None => 0,
        Some(DeliveryState::Sent) => 1,
        Some(DeliveryState::Delivered) => 2,
        Some(DeliveryState::Seen) => 3,
        Some(DeliveryState::Failed) => 4,
    };
    let mut changed = Vec::new();
    if state == DeliveryState::Seen {
        changed = timeline_items::table
            .filter(timeline_items::chat_id.eq(chat_id))
            .filter(timeline_items::direction.eq("out"))
            .filter(timeline_items::id.lt(item_id))
            .filter(timeline_items::delivery.eq_any([
                delivery_str(DeliveryState::Sent),
                delivery_str(DeliveryState::Delivered),
            ]))
            .order(timeline_items::id)
            .select(timeline_items::id)
            .load_on(conn)?;
        for &earlier in &changed {
            set_delivery(conn, earlier, state, None, None)?;
        }
    }
    if state == DeliveryState::Failed || rank(Some(state)) > rank(current) {
        set_delivery(conn, item_id, state, error, None)?;
        changed.push(item_id);
    }
    Ok((!changed.is_empty()).then_some((chat_id, changed)))
}

fn keep_pending_receipt(
    conn: &mut DbConn,
    integration_id: Id,
    external_id: &str,
    state: DeliveryState,
    error: Option<&str>,
) -> Result<(), StoreError> {
    let at = now();
    diesel::delete(
        pending_receipts::table.filter(pending_receipts::received_at.lt(at - PENDING_RECEIPT_TTL)),
    )
    .execute_on(conn)?;
    diesel::insert_into(pending_receipts::table)
        .values((
            pending_receipts::integration_id.eq(integration_id),
            pending_receipts::external_id.eq(external_id),
            pending_receipts::state.eq(delivery_str(state)),
            pending_receipts::error.eq(error),
            pending_receipts::received_at.eq(at),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// Applies, in arrival order, the receipts kept for these messenger ids of a
/// send just recorded, and forgets them.
pub fn apply_pending_receipts(
    conn: &mut DbConn,
    integration_id: Id,
    external_ids: &[String],
) -> Result<Vec<ReceiptChange>, StoreError> {
    let mine = || {
        pending_receipts::table
            .filter(pending_receipts::integration_id.eq(integration_id))
            .filter(pending_receipts::external_id.eq_any(external_ids))
    };
    let kept: Vec<(String, String, Option<String>)> = mine()
        .order(pending_receipts::id)
        .select((
            pending_receipts::external_id,
            pending_receipts::state,
            pending_receipts::error,
        ))
        .load_on(conn)?;
    if kept.is_empty() {
        return Ok(Vec::new());
    }
    diesel::delete(mine()).execute_on(conn)?;
    let mut changes = Vec::new();
    for (external_id, state, error) in kept {
        let Some(state) = parse_delivery(&state) else {
            continue;
        };
        if let Some((chat_id, items)) =
            apply_receipt(conn, integration_id, &external_id, state, error.as_deref())?
        {
            changes.extend(items.into_iter().map(|item_id| ReceiptChange {
                chat_id,
                item_id,
                state,
                error: error.clone(),
            }));
        }
    }
    Ok(changes)
}

/// A `timeline_items` row, in the table's column order.
#[derive(Debug, Queryable)]
struct ItemRow {
    id: Id,
    chat_id: Id,
    kind: String,
    at: NaiveDateTime,
    direction: Option<String>,
    author_id: Option<Id>,
    content_kind: Option<String>,
    text: Option<String>,
    external_id: Option<String>,
    reply_to_id: Option<Id>,
    delivery: Option<String>,
    delivery_error: Option<String>,
    edited_at: Option<NaiveDateTime>,
    event: Option<String>,
    actor_id: Option<Id>,
    data: Option<String>,
    reply_to_text: Option<String>,
    deleted_at: Option<NaiveDateTime>,
}

impl ItemRow {
    /// The row as a typed item; a value no code writes is [`StoreError::Corrupt`].
    fn into_record(self) -> Result<ItemRecord, StoreError> {
        let corrupt =
            |what: String| StoreError::Corrupt(format!("timeline item {}: {what}", self.id));
        let data = match self.data.as_deref() {
            Some(text) => Some(
                serde_json::from_str::<serde_json::Value>(text)
                    .map_err(|err| corrupt(format!("data is not JSON: {err}")))?,
            ),
            None => None,
        };
        let body = match self.kind.as_str() {
            "message" => {
                let direction = self.direction.as_deref().and_then(parse_direction);
                let delivery = self.delivery.as_deref().and_then(parse_delivery);
                let (Some(direction), Some(delivery)) = (direction, delivery) else {
                    return Err(corrupt(format!(
                        "message with direction {:?} and delivery {:?}",
                        self.direction, self.delivery
                    )));
                };
                RecordBody::Message(MessageRecord {
                    direction,
                    author_id: self.author_id,
                    content_kind: self.content_kind.unwrap_or_else(|| "text".to_owned()),
                    text: self.text,
                    external_id: self.external_id,
                    reply_to_id: self.reply_to_id,
                    delivery,
                    delivery_error: self.delivery_error,
                    edited_at: self.edited_at,
                    data,
                    deleted_at: self.deleted_at,
                    attachments: Vec::new(),
                    versions: Vec::new(),
                    quote: self.reply_to_text.map(|text| {
                        Box::new(QuoteRecord {
                            item_id: None,
                            text,
                        })
                    }),
                    reactions: Vec::new(),
                })
            }
            "event" => {
                let name = self.event.as_deref().unwrap_or_default();
                let event = TimelineEvent::from_parts(name, data)
                    .map_err(|err| corrupt(err.to_string()))?;
                RecordBody::Event {
                    actor_id: self.actor_id,
                    event,
                }
            }
            other => return Err(corrupt(format!("unknown kind {other:?}"))),
        };
        Ok(ItemRecord {
            id: self.id,
            chat_id: self.chat_id,
            at: self.at,
            body,
        })
    }
}

fn load_items(conn: &mut DbConn, ids: Vec<Id>) -> Result<Vec<ItemRecord>, StoreError> {
    let (mut items, message_ids) = load_items_and_files(conn, ids)?;
    if message_ids.is_empty() {
        return Ok(items);
    }
    let versions = message_versions::table.order(message_versions::id).select((
        message_versions::item_id,
        message_versions::text,
        message_versions::at,
    ));
    let versions: Vec<(Id, String, NaiveDateTime)> =
        load_for_close_ids!(conn, versions, message_versions::item_id, message_ids)?;
    for item in &mut items {
        let id = item.id;
        if let RecordBody::Message(message) = &mut item.body {
            message.versions = versions
                .iter()
                .filter(|v| v.0 == id)
                .map(|v| (v.1.clone(), v.2))
                .collect();
        }
    }
    super::reactions::load_reactions(conn, &mut items, message_ids)?;
    Ok(items)
}

/// Items with their attachments and quotes, and the ids of those that are messages.
fn load_items_and_files(
    conn: &mut DbConn,
    ids: Vec<Id>,
) -> Result<(Vec<ItemRecord>, Vec<Id>), StoreError> {
    let rows = timeline_items::table.order(timeline_items::id);
    let rows: Vec<ItemRow> = load_for_close_ids!(conn, rows, timeline_items::id, ids)?;
    let mut items: Vec<ItemRecord> = rows
        .into_iter()
        .filter(|row| ids.contains(&row.id))
        .map(ItemRow::into_record)
        .collect::<Result<_, _>>()?;
    let message_ids: Vec<Id> = items
        .iter()
        .filter(|i| i.message().is_some())
        .map(|i| i.id)
        .collect();
    if message_ids.is_empty() {
        return Ok((items, message_ids));
    }
    let files = attachments::table
        .order(attachments::id)
        .select(ATTACHMENT_COLUMNS);
    // Rows of items not asked for (read with a range) match no item below.
    let files: Vec<AttachmentRecord> =
        load_for_close_ids!(conn, files, attachments::item_id, message_ids)?;
    for item in &mut items {
        let id = item.id;
        if let RecordBody::Message(message) = &mut item.body {
            message.attachments = files.iter().filter(|f| f.item_id == id).cloned().collect();
        }
    }
    super::reactions::load_quotes(conn, &mut items)?;
    Ok((items, message_ids))
}

/// Up to `limit` items before `before` (the newest when `None`), oldest first.
pub fn list_items(
    conn: &mut DbConn,
    chat_id: Id,
    before: Option<Id>,
    limit: i64,
) -> Result<Vec<ItemRecord>, StoreError> {
    let mut query = timeline_items::table
        .filter(timeline_items::chat_id.eq(chat_id))
        .select(timeline_items::id)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(timeline_items::id.lt(before));
    }
    let ids: Vec<Id> = query
        .order(timeline_items::id.desc())
        .limit(limit)
        .load(conn)?;
    load_items(conn, ids)
}

pub fn find_items(conn: &mut DbConn, ids: Vec<Id>) -> Result<Vec<ItemRecord>, StoreError> {
    load_items(conn, ids)
}

/// [`find_items`] for items appended by the caller's own transaction: nobody
/// could have edited or reacted to them yet, so their versions and reactions
/// are not read (two statements fewer for each message received).
pub fn find_items_appended_now(
    conn: &mut DbConn,
    ids: Vec<Id>,
) -> Result<Vec<ItemRecord>, StoreError> {
    Ok(load_items_and_files(conn, ids)?.0)
}

pub fn find_item(conn: &mut DbConn, id: Id) -> Result<ItemRecord, StoreError> {
    load_items(conn, vec![id])?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// Where an attachment's file was saved, once fetched.
pub fn set_attachment_path(
    conn: &mut DbConn,
    id: Id,
    path: &str,
    size: i64,
) -> Result<(), StoreError> {
    diesel::update(attachments::table.find(id))
        .set((attachments::path.eq(path), attachments::size.eq(size)))
        .execute_on(conn)?;
    Ok(())
}

pub fn find_attachment(conn: &mut DbConn, id: Id) -> Result<(AttachmentRecord, Id), StoreError> {
    Ok(attachments::table
        .inner_join(timeline_items::table)
        .filter(attachments::id.eq(id))
        .select((ATTACHMENT_COLUMNS, timeline_items::chat_id))
        .first_on(conn)?)
}

pub(super) const ATTACHMENT_COLUMNS: (
    attachments::id,
    attachments::item_id,
    attachments::kind,
    attachments::name,
    attachments::mime,
    attachments::size,
    attachments::path,
    attachments::external_ref,
    attachments::fetch_error,
) = (
    attachments::id,
    attachments::item_id,
    attachments::kind,
    attachments::name,
    attachments::mime,
    attachments::size,
    attachments::path,
    attachments::external_ref,
    attachments::fetch_error,
);

/// Attachments still to download (neither stored nor given up on), oldest first,
/// with the integration whose bot can fetch them.
pub fn pending_attachments(
    conn: &mut DbConn,
    limit: i64,
) -> Result<Vec<(AttachmentRecord, Id)>, StoreError> {
    Ok(attachments::table
        .inner_join(timeline_items::table.inner_join(chats::table))
        .filter(attachments::path.is_null())
        .filter(attachments::fetch_error.is_null())
        .filter(attachments::external_ref.is_not_null())
        .order(attachments::id)
        .limit(limit)
        .select((ATTACHMENT_COLUMNS, chats::integration_id))
        .load_on(conn)?)
}

/// Gives up on an attachment, saying why (shown in the timeline).
pub fn set_attachment_error(conn: &mut DbConn, id: Id, error: &str) -> Result<(), StoreError> {
    diesel::update(attachments::table.find(id))
        .set(attachments::fetch_error.eq(error))
        .execute_on(conn)?;
    Ok(())
}
