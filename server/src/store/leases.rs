//! Named leases: a node holds one for a while and renews it, so that a job
//! meant to run once (a bot's poller, the single SQLite node) runs on one node.

use chrono::TimeDelta;
use diesel::prelude::*;

use super::schema::leases;
use super::{now, write_transaction, DbConn, StoreError};
use crate::store::OnBackend;

/// Takes or renews the lease for `holder`; `false` if another holder has it.
pub fn acquire(
    conn: &mut DbConn,
    name: &str,
    holder: &str,
    ttl: TimeDelta,
) -> Result<bool, StoreError> {
    write_transaction(conn, |conn| {
        let at = now();
        let current: Option<(String, chrono::NaiveDateTime)> = leases::table
            .find(name)
            .select((leases::holder, leases::expires_at))
            .first_on(conn)
            .optional()?;
        match current {
            Some((owner, expires)) if owner != holder && expires > at => Ok(false),
            Some(_) => {
                diesel::update(leases::table.find(name))
                    .set((leases::holder.eq(holder), leases::expires_at.eq(at + ttl)))
                    .execute_on(conn)?;
                Ok(true)
            }
            None => {
                diesel::insert_into(leases::table)
                    .values((
                        leases::name.eq(name),
                        leases::holder.eq(holder),
                        leases::expires_at.eq(at + ttl),
                    ))
                    .execute_on(conn)?;
                Ok(true)
            }
        }
    })
}

pub fn release(conn: &mut DbConn, name: &str, holder: &str) -> Result<(), StoreError> {
    diesel::delete(
        leases::table
            .filter(leases::name.eq(name))
            .filter(leases::holder.eq(holder)),
    )
    .execute_on(conn)?;
    Ok(())
}
