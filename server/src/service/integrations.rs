//! Integrations (admin only): connecting a bot checks its token with the
//! messenger and points the messenger at our webhook (or starts polling);
//! nothing is stored when the token is bad.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use rand::RngCore;
use shared::api::integrations::{
    BusinessHours as BusinessHoursDto, CreateIntegration, Delivery, Integration as IntegrationDto,
    SendTestMessage, TestEventResult, TestMessageSent, UpdateIntegration,
};
use shared::api::Channel as ChannelKind;
use shared::Id;

use super::reasons::said;
use super::{views, Context, ServiceError};
use crate::channels::{Bot, Channel, ChannelError};
use crate::config::Secret;
use crate::domain::account::User;
use crate::domain::business_hours::BusinessHours;
use crate::domain::integration::{default_delivery, Integration};
use crate::domain::policy::{decide, Action};
use crate::domain::routing::MIN_REASSIGN_AFTER_S;
use crate::domain::whatsapp::WhatsAppNumber;
use crate::store::integrations::{
    self as store, IntegrationChanges, NewIntegration, RoutingSettings,
};
use crate::store::{crm, StoreError};
use crate::texts::Says;

/// Where the messenger posts this integration's updates.
pub fn webhook_url(ctx: &Context, kind: ChannelKind, id: Id) -> String {
    format!(
        "{}/hooks/{}/{id}",
        ctx.config.public_url.as_str().trim_end_matches('/'),
        kind.as_str()
    )
}

pub fn bot(integration: &Integration) -> Bot {
    Bot {
        integration_id: integration.id,
        token: integration.token.clone(),
        webhook_secret: integration.webhook_secret.clone(),
        name: integration.name.clone(),
        whatsapp: integration.whatsapp.clone(),
    }
}

fn dto(ctx: &Context, caller: &User, integration: Integration) -> IntegrationDto {
    let url = webhook_url(ctx, integration.kind, integration.id);
    let with_token = decide(caller.role, Action::ManageIntegrations).is_allowed();
    views::integration(integration, url, with_token)
}

pub(super) fn channel(
    ctx: &Context,
    kind: ChannelKind,
) -> Result<&std::sync::Arc<dyn Channel>, ServiceError> {
    ctx.channels.get(kind).ok_or_else(|| {
        ServiceError::Invalid(Says::ChannelUnavailable {
            channel: kind.as_str(),
        })
    })
}

fn channel_error(err: ChannelError) -> ServiceError {
    match err {
        ChannelError::BadToken(reason) => {
            ServiceError::Invalid(Says::MessengerRefusedToken { reason })
        }
        other => ServiceError::Upstream(Says::MessengerUnreachable {
            reason: said(&other),
        }),
    }
}

/// A Channel API callback URL, checked: absolute http(s).
fn callback_url(given: Option<&str>) -> Result<String, ServiceError> {
    let given = given.map(str::trim).unwrap_or_default();
    crate::channels::api::check_callback_url(given)
        .map(|_| given.to_owned())
        .map_err(|_| ServiceError::Invalid(Says::CallbackUrlInvalid))
}

fn random_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A WhatsApp field that must be given (trimmed, not empty).
fn required(value: Option<String>, field: &'static str) -> Result<String, ServiceError> {
    clean_text(value).ok_or(ServiceError::Invalid(Says::WhatsAppFieldMissing { field }))
}

