//! Integrations, their manager queues and the round-robin cursor.

use diesel::prelude::*;
use shared::api::integrations::{BusinessHours as BusinessHoursDto, Delivery};
use shared::api::users::Role;
use shared::api::Channel;
use shared::Id;

use super::schema::{integration_queue, integrations, users, whatsapp_numbers};
use super::{now, write_transaction, DbConn, StoreError};
use crate::config::Secret;
use crate::domain::integration::{delivery_str, parse_delivery, Integration};
use crate::domain::policy::may_hold_chats;
use crate::domain::whatsapp::WhatsAppNumber;
use crate::store::{kept_update, OnBackend};

#[derive(Queryable)]
#[allow(dead_code)] // every column is read; some are not used yet
struct IntegrationRow {
    id: Id,
    kind: String,
    name: String,
    token: String,
    webhook_secret: String,
    delivery: String,
    pipeline_id: Id,
    greeting_text: Option<String>,
    auto_reply_text: Option<String>,
    queue_cursor: i64,
    bot_username: Option<String>,
    bot_avatar_url: Option<String>,
    polling_offset: i64,
    last_inbound_at: Option<chrono::NaiveDateTime>,
    last_error: Option<String>,
    last_error_at: Option<chrono::NaiveDateTime>,
    created_at: chrono::NaiveDateTime,
    deleted_at: Option<chrono::NaiveDateTime>,
    assign_only_online: bool,
    reassign_after_s: Option<i64>,
    business_hours: Option<String>,
    away_text: Option<String>,
}

/// `(integration_id, phone_number_id, business_account_id, app_secret, verify_token)`.
type NumberRow = (Id, String, String, String, String);

fn number_of(row: NumberRow) -> WhatsAppNumber {
    let (_, phone_number_id, business_account_id, app_secret, verify_token) = row;
    WhatsAppNumber {
        phone_number_id,
        business_account_id,
        app_secret: Secret(app_secret),
        verify_token,
    }
}

fn load_numbers(conn: &mut DbConn, ids: &[Id]) -> Result<Vec<NumberRow>, StoreError> {
    Ok(whatsapp_numbers::table
        .filter(whatsapp_numbers::integration_id.eq_any(ids))
        .load_on(conn)?)
}

/// Stores (or replaces) a WhatsApp integration's number.
fn set_number(conn: &mut DbConn, id: Id, number: &WhatsAppNumber) -> Result<(), StoreError> {
    diesel::delete(whatsapp_numbers::table.find(id)).execute_on(conn)?;
    diesel::insert_into(whatsapp_numbers::table)
        .values((
            whatsapp_numbers::integration_id.eq(id),
            whatsapp_numbers::phone_number_id.eq(&number.phone_number_id),
            whatsapp_numbers::business_account_id.eq(&number.business_account_id),
            whatsapp_numbers::app_secret.eq(number.app_secret.expose()),
            whatsapp_numbers::verify_token.eq(&number.verify_token),
        ))
        .execute_on(conn)?;
    Ok(())
}

fn to_domain(
    row: IntegrationRow,
    queue: Vec<Id>,
    whatsapp: Option<WhatsAppNumber>,
) -> Result<Integration, StoreError> {
    let kind = Channel::parse(&row.kind)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown channel {:?}", row.kind)))?;
    let delivery = parse_delivery(&row.delivery)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown delivery {:?}", row.delivery)))?;
    Ok(Integration {
        id: row.id,
        kind,
        name: row.name,
        token: Secret(row.token),
        webhook_secret: row.webhook_secret,
        delivery,
        pipeline_id: row.pipeline_id,
        greeting_text: row.greeting_text,
        auto_reply_text: row.auto_reply_text,
        queue,
        queue_cursor: row.queue_cursor,
        bot_username: row.bot_username,
        bot_avatar_url: row.bot_avatar_url,
        polling_offset: row.polling_offset,
        last_inbound_at: row.last_inbound_at,
        last_error: row.last_error,
        last_error_at: row.last_error_at,
        created_at: row.created_at,
        deleted: row.deleted_at.is_some(),
        assign_only_online: row.assign_only_online,
        reassign_after_s: row.reassign_after_s,
        business_hours: row
            .business_hours
            .map(|json| {
                serde_json::from_str(&json).map_err(|err| {
                    StoreError::Corrupt(format!("integration {}: business hours: {err}", row.id))
                })
            })
            .transpose()?,
        away_text: row.away_text,
        whatsapp,
    })
}

