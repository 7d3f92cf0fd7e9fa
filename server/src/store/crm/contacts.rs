//! Customers (one per messenger identity) and the contacts they belong to.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::api::Channel;
use shared::Id;

use crate::channels::CustomerProfile;
use crate::store::schema::{contacts, customer_identities, customers};
use crate::store::OnBackend;
use crate::store::{now, DbConn, StoreError};

/// A customer found by their messenger identity, or created with a contact.
pub struct CustomerRef {
    pub customer_id: Id,
    pub contact_id: Id,
    /// The contact's name (a new chat's deal is named after it).
    pub contact_name: String,
    pub created: bool,
}

pub fn find_or_create_customer(
    conn: &mut DbConn,
    channel: Channel,
    profile: &CustomerProfile,
) -> Result<CustomerRef, StoreError> {
    let existing = customer_identities::table
        .inner_join(customers::table.inner_join(contacts::table))
        .filter(customer_identities::channel.eq(channel.as_str()))
        .filter(customer_identities::external_id.eq(&profile.external_id))
        .select((
            customers::id,
            customers::contact_id,
            contacts::name,
            (
                contacts::username,
                contacts::language,
                contacts::country,
                contacts::avatar_url,
            ),
        ));
    let existing: Option<(Id, Id, String, KnownProfile)> = existing.first_on(conn).optional()?;
    if let Some((customer_id, contact_id, contact_name, known)) = existing {
        refresh_contact(conn, contact_id, &known, profile)?;
        fill_contact_details(conn, contact_id, profile)?;
        return Ok(CustomerRef {
            customer_id,
            contact_id,
            contact_name,
            created: false,
        });
    }
    let at = now();
    let name = if profile.name.trim().is_empty() {
        profile
            .username
            .clone()
            .unwrap_or_else(|| format!("{} user {}", channel.as_str(), profile.external_id))
    } else {
        profile.name.trim().to_owned()
    };
    let contact_id: Id = diesel::insert_into(contacts::table)
        .values((
            contacts::name.eq(&name),
            contacts::username.eq(&profile.username),
            contacts::language.eq(&profile.language),
            contacts::country.eq(&profile.country),
            contacts::avatar_url.eq(&profile.avatar_url),
            contacts::created_at.eq(at),
        ))
        .returning(contacts::id)
        .get_result_on(conn)?;
    let customer_id: Id = diesel::insert_into(customers::table)
        .values((
            customers::contact_id.eq(contact_id),
            customers::created_at.eq(at),
        ))
        .returning(customers::id)
        .get_result_on(conn)?;
    diesel::insert_into(customer_identities::table)
        .values((
            customer_identities::customer_id.eq(customer_id),
            customer_identities::channel.eq(channel.as_str()),
            customer_identities::external_id.eq(&profile.external_id),
            customer_identities::display_name.eq(&name),
            customer_identities::username.eq(&profile.username),
            customer_identities::language.eq(&profile.language),
            customer_identities::created_at.eq(at),
        ))
        .execute_on(conn)?;
    fill_contact_details(conn, contact_id, profile)?;
    Ok(CustomerRef {
        customer_id,
        contact_id,
        contact_name: name,
        created: true,
    })
}

/// The phone and e-mail a messenger tells (Channel API `customer.phone`,
/// `email`) fill the contact's empty fields only: a manager's edit wins.
fn fill_contact_details(
    conn: &mut DbConn,
    contact_id: Id,
    profile: &CustomerProfile,
) -> Result<(), StoreError> {
    if let Some(phone) = &profile.phone {
        diesel::update(
            contacts::table
                .find(contact_id)
                .filter(contacts::phone.is_null().or(contacts::phone.eq(""))),
        )
        .set(contacts::phone.eq(phone))
        .execute_on(conn)?;
    }
    if let Some(email) = &profile.email {
        diesel::update(
            contacts::table
                .find(contact_id)
                .filter(contacts::email.is_null().or(contacts::email.eq(""))),
        )
        .set(contacts::email.eq(email))
        .execute_on(conn)?;
    }
    Ok(())
}

/// Fills in what the messenger now tells us and the contact still lacks; never
/// overwrites what a manager may have edited.
fn refresh_contact(
    conn: &mut DbConn,
    contact_id: Id,
    known: &KnownProfile,
    profile: &CustomerProfile,
) -> Result<(), StoreError> {
    let fill = ContactFill::between(known, profile);
    if !fill.is_empty() {
        diesel::update(contacts::table.find(contact_id))
            .set(&fill)
            .execute_on(conn)?;
    }
    Ok(())
}

