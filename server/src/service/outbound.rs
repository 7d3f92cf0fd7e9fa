//! The outbound worker: delivers queued messages through their messenger, in
//! order per chat, retrying what may succeed later and recording the delivery
//! state on each message. It runs on every node; claims on the queue rows make
//! sure each message is sent once.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use tokio::sync::watch;
use tokio::task::JoinSet;

use shared::api::chats::DeliveryState;
use shared::ws::ServerMsg;

use super::integrations::bot;
use super::{attachments, health, live, Context};
use crate::channels::{ChannelError, Origin, Outbound, Reason};
use crate::config::DeliveryTiming;
use crate::domain::integration::Integration;
use crate::domain::pacing::{self, Recent};
use crate::realtime;
use crate::store::outbound::{self as store, Claim, DueJob, Job};
use crate::store::pacing::Paced;
use crate::store::{chats, integrations, now, write_transaction, DbConn, StoreError};

/// Give up after this many failed attempts.
pub const MAX_ATTEMPTS: i32 = 12;
/// How long a claimed job is ours before another worker may take it over.
const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Look for due jobs at least this often (retries come due without a wake-up).
const POLL_EVERY: Duration = Duration::from_millis(500);

/// Backoff before attempt `attempts + 1`: the first wait, doubled per failed
/// attempt, capped (by default 1 s, 2 s, 4 s … 5 minutes).
pub fn backoff(timing: &DeliveryTiming, attempts: i32) -> TimeDelta {
    let doubled = timing
        .retry_first
        .saturating_mul(1u32 << attempts.clamp(0, 20));
    TimeDelta::from_std(doubled.min(timing.retry_max)).unwrap_or(TimeDelta::MAX)
}

/// Deliveries running at once (each to a different chat).
const MAX_IN_FLIGHT: usize = 32;

/// Deliveries started and not finished yet, by job id.
#[derive(Default)]
struct InFlight {
    tasks: JoinSet<shared::Id>,
    jobs: HashSet<shared::Id>,
    /// Recent sends per bot and per chat, to stay within the messengers' limits.
    bots: HashMap<shared::Id, Recent>,
    chats: HashMap<shared::Id, Recent>,
}

impl InFlight {
    fn reap(&mut self) {
        while let Some(done) = self.tasks.try_join_next() {
            self.finished(done);
        }
    }

    fn finished(&mut self, done: Result<shared::Id, tokio::task::JoinError>) {
        match done {
            Ok(job_id) => {
                self.jobs.remove(&job_id);
            }
            // The job stays claimed and is taken up again once its claim expires.
            Err(err) => tracing::error!(%err, "a delivery task failed"),
        }
        if self.tasks.is_empty() {
            self.jobs.clear();
        }
    }

    /// Whether sending this job now would exceed a bot's or a chat's pace.
    fn must_wait(&self, job: &DueJob, now: Instant) -> bool {
        let bot = self
            .bots
            .get(&job.integration_id)
            .map(|r| r.wait(pacing::PER_BOT, now));
        let chat = self
            .chats
            .get(&job.chat_id)
            .map(|r| r.wait(pacing::PER_CHAT, now));
        bot.is_some_and(|w| !w.is_zero()) || chat.is_some_and(|w| !w.is_zero())
    }

    fn record_send(&mut self, job: &DueJob, now: Instant) {
        self.bots
            .entry(job.integration_id)
            .or_default()
            .record(now, pacing::PER_BOT);
        self.chats
            .entry(job.chat_id)
            .or_default()
            .record(now, pacing::PER_CHAT);
        // Forget chats that went quiet so the map stays small.
        if self.chats.len() > 10_000 {
            self.chats
                .retain(|_, recent| !recent.wait(pacing::PER_CHAT, now).is_zero());
        }
    }

    fn room(&self) -> usize {
        MAX_IN_FLIGHT.saturating_sub(self.tasks.len())
    }
}

/// Runs until `shutdown` turns true; lets deliveries under way finish.
pub async fn run(ctx: Context, mut shutdown: watch::Receiver<bool>) {
    tracing::info!("outbound worker started");
    let mut in_flight = InFlight::default();
    loop {
        in_flight.reap();
        let started = match in_flight.room() {
            0 => Ok(0),
            room => start_due(&ctx, room, &mut in_flight).await,
        };
        if !matches!(started, Ok(n) if n > 0) {
            tokio::select! {
                _ = ctx.outbound_ready.notified() => {}
                _ = tokio::time::sleep(POLL_EVERY) => {}
                _ = shutdown.changed() => {}
                Some(done) = in_flight.tasks.join_next(), if !in_flight.tasks.is_empty() => {
                    in_flight.finished(done);
                }
            }
        }
        if *shutdown.borrow() {
            break;
        }
    }
    while let Some(done) = in_flight.tasks.join_next().await {
        in_flight.finished(done);
    }
    tracing::info!("outbound worker stopped");
}

