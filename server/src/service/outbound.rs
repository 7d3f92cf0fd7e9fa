//! The outbound worker: delivers queued messages through their messenger, in
//! order per chat, retrying what may succeed later and recording the delivery
//! state on each message. It runs on every node; claims on the queue rows make
//! sure each message is sent once.

use std::collections::HashMap;
use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::watch;

use shared::api::chats::DeliveryState;
use shared::ws::ServerMsg;

use super::integrations::bot;
use super::{live, Context};
use crate::channels::{ChannelError, Outbound};
use crate::domain::integration::Integration;
use crate::realtime;
use crate::store::outbound::{self as store, Job};
use crate::store::{chats, integrations, now, write_transaction, DbConn, StoreError};

/// Give up after this many failed attempts.
pub const MAX_ATTEMPTS: i32 = 12;
/// How long a claimed job is ours before another worker may take it over.
const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Look for due jobs at least this often (retries come due without a wake-up).
const POLL_EVERY: Duration = Duration::from_millis(500);

/// Backoff before attempt `attempts + 1`: 1 s, 2 s, 4 s … capped at 5 minutes.
pub fn backoff(attempts: i32) -> TimeDelta {
    let seconds = 1i64 << attempts.clamp(0, 9);
    TimeDelta::seconds(seconds.min(300))
}

/// Runs until `shutdown` turns true.
pub async fn run(ctx: Context, mut shutdown: watch::Receiver<bool>) {
    tracing::info!("outbound worker started");
    loop {
        match send_due(&ctx).await {
            Ok(0) | Err(_) => {
                tokio::select! {
                    _ = ctx.outbound_ready.notified() => {}
                    _ = tokio::time::sleep(POLL_EVERY) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Ok(_) => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
    tracing::info!("outbound worker stopped");
}

/// Sends every job due now; returns how many were attempted.
pub async fn send_due(ctx: &Context) -> Result<usize, StoreError> {
    let jobs = ctx
        .store
        .run(|conn| store::due_jobs(conn, 50))
        .await
        .inspect_err(|err| {
            tracing::error!(%err, "cannot read the outbound queue");
        })?;
    let mut cache: HashMap<shared::Id, Integration> = HashMap::new();
    let mut attempted = 0;
    for job in jobs {
        let claimed = {
            let job = job.clone();
            ctx.store
                .run(move |conn| store::claim(conn, &job, now() + LEASE))
                .await?
        };
        if !claimed {
            continue;
        }
        attempted += 1;
        if !cache.contains_key(&job.integration_id) {
            let id = job.integration_id;
            let integration = ctx
                .store
                .run(move |conn| integrations::find_integration(conn, id))
                .await?;
            cache.insert(id, integration);
        }
        let Some(integration) = cache.get(&job.integration_id) else {
            continue;
        };
        deliver(ctx, integration, job).await?;
    }
    Ok(attempted)
}

async fn deliver(ctx: &Context, integration: &Integration, job: Job) -> Result<(), StoreError> {
    let chat_id = job.chat_id;
    let unreachable = ctx
        .store
        .run(move |conn| Ok(chats::find_chat(conn, chat_id)?.unreachable_reason))
        .await?;
    let permanent = if integration.deleted {
        Some("the integration was deleted".to_owned())
    } else {
        unreachable
    };
    if let Some(reason) = permanent {
        tracing::info!(chat_id, item_id = job.item_id, %reason, "message not sent");
        return fail(ctx, job, reason, false).await;
    }
    let Some(channel) = ctx.channels.get(integration.kind).cloned() else {
        let reason = format!(
            "{} is not available on this server",
            integration.kind.as_str()
        );
        return fail(ctx, job, reason, false).await;
    };
    let message = Outbound {
        recipient: job.recipient.clone(),
        text: job.text.clone(),
    };
    let result = channel.send(&bot(integration), &message).await;
    let integration_id = integration.id;
    match result {
        Ok(sent) => {
            tracing::debug!(chat_id, item_id = job.item_id, "message sent");
            ctx.store
                .run(move |conn| {
                    write_transaction(conn, |conn| {
                        store::mark_sent(conn, &job, &sent.external_ids)?;
                        delivery_changed(conn, &job, DeliveryState::Sent, None)
                    })
                })
                .await?;
            ctx.hub.wake();
            Ok(())
        }
        Err(ChannelError::Provider {
            reason,
            retryable: true,
            retry_after,
            ..
        }) if job.attempts + 1 < MAX_ATTEMPTS => {
            let wait = retry_after
                .and_then(|d| TimeDelta::from_std(d).ok())
                .unwrap_or_else(|| backoff(job.attempts));
            tracing::warn!(chat_id, item_id = job.item_id, attempt = job.attempts + 1, %reason, "send failed; will retry");
            ctx.store
                .run(move |conn| {
                    integrations::set_last_error(conn, integration_id, &reason)?;
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
                        format!("gave up after {MAX_ATTEMPTS} attempts: {reason}")
                    } else {
                        reason
                    };
                    (reason, unreachable)
                }
                other => (other.to_string(), false),
            };
            tracing::warn!(chat_id, item_id = job.item_id, %reason, "message failed");
            let error = reason.clone();
            ctx.store
                .run(move |conn| integrations::set_last_error(conn, integration_id, &error))
                .await?;
            fail(ctx, job, reason, unreachable).await
        }
    }
}

/// Marks the message failed (and the customer unreachable, if they are), with
/// its live event.
async fn fail(
    ctx: &Context,
    job: Job,
    reason: String,
    unreachable: bool,
) -> Result<(), StoreError> {
    ctx.store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                if unreachable {
                    chats::set_unreachable(conn, job.chat_id, Some(&reason))?;
                }
                store::mark_failed(conn, job.id, job.item_id, &reason)?;
                delivery_changed(conn, &job, DeliveryState::Failed, Some(reason.clone()))?;
                if unreachable {
                    live::chat_changed(conn, job.chat_id, false)?;
                }
                Ok(())
            })
        })
        .await?;
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
        job.chat_id,
        ServerMsg::DeliveryChanged {
            chat_id: job.chat_id,
            item_id: job.item_id,
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
        assert_eq!(backoff(0), TimeDelta::seconds(1));
        assert_eq!(backoff(3), TimeDelta::seconds(8));
        assert_eq!(backoff(50), TimeDelta::seconds(300));
    }
}
