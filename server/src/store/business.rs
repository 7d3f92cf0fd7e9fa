//! Telegram Business: the connections owners made to a bot (kept as Telegram
//! last reported them, plus the Tidings user each owner is), their chats
//! (keyed by connection and Telegram chat, apart from the bot's own chats),
//! and applying business updates inside the writer's batch (see `inbound`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use super::chats::{touch, ChatRecord, CHAT_COLUMNS};
use super::inbound::{ignored, open_chat, start_deal_and_wait, NewChat, Received};
use super::schema::{business_connections, chats, customers};
use super::{conversation, crm, now, timeline, DbConn, StoreError};
use crate::channels::{BusinessConnection, BusinessUpdate, BusinessUpdateKind, InboundMessage};
use crate::domain::business::ConnectionRights;
use crate::domain::chat::business_owner_writes;
use crate::domain::integration::Integration;
use crate::store::OnBackend;

/// A connection as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ConnectionRecord {
    pub id: String,
    pub telegram_user_id: String,
    pub name: String,
    pub user_id: Option<Id>,
    pub enabled: bool,
    pub can_reply: bool,
    pub connected_at: NaiveDateTime,
}

impl ConnectionRecord {
    pub fn rights(&self) -> ConnectionRights {
        ConnectionRights {
            enabled: self.enabled,
            can_reply: self.can_reply,
        }
    }
}

type ConnectionColumns = (
    business_connections::id,
    business_connections::telegram_user_id,
    business_connections::name,
    business_connections::user_id,
    business_connections::enabled,
    business_connections::can_reply,
    business_connections::connected_at,
);
const CONNECTION_COLUMNS: ConnectionColumns = (
    business_connections::id,
    business_connections::telegram_user_id,
    business_connections::name,
    business_connections::user_id,
    business_connections::enabled,
    business_connections::can_reply,
    business_connections::connected_at,
);

/// The integration's connections, oldest first.
pub fn list_connections(
    conn: &mut DbConn,
    integration_id: Id,
) -> Result<Vec<ConnectionRecord>, StoreError> {
    Ok(business_connections::table
        .filter(business_connections::integration_id.eq(integration_id))
        .order((business_connections::connected_at, business_connections::id))
        .select(CONNECTION_COLUMNS)
        .load_on(conn)?)
}

pub fn find_connection(
    conn: &mut DbConn,
    integration_id: Id,
    id: &str,
) -> Result<Option<ConnectionRecord>, StoreError> {
    Ok(business_connections::table
        .filter(business_connections::integration_id.eq(integration_id))
        .filter(business_connections::id.eq(id))
        .select(CONNECTION_COLUMNS)
        .first_on(conn)
        .optional()?)
}

/// Links the connection's owner to a Tidings user (`None`: unlinks);
/// [`StoreError::NotFound`] when the integration has no such connection.
pub fn set_connection_user(
    conn: &mut DbConn,
    integration_id: Id,
    id: &str,
    user_id: Option<Id>,
) -> Result<ConnectionRecord, StoreError> {
    let changed = diesel::update(
        business_connections::table
            .filter(business_connections::integration_id.eq(integration_id))
            .filter(business_connections::id.eq(id)),
    )
    .set(business_connections::user_id.eq(user_id))
    .execute_on(conn)?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    find_connection(conn, integration_id, id)?.ok_or(StoreError::NotFound)
}

/// Keeps the connection as Telegram reports it now (every update about it
/// carries its whole state); the linked user stays.
fn record_connection(
    conn: &mut DbConn,
    integration_id: Id,
    connection: &BusinessConnection,
) -> Result<(), StoreError> {
    let state = (
        business_connections::telegram_user_id.eq(&connection.owner.external_id),
        business_connections::name.eq(&connection.owner.name),
        business_connections::username.eq(&connection.owner.username),
        business_connections::user_chat_id.eq(connection.user_chat_id),
        business_connections::enabled.eq(connection.enabled),
        business_connections::can_reply.eq(connection.can_reply),
        business_connections::connected_at.eq(connection.connected_at.naive_utc()),
    );
    let updated = diesel::update(
        business_connections::table
            .filter(business_connections::integration_id.eq(integration_id))
            .filter(business_connections::id.eq(&connection.id)),
    )
    .set(state)
    .execute_on(conn)?;
    if updated == 0 {
        // The integration's inbound lock serialises this with any other
        // update of the same connection, so the row cannot appear meanwhile.
        diesel::insert_into(business_connections::table)
            .values((
                business_connections::integration_id.eq(integration_id),
                business_connections::id.eq(&connection.id),
                state,
            ))
            .execute_on(conn)?;
    }
    Ok(())
}

