//! A fake Telegram Bot API over real HTTP on `127.0.0.1:0`, for pointing
//! `TIDINGS_TELEGRAM_API_URL` (or a `TelegramChannel`) at. It knows the
//! methods the inbox uses (method names case-insensitive, as Telegram's are;
//! teloxide sends them PascalCase), records what was sent, queues updates for
//! `getUpdates`, serves registered files, fails calls on request, and can
//! enforce Telegram's flood limits on sends.
//! Tests wait on conditions (`wait_for_sent`), never on fixed sleeps.

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::ServerHandle;
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use tokio::sync::watch;
use tokio::time::Instant;

/// The header Telegram sends the webhook `secret_token` in.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// The longest `getUpdates` long poll the fake holds a request for.
const MAX_POLL: Duration = Duration::from_secs(10);

/// Method names as Telegram documents them; requests match them ignoring case.
const METHODS: &[&str] = &[
    "getMe",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "getUpdates",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "getFile",
];

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
    /// When the fake took it.
    pub at: Instant,
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
        state
            .files
            .insert(file_id.to_owned(), StoredFile { path, bytes });
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

    // ---- Realistic update JSON (shaped like python-telegram-bot's dumps) ----

    /// A private-chat customer.
    pub fn user(user_id: i64, first_name: &str) -> Value {
        json!({"id": user_id, "is_bot": false, "first_name": first_name, "language_code": "en"})
    }

    /// A private message from `user_id` with `content` fields merged in.
    pub fn private_message(
        message_id: i64,
        user_id: i64,
        first_name: &str,
        content: Value,
    ) -> Value {
        let mut message = json!({
            "message_id": message_id,
            "from": Self::user(user_id, first_name),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "date": now(),
        });
        merge(&mut message, content);
        message
    }

    /// A text message; its `message_id` is the `update_id`.
    pub fn text_update(update_id: i64, user_id: i64, first_name: &str, text: &str) -> Value {
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, json!({"text": text})),
        })
    }

    /// A reply to our message `reply_to` (its `message_id` is the `update_id`).
    pub fn reply_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        text: &str,
        reply_to: i64,
    ) -> Value {
        let replied = json!({
            "message_id": reply_to,
            "from": {"id": 7_000_000_001_i64, "is_bot": true, "first_name": "Bot", "username": "fake_bot"},
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "date": now() - 60,
            "text": "(our earlier message)",
        });
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, json!({
                "text": text,
                "reply_to_message": replied,
            })),
        })
    }

    /// `/start` or `/start PAYLOAD`, as sent when a deep link is opened.
    pub fn start_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        payload: Option<&str>,
    ) -> Value {
        let text = match payload {
            Some(payload) => format!("/start {payload}"),
            None => "/start".to_owned(),
        };
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, json!({
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            })),
        })
    }

    /// A photo in three sizes; `file_id` is the largest one's.
    pub fn photo_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        file_id: &str,
        caption: Option<&str>,
    ) -> Value {
        let mut content = json!({"photo": [
            {"file_id": format!("{file_id}-s"), "file_unique_id": "u-s", "width": 90, "height": 67, "file_size": 1402},
            {"file_id": format!("{file_id}-m"), "file_unique_id": "u-m", "width": 320, "height": 240, "file_size": 18220},
            {"file_id": file_id, "file_unique_id": "u-x", "width": 1280, "height": 960, "file_size": 161838},
        ]});
        if let Some(caption) = caption {
            content["caption"] = json!(caption);
        }
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, content),
        })
    }

    /// A document with a file name.
    pub fn document_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        file_id: &str,
        file_name: &str,
        size: i64,
    ) -> Value {
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, json!({"document": {
                "file_id": file_id, "file_unique_id": format!("u-{file_id}"),
                "file_name": file_name, "mime_type": "application/octet-stream", "file_size": size,
            }})),
        })
    }

    /// The customer edited their message `message_id`.
    pub fn edited_text_update(
        update_id: i64,
        message_id: i64,
        user_id: i64,
        first_name: &str,
        text: &str,
    ) -> Value {
        let mut message =
            Self::private_message(message_id, user_id, first_name, json!({"text": text}));
        message["date"] = json!(now() - 60);
        message["edit_date"] = json!(now());
        json!({"update_id": update_id, "edited_message": message})
    }

    /// The customer blocked the bot (`my_chat_member`, status `kicked`).
    pub fn blocked_update(update_id: i64, user_id: i64, first_name: &str) -> Value {
        Self::member_update(update_id, user_id, first_name, "member", "kicked")
    }

    /// The customer unblocked/restarted the bot (status `member`).
    pub fn unblocked_update(update_id: i64, user_id: i64, first_name: &str) -> Value {
        Self::member_update(update_id, user_id, first_name, "kicked", "member")
    }

    fn member_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        old: &str,
        new: &str,
    ) -> Value {
        let bot = json!({"id": 7_000_000_001_i64, "is_bot": true, "first_name": "Bot", "username": "fake_bot"});
        let member = |status: &str| {
            let mut member = json!({"status": status, "user": bot.clone()});
            if status == "kicked" {
                member["until_date"] = json!(0);
            }
            member
        };
        json!({
            "update_id": update_id,
            "my_chat_member": {
                "chat": {"id": user_id, "type": "private", "first_name": first_name},
                "from": Self::user(user_id, first_name),
                "date": now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        })
    }

    /// A message in a supergroup the bot is in (the inbox ignores these).
    pub fn group_text_update(update_id: i64, user_id: i64, first_name: &str, text: &str) -> Value {
        json!({
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "from": Self::user(user_id, first_name),
                "chat": {"id": -1_001_234_567_890_i64, "type": "supergroup", "title": "Customers"},
                "date": now(),
                "text": text,
            },
        })
    }

    /// An update kind the inbox does not handle.
    pub fn poll_update(update_id: i64) -> Value {
        json!({
            "update_id": update_id,
            "poll": {
                "id": "5420123456789012345", "question": "Best day?",
                "options": [{"text": "Monday", "voter_count": 1, "persistent_id": "a"}],
                "total_voter_count": 1, "is_closed": false, "is_anonymous": true,
                "type": "regular", "allows_multiple_answers": false,
                "allows_revoting": true, "members_only": false,
            },
        })
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

fn merge(target: &mut Value, extra: Value) {
    if let (Value::Object(target), Value::Object(extra)) = (target, extra) {
        target.extend(extra);
    }
}

// ---- The server side ----

/// A request's parameters and uploaded files.
struct Params {
    fields: Map<String, Value>,
    files: Vec<Upload>,
}

struct Upload {
    field: String,
    file_name: Option<String>,
    bytes: Vec<u8>,
}

impl Params {
    fn str(&self, name: &str) -> Option<String> {
        match self.fields.get(name)? {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    fn i64(&self, name: &str) -> Option<i64> {
        match self.fields.get(name)? {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// A JSON-valued parameter: JSON bodies carry it as is, forms and
    /// multipart as JSON text.
    fn json(&self, name: &str) -> Option<Value> {
        match self.fields.get(name)? {
            Value::String(text) => serde_json::from_str(text).ok(),
            other => Some(other.clone()),
        }
    }
}

async fn dispatch(request: HttpRequest, body: Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let path = request.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return download(&shared, rest);
    }
    let Some((token, method)) = path
        .strip_prefix("/bot")
        .and_then(|rest| rest.split_once('/'))
    else {
        return error(404, "Not Found", None);
    };
    let token = percent_decode(token);
    let method = canonical(method);
    let params = read_params(&request, &body);

    let failure = {
        let mut state = shared.lock();
        state.calls.push(Call {
            token: token.clone(),
            method: method.clone(),
            params: Value::Object(params.fields.clone()),
            at: Instant::now(),
        });
        take_failure(&mut state, &method)
    };
    shared.bump();
    match failure {
        Some(Failure::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Failure::Stall(delay)) => {
            tokio::time::sleep(delay).await;
            return error(504, "Gateway Timeout", None);
        }
        Some(failure) => return fail(failure),
        None => {}
    }

    let bot = shared.lock().bots.get(&token).cloned();
    let Some(bot) = bot else {
        return error(401, "Unauthorized", None);
    };
    match method.as_str() {
        "getMe" => ok(json!({
            "id": bot.id, "is_bot": true, "first_name": bot.first_name, "username": bot.username,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false,
        })),
        "setWebhook" => set_webhook(&shared, &token, &params),
        "deleteWebhook" => {
            shared.lock().webhooks.remove(&token);
            shared.bump();
            ok(json!(true))
        }
        "getWebhookInfo" => webhook_info(&shared, &token),
        "getUpdates" => get_updates(&shared, &token, &params).await,
        "sendMessage" | "sendPhoto" | "sendDocument" => {
            send(&shared, &token, &bot, &method, params)
        }
        "getFile" => get_file(&shared, &params),
        _ => error(404, "Not Found: method not found", None),
    }
}

fn canonical(method: &str) -> String {
    METHODS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(method))
        .map_or_else(|| method.to_owned(), |known| (*known).to_owned())
}

fn take_failure(state: &mut State, method: &str) -> Option<Failure> {
    let index = state
        .failures
        .iter()
        .position(|rule| rule.method.eq_ignore_ascii_case(method))?;
    let rule = &mut state.failures[index];
    if rule.skip > 0 {
        rule.skip -= 1;
        return None;
    }
    let failure = rule.failure.clone();
    rule.times -= 1;
    if rule.times == 0 {
        state.failures.remove(index);
    }
    Some(failure)
}

fn fail(failure: Failure) -> HttpResponse {
    match failure {
        Failure::RetryAfter(seconds) => error(
            429,
            &format!("Too Many Requests: retry after {seconds}"),
            Some(json!({"retry_after": seconds})),
        ),
        Failure::ServerError => error(500, "Internal Server Error", None),
        Failure::Blocked => error(403, "Forbidden: bot was blocked by the user", None),
        Failure::BadRequest(description) if description.starts_with("Bad Request") => {
            error(400, &description, None)
        }
        Failure::BadRequest(description) => {
            error(400, &format!("Bad Request: {description}"), None)
        }
        Failure::Unauthorized => error(401, "Unauthorized", None),
        Failure::Drop => HttpResponse::Ok()
            .content_type("application/json")
            .body(DroppedBody),
        Failure::Delay(_) | Failure::Stall(_) => error(500, "Internal Server Error", None),
    }
}

fn ok(result: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true, "result": result}))
}

