//! The contact book: contacts with their identities, chats and deals; search,
//! duplicates (same phone digits or e-mail), manager edits, the phone a
//! customer shares, and merging two contacts into one.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use shared::api::Channel;
use shared::Id;

use super::deals::{lower, lower_nullable};
use super::ContactRecord;
use crate::domain::contact::{email_key, phone_digits, ContactFields};
use crate::store::schema::{
    chat_followers, chats, contacts, customer_identities, customers, deals,
};
use crate::store::OnBackend;
use crate::store::{DbConn, StoreError};

/// The columns of a [`ContactRecord`], in its order.
macro_rules! contact_columns {
    () => {
        (
            contacts::id,
            contacts::name,
            contacts::username,
            contacts::phone,
            contacts::language,
            contacts::country,
            contacts::avatar_url,
            contacts::created_at,
            contacts::email,
            contacts::company,
            contacts::notes,
        )
    };
}
pub(super) use contact_columns;

/// Who the contact is on one messenger, for one bot they wrote to.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityRecord {
    pub channel: Channel,
    pub integration_id: Option<Id>,
    pub external_id: String,
    pub name: String,
}

/// A contact with everything that hangs off it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactCard {
    pub record: ContactRecord,
    pub identities: Vec<IdentityRecord>,
    pub chat_ids: Vec<Id>,
    pub deal_ids: Vec<Id>,
}

pub fn find_contact_card(conn: &mut DbConn, id: Id) -> Result<ContactCard, StoreError> {
    let record = super::find_contact(conn, id)?;
    Ok(contact_cards(conn, vec![record])?
        .pop()
        .expect("one record gives one card"))
}

/// Cards for records, in their order, with three queries whatever their number.
pub fn contact_cards(
    conn: &mut DbConn,
    records: Vec<ContactRecord>,
) -> Result<Vec<ContactCard>, StoreError> {
    let ids: Vec<Id> = records.iter().map(|r| r.id).collect();
    let identities: Vec<(Id, Id, String, String, String)> = customer_identities::table
        .inner_join(customers::table)
        .filter(customers::contact_id.eq_any(&ids))
        .order(customer_identities::id)
        .select((
            customers::contact_id,
            customers::id,
            customer_identities::channel,
            customer_identities::external_id,
            customer_identities::display_name,
        ))
        .load_on(conn)?;
    let chat_rows: Vec<(Id, Id, Id, Id)> = chats::table
        .filter(chats::contact_id.eq_any(&ids))
        .order(chats::id)
        .select((
            chats::contact_id,
            chats::id,
            chats::customer_id,
            chats::integration_id,
        ))
        .load_on(conn)?;
    let deal_rows: Vec<(Option<Id>, Id)> = deals::table
        .filter(deals::contact_id.eq_any(&ids))
        .order(deals::id)
        .select((deals::contact_id, deals::id))
        .load_on(conn)?;
    Ok(records
        .into_iter()
        .map(|record| {
            let own_chats: Vec<&(Id, Id, Id, Id)> =
                chat_rows.iter().filter(|c| c.0 == record.id).collect();
            let mut cards = Vec::new();
            for (_, customer_id, channel, external_id, name) in
                identities.iter().filter(|i| i.0 == record.id)
            {
                let Some(channel) = Channel::parse(channel) else {
                    continue;
                };
                let mut integrations: Vec<Id> = own_chats
                    .iter()
                    .filter(|c| c.2 == *customer_id)
                    .map(|c| c.3)
                    .collect();
                integrations.sort_unstable();
                integrations.dedup();
                let integrations: Vec<Option<Id>> = match integrations.is_empty() {
                    true => vec![None],
                    false => integrations.into_iter().map(Some).collect(),
                };
                for integration_id in integrations {
                    cards.push(IdentityRecord {
                        channel,
                        integration_id,
                        external_id: external_id.clone(),
                        name: name.clone(),
                    });
                }
            }
            ContactCard {
                chat_ids: own_chats.iter().map(|c| c.1).collect(),
                deal_ids: deal_rows
                    .iter()
                    .filter(|d| d.0 == Some(record.id))
                    .map(|d| d.1)
                    .collect(),
                identities: cards,
                record,
            }
        })
        .collect())
}

