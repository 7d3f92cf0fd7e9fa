//! Receiving: each inbound event in its own savepoint of the writer's batch
//! (see `writer`), idempotent on the messenger's own id. It stores the raw body, finds or creates the customer, contact and
//! chat, appends the message and applies the conversation rules (round robin,
//! deal, greeting, auto-reply, reopen).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;
use shared::api::chats::DeliveryState;
use shared::api::timeline::{DealCreated, NoData, TimelineEvent};
use shared::Id;

use super::business::BusinessChat;
use super::chats::{find_chat_of_customer, set_unreachable};
use super::schema::{chats, greetings_sent, inbound_events};
use super::{conversation, crm, now, outbound, referrals, timeline, DbConn, StoreError};
use crate::channels::{
    CustomerReaction, DeliveryReport, EditedMessage, Inbound, InboundEvent, InboundMessage,
    ReachabilityChange,
};
use crate::domain::chat::{
    business_customer_writes, customer_writes, effective_text, status_str, CustomerWrote, Effect,
    ExistingChat, Transition,
};
use crate::domain::integration::{conversation_start_text, Integration};
use crate::domain::policy::may_hold_chats;
use crate::domain::reason::Reason;
use crate::domain::text::preview;
use crate::domain::whatsapp::reply_window_after;
use crate::store::{kept_update, OnBackend};

/// What receiving one event changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Received {
    /// The same event was received before; nothing changed.
    pub duplicate: bool,
    pub chat_id: Option<Id>,
    pub chat_created: bool,
    /// Timeline items added, in order.
    pub item_ids: Vec<Id>,
    /// Outbound messages queued (greeting, auto-reply).
    pub queued: usize,
    /// Viber's welcome message to answer `conversation_started` with.
    pub welcome: Option<String>,
    /// Attachments waiting to be downloaded.
    pub attachments_to_fetch: Vec<Id>,
    /// Why the event was ignored, if it was.
    pub ignored: Option<String>,
    /// A message the customer edited.
    pub edited_item: Option<Id>,
    /// `(item, new state, error)` of each message whose delivery a receipt changed.
    pub delivery_changed: Vec<(Id, DeliveryState, Option<String>)>,
    /// Stored, to be applied shortly (the writer was behind).
    pub deferred: bool,
    /// The integration whose update was just kept as failed (not applied).
    pub kept_as_failed: Option<Id>,
    /// A message whose reactions the customer changed.
    pub reactions_changed: Option<Id>,
    /// Messages marked deleted (Telegram Business deletes several at once).
    pub deleted_items: Vec<Id>,
}

/// Stores and applies one inbound event; `publish` runs inside the same
/// transaction with what changed (to log the live events). The caller's
/// transaction must already hold the integration's lock
/// ([`integrations::lock_inbound`]): it serialises finding or creating the
/// customer's chat across nodes. It opens no savepoint of its own: when it
/// fails, what it wrote before failing is still in the caller's transaction,
/// which must roll it back (its own savepoint for this event, or the whole
/// transaction; see `store::writer`).
pub fn record_inbound(
    conn: &mut DbConn,
    integration: &Integration,
    inbound: &Inbound,
    raw_body: &str,
    publish: impl FnOnce(&mut DbConn, &Received) -> Result<(), StoreError>,
) -> Result<Received, StoreError> {
    let seen = inbound_events::table
        .filter(inbound_events::integration_id.eq(integration.id))
        .filter(inbound_events::dedup_key.eq(&inbound.dedup_key))
        .select(inbound_events::status);
    let seen: Option<String> = seen.first_on(conn).optional()?;
    // Kept to apply later, or after an earlier failure to apply it: this
    // is its turn (or its retry), and its stored row is updated in place.
    let kept = match seen.as_deref() {
        None => false,
        Some("pending" | "failed") => true,
        Some(_) => {
            return Ok(Received {
                duplicate: true,
                ..Received::default()
            })
        }
    };
    let received = apply(conn, integration, &inbound.event)?;
    let (status, error) = match &received.ignored {
        Some(reason) => ("ignored", Some(reason.as_str())),
        None => ("processed", None),
    };
    if kept {
        kept_update(
            inbound_events::table
                .filter(inbound_events::integration_id.eq(integration.id))
                .filter(inbound_events::dedup_key.eq(&inbound.dedup_key)),
            (
                inbound_events::status.eq(status),
                inbound_events::error.eq(error),
                inbound_events::processed_at.eq(now()),
            ),
        )
        .execute_on(conn)?;
    } else {
        diesel::insert_into(inbound_events::table)
            .values((
                inbound_events::integration_id.eq(integration.id),
                inbound_events::dedup_key.eq(&inbound.dedup_key),
                inbound_events::body.eq(raw_body),
                inbound_events::status.eq(status),
                inbound_events::error.eq(error),
                inbound_events::received_at.eq(now()),
                inbound_events::processed_at.eq(now()),
            ))
            .execute_on(conn)?;
    }
    publish(conn, &received)?;
    Ok(received)
}

