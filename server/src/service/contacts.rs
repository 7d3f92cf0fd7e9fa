//! Contact use cases: the contact book (search, one contact, edits),
//! duplicate suggestions and merging two contacts into one. The rules are
//! `domain::contact`; who may do what is `domain::policy`.

use shared::api::crm::{Contact, UpdateContact};
use shared::api::timeline::{ContactsMerged, TimelineEvent};
use shared::Id;

use super::crm::{followed_by, page_size};
use super::{live, views, Context, ServiceError};
use crate::domain::account::User;
use crate::domain::contact::{self as contact_rules, ContactError};
use crate::domain::policy::{decide, decide_on_contact, Action, ChatFacts};
use crate::store::crm::{self, ContactFilter};
use crate::store::{erasure, timeline, DbConn};
use crate::texts::Says;

/// Checks that the caller may do `action` on a contact that exists.
fn authorize_contact(
    conn: &mut DbConn,
    caller: &User,
    id: Id,
    action: Action,
) -> Result<(), ServiceError> {
    crm::find_contact(conn, id).map_err(ServiceError::not_found_as("contact"))?;
    let caller_follows = match followed_by(caller) {
        Some(user) => crm::is_contact_followed_by(conn, id, user)?,
        None => false,
    };
    ServiceError::check(
        decide_on_contact(caller.role, action, ChatFacts { caller_follows }),
        "contact",
    )
}

fn parse_cursor(cursor: Option<&str>) -> Result<Option<Id>, ServiceError> {
    cursor
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<Id>()
                .map_err(|_| ServiceError::Invalid(Says::BadCursor))
        })
        .transpose()
}

/// Contacts newest first, one page; `q` searches name, username, e-mail,
/// company and phone digits. A follower's hold the contacts of the chats
/// they follow.
pub async fn contacts(
    ctx: &Context,
    caller: &User,
    q: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
) -> Result<(Vec<Contact>, Option<String>), ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListContacts), "contact")?;
    let limit = page_size(limit)?;
    let before = parse_cursor(cursor.as_deref())?;
    let filter = ContactFilter {
        q,
        followed_by: followed_by(caller),
    };
    let (cards, next) = ctx
        .store
        .run(move |conn| {
            let (page, next) = crm::list_contacts(conn, &filter, before, limit)?;
            Ok((crm::contact_cards(conn, page)?, next))
        })
        .await?;
    Ok((
        cards.into_iter().map(views::contact).collect(),
        next.map(|id| id.to_string()),
    ))
}

/// One contact, to whoever may see one of its chats.
pub async fn contact(ctx: &Context, caller: &User, id: Id) -> Result<Contact, ServiceError> {
    let caller = caller.clone();
    let card = ctx
        .store
        .run(move |conn| {
            Ok(authorize_contact(conn, &caller, id, Action::ListContacts)
                .and_then(|()| Ok(crm::find_contact_card(conn, id)?)))
        })
        .await??;
    Ok(views::contact(card))
}

/// Changes a contact's name, phone, e-mail, company or notes; the chats'
/// rows follow a new name live.
pub async fn update_contact(
    ctx: &Context,
    caller: &User,
    id: Id,
    patch: UpdateContact,
) -> Result<Contact, ServiceError> {
    let caller = caller.clone();
    let card = ctx
        .store
        .run(move |conn| {
            Ok(crate::store::write_transaction(
                conn,
                |conn| -> Result<_, ServiceError> {
                    authorize_contact(conn, &caller, id, Action::EditContacts)?;
                    let before = crm::contact_fields(conn, id)?;
                    let after = contact_rules::edit(&before, &patch)
                        .map_err(|err| ServiceError::Invalid(Says::Contact(err)))?;
                    if after != before {
                        crm::set_contact_fields(conn, id, &after)?;
                        if after.name != before.name {
                            for chat_id in crm::contact_chat_ids(conn, id)? {
                                live::chat_changed(conn, chat_id, false)?;
                            }
                        }
                    }
                    Ok(crm::find_contact_card(conn, id)?)
                },
            ))
        })
        .await??;
    ctx.hub.wake();
    Ok(views::contact(card))
}

/// Contacts with the same phone digits or e-mail (any case), not itself.
pub async fn duplicates(
    ctx: &Context,
    caller: &User,
    id: Id,
) -> Result<Vec<Contact>, ServiceError> {
    let caller = caller.clone();
    let cards = ctx
        .store
        .run(move |conn| {
            Ok(
                authorize_contact(conn, &caller, id, Action::ListContacts).and_then(|()| {
                    let found = crm::find_duplicates(conn, id, followed_by(&caller))?;
                    Ok(crm::contact_cards(conn, found)?)
                }),
            )
        })
        .await??;
    Ok(cards.into_iter().map(views::contact).collect())
}

/// Merges `other_id` into `id`: its identities, chats and deals move, empty
/// fields are filled from it, it is gone; each chat of the merged contact
/// gets a `contacts_merged` event, live.
pub async fn merge(
    ctx: &Context,
    caller: &User,
    id: Id,
    other_id: Id,
) -> Result<Contact, ServiceError> {
    if id == other_id {
        return Err(ServiceError::Invalid(Says::Contact(
            ContactError::MergeWithItself,
        )));
    }
    let caller = caller.clone();
    let card = ctx
        .store
        .run(move |conn| {
            Ok(crate::store::write_transaction(
                conn,
                |conn| -> Result<_, ServiceError> {
                    authorize_contact(conn, &caller, id, Action::EditContacts)?;
                    authorize_contact(conn, &caller, other_id, Action::EditContacts)?;
                    // Neither customer's messages may land while their chats move.
                    erasure::lock_customer_inbound(conn, id)?;
                    erasure::lock_customer_inbound(conn, other_id)?;
                    let kept = crm::contact_fields(conn, id)?;
                    let other = crm::contact_fields(conn, other_id)?;
                    let fields = contact_rules::merged(&kept, &other);
                    crm::merge_contacts(conn, id, other_id, &fields)?;
                    let event = TimelineEvent::ContactsMerged(ContactsMerged {
                        contact_id: id,
                        merged_contact_id: other_id,
                        merged_name: other.name,
                    });
                    for chat_id in crm::contact_chat_ids(conn, id)? {
                        let item = timeline::insert_event(conn, chat_id, Some(caller.id), &event)?;
                        live::items_then_chat_changed(conn, chat_id, vec![item])?;
                    }
                    Ok(crm::find_contact_card(conn, id)?)
                },
            ))
        })
        .await??;
    ctx.hub.wake();
    Ok(views::contact(card))
}
