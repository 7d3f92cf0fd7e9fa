//! Messengers behind one trait. Each provider module turns its webhook bodies
//! into normalized [`Inbound`] events and sends normalized [`Outbound`] messages;
//! provider types never leave `telegram/`, `viber/` or `whatsapp/`. The engine (`service/`)
//! only sees the types of this file, so it is tested without any messenger.

pub mod api;
pub mod media_fetch;
pub mod media_hosts;
pub mod telegram;
pub mod viber;
pub mod whatsapp;

#[cfg(test)]
mod fuzz_tests;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::api::Channel as ChannelKind;

pub use crate::domain::reason::Reason;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a provider needs to act for one bot.
#[derive(Clone)]
pub struct Bot {
    pub integration_id: shared::Id,
    pub token: crate::config::Secret,
    /// Our secret for webhook calls (Telegram's `secret_token`).
    pub webhook_secret: String,
    /// The integration's name (Viber's sender name).
    pub name: String,
    /// WhatsApp: the business number it sends from, and its secrets.
    pub whatsapp: Option<crate::domain::whatsapp::WhatsAppNumber>,
}

/// The bot's own profile, learned when its token is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotProfile {
    pub name: String,
    pub username: Option<String>,
    pub avatar_url: Option<String>,
}

/// Webhook request headers, names lower-cased.
#[derive(Debug, Default, Clone)]
pub struct Headers(pub HashMap<String, String>);

impl Headers {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

/// One webhook body (or polled update), normalized.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// The messenger's own id for this delivery (`update_id`, `message_token`):
    /// a repeat of the same key is a no-op.
    pub dedup_key: String,
    pub event: InboundEvent,
}

