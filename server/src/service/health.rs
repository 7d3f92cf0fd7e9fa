//! Channel health (admins): gathering an integration's facts for the judgement
//! in `domain::health`, the updates kept as failed (listed, applied again),
//! registering the webhook again, and telling admins' sockets when health
//! may have changed (they read it again over REST).

use std::sync::Arc;

use shared::api::integrations::{
    FailedUpdate, FailedUpdatesRetried, IntegrationHealth, WebhookState,
};
use shared::api::{Channel as ChannelKind, Page};
use shared::ws::ServerMsg;
use shared::Id;

use super::integrations::{bot, channel, find_live, start_receiving, webhook_url};
use super::reasons::SayReasons;
use super::{inbound, views, Context, ServiceError};
use crate::channels::{Channel, ChannelError};
use crate::domain::account::User;
use crate::domain::health::{assess, HealthFacts, MessengerReport};
use crate::domain::integration::Integration;
use crate::domain::policy::{decide, Action};
use crate::realtime;
use crate::store::outbound::{queue_length, Job};
use crate::store::{health as store, integrations, now, DbConn, StoreError};
use crate::texts::Says;

/// Failed updates per page of the list.
const FAILED_PAGE: i64 = 50;
/// Most failed updates one "apply again" takes on (the rest wait for the next).
const RETRY_AT_MOST: i64 = 500;

fn check_admin(caller: &User) -> Result<(), ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::ManageIntegrations),
        "integration",
    )
}

/// A live integration an admin asks about, with its messenger.
async fn managed(
    ctx: &Context,
    caller: &User,
    id: Id,
) -> Result<(Integration, Arc<dyn Channel>), ServiceError> {
    check_admin(caller)?;
    let integration = find_live(ctx, id).await?;
    let channel = channel(ctx, integration.kind)?.clone();
    Ok((integration, channel))
}

/// Is the bot receiving and sending? (admins)
pub async fn health(
    ctx: &Context,
    caller: &User,
    id: Id,
) -> Result<IntegrationHealth, ServiceError> {
    let (integration, channel) = managed(ctx, caller, id).await?;
    let (report, webhook_check_error) = match channel.webhook_health(&bot(&integration)).await {
        // WhatsApp's callback URL is the Meta app's, set in its dashboard, and
        // cannot be read with the number's token: a working token is what
        // can be known, and the URL counts as the one shown to paste there.
        Ok(state) if integration.kind == ChannelKind::Whatsapp => (
            Some(crate::channels::WebhookHealth {
                url: Some(webhook_url(ctx, integration.kind, id)),
                ..state
            }),
            None,
        ),
        Ok(state) => (Some(state), None),
        Err(ChannelError::Provider { reason, .. }) => (None, Some(Says::Failure(reason).here())),
        Err(err) => (None, Some(err.to_string())),
    };
    let (queue_length, last_sent_at, failed_updates) = ctx
        .store
        .run(move |conn| {
            Ok((
                queue_length(conn, id)?,
                store::last_sent_at(conn, id)?,
                store::count_failed_updates(conn, id)?,
            ))
        })
        .await?;
    let expected_webhook_url = webhook_url(ctx, integration.kind, id);
    // Nobody registers a Channel API webhook: the integrator posts to the
    // URL it was given, so that is the webhook.
    let report = report.map(|mut report| {
        if integration.kind == ChannelKind::Api {
            report.url = Some(expected_webhook_url.clone());
        }
        report
    });
    let state = assess(&HealthFacts {
        delivery: integration.delivery,
        expected_webhook_url: &expected_webhook_url,
        messenger: report.as_ref().map(|report| MessengerReport {
            webhook_url: report.url.clone(),
            pending_update_count: report.pending_update_count,
            last_error_at: report.last_error_date.map(|at| at.naive_utc()),
        }),
        outbound_queue_length: queue_length,
        last_send_error_at: integration.last_error_at,
        last_sent_at,
        failed_updates,
        now: now(),
    });
    Ok(IntegrationHealth {
        integration_id: id,
        state,
        delivery: integration.delivery,
        expected_webhook_url,
        webhook: report.map(|report| WebhookState {
            url: report.url,
            pending_update_count: report.pending_update_count,
            last_error_message: report.last_error_message,
            last_error_at: report.last_error_date.map(|at| views::time(at.naive_utc())),
        }),
        webhook_check_error,
        last_inbound_at: integration.last_inbound_at.map(views::time),
        outbound_queue_length: queue_length,
        last_error: integration.last_error,
        last_error_at: integration.last_error_at.map(views::time),
        failed_updates,
    }
    .in_readers_language())
}