/// The chat of a Telegram chat seen through a connection.
pub fn find_business_chat(
    conn: &mut DbConn,
    integration_id: Id,
    connection_id: &str,
    chat_key: &str,
) -> Result<Option<ChatRecord>, StoreError> {
    chats::table
        .filter(chats::integration_id.eq(integration_id))
        .filter(chats::business_connection_id.eq(connection_id))
        .filter(chats::business_chat_id.eq(chat_key))
        .select(CHAT_COLUMNS)
        .first_on(conn)
        .optional()?
        .map(super::chats::to_record)
        .transpose()
}

/// The rights of the connection a chat belongs to (`None`: not a business
/// chat); `Some(None)`: a business chat whose connection Tidings never saw.
pub fn chat_connection_rights(
    conn: &mut DbConn,
    chat: &ChatRecord,
) -> Result<Option<Option<ConnectionRights>>, StoreError> {
    let Some(connection_id) = &chat.business_connection_id else {
        return Ok(None);
    };
    Ok(Some(
        find_connection(conn, chat.integration_id, connection_id)?.map(|c| c.rights()),
    ))
}

/// A customer row of its own for a new business chat (a customer has at
/// most one chat per integration), sharing the contact of the customer's
/// Telegram identity.
pub(super) fn insert_business_customer(
    conn: &mut DbConn,
    contact_id: Id,
) -> Result<Id, StoreError> {
    Ok(diesel::insert_into(customers::table)
        .values((
            customers::contact_id.eq(contact_id),
            customers::created_at.eq(now()),
        ))
        .returning(customers::id)
        .get_result_on(conn)?)
}

/// What a business chat is, for [`super::inbound`]'s message path.
pub(super) struct BusinessChat<'a> {
    pub connection_id: &'a str,
    /// Telegram's chat id (the customer's user id).
    pub chat_key: &'a str,
    /// The linked owner, if they can hold chats now.
    pub owner: Option<Id>,
}

/// The user linked to the connection, if they can hold chats now.
fn active_owner(
    conn: &mut DbConn,
    connection: Option<&ConnectionRecord>,
) -> Result<Option<Id>, StoreError> {
    Ok(match connection.and_then(|c| c.user_id) {
        Some(user_id) if super::inbound::is_active(conn, user_id)? => Some(user_id),
        _ => None,
    })
}