impl Inbound {
    /// The customer the event is about, by their messenger id; `None` for
    /// events about our own messages (receipts) or ignored ones. Applying
    /// events of one customer in order is what keeps their chat in order.
    pub fn customer_key(&self) -> Option<&str> {
        match &self.event {
            InboundEvent::Message(message) => Some(&message.customer.external_id),
            InboundEvent::Edited(edit) => Some(&edit.customer.external_id),
            InboundEvent::ConversationStarted { customer, .. }
            | InboundEvent::Reachability { customer, .. } => Some(&customer.external_id),
            InboundEvent::Reaction(reaction) => Some(&reaction.customer.external_id),
            InboundEvent::DeliveryReport { .. } | InboundEvent::Ignored { .. } => None,
            InboundEvent::Deleted { customer, .. } => Some(&customer.external_id),
            InboundEvent::BusinessConnection(_) => None,
            InboundEvent::Business(update) => Some(&update.customer.external_id),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum InboundEvent {
    /// A customer wrote something.
    Message(InboundMessage),
    /// A customer edited an earlier message.
    Edited(EditedMessage),
    /// The customer opened the conversation without writing (Viber
    /// `conversation_started`); may be answered with a welcome message.
    ConversationStarted {
        customer: CustomerProfile,
        referral: Option<String>,
    },
    /// The customer can (again) or can no longer receive messages.
    Reachability {
        customer: CustomerProfile,
        change: ReachabilityChange,
    },
    /// The messenger reports on a message we sent.
    DeliveryReport {
        external_message_id: String,
        report: DeliveryReport,
    },
    /// Valid but nothing we act on (group messages, unknown update kinds).
    Ignored { reason: String },
    /// The customer set, changed or removed their reaction to a message.
    Reaction(CustomerReaction),
    /// The customer deleted a message (theirs or ours) on their messenger.
    Deleted {
        customer: CustomerProfile,
        external_id: String,
        deleted_at: DateTime<Utc>,
    },
    /// A Telegram Business account owner connected the bot, changed its
    /// rights or disconnected it.
    BusinessConnection(BusinessConnection),
    /// Something happened in a chat of a Telegram Business account the bot
    /// manages.
    Business(Box<BusinessUpdate>),
}

/// A Telegram Business connection as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessConnection {
    /// Telegram's connection id.
    pub id: String,
    /// The account owner.
    pub owner: CustomerProfile,
    /// The private chat of the owner with the bot.
    pub user_chat_id: i64,
    pub connected_at: DateTime<Utc>,
    /// The bot may answer messages in the owner's chats.
    pub can_reply: bool,
    pub enabled: bool,
}

/// An update in one chat of a business account: the chat is with
/// `customer`, through the connection `connection_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessUpdate {
    pub connection_id: String,
    pub customer: CustomerProfile,
    pub kind: BusinessUpdateKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BusinessUpdateKind {
    /// The customer wrote (its `customer` is the update's).
    CustomerMessage(InboundMessage),
    /// The account owner wrote: from their own Telegram app (`by_bot`
    /// false), or it is Telegram's echo of a message the bot sent for them.
    OwnerMessage {
        message: InboundMessage,
        owner_id: String,
        by_bot: bool,
    },
    /// A message of the chat was edited (by the customer or the owner).
    Edited(EditedMessage),
    /// Messages of the chat were deleted.
    Deleted { external_ids: Vec<String> },
}

/// A customer's reaction to a message (theirs or ours), as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerReaction {
    pub customer: CustomerProfile,
    /// The messenger's id of the message reacted to.
    pub external_message_id: String,
    /// The reaction now; `None`: they removed it.
    pub emoji: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReachabilityChange {
    /// Telegram: the customer blocked the bot.
    Blocked,
    Unblocked,
    /// Viber.
    Subscribed,
    Unsubscribed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryReport {
    Delivered,
    Seen,
    Failed(String),
}

/// Who the customer is on this messenger.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerProfile {
    /// The messenger's stable id for the person (Telegram user id, Viber user id).
    pub external_id: String,
    pub name: String,
    pub username: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub avatar_url: Option<String>,
    /// Filled into the contact's empty fields (Channel API `customer.phone`, `email`).
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    pub customer: CustomerProfile,
    /// The messenger's id of this message (for replies, edits and dedup).
    pub external_id: String,
    pub sent_at: DateTime<Utc>,
    /// What kind of message it is: `text`, `photo`, `location`, `unsupported` …
    pub content_kind: String,
    /// The text or caption, if any.
    pub text: Option<String>,
    pub attachments: Vec<InboundAttachment>,
    /// The quoted message's external id.
    pub reply_to_external_id: Option<String>,
    /// The messenger's copy of the quoted message's text (shown when we do
    /// not have that message).
    pub reply_to_text: Option<String>,
    /// The deep-link payload the customer arrived with (Telegram `/start x`).
    pub referral: Option<String>,
    /// Details shown in the timeline: formatting entities, location, contact,
    /// forward origin, media group … (JSON object).
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EditedMessage {
    pub customer: CustomerProfile,
    pub external_id: String,
    pub edited_at: DateTime<Utc>,
    pub text: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundAttachment {
    /// `photo`, `document`, `voice`, `audio`, `video`, `video_note`, `animation`, `sticker`.
    pub kind: String,
    pub name: String,
    pub mime: Option<String>,
    pub size: Option<i64>,
    /// The messenger's handle to fetch it (Telegram `file_id`, Viber media URL).
    pub external_ref: String,
}

/// A message to deliver to a customer.
#[derive(Debug, Clone)]
pub struct Outbound {
    /// The customer's external id on this messenger.
    pub recipient: String,
    /// The text, or the caption of `file` (may then be empty).
    pub text: String,
    pub file: Option<OutboundFile>,
    /// Parts an earlier attempt delivered already: sending resumes after
    /// them, so a retry never repeats what the customer has.
    pub parts_delivered: usize,
    /// Where each part delivered by this attempt is noted as it goes out,
    /// so a failure halfway still tells what arrived.
    pub delivered: PartLog,
    /// The messenger's id of the message this one quotes, where the
    /// messenger shows quotes.
    pub reply_to_external_id: Option<String>,
    /// A WhatsApp template to send instead of `text` (which is its rendering).
    pub template: Option<OutboundTemplate>,
    /// The message as Tidings knows it, for channels that pass it on whole.
    pub origin: Origin,
    /// Telegram Business: send on behalf of the account owner through this
    /// connection.
    pub business_connection_id: Option<String>,
}

/// An approved WhatsApp template with its values, in placeholder order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundTemplate {
    pub name: String,
    pub language: String,
    pub parameters: Vec<String>,
}

/// A message template as the messenger lists it (WhatsApp, approved only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    pub language: String,
    pub category: String,
    /// The body text with its `{{n}}` placeholders.
    pub text: String,
    /// How many values the body takes.
    pub parameters: usize,
}

/// Which Tidings message an [`Outbound`] is (the Channel API names it to the
/// integrator); empty for test messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub chat_id: shared::Id,
    pub item_id: shared::Id,
    /// A greeting, auto-reply or away text rather than a manager's message.
    pub auto: bool,
}

impl Outbound {
    /// A plain text message, sent from its first part.
    pub fn text(recipient: impl Into<String>, text: impl Into<String>) -> Outbound {
        Outbound {
            recipient: recipient.into(),
            text: text.into(),
            file: None,
            parts_delivered: 0,
            delivered: PartLog::default(),
            reply_to_external_id: None,
            template: None,
            origin: Origin::default(),
            business_connection_id: None,
        }
    }
}

/// A manager's file to send with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundFile {
    /// The name shown to the customer (sanitised; never a path).
    pub name: String,
    /// The type the bytes were recognised as (`image/png` …), if any.
    pub mime: Option<String>,
    pub size: u64,
    pub content: FileContent,
}

