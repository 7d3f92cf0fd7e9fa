//! Routing that knows who is there: presence (sockets, choices, activity),
//! the waiting queue handed out the moment someone becomes eligible, and the
//! no-answer hand-off. Rules: `domain::routing` and `domain::chat`; storage
//! and locking: `store::routing`.
//!
//! One worker per node: it renews this node's socket rows, hands out waiting
//! chats whenever something may have made a manager eligible (woken through
//! [`Context::routing_ready`]) and every second otherwise; every second, the
//! node holding the `routing` lease also sweeps presence (idle → away, grace
//! over → offline) and hands off unanswered chats, so each timer runs on one
//! node, from state in the database that survives restarts.

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use shared::api::integrations::{QueueMember, QueueView};
use shared::api::users::{ChosenPresence, Presence, User as UserDto};
use shared::ws::ServerMsg;
use shared::Id;
use tokio::sync::watch;

use super::{live, views, Context, ServiceError};
use crate::domain::account::User;
use crate::domain::chat::{self as rules, Turn};
use crate::domain::policy::{decide, Action};
use crate::domain::routing::PresenceTiming;
use crate::realtime;
use crate::store::{
    self, chats as chat_store, conversation, leases, now, routing, DbConn, StoreError,
};

const TICK: Duration = Duration::from_secs(1);
const LEASE: &str = "routing";
const LEASE_TTL: TimeDelta = TimeDelta::seconds(30);
const RENEW_LEASE_EVERY: Duration = Duration::from_secs(10);
/// Waiting chats handed out per round before others get the writer.
const HAND_OUT_PER_ROUND: usize = 100;

fn timing(ctx: &Context) -> PresenceTiming {
    let presence = ctx.config.presence;
    PresenceTiming {
        offline_after: TimeDelta::from_std(presence.offline_after).unwrap_or(TimeDelta::MAX),
        idle_away: TimeDelta::from_std(presence.idle_away).unwrap_or(TimeDelta::MAX),
    }
}

/// Stores presence changes and makes them live (inside the caller's transaction).
fn announce(conn: &mut DbConn, changes: &[(Id, Presence)]) -> Result<(), StoreError> {
    for &(user_id, presence) in changes {
        realtime::record_for_everyone(conn, ServerMsg::PresenceChanged { user_id, presence })?;
    }
    Ok(())
}

async fn refresh_one(ctx: &Context, user_id: Id) -> Result<(), ServiceError> {
    let timing = timing(ctx);
    let changed = ctx
        .store
        .run(move |conn| {
            store::write_transaction(conn, |conn| {
                let changes = routing::refresh_presence(conn, Some(user_id), timing, now())?;
                announce(conn, &changes)?;
                Ok::<_, StoreError>(!changes.is_empty())
            })
        })
        .await?;
    if changed {
        ctx.hub.wake();
        ctx.routing_ready.notify_one();
    }
    Ok(())
}

/// A socket of the user opened on this node.
pub async fn socket_opened(ctx: &Context, user_id: Id) -> Result<(), ServiceError> {
    let node = ctx.node.clone();
    ctx.store
        .run(move |conn| routing::socket_opened(conn, &node, user_id, now()))
        .await?;
    refresh_one(ctx, user_id).await
}

/// A socket of the user closed on this node; `last` when it was their last
/// here. Presence stays until the grace period ends (the sweep sees to it).
pub async fn socket_closed(ctx: &Context, user_id: Id, last: bool) -> Result<(), ServiceError> {
    if !last {
        return Ok(());
    }
    let node = ctx.node.clone();
    ctx.store
        .run(move |conn| routing::socket_closed(conn, &node, user_id, now()))
        .await?;
    Ok(())
}

/// The app reports activity (keys, pointer, focus).
pub async fn activity(ctx: &Context, user_id: Id) -> Result<(), ServiceError> {
    ctx.store
        .run(move |conn| routing::report_activity(conn, user_id, now()))
        .await?;
    refresh_one(ctx, user_id).await
}

