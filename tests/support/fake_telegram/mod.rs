//! A fake Telegram Bot API over real HTTP on `127.0.0.1:0`, for pointing
//! `TIDINGS_TELEGRAM_API_URL` (or a `TelegramChannel`) at. It knows the
//! methods the inbox uses (method names case-insensitive, as Telegram's are;
//! teloxide sends them PascalCase), records what was sent, queues updates for
//! `getUpdates`, serves registered files, fails calls on request, and can
//! enforce Telegram's flood limits on sends.
//! Tests wait on conditions (`wait_for_sent`), never on fixed sleeps.

mod request;
mod server;
mod updates;

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::web;
use actix_web::{App, HttpServer};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;

use server::dispatch;

/// The header Telegram sends the webhook `secret_token` in.
pub use tidings::demo::simulator::protocol::telegram::SECRET_HEADER;

/// The longest `getUpdates` long poll the fake holds a request for.
const MAX_POLL: Duration = Duration::from_secs(10);

/// How the next call(s) of a method fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 429 with `parameters.retry_after` (seconds).
    RetryAfter(u32),
    /// 500 Internal Server Error.
    ServerError,
    /// 403 "Forbidden: bot was blocked by the user".
    Blocked,
    /// 400 with this description ("Bad Request: " is added when missing).
    BadRequest(String),
    /// 401 Unauthorized (token revoked meanwhile).
    Unauthorized,
    /// Answers normally, but only after this long.
    Delay(Duration),
    /// Sends the status line and headers, then drops the connection.
    Drop,
    /// Holds the request this long, then answers 504 without acting: a call
    /// that times out before Telegram took the message.
    Stall(Duration),
}

/// Something a bot sent to a chat (`sendMessage`, `sendPhoto`, `sendDocument`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub token: String,
    /// `sendMessage`, `sendPhoto` or `sendDocument`.
    pub method: String,
    pub chat_id: i64,
    /// The id the fake gave the message (increasing across all chats).
    pub message_id: i64,
    pub text: Option<String>,
    pub caption: Option<String>,
    /// An uploaded file's name and bytes.
    pub file_name: Option<String>,
    pub file: Option<Vec<u8>>,
    /// Every parameter as received (uploads without their bytes).
    pub params: Value,
    /// Telegram Business: the connection the bot sent through, if any.
    pub business_connection_id: Option<String>,
    /// When the fake took it.
    pub at: Instant,
}

impl SentMessage {
    /// The message this one quotes (`reply_parameters.message_id`), if any.
    pub fn quoted_message_id(&self) -> Option<i64> {
        self.params["reply_parameters"]["message_id"].as_i64()
    }
}

/// A `setMessageReaction` call: the bot's reaction to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotReaction {
    pub chat_id: i64,
    pub message_id: i64,
    /// The emoji set; `None` when the call removed the bot's reaction.
    pub emoji: Option<String>,
}

/// Telegram's flood control on sends: over these, a send is refused with 429
/// and `retry_after`. Telegram documents about 30 messages a second per bot,
/// and one a second per chat with short bursts allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimits {
    /// At most this many sends per bot within `bot_window`.
    pub bot_sends: usize,
    pub bot_window: Duration,
    /// At most this many sends per chat within `chat_window`.
    pub chat_sends: usize,
    pub chat_window: Duration,
}

impl FloodLimits {
    /// 30 a second per bot; per chat one a second, in bursts of up to 3.
    pub const TELEGRAM: FloodLimits = FloodLimits {
        bot_sends: 30,
        bot_window: Duration::from_secs(1),
        chat_sends: 3,
        chat_window: Duration::from_secs(3),
    };
}

/// One request the fake answered (failed ones included). File downloads
/// are recorded as `downloadFile` with the `file_path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub token: String,
    /// The documented name (`sendMessage`), or the name as sent if unknown.
    pub method: String,
    pub params: Value,
    /// When the request arrived.
    pub at: Instant,
}

/// A bot's webhook as set by `setWebhook`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    pub secret: Option<String>,
    pub allowed_updates: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
struct FakeBot {
    id: i64,
    username: String,
    first_name: String,
}

#[derive(Debug, Clone)]
struct StoredFile {
    path: String,
    bytes: Vec<u8>,
    /// Downloads answer `302 Found` to this location instead.
    redirect_to: Option<String>,
}

#[derive(Debug, Clone)]
struct FailureRule {
    method: String,
    skip: usize,
    times: usize,
    failure: Failure,
}

