//! What routing reads and keeps: the queue with each member's facts, taking a
//! turn, presence (live sockets per node, choices, activity), the waiting
//! queue and the no-answer clock. The rules are `domain::routing`.
//!
//! Several nodes may route at once on PostgreSQL. A turn is taken under the
//! integration's row lock (one cursor, one turn at a time), and the queued
//! users' advisory locks are taken before their open chats are counted, so
//! two integrations sharing a manager cannot both give them the last chat
//! their cap allows. Locks are always taken in this order: customers (inbound),
//! integration rows, users, so transactions wait for each other instead of
//! deadlocking. SQLite has one writer at a time and needs none of this.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use shared::api::chats::ChatStatus;
use shared::api::integrations::WhyNotEligible;
use shared::api::users::{Presence, Role};
use shared::Id;

use super::schema::{chats, integration_queue, integrations, live_sockets, users};
use super::{lock_key, write_transaction, DbConn, StoreError};
use crate::domain::chat::Turn;
use crate::domain::policy::may_hold_chats;
use crate::domain::routing::{self, Candidate, PresenceFacts, PresenceTiming, Unanswered};
use crate::store::{kept_update, OnBackend};

/// A node renews its socket rows this often; rows not renewed for
/// [`SOCKETS_STALE_AFTER`] belong to a node that stopped.
pub const RENEW_SOCKETS_EVERY: std::time::Duration = std::time::Duration::from_secs(15);
const SOCKETS_STALE_AFTER: TimeDelta = TimeDelta::seconds(45);

/// One queued user with what eligibility needs, except the open-chat count
/// (counted only when a cap makes it matter).
#[derive(Debug, Clone, Copy)]
struct Member {
    user_id: Id,
    active: bool,
    assignable: bool,
    presence: Presence,
    max_open_chats: Option<i64>,
}

fn queue_members(conn: &mut DbConn, integration_id: Id) -> Result<Vec<Member>, StoreError> {
    let rows: Vec<(Id, bool, String, String, Option<i64>)> = integration_queue::table
        .inner_join(users::table)
        .filter(integration_queue::integration_id.eq(integration_id))
        .order(integration_queue::position)
        .select((
            integration_queue::user_id,
            users::active,
            users::role,
            users::presence,
            users::max_open_chats,
        ))
        .load_on(conn)?;
    rows.into_iter()
        .map(|(user_id, active, role, presence, max_open_chats)| {
            let role = Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?;
            let presence = Presence::parse(&presence)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown presence {presence:?}")))?;
            Ok(Member {
                user_id,
                active,
                // A queued user made a follower since is skipped like one deactivated.
                assignable: may_hold_chats(role),
                presence,
                max_open_chats,
            })
        })
        .collect()
}

/// Open chats assigned to the user now (an index range, not a scan).
pub fn open_chats(conn: &mut DbConn, user_id: Id) -> Result<i64, StoreError> {
    Ok(chats::table
        .filter(chats::assignee_id.eq(user_id))
        .filter(chats::status.eq("open"))
        .count()
        .get_result_on(conn)?)
}

/// Takes the integration's row lock: its cursor and its turns are ours until
/// the transaction ends.
fn lock_integration(conn: &mut DbConn, integration_id: Id) -> Result<(i64, bool), StoreError> {
    // The locking write returns what the turn reads: one statement, not two,
    // kept prepared (a new customer's chat takes a turn).
    Ok(kept_update(
        integrations::table.find(integration_id),
        integrations::queue_cursor.eq(integrations::queue_cursor),
    )
    .returning((integrations::queue_cursor, integrations::assign_only_online))
    .get_result_on(conn)?)
}

/// Holds the advisory locks of these users until the transaction ends, in one
/// global order (PostgreSQL; see the module doc).
fn lock_users(conn: &mut DbConn, user_ids: &[Id]) -> Result<(), StoreError> {
    let keys = user_ids
        .iter()
        .map(|id| lock_key(&[b"user-load", &id.to_le_bytes()]))
        .collect();
    super::lock_all_for_transaction(conn, keys)
}