/// `PUT /api/v1/me/presence`.
pub async fn choose(
    ctx: &Context,
    caller: &User,
    status: ChosenPresence,
) -> Result<UserDto, ServiceError> {
    let user_id = caller.id;
    let away = status == ChosenPresence::Away;
    ctx.store
        .run(move |conn| routing::choose_presence(conn, user_id, away, now()))
        .await?;
    refresh_one(ctx, user_id).await?;
    let user = ctx
        .store
        .run(move |conn| store::users::find_user(conn, user_id))
        .await?;
    Ok(views::user(user))
}

/// "Who's next": every queued user with their eligibility, and the waiting count.
pub async fn queue_view(ctx: &Context, caller: &User, id: Id) -> Result<QueueView, ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::ManageIntegrations),
        "integration",
    )?;
    super::integrations::find_live(ctx, id).await?;
    let state = ctx
        .store
        .run(move |conn| routing::queue_state(conn, id))
        .await?;
    Ok(QueueView {
        next_user_id: state.next_user_id,
        order: state
            .members
            .into_iter()
            .map(|(candidate, why_not)| QueueMember {
                user_id: candidate.user_id,
                eligible: why_not.is_none(),
                why_not,
                open_chats: candidate.open_chats,
            })
            .collect(),
        waiting: state.waiting,
    })
}

/// Hands waiting chats out, oldest first, to managers who may take them now;
/// how many went out.
pub async fn hand_out_waiting(ctx: &Context) -> Result<usize, ServiceError> {
    let handed = ctx
        .store
        .run(|conn| {
            if !routing::any_waiting(conn)? {
                return Ok(0);
            }
            let mut skip: Vec<Id> = Vec::new();
            let mut handed = 0;
            while handed < HAND_OUT_PER_ROUND {
                let Some((chat_id, integration_id)) = routing::oldest_waiting(conn, &skip)? else {
                    break;
                };
                let outcome = store::write_transaction(conn, |conn| {
                    hand_out_one(conn, chat_id, integration_id)
                })?;
                match outcome {
                    HandOut::Assigned => handed += 1,
                    HandOut::Gone => {}
                    HandOut::NobodyEligible => skip.push(integration_id),
                }
            }
            Ok::<_, StoreError>(handed)
        })
        .await?;
    if handed > 0 {
        ctx.hub.wake();
    }
    Ok(handed)
}

enum HandOut {
    Assigned,
    /// Handed out or closed meanwhile (another node, a manager).
    Gone,
    NobodyEligible,
}

fn hand_out_one(conn: &mut DbConn, chat_id: Id, integration_id: Id) -> Result<HandOut, StoreError> {
    if !routing::lock_and_check_waiting(conn, integration_id, chat_id)? {
        return Ok(HandOut::Gone);
    }
    let Turn::To(user_id) = routing::take_turn(conn, integration_id, None)? else {
        return Ok(HandOut::NobodyEligible);
    };
    let chat = chat_store::find_chat(conn, chat_id)?;
    let transition = rules::from_waiting(chat.state(), user_id);
    let items = conversation::apply(conn, chat_id, None, chat.state(), &transition, now())?;
    live::items_then_chat_changed(conn, chat_id, items)?;
    Ok(HandOut::Assigned)
}

/// Moves chats nobody answered in time to the next eligible manager.
async fn hand_off_unanswered(ctx: &Context) -> Result<usize, ServiceError> {
    let moved = ctx
        .store
        .run(|conn| {
            let due = routing::due_for_hand_off(conn, now())?;
            let mut moved = 0;
            for chat_id in due {
                if store::write_transaction(conn, |conn| hand_off_one(conn, chat_id))? {
                    moved += 1;
                }
            }
            Ok::<_, StoreError>(moved)
        })
        .await?;
    if moved > 0 {
        ctx.hub.wake();
    }
    Ok(moved)
}