/// Applies one business update.
pub(super) fn receive_business(
    conn: &mut DbConn,
    integration: &Integration,
    update: &BusinessUpdate,
) -> Result<Received, StoreError> {
    let connection = find_connection(conn, integration.id, &update.connection_id)?;
    let chat_key = update.customer.external_id.as_str();
    match &update.kind {
        BusinessUpdateKind::CustomerMessage(message) => {
            let business = BusinessChat {
                connection_id: &update.connection_id,
                chat_key,
                owner: active_owner(conn, connection.as_ref())?,
            };
            super::inbound::receive_message(conn, integration, message, Some(&business))
        }
        BusinessUpdateKind::OwnerMessage {
            message, by_bot, ..
        } => {
            if *by_bot {
                // Telegram's copy of a reply the bot sent for the owner: it is
                // the reply already stored (by the id `sendMessage` returned).
                return Ok(ignored("Telegram's copy of a reply sent by the bot"));
            }
            let author = connection.as_ref().and_then(|c| c.user_id);
            let business = BusinessChat {
                connection_id: &update.connection_id,
                chat_key,
                owner: active_owner(conn, connection.as_ref())?,
            };
            receive_owner_message(conn, integration, update, &business, author, message)
        }
        BusinessUpdateKind::Edited(edit) => {
            let Some(chat) =
                find_business_chat(conn, integration.id, &update.connection_id, chat_key)?
            else {
                return Ok(ignored("an edit in an unknown business chat"));
            };
            let Some(item_id) =
                timeline::find_message_by_external(conn, chat.id, &edit.external_id)?
            else {
                return Ok(ignored("an edit of an unknown business message"));
            };
            timeline::record_edit(
                conn,
                item_id,
                edit.text.as_deref(),
                edit.edited_at.naive_utc(),
            )?;
            Ok(Received {
                chat_id: Some(chat.id),
                edited_item: Some(item_id),
                ..Received::default()
            })
        }
        BusinessUpdateKind::Deleted { external_ids } => {
            let Some(chat) =
                find_business_chat(conn, integration.id, &update.connection_id, chat_key)?
            else {
                return Ok(ignored("a deletion in an unknown business chat"));
            };
            let at = now();
            let mut deleted = Vec::new();
            for external_id in external_ids {
                if let Some(item_id) =
                    timeline::find_message_by_external(conn, chat.id, external_id)?
                {
                    timeline::mark_deleted(conn, item_id, at)?;
                    deleted.push(item_id);
                }
            }
            if deleted.is_empty() {
                return Ok(ignored("a deletion of unknown business messages"));
            }
            Ok(Received {
                chat_id: Some(chat.id),
                deleted_items: deleted,
                ..Received::default()
            })
        }
    }
}

/// Applies a `business_connection` update.
pub(super) fn receive_connection(
    conn: &mut DbConn,
    integration: &Integration,
    connection: &BusinessConnection,
) -> Result<Received, StoreError> {
    record_connection(conn, integration.id, connection)?;
    Ok(Received::default())
}

/// What the owner wrote from their own Telegram app: the chat's outgoing
/// message by the linked user (`author`, or nobody), already delivered by
/// Telegram, so never queued. Written first, to someone with no chat yet, it
/// opens one (see `domain::chat::business_owner_writes`).
fn receive_owner_message(
    conn: &mut DbConn,
    integration: &Integration,
    update: &BusinessUpdate,
    business: &BusinessChat<'_>,
    author: Option<Id>,
    message: &InboundMessage,
) -> Result<Received, StoreError> {
    let existing = find_business_chat(
        conn,
        integration.id,
        business.connection_id,
        business.chat_key,
    )?;
    if let Some(chat) = &existing {
        if timeline::find_message_by_external(conn, chat.id, &message.external_id)?.is_some() {
            return Ok(ignored("the owner's message is stored already"));
        }
    }
    let at = now();
    let mut received = Received::default();
    let next_in_queue = || super::routing::take_turn(conn, integration.id, None);
    let transition = business_owner_writes(
        existing.as_ref().map(ChatRecord::state),
        business.owner,
        next_in_queue,
    )?;
    let chat_id = match existing {
        None => {
            let customer = crm::find_or_create_customer(conn, integration.kind, &update.customer)?;
            let new_chat = NewChat {
                customer_id: insert_business_customer(conn, customer.contact_id)?,
                contact_id: customer.contact_id,
                business: Some(business),
                referral: None,
                // The owner's message is no customer's: nothing awaits a reply.
                first_message: None,
            };
            let chat_id = open_chat(
                conn,
                integration.id,
                &new_chat,
                &transition,
                at,
                &mut received,
            )?;
            start_deal_and_wait(
                conn,
                integration,
                &customer,
                chat_id,
                &transition,
                at,
                &mut received,
            )?;
            chat_id
        }
        Some(chat) => {
            let items = conversation::apply(conn, chat.id, author, chat.state(), &transition, at)?;
            received.item_ids.extend(items);
            chat.id
        }
    };
    received.chat_id = Some(chat_id);
    let item_id = super::inbound::insert_message(conn, chat_id, message, &mut received)?;
    timeline::make_owner_message(conn, item_id, author)?;
    super::routing::answered(conn, chat_id)?;
    touch(conn, chat_id, at, &super::inbound::message_preview(message))?;
    Ok(received)
}