/// Keeps a body we could not apply (a bug, a constraint): it is not lost, the
/// operator sees it, and it can be replayed.
pub fn record_failed(
    conn: &mut DbConn,
    integration_id: Id,
    dedup_key: &str,
    raw_body: &str,
    error: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(inbound_events::table)
        .values((
            inbound_events::integration_id.eq(integration_id),
            inbound_events::dedup_key.eq(dedup_key),
            inbound_events::body.eq(raw_body),
            inbound_events::status.eq("failed"),
            inbound_events::error.eq(error),
            inbound_events::received_at.eq(now()),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// A raw body to keep and apply later.
pub struct NewPending<'a> {
    pub integration_id: Id,
    pub dedup_key: &'a str,
    pub body: &'a str,
}

/// Keeps raw bodies to apply later (the writer is behind), in two statements
/// whatever their number; for each, whether it is new (`false`: the same event
/// was received before, or earlier in this batch).
pub fn record_pending(conn: &mut DbConn, events: &[NewPending]) -> Result<Vec<bool>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let integration_ids: Vec<Id> = events.iter().map(|e| e.integration_id).collect();
    let keys: Vec<&str> = events.iter().map(|e| e.dedup_key).collect();
    let mut seen: std::collections::HashSet<(Id, String)> = inbound_events::table
        .filter(inbound_events::integration_id.eq_any(&integration_ids))
        .filter(inbound_events::dedup_key.eq_any(&keys))
        .select((inbound_events::integration_id, inbound_events::dedup_key))
        .load_on::<(Id, String)>(conn)?
        .into_iter()
        .collect();
    let at = now();
    let mut rows = Vec::new();
    let new: Vec<bool> = events
        .iter()
        .map(|event| {
            let new = seen.insert((event.integration_id, event.dedup_key.to_owned()));
            if new {
                rows.push((
                    inbound_events::integration_id.eq(event.integration_id),
                    inbound_events::dedup_key.eq(event.dedup_key),
                    inbound_events::body.eq(event.body),
                    inbound_events::status.eq("pending"),
                    inbound_events::received_at.eq(at),
                ));
            }
            new
        })
        .collect();
    if !rows.is_empty() {
        // Another node keeping the same event at this instant makes this a
        // unique violation: the batch answers 503 and the messenger retries.
        // The derived multi-backend has no multi-row INSERT; each backend has.
        let insert = diesel::insert_into(inbound_events::table).values(rows);
        insert.execute_on(conn)?;
    }
    Ok(new)
}

/// A kept event waiting to be applied.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    pub integration_id: Id,
    pub dedup_key: String,
    pub body: String,
}

