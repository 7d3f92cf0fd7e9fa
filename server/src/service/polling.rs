//! Telegram long polling for bots without a webhook. Each polled bot has a
//! lease in the database, so exactly one node polls it; the offset is stored
//! only after the updates it confirms are stored, so a crash never loses one.

use std::collections::HashMap;
use std::time::Duration;

use chrono::TimeDelta;
use shared::api::integrations::Delivery;
use shared::api::Channel as ChannelKind;
use shared::Id;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::inbound::store_inbound;
use super::integrations::bot;
use super::{health, Context};
use crate::channels::Channel;
use crate::domain::integration::Integration;
use crate::domain::reason::Reason;
use crate::store::{integrations, leases};

/// How long Telegram holds a `getUpdates` call open when there is nothing new.
const LONG_POLL_SECS: u32 = 25;
/// A poller that stops renewing (crashed node) loses its bot after this.
const LEASE_TTL: TimeDelta = TimeDelta::seconds(60);
const SUPERVISE_EVERY: Duration = Duration::from_secs(3);

fn lease_name(integration_id: Id) -> String {
    format!("telegram-poll-{integration_id}")
}

fn is_polled(integration: &Integration) -> bool {
    integration.kind == ChannelKind::Telegram
        && integration.delivery == Delivery::Polling
        && !integration.deleted
}

/// Starts and stops pollers as integrations come, go or switch mode.
pub async fn run(ctx: Context, node: String, mut shutdown: watch::Receiver<bool>) {
    let mut running: HashMap<Id, JoinHandle<()>> = HashMap::new();
    loop {
        running.retain(|_, task| !task.is_finished());
        match ctx.store.run(integrations::list_integrations).await {
            Ok(all) => {
                for integration in all.into_iter().filter(is_polled) {
                    if running.contains_key(&integration.id) {
                        continue;
                    }
                    let id = integration.id;
                    let holder = node.clone();
                    let claimed = ctx
                        .store
                        .run(move |conn| leases::acquire(conn, &lease_name(id), &holder, LEASE_TTL))
                        .await
                        .unwrap_or(false);
                    if claimed {
                        tracing::info!(integration_id = id, "polling Telegram");
                        let task =
                            tokio::spawn(poll(ctx.clone(), node.clone(), id, shutdown.clone()));
                        running.insert(id, task);
                    }
                }
            }
            Err(err) => tracing::warn!(%err, "cannot list integrations to poll"),
        }
        tokio::select! {
            _ = tokio::time::sleep(SUPERVISE_EVERY) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
    for (_, task) in running {
        let _ = task.await;
    }
}

/// Polls one bot while this node holds its lease and the bot is still polled.
async fn poll(ctx: Context, node: String, integration_id: Id, mut shutdown: watch::Receiver<bool>) {
    let Some(telegram) = ctx.channels.telegram().cloned() else {
        tracing::error!(
            integration_id,
            "cannot poll: this server has no Telegram channel registered for polling"
        );
        return;
    };
    let mut backoff = Duration::from_secs(1);
    loop {
        if *shutdown.borrow() {
            break;
        }
        let holder = node.clone();
        let current = ctx
            .store
            .run(move |conn| {
                let integration = integrations::find_integration(conn, integration_id)?;
                let held = is_polled(&integration)
                    && leases::acquire(conn, &lease_name(integration_id), &holder, LEASE_TTL)?;
                Ok((integration, held))
            })
            .await;
        let integration = match current {
            Ok((integration, true)) => integration,
            Ok((_, false)) => break,
            Err(err) => {
                tracing::warn!(integration_id, %err, "poller cannot read its integration");
                tokio::time::sleep(backoff).await;
                continue;
            }
        };
        let bot = bot(&integration);
        let offset = (integration.polling_offset > 0).then(|| integration.polling_offset + 1);
        let updates = tokio::select! {
            updates = telegram.get_updates(&bot, offset, LONG_POLL_SECS) => updates,
            _ = shutdown.changed() => break,
        };
        match updates {
            Ok(updates) => {
                backoff = Duration::from_secs(1);
                for (update_id, raw) in updates {
                    if !store_polled(&ctx, &*telegram, &integration, update_id, raw).await {
                        // Not stored: do not move the offset past it; try again.
                        tokio::time::sleep(backoff).await;
                        break;
                    }
                }
            }
            Err(err) => {
                tracing::warn!(integration_id, %err, "getUpdates failed");
                let reason = match err {
                    crate::channels::ChannelError::Provider { reason, .. } => reason,
                    other => Reason::words(other.to_string()),
                }
                .stored();
                let _ = ctx
                    .store
                    .run(move |conn| health::record_error(conn, integration_id, &reason))
                    .await;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
    }
    let holder = node;
    let _ = ctx
        .store
        .run(move |conn| leases::release(conn, &lease_name(integration_id), &holder))
        .await;
    tracing::info!(integration_id, "stopped polling Telegram");
}

/// Stores one polled update and advances the offset; `false` if it could not
/// be stored (it will be fetched again).
async fn store_polled(
    ctx: &Context,
    telegram: &dyn Channel,
    integration: &Integration,
    update_id: i64,
    raw: Vec<u8>,
) -> bool {
    let integration_id = integration.id;
    match telegram.parse(&raw) {
        Ok(inbound) => {
            let text = String::from_utf8_lossy(&raw).into_owned();
            if let Err(err) = store_inbound(ctx, integration.clone(), inbound, text).await {
                tracing::warn!(integration_id, update_id, %err, "polled update not stored");
                return false;
            }
        }
        Err(err) => {
            // A body Telegram itself sent but we cannot read: keep it visible.
            tracing::error!(integration_id, update_id, %err, "polled update unreadable; kept as failed");
            let raw = String::from_utf8_lossy(&raw).into_owned();
            let error = Reason::UpdateNotApplied {
                detail: err.to_string(),
            }
            .stored();
            let key = update_id.to_string();
            let kept = ctx
                .store
                .run(move |conn| {
                    crate::store::inbound::record_failed(conn, integration_id, &key, &raw, &error)?;
                    health::record_changed(conn, integration_id, None)
                })
                .await;
            if let Err(err) = kept {
                if !matches!(err, crate::store::StoreError::Conflict(_)) {
                    return false;
                }
            }
        }
    }
    ctx.store
        .run(move |conn| integrations::set_polling_offset(conn, integration_id, update_id))
        .await
        .is_ok()
}
