//! Integrations: a connected Telegram or Viber bot with its queue and auto-messages.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Channel;
use crate::Id;

/// How a Telegram bot receives updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Webhook,
    Polling,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Integration {
    pub id: Id,
    pub kind: Channel,
    pub name: String,
    /// Manager queue, in round-robin order.
    pub queue: Vec<Id>,
    pub pipeline_id: Id,
    pub greeting_text: Option<String>,
    pub auto_reply_text: Option<String>,
    pub webhook_url: String,
    pub delivery: Delivery,
    pub bot_username: Option<String>,
    pub bot_avatar_url: Option<String>,
    /// The bot token: present for admins only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub created_at: String,
    /// The queue gives chats only to managers who are online.
    pub assign_only_online: bool,
    /// An unanswered chat moves to the next manager after this long; null: never.
    pub reassign_after_s: Option<i64>,
    /// When the team answers; null: always.
    pub business_hours: Option<BusinessHours>,
    /// Sent instead of the auto-reply when a conversation starts outside business hours.
    pub away_text: Option<String>,
    /// WhatsApp: the business phone number's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// WhatsApp: the business account (WABA) id, where templates live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_account_id: Option<String>,
    /// WhatsApp, admins only: the token to paste into Meta's webhook settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_token: Option<String>,
    /// Channel API: where Tidings posts replies (admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Channel API: the key both sides sign with (admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Business hours: windows `[open, close)` ("HH:MM", close may be "24:00") per
/// day (`mon` … `sun`; a day left out is closed) in an IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    #[schema(example = "Europe/Madrid")]
    pub timezone: String,
    #[schema(value_type = std::collections::BTreeMap<String, Vec<Vec<String>>>)]
    pub days: std::collections::BTreeMap<String, Vec<[String; 2]>>,
}

/// `POST /api/v1/integrations` (admin only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIntegration {
    pub kind: Channel,
    pub name: String,
    /// The bot token (Telegram, Viber); not used by the Channel API.
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub queue: Vec<Id>,
    #[serde(default)]
    pub pipeline_id: Option<Id>,
    #[serde(default)]
    pub greeting_text: Option<String>,
    #[serde(default)]
    pub auto_reply_text: Option<String>,
    /// Telegram only; without it: webhook when the public URL is https, else polling.
    #[serde(default)]
    pub delivery: Option<Delivery>,
    #[serde(default)]
    pub assign_only_online: Option<bool>,
    #[serde(default)]
    pub reassign_after_s: Option<i64>,
    #[serde(default)]
    pub business_hours: Option<BusinessHours>,
    #[serde(default)]
    pub away_text: Option<String>,
    /// WhatsApp: the business phone number's id.
    #[serde(default)]
    pub phone_number_id: Option<String>,
    /// WhatsApp: the business account (WABA) id.
    #[serde(default)]
    pub business_account_id: Option<String>,
    /// WhatsApp: the Meta app's secret, which signs webhook calls (never returned).
    #[serde(default)]
    pub app_secret: Option<String>,
    /// Channel API: the integrator's http(s) URL Tidings posts replies to.
    #[serde(default)]
    pub callback_url: Option<String>,
}

/// `PATCH /api/v1/integrations/{id}`: absent fields stay; an empty text disables
/// that auto-message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIntegration {
    /// Accepted so a client may send back what it read; it cannot change.
    #[serde(default)]
    pub kind: Option<Channel>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub queue: Option<Vec<Id>>,
    #[serde(default)]
    pub pipeline_id: Option<Id>,
    #[serde(default)]
    pub greeting_text: Option<String>,
    #[serde(default)]
    pub auto_reply_text: Option<String>,
    #[serde(default)]
    pub delivery: Option<Delivery>,
    #[serde(default)]
    pub assign_only_online: Option<bool>,
    /// `null` turns the hand-off off.
    #[serde(default, deserialize_with = "crate::nullable::deserialize")]
    #[schema(value_type = Option<i64>)]
    pub reassign_after_s: Option<Option<i64>>,
    /// `null`: always open.
    #[serde(default, deserialize_with = "crate::nullable::deserialize")]
    #[schema(value_type = Option<BusinessHours>)]
    pub business_hours: Option<Option<BusinessHours>>,
    /// An empty text disables it.
    #[serde(default)]
    pub away_text: Option<String>,
    /// WhatsApp: the business phone number's id.
    #[serde(default)]
    pub phone_number_id: Option<String>,
    /// WhatsApp: the business account (WABA) id.
    #[serde(default)]
    pub business_account_id: Option<String>,
    /// WhatsApp: the Meta app's secret, which signs webhook calls (never returned).
    #[serde(default)]
    pub app_secret: Option<String>,
    /// Channel API: a new callback URL.
    #[serde(default)]
    pub callback_url: Option<String>,
}