/// Gives the integration's next turn to the next eligible manager (never
/// `except`) and moves the cursor past them. Runs inside the caller's
/// transaction, which holds the locks until it commits.
pub fn take_turn(
    conn: &mut DbConn,
    integration_id: Id,
    except: Option<Id>,
) -> Result<Turn, StoreError> {
    let (cursor, only_online) = lock_integration(conn, integration_id)?;
    let members = queue_members(conn, integration_id)?;
    if members.is_empty() {
        return Ok(Turn::QueueEmpty);
    }
    let capped: Vec<Id> = members
        .iter()
        .filter(|m| m.max_open_chats.is_some())
        .map(|m| m.user_id)
        .collect();
    lock_users(conn, &capped)?;
    let pick = routing::next_eligible(members.len(), cursor, |position| {
        let member = members[position];
        if Some(member.user_id) == except {
            return Ok(None);
        }
        let mut candidate = candidate(member, 0);
        if routing::why_not(&candidate, only_online).is_some() {
            return Ok(None);
        }
        if member.max_open_chats.is_some() {
            candidate.open_chats = open_chats(conn, member.user_id)?;
        }
        Ok::<_, StoreError>(
            routing::why_not(&candidate, only_online)
                .is_none()
                .then_some(member.user_id),
        )
    })?;
    if pick.next_cursor != cursor {
        kept_update(
            integrations::table.find(integration_id),
            integrations::queue_cursor.eq(pick.next_cursor),
        )
        .execute_on(conn)?;
    }
    Ok(match pick.assignee {
        Some(user_id) => Turn::To(user_id),
        None => Turn::NobodyEligible,
    })
}

fn candidate(member: Member, open_chats: i64) -> Candidate {
    Candidate {
        user_id: member.user_id,
        active: member.active,
        assignable: member.assignable,
        presence: member.presence,
        max_open_chats: member.max_open_chats,
        open_chats,
    }
}

/// The queue as "Who's next" shows it.
pub struct QueueState {
    pub next_user_id: Option<Id>,
    /// In queue order, with why each cannot take a chat now.
    pub members: Vec<(Candidate, Option<WhyNotEligible>)>,
    pub waiting: i64,
}

pub fn queue_state(conn: &mut DbConn, integration_id: Id) -> Result<QueueState, StoreError> {
    let (cursor, only_online): (i64, bool) = integrations::table
        .find(integration_id)
        .select((integrations::queue_cursor, integrations::assign_only_online))
        .first_on(conn)?;
    let members = queue_members(conn, integration_id)?;
    let ids: Vec<Id> = members.iter().map(|m| m.user_id).collect();
    let counts: Vec<(Option<Id>, i64)> = chats::table
        .filter(chats::assignee_id.eq_any(&ids))
        .filter(chats::status.eq("open"))
        .group_by(chats::assignee_id)
        .select((chats::assignee_id, diesel::dsl::count_star()))
        .load_on(conn)?;
    let candidates: Vec<Candidate> = members
        .into_iter()
        .map(|member| {
            let open = counts
                .iter()
                .find(|(id, _)| *id == Some(member.user_id))
                .map_or(0, |(_, n)| *n);
            candidate(member, open)
        })
        .collect();
    let next = routing::next_candidate(&candidates, cursor, only_online, None).assignee;
    let waiting = chats::table
        .filter(chats::integration_id.eq(integration_id))
        .filter(chats::waiting_since.is_not_null())
        .count()
        .get_result_on(conn)?;
    Ok(QueueState {
        next_user_id: next,
        members: candidates
            .into_iter()
            .map(|c| {
                let why = routing::why_not(&c, only_online);
                (c, why)
            })
            .collect(),
        waiting,
    })
}