fn load_queue(conn: &mut DbConn, integration_id: Id) -> Result<Vec<Id>, StoreError> {
    Ok(integration_queue::table
        .filter(integration_queue::integration_id.eq(integration_id))
        .order(integration_queue::position)
        .select(integration_queue::user_id)
        .load_on(conn)?)
}

pub fn find_integration(conn: &mut DbConn, id: Id) -> Result<Integration, StoreError> {
    let row: IntegrationRow = integrations::table.find(id).first_on(conn)?;
    let queue = load_queue(conn, id)?;
    let number = load_numbers(conn, &[id])?.pop().map(number_of);
    to_domain(row, queue, number)
}

/// Integrations that are not deleted.
pub fn list_integrations(conn: &mut DbConn) -> Result<Vec<Integration>, StoreError> {
    let rows: Vec<IntegrationRow> = integrations::table
        .filter(integrations::deleted_at.is_null())
        .order(integrations::id)
        .load_on(conn)?;
    let queues: Vec<(Id, Id)> = integration_queue::table
        .order((
            integration_queue::integration_id,
            integration_queue::position,
        ))
        .select((
            integration_queue::integration_id,
            integration_queue::user_id,
        ))
        .load_on(conn)?;
    let ids: Vec<Id> = rows.iter().map(|row| row.id).collect();
    let mut numbers = load_numbers(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let queue = queues
                .iter()
                .filter(|(integration, _)| *integration == row.id)
                .map(|(_, user)| *user)
                .collect();
            let number = numbers
                .iter()
                .position(|number| number.0 == row.id)
                .map(|at| number_of(numbers.swap_remove(at)));
            to_domain(row, queue, number)
        })
        .collect()
}

pub struct NewIntegration<'a> {
    pub kind: Channel,
    pub name: &'a str,
    pub token: &'a str,
    pub webhook_secret: &'a str,
    pub delivery: Delivery,
    pub pipeline_id: Id,
    pub greeting_text: Option<&'a str>,
    pub auto_reply_text: Option<&'a str>,
    pub queue: &'a [Id],
    pub bot_username: Option<&'a str>,
    pub bot_avatar_url: Option<&'a str>,
    pub routing: RoutingSettings,
    /// WhatsApp: the business number.
    pub whatsapp: Option<&'a WhatsAppNumber>,
}

/// Who the queue may give chats to, and when the team is in (checked already).
#[derive(Debug, Default)]
pub struct RoutingSettings {
    pub assign_only_online: bool,
    pub reassign_after_s: Option<i64>,
    pub business_hours: Option<BusinessHoursDto>,
    pub away_text: Option<String>,
}

pub fn insert_integration(
    conn: &mut DbConn,
    new: NewIntegration<'_>,
) -> Result<Integration, StoreError> {
    write_transaction(conn, |conn| {
        let id: Id = diesel::insert_into(integrations::table)
            .values((
                integrations::kind.eq(new.kind.as_str()),
                integrations::name.eq(new.name),
                integrations::token.eq(new.token),
                integrations::webhook_secret.eq(new.webhook_secret),
                integrations::delivery.eq(delivery_str(new.delivery)),
                integrations::pipeline_id.eq(new.pipeline_id),
                integrations::greeting_text.eq(new.greeting_text),
                integrations::auto_reply_text.eq(new.auto_reply_text),
                integrations::bot_username.eq(new.bot_username),
                integrations::bot_avatar_url.eq(new.bot_avatar_url),
                integrations::created_at.eq(now()),
                integrations::assign_only_online.eq(new.routing.assign_only_online),
                integrations::reassign_after_s.eq(new.routing.reassign_after_s),
                integrations::business_hours.eq(new
                    .routing
                    .business_hours
                    .as_ref()
                    .map(hours_json)),
                integrations::away_text.eq(&new.routing.away_text),
            ))
            .returning(integrations::id)
            .get_result_on(conn)?;
        replace_queue(conn, id, new.queue)?;
        if let Some(number) = new.whatsapp {
            set_number(conn, id, number)?;
        }
        find_integration(conn, id)
    })
}