/// Points the messenger at our webhook again (or re-confirms polling).
pub async fn reconnect(
    ctx: &Context,
    caller: &User,
    id: Id,
) -> Result<IntegrationHealth, ServiceError> {
    let (integration, channel) = managed(ctx, caller, id).await?;
    start_receiving(ctx, &*channel, &integration).await?;
    tracing::info!(integration_id = id, "webhook registered again");
    announce(ctx, id).await?;
    health(ctx, caller, id).await
}

/// Updates of an integration kept as failed, oldest first; the cursor is the
/// last id of the previous page.
pub async fn failed_updates(
    ctx: &Context,
    caller: &User,
    id: Id,
    cursor: Option<String>,
) -> Result<Page<FailedUpdate>, ServiceError> {
    check_admin(caller)?;
    find_live(ctx, id).await?;
    let after = match cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(
            cursor
                .parse::<Id>()
                .map_err(|_| ServiceError::Invalid(Says::BadCursor))?,
        ),
        None => None,
    };
    let mut rows = ctx
        .store
        .run(move |conn| store::list_failed_updates(conn, id, after, FAILED_PAGE + 1))
        .await?;
    let more = rows.len() as i64 > FAILED_PAGE;
    rows.truncate(FAILED_PAGE as usize);
    let next_cursor = more
        .then(|| rows.last().map(|row| row.id.to_string()))
        .flatten();
    Ok(Page {
        items: rows
            .into_iter()
            .map(|row| FailedUpdate {
                id: row.id,
                received_at: views::time(row.received_at),
                error: row.error,
            })
            .collect::<Vec<_>>()
            .in_readers_language(),
        next_cursor,
    })
}

/// Applies an integration's failed updates again now (the replay does so
/// every minute anyway).
pub async fn retry_failed_updates(
    ctx: &Context,
    caller: &User,
    id: Id,
) -> Result<FailedUpdatesRetried, ServiceError> {
    check_admin(caller)?;
    find_live(ctx, id).await?;
    let failed = ctx
        .store
        .run(move |conn| store::failed_update_bodies(conn, id, RETRY_AT_MOST))
        .await?;
    let retried = failed.len() as i64;
    let applied = inbound::apply_again(ctx, failed).await?;
    tracing::info!(
        integration_id = id,
        retried,
        applied,
        "failed updates applied again"
    );
    announce(ctx, id).await?;
    Ok(FailedUpdatesRetried {
        retried,
        applied: applied as i64,
    })
}

/// Tells admins, inside the caller's transaction, that an integration's
/// health may have changed.
pub fn record_changed(
    conn: &mut DbConn,
    integration_id: Id,
    last_error: Option<String>,
) -> Result<(), StoreError> {
    realtime::record_for_admins(
        conn,
        ServerMsg::IntegrationHealthChanged {
            integration_id,
            last_error,
        },
    )
}

/// [`record_changed`] in a transaction of its own, dispatched now.
pub async fn announce(ctx: &Context, integration_id: Id) -> Result<(), StoreError> {
    ctx.store
        .run(move |conn| record_changed(conn, integration_id, None))
        .await?;
    ctx.hub.wake();
    Ok(())
}

/// Notes a send (or polling) error on the integration; admins hear of it when
/// it differs from the one noted before (a retried send failing the same way
/// again changes nothing they see).
pub fn record_error(conn: &mut DbConn, integration_id: Id, error: &str) -> Result<(), StoreError> {
    let before = integrations::find_integration(conn, integration_id)?.last_error;
    integrations::set_last_error(conn, integration_id, error)?;
    if before.as_deref() != Some(error) {
        record_changed(conn, integration_id, Some(error.to_owned()))?;
    }
    Ok(())
}

/// A send that had failed before went through: the send error is behind us.
pub fn record_send_recovered(conn: &mut DbConn, job: &Job) -> Result<(), StoreError> {
    if job.queued.attempts > 0 {
        record_changed(conn, job.queued.integration_id, None)?;
    }
    Ok(())
}
