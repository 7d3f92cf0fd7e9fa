//! Receiving from messengers: verify, parse, store durably and apply the rules,
//! then answer. A body we cannot apply is still kept (as failed) before we
//! answer 200, so no customer message is ever lost silently.

use shared::api::Channel as ChannelKind;
use shared::Id;

use shared::ws::ServerMsg;
use std::sync::Arc;
use tokio::sync::Notify;

use super::integrations::{bot, find_for_webhook, find_live};
use super::{health, live, views, Context, ServiceError};
use crate::channels::{ChannelError, Channels, Headers, Inbound};
use crate::domain::integration::Integration;
use crate::metrics::Metrics;
use crate::realtime;
use crate::store::inbound::{self as store, Received};
use crate::store::writer::{Hooks, InboundWriter};
use crate::store::{timeline, DbConn, Store, StoreError};

/// How a webhook call ended, for the HTTP answer.
#[derive(Debug)]
pub enum WebhookOutcome {
    /// Stored (or a repeat); `welcome` is Viber's welcome message to answer with.
    Accepted { welcome: Option<String> },
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("no such integration")]
    UnknownIntegration,
    #[error("bad signature")]
    BadSignature,
    #[error("malformed body: {0}")]
    Malformed(String),
    /// The webhook handshake named another verify token.
    #[error("verify token mismatch")]
    BadVerifyToken,
    /// We could not store it: the messenger should retry later.
    #[error("cannot store the update now: {0}")]
    Unavailable(String),
}

/// Handles one webhook request for the integration.
pub async fn receive_webhook(
    ctx: &Context,
    kind: ChannelKind,
    integration_id: Id,
    headers: &Headers,
    body: &[u8],
) -> Result<WebhookOutcome, WebhookError> {
    let integration = match find_for_webhook(ctx, integration_id).await {
        Ok(integration) if integration.kind == kind => integration,
        Ok(_) | Err(ServiceError::NotFound(_)) => return Err(WebhookError::UnknownIntegration),
        Err(other) => return Err(WebhookError::Unavailable(other.to_string())),
    };
    let channel = ctx
        .channels
        .get(kind)
        .ok_or(WebhookError::UnknownIntegration)?
        .clone();
    let bot = bot(&integration);
    channel.verify(&bot, headers, body).map_err(|_| {
        tracing::warn!(
            integration_id,
            "webhook refused: signature or secret mismatch"
        );
        WebhookError::BadSignature
    })?;
    let events = channel.parse_all(&bot, body).map_err(|err| {
        let reason = match err {
            ChannelError::Malformed(reason) => reason,
            other => other.to_string(),
        };
        tracing::warn!(integration_id, %reason, "webhook refused: malformed body");
        WebhookError::Malformed(reason)
    })?;
    // One after the other: a customer's events stay in their order. A failure
    // answers 503 and the messenger sends the whole body again; what was
    // stored already is then a repeat.
    let mut welcome = None;
    for (inbound, raw) in events {
        let received = store_inbound(ctx, integration.clone(), inbound, raw).await?;
        welcome = welcome.or(received.welcome);
    }
    Ok(WebhookOutcome::Accepted { welcome })
}

/// Meta's webhook verification (`GET /hooks/whatsapp/{id}`): the challenge
/// to echo when `mode` is `subscribe` and `token` is the integration's
/// verify token (compared in constant time).
pub async fn verify_subscription(
    ctx: &Context,
    integration_id: Id,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<String>,
) -> Result<String, WebhookError> {
    use subtle::ConstantTimeEq;
    let integration = match find_for_webhook(ctx, integration_id).await {
        Ok(integration) if integration.kind == ChannelKind::Whatsapp => integration,
        Ok(_) | Err(ServiceError::NotFound(_)) => return Err(WebhookError::UnknownIntegration),
        Err(other) => return Err(WebhookError::Unavailable(other.to_string())),
    };
    let expected = integration
        .whatsapp
        .as_ref()
        .map(|number| number.verify_token.as_bytes())
        .unwrap_or_default();
    let given = token.unwrap_or_default().as_bytes();
    let matches = !expected.is_empty() && bool::from(given.ct_eq(expected));
    match challenge {
        Some(challenge) if mode == Some("subscribe") && matches => {
            tracing::info!(integration_id, "WhatsApp webhook verified");
            Ok(challenge)
        }
        _ => {
            tracing::warn!(integration_id, "WhatsApp webhook verification refused");
            Err(WebhookError::BadVerifyToken)
        }
    }
}

/// Stores one parsed event (webhook or polling) through the group-committing
/// writer, then wakes the workers that act on it.
pub async fn store_inbound(
    ctx: &Context,
    integration: Integration,
    inbound: Inbound,
    raw: String,
) -> Result<Received, WebhookError> {
    let integration_id = integration.id;
    let channel = integration.kind;
    let received = ctx
        .inbound
        .record(integration, inbound, raw)
        .await
        .map_err(|err| WebhookError::Unavailable(err.to_string()))?;
    count(&ctx.metrics, channel, &received);
    if received.duplicate {
        tracing::debug!(integration_id, "repeated update ignored");
    } else if let Some(reason) = &received.ignored {
        tracing::info!(integration_id, %reason, "update ignored");
    }
    Wake {
        outbound_ready: &ctx.outbound_ready,
        attachments_ready: &ctx.attachments_ready,
        hub: &ctx.hub,
    }
    .after(&received);
    Ok(received)
}

