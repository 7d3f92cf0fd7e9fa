//! Deep-link payloads that arrive before their chat exists: Viber sends the
//! `context` with `conversation_started`, but the chat only starts with the
//! customer's first message. Kept per customer and integration until then.

use diesel::prelude::*;
use shared::Id;

use super::schema::pending_referrals;
use super::{now, DbConn, StoreError};
use crate::store::OnBackend;

/// Remembers `referral` for the customer's next new chat with the
/// integration (the latest deep link wins).
pub fn set_pending_referral(
    conn: &mut DbConn,
    integration_id: Id,
    customer_id: Id,
    referral: &str,
) -> Result<(), StoreError> {
    // Delete + insert instead of an upsert: the derived multi-backend
    // connection has no ON CONFLICT, and the caller's transaction (plus the
    // integration row lock it takes first) keeps the pair consistent.
    take_pending_referral(conn, integration_id, customer_id)?;
    diesel::insert_into(pending_referrals::table)
        .values((
            pending_referrals::customer_id.eq(customer_id),
            pending_referrals::integration_id.eq(integration_id),
            pending_referrals::referral.eq(referral),
            pending_referrals::at.eq(now()),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// The remembered referral, if any; forgets it.
pub fn take_pending_referral(
    conn: &mut DbConn,
    integration_id: Id,
    customer_id: Id,
) -> Result<Option<String>, StoreError> {
    let target = pending_referrals::table
        .filter(pending_referrals::integration_id.eq(integration_id))
        .filter(pending_referrals::customer_id.eq(customer_id));
    let referral: Option<String> = target
        .select(pending_referrals::referral)
        .first_on(conn)
        .optional()?;
    if referral.is_some() {
        diesel::delete(target).execute_on(conn)?;
    }
    Ok(referral)
}