fn error(code: u16, description: &str, parameters: Option<Value>) -> HttpResponse {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(parameters) = parameters {
        body["parameters"] = parameters;
    }
    let status = actix_web::http::StatusCode::from_u16(code)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).json(body)
}

fn set_webhook(shared: &Shared, token: &str, params: &Params) -> HttpResponse {
    let url = params.str("url").unwrap_or_default();
    {
        let mut state = shared.lock();
        if url.is_empty() {
            state.webhooks.remove(token);
        } else {
            let allowed_updates = params.json("allowed_updates").and_then(|value| {
                value.as_array().map(|kinds| {
                    kinds
                        .iter()
                        .filter_map(|kind| kind.as_str().map(str::to_owned))
                        .collect()
                })
            });
            state.webhooks.insert(
                token.to_owned(),
                Webhook {
                    url,
                    secret: params.str("secret_token"),
                    allowed_updates,
                },
            );
        }
    }
    shared.bump();
    ok(json!(true))
}

fn webhook_info(shared: &Shared, token: &str) -> HttpResponse {
    let state = shared.lock();
    let hook = state.webhooks.get(token);
    let mut info = json!({
        "url": hook.map(|hook| hook.url.clone()).unwrap_or_default(),
        "has_custom_certificate": false,
        "pending_update_count": state.updates.get(token).map_or(0, Vec::len),
        "max_connections": 40,
    });
    if let Some(kinds) = hook.and_then(|hook| hook.allowed_updates.clone()) {
        info["allowed_updates"] = json!(kinds);
    }
    if let Some((date, message)) = state.webhook_errors.get(token) {
        info["last_error_date"] = json!(date);
        info["last_error_message"] = json!(message);
    }
    ok(info)
}

