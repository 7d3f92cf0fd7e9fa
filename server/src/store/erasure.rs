//! Erasing a contact: every row that holds its data, in one transaction.
//! Files on disk are the caller's to remove, after commit (see
//! `service::erasure`), from the attachment ids this returns; deals stay with
//! their figures and without the contact.

use diesel::prelude::*;
use shared::Id;

use super::schema::{
    attachments, chat_followers, chat_links, chat_tags, chat_user_state, chats, comments, contacts,
    customer_identities, customers, deals, event_log, greetings_sent, media_links,
    message_versions, outbound_parts, outbound_queue, pending_referrals, recent_sends,
    timeline_items,
};
use super::{integrations, write_transaction, DbConn, StoreError};
use crate::store::OnBackend;

/// What an erasure removed that others must hear about.
#[derive(Debug, Default, PartialEq)]
pub struct Erased {
    /// Each erased chat with the users who followed it (the live audience of
    /// its removal).
    pub chats: Vec<(Id, Vec<Id>)>,
    /// Attachments whose files must go once the transaction committed.
    pub attachment_ids: Vec<Id>,
}

/// Removes the contact, its customers and their identities, chats, timeline
/// (messages, versions, events), comments, attachments, outbound jobs, live
/// events, follower/tag/link/read rows, greetings and pending referrals; its
/// deals lose their contact and chat. SQLite's search index follows the rows
/// through the triggers of migration `search`; PostgreSQL's is an index.
/// `publish` logs the live events in the same transaction. `NotFound` when
/// there is no such contact.
pub fn erase_contact(
    conn: &mut DbConn,
    contact_id: Id,
    publish: impl FnOnce(&mut DbConn, &Erased) -> Result<(), StoreError>,
) -> Result<Erased, StoreError> {
    write_transaction(conn, |conn| {
        contacts::table
            .find(contact_id)
            .select(contacts::id)
            .first_on::<Id>(conn)?;
        lock_customer_inbound(conn, contact_id)?;
        let chat_ids: Vec<Id> = chats::table
            .filter(chats::contact_id.eq(contact_id))
            .order(chats::id)
            .select(chats::id)
            .load_on(conn)?;
        let mut erased = Erased::default();
        for &chat_id in &chat_ids {
            erased
                .chats
                .push((chat_id, super::chats::followers(conn, chat_id)?));
        }
        let item_ids = || {
            timeline_items::table
                .filter(timeline_items::chat_id.eq_any(&chat_ids))
                .select(timeline_items::id)
        };
        erased.attachment_ids = attachments::table
            .filter(attachments::item_id.eq_any(item_ids()))
            .select(attachments::id)
            .load_on(conn)?;

        diesel::update(deals::table.filter(deals::contact_id.eq(contact_id)))
            .set((
                deals::contact_id.eq(None::<Id>),
                deals::chat_id.eq(None::<Id>),
            ))
            .execute_on(conn)?;
        diesel::delete(
            media_links::table.filter(
                media_links::attachment_id.eq_any(
                    attachments::table
                        .filter(attachments::item_id.eq_any(item_ids()))
                        .select(attachments::id),
                ),
            ),
        )
        .execute_on(conn)?;
        diesel::delete(attachments::table.filter(attachments::item_id.eq_any(item_ids())))
            .execute_on(conn)?;
        diesel::delete(
            message_versions::table.filter(message_versions::item_id.eq_any(item_ids())),
        )
        .execute_on(conn)?;
        diesel::delete(outbound_parts::table.filter(outbound_parts::item_id.eq_any(item_ids())))
            .execute_on(conn)?;
        diesel::delete(outbound_queue::table.filter(outbound_queue::chat_id.eq_any(&chat_ids)))
            .execute_on(conn)?;
        // Events' payloads quote messages and names; the removal events the
        // caller logs next carry ids only.
        diesel::delete(event_log::table.filter(event_log::chat_id.eq_any(&chat_ids)))
            .execute_on(conn)?;
        diesel::delete(recent_sends::table.filter(recent_sends::chat_id.eq_any(&chat_ids)))
            .execute_on(conn)?;
        diesel::delete(comments::table.filter(comments::chat_id.eq_any(&chat_ids)))
            .execute_on(conn)?;
        diesel::delete(chat_followers::table.filter(chat_followers::chat_id.eq_any(&chat_ids)))
            .execute_on(conn)?;
        diesel::delete(chat_tags::table.filter(chat_tags::chat_id.eq_any(&chat_ids)))
            .execute_on(conn)?;
        diesel::delete(chat_links::table.filter(chat_links::chat_id.eq_any(&chat_ids)))
            .execute_on(conn)?;
        diesel::delete(chat_user_state::table.filter(chat_user_state::chat_id.eq_any(&chat_ids)))
            .execute_on(conn)?;
        // One statement for all items: replies point at items of the same chats.
        diesel::delete(timeline_items::table.filter(timeline_items::chat_id.eq_any(&chat_ids)))
            .execute_on(conn)?;
        diesel::delete(chats::table.filter(chats::id.eq_any(&chat_ids))).execute_on(conn)?;

        let customer_ids = || {
            customers::table
                .filter(customers::contact_id.eq(contact_id))
                .select(customers::id)
        };
        diesel::delete(
            greetings_sent::table.filter(greetings_sent::customer_id.eq_any(customer_ids())),
        )
        .execute_on(conn)?;
        diesel::delete(
            pending_referrals::table.filter(pending_referrals::customer_id.eq_any(customer_ids())),
        )
        .execute_on(conn)?;
        diesel::delete(
            customer_identities::table
                .filter(customer_identities::customer_id.eq_any(customer_ids())),
        )
        .execute_on(conn)?;
        diesel::delete(customers::table.filter(customers::contact_id.eq(contact_id)))
            .execute_on(conn)?;
        diesel::delete(contacts::table.find(contact_id)).execute_on(conn)?;
        publish(conn, &erased)?;
        Ok(erased)
    })
}

/// Waits for (and then holds off) the customer's inbound events, which would
/// otherwise add to a chat while it is being erased or merged (PostgreSQL;
/// SQLite writers take turns anyway).
pub fn lock_customer_inbound(conn: &mut DbConn, contact_id: Id) -> Result<(), StoreError> {
    let integration_ids: Vec<Id> = chats::table
        .filter(chats::contact_id.eq(contact_id))
        .select(chats::integration_id)
        .distinct()
        .load_on(conn)?;
    let external_ids: Vec<String> = customer_identities::table
        .inner_join(customers::table)
        .filter(customers::contact_id.eq(contact_id))
        .select(customer_identities::external_id)
        .load_on(conn)?;
    let pairs: Vec<(Id, Option<&str>)> = integration_ids
        .iter()
        .flat_map(|&integration| {
            external_ids
                .iter()
                .map(move |external| (integration, Some(external.as_str())))
        })
        .collect();
    integrations::lock_inbound(conn, std::iter::empty(), pairs)
}

/// Which of these attachment ids have a row (the others' files are orphans).
pub fn existing_attachments(conn: &mut DbConn, ids: &[Id]) -> Result<Vec<Id>, StoreError> {
    Ok(attachments::table
        .filter(attachments::id.eq_any(ids))
        .select(attachments::id)
        .load_on(conn)?)
}