/// What a contact already has of the profile fields a messenger sends:
/// username, language, country, avatar.
type KnownProfile = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The profile fields a message brings that the contact lacks (username,
/// language, country: filled once, a manager's edits win) or that changed
/// (the avatar: messengers hand out new links). Usually nothing, and then no
/// statement runs.
#[derive(AsChangeset, Default)]
#[diesel(table_name = contacts)]
struct ContactFill<'a> {
    username: Option<&'a str>,
    language: Option<&'a str>,
    country: Option<&'a str>,
    avatar_url: Option<&'a str>,
}

impl<'a> ContactFill<'a> {
    fn between(known: &KnownProfile, profile: &'a CustomerProfile) -> ContactFill<'a> {
        let (username, language, country, avatar_url) = known;
        let missing = |current: &Option<String>, offered: &'a Option<String>| {
            current.is_none().then_some(offered.as_deref()).flatten()
        };
        ContactFill {
            username: missing(username, &profile.username),
            language: missing(language, &profile.language),
            country: missing(country, &profile.country),
            avatar_url: profile
                .avatar_url
                .as_deref()
                .filter(|offered| avatar_url.as_deref() != Some(*offered)),
        }
    }

    fn is_empty(&self) -> bool {
        self.username.is_none()
            && self.language.is_none()
            && self.country.is_none()
            && self.avatar_url.is_none()
    }
}

/// The customer's id on a messenger.
pub fn find_identity(
    conn: &mut DbConn,
    customer_id: Id,
    channel: Channel,
) -> Result<Option<String>, StoreError> {
    Ok(customer_identities::table
        .filter(customer_identities::customer_id.eq(customer_id))
        .filter(customer_identities::channel.eq(channel.as_str()))
        .select(customer_identities::external_id)
        .first_on(conn)
        .optional()?)
}

pub fn find_customer_by_identity(
    conn: &mut DbConn,
    channel: Channel,
    external_id: &str,
) -> Result<Option<Id>, StoreError> {
    Ok(customer_identities::table
        .filter(customer_identities::channel.eq(channel.as_str()))
        .filter(customer_identities::external_id.eq(external_id))
        .select(customer_identities::customer_id)
        .first_on(conn)
        .optional()?)
}

#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct ContactRecord {
    pub id: Id,
    pub name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub avatar_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub email: Option<String>,
    pub company: Option<String>,
    pub notes: Option<String>,
}

pub fn find_contact(conn: &mut DbConn, id: Id) -> Result<ContactRecord, StoreError> {
    Ok(contacts::table
        .find(id)
        .select(super::contact_book::contact_columns!())
        .first_on(conn)?)
}

/// Whether the user follows a chat of this contact (what lets a follower see it).
pub fn is_contact_followed_by(
    conn: &mut DbConn,
    contact_id: Id,
    user_id: Id,
) -> Result<bool, StoreError> {
    use crate::store::schema::{chat_followers, chats};
    let n: i64 = chats::table
        .inner_join(chat_followers::table)
        .filter(chats::contact_id.eq(contact_id))
        .filter(chat_followers::user_id.eq(user_id))
        .count()
        .get_result_on(conn)?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(username: Option<&str>, avatar: Option<&str>) -> CustomerProfile {
        CustomerProfile {
            external_id: "42".into(),
            name: "Ana".into(),
            username: username.map(str::to_owned),
            language: Some("es".into()),
            country: None,
            avatar_url: avatar.map(str::to_owned),
            ..CustomerProfile::default()
        }
    }

    #[test]
    fn a_contact_that_knows_everything_needs_no_update() {
        let known = (
            Some("ana".to_owned()),
            Some("pt".to_owned()),
            None,
            Some("https://a/1.jpg".to_owned()),
        );
        let offered = profile(Some("ana_new"), Some("https://a/1.jpg"));
        assert!(ContactFill::between(&known, &offered).is_empty());
    }

    #[test]
    fn missing_fields_are_filled_and_a_new_avatar_replaces_the_old() {
        let known = (
            None,
            Some("pt".to_owned()),
            None,
            Some("https://a/1.jpg".to_owned()),
        );
        let offered = profile(Some("ana"), Some("https://a/2.jpg"));
        let fill = ContactFill::between(&known, &offered);
        assert_eq!(fill.username, Some("ana"));
        assert_eq!(fill.language, None, "a known language is kept");
        assert_eq!(fill.country, None, "nothing offered");
        assert_eq!(fill.avatar_url, Some("https://a/2.jpg"));
    }
}