async fn get_updates(shared: &Shared, token: &str, params: &Params) -> HttpResponse {
    let offset = params.i64("offset");
    let limit = params.i64("limit").unwrap_or(100).clamp(1, 100) as usize;
    let wait = Duration::from_secs(params.i64("timeout").unwrap_or(0).max(0) as u64).min(MAX_POLL);
    let deadline = Instant::now() + wait;
    let mut changes = shared.changed.subscribe();
    loop {
        {
            let mut state = shared.lock();
            if state.webhooks.contains_key(token) {
                return error(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                    None,
                );
            }
            let queue = state.updates.entry(token.to_owned()).or_default();
            if let Some(offset) = offset {
                // An offset confirms every earlier update.
                queue.retain(|(id, _)| *id >= offset);
            }
            let batch: Vec<Value> = queue
                .iter()
                .take(limit)
                .map(|(_, update)| update.clone())
                .collect();
            if !batch.is_empty() || Instant::now() >= deadline {
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, changes.changed())
            .await
            .is_err()
        {
            continue; // Deadline reached: answer with what there is.
        }
    }
}

fn send(shared: &Shared, token: &str, bot: &FakeBot, method: &str, params: Params) -> HttpResponse {
    let Some(chat_id) = params.i64("chat_id") else {
        return error(400, "Bad Request: chat_id is empty", None);
    };
    let text = params.str("text");
    let caption = params.str("caption");
    if method == "sendMessage" {
        let text = text.as_deref().unwrap_or_default();
        if text.trim().is_empty() {
            return error(400, "Bad Request: message text is empty", None);
        }
        if text.encode_utf16().count() > 4096 {
            return error(400, "Bad Request: message is too long", None);
        }
    }
    if caption
        .as_deref()
        .is_some_and(|caption| caption.encode_utf16().count() > 1024)
    {
        return error(400, "Bad Request: message caption is too long", None);
    }
    let field = if method == "sendPhoto" {
        "photo"
    } else {
        "document"
    };
    // The file is a part named after the parameter, or a part the parameter
    // names as `attach://<part>` (teloxide does the latter).
    let part = params
        .str(field)
        .and_then(|value| value.strip_prefix("attach://").map(str::to_owned))
        .unwrap_or_else(|| field.to_owned());
    let upload = params.files.iter().find(|upload| upload.field == part);
    if method != "sendMessage" && upload.is_none() && params.str(field).is_none() {
        return error(
            400,
            &format!("Bad Request: there is no {field} in the request"),
            None,
        );
    }

    let mut state = shared.lock();
    let at = Instant::now();
    if !state.admit_send(token, chat_id, at) {
        drop(state);
        return fail(Failure::RetryAfter(1));
    }
    state.last_message_id += 1;
    let message_id = state.last_message_id;
    let mut message = json!({
        "message_id": message_id,
        "from": {"id": bot.id, "is_bot": true, "first_name": bot.first_name, "username": bot.username},
        "chat": {"id": chat_id, "type": "private", "first_name": "Customer"},
        "date": now(),
    });
    match method {
        "sendPhoto" => {
            let size = upload.map_or(0, |upload| upload.bytes.len());
            message["photo"] = json!([{
                "file_id": format!("photo-{message_id}"), "file_unique_id": format!("uphoto-{message_id}"),
                "width": 800, "height": 600, "file_size": size,
            }]);
        }
        "sendDocument" => {
            let size = upload.map_or(0, |upload| upload.bytes.len());
            let name = upload.and_then(|upload| upload.file_name.clone());
            message["document"] = json!({
                "file_id": format!("document-{message_id}"), "file_unique_id": format!("udocument-{message_id}"),
                "file_name": name, "file_size": size,
            });
        }
        _ => message["text"] = json!(text),
    }
    if let Some(caption) = &caption {
        message["caption"] = json!(caption);
    }
    state.sent.push(SentMessage {
        token: token.to_owned(),
        method: method.to_owned(),
        chat_id,
        message_id,
        text,
        caption,
        file_name: upload.and_then(|upload| upload.file_name.clone()),
        file: upload.map(|upload| upload.bytes.clone()),
        params: Value::Object(params.fields.clone()),
        at,
    });
    drop(state);
    shared.bump();
    ok(message)
}

fn get_file(shared: &Shared, params: &Params) -> HttpResponse {
    let Some(file_id) = params.str("file_id") else {
        return error(400, "Bad Request: file_id not specified", None);
    };
    let state = shared.lock();
    match state.files.get(&file_id) {
        Some(file) => ok(json!({
            "file_id": file_id,
            "file_unique_id": format!("u-{file_id}"),
            "file_size": file.bytes.len(),
            "file_path": file.path,
        })),
        None => error(400, "Bad Request: invalid file_id", None),
    }
}

/// `GET /file/bot{token}/{file_path}`; the path may arrive percent-encoded
/// (teloxide sends `documents%2Ffile_1.bin`).
fn download(shared: &Shared, rest: &str) -> HttpResponse {
    let Some((token, file_path)) = rest.split_once('/') else {
        return error(404, "Not Found", None);
    };
    let token = percent_decode(token);
    let file_path = percent_decode(file_path);
    let mut state = shared.lock();
    state.calls.push(Call {
        token: token.clone(),
        method: "downloadFile".to_owned(),
        params: json!({ "file_path": file_path }),
        at: Instant::now(),
    });
    if !state.bots.contains_key(&token) {
        return error(401, "Unauthorized", None);
    }
    match state.files.values().find(|file| file.path == file_path) {
        Some(file) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(file.bytes.clone()),
        None => error(404, "Not Found: file not found", None),
    }
}

fn read_params(request: &HttpRequest, body: &[u8]) -> Params {
    let mut params = Params {
        fields: parse_urlencoded(request.query_string()),
        files: Vec::new(),
    };
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("application/json") {
        if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) {
            params.fields.extend(fields);
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        params
            .fields
            .extend(parse_urlencoded(&String::from_utf8_lossy(body)));
    } else if content_type.starts_with("multipart/form-data") {
        if let Some(boundary) = content_type
            .split(';')
            .find_map(|part| part.trim().strip_prefix("boundary="))
        {
            parse_multipart(boundary.trim_matches('"'), body, &mut params);
        }
    }
    params
}

fn parse_urlencoded(text: &str) -> Map<String, Value> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&name.replace('+', " ")),
                Value::String(percent_decode(&value.replace('+', " "))),
            )
        })
        .collect()
}