/// `GET /api/v1/integrations/{id}/queue`: who gets the next new chat, who may
/// not and why, and how many chats wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueView {
    /// The next eligible manager, or null when nobody is eligible.
    pub next_user_id: Option<Id>,
    /// Every queued user, in the configured queue order.
    pub order: Vec<QueueMember>,
    /// Chats of this integration waiting for an eligible manager.
    pub waiting: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueMember {
    pub user_id: Id,
    pub eligible: bool,
    pub why_not: Option<WhyNotEligible>,
    /// Open chats assigned to this user now.
    pub open_chats: i64,
}

/// Why a queued user cannot take a chat now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WhyNotEligible {
    Inactive,
    Offline,
    Away,
    AtCapacity,
    NotAssignable,
}

/// An integration's channel health in one word (rules: `domain::health` on the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// Receiving and sending as expected.
    Ok,
    /// Working, with something to look at (failed updates, a backlog, a recent error).
    Degraded,
    /// Not receiving or not sending.
    Failing,
}

/// `GET /api/v1/integrations/{id}/health` (admins): is the bot receiving and sending?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntegrationHealth {
    pub integration_id: Id,
    pub state: HealthState,
    pub delivery: Delivery,
    /// Where the messenger should post updates (webhook delivery).
    pub expected_webhook_url: String,
    /// What the messenger reports, or why it could not be asked.
    pub webhook: Option<WebhookState>,
    pub webhook_check_error: Option<String>,
    /// When the last update arrived (webhook or polling).
    pub last_inbound_at: Option<String>,
    /// Messages waiting to be sent.
    pub outbound_queue_length: i64,
    /// The last send error, and when.
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// Inbound updates kept but not applied (they are applied again every minute).
    pub failed_updates: i64,
}

/// One inbound update kept as failed: stored in full, not applied yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FailedUpdate {
    pub id: Id,
    pub received_at: String,
    /// Why applying it failed.
    pub error: Option<String>,
}

/// `POST /api/v1/integrations/{id}/failed-updates/retry`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FailedUpdatesRetried {
    /// Failed updates applied again now.
    pub retried: i64,
    /// How many of them were applied (the others stay failed).
    pub applied: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookState {
    pub url: Option<String>,
    pub pending_update_count: Option<i64>,
    pub last_error_message: Option<String>,
    pub last_error_at: Option<String>,
}

/// `POST /api/v1/integrations/{id}/test-message`: to a customer of this bot
/// (by their messenger id), or to the customer of its latest chat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendTestMessage {
    #[serde(default)]
    pub recipient: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestMessageSent {
    pub recipient: String,
    pub external_ids: Vec<String>,
}

/// An approved WhatsApp message template (`GET /api/v1/integrations/{id}/templates`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MessageTemplate {
    pub name: String,
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// The BODY component's text, with `{{1}}`, `{{2}}` … placeholders.
    pub text: String,
    /// How many placeholders the text has.
    pub parameters: i64,
}

/// `POST /api/v1/integrations/{id}/test-event` (Channel API, admins): what the
/// callback URL answered to a signed `ping` event (an unreachable receiver is
/// a `502`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestEventResult {
    /// The `id` of the ping that was posted.
    pub event_id: String,
    /// Whether the receiver answered 2xx.
    pub ok: bool,
    /// The receiver's HTTP status.
    pub status: u16,
    /// The start of the receiver's answer.
    pub detail: String,
}

/// A Telegram Business account whose owner connected the integration's bot
/// (`GET /api/v1/integrations/{id}/business-connections`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BusinessConnection {
    /// Telegram's connection id (a string, unlike Tidings ids).
    pub id: String,
    /// The account owner's Telegram user id.
    pub telegram_user_id: i64,
    /// The owner's name on Telegram.
    pub name: String,
    /// The Tidings user the owner is (their business chats go to them).
    pub user_id: Option<Id>,
    /// Whether the connection is active on Telegram's side.
    pub enabled: bool,
    /// Whether the owner lets the bot reply in their chats.
    pub can_reply: bool,
    /// RFC 3339: when the owner connected the bot.
    pub connected_at: String,
}

/// `PATCH /api/v1/integrations/{id}/business-connections/{connection_id}`
/// (admins): the Tidings user the owner is; `null` unlinks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkBusinessConnection {
    pub user_id: Option<Id>,
}