/// Counts a new update as accepted and, unless it waits (kept for later or
/// as failed), as applied.
fn count(metrics: &Metrics, channel: ChannelKind, received: &Received) {
    if received.duplicate {
        return;
    }
    metrics.count_accepted(channel);
    if !received.deferred {
        count_applied(metrics, channel, received);
    }
}

fn count_applied(metrics: &Metrics, channel: ChannelKind, received: &Received) {
    if received.kept_as_failed.is_none() {
        metrics.count_applied(channel);
    }
}

/// Who must hear about an applied update.
struct Wake<'a> {
    outbound_ready: &'a Notify,
    attachments_ready: &'a Notify,
    hub: &'a realtime::Hub,
}

impl Wake<'_> {
    fn after(&self, received: &Received) {
        if received.queued > 0 {
            self.outbound_ready.notify_one();
        }
        if !received.attachments_to_fetch.is_empty() {
            self.attachments_ready.notify_one();
        }
        self.hub.wake();
    }
}

/// Starts the inbound writer: it logs each update's live events, parses kept
/// bodies with their channel, and wakes the workers after applying them.
pub fn start_writer(
    store: &Store,
    channels: &Channels,
    outbound_ready: Arc<Notify>,
    attachments_ready: Arc<Notify>,
    hub: realtime::Hub,
    metrics: Arc<Metrics>,
    appliers: usize,
) -> std::io::Result<InboundWriter> {
    let channels = channels.clone();
    let failures = Arc::clone(&metrics);
    let hooks = Hooks {
        publish,
        parse: Box::new(move |integration, body| {
            let channel = channels
                .get(integration.kind)
                .ok_or_else(|| format!("{} is not available", integration.kind.as_str()))?;
            channel
                .parse(body.as_bytes())
                .map_err(|err| err.to_string())
        }),
        applied: Box::new(move |channel, received| {
            count_applied(&metrics, channel, received);
            Wake {
                outbound_ready: &outbound_ready,
                attachments_ready: &attachments_ready,
                hub: &hub,
            }
            .after(received)
        }),
        failed: Box::new(move || failures.count_write_failure()),
    };
    InboundWriter::start(store.connector(), hooks, appliers)
}

/// The live events of one received update, logged in its transaction.
fn publish(conn: &mut DbConn, received: &Received) -> Result<(), StoreError> {
    if let Some(integration_id) = received.kept_as_failed {
        return health::record_changed(conn, integration_id, None);
    }
    let Some(chat_id) = received.chat_id else {
        return Ok(());
    };
    if !received.delivery_changed.is_empty() {
        for (item_id, delivery, error) in &received.delivery_changed {
            realtime::record_for_chat(
                conn,
                chat_id,
                ServerMsg::DeliveryChanged {
                    chat_id,
                    item_id: *item_id,
                    delivery: *delivery,
                    error: error.clone(),
                },
            )?;
        }
        return Ok(());
    }
    if let Some(item_id) = received.reactions_changed {
        return live::reactions_changed(conn, chat_id, item_id);
    }
    for item_id in &received.deleted_items {
        let item = views::item(timeline::find_item(conn, *item_id)?);
        realtime::record_for_chat(conn, chat_id, ServerMsg::MessageEdited { item })?;
    }
    if !received.deleted_items.is_empty() {
        return Ok(());
    }
    if let Some(item_id) = received.edited_item {
        let item = views::item(timeline::find_item(conn, item_id)?);
        return realtime::record_for_chat(conn, chat_id, ServerMsg::MessageEdited { item });
    }
    live::chat_and_items_changed(
        conn,
        chat_id,
        received.chat_created,
        received.item_ids.clone(),
    )
}

/// How often updates kept as failed are applied again.
const REPLAY_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Applies updates that failed before (kept in full, answered 200) again, so a
/// passing fault never drops a customer message; one that keeps failing stays
/// visible and is tried again every minute.
pub async fn run_replay(ctx: Context, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(REPLAY_EVERY) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        if let Err(err) = replay_failed(&ctx).await {
            tracing::warn!(%err, "cannot replay failed updates");
        }
    }
}

/// One replay round over updates that failed before now; returns how many applied.
pub async fn replay_failed(ctx: &Context) -> Result<usize, StoreError> {
    let failed = ctx
        .store
        .run(|conn| store::failed_events(conn, crate::store::now(), 50))
        .await?;
    apply_again(ctx, failed).await
}

/// Applies updates kept as failed (`(integration id, raw body)`) again;
/// returns how many applied. Admins hear of each integration whose failed
/// updates were applied.
pub async fn apply_again(ctx: &Context, failed: Vec<(Id, String)>) -> Result<usize, StoreError> {
    let mut applied = 0;
    let mut recovered: Vec<Id> = Vec::new();
    for (integration_id, body) in failed {
        let Ok(integration) = find_live(ctx, integration_id).await else {
            continue;
        };
        let Some(channel) = ctx.channels.get(integration.kind).cloned() else {
            continue;
        };
        let Ok(inbound) = channel.parse(body.as_bytes()) else {
            continue;
        };
        match store_inbound(ctx, integration, inbound, body.clone()).await {
            Ok(received) if !received.duplicate => {
                applied += 1;
                recovered.push(integration_id);
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(integration_id, %err, "replay of a failed update did not store it")
            }
        }
        // Still failed (it failed again and was kept): try it later, not in a loop.
        ctx.store
            .run(move |conn| store::postpone_failed(conn, integration_id, &body))
            .await?;
    }
    recovered.sort_unstable();
    recovered.dedup();
    for integration_id in recovered {
        health::announce(ctx, integration_id).await?;
    }
    Ok(applied)
}