/// The oldest waiting chat of an integration not in `skip`.
pub fn oldest_waiting(conn: &mut DbConn, skip: &[Id]) -> Result<Option<(Id, Id)>, StoreError> {
    Ok(chats::table
        .filter(chats::waiting_since.is_not_null())
        .filter(chats::integration_id.ne_all(skip))
        .order((chats::waiting_since, chats::id))
        .select((chats::id, chats::integration_id))
        .first_on(conn)
        .optional()?)
}

/// Takes the integration's lock, then tells whether the chat still waits
/// (another node may have handed it out meanwhile).
pub fn lock_and_check_waiting(
    conn: &mut DbConn,
    integration_id: Id,
    chat_id: Id,
) -> Result<bool, StoreError> {
    lock_integration(conn, integration_id)?;
    let waiting: Option<Option<NaiveDateTime>> = chats::table
        .find(chat_id)
        .filter(chats::status.eq("open"))
        .filter(chats::assignee_id.is_null())
        .select(chats::waiting_since)
        .first_on(conn)
        .optional()?;
    Ok(matches!(waiting, Some(Some(_))))
}

/// Whether any chat waits at all (one indexed probe).
pub fn any_waiting(conn: &mut DbConn) -> Result<bool, StoreError> {
    Ok(oldest_waiting(conn, &[])?.is_some())
}

// ---- the no-answer clock ----

// A customer's message starts the clock: `chats::customer_wrote`.

/// A manager answered: nothing is unanswered any more.
pub fn answered(conn: &mut DbConn, chat_id: Id) -> Result<(), StoreError> {
    diesel::update(chats::table.find(chat_id))
        .set(chats::awaiting_reply_since.eq(None::<NaiveDateTime>))
        .execute_on(conn)?;
    Ok(())
}

/// Open, assigned chats whose no-answer hand-off is due at `now`.
pub fn due_for_hand_off(conn: &mut DbConn, now: NaiveDateTime) -> Result<Vec<Id>, StoreError> {
    // Most teams use no hand-off: then the sweep reads no chats at all.
    let with_hand_off: i64 = integrations::table
        .filter(integrations::reassign_after_s.is_not_null())
        .filter(integrations::deleted_at.is_null())
        .count()
        .get_result_on(conn)?;
    if with_hand_off == 0 {
        return Ok(Vec::new());
    }
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Id,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        i64,
    )> = chats::table
        .inner_join(integrations::table)
        .filter(chats::awaiting_reply_since.is_not_null())
        .filter(chats::status.eq("open"))
        .filter(chats::assignee_id.is_not_null())
        .filter(integrations::reassign_after_s.is_not_null())
        .filter(integrations::deleted_at.is_null())
        .select((
            chats::id,
            chats::awaiting_reply_since.assume_not_null(),
            chats::assigned_at,
            chats::no_answer_for,
            integrations::reassign_after_s.assume_not_null(),
        ))
        .load_on(conn)?;
    Ok(rows
        .into_iter()
        .filter(|&(_, since, assigned_at, handed_off_for, after_s)| {
            let unanswered = Unanswered {
                since,
                assigned_at,
                handed_off_for,
            };
            routing::no_answer_due(unanswered, TimeDelta::seconds(after_s))
                .is_some_and(|due| due <= now)
        })
        .map(|(id, ..)| id)
        .collect())
}

/// The chat's no-answer facts, read under the integration's lock: `None` when
/// it is no longer due (answered, closed, reassigned, handed off meanwhile).
pub fn lock_and_check_due(
    conn: &mut DbConn,
    chat_id: Id,
    now: NaiveDateTime,
) -> Result<Option<(Id, Id, i64)>, StoreError> {
    let integration_id: Id = chats::table
        .find(chat_id)
        .select(chats::integration_id)
        .first_on(conn)?;
    lock_integration(conn, integration_id)?;
    #[allow(clippy::type_complexity)]
    let row: Option<(
        String,
        Option<Id>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<i64>,
    )> = chats::table
        .inner_join(integrations::table)
        .filter(chats::id.eq(chat_id))
        .select((
            chats::status,
            chats::assignee_id,
            chats::awaiting_reply_since,
            chats::assigned_at,
            chats::no_answer_for,
            integrations::reassign_after_s,
        ))
        .first_on(conn)
        .optional()?;
    let Some((status, Some(assignee), Some(since), assigned_at, handed_off_for, Some(after_s))) =
        row
    else {
        return Ok(None);
    };
    if status != crate::domain::chat::status_str(ChatStatus::Open) {
        return Ok(None);
    }
    let unanswered = Unanswered {
        since,
        assigned_at,
        handed_off_for,
    };
    let due = routing::no_answer_due(unanswered, TimeDelta::seconds(after_s));
    Ok(due
        .filter(|due| *due <= now)
        .map(|_| (integration_id, assignee, after_s)))
}

