//! Server-side sessions and failed sign-in records.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use super::schema::{login_failures, sessions, sign_in_addresses, users};
use super::{now, write_transaction, DbConn, StoreError};
use crate::domain::account::{
    sign_in_throttle, RecentAttempts, Throttle, User, KNOWN_ADDRESS_FOR, MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_PAIR, THROTTLE_WINDOW,
};
use crate::store::OnBackend;

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
        .execute_on(conn)?;
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
        .first_on(conn)
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
        .first_on(conn)
        .optional()?;
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute_on(conn)?;
    Ok(user_id)
}

pub fn delete_expired_sessions(conn: &mut DbConn) -> Result<usize, StoreError> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(now()))).execute_on(conn)?)
}

/// The outcome of counting a sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInGate {
    /// Counted as a failure until it proves otherwise; check the password.
    Counted { attempt_id: Id },
    /// Refused before any password check; the limit lifts after `retry_after`.
    Throttled {
        why: Throttle,
        retry_after: chrono::Duration,
    },
}

/// Counts an attempt for (account, client address) *before* its password is
/// checked, so that parallel guesses cannot all get a verdict: the attempt is
/// a failure until [`attempt_succeeded`] says otherwise. On PostgreSQL the
/// pair's advisory lock makes counting and recording one step across nodes
/// (SQLite's writers already take turns); the per-address count may run a
/// little over its limit under a race, which costs nothing.
pub fn begin_attempt(
    conn: &mut DbConn,
    email: &str,
    address: &str,
) -> Result<SignInGate, StoreError> {
    write_transaction(conn, |conn| {
        super::lock_for_transaction(
            conn,
            super::lock_key(&[b"sign-in", email.as_bytes(), address.as_bytes()]),
        )?;
        let at = now();
        let since = at - THROTTLE_WINDOW;
        // Records outside the window count for nothing; drop them as we go.
        diesel::delete(login_failures::table.filter(login_failures::at.le(since)))
            .execute_on(conn)?;
        let pair = login_failures::table
            .filter(login_failures::email.eq(email))
            .filter(login_failures::address.eq(address));
        let from_address = login_failures::table.filter(login_failures::address.eq(address));
        let recent = RecentAttempts {
            pair_failures: pair.count().get_result_on(conn)?,
            address_failures: from_address.count().get_result_on(conn)?,
            known_address: sign_in_addresses::table
                .find((email, address))
                .filter(sign_in_addresses::last_success_at.gt(at - KNOWN_ADDRESS_FOR))
                .count()
                .get_result_on::<i64>(conn)?
                > 0,
        };
        let Some(why) = sign_in_throttle(recent) else {
            let attempt_id = diesel::insert_into(login_failures::table)
                .values((
                    login_failures::email.eq(email),
                    login_failures::address.eq(address),
                    login_failures::at.eq(at),
                ))
                .returning(login_failures::id)
                .get_result_on(conn)?;
            return Ok(SignInGate::Counted { attempt_id });
        };
        // The limit lifts when enough of the counted failures leave the window.
        let (counted, limit) = match why {
            Throttle::Pair => (recent.pair_failures, MAX_FAILURES_PER_PAIR),
            Throttle::Address => (recent.address_failures, MAX_FAILURES_PER_ADDRESS),
        };
        let query = match why {
            Throttle::Pair => pair.into_boxed(),
            Throttle::Address => from_address.into_boxed(),
        };
        let freeing: Option<NaiveDateTime> = query
            .select(login_failures::at)
            .order(login_failures::at.asc())
            .offset(counted - limit)
            .first(conn)
            .optional()?;
        let retry_after = freeing.map_or(THROTTLE_WINDOW, |failed_at| {
            failed_at + THROTTLE_WINDOW - at
        });
        Ok(SignInGate::Throttled { why, retry_after })
    })
}

/// The password was right: the pair's failures are forgiven and the address
/// becomes one this account is known to sign in from.
pub fn attempt_succeeded(conn: &mut DbConn, email: &str, address: &str) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::delete(
            login_failures::table
                .filter(login_failures::email.eq(email))
                .filter(login_failures::address.eq(address)),
        )
        .execute_on(conn)?;
        // No ON CONFLICT through the derived connection: replace the row.
        diesel::delete(sign_in_addresses::table.find((email, address))).execute_on(conn)?;
        diesel::insert_into(sign_in_addresses::table)
            .values((
                sign_in_addresses::email.eq(email),
                sign_in_addresses::address.eq(address),
                sign_in_addresses::last_success_at.eq(now()),
            ))
            .execute_on(conn)?;
        Ok(())
    })
}

/// An attempt that was counted but never checked (the server was too busy):
/// it is not a failure.
pub fn withdraw_attempt(conn: &mut DbConn, attempt_id: Id) -> Result<(), StoreError> {
    diesel::delete(login_failures::table.find(attempt_id)).execute_on(conn)?;
    Ok(())
}