/// Sends every job due now and waits for the outcomes; returns how many were
/// attempted.
pub async fn send_due(ctx: &Context) -> Result<usize, StoreError> {
    let mut in_flight = InFlight::default();
    let started = start_due(ctx, MAX_IN_FLIGHT, &mut in_flight).await;
    while let Some(done) = in_flight.tasks.join_next().await {
        in_flight.finished(done);
    }
    started
}

/// Claims up to `limit` due jobs (at most one per chat) and starts delivering
/// each in its own task: one slow or failing call must not hold up every
/// other chat's messages (teloxide alone waits 10 s before returning any
/// Telegram 5xx, and a call may run into its timeout). Returns how many
/// started.
async fn start_due(
    ctx: &Context,
    limit: usize,
    in_flight: &mut InFlight,
) -> Result<usize, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let jobs = ctx
        .store
        .run(move |conn| store::due_jobs(conn, limit))
        .await
        .inspect_err(|err| {
            tracing::error!(%err, "cannot read the outbound queue");
        })?;
    let mut cache: HashMap<shared::Id, Integration> = HashMap::new();
    // Bots other nodes have brought to their pace in this round.
    let mut paced_bots = HashSet::new();
    let mut started = 0;
    for due in jobs {
        // Still being delivered here (its claim may have run out meanwhile).
        if in_flight.jobs.contains(&due.id)
            || paced_bots.contains(&due.integration_id)
            || in_flight.must_wait(&due, Instant::now())
        {
            continue;
        }
        let claim = ctx
            .store
            .run(move |conn| store::claim(conn, &due, now() + LEASE))
            .await?;
        let job = match claim {
            Claim::Taken(job) => *job,
            Claim::Gone | Claim::Paced(Paced::Chat) => continue,
            Claim::Paced(Paced::Bot) => {
                paced_bots.insert(due.integration_id);
                continue;
            }
        };
        let integration = match cache.get(&job.queued.integration_id) {
            Some(integration) => integration.clone(),
            None => {
                let id = job.queued.integration_id;
                let integration = ctx
                    .store
                    .run(move |conn| integrations::find_integration(conn, id))
                    .await?;
                cache.insert(id, integration.clone());
                integration
            }
        };
        in_flight.record_send(&due, Instant::now());
        let ctx = ctx.clone();
        let job_id = job.queued.id;
        in_flight.jobs.insert(job_id);
        in_flight.tasks.spawn(async move {
            // A job whose outcome could not be stored stays claimed; it is
            // tried again once the claim expires.
            if let Err(err) = deliver(&ctx, &integration, job).await {
                tracing::error!(%err, "cannot record a delivery outcome");
            }
            job_id
        });
        started += 1;
    }
    Ok(started)
}