fn parse_multipart(boundary: &str, body: &[u8], params: &mut Params) {
    let delimiter = format!("--{boundary}");
    for part in split_bytes(body, delimiter.as_bytes()).into_iter().skip(1) {
        if part.starts_with(b"--") {
            break; // The closing delimiter.
        }
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let content = &part[split + 4..];
        let disposition = headers
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or_default();
        let Some(name) = disposition_value(disposition, "name") else {
            continue;
        };
        match disposition_value(disposition, "filename") {
            Some(file_name) => params.files.push(Upload {
                field: name,
                file_name: Some(file_name),
                bytes: content.to_vec(),
            }),
            None => {
                params.fields.insert(
                    name,
                    Value::String(String::from_utf8_lossy(content).into_owned()),
                );
            }
        }
    }
}

/// `name="value"` from a Content-Disposition header.
fn disposition_value(header: &str, key: &str) -> Option<String> {
    header.split(';').find_map(|piece| {
        let (name, value) = piece.trim().split_once('=')?;
        (name.trim() == key).then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn split_bytes<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| {
            bytes
                .get(at)
                .copied()
                .and_then(|byte| (byte as char).to_digit(16))
        };
        match (bytes[index], hex(index + 1), hex(index + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                index += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A body that fails as soon as it is polled: the client sees the status
/// line and headers, then a dropped connection.
struct DroppedBody;

impl MessageBody for DroppedBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the fake Telegram drops this connection",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_fields_and_files_are_read() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n--XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\nworld\r\n--XyZ--\r\n";
        let mut params = Params {
            fields: Map::new(),
            files: Vec::new(),
        };
        parse_multipart("XyZ", body, &mut params);
        assert_eq!(params.i64("chat_id"), Some(42));
        assert_eq!(params.files.len(), 1);
        assert_eq!(params.files[0].field, "document");
        assert_eq!(params.files[0].file_name.as_deref(), Some("a.txt"));
        assert_eq!(params.files[0].bytes, b"hello\r\nworld");
    }

    #[test]
    fn percent_encoded_paths_and_forms_are_decoded() {
        assert_eq!(
            percent_decode("documents%2Ffile_1.bin"),
            "documents/file_1.bin"
        );
        assert_eq!(percent_decode("100%"), "100%");
        let fields = parse_urlencoded("chat_id=5&text=hi+there%21");
        assert_eq!(fields["text"], "hi there!");
    }

    #[test]
    fn method_names_match_ignoring_case() {
        assert_eq!(canonical("SendMessage"), "sendMessage");
        assert_eq!(canonical("GETME"), "getMe");
        assert_eq!(canonical("unknownThing"), "unknownThing");
    }
}