/// How the messenger gets a file: uploaded (Telegram), or fetched from one of
/// our public links (Viber, which has no upload endpoint).
#[derive(Clone, PartialEq, Eq)]
pub enum FileContent {
    Bytes(Vec<u8>),
    Url(String),
}

impl std::fmt::Debug for FileContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileContent::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            // The link is a bearer credential for the file.
            FileContent::Url(_) => f.write_str("Url(..)"),
        }
    }
}

/// The messenger's ids of the parts delivered so far, in order.
#[derive(Debug, Clone, Default)]
pub struct PartLog(Arc<std::sync::Mutex<Vec<String>>>);

impl PartLog {
    pub fn record(&self, external_id: &str) {
        self.lock().push(external_id.to_owned());
    }

    pub fn ids(&self) -> Vec<String> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        // A panic while pushing a string cannot leave the list half-written.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What the messenger answered to a successful send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The messenger's ids of the parts this call delivered (a long text
    /// may become several; parts an earlier attempt delivered are not here).
    pub external_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The token was refused by the messenger.
    #[error("the messenger refused the token: {0}")]
    BadToken(String),
    /// The webhook request is not from the messenger.
    #[error("webhook signature or secret mismatch")]
    BadSignature,
    /// The body could not be understood.
    #[error("malformed body: {0}")]
    Malformed(String),
    /// A call failed; `retryable` says whether trying again may help.
    #[error("{reason}")]
    Provider {
        /// Why, without a language (said in the reader's when shown).
        reason: Reason,
        retryable: bool,
        /// The messenger asked us to wait this long (Telegram 429 `retry_after`).
        retry_after: Option<Duration>,
        /// The customer cannot receive messages (blocked the bot, unsubscribed).
        unreachable: bool,
    },
}

impl ChannelError {
    pub fn retryable(reason: impl Into<Reason>) -> ChannelError {
        ChannelError::Provider {
            reason: reason.into(),
            retryable: true,
            retry_after: None,
            unreachable: false,
        }
    }

    pub fn permanent(reason: impl Into<Reason>) -> ChannelError {
        ChannelError::Provider {
            reason: reason.into(),
            retryable: false,
            retry_after: None,
            unreachable: false,
        }
    }
}

/// A call that got no HTTP answer: always worth another try, except when the
/// request could not even be built.
pub(crate) fn transport_error(what: &str, err: reqwest::Error) -> ChannelError {
    let err = err.without_url();
    if err.is_builder() {
        return ChannelError::permanent(format!("cannot build the request to {what}: {err}"));
    }
    let call = what.to_owned();
    let reason = if err.is_timeout() {
        Reason::NoAnswer { call }
    } else if err.is_connect() {
        Reason::CannotConnect {
            call,
            detail: err.to_string(),
        }
    } else {
        Reason::CallFailed {
            call,
            detail: err.to_string(),
        }
    };
    ChannelError::retryable(reason)
}

/// How a bot receives updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Webhook,
    Polling,
}

/// A messenger.
pub trait Channel: Send + Sync {
    fn kind(&self) -> ChannelKind;

    /// Checks the token with the messenger and returns the bot's profile.
    fn check_token<'a>(&'a self, token: &'a str)
        -> BoxFuture<'a, Result<BotProfile, ChannelError>>;