/// This unanswered streak was handed off (or nobody could take it yet and it
/// stays): it is not handed off twice.
pub fn mark_handed_off(conn: &mut DbConn, chat_id: Id) -> Result<(), StoreError> {
    diesel::update(chats::table.find(chat_id))
        .set(chats::no_answer_for.eq(chats::awaiting_reply_since))
        .execute_on(conn)?;
    Ok(())
}

// ---- presence ----
//
// Each change below is several statements in one write transaction: they
// apply together, and on SQLite they wait their turn among this process's
// writers instead of meeting the inbound writer in the busy handler (which
// failed them with "database is locked" while it held a long slice).

/// A socket of the user opened on this node: they are connected and active.
pub fn socket_opened(
    conn: &mut DbConn,
    node: &str,
    user_id: Id,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        forget_socket(conn, node, user_id)?;
        note_socket(conn, node, user_id, at)?;
        diesel::update(users::table.find(user_id))
            .set((users::last_seen_at.eq(at), users::last_active_at.eq(at)))
            .execute_on(conn)?;
        Ok(())
    })
}

/// The user's last socket on this node closed.
pub fn socket_closed(
    conn: &mut DbConn,
    node: &str,
    user_id: Id,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        forget_socket(conn, node, user_id)?;
        diesel::update(users::table.find(user_id))
            .set(users::last_seen_at.eq(at))
            .execute_on(conn)?;
        Ok(())
    })
}

/// This node still holds sockets of these users (and of no one else).
pub fn renew_sockets(
    conn: &mut DbConn,
    node: &str,
    user_ids: &[Id],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| renew_sockets_in(conn, node, user_ids, at))
}

fn renew_sockets_in(
    conn: &mut DbConn,
    node: &str,
    user_ids: &[Id],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    // Users whose last socket here closed unnoticed are seen until now.
    let gone: Vec<Id> = live_sockets::table
        .filter(live_sockets::node_id.eq(node))
        .filter(live_sockets::user_id.ne_all(user_ids))
        .select(live_sockets::user_id)
        .load_on(conn)?;
    for user_id in gone {
        socket_closed(conn, node, user_id, at)?;
    }
    let renewed: Vec<Id> =
        diesel::update(live_sockets::table.filter(live_sockets::node_id.eq(node)))
            .set(live_sockets::seen_at.eq(at))
            .returning(live_sockets::user_id)
            .get_results(conn)?;
    for &user_id in user_ids.iter().filter(|id| !renewed.contains(id)) {
        note_socket(conn, node, user_id, at)?;
    }
    Ok(())
}