/// Kept events waiting to be applied, in arrival order.
pub fn pending_events(conn: &mut DbConn, limit: i64) -> Result<Vec<PendingEvent>, StoreError> {
    let rows: Vec<(Id, String, String)> = inbound_events::table
        .filter(inbound_events::status.eq("pending"))
        .order(inbound_events::id)
        .limit(limit)
        .select((
            inbound_events::integration_id,
            inbound_events::dedup_key,
            inbound_events::body,
        ))
        .load_on(conn)?;
    Ok(rows
        .into_iter()
        .map(|(integration_id, dedup_key, body)| PendingEvent {
            integration_id,
            dedup_key,
            body,
        })
        .collect())
}

/// A kept event that could not be applied becomes failed: visible, and
/// replayed later instead of retried in a loop. `false` when it was not
/// pending (already failed, or applied).
pub fn mark_kept_failed(
    conn: &mut DbConn,
    integration_id: Id,
    dedup_key: &str,
    error: &str,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        inbound_events::table
            .filter(inbound_events::integration_id.eq(integration_id))
            .filter(inbound_events::dedup_key.eq(dedup_key))
            .filter(inbound_events::status.eq("pending")),
    )
    .set((
        inbound_events::status.eq("failed"),
        inbound_events::error.eq(error),
    ))
    .execute_on(conn)?;
    Ok(changed > 0)
}

fn apply(
    conn: &mut DbConn,
    integration: &Integration,
    event: &InboundEvent,
) -> Result<Received, StoreError> {
    match event {
        InboundEvent::Message(message) => receive_message(conn, integration, message, None),
        InboundEvent::Edited(edit) => receive_edit(conn, integration, edit),
        InboundEvent::ConversationStarted { customer, referral } => {
            let customer = crm::find_or_create_customer(conn, integration.kind, customer)?;
            if let Some(referral) = referral {
                remember_referral(conn, integration, customer.customer_id, referral)?;
            }
            let welcome = take_greeting(conn, integration, &customer)?;
            Ok(Received {
                welcome,
                ..Received::default()
            })
        }
        InboundEvent::Reachability { customer, change } => {
            receive_reachability(conn, integration, customer, *change)
        }
        InboundEvent::DeliveryReport {
            external_message_id,
            report,
        } => {
            let (state, error) = match report {
                DeliveryReport::Delivered => (DeliveryState::Delivered, None),
                DeliveryReport::Seen => (DeliveryState::Seen, None),
                DeliveryReport::Failed(reason) => (DeliveryState::Failed, Some(reason.as_str())),
            };
            let changed =
                timeline::apply_receipt(conn, integration.id, external_message_id, state, error)?;
            let Some((chat_id, items)) = changed else {
                return Ok(Received::default());
            };
            Ok(Received {
                chat_id: Some(chat_id),
                delivery_changed: items
                    .into_iter()
                    .map(|item| (item, state, error.map(str::to_owned)))
                    .collect(),
                ..Received::default()
            })
        }
        InboundEvent::Ignored { reason } => Ok(Received {
            ignored: Some(reason.clone()),
            ..Received::default()
        }),
        InboundEvent::Reaction(reaction) => receive_reaction(conn, integration, reaction),
        InboundEvent::Deleted {
            customer,
            external_id,
            deleted_at,
        } => receive_deletion(conn, integration, customer, external_id, *deleted_at),
        InboundEvent::BusinessConnection(connection) => {
            super::business::receive_connection(conn, integration, connection)
        }
        InboundEvent::Business(update) => {
            super::business::receive_business(conn, integration, update)
        }
    }
}

