//! Web Push storage: the server's VAPID key (one row), users' push
//! subscriptions, and the durable push queue. What a push says and when it is
//! made is decided in `service::push`; the rules are `domain::push`.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use shared::Id;

use super::schema::{push_keys, push_queue, push_subscriptions};
use super::{now, write_transaction, DbConn, StoreError};
use crate::store::OnBackend;

/// The VAPID key pair as stored: the private scalar (32 bytes) and the
/// uncompressed public point (65 bytes), both base64url.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub private_key: String,
    pub public_key: String,
}

/// Stores `candidate` unless a key exists already, then returns the stored
/// key: whichever node starts first makes the key every node uses. The
/// insert runs by itself (no transaction around it), so a second node's
/// conflicting insert fails alone and that node reads the winner's key.
pub fn ensure_key(conn: &mut DbConn, candidate: &StoredKey) -> Result<StoredKey, StoreError> {
    if let Some(key) = find_key(conn)? {
        return Ok(key);
    }
    let inserted = diesel::insert_into(push_keys::table)
        .values((
            push_keys::id.eq(1),
            push_keys::private_key.eq(&candidate.private_key),
            push_keys::public_key.eq(&candidate.public_key),
            push_keys::created_at.eq(now()),
        ))
        .execute_on(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {}
        Err(err) => return Err(err.into()),
    }
    find_key(conn)?.ok_or(StoreError::NotFound)
}

pub fn find_key(conn: &mut DbConn) -> Result<Option<StoredKey>, StoreError> {
    Ok(push_keys::table
        .find(1)
        .select((push_keys::private_key, push_keys::public_key))
        .first_on::<(String, String)>(conn)
        .optional()?
        .map(|(private_key, public_key)| StoredKey {
            private_key,
            public_key,
        }))
}

/// A subscription as the caller gives it.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    /// The language pushes to this device speak (the subscribing request's).
    pub language: String,
    pub user_agent: Option<String>,
}

/// A subscription as listed to its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRecord {
    pub id: Id,
    pub endpoint: String,
    pub user_agent: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_success_at: Option<NaiveDateTime>,
}

/// Whether subscribing made a new subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    Created,
    /// The endpoint was known: its keys (and owner) replaced.
    Replaced,
}

/// Records `user_id`'s subscription; an endpoint already known gets the new
/// keys and moves to this user (a browser profile that signed in as someone
/// else), dropping pushes still queued for its previous owner.
pub fn subscribe(
    conn: &mut DbConn,
    user_id: Id,
    new: &NewSubscription,
) -> Result<(Subscribed, DeviceRecord), StoreError> {
    write_transaction(conn, |conn| {
        let at = now();
        let existing: Option<(Id, Id)> = push_subscriptions::table
            .filter(push_subscriptions::endpoint.eq(&new.endpoint))
            .select((push_subscriptions::id, push_subscriptions::user_id))
            .first_on(conn)
            .optional()?;
        let (outcome, id) = match existing {
            Some((id, owner)) => {
                if owner != user_id {
                    diesel::delete(push_queue::table.filter(push_queue::subscription_id.eq(id)))
                        .execute_on(conn)?;
                }
                diesel::update(push_subscriptions::table.find(id))
                    .set((
                        push_subscriptions::user_id.eq(user_id),
                        push_subscriptions::p256dh.eq(&new.p256dh),
                        push_subscriptions::auth.eq(&new.auth),
                        push_subscriptions::language.eq(&new.language),
                        push_subscriptions::user_agent.eq(&new.user_agent),
                    ))
                    .execute_on(conn)?;
                (Subscribed::Replaced, id)
            }
            None => {
                let id = diesel::insert_into(push_subscriptions::table)
                    .values((
                        push_subscriptions::user_id.eq(user_id),
                        push_subscriptions::endpoint.eq(&new.endpoint),
                        push_subscriptions::p256dh.eq(&new.p256dh),
                        push_subscriptions::auth.eq(&new.auth),
                        push_subscriptions::language.eq(&new.language),
                        push_subscriptions::user_agent.eq(&new.user_agent),
                        push_subscriptions::created_at.eq(at),
                    ))
                    .returning(push_subscriptions::id)
                    .get_result_on(conn)?;
                (Subscribed::Created, id)
            }
        };
        let device = find_device(conn, user_id, id)?.ok_or(StoreError::NotFound)?;
        Ok((outcome, device))
    })
}