/// `GET /api/v1/contacts` filters.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// Part of the name, username, e-mail or company (any case), or of the
    /// phone's digits.
    pub q: Option<String>,
    /// Only contacts of chats this user follows.
    pub followed_by: Option<Id>,
}

/// One page of contacts, newest first, and the cursor of the next.
pub fn list_contacts(
    conn: &mut DbConn,
    filter: &ContactFilter,
    before_id: Option<Id>,
    limit: i64,
) -> Result<(Vec<ContactRecord>, Option<Id>), StoreError> {
    let mut query = contacts::table.select(contact_columns!()).into_boxed();
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let trigram = q
        .and_then(trigram_query)
        .filter(|_| matches!(conn, DbConn::Sqlite(_)));
    if let Some(matching) = trigram {
        // SQLite: the same substring match, answered by the trigram index
        // (migrations/sqlite/…_contact_trigram) instead of reading every contact.
        query = query.filter(
            diesel::dsl::sql::<Bool>(
                "contacts.id IN (SELECT rowid FROM contacts_trigram WHERE contacts_trigram MATCH ",
            )
            .bind::<Text, _>(matching)
            .sql(")"),
        );
    } else if let Some(q) = q {
        let pattern = format!("%{}%", super::deals::escape_like(&q.to_lowercase()));
        let text = lower(contacts::name)
            .like(pattern.clone())
            .escape('\\')
            .or(lower_nullable(contacts::username)
                .like(pattern.clone())
                .escape('\\')
                .assume_not_null())
            .or(contacts::email_key
                .like(pattern.clone())
                .escape('\\')
                .assume_not_null())
            .or(lower_nullable(contacts::company)
                .like(pattern)
                .escape('\\')
                .assume_not_null());
        // Digits are searched as digits: "+34 600" finds "34600…", however
        // the phone was written.
        match phone_digits(q).filter(|digits| digits.len() >= 3) {
            Some(digits) => {
                query = query.filter(
                    text.or(contacts::phone_digits
                        .like(format!("%{digits}%"))
                        .assume_not_null()),
                );
            }
            None => query = query.filter(text),
        }
    }
    if let Some(user) = filter.followed_by {
        query = query.filter(contacts::id.eq_any(followed_contacts(user)));
    }
    if let Some(before) = before_id {
        query = query.filter(contacts::id.lt(before));
    }
    let query = query.order(contacts::id.desc()).limit(limit + 1);
    let mut page: Vec<ContactRecord> = match conn {
        // PostgreSQL plans a prepared statement run often without its
        // parameters (a generic plan), blind to how rare the pattern is: it
        // walked every contact newest first (300 ms at 100,000) instead of
        // asking the trigram indexes (migrations/postgres/…_contact_trigram).
        DbConn::Postgres(_) if q.is_some() => conn.transaction(|conn| {
            diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute_on(conn)?;
            query.load(conn).map_err(StoreError::from)
        })?,
        _ => query.load(conn)?,
    };
    let next = if page.len() as i64 > limit {
        page.truncate(limit as usize);
        page.last().map(|contact| contact.id)
    } else {
        None
    };
    Ok((page, next))
}

/// The FTS5 query of the contacts' trigram index finding what `list_contacts`'
/// LIKE finds: `q` anywhere in the name, username, e-mail or company (any
/// case), or its digits in the phone's. `None` below three characters (or
/// three digits), which trigrams cannot look up.
fn trigram_query(q: &str) -> Option<String> {
    let phrase = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    if q.chars().count() < 3 {
        return None;
    }
    let text = format!("{{name username email_key company}} : {}", phrase(q));
    Some(match phone_digits(q) {
        Some(digits) if digits.len() >= 3 => {
            format!("{text} OR phone_digits : {}", phrase(&digits))
        }
        _ => text,
    })
}

/// The chats a user follows, as a query.
type FollowedChats = diesel::dsl::Filter<
    diesel::dsl::InnerJoin<chats::table, chat_followers::table>,
    diesel::dsl::Eq<chat_followers::user_id, Id>,
>;