/// A message the customer deleted (theirs, or ours on their side) is kept
/// and marked; its live update goes out like an edit's.
fn receive_deletion(
    conn: &mut DbConn,
    integration: &Integration,
    customer: &crate::channels::CustomerProfile,
    external_id: &str,
    deleted_at: chrono::DateTime<chrono::Utc>,
) -> Result<Received, StoreError> {
    let Some(customer_id) =
        crm::find_customer_by_identity(conn, integration.kind, &customer.external_id)?
    else {
        return Ok(ignored("a deletion from an unknown customer"));
    };
    let Some(chat) = find_chat_of_customer(conn, integration.id, customer_id)? else {
        return Ok(ignored("a deletion in an unknown chat"));
    };
    let Some(item_id) = timeline::find_by_external(conn, chat.id, external_id)? else {
        return Ok(ignored("a deletion of an unknown message"));
    };
    timeline::mark_deleted(conn, item_id, deleted_at.naive_utc())?;
    Ok(Received {
        chat_id: Some(chat.id),
        edited_item: Some(item_id),
        ..Received::default()
    })
}

/// Whether the user can still hold the chat: active, and of a role that may
/// (an assignee made a follower since is treated like one deactivated).
pub(super) fn is_active(conn: &mut DbConn, user_id: Id) -> Result<bool, StoreError> {
    super::users::find_user(conn, user_id)
        .map(|user| user.active && may_hold_chats(user.role))
        .or_else(|err| match err {
            StoreError::NotFound => Ok(false),
            other => Err(other),
        })
}

/// A customer's message: to the bot, or in a chat of a Telegram Business
/// account the bot manages (`business`).
pub(super) fn receive_message(
    conn: &mut DbConn,
    integration: &Integration,
    message: &InboundMessage,
    business: Option<&BusinessChat<'_>>,
) -> Result<Received, StoreError> {
    let customer = crm::find_or_create_customer(conn, integration.kind, &message.customer)?;
    // The customer's own number, shared with the bot, completes their contact.
    if let Some(phone) = crate::domain::contact::own_shared_phone(
        integration.kind,
        &message.customer.external_id,
        &message.content_kind,
        &message.details,
    ) {
        crm::fill_phone(conn, customer.contact_id, &phone)?;
    }
    let existing = match business {
        None => find_chat_of_customer(conn, integration.id, customer.customer_id)?,
        Some(business) => super::business::find_business_chat(
            conn,
            integration.id,
            business.connection_id,
            business.chat_key,
        )?,
    };
    let was_unreachable = existing
        .as_ref()
        .is_some_and(|chat| chat.unreachable_reason.is_some());
    let chat_created = existing.is_none();
    let window_before = existing.as_ref().and_then(|chat| chat.reply_window_ends_at);
    // When the customer may be answered until, after this message.
    let reply_window = |window_before| match business {
        None => reply_window_after(integration.kind, window_before, message.sent_at.naive_utc()),
        Some(_) => Some(crate::domain::business::reply_window_after(
            window_before,
            message.sent_at.naive_utc(),
        )),
    };
    let at = now();
    let mut received = Received::default();
    let facts = match &existing {
        Some(chat) => Some(ExistingChat {
            state: chat.state(),
            assignee_active: match chat.assignee_id {
                Some(user_id) => is_active(conn, user_id)?,
                None => false,
            },
        }),
        None => None,
    };
    let referral = match &existing {
        // A business chat is not one the bot's deep links lead to.
        Some(_) => None,
        None if business.is_some() => None,
        // Created by this very event: no referral can be waiting for them.
        None if customer.created => message.referral.clone(),
        None => {
            let pending =
                referrals::take_pending_referral(conn, integration.id, customer.customer_id)?;
            message.referral.clone().or(pending)
        }
    };
    let next_in_queue = || super::routing::take_turn(conn, integration.id, None);
    let (wrote, transition) = match business {
        None => customer_writes(facts, referral.clone(), next_in_queue)?,
        Some(business) => business_customer_writes(facts, business.owner, next_in_queue)?,
    };
    let chat_id = match existing {
        None => {
            let customer_id = match business {
                None => customer.customer_id,
                Some(_) => super::business::insert_business_customer(conn, customer.contact_id)?,
            };
            let new_chat = NewChat {
                customer_id,
                contact_id: customer.contact_id,
                business,
                referral: referral.as_deref(),
                first_message: Some(FirstMessage {
                    preview: message_preview(message),
                    reply_window_ends_at: reply_window(None),
                }),
            };
            open_chat(
                conn,
                integration.id,
                &new_chat,
                &transition,
                at,
                &mut received,
            )?
        }
        Some(chat) => {
            let items = conversation::apply(conn, chat.id, None, chat.state(), &transition, at)?;
            received.item_ids.extend(items);
            if wrote == CustomerWrote::Continues
                && chat.referral.is_none()
                && message.referral.is_some()
            {
                diesel::update(chats::table.find(chat.id))
                    .set(chats::referral.eq(&message.referral))
                    .execute_on(conn)?;
            }
            chat.id
        }
    };
    start_deal_and_wait(
        conn,
        integration,
        &customer,
        chat_id,
        &transition,
        at,
        &mut received,
    )?;
    received.chat_id = Some(chat_id);
    if !chat_created {
        // A customer's message wakes a snoozed chat (before the message, in the timeline).
        received
            .item_ids
            .extend(super::snoozes::wake_on_customer_message(conn, chat_id)?);
    }
    if was_unreachable {
        // A customer who writes can be written to: a Viber message subscribes
        // without any `subscribed` callback (shared/protocols/viber.md §3), and
        // a Telegram user has to unblock the bot before writing to it.
        set_unreachable(conn, chat_id, None)?;
    }

    insert_message(conn, chat_id, message, &mut received)?;
    // A new chat was written with its preview, window and clock already.
    if !chat_created {
        let preview = message_preview(message);
        let window = reply_window(window_before);
        super::chats::customer_wrote(conn, chat_id, at, &preview, window)?;
    }

    // Greeting first (first contact only), then the auto-reply (every start).
    let greeting = match transition.has(Effect::Greet) {
        true => take_greeting(conn, integration, &customer)?,
        false => None,
    };
    if let Some(greeting) = greeting {
        queue_auto_message(
            conn,
            integration,
            chat_id,
            &greeting,
            "greeting",
            &mut received,
        )?;
    }
    if transition.has(Effect::AutoReply) {
        if let Some((text, which)) = conversation_start_text(integration, at.and_utc()) {
            let text = text.to_owned();
            queue_auto_message(conn, integration, chat_id, &text, which, &mut received)?;
        }
    }
    Ok(received)
}