/// This node holds a socket of the user, seen at `at`.
fn note_socket(
    conn: &mut DbConn,
    node: &str,
    user_id: Id,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(live_sockets::table)
        .values((
            live_sockets::node_id.eq(node),
            live_sockets::user_id.eq(user_id),
            live_sockets::seen_at.eq(at),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// This node holds no socket of the user any more.
fn forget_socket(conn: &mut DbConn, node: &str, user_id: Id) -> Result<(), StoreError> {
    diesel::delete(
        live_sockets::table
            .filter(live_sockets::node_id.eq(node))
            .filter(live_sockets::user_id.eq(user_id)),
    )
    .execute_on(conn)?;
    Ok(())
}

/// The app reports its user active.
pub fn report_activity(
    conn: &mut DbConn,
    user_id: Id,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(users::table.find(user_id))
        .set(users::last_active_at.eq(at))
        .execute_on(conn)?;
    Ok(())
}

/// The user chooses away (kept until they choose online) or online (which
/// also counts as activity).
pub fn choose_presence(
    conn: &mut DbConn,
    user_id: Id,
    away: bool,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(users::table.find(user_id))
        .set(users::away_chosen.eq(away))
        .execute_on(conn)?;
    if !away {
        report_activity(conn, user_id, at)?;
    }
    Ok(())
}

/// Computes presence again for `only` that user, or for everyone who is not
/// offline yet (the sweep, which also folds the rows of stopped nodes into
/// their users' last-seen time); stores what changed and returns it.
pub fn refresh_presence(
    conn: &mut DbConn,
    only: Option<Id>,
    timing: PresenceTiming,
    now: NaiveDateTime,
) -> Result<Vec<(Id, Presence)>, StoreError> {
    let stale_before = now - SOCKETS_STALE_AFTER;
    if only.is_none() {
        let stale: Vec<(Id, NaiveDateTime)> = live_sockets::table
            .filter(live_sockets::seen_at.lt(stale_before))
            .select((live_sockets::user_id, live_sockets::seen_at))
            .load_on(conn)?;
        for (user_id, seen_at) in stale {
            diesel::update(
                users::table.find(user_id).filter(
                    users::last_seen_at
                        .is_null()
                        .or(users::last_seen_at.lt(seen_at)),
                ),
            )
            .set(users::last_seen_at.eq(seen_at))
            .execute_on(conn)?;
        }
        diesel::delete(live_sockets::table.filter(live_sockets::seen_at.lt(stale_before)))
            .execute_on(conn)?;
    }
    let changed = presence_changes(conn, only, timing, now)?;
    for &(user_id, presence) in &changed {
        diesel::update(users::table.find(user_id))
            .set(users::presence.eq(presence.as_str()))
            .execute_on(conn)?;
    }
    Ok(changed)
}

/// Whether the sweep has anything to write (read only: on SQLite, most
/// sweeps then never take the write turn).
pub fn sweep_pending(
    conn: &mut DbConn,
    timing: PresenceTiming,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let stale: i64 = live_sockets::table
        .filter(live_sockets::seen_at.lt(now - SOCKETS_STALE_AFTER))
        .count()
        .get_result_on(conn)?;
    Ok(stale > 0 || !presence_changes(conn, None, timing, now)?.is_empty())
}

/// The users whose computed presence differs from the stored one.
fn presence_changes(
    conn: &mut DbConn,
    only: Option<Id>,
    timing: PresenceTiming,
    now: NaiveDateTime,
) -> Result<Vec<(Id, Presence)>, StoreError> {
    let connected: Vec<Id> = live_sockets::table
        .filter(live_sockets::seen_at.ge(now - SOCKETS_STALE_AFTER))
        .select(live_sockets::user_id)
        .distinct()
        .load_on(conn)?;
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Id,
        String,
        bool,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    )> = {
        let query = users::table
            .select((
                users::id,
                users::presence,
                users::away_chosen,
                users::last_seen_at,
                users::last_active_at,
            ))
            .into_boxed();
        let query = match only {
            Some(user_id) => query.filter(users::id.eq(user_id)),
            None => query.filter(
                users::presence
                    .ne(Presence::Offline.as_str())
                    .or(users::id.eq_any(&connected)),
            ),
        };
        query.load(conn)?
    };
    Ok(rows
        .into_iter()
        .filter_map(
            |(user_id, stored, away_chosen, last_seen_at, last_active_at)| {
                let facts = PresenceFacts {
                    connected: connected.contains(&user_id),
                    last_seen_at,
                    away_chosen,
                    last_active_at,
                };
                let presence = routing::presence(facts, now, timing);
                (presence.as_str() != stored).then_some((user_id, presence))
            },
        )
        .collect())
}