    /// Points the messenger at our webhook URL.
    fn register_webhook<'a>(
        &'a self,
        bot: &'a Bot,
        url: &'a str,
    ) -> BoxFuture<'a, Result<(), ChannelError>>;

    /// Stops webhook calls (integration deleted, or switched to polling).
    fn remove_webhook<'a>(&'a self, bot: &'a Bot) -> BoxFuture<'a, Result<(), ChannelError>>;

    /// Checks that a webhook request comes from the messenger for this bot
    /// (in constant time).
    fn verify(&self, bot: &Bot, headers: &Headers, body: &[u8]) -> Result<(), ChannelError>;

    /// Turns a webhook body into a normalized event.
    fn parse(&self, body: &[u8]) -> Result<Inbound, ChannelError>;

    /// Turns a webhook body that may carry several events (WhatsApp) into
    /// each event with the body to store for it ([`Channel::parse`] reads
    /// that body back into the same event). Events this bot does not own are
    /// left out.
    fn parse_all(&self, _bot: &Bot, body: &[u8]) -> Result<Vec<(Inbound, String)>, ChannelError> {
        let inbound = self.parse(body)?;
        Ok(vec![(inbound, String::from_utf8_lossy(body).into_owned())])
    }

    /// Checks the bot's credentials with the messenger (the token, and for
    /// WhatsApp the business number) and returns its profile.
    fn check_bot<'a>(&'a self, bot: &'a Bot) -> BoxFuture<'a, Result<BotProfile, ChannelError>> {
        self.check_token(bot.token.expose())
    }

    /// The message templates the messenger would accept now (WhatsApp).
    fn templates<'a>(
        &'a self,
        _bot: &'a Bot,
    ) -> BoxFuture<'a, Result<Vec<Template>, ChannelError>> {
        Box::pin(async {
            Err(ChannelError::permanent(
                "this messenger has no message templates",
            ))
        })
    }

    /// Whether files must reach this messenger as links it fetches
    /// ([`FileContent::Url`]) rather than as uploaded bytes.
    fn fetches_files_by_url(&self) -> bool {
        false
    }

    /// Delivers one message, skipping the parts an earlier attempt delivered
    /// and noting each part it delivers in [`Outbound::delivered`].
    fn send<'a>(
        &'a self,
        bot: &'a Bot,
        message: &'a Outbound,
    ) -> BoxFuture<'a, Result<Sent, ChannelError>>;

    /// The emoji this messenger takes as a bot's reaction, as it writes them;
    /// empty: the messenger has no reactions.
    fn reactions(&self) -> &'static [&'static str] {
        &[]
    }

    /// Sets the bot's reaction to a message of the customer's chat
    /// (`None` removes it). Only called when [`Channel::reactions`] is not empty.
    fn set_reaction<'a>(
        &'a self,
        _bot: &'a Bot,
        _recipient: &'a str,
        _external_message_id: &'a str,
        _emoji: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async { Err(ChannelError::permanent("this messenger has no reactions")) })
    }

    /// Fetches a customer's attachment by the messenger's reference
    /// ([`InboundAttachment::external_ref`]); larger than `max_bytes` is refused.
    fn download<'a>(
        &'a self,
        bot: &'a Bot,
        external_ref: &'a str,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, ChannelError>>;

    /// The webhook as the messenger sees it (for the channel health page).
    fn webhook_health<'a>(
        &'a self,
        bot: &'a Bot,
    ) -> BoxFuture<'a, Result<WebhookHealth, ChannelError>>;
}

/// What the messenger reports about a bot's webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookHealth {
    /// `None` when no webhook is set.
    pub url: Option<String>,
    pub pending_update_count: Option<i64>,
    pub last_error_message: Option<String>,
    pub last_error_date: Option<DateTime<Utc>>,
}

/// The messengers this server talks to, by kind.
#[derive(Clone, Default)]
pub struct Channels {
    by_kind: HashMap<ChannelKind, Arc<dyn Channel>>,
    /// Telegram again, concretely: long polling is Telegram-only.
    telegram: Option<Arc<telegram::TelegramChannel>>,
    /// The Channel API again, concretely: test events are its own.
    api: Option<Arc<api::ApiChannel>>,
}

impl Channels {
    pub fn with_telegram(mut self, channel: Arc<telegram::TelegramChannel>) -> Channels {
        self.telegram = Some(channel.clone());
        self.with(channel)
    }

    pub fn telegram(&self) -> Option<&Arc<telegram::TelegramChannel>> {
        self.telegram.as_ref()
    }

    pub fn with(mut self, channel: Arc<dyn Channel>) -> Channels {
        self.by_kind.insert(channel.kind(), channel);
        self
    }

    pub fn get(&self, kind: ChannelKind) -> Option<&Arc<dyn Channel>> {
        self.by_kind.get(&kind)
    }

    pub fn with_api(mut self, channel: Arc<api::ApiChannel>) -> Channels {
        self.api = Some(channel.clone());
        self.with(channel)
    }

    pub fn api(&self) -> Option<&Arc<api::ApiChannel>> {
        self.api.as_ref()
    }
}