/// Who a new chat is with: the customer row it belongs to (a business chat
/// has one of its own), their contact, and for a Telegram Business chat its
/// connection and Telegram chat.
pub(super) struct NewChat<'a> {
    pub customer_id: Id,
    pub contact_id: Id,
    pub business: Option<&'a BusinessChat<'a>>,
    pub referral: Option<&'a str>,
    /// The customer's message that opens the chat, if one does.
    pub first_message: Option<FirstMessage>,
}

/// What a customer's first message sets on the chat it opens, written with
/// the new row instead of updating it after: the list's preview, the reply
/// window, and the unanswered clock (started at the chat's start).
pub(super) struct FirstMessage {
    pub preview: String,
    pub reply_window_ends_at: Option<NaiveDateTime>,
}

/// Writes a new chat in the state `transition` leads to (waiting since `at`
/// if it waits), then its events.
pub(super) fn open_chat(
    conn: &mut DbConn,
    integration_id: Id,
    new_chat: &NewChat<'_>,
    transition: &Transition,
    at: NaiveDateTime,
    received: &mut Received,
) -> Result<Id, StoreError> {
    let business = new_chat.business;
    let first = new_chat.first_message.as_ref();
    let chat_id: Id = diesel::insert_into(chats::table)
        .values((
            (
                chats::integration_id.eq(integration_id),
                chats::customer_id.eq(new_chat.customer_id),
                chats::business_connection_id.eq(business.map(|b| b.connection_id)),
                chats::business_chat_id.eq(business.map(|b| b.chat_key)),
                chats::contact_id.eq(new_chat.contact_id),
                chats::status.eq(status_str(transition.state.status)),
                chats::assignee_id.eq(transition.state.assignee_id),
                chats::referral.eq(new_chat.referral),
                chats::started_at.eq(at),
                chats::last_message_at.eq(at),
            ),
            (
                chats::waiting_since.eq(transition.has(Effect::Wait).then_some(at)),
                chats::last_message_preview.eq(first.map(|f| f.preview.as_str())),
                chats::reply_window_ends_at.eq(first.and_then(|f| f.reply_window_ends_at)),
                chats::awaiting_reply_since.eq(first.map(|_| at)),
            ),
        ))
        .returning(chats::id)
        .get_result_on(conn)?;
    received.chat_created = true;
    // The row was written in its new state: only the events remain.
    let items = conversation::apply(conn, chat_id, None, transition.state, transition, at)?;
    received.item_ids.extend(items);
    Ok(chat_id)
}