#[derive(Default)]
struct State {
    bots: HashMap<String, FakeBot>,
    webhooks: HashMap<String, Webhook>,
    webhook_errors: HashMap<String, (i64, String)>,
    updates: HashMap<String, Vec<(i64, Value)>>,
    files: HashMap<String, StoredFile>,
    sent: Vec<SentMessage>,
    calls: Vec<Call>,
    failures: Vec<FailureRule>,
    last_message_id: i64,
    flood: Option<FloodLimits>,
    /// Recent sends taken, per bot and per (bot, chat).
    bot_sends: HashMap<String, VecDeque<Instant>>,
    chat_sends: HashMap<(String, i64), VecDeque<Instant>>,
    flood_refusals: usize,
}

impl State {
    /// Whether a send now stays within the flood limits; counts it if so.
    fn admit_send(&mut self, token: &str, chat_id: i64, now: Instant) -> bool {
        let Some(limits) = self.flood else {
            return true;
        };
        let recent = |sends: &mut VecDeque<Instant>, window: Duration| {
            while sends
                .front()
                .is_some_and(|at| now.saturating_duration_since(*at) >= window)
            {
                sends.pop_front();
            }
            sends.len()
        };
        let bot = self.bot_sends.entry(token.to_owned()).or_default();
        let chat = self
            .chat_sends
            .entry((token.to_owned(), chat_id))
            .or_default();
        if recent(bot, limits.bot_window) >= limits.bot_sends
            || recent(chat, limits.chat_window) >= limits.chat_sends
        {
            self.flood_refusals += 1;
            return false;
        }
        bot.push_back(now);
        chat.push_back(now);
        true
    }
}

struct Shared {
    state: Mutex<State>,
    /// Bumped on every change, so waiters wake without polling.
    changed: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|version| *version += 1);
    }
}

/// A running fake Bot API; stopped when dropped.
pub struct FakeTelegram {
    base: String,
    shared: Arc<Shared>,
    handle: ServerHandle,
    http: reqwest::Client,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        // The stop command is sent at once; its completion is not awaited.
        drop(self.handle.stop(false));
    }
}

