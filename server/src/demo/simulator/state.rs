//! The simulated messengers' memory: the demo bots and the WhatsApp business
//! number, their webhooks (learned from `setWebhook` / `set_webhook`, and for
//! WhatsApp from the seeder playing Meta's dashboard), the customers with what
//! their messenger app shows them, and the live-traffic switch. Customers and
//! counters are saved to a JSON file, so a restarted demo keeps them; webhooks
//! are registered again at every start.

use std::collections::VecDeque;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::api::chats::Direction;
use shared::api::Channel;
use tokio::sync::watch;
use url::Url;

/// The demo Telegram bot's token (the simulator knows no other).
pub const TELEGRAM_TOKEN: &str = "7100200300:AAE-tidings-demo-telegram-bot";
/// The demo Viber bot's token.
pub const VIBER_TOKEN: &str = "4d656d6f2d746964-696e67732d766962-65722d626f742d31";
/// Both bots' display name.
pub const BOT_NAME: &str = "Tidings Demo Shop";
pub const TELEGRAM_USERNAME: &str = "tidings_demo_shop_bot";
pub const TELEGRAM_BOT_ID: i64 = 7_100_200_300;
pub const VIBER_URI: &str = "tidingsdemoshop";
/// The demo WhatsApp business number's Graph API id.
pub const WHATSAPP_PHONE_NUMBER_ID: &str = "106540352242922";
/// The WhatsApp Business Account that owns the number (and its templates).
pub const WHATSAPP_BUSINESS_ACCOUNT_ID: &str = "102290129340398";
/// The demo number's access token (the simulator knows no other).
pub const WHATSAPP_TOKEN: &str = "EAAGtidingsDemoWhatsAppAccessToken0001";
/// The demo Meta app's secret: it signs the WhatsApp notifications.
pub const WHATSAPP_APP_SECRET: &str = "7469646e6773-demo-whatsapp-app-secret";
/// The number as WhatsApp shows it.
pub const WHATSAPP_DISPLAY_NUMBER: &str = "+34 930 00 01 23";

/// Messages kept per customer (older ones drop out of the simulator's view;
/// the inbox keeps everything).
const MAX_MESSAGES: usize = 300;

/// Where the messenger delivers a bot's updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    /// Telegram's `secret_token`, echoed in a header on every call.
    pub secret: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    Photo,
    Location,
    /// Telegram `/start` (the customer pressed Start).
    Start,
    /// Viber: the customer opened the chat (`conversation_started`).
    Opened,
    /// Viber's welcome message (the answer to `conversation_started`).
    Welcome,
    /// Block, unblock, subscribe, unsubscribe: shown as a note.
    Event,
    /// A WhatsApp template message (the text is what the customer sees).
    Template,
}

/// Where a message is, seen from the customer's messenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The customer's message is on its way to the bot's webhook.
    Sending,
    /// The bot's message was accepted by the messenger.
    Sent,
    /// Reached the webhook (customer's message) or the customer's device.
    Delivered,
    /// The customer read the bot's message (Viber tells the bot).
    Seen,
    Failed,
}

/// One entry of a customer's conversation. `direction` is the inbox's:
/// `in` = the customer wrote, `out` = the business answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimMessage {
    pub id: u64,
    pub direction: Direction,
    pub kind: MessageKind,
    pub text: Option<String>,
    /// A picture's file name (`sim-photo-<n>.png`), served under `/media/`.
    pub photo: Option<String>,
    pub location: Option<[f64; 2]>,
    pub at: DateTime<Utc>,
    pub status: Status,
    pub error: Option<String>,
    /// The messenger's id: Telegram `message_id`, Viber `message_token`,
    /// WhatsApp `wamid`.
    pub external_id: Option<String>,
    /// The text of the message this one quotes (WhatsApp `context`).
    #[serde(default)]
    pub quote: Option<String>,
}

/// A simulated person writing to one of the bots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: u64,
    pub channel: Channel,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    /// `en`, `es` or `ru`.
    pub language: String,
    /// Telegram user id (decimal), Viber user id or WhatsApp id (`wa_id`,
    /// the phone number's digits).
    pub external_id: String,
    /// Telegram: blocked the bot. Viber: unsubscribed.
    pub blocked: bool,
    /// Viber: may receive messages (wrote once, or pressed subscribe).
    pub subscribed: bool,
    pub messages: Vec<SimMessage>,
}