type DeviceRow = (
    Id,
    String,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

const DEVICE_COLUMNS: (
    push_subscriptions::id,
    push_subscriptions::endpoint,
    push_subscriptions::user_agent,
    push_subscriptions::created_at,
    push_subscriptions::last_success_at,
) = (
    push_subscriptions::id,
    push_subscriptions::endpoint,
    push_subscriptions::user_agent,
    push_subscriptions::created_at,
    push_subscriptions::last_success_at,
);

fn to_device(row: DeviceRow) -> DeviceRecord {
    let (id, endpoint, user_agent, created_at, last_success_at) = row;
    DeviceRecord {
        id,
        endpoint,
        user_agent,
        created_at,
        last_success_at,
    }
}

fn find_device(conn: &mut DbConn, user_id: Id, id: Id) -> Result<Option<DeviceRecord>, StoreError> {
    Ok(push_subscriptions::table
        .filter(push_subscriptions::id.eq(id))
        .filter(push_subscriptions::user_id.eq(user_id))
        .select(DEVICE_COLUMNS)
        .first_on::<DeviceRow>(conn)
        .optional()?
        .map(to_device))
}

/// The user's subscriptions, oldest first.
pub fn list_devices(conn: &mut DbConn, user_id: Id) -> Result<Vec<DeviceRecord>, StoreError> {
    Ok(push_subscriptions::table
        .filter(push_subscriptions::user_id.eq(user_id))
        .order(push_subscriptions::id)
        .select(DEVICE_COLUMNS)
        .load_on::<DeviceRow>(conn)?
        .into_iter()
        .map(to_device)
        .collect())
}

/// Removes the user's subscription with this endpoint; `false` if they have none.
pub fn unsubscribe(conn: &mut DbConn, user_id: Id, endpoint: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(
        push_subscriptions::table
            .filter(push_subscriptions::endpoint.eq(endpoint))
            .filter(push_subscriptions::user_id.eq(user_id)),
    )
    .execute_on(conn)?
        > 0)
}

/// Removes the user's subscription `id`; `false` if it is not theirs.
pub fn remove_device(conn: &mut DbConn, user_id: Id, id: Id) -> Result<bool, StoreError> {
    Ok(diesel::delete(
        push_subscriptions::table
            .filter(push_subscriptions::id.eq(id))
            .filter(push_subscriptions::user_id.eq(user_id)),
    )
    .execute_on(conn)?
        > 0)
}

/// The user's subscriptions as pushes need them: id and language.
pub fn targets(conn: &mut DbConn, user_id: Id) -> Result<Vec<(Id, String)>, StoreError> {
    Ok(push_subscriptions::table
        .filter(push_subscriptions::user_id.eq(user_id))
        .order(push_subscriptions::id)
        .select((push_subscriptions::id, push_subscriptions::language))
        .load_on(conn)?)
}

/// One push to queue.
#[derive(Debug, Clone)]
pub struct NewPush {
    pub subscription_id: Id,
    pub user_id: Id,
    pub chat_id: Option<Id>,
    pub payload: String,
    pub topic: Option<String>,
    pub urgency: &'static str,
    pub ttl_s: i32,
}

