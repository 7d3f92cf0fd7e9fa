//! Helpers for the demo seeder (`tidings demo`) only; the engine never calls
//! them. The seeder records a past conversation through the ordinary store
//! functions (so its rows have exactly the shape real traffic gives them) and
//! then moves the rows it just wrote back to the times of the story, and plays
//! the outbound worker for the messages it queued.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use shared::api::chats::DeliveryState;
use shared::Id;

use super::schema::{
    attachments, chat_links, chats, comments, contacts, customer_identities, customers, deals,
    greetings_sent, outbound_queue, timeline_items,
};
use super::{timeline, DbConn, StoreError};
use crate::store::OnBackend;

/// How long after the item before it an outgoing message is dated.
const OUTGOING_GAP: TimeDelta = TimeDelta::seconds(2);

/// Dates the chat's items newer than `after` at `at`; each outgoing message a
/// couple of seconds after the item before it (an auto-reply follows the
/// customer's message). Returns the newest item id (or `after`) and the time
/// of the last item dated.
pub fn retime_items_after(
    conn: &mut DbConn,
    chat_id: Id,
    after: Id,
    at: NaiveDateTime,
) -> Result<(Id, NaiveDateTime), StoreError> {
    let items: Vec<(Id, Option<String>)> = timeline_items::table
        .filter(timeline_items::chat_id.eq(chat_id))
        .filter(timeline_items::id.gt(after))
        .order(timeline_items::id)
        .select((timeline_items::id, timeline_items::direction))
        .load_on(conn)?;
    let mut time = at;
    let mut newest = after;
    for (id, direction) in items {
        if direction.as_deref() == Some("out") {
            time += OUTGOING_GAP;
        }
        diesel::update(timeline_items::table.find(id))
            .set(timeline_items::at.eq(time))
            .execute_on(conn)?;
        diesel::update(attachments::table.filter(attachments::item_id.eq(id)))
            .set(attachments::created_at.eq(time))
            .execute_on(conn)?;
        newest = id;
    }
    Ok((newest, time))
}

/// How the messenger took the chat's queued messages.
pub enum Settled<'a> {
    /// Accepted, with this delivery state (sent, delivered, seen).
    Accepted(DeliveryState),
    /// Refused for good, with the messenger's reason.
    Failed(&'a str),
}

/// Plays the outbound worker for the chat's queued messages, oldest first:
/// each accepted one gets the messenger id `next_external()` returns.
/// Returns the item ids settled.
pub fn settle_queued(
    conn: &mut DbConn,
    chat_id: Id,
    outcome: Settled<'_>,
    mut next_external: impl FnMut() -> String,
) -> Result<Vec<Id>, StoreError> {
    let jobs: Vec<(Id, Id)> = outbound_queue::table
        .filter(outbound_queue::chat_id.eq(chat_id))
        .filter(outbound_queue::status.eq("pending"))
        .order(outbound_queue::id)
        .select((outbound_queue::id, outbound_queue::item_id))
        .load_on(conn)?;
    let mut settled = Vec::with_capacity(jobs.len());
    for (job_id, item_id) in jobs {
        match outcome {
            Settled::Accepted(state) => {
                diesel::update(outbound_queue::table.find(job_id))
                    .set((
                        outbound_queue::status.eq("sent"),
                        outbound_queue::attempts.eq(1),
                    ))
                    .execute_on(conn)?;
                let external = next_external();
                timeline::set_delivery(conn, item_id, state, None, Some(&external))?;
            }
            Settled::Failed(reason) => {
                diesel::update(outbound_queue::table.find(job_id))
                    .set((
                        outbound_queue::status.eq("failed"),
                        outbound_queue::attempts.eq(1),
                        outbound_queue::last_error.eq(reason),
                    ))
                    .execute_on(conn)?;
                timeline::set_delivery(conn, item_id, DeliveryState::Failed, Some(reason), None)?;
            }
        }
        settled.push(item_id);
    }
    Ok(settled)
}

/// Moves a seeded chat's own rows (the chat, its customer and contact, its
/// queue rows) to the times of its story. Timeline items, deals, comments and
/// links are dated as they are written.
pub fn backdate_chat(
    conn: &mut DbConn,
    chat_id: Id,
    started_at: NaiveDateTime,
    last_message_at: NaiveDateTime,
    closed_at: Option<NaiveDateTime>,
) -> Result<(), StoreError> {
    let (customer_id, contact_id, status): (Id, Id, String) = chats::table
        .find(chat_id)
        .select((chats::customer_id, chats::contact_id, chats::status))
        .first_on(conn)?;
    let closed_at = closed_at.filter(|_| status == "closed");
    diesel::update(chats::table.find(chat_id))
        .set((
            chats::started_at.eq(started_at),
            chats::last_message_at.eq(last_message_at),
            chats::closed_at.eq(closed_at),
        ))
        .execute_on(conn)?;
    diesel::update(contacts::table.find(contact_id))
        .set(contacts::created_at.eq(started_at))
        .execute_on(conn)?;
    diesel::update(customers::table.find(customer_id))
        .set(customers::created_at.eq(started_at))
        .execute_on(conn)?;
    diesel::update(
        customer_identities::table.filter(customer_identities::customer_id.eq(customer_id)),
    )
    .set(customer_identities::created_at.eq(started_at))
    .execute_on(conn)?;
    diesel::update(greetings_sent::table.filter(greetings_sent::customer_id.eq(customer_id)))
        .set(greetings_sent::at.eq(started_at))
        .execute_on(conn)?;
    let jobs: Vec<(Id, NaiveDateTime)> = outbound_queue::table
        .inner_join(timeline_items::table)
        .filter(outbound_queue::chat_id.eq(chat_id))
        .select((outbound_queue::id, timeline_items::at))
        .load_on(conn)?;
    for (job_id, at) in jobs {
        diesel::update(outbound_queue::table.find(job_id))
            .set((
                outbound_queue::created_at.eq(at),
                outbound_queue::next_attempt_at.eq(at),
                outbound_queue::sent_at.eq(Some(at)),
            ))
            .execute_on(conn)?;
    }
    Ok(())
}

pub fn set_deal_created_at(
    conn: &mut DbConn,
    deal_id: Id,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(deals::table.find(deal_id))
        .set(deals::created_at.eq(at))
        .execute_on(conn)?;
    Ok(())
}

pub fn set_comment_at(
    conn: &mut DbConn,
    comment_id: Id,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(comments::table.find(comment_id))
        .set(comments::at.eq(at))
        .execute_on(conn)?;
    Ok(())
}

pub fn set_links_created_at(
    conn: &mut DbConn,
    chat_id: Id,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(chat_links::table.filter(chat_links::chat_id.eq(chat_id)))
        .set(chat_links::created_at.eq(at))
        .execute_on(conn)?;
    Ok(())
}