impl Customer {
    pub fn name(&self) -> String {
        match &self.last_name {
            Some(last) => format!("{} {last}", self.first_name),
            None => self.first_name.clone(),
        }
    }

    pub fn last_activity(&self) -> Option<DateTime<Utc>> {
        self.messages.last().map(|message| message.at)
    }
}

/// What survives a restart.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Saved {
    pub customers: Vec<Customer>,
    pub next_customer_id: u64,
    pub next_message_id: u64,
    /// Telegram message ids are 32-bit: a counter, not a clock.
    pub telegram_message_id: i64,
    pub traffic: bool,
}

pub struct State {
    pub saved: Saved,
    pub webhooks: HashMap<Channel, Webhook>,
    /// Telegram updates waiting for `getUpdates` (no webhook set).
    pub pending_updates: Vec<(i64, serde_json::Value)>,
    /// Ids the engine deduplicates on start from the clock, so a restarted
    /// simulator never repeats one.
    pub next_update_id: i64,
    pub next_viber_token: u64,
    /// Counts WhatsApp message ids (`wamid.…`), from the clock like Viber's.
    pub next_wamid: u64,
    /// Media the server sent: WhatsApp uploads, Telegram photos and
    /// documents; newest last. Not saved (Meta keeps uploads for a while
    /// only, too).
    pub uploads: VecDeque<Upload>,
    pub next_upload: u64,
    pub version: u64,
    pub dirty: bool,
}

impl State {
    fn new(saved: Saved) -> State {
        let millis = Utc::now().timestamp_millis().max(1);
        State {
            saved,
            webhooks: HashMap::new(),
            pending_updates: Vec::new(),
            next_update_id: millis,
            // Above 2^53, like Viber's own tokens.
            next_viber_token: u64::try_from(millis).unwrap_or(1) * 10_000,
            next_wamid: u64::try_from(millis).unwrap_or(1) * 10_000,
            uploads: VecDeque::new(),
            next_upload: 0,
            version: 1,
            dirty: false,
        }
    }

    /// Keeps a medium the server sent; the oldest beyond [`UPLOADS_KEPT`] go.
    pub fn keep_upload(&mut self, upload: Upload) {
        self.uploads.push_back(upload);
        while self.uploads.len() > UPLOADS_KEPT {
            self.uploads.pop_front();
        }
    }

    pub fn customer(&self, id: u64) -> Option<&Customer> {
        self.saved.customers.iter().find(|c| c.id == id)
    }

    pub fn customer_mut(&mut self, id: u64) -> Option<&mut Customer> {
        self.saved.customers.iter_mut().find(|c| c.id == id)
    }

    pub fn customer_by_external(
        &mut self,
        channel: Channel,
        external_id: &str,
    ) -> Option<&mut Customer> {
        self.saved
            .customers
            .iter_mut()
            .find(|c| c.channel == channel && c.external_id == external_id)
    }

    pub fn take_update_id(&mut self) -> i64 {
        self.next_update_id += 1;
        self.next_update_id
    }

    pub fn take_telegram_message_id(&mut self) -> i64 {
        self.saved.telegram_message_id = self.saved.telegram_message_id.max(1000) + 1;
        self.saved.telegram_message_id
    }

    pub fn take_viber_token(&mut self) -> u64 {
        self.next_viber_token += 1;
        self.next_viber_token
    }

    pub fn take_wamid(&mut self) -> u64 {
        self.next_wamid += 1;
        self.next_wamid
    }

    pub fn take_customer_id(&mut self) -> u64 {
        self.saved.next_customer_id += 1;
        self.saved.next_customer_id
    }

    /// Adds a message to the customer's conversation; returns its id.
    pub fn push_message(&mut self, customer_id: u64, mut message: SimMessage) -> Option<u64> {
        self.saved.next_message_id += 1;
        let id = self.saved.next_message_id;
        message.id = id;
        let customer = self.customer_mut(customer_id)?;
        customer.messages.push(message);
        if customer.messages.len() > MAX_MESSAGES {
            let extra = customer.messages.len() - MAX_MESSAGES;
            customer.messages.drain(..extra);
        }
        Some(id)
    }