fn hand_off_one(conn: &mut DbConn, chat_id: Id) -> Result<bool, StoreError> {
    let Some((integration_id, current, after_s)) =
        routing::lock_and_check_due(conn, chat_id, now())?
    else {
        return Ok(false);
    };
    // With nobody else eligible the chat stays, and moves on a later sweep
    // once someone is, while the message is still unanswered.
    let Turn::To(user_id) = routing::take_turn(conn, integration_id, Some(current))? else {
        return Ok(false);
    };
    let chat = chat_store::find_chat(conn, chat_id)?;
    let transition = rules::no_answer(chat.state(), user_id, after_s);
    let items = conversation::apply(conn, chat_id, None, chat.state(), &transition, now())?;
    routing::mark_handed_off(conn, chat_id)?;
    realtime::record_for_chat(
        conn,
        chat_id,
        ServerMsg::ChatAssigned {
            chat_id,
            assignee_id: Some(user_id),
            previous_assignee_id: Some(current),
        },
    )?;
    live::items_then_chat_changed(conn, chat_id, items)?;
    Ok(true)
}

/// Presence that changes by itself: idle → away, grace over → offline.
async fn sweep_presence(ctx: &Context) -> Result<(), ServiceError> {
    let timing = timing(ctx);
    let changed = ctx
        .store
        .run(move |conn| {
            if !routing::sweep_pending(conn, timing, now())? {
                return Ok(false);
            }
            store::write_transaction(conn, |conn| {
                let changes = routing::refresh_presence(conn, None, timing, now())?;
                announce(conn, &changes)?;
                Ok::<_, StoreError>(!changes.is_empty())
            })
        })
        .await?;
    if changed {
        ctx.hub.wake();
        // Someone came back: a waiting chat may be theirs.
        ctx.routing_ready.notify_one();
    }
    Ok(())
}

/// The routing worker of this node (see the module doc).
pub async fn run(ctx: Context, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sockets_renewed = Instant::now();
    let mut lease_checked: Option<Instant> = None;
    let mut leader = false;
    loop {
        // Timers run on the tick; a wake-up only hands out waiting chats.
        let ticked = tokio::select! {
            _ = tick.tick() => true,
            _ = ctx.routing_ready.notified() => false,
            _ = shutdown.changed() => break,
        };
        if sockets_renewed.elapsed() >= store::routing::RENEW_SOCKETS_EVERY {
            sockets_renewed = Instant::now();
            let node = ctx.node.clone();
            let users = ctx.hub.connected_users();
            if let Err(err) = ctx
                .store
                .run(move |conn| routing::renew_sockets(conn, &node, &users, now()))
                .await
            {
                tracing::warn!(%err, "cannot renew this node's live sockets");
            }
        }
        if lease_checked.is_none_or(|at| at.elapsed() >= RENEW_LEASE_EVERY) {
            lease_checked = Some(Instant::now());
            let node = ctx.node.clone();
            leader = ctx
                .store
                .run(move |conn| leases::acquire(conn, LEASE, &node, LEASE_TTL))
                .await
                .unwrap_or_else(|err| {
                    tracing::warn!(%err, "cannot take the routing lease");
                    false
                });
        }
        if leader && ticked {
            if let Err(err) = sweep_presence(&ctx).await {
                tracing::warn!(%err, "presence sweep failed");
            }
            if let Err(err) = hand_off_unanswered(&ctx).await {
                tracing::warn!(%err, "no-answer hand-off failed");
            }
        }
        match hand_out_waiting(&ctx).await {
            Ok(0) => {}
            Ok(handed) => tracing::info!(handed, "waiting chats handed out"),
            Err(err) => tracing::warn!(%err, "cannot hand out waiting chats"),
        }
    }
    // Another node may take over at once; this node's sockets are gone.
    let node = ctx.node.clone();
    let _ = ctx
        .store
        .run(move |conn| {
            routing::renew_sockets(conn, &node, &[], now())?;
            leases::release(conn, LEASE, &node)
        })
        .await;
}
