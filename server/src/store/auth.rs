//! Server-side sessions and failed sign-in records.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use super::schema::{login_failures, sessions, users};
use super::{now, DbConn, StoreError};
use crate::domain::account::{User, THROTTLE_WINDOW};

pub fn insert_session(
    conn: &mut DbConn,
    user_id: Id,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now()),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The active user behind an unexpired session, if any.
pub fn find_session_user(conn: &mut DbConn, token_hash: &str) -> Result<Option<User>, StoreError> {
    let user_id: Option<Id> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now()))
        .filter(users::active.eq(true))
        .select(users::id)
        .first(conn)
        .optional()?;
    user_id
        .map(|id| super::users::find_user(conn, id))
        .transpose()
}

/// Ends a session; returns whose it was.
pub fn delete_session(conn: &mut DbConn, token_hash: &str) -> Result<Option<Id>, StoreError> {
    let user_id: Option<Id> = sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .select(sessions::user_id)
        .first(conn)
        .optional()?;
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)?;
    Ok(user_id)
}

pub fn delete_expired_sessions(conn: &mut DbConn) -> Result<usize, StoreError> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(now()))).execute(conn)?)
}

/// Recent failures for this account and for this address, within the throttle window.
pub fn count_recent_failures(
    conn: &mut DbConn,
    email: &str,
    address: &str,
) -> Result<(i64, i64), StoreError> {
    let since = now() - THROTTLE_WINDOW;
    let for_account = login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::at.gt(since))
        .count()
        .get_result(conn)?;
    let for_address = login_failures::table
        .filter(login_failures::address.eq(address))
        .filter(login_failures::at.gt(since))
        .count()
        .get_result(conn)?;
    Ok((for_account, for_address))
}

pub fn record_failure(conn: &mut DbConn, email: &str, address: &str) -> Result<(), StoreError> {
    let at = now();
    // Old records are useless once outside the window; drop them as we go.
    diesel::delete(login_failures::table.filter(login_failures::at.le(at - THROTTLE_WINDOW)))
        .execute(conn)?;
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::email.eq(email),
            login_failures::address.eq(address),
            login_failures::at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn clear_failures(conn: &mut DbConn, email: &str) -> Result<(), StoreError> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email))).execute(conn)?;
    Ok(())
}