fn clean_text(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

async fn check_references(
    ctx: &Context,
    queue: Option<Vec<Id>>,
    pipeline_id: Option<Id>,
) -> Result<(), ServiceError> {
    let store_check = ctx
        .store
        .run(move |conn| {
            let problems = match &queue {
                Some(queue) => store::queue_problems(conn, queue)?,
                None => store::QueueProblems::default(),
            };
            let pipeline_ok = match pipeline_id {
                Some(id) => match crm::find_pipeline(conn, id) {
                    Ok(_) => true,
                    Err(StoreError::NotFound) => false,
                    Err(other) => return Err(other),
                },
                None => true,
            };
            Ok((problems, pipeline_ok))
        })
        .await?;
    match store_check {
        (problems, _) if !problems.unknown.is_empty() => {
            Err(ServiceError::Invalid(Says::UnknownUsers {
                ids: problems.unknown,
            }))
        }
        (problems, _) if !problems.not_assignable.is_empty() => {
            Err(ServiceError::NotAssignable(Says::FollowersNotInQueue {
                ids: problems.not_assignable,
            }))
        }
        (_, false) => Err(ServiceError::Invalid(Says::PipelineMissing { id: None })),
        _ => Ok(()),
    }
}

/// Hand-off time and business hours as CONTRACT bounds them.
fn check_routing(
    reassign_after_s: Option<i64>,
    business_hours: Option<&BusinessHoursDto>,
) -> Result<(), ServiceError> {
    if reassign_after_s.is_some_and(|after| after < MIN_REASSIGN_AFTER_S) {
        return Err(ServiceError::Invalid(Says::ReassignTooSoon {
            min: MIN_REASSIGN_AFTER_S,
        }));
    }
    if let Some(hours) = business_hours {
        BusinessHours::parse(hours)
            .map_err(|err| ServiceError::Invalid(Says::BusinessHours(err)))?;
    }
    Ok(())
}

/// Only Telegram can be polled.
fn check_delivery(kind: ChannelKind, delivery: Option<Delivery>) -> Result<(), ServiceError> {
    match (kind, delivery) {
        (ChannelKind::Viber, Some(Delivery::Polling)) => {
            Err(ServiceError::Invalid(Says::ViberWebhookOnly))
        }
        (ChannelKind::Whatsapp, Some(Delivery::Polling)) => {
            Err(ServiceError::Invalid(Says::WhatsAppWebhookOnly))
        }
        _ => Ok(()),
    }
}

fn check_queue_shape(queue: &[Id]) -> Result<(), ServiceError> {
    let mut sorted = queue.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != queue.len() {
        return Err(ServiceError::Invalid(Says::ManagerTwiceInQueue));
    }
    Ok(())
}

pub async fn list(ctx: &Context, caller: &User) -> Result<Vec<IntegrationDto>, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListIntegrations), "integration")?;
    let all = ctx.store.run(store::list_integrations).await?;
    Ok(all.into_iter().map(|i| dto(ctx, caller, i)).collect())
}

pub async fn get(ctx: &Context, caller: &User, id: Id) -> Result<IntegrationDto, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListIntegrations), "integration")?;
    let integration = find_live(ctx, id).await?;
    Ok(dto(ctx, caller, integration))
}

/// How long a webhook may use an integration read earlier. Changes made on
/// this node are seen at once; another node's after at most this long.
const WEBHOOK_VIEW_FOR: Duration = Duration::from_secs(1);

/// Integrations as webhooks see them, kept for [`WEBHOOK_VIEW_FOR`]: reading
/// one per webhook took a pooled connection, which under load meant waiting
/// behind the connections busy writing.
#[derive(Default)]
pub struct WebhookView {
    read: RwLock<HashMap<Id, (Integration, Instant)>>,
    /// Bumped by every change on this node: a read that started before one
    /// is not kept, since it may hold what the change replaced.
    changes: AtomicU64,
}

impl WebhookView {
    fn get(&self, id: Id) -> Option<Integration> {
        let read = self.read.read().unwrap_or_else(|p| p.into_inner());
        read.get(&id)
            .filter(|(_, at)| at.elapsed() < WEBHOOK_VIEW_FOR)
            .map(|(integration, _)| integration.clone())
    }

    fn put(&self, integration: &Integration, read_after: u64) {
        let mut read = self.read.write().unwrap_or_else(|p| p.into_inner());
        if self.changes.load(Ordering::SeqCst) != read_after {
            return;
        }
        read.retain(|_, (_, at)| at.elapsed() < WEBHOOK_VIEW_FOR);
        read.insert(integration.id, (integration.clone(), Instant::now()));
    }

    /// Forgets an integration that changed on this node.
    fn forget(&self, id: Id) {
        let mut read = self.read.write().unwrap_or_else(|p| p.into_inner());
        self.changes.fetch_add(1, Ordering::SeqCst);
        read.remove(&id);
    }
}

/// A live integration for a webhook, at most [`WEBHOOK_VIEW_FOR`] old.
pub async fn find_for_webhook(ctx: &Context, id: Id) -> Result<Integration, ServiceError> {
    if let Some(integration) = ctx.webhook_view.get(id) {
        return Ok(integration);
    }
    let read_after = ctx.webhook_view.changes.load(Ordering::SeqCst);
    let integration = find_live(ctx, id).await?;
    ctx.webhook_view.put(&integration, read_after);
    Ok(integration)
}