    /// Finds a message by the simulator's id, anywhere.
    pub fn message_mut(&mut self, customer_id: u64, message_id: u64) -> Option<&mut SimMessage> {
        self.customer_mut(customer_id)?
            .messages
            .iter_mut()
            .find(|m| m.id == message_id)
    }
}

/// Media kept for the page and for sending (older ones are gone, like Meta's
/// uploads expire).
const UPLOADS_KEPT: usize = 32;

/// The simulator page's name for a medium the server sent (see `api::media`).
pub fn upload_name(media_id: &str) -> String {
    format!("up-{media_id}")
}

/// A file the server sent to a simulated messenger: a WhatsApp upload (its
/// media id) or a Telegram photo or document (`tg-{message_id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub media_id: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// A new message of `kind` dated now, before it gets its id.
pub fn message(direction: Direction, kind: MessageKind, status: Status) -> SimMessage {
    SimMessage {
        id: 0,
        direction,
        kind,
        text: None,
        photo: None,
        location: None,
        at: Utc::now(),
        status,
        error: None,
        external_id: None,
        quote: None,
    }
}

/// The simulators' shared core: state, an HTTP client for calling webhooks,
/// and the simulator's own base URL (for media links).
pub struct Sim {
    state: Mutex<State>,
    pub http: reqwest::Client,
    pub base: Url,
    file: PathBuf,
    /// Bumped on every change (wakes `getUpdates` long polls).
    changes: watch::Sender<u64>,
    app_url: Mutex<Option<String>>,
}

impl Sim {
    /// Loads the saved customers from `file` (a missing or unreadable file
    /// starts empty: the simulator's memory is a convenience, not data).
    pub fn load(base: Url, file: PathBuf, http: reqwest::Client) -> Sim {
        let saved = match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|err| {
                tracing::warn!(%err, file = %file.display(), "the simulator's saved state is unreadable; starting empty");
                Saved::default()
            }),
            Err(_) => Saved::default(),
        };
        Sim {
            state: Mutex::new(State::new(saved)),
            http,
            base,
            file,
            changes: watch::channel(0).0,
            app_url: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent between statements: a panic elsewhere
        // while holding the lock leaves nothing half-written worth refusing.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the state.
    /// A medium the server sent, by its id: its type and bytes.
    pub fn upload(&self, media_id: &str) -> Option<(String, Vec<u8>)> {
        self.read(|state| {
            state
                .uploads
                .iter()
                .find(|upload| upload.media_id == media_id)
                .map(|upload| (upload.mime.clone(), upload.bytes.clone()))
        })
    }

    /// A medium the server sent, by its page name ([`upload_name`]).
    pub fn uploaded(&self, name: &str) -> Option<(String, Vec<u8>)> {
        self.upload(name.strip_prefix("up-")?)
    }

    pub fn read<T>(&self, look: impl FnOnce(&State) -> T) -> T {
        look(&self.lock())
    }

    /// Changes the state (and marks it to be saved and re-sent to pages).
    pub fn update<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        let result = {
            let mut state = self.lock();
            let result = change(&mut state);
            state.version += 1;
            state.dirty = true;
            result
        };
        self.changes.send_modify(|version| *version += 1);
        result
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    pub fn set_app_url(&self, url: &str) {
        *self
            .app_url
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(url.to_owned());
    }

    pub fn app_url(&self) -> Option<String> {
        self.app_url
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// A public link to picture `name` (Viber media URLs, the page's images).
    pub fn media_url(&self, name: &str) -> String {
        format!("{}media/{name}", self.base)
    }

    /// Writes the customers to the state file if anything changed.
    pub async fn save(&self) {
        let json = {
            let mut state = self.lock();
            if !state.dirty {
                return;
            }
            state.dirty = false;
            serde_json::to_vec(&state.saved)
        };
        match json {
            Ok(json) => {
                if let Err(err) = write_atomically(&self.file, &json).await {
                    tracing::warn!(%err, file = %self.file.display(), "cannot save the simulator's state");
                }
            }
            Err(err) => tracing::warn!(%err, "cannot encode the simulator's state"),
        }
    }
}

async fn write_atomically(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = file.with_extension("json.tmp");
    tokio::fs::write(&temporary, bytes).await?;
    tokio::fs::rename(&temporary, file).await
}