/// The transition's deal and wait: a new conversation's deal (the
/// integration's funnel, first stage, named after the contact and the
/// integration; its `deal_created` event follows the transition's), and the
/// waiting queue when nobody may take the chat now (a chat [`open_chat`]
/// just wrote waits already).
pub(super) fn start_deal_and_wait(
    conn: &mut DbConn,
    integration: &Integration,
    customer: &crm::CustomerRef,
    chat_id: Id,
    transition: &Transition,
    at: NaiveDateTime,
    received: &mut Received,
) -> Result<(), StoreError> {
    if transition.has(Effect::CreateDeal) {
        create_deal(conn, integration, customer, chat_id, received)?;
    }
    if transition.has(Effect::Wait) && !received.chat_created {
        super::chats::start_waiting(conn, chat_id, at)?;
    }
    Ok(())
}

fn create_deal(
    conn: &mut DbConn,
    integration: &Integration,
    customer: &crm::CustomerRef,
    chat_id: Id,
    received: &mut Received,
) -> Result<(), StoreError> {
    let title = format!("{} — {}", customer.contact_name, integration.name);
    let deal_id = crm::insert_deal_row(
        conn,
        integration.pipeline_id,
        customer.contact_id,
        Some(chat_id),
        &title,
    )?;
    received.item_ids.push(timeline::insert_event(
        conn,
        chat_id,
        None,
        &TimelineEvent::DealCreated(DealCreated { deal_id, title }),
    )?);
    Ok(())
}

/// Appends a messenger's message to the chat's timeline (quoting the message
/// of the chat it replies to), noting it and its attachments to fetch in
/// `received`.
pub(super) fn insert_message(
    conn: &mut DbConn,
    chat_id: Id,
    message: &InboundMessage,
    received: &mut Received,
) -> Result<Id, StoreError> {
    let reply_to_id = match &message.reply_to_external_id {
        Some(external) => timeline::find_message_by_external(conn, chat_id, external)?,
        None => None,
    };
    let item_id = timeline::insert_inbound(
        conn,
        timeline::NewInboundMessage {
            chat_id,
            at: message.sent_at.naive_utc(),
            content_kind: &message.content_kind,
            text: message.text.as_deref(),
            external_id: &message.external_id,
            reply_to_id,
            reply_to_text: message.reply_to_text.as_deref(),
            details: &message.details,
            attachments: &message.attachments,
        },
    )?;
    received.item_ids.push(item_id);
    if !message.attachments.is_empty() {
        received.attachments_to_fetch = timeline::find_item(conn, item_id)?
            .message()
            .map(|m| m.attachments.iter().map(|a| a.id).collect())
            .unwrap_or_default();
    }
    Ok(item_id)
}