/// An integration that exists and is not deleted.
pub async fn find_live(ctx: &Context, id: Id) -> Result<Integration, ServiceError> {
    let integration = ctx
        .store
        .run(move |conn| store::find_integration(conn, id))
        .await
        .map_err(ServiceError::not_found_as("integration"))?;
    if integration.deleted {
        return Err(ServiceError::NotFound("integration"));
    }
    Ok(integration)
}

pub async fn create(
    ctx: &Context,
    caller: &User,
    request: CreateIntegration,
) -> Result<IntegrationDto, ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::ManageIntegrations),
        "integration",
    )?;
    let name = request.name.trim().to_owned();
    if name.is_empty() {
        return Err(ServiceError::Invalid(Says::NameEmpty));
    }
    // The Channel API keeps its callback URL where bots keep their token.
    let token = match request.kind {
        ChannelKind::Api => callback_url(request.callback_url.as_deref())?,
        _ => request.token.trim().to_owned(),
    };
    if token.is_empty() {
        return Err(ServiceError::Invalid(Says::TokenEmpty));
    }
    check_delivery(request.kind, request.delivery)?;
    let whatsapp = match request.kind {
        ChannelKind::Whatsapp => Some(WhatsAppNumber {
            phone_number_id: required(request.phone_number_id, "phone_number_id")?,
            business_account_id: required(request.business_account_id, "business_account_id")?,
            app_secret: Secret(required(request.app_secret, "app_secret")?),
            verify_token: random_secret(),
        }),
        ChannelKind::Telegram | ChannelKind::Viber | ChannelKind::Api => None,
    };
    check_queue_shape(&request.queue)?;
    check_routing(request.reassign_after_s, request.business_hours.as_ref())?;
    check_references(ctx, Some(request.queue.clone()), request.pipeline_id).await?;
    let channel = channel(ctx, request.kind)?.clone();
    let profile = channel
        .check_bot(&Bot {
            integration_id: 0,
            token: Secret(token.clone()),
            webhook_secret: String::new(),
            name: name.clone(),
            whatsapp: whatsapp.clone(),
        })
        .await
        .map_err(channel_error)?;
    let delivery = match request.kind {
        // The integrator posts to our webhook; there is nothing to poll.
        ChannelKind::Api => Delivery::Webhook,
        kind => request
            .delivery
            .unwrap_or_else(|| default_delivery(kind, ctx.config.public_url.scheme() == "https")),
    };
    let secret = random_secret();
    let queue = request.queue;
    let greeting = clean_text(request.greeting_text);
    let auto_reply = clean_text(request.auto_reply_text);
    let pipeline_id = request.pipeline_id;
    let kind = request.kind;
    let routing = RoutingSettings {
        assign_only_online: request.assign_only_online.unwrap_or(false),
        reassign_after_s: request.reassign_after_s,
        business_hours: request.business_hours,
        away_text: clean_text(request.away_text),
    };
    let integration = ctx
        .store
        .run(move |conn| {
            let pipeline_id = match pipeline_id {
                Some(id) => id,
                None => crm::default_pipeline_id(conn)?,
            };
            store::insert_integration(
                conn,
                NewIntegration {
                    kind,
                    name: &name,
                    token: &token,
                    webhook_secret: &secret,
                    delivery,
                    pipeline_id,
                    greeting_text: greeting.as_deref(),
                    auto_reply_text: auto_reply.as_deref(),
                    queue: &queue,
                    bot_username: profile.username.as_deref(),
                    bot_avatar_url: profile.avatar_url.as_deref(),
                    routing,
                    whatsapp: whatsapp.as_ref(),
                },
            )
        })
        .await?;
    if let Err(err) = start_receiving(ctx, &*channel, &integration).await {
        // Nothing half-connected stays behind.
        let id = integration.id;
        if let Err(cleanup) = ctx
            .store
            .run(move |conn| store::delete_integration(conn, id))
            .await
        {
            tracing::error!(integration_id = id, %cleanup, "cannot remove a half-created integration");
        }
        return Err(err);
    }
    tracing::info!(integration_id = integration.id, kind = kind.as_str(), delivery = ?delivery, "integration created");
    Ok(dto(ctx, caller, integration))
}

