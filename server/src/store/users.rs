//! Users: lookup, creation, updates.

use diesel::prelude::*;
use shared::api::users::{Presence, Role};
use shared::Id;

use super::schema::{sessions, users};
use super::{now, write_transaction, DbConn, StoreError};
use crate::domain::account::User;
use crate::store::OnBackend;

#[derive(Queryable)]
struct UserRow {
    id: Id,
    email: String,
    name: String,
    role: String,
    active: bool,
    presence: String,
    max_open_chats: Option<i64>,
}

type UserColumns = (
    users::id,
    users::email,
    users::name,
    users::role,
    users::active,
    users::presence,
    users::max_open_chats,
);
const USER_COLUMNS: UserColumns = (
    users::id,
    users::email,
    users::name,
    users::role,
    users::active,
    users::presence,
    users::max_open_chats,
);

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<User, StoreError> {
        let role = Role::parse(&row.role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {:?}", row.role)))?;
        Ok(User {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            active: row.active,
            presence: Presence::parse(&row.presence).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown presence {:?}", row.presence))
            })?,
            max_open_chats: row.max_open_chats,
        })
    }
}

/// What a new user is made of; the password is already hashed.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

pub fn insert_user(conn: &mut DbConn, new: NewUser<'_>) -> Result<User, StoreError> {
    let id: Id = diesel::insert_into(users::table)
        .values((
            users::email.eq(new.email),
            users::name.eq(new.name),
            users::role.eq(new.role.as_str()),
            users::password_hash.eq(new.password_hash),
            users::active.eq(true),
            users::created_at.eq(now()),
        ))
        .returning(users::id)
        .get_result_on(conn)?;
    find_user(conn, id)
}

pub fn find_user(conn: &mut DbConn, id: Id) -> Result<User, StoreError> {
    let user = users::table.find(id).select(USER_COLUMNS);
    user.first_on::<UserRow>(conn)?.try_into()
}

/// The user and their password hash, for sign-in.
pub fn find_credentials(
    conn: &mut DbConn,
    email: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let row = users::table
        .filter(users::email.eq(email))
        .select((USER_COLUMNS, users::password_hash))
        .first_on::<(UserRow, String)>(conn)
        .optional()?;
    row.map(|(user, hash)| Ok((user.try_into()?, hash)))
        .transpose()
}

pub fn list_users(conn: &mut DbConn) -> Result<Vec<User>, StoreError> {
    users::table
        .select(USER_COLUMNS)
        .order(users::id)
        .load_on::<UserRow>(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

pub fn count_users(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(users::table.count().get_result_on(conn)?)
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Default)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub password_hash: Option<String>,
    pub active: Option<bool>,
    /// `Some(None)` removes the cap.
    pub max_open_chats: Option<Option<i64>>,
}

/// Applies the changes; deactivating a user (or changing their password) ends
/// every session they have.
pub fn update_user(conn: &mut DbConn, id: Id, changes: UserChanges) -> Result<User, StoreError> {
    write_transaction(conn, |conn| {
        let before = find_user(conn, id)?;
        if let Some(email) = &changes.email {
            diesel::update(users::table.find(id))
                .set(users::email.eq(email))
                .execute_on(conn)?;
        }
        if let Some(name) = &changes.name {
            diesel::update(users::table.find(id))
                .set(users::name.eq(name))
                .execute_on(conn)?;
        }
        if let Some(role) = changes.role {
            diesel::update(users::table.find(id))
                .set(users::role.eq(role.as_str()))
                .execute_on(conn)?;
        }
        if let Some(hash) = &changes.password_hash {
            diesel::update(users::table.find(id))
                .set(users::password_hash.eq(hash))
                .execute_on(conn)?;
        }
        if let Some(active) = changes.active {
            diesel::update(users::table.find(id))
                .set(users::active.eq(active))
                .execute_on(conn)?;
        }
        if let Some(cap) = changes.max_open_chats {
            diesel::update(users::table.find(id))
                .set(users::max_open_chats.eq(cap))
                .execute_on(conn)?;
        }
        let deactivated = before.active && changes.active == Some(false);
        if deactivated || changes.password_hash.is_some() {
            diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute_on(conn)?;
        }
        find_user(conn, id)
    })
}