/// The contacts of the chats a user follows.
fn followed_contacts(user_id: Id) -> diesel::dsl::Select<FollowedChats, chats::contact_id> {
    chats::table
        .inner_join(chat_followers::table)
        .filter(chat_followers::user_id.eq(user_id))
        .select(chats::contact_id)
}

/// Other contacts with the same phone digits or the same e-mail (any case),
/// oldest first; a follower's only among the contacts they may see.
pub fn find_duplicates(
    conn: &mut DbConn,
    id: Id,
    followed_by: Option<Id>,
) -> Result<Vec<ContactRecord>, StoreError> {
    let (digits, email): (Option<String>, Option<String>) = contacts::table
        .find(id)
        .select((contacts::phone_digits, contacts::email_key))
        .first_on(conn)?;
    let mut query = contacts::table
        .select(contact_columns!())
        .filter(contacts::id.ne(id))
        .into_boxed();
    query = match (digits, email) {
        (Some(digits), Some(email)) => query.filter(
            contacts::phone_digits
                .eq(digits)
                .or(contacts::email_key.eq(email)),
        ),
        (Some(digits), None) => query.filter(contacts::phone_digits.eq(digits)),
        (None, Some(email)) => query.filter(contacts::email_key.eq(email)),
        (None, None) => return Ok(Vec::new()),
    };
    if let Some(user) = followed_by {
        query = query.filter(contacts::id.eq_any(followed_contacts(user)));
    }
    Ok(query.order(contacts::id).limit(50).load(conn)?)
}

/// The fields a manager edits, as they are now.
pub fn contact_fields(conn: &mut DbConn, id: Id) -> Result<ContactFields, StoreError> {
    let record = super::find_contact(conn, id)?;
    Ok(ContactFields {
        name: record.name,
        phone: record.phone,
        email: record.email,
        company: record.company,
        notes: record.notes,
    })
}

/// Writes the edited fields with their comparison keys.
pub fn set_contact_fields(
    conn: &mut DbConn,
    id: Id,
    fields: &ContactFields,
) -> Result<(), StoreError> {
    diesel::update(contacts::table.find(id))
        .set((
            contacts::name.eq(&fields.name),
            contacts::phone.eq(&fields.phone),
            contacts::phone_digits.eq(fields.phone.as_deref().and_then(phone_digits)),
            contacts::email.eq(&fields.email),
            contacts::email_key.eq(fields.email.as_deref().and_then(email_key)),
            contacts::company.eq(&fields.company),
            contacts::notes.eq(&fields.notes),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// The phone a customer shared, kept only while the contact has none (a
/// manager's phone wins). `true` if it was taken.
pub fn fill_phone(conn: &mut DbConn, id: Id, phone: &str) -> Result<bool, StoreError> {
    let filled = diesel::update(contacts::table.find(id).filter(contacts::phone.is_null()))
        .set((
            contacts::phone.eq(phone),
            contacts::phone_digits.eq(phone_digits(phone)),
        ))
        .execute_on(conn)?;
    Ok(filled > 0)
}

/// The chats of a contact.
pub fn contact_chat_ids(conn: &mut DbConn, id: Id) -> Result<Vec<Id>, StoreError> {
    Ok(chats::table
        .filter(chats::contact_id.eq(id))
        .order(chats::id)
        .select(chats::id)
        .load_on(conn)?)
}

/// Moves everything of `other` (customers with their identities, chats,
/// deals) to `kept`, writes the merged fields and deletes `other`. The
/// customer rows move whole, so a message on any messenger finds its
/// identity, then its customer's chat, now under `kept`.
pub fn merge_contacts(
    conn: &mut DbConn,
    kept: Id,
    other: Id,
    fields: &ContactFields,
) -> Result<(), StoreError> {
    diesel::update(customers::table.filter(customers::contact_id.eq(other)))
        .set(customers::contact_id.eq(kept))
        .execute_on(conn)?;
    diesel::update(chats::table.filter(chats::contact_id.eq(other)))
        .set(chats::contact_id.eq(kept))
        .execute_on(conn)?;
    diesel::update(deals::table.filter(deals::contact_id.eq(other)))
        .set(deals::contact_id.eq(kept))
        .execute_on(conn)?;
    diesel::delete(contacts::table.find(other)).execute_on(conn)?;
    set_contact_fields(conn, kept, fields)
}