/// The chat list's preview of a message.
pub(super) fn message_preview(message: &InboundMessage) -> String {
    message
        .text
        .as_deref()
        .map(preview)
        .unwrap_or_else(|| format!("[{}]", message.content_kind))
}

/// A deep-link payload from a customer who opened the chat: it becomes the
/// referral of their chat (if it has none yet), or of the chat their first
/// message will start.
fn remember_referral(
    conn: &mut DbConn,
    integration: &Integration,
    customer_id: Id,
    referral: &str,
) -> Result<(), StoreError> {
    match find_chat_of_customer(conn, integration.id, customer_id)? {
        Some(chat) => {
            if chat.referral.is_none() {
                diesel::update(chats::table.find(chat.id))
                    .set(chats::referral.eq(referral))
                    .execute_on(conn)?;
            }
            Ok(())
        }
        None => referrals::set_pending_referral(conn, integration.id, customer_id, referral),
    }
}

/// The greeting text if this customer has never been greeted by this
/// integration; records that they now have been.
fn take_greeting(
    conn: &mut DbConn,
    integration: &Integration,
    customer: &crm::CustomerRef,
) -> Result<Option<String>, StoreError> {
    let Some(text) = effective_text(integration.greeting_text.as_deref()) else {
        return Ok(None);
    };
    // A customer created by this event was never greeted: no need to look.
    if !customer.created {
        let greeted: i64 = greetings_sent::table
            .filter(greetings_sent::customer_id.eq(customer.customer_id))
            .filter(greetings_sent::integration_id.eq(integration.id))
            .count()
            .get_result_on(conn)?;
        if greeted > 0 {
            return Ok(None);
        }
    }
    diesel::insert_into(greetings_sent::table)
        .values((
            greetings_sent::customer_id.eq(customer.customer_id),
            greetings_sent::integration_id.eq(integration.id),
            greetings_sent::at.eq(now()),
        ))
        .execute_on(conn)?;
    Ok(Some(text.to_owned()))
}

fn queue_auto_message(
    conn: &mut DbConn,
    integration: &Integration,
    chat_id: Id,
    text: &str,
    which: &str,
    received: &mut Received,
) -> Result<(), StoreError> {
    let item_id =
        timeline::insert_outbound(conn, chat_id, None, text, Some(json!({"auto": which})))?;
    outbound::enqueue(conn, integration.id, chat_id, item_id)?;
    received.item_ids.push(item_id);
    received.queued += 1;
    Ok(())
}

fn receive_edit(
    conn: &mut DbConn,
    integration: &Integration,
    edit: &EditedMessage,
) -> Result<Received, StoreError> {
    let found = find_customer_message(
        conn,
        integration,
        &edit.customer.external_id,
        &edit.external_id,
        "an edit",
    )?;
    let (chat_id, item_id) = match found {
        Ok(found) => found,
        Err(why) => return Ok(ignored(&why)),
    };
    timeline::record_edit(
        conn,
        item_id,
        edit.text.as_deref(),
        edit.edited_at.naive_utc(),
    )?;
    Ok(Received {
        chat_id: Some(chat_id),
        edited_item: Some(item_id),
        ..Received::default()
    })
}

/// The customer's reaction replaces their earlier one on that message. A
/// reaction to a message we do not have is kept as ignored (and logged by
/// the caller): it must never hold up the customer's later updates.
fn receive_reaction(
    conn: &mut DbConn,
    integration: &Integration,
    reaction: &CustomerReaction,
) -> Result<Received, StoreError> {
    let found = find_customer_message(
        conn,
        integration,
        &reaction.customer.external_id,
        &reaction.external_message_id,
        "a reaction",
    )?;
    let (chat_id, item_id) = match found {
        Ok(found) => found,
        Err(why) => return Ok(ignored(&why)),
    };
    let changed = super::reactions::set_reaction(conn, item_id, None, reaction.emoji.as_deref())?;
    // Unchanged (a repeat of the same reaction): nothing to tell anyone.
    Ok(Received {
        chat_id: changed.then_some(chat_id),
        reactions_changed: changed.then_some(item_id),
        ..Received::default()
    })
}

