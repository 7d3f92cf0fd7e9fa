//! An integration: one connected bot with its queue, funnel and auto-messages.

use chrono::NaiveDateTime;
use shared::api::integrations::{BusinessHours as BusinessHoursDto, Delivery};

use super::business_hours::BusinessHours;
use super::chat::effective_text;
use shared::api::Channel;
use shared::Id;

use crate::config::Secret;

#[derive(Debug, Clone)]
pub struct Integration {
    pub id: Id,
    pub kind: Channel,
    pub name: String,
    pub token: Secret,
    pub webhook_secret: String,
    pub delivery: Delivery,
    pub pipeline_id: Id,
    pub greeting_text: Option<String>,
    pub auto_reply_text: Option<String>,
    /// Manager user ids in round-robin order.
    pub queue: Vec<Id>,
    pub queue_cursor: i64,
    pub bot_username: Option<String>,
    pub bot_avatar_url: Option<String>,
    pub polling_offset: i64,
    pub last_inbound_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub last_error_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// Deleted integrations keep their chats but receive and send nothing.
    pub deleted: bool,
    pub assign_only_online: bool,
    pub reassign_after_s: Option<i64>,
    /// As given (checked when it was stored); `None`: always open.
    pub business_hours: Option<BusinessHoursDto>,
    pub away_text: Option<String>,
    /// WhatsApp integrations: the business number and its secrets.
    pub whatsapp: Option<super::whatsapp::WhatsAppNumber>,
}

impl Integration {
    /// Channel API: the integrator's URL replies are posted to. It is kept
    /// where bots keep their token (what we need to reach the messenger),
    /// and the signing secret where webhooks keep theirs.
    pub fn callback_url(&self) -> Option<&str> {
        (self.kind == Channel::Api).then(|| self.token.expose())
    }
}

/// The text a starting conversation gets: the away text outside business
/// hours (when there is one), else the auto-reply; the auto-message kind
/// says which.
pub fn conversation_start_text(
    integration: &Integration,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(&str, &'static str)> {
    let closed = integration
        .business_hours
        .as_ref()
        .and_then(|hours| BusinessHours::parse(hours).ok())
        .is_some_and(|hours| !hours.is_open(now));
    if closed {
        effective_text(integration.away_text.as_deref()).map(|text| (text, "away"))
    } else {
        effective_text(integration.auto_reply_text.as_deref()).map(|text| (text, "auto_reply"))
    }
}

pub fn delivery_str(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::Webhook => "webhook",
        Delivery::Polling => "polling",
    }
}

pub fn parse_delivery(value: &str) -> Option<Delivery> {
    match value {
        "webhook" => Some(Delivery::Webhook),
        "polling" => Some(Delivery::Polling),
        _ => None,
    }
}

/// Without an explicit choice, Telegram uses a webhook only when the public URL
/// is https (Telegram refuses plain-http webhooks); Viber always uses one.
pub fn default_delivery(kind: Channel, public_url_is_https: bool) -> Delivery {
    match kind {
        Channel::Telegram if !public_url_is_https => Delivery::Polling,
        _ => Delivery::Webhook,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_polls_unless_the_public_url_is_https() {
        assert_eq!(
            default_delivery(Channel::Telegram, false),
            Delivery::Polling
        );
        assert_eq!(default_delivery(Channel::Telegram, true), Delivery::Webhook);
        assert_eq!(default_delivery(Channel::Viber, false), Delivery::Webhook);
    }
}