/// Points the messenger at our webhook, or makes sure no webhook is set when
/// we poll (Telegram refuses `getUpdates` while a webhook is set).
pub(super) async fn start_receiving(
    ctx: &Context,
    channel: &dyn Channel,
    integration: &Integration,
) -> Result<(), ServiceError> {
    let bot = bot(integration);
    match integration.delivery {
        Delivery::Webhook => {
            let url = webhook_url(ctx, integration.kind, integration.id);
            channel.register_webhook(&bot, &url).await.map_err(|err| {
                ServiceError::Upstream(Says::MessengerRefusedWebhook {
                    url: url.clone(),
                    reason: said(&err),
                })
            })
        }
        Delivery::Polling => channel.remove_webhook(&bot).await.map_err(|err| {
            ServiceError::Upstream(Says::CannotSwitchToPolling { reason: said(&err) })
        }),
    }
}

pub async fn update(
    ctx: &Context,
    caller: &User,
    id: Id,
    request: UpdateIntegration,
) -> Result<IntegrationDto, ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::ManageIntegrations),
        "integration",
    )?;
    let before = find_live(ctx, id).await?;
    if request.kind.is_some_and(|kind| kind != before.kind) {
        return Err(ServiceError::Invalid(Says::KindCannotChange));
    }
    if let Some(queue) = &request.queue {
        check_queue_shape(queue)?;
    }
    check_routing(
        request.reassign_after_s.flatten(),
        request.business_hours.as_ref().and_then(Option::as_ref),
    )?;
    check_references(ctx, request.queue.clone(), request.pipeline_id).await?;
    let name = match request.name.map(|n| n.trim().to_owned()) {
        Some(name) if name.is_empty() => return Err(ServiceError::Invalid(Says::NameEmpty)),
        other => other,
    };
    check_delivery(before.kind, request.delivery)?;
    let channel = channel(ctx, before.kind)?.clone();
    let token = match (before.kind, request.callback_url) {
        (ChannelKind::Api, Some(url)) => Some(callback_url(Some(&url))?),
        (ChannelKind::Api, None) => None,
        (_, Some(_)) => return Err(ServiceError::Invalid(Says::OnlyForChannelApi)),
        (_, None) => request
            .token
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty()),
    };
    let delivery = request.delivery.filter(|_| before.kind != ChannelKind::Api);
    let whatsapp = changed_number(
        &before,
        request.phone_number_id,
        request.business_account_id,
        request.app_secret,
    );
    let profile = match (&token, &whatsapp) {
        (None, None) => None,
        _ => {
            let mut checked = bot(&before);
            if let Some(token) = &token {
                checked.token = Secret(token.clone());
            }
            if let Some(number) = &whatsapp {
                checked.whatsapp = Some(number.clone());
            }
            Some(channel.check_bot(&checked).await.map_err(channel_error)?)
        }
    };
    let reconnect = token.is_some() || delivery.is_some_and(|d| d != before.delivery);
    if reconnect {
        // The old token or mode stops delivering first.
        if let Err(err) = channel.remove_webhook(&bot(&before)).await {
            tracing::warn!(integration_id = id, %err, "could not remove the previous webhook");
        }
    }
    let changes = IntegrationChanges {
        name,
        token,
        queue: request.queue,
        pipeline_id: request.pipeline_id,
        greeting_text: request.greeting_text.map(|t| clean_text(Some(t))),
        auto_reply_text: request.auto_reply_text.map(|t| clean_text(Some(t))),
        delivery,
        bot_username: profile.as_ref().map(|p| p.username.clone()),
        bot_avatar_url: profile.as_ref().map(|p| p.avatar_url.clone()),
        assign_only_online: request.assign_only_online,
        reassign_after_s: request.reassign_after_s,
        business_hours: request.business_hours,
        away_text: request.away_text.map(|t| clean_text(Some(t))),
        whatsapp,
    };
    let after = ctx
        .store
        .run(move |conn| store::update_integration(conn, id, changes))
        .await;
    ctx.webhook_view.forget(id);
    let after = after?;
    // A new queue or looser rules may let someone take a waiting chat.
    ctx.routing_ready.notify_one();
    if reconnect {
        start_receiving(ctx, &*channel, &after).await?;
    }
    Ok(dto(ctx, caller, after))
}

/// A WhatsApp integration's number with the given fields changed (empty
/// ones stay as they were; the verify token stays); `None` when nothing
/// changes or it is not a WhatsApp integration.
fn changed_number(
    before: &Integration,
    phone_number_id: Option<String>,
    business_account_id: Option<String>,
    app_secret: Option<String>,
) -> Option<WhatsAppNumber> {
    let current = before.whatsapp.as_ref()?;
    let mut number = current.clone();
    if let Some(id) = clean_text(phone_number_id) {
        number.phone_number_id = id;
    }
    if let Some(id) = clean_text(business_account_id) {
        number.business_account_id = id;
    }
    if let Some(secret) = clean_text(app_secret) {
        number.app_secret = Secret(secret);
    }
    (number != *current).then_some(number)
}