pub fn enqueue(conn: &mut DbConn, push: &NewPush) -> Result<(), StoreError> {
    let at = now();
    diesel::insert_into(push_queue::table)
        .values((
            push_queue::subscription_id.eq(push.subscription_id),
            push_queue::user_id.eq(push.user_id),
            push_queue::chat_id.eq(push.chat_id),
            push_queue::payload.eq(&push.payload),
            push_queue::topic.eq(&push.topic),
            push_queue::urgency.eq(push.urgency),
            push_queue::ttl_s.eq(push.ttl_s),
            push_queue::attempts.eq(0),
            push_queue::next_attempt_at.eq(at),
            push_queue::created_at.eq(at),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// A claimed push, with what sending it needs.
#[derive(Debug, Clone, Queryable)]
pub struct PushJob {
    pub id: Id,
    pub subscription_id: Id,
    pub user_id: Id,
    pub chat_id: Option<Id>,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub payload: String,
    pub topic: Option<String>,
    pub urgency: String,
    pub ttl_s: i32,
    pub attempts: i32,
}

/// Claims up to `limit` due pushes (oldest first) until `lease_until`,
/// leaving out `skip` (those this node is still sending). A push is claimed by
/// moving its due time forward only if it still has the due time read, so of
/// two nodes reading the same row one claims it; an unfinished claim runs out
/// and the push is tried again.
pub fn claim_due(
    conn: &mut DbConn,
    limit: i64,
    skip: &[Id],
    lease_until: NaiveDateTime,
) -> Result<Vec<PushJob>, StoreError> {
    write_transaction(conn, |conn| {
        let due: Vec<(PushJob, NaiveDateTime)> = push_queue::table
            .inner_join(push_subscriptions::table)
            .filter(push_queue::next_attempt_at.le(now()))
            .filter(push_queue::id.ne_all(skip))
            .order((push_queue::next_attempt_at, push_queue::id))
            .limit(limit)
            .select((
                (
                    push_queue::id,
                    push_queue::subscription_id,
                    push_queue::user_id,
                    push_queue::chat_id,
                    push_subscriptions::endpoint,
                    push_subscriptions::p256dh,
                    push_subscriptions::auth,
                    push_queue::payload,
                    push_queue::topic,
                    push_queue::urgency,
                    push_queue::ttl_s,
                    push_queue::attempts,
                ),
                push_queue::next_attempt_at,
            ))
            .load_on(conn)?;
        let mut claimed = Vec::with_capacity(due.len());
        for (job, due_at) in due {
            let taken = diesel::update(
                push_queue::table
                    .filter(push_queue::id.eq(job.id))
                    .filter(push_queue::next_attempt_at.eq(due_at)),
            )
            .set(push_queue::next_attempt_at.eq(lease_until))
            .execute_on(conn)?;
            if taken == 1 {
                claimed.push(job);
            }
        }
        Ok(claimed)
    })
}

/// What became of a claimed push, to record.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// The push service took the push: it leaves the queue, and the
    /// subscription's last success is now.
    Delivered { job_id: Id, subscription_id: Id },
    /// The push service no longer knows the subscription: it is removed,
    /// with every push still queued for it.
    Gone { subscription_id: Id },
    /// Tried again at `at`, after `attempts` failed attempts.
    Retry {
        job_id: Id,
        attempts: i32,
        at: NaiveDateTime,
        error: String,
    },
    /// A push that will not be sent (given up, or not wanted any more).
    Dropped { job_id: Id },
}

/// Records the outcomes of many pushes in one write transaction, so a burst
/// of pushes costs the database's single writer (SQLite) or its connections
/// (PostgreSQL) one turn per batch rather than one per push. A push whose
/// row is gone already (its subscription removed meanwhile) changes nothing.
pub fn record(conn: &mut DbConn, outcomes: &[Recorded]) -> Result<(), StoreError> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let at = now();
    write_transaction(conn, |conn| {
        let mut finished = Vec::new();
        let mut succeeded = Vec::new();
        let mut gone = Vec::new();
        for outcome in outcomes {
            match outcome {
                Recorded::Delivered {
                    job_id,
                    subscription_id,
                } => {
                    finished.push(*job_id);
                    succeeded.push(*subscription_id);
                }
                Recorded::Gone { subscription_id } => gone.push(*subscription_id),
                Recorded::Dropped { job_id } => finished.push(*job_id),
                Recorded::Retry {
                    job_id,
                    attempts,
                    at,
                    error,
                } => {
                    diesel::update(push_queue::table.find(job_id))
                        .set((
                            push_queue::attempts.eq(attempts),
                            push_queue::next_attempt_at.eq(at),
                            push_queue::last_error.eq(error),
                        ))
                        .execute_on(conn)?;
                }
            }
        }
        if !finished.is_empty() {
            diesel::delete(push_queue::table.filter(push_queue::id.eq_any(&finished)))
                .execute_on(conn)?;
        }
        if !succeeded.is_empty() {
            diesel::update(
                push_subscriptions::table.filter(push_subscriptions::id.eq_any(&succeeded)),
            )
            .set(push_subscriptions::last_success_at.eq(at))
            .execute_on(conn)?;
        }
        if !gone.is_empty() {
            diesel::delete(push_subscriptions::table.filter(push_subscriptions::id.eq_any(&gone)))
                .execute_on(conn)?;
        }
        Ok(())
    })
}

/// Pushes waiting in the queue (a delivered or dropped one is deleted).
pub fn count_queued(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(push_queue::table.count().get_result_on(conn)?)
}

/// Pushes waiting in the queue (on every node).
pub fn count_pending(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(push_queue::table.select(count_star()).first_on(conn)?)
}

/// What a push about a chat names: the customer's name.
pub fn customer_name(conn: &mut DbConn, contact_id: Id) -> Result<String, StoreError> {
    use super::schema::contacts;
    Ok(contacts::table
        .find(contact_id)
        .select(contacts::name)
        .first_on(conn)?)
}

/// A teammate's name (who mentioned or assigned).
pub fn user_name(conn: &mut DbConn, user_id: Id) -> Result<Option<String>, StoreError> {
    use super::schema::users;
    Ok(users::table
        .find(user_id)
        .select(users::name)
        .first_on(conn)
        .optional()?)
}

/// A message's text (empty for a file without caption).
pub fn message_text(conn: &mut DbConn, item_id: Id) -> Result<Option<String>, StoreError> {
    use super::schema::timeline_items;
    Ok(timeline_items::table
        .find(item_id)
        .select(timeline_items::text)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// A comment's text.
pub fn comment_text(conn: &mut DbConn, comment_id: Id) -> Result<Option<String>, StoreError> {
    use super::schema::comments;
    Ok(comments::table
        .find(comment_id)
        .select(comments::text)
        .first_on(conn)
        .optional()?)
}