/// Replaces the queue; the cursor restarts at the head of the new order.
pub fn replace_queue(conn: &mut DbConn, id: Id, queue: &[Id]) -> Result<(), StoreError> {
    diesel::delete(integration_queue::table.filter(integration_queue::integration_id.eq(id)))
        .execute_on(conn)?;
    for (position, user_id) in (0i32..).zip(queue) {
        diesel::insert_into(integration_queue::table)
            .values((
                integration_queue::integration_id.eq(id),
                integration_queue::position.eq(position),
                integration_queue::user_id.eq(user_id),
            ))
            .execute_on(conn)?;
    }
    diesel::update(integrations::table.find(id))
        .set(integrations::queue_cursor.eq(0))
        .execute_on(conn)?;
    Ok(())
}

#[derive(Default)]
pub struct IntegrationChanges {
    pub name: Option<String>,
    pub token: Option<String>,
    pub queue: Option<Vec<Id>>,
    pub pipeline_id: Option<Id>,
    /// `Some(None)` clears the text (disables the auto-message).
    pub greeting_text: Option<Option<String>>,
    pub auto_reply_text: Option<Option<String>>,
    pub delivery: Option<Delivery>,
    pub bot_username: Option<Option<String>>,
    pub bot_avatar_url: Option<Option<String>>,
    pub assign_only_online: Option<bool>,
    pub reassign_after_s: Option<Option<i64>>,
    /// Checked already (`domain::business_hours`).
    pub business_hours: Option<Option<BusinessHoursDto>>,
    pub away_text: Option<Option<String>>,
    /// WhatsApp: the number, replaced whole.
    pub whatsapp: Option<WhatsAppNumber>,
}

pub fn update_integration(
    conn: &mut DbConn,
    id: Id,
    changes: IntegrationChanges,
) -> Result<Integration, StoreError> {
    write_transaction(conn, |conn| {
        find_integration(conn, id)?;
        let target = integrations::table.find(id);
        if let Some(name) = changes.name {
            diesel::update(target)
                .set(integrations::name.eq(name))
                .execute_on(conn)?;
        }
        if let Some(token) = changes.token {
            diesel::update(target)
                .set(integrations::token.eq(token))
                .execute_on(conn)?;
        }
        if let Some(pipeline_id) = changes.pipeline_id {
            diesel::update(target)
                .set(integrations::pipeline_id.eq(pipeline_id))
                .execute_on(conn)?;
        }
        if let Some(text) = changes.greeting_text {
            diesel::update(target)
                .set(integrations::greeting_text.eq(text))
                .execute_on(conn)?;
        }
        if let Some(text) = changes.auto_reply_text {
            diesel::update(target)
                .set(integrations::auto_reply_text.eq(text))
                .execute_on(conn)?;
        }
        if let Some(delivery) = changes.delivery {
            diesel::update(target)
                .set(integrations::delivery.eq(delivery_str(delivery)))
                .execute_on(conn)?;
        }
        if let Some(username) = changes.bot_username {
            diesel::update(target)
                .set(integrations::bot_username.eq(username))
                .execute_on(conn)?;
        }
        if let Some(avatar) = changes.bot_avatar_url {
            diesel::update(target)
                .set(integrations::bot_avatar_url.eq(avatar))
                .execute_on(conn)?;
        }
        if let Some(only_online) = changes.assign_only_online {
            diesel::update(target)
                .set(integrations::assign_only_online.eq(only_online))
                .execute_on(conn)?;
        }
        if let Some(after) = changes.reassign_after_s {
            diesel::update(target)
                .set(integrations::reassign_after_s.eq(after))
                .execute_on(conn)?;
        }
        if let Some(hours) = changes.business_hours {
            diesel::update(target)
                .set(integrations::business_hours.eq(hours.as_ref().map(hours_json)))
                .execute_on(conn)?;
        }
        if let Some(text) = changes.away_text {
            diesel::update(target)
                .set(integrations::away_text.eq(text))
                .execute_on(conn)?;
        }
        if let Some(queue) = changes.queue {
            replace_queue(conn, id, &queue)?;
        }
        if let Some(number) = &changes.whatsapp {
            set_number(conn, id, number)?;
        }
        find_integration(conn, id)
    })
}

fn hours_json(hours: &BusinessHoursDto) -> String {
    // A struct of strings always serializes.
    serde_json::to_string(hours).unwrap_or_default()
}

/// Marks the integration deleted: it stops receiving and sending, its chats and
/// their history stay. Pending messages of its chats will not be sent.
pub fn delete_integration(conn: &mut DbConn, id: Id) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        let deleted = diesel::update(
            integrations::table
                .find(id)
                .filter(integrations::deleted_at.is_null()),
        )
        .set(integrations::deleted_at.eq(now()))
        .execute_on(conn)?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        diesel::delete(integration_queue::table.filter(integration_queue::integration_id.eq(id)))
            .execute_on(conn)?;
        Ok(())
    })
}