/// `(chat, item)` of the message of a known customer's chat the messenger
/// knows by `external_id`; else why the update (`what`) is ignored.
fn find_customer_message(
    conn: &mut DbConn,
    integration: &Integration,
    customer_external_id: &str,
    external_id: &str,
    what: &str,
) -> Result<Result<(Id, Id), String>, StoreError> {
    let unknown = |why: &str| Err(format!("{what} {why}"));
    let Some(customer_id) =
        crm::find_customer_by_identity(conn, integration.kind, customer_external_id)?
    else {
        return Ok(unknown("from an unknown customer"));
    };
    let Some(chat) = find_chat_of_customer(conn, integration.id, customer_id)? else {
        return Ok(unknown("in an unknown chat"));
    };
    Ok(
        match timeline::find_message_by_external(conn, chat.id, external_id)? {
            Some(item_id) => Ok((chat.id, item_id)),
            None => unknown("about an unknown message"),
        },
    )
}

fn receive_reachability(
    conn: &mut DbConn,
    integration: &Integration,
    profile: &crate::channels::CustomerProfile,
    change: ReachabilityChange,
) -> Result<Received, StoreError> {
    let customer = crm::find_or_create_customer(conn, integration.kind, profile)?;
    let Some(chat) = find_chat_of_customer(conn, integration.id, customer.customer_id)? else {
        return Ok(Received::default());
    };
    let (event, unreachable) = match change {
        ReachabilityChange::Blocked => (
            TimelineEvent::Blocked(NoData {}),
            Some(Reason::CustomerBlockedBot.stored()),
        ),
        ReachabilityChange::Unblocked => (TimelineEvent::Unblocked(NoData {}), None),
        ReachabilityChange::Subscribed => (TimelineEvent::Subscribed(NoData {}), None),
        ReachabilityChange::Unsubscribed => (
            TimelineEvent::Unsubscribed(NoData {}),
            Some(Reason::CustomerUnsubscribed.stored()),
        ),
    };
    set_unreachable(conn, chat.id, unreachable.as_deref())?;
    let item = timeline::insert_event(conn, chat.id, None, &event)?;
    Ok(Received {
        chat_id: Some(chat.id),
        item_ids: vec![item],
        ..Received::default()
    })
}

pub(super) fn ignored(reason: &str) -> Received {
    Received {
        ignored: Some(reason.to_owned()),
        ..Received::default()
    }
}

/// Updates stored and not applied yet: pending, or kept as failed.
pub fn count_unapplied(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(inbound_events::table
        .filter(inbound_events::status.eq_any(["pending", "failed"]))
        .count()
        .get_result_on(conn)?)
}

/// Updates kept as failed before `before`: `(integration id, raw body)`, oldest first.
pub fn failed_events(
    conn: &mut DbConn,
    before: chrono::NaiveDateTime,
    limit: i64,
) -> Result<Vec<(Id, String)>, StoreError> {
    Ok(inbound_events::table
        .filter(inbound_events::status.eq("failed"))
        .filter(inbound_events::received_at.lt(before))
        .order(inbound_events::id)
        .limit(limit)
        .select((inbound_events::integration_id, inbound_events::body))
        .load_on(conn)?)
}

/// Pushes a failed update's next retry back (it failed again).
pub fn postpone_failed(
    conn: &mut DbConn,
    integration_id: Id,
    body: &str,
) -> Result<(), StoreError> {
    diesel::update(
        inbound_events::table
            .filter(inbound_events::integration_id.eq(integration_id))
            .filter(inbound_events::status.eq("failed"))
            .filter(inbound_events::body.eq(body)),
    )
    .set(inbound_events::received_at.eq(now()))
    .execute_on(conn)?;
    Ok(())
}