async fn deliver(ctx: &Context, integration: &Integration, job: Job) -> Result<(), StoreError> {
    let chat_id = job.queued.chat_id;
    let unreachable = ctx
        .store
        .run(move |conn| Ok(chats::find_chat(conn, chat_id)?.unreachable_reason))
        .await?;
    let permanent = if integration.deleted {
        Some(Reason::IntegrationDeleted)
    } else {
        unreachable.as_deref().map(Reason::from_stored)
    };
    if let Some(reason) = permanent {
        tracing::info!(chat_id, item_id = job.queued.item_id, %reason, "message not sent");
        return fail(ctx, integration, job, reason, false).await;
    }
    let Some(channel) = ctx.channels.get(integration.kind).cloned() else {
        let reason = Reason::ChannelUnavailable {
            channel: integration.kind.as_str().to_owned(),
        };
        return fail(ctx, integration, job, reason, false).await;
    };
    let file = match &job.file {
        Some(attachment) => {
            match attachments::for_messenger(ctx, attachment, channel.fetches_files_by_url())
                .await?
            {
                Ok(file) => Some(file),
                Err(reason) => return fail(ctx, integration, job, reason, false).await,
            }
        }
        None => None,
    };
    let message = Outbound {
        file,
        parts_delivered: job.parts_delivered.len(),
        reply_to_external_id: job.reply_to_external_id.clone(),
        template: job.template.clone(),
        business_connection_id: job.business_connection_id.clone(),
        origin: Origin {
            chat_id: job.queued.chat_id,
            item_id: job.queued.item_id,
            auto: job.auto,
        },
        ..Outbound::text(job.recipient.clone(), job.text.clone())
    };
    let result = channel.send(&bot(integration), &message).await;
    // Whatever arrived is noted first, so no later attempt sends it again.
    let delivered_now = message.delivered.ids();
    if !delivered_now.is_empty() {
        let job = job.clone();
        let ids = delivered_now.clone();
        ctx.store
            .run(move |conn| store::record_parts(conn, &job, &ids))
            .await?;
    }
    let integration_id = integration.id;
    match result {
        Ok(_) => {
            tracing::debug!(chat_id, item_id = job.queued.item_id, "message sent");
            let all_ids: Vec<String> = job
                .parts_delivered
                .iter()
                .cloned()
                .chain(delivered_now)
                .collect();
            ctx.store
                .run(move |conn| {
                    write_transaction(conn, |conn| {
                        let receipts = store::mark_sent(conn, &job, &all_ids)?;
                        health::record_send_recovered(conn, &job)?;
                        delivery_changed(conn, &job, DeliveryState::Sent, None)?;
                        for change in receipts {
                            realtime::record_for_chat(
                                conn,
                                change.chat_id,
                                ServerMsg::DeliveryChanged {
                                    chat_id: change.chat_id,
                                    item_id: change.item_id,
                                    delivery: change.state,
                                    error: change.error,
                                },
                            )?;
                        }
                        Ok(())
                    })
                })
                .await?;
            ctx.metrics.count_sent(integration.kind);
            ctx.hub.wake();
            Ok(())
        }
        Err(ChannelError::Provider {
            reason,
            retryable: true,
            retry_after,
            ..
        }) if job.queued.attempts + 1 < MAX_ATTEMPTS => {
            let wait = retry_after
                .and_then(|d| TimeDelta::from_std(d).ok())
                .unwrap_or_else(|| backoff(&ctx.config.delivery, job.queued.attempts));
            tracing::warn!(chat_id, item_id = job.queued.item_id, attempt = job.queued.attempts + 1, %reason, "send failed; will retry");
            let reason = reason.stored();
            ctx.store
                .run(move |conn| {
                    health::record_error(conn, integration_id, &reason)?;
                    store::mark_retry(conn, &job, now() + wait, &reason)
                })
                .await
        }
        Err(err) => {
            let (reason, unreachable) = match err {
                ChannelError::Provider {
                    reason,
                    unreachable,
                    retryable,
                    ..
                } => {
                    let reason = if retryable {
                        reason.gave_up(MAX_ATTEMPTS)
                    } else {
                        reason
                    };
                    (reason, unreachable)
                }
                other => (Reason::words(other.to_string()), false),
            };
            tracing::warn!(chat_id, item_id = job.queued.item_id, %reason, "message failed");
            let error = reason.stored();
            ctx.store
                .run(move |conn| health::record_error(conn, integration_id, &error))
                .await?;
            fail(ctx, integration, job, reason, unreachable).await
        }
    }
}

/// Marks the message failed (and the customer unreachable, if they are), with
/// its live event.
async fn fail(
    ctx: &Context,
    integration: &Integration,
    job: Job,
    reason: Reason,
    unreachable: bool,
) -> Result<(), StoreError> {
    let reason = reason.stored();
    ctx.store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                if unreachable {
                    chats::set_unreachable(conn, job.queued.chat_id, Some(&reason))?;
                }
                store::mark_failed(conn, job.queued.id, job.queued.item_id, &reason)?;
                delivery_changed(conn, &job, DeliveryState::Failed, Some(reason.clone()))?;
                if unreachable {
                    live::chat_changed(conn, job.queued.chat_id, false)?;
                }
                Ok(())
            })
        })
        .await?;
    ctx.metrics.count_failed(integration.kind);
    ctx.hub.wake();
    Ok(())
}

fn delivery_changed(
    conn: &mut DbConn,
    job: &Job,
    delivery: DeliveryState,
    error: Option<String>,
) -> Result<(), StoreError> {
    realtime::record_for_chat(
        conn,
        job.queued.chat_id,
        ServerMsg::DeliveryChanged {
            chat_id: job.queued.chat_id,
            item_id: job.queued.item_id,
            delivery,
            error,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let timing = DeliveryTiming::default();
        assert_eq!(backoff(&timing, 0), TimeDelta::seconds(1));
        assert_eq!(backoff(&timing, 3), TimeDelta::seconds(8));
        assert_eq!(backoff(&timing, 50), TimeDelta::seconds(300));
    }

    #[test]
    fn backoff_follows_the_configured_timing() {
        let timing = DeliveryTiming {
            retry_first: std::time::Duration::from_millis(50),
            retry_max: std::time::Duration::from_millis(300),
            ..DeliveryTiming::default()
        };
        assert_eq!(backoff(&timing, 0), TimeDelta::milliseconds(50));
        assert_eq!(backoff(&timing, 2), TimeDelta::milliseconds(200));
        assert_eq!(backoff(&timing, 3), TimeDelta::milliseconds(300));
    }
}