pub async fn delete(ctx: &Context, caller: &User, id: Id) -> Result<(), ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::ManageIntegrations),
        "integration",
    )?;
    let integration = find_live(ctx, id).await?;
    let deleted = ctx
        .store
        .run(move |conn| store::delete_integration(conn, id))
        .await;
    ctx.webhook_view.forget(id);
    deleted?;
    if let Ok(channel) = channel(ctx, integration.kind) {
        if let Err(err) = channel.remove_webhook(&bot(&integration)).await {
            tracing::warn!(integration_id = id, %err, "could not remove the webhook of a deleted integration");
        }
    }
    tracing::info!(integration_id = id, "integration deleted");
    Ok(())
}

/// Sends a message straight through the messenger (not the queue), to check
/// that the bot can send.
pub async fn send_test_message(
    ctx: &Context,
    caller: &User,
    id: Id,
    request: SendTestMessage,
) -> Result<TestMessageSent, ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::ManageIntegrations),
        "integration",
    )?;
    let integration = find_live(ctx, id).await?;
    let recipient = match request
        .recipient
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
    {
        Some(recipient) => recipient,
        None => ctx
            .store
            .run(move |conn| store::latest_recipient(conn, id))
            .await?
            .ok_or_else(|| ServiceError::Invalid(Says::NoRecipientYet))?,
    };
    let text = request
        .text
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| Says::TestMessage.here());
    let channel = channel(ctx, integration.kind)?.clone();
    let sent = channel
        .send(
            &bot(&integration),
            &crate::channels::Outbound::text(recipient.clone(), text),
        )
        .await
        .map_err(|err| match err {
            // A refusal trying again cannot fix is about what was asked
            // (an unknown or malformed recipient), not the messenger being down.
            ChannelError::Provider {
                retryable: false, ..
            } => ServiceError::Invalid(Says::MessengerRefusedTestMessage { reason: said(&err) }),
            other => ServiceError::Upstream(Says::MessengerRefusedTestMessage {
                reason: said(&other),
            }),
        })?;
    Ok(TestMessageSent {
        recipient,
        external_ids: sent.external_ids,
    })
}

/// A live Channel API integration the caller may manage.
async fn managed_api(ctx: &Context, caller: &User, id: Id) -> Result<Integration, ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::ManageIntegrations),
        "integration",
    )?;
    let integration = find_live(ctx, id).await?;
    if integration.kind != ChannelKind::Api {
        return Err(ServiceError::Invalid(Says::OnlyForChannelApi));
    }
    Ok(integration)
}

/// `POST /api/v1/integrations/{id}/secret`: a new Channel API secret; events
/// signed with the old one are refused from now on.
pub async fn rotate_secret(
    ctx: &Context,
    caller: &User,
    id: Id,
) -> Result<IntegrationDto, ServiceError> {
    managed_api(ctx, caller, id).await?;
    let secret = random_secret();
    let rotated = ctx
        .store
        .run(move |conn| store::set_webhook_secret(conn, id, &secret))
        .await;
    ctx.webhook_view.forget(id);
    let rotated = rotated?;
    tracing::info!(integration_id = id, "Channel API secret rotated");
    Ok(dto(ctx, caller, rotated))
}

/// `POST /api/v1/integrations/{id}/test-event`: posts a signed `ping` to the
/// callback URL now (not through the queue) and reports the answer.
pub async fn send_test_event(
    ctx: &Context,
    caller: &User,
    id: Id,
) -> Result<TestEventResult, ServiceError> {
    let integration = managed_api(ctx, caller, id).await?;
    let channel = ctx.channels.api().cloned().ok_or_else(|| {
        ServiceError::Invalid(Says::ChannelUnavailable {
            channel: ChannelKind::Api.as_str(),
        })
    })?;
    let event_id = format!("ping-{}", random_secret());
    let callback = integration.callback_url().unwrap_or_default();
    let answer = channel
        .ping(callback, &integration.webhook_secret, &event_id)
        .await
        .map_err(|err| ServiceError::Upstream(Says::ReceiverUnreachable { reason: said(&err) }))?;
    Ok(TestEventResult {
        event_id,
        ok: (200..300).contains(&answer.status),
        status: answer.status,
        detail: answer.body,
    })
}