/// Which of these users do not exist.
pub fn unknown_users(conn: &mut DbConn, ids: &[Id]) -> Result<Vec<Id>, StoreError> {
    Ok(queue_problems(conn, ids)?.unknown)
}

/// Who in a would-be queue does not exist, and who may not hold chats.
pub fn queue_problems(conn: &mut DbConn, ids: &[Id]) -> Result<QueueProblems, StoreError> {
    let known: Vec<(Id, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::role))
        .load_on(conn)?;
    let mut problems = QueueProblems::default();
    for id in ids {
        match known.iter().find(|(known_id, _)| known_id == id) {
            None => problems.unknown.push(*id),
            Some((_, role)) if !Role::parse(role).is_some_and(may_hold_chats) => {
                problems.not_assignable.push(*id)
            }
            Some(_) => {}
        }
    }
    Ok(problems)
}

#[derive(Debug, Default)]
pub struct QueueProblems {
    pub unknown: Vec<Id>,
    pub not_assignable: Vec<Id>,
}

/// Takes what applying inbound events needs before it reads anything, then
/// marks inbound activity on `integration_ids`.
///
/// On SQLite this update is the transaction's first write, so it takes the
/// database's write lock at once (a transaction that read first could fail to
/// upgrade): one writer at a time, nothing more to lock.
///
/// On PostgreSQL, events of different customers may be applied at the same
/// time, by several appliers of one node or by several nodes; one customer's
/// events must not (finding or creating their chat, keeping it in order). So
/// each customer of `customers` gets a transaction-scoped advisory lock, all
/// taken in one global order so two transactions wait instead of deadlocking,
/// and before the integration rows (the activity mark, the round-robin
/// cursor), which are always locked after them.
pub fn lock_inbound<'a>(
    conn: &mut DbConn,
    integration_ids: impl IntoIterator<Item = Id>,
    customers: impl IntoIterator<Item = (Id, Option<&'a str>)>,
) -> Result<(), StoreError> {
    super::lock_all_for_transaction(
        conn,
        customers
            .into_iter()
            .map(|(integration_id, customer)| customer_lock_key(integration_id, customer))
            .collect(),
    )?;
    let mut ids: Vec<Id> = integration_ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        kept_update(
            integrations::table.find(id),
            integrations::last_inbound_at.eq(now()),
        )
        .execute_on(conn)?;
    }
    Ok(())
}

/// The advisory lock of one customer of an integration (receipts and other
/// events without a customer share one per integration).
pub fn customer_lock_key(integration_id: Id, customer: Option<&str>) -> i64 {
    super::lock_key(&[
        &integration_id.to_le_bytes(),
        customer.map_or(&[][..], str::as_bytes),
    ])
}

pub fn set_last_error(conn: &mut DbConn, id: Id, error: &str) -> Result<(), StoreError> {
    diesel::update(integrations::table.find(id))
        .set((
            integrations::last_error.eq(error),
            integrations::last_error_at.eq(now()),
        ))
        .execute_on(conn)?;
    Ok(())
}

pub fn set_polling_offset(conn: &mut DbConn, id: Id, offset: i64) -> Result<(), StoreError> {
    diesel::update(integrations::table.find(id))
        .set(integrations::polling_offset.eq(offset))
        .execute_on(conn)?;
    Ok(())
}

/// The messenger id of the customer of the integration's latest chat.
pub fn latest_recipient(
    conn: &mut DbConn,
    integration_id: Id,
) -> Result<Option<String>, StoreError> {
    use super::schema::chats;
    let latest: Option<Id> = chats::table
        .filter(chats::integration_id.eq(integration_id))
        .order(chats::last_message_at.desc())
        .select(chats::id)
        .first_on(conn)
        .optional()?;
    match latest {
        Some(chat_id) => super::outbound::recipient(conn, chat_id),
        None => Ok(None),
    }
}

/// A new webhook secret (the Channel API's signing key): the old one stops
/// verifying at once.
pub fn set_webhook_secret(
    conn: &mut DbConn,
    id: Id,
    secret: &str,
) -> Result<Integration, StoreError> {
    diesel::update(integrations::table.find(id))
        .set(integrations::webhook_secret.eq(secret))
        .execute_on(conn)?;
    find_integration(conn, id)
}