impl FakeTelegram {
    /// Starts the fake on a random port, inside the calling tokio runtime.
    pub async fn start() -> FakeTelegram {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
        let addr = listener.local_addr().expect("a bound address");
        let (changed, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed,
        });
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                .default_service(web::to(dispatch))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .expect("the fake Telegram listens")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        FakeTelegram {
            base: format!("http://{addr}"),
            shared,
            handle,
            http: reqwest::Client::new(),
        }
    }

    /// The Bot API base URL (`{base}/bot{token}/{method}`).
    pub fn url(&self) -> String {
        self.base.clone()
    }

    /// Makes `token` valid; `getMe` answers with this username, a first name
    /// made from it (`acme_support_bot` -> "acme support") and the token's
    /// numeric prefix as the bot id.
    pub fn add_bot(&self, token: &str, username: &str) {
        let id = token
            .split(':')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or(7_000_000_000);
        let first_name = username
            .trim_end_matches("_bot")
            .trim_end_matches("bot")
            .replace('_', " ");
        self.shared.lock().bots.insert(
            token.to_owned(),
            FakeBot {
                id,
                username: username.to_owned(),
                first_name: if first_name.trim().is_empty() {
                    username.to_owned()
                } else {
                    first_name.trim().to_owned()
                },
            },
        );
        self.shared.bump();
    }

    /// Makes `token` invalid again (401 from now on), as if revoked.
    pub fn revoke_bot(&self, token: &str) {
        self.shared.lock().bots.remove(token);
        self.shared.bump();
    }

    /// The bot's `setMessageReaction` calls that succeeded, in order.
    pub fn bot_reactions(&self) -> Vec<BotReaction> {
        let number = |value: &Value| {
            value
                .as_i64()
                .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
                .unwrap_or_default()
        };
        self.calls_of("setMessageReaction")
            .into_iter()
            .map(|call| {
                let reaction = match &call.params["reaction"] {
                    Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
                    other => other.clone(),
                };
                BotReaction {
                    chat_id: number(&call.params["chat_id"]),
                    message_id: number(&call.params["message_id"]),
                    emoji: reaction[0]["emoji"].as_str().map(str::to_owned),
                }
            })
            .collect()
    }

    /// Everything sent so far, in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.shared.lock().sent.clone()
    }

    /// Every request answered so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// The calls of one method (case-insensitive).
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|call| call.method.eq_ignore_ascii_case(method))
            .collect()
    }

    /// Waits until at least `n` messages were sent; panics after `timeout`.
    pub async fn wait_for_sent(&self, n: usize, timeout: Duration) -> Vec<SentMessage> {
        self.wait_until(timeout, |state| state.sent.len() >= n)
            .await
            .unwrap_or_else(|| {
                panic!(
                    "expected {n} sent messages within {timeout:?}, got {:#?}",
                    self.sent()
                )
            });
        self.sent()
    }

    /// Waits until `method` was called at least `n` times; panics after `timeout`.
    pub async fn wait_for_calls(&self, method: &str, n: usize, timeout: Duration) -> Vec<Call> {
        let matches = |state: &State| {
            state
                .calls
                .iter()
                .filter(|call| call.method.eq_ignore_ascii_case(method))
                .count()
        };
        self.wait_until(timeout, |state| matches(state) >= n)
            .await
            .unwrap_or_else(|| panic!("expected {n} {method} calls within {timeout:?}"));
        self.calls_of(method)
    }

    async fn wait_until(&self, timeout: Duration, done: impl Fn(&State) -> bool) -> Option<()> {
        let deadline = Instant::now() + timeout;
        let mut changes = self.shared.changed.subscribe();
        loop {
            if done(&self.shared.lock()) {
                return Some(());
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                _ => return done(&self.shared.lock()).then_some(()),
            }
        }
    }

    /// The webhook URL and secret set for `token` (secret "" when none was given).
    pub fn webhook(&self, token: &str) -> Option<(String, String)> {
        self.webhook_details(token)
            .map(|hook| (hook.url, hook.secret.unwrap_or_default()))
    }

    pub fn webhook_details(&self, token: &str) -> Option<Webhook> {
        self.shared.lock().webhooks.get(token).cloned()
    }

    /// Makes `getWebhookInfo` report a delivery error.
    pub fn set_webhook_error(&self, token: &str, unix_date: i64, message: &str) {
        self.shared
            .lock()
            .webhook_errors
            .insert(token.to_owned(), (unix_date, message.to_owned()));
    }

    /// Queues an update for `getUpdates` (its `update_id` is read from the JSON).
    pub fn push_update(&self, token: &str, update: Value) {
        let id = update["update_id"]
            .as_i64()
            .expect("an update has an integer update_id");
        self.shared
            .lock()
            .updates
            .entry(token.to_owned())
            .or_default()
            .push((id, update));
        self.shared.bump();
    }

    /// Updates still queued (not confirmed by a later offset) for `token`.
    pub fn pending_updates(&self, token: &str) -> usize {
        self.shared.lock().updates.get(token).map_or(0, Vec::len)
    }

    /// Fails the next `times` calls of `method` (case-insensitive).
    pub fn fail_next(&self, method: &str, failure: Failure, times: usize) {
        self.fail_after(method, 0, failure, times);
    }

    /// Lets `skip` calls of `method` pass, then fails the next `times`.
    pub fn fail_after(&self, method: &str, skip: usize, failure: Failure, times: usize) {
        self.shared.lock().failures.push(FailureRule {
            method: method.to_ascii_lowercase(),
            skip,
            times,
            failure,
        });
    }

    /// Ends every injected failure (an outage is over).
    /// Refuses sends over these limits with 429 from now on.
    pub fn set_flood_limits(&self, limits: FloodLimits) {
        self.shared.lock().flood = Some(limits);
    }

    /// How many sends the flood limits refused.
    pub fn flood_refusals(&self) -> usize {
        self.shared.lock().flood_refusals
    }

    pub fn clear_failures(&self) {
        self.shared.lock().failures.clear();
        self.shared.bump();
    }

    /// Registers a file for `getFile` and download, stored under a path like
    /// Telegram's (`documents/file_3.bin`).
    pub fn add_file(&self, file_id: &str, bytes: Vec<u8>) {
        let mut state = self.shared.lock();
        let path = format!("documents/file_{}.bin", state.files.len() + 1);
        let file = StoredFile {
            path,
            bytes,
            redirect_to: None,
        };
        state.files.insert(file_id.to_owned(), file);
    }

    /// Registers a file whose download redirects to `location`.
    pub fn add_redirected_file(&self, file_id: &str, location: &str) {
        self.add_file(file_id, Vec::new());
        if let Some(file) = self.shared.lock().files.get_mut(file_id) {
            file.redirect_to = Some(location.to_owned());
        }
    }

    /// POSTs `update` to the webhook registered for `token`, with its secret.
    pub async fn deliver(&self, token: &str, update: &Value) -> StatusCode {
        let (url, secret) = self
            .webhook(token)
            .unwrap_or_else(|| panic!("no webhook is set for this bot"));
        Self::post_to_webhook(&url, &secret, update).await
    }

    /// POSTs `update` the way Telegram does: JSON, secret header (omitted
    /// when `secret` is empty).
    pub async fn post_to_webhook(url: &str, secret: &str, update: &Value) -> StatusCode {
        let mut request = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(update.to_string());
        if !secret.is_empty() {
            request = request.header(SECRET_HEADER, secret);
        }
        request.send().await.expect("the webhook answers").status()
    }

    /// Calls the fake's Bot API directly (for checking what it answers).
    pub async fn call(&self, token: &str, method: &str, params: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/bot{token}/{method}", self.base))
            .json(params)
            .send()
            .await
            .expect("the fake answers");
        let status = response.status();
        (status, response.json().await.expect("a JSON answer"))
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}
