//! A fake Viber REST API over real HTTP on `127.0.0.1:0`, for aiming
//! `TIDINGS_VIBER_API_URL` (or `ViberChannel::new`) at: `get_account_info`,
//! `set_webhook` (which, like Viber, POSTs a signed `webhook` verification
//! callback to the URL before answering), `send_message` (recorded, answered
//! with increasing 64-bit `message_token`s above 2^53), failure injection, and
//! public media links. Also builds and signs callbacks exactly like Viber and
//! posts them to a webhook. Waits are on conditions, never fixed sleeps.
//!
//! The HTTP/1.1 server is a few dozen lines over tokio sockets (one request per
//! connection, `Connection: close`) so that a test can drop a connection or
//! stall an answer, which a full server framework hides.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use tidings::demo::simulator::protocol::viber::{self as protocol, refusal, Account, User};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The first `message_token` `send_message` answers with (then +1 each).
pub const FIRST_MESSAGE_TOKEN: u64 = 5_491_808_166_876_114_155;
/// The `message_token` of the first verification callback (then +1 each).
pub const FIRST_CALLBACK_TOKEN: u64 = 6_000_000_000_000_000_001;
const API_PREFIX: &str = "/pa/";
const MEDIA_PREFIX: &str = "/media/";
const SIGNATURE_HEADER: &str = "X-Viber-Content-Signature";

/// What the next calls of a method do instead of succeeding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 200 with this Viber `status` (6 receiverNotSubscribed, 12 tooManyRequests …).
    Status(i64),
    /// This HTTP status with an HTML body, like a proxy in front of Viber.
    Http(u16),
    /// Answers normally, but only after this long.
    Slow(Duration),
    /// Reads the request, then closes the connection without answering.
    Drop,
    /// Holds the request this long, then closes the connection without
    /// acting: a call that times out before Viber took the message.
    Stall(Duration),
}

/// One message `send_message` accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    pub bot_token: String,
    pub receiver: String,
    /// `text`, `picture`, `file` …
    pub kind: String,
    pub text: Option<String>,
    pub sender_name: Option<String>,
    pub message_token: u64,
    /// The whole request body.
    pub body: Value,
}

/// One API call as received (failed ones included).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: String,
    pub auth_token: Option<String>,
    pub body: Value,
    /// When the request arrived.
    pub at: tokio::time::Instant,
}

/// One verification callback `set_webhook` made: the URL and the HTTP status
/// it got, or why it got none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookCheck {
    pub url: String,
    pub outcome: Result<u16, String>,
}

struct FakeBot {
    name: String,
    webhook: Option<String>,
}

struct Injected {
    method: String,
    failure: Failure,
    remaining: usize,
}

struct State {
    bots: HashMap<String, FakeBot>,
    sent: Vec<SentMessage>,
    calls: Vec<Call>,
    failures: Vec<Injected>,
    next_message_token: u64,
    next_callback_token: u64,
    verify_webhooks: bool,
    webhook_checks: Vec<WebhookCheck>,
    media: HashMap<String, (String, Vec<u8>)>,
    /// Media links answered with `302 Found` to another location.
    redirects: HashMap<String, String>,
}

struct Shared {
    state: Mutex<State>,
    changes: watch::Sender<u64>,
    http: reqwest::Client,
    addr: SocketAddr,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("the fake's state lock is never held across a panic")
    }

    fn changed(&self) {
        self.changes.send_modify(|version| *version += 1);
    }
}

/// The fake Viber API; stops serving when dropped.
pub struct FakeViber {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for FakeViber {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeViber {
    pub async fn start() -> FakeViber {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake Viber binds a local port");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                bots: HashMap::new(),
                sent: Vec::new(),
                calls: Vec::new(),
                failures: Vec::new(),
                next_message_token: FIRST_MESSAGE_TOKEN,
                next_callback_token: FIRST_CALLBACK_TOKEN,
                verify_webhooks: true,
                webhook_checks: Vec::new(),
                media: HashMap::new(),
                redirects: HashMap::new(),
            }),
            changes: watch::channel(0).0,
            http: reqwest::Client::new(),
            addr,
        });
        let task = tokio::spawn(accept_loop(listener, {
            let shared = Arc::clone(&shared);
            move |stream| serve_api(stream, Arc::clone(&shared))
        }));
        FakeViber { shared, task }
    }

    /// The API base, for `TIDINGS_VIBER_API_URL`: `http://127.0.0.1:PORT/pa`.
    pub fn url(&self) -> Url {
        Url::parse(&format!("http://{}/pa", self.shared.addr)).expect("a valid URL")
    }

    /// Makes `token` a valid bot token.
    pub fn add_bot(&self, token: &str, name: &str) {
        self.shared.lock().bots.insert(
            token.to_owned(),
            FakeBot {
                name: name.to_owned(),
                webhook: None,
            },
        );
    }

    /// The webhook URL currently set for a bot, if any.
    pub fn webhook(&self, token: &str) -> Option<String> {
        self.shared
            .lock()
            .bots
            .get(token)
            .and_then(|bot| bot.webhook.clone())
    }

    /// Whether `set_webhook` calls the URL first (default on, like Viber).
    pub fn set_verify_webhooks(&self, verify: bool) {
        self.shared.lock().verify_webhooks = verify;
    }

    /// The verification callbacks made so far.
    pub fn webhook_checks(&self) -> Vec<WebhookCheck> {
        self.shared.lock().webhook_checks.clone()
    }

    /// Every message accepted so far, in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.shared.lock().sent.clone()
    }

    /// Every API call received so far, failed ones included.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// The calls of one method received so far.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|call| call.method == method)
            .collect()
    }

    /// The next `times` calls of `method` fail this way (queued after earlier
    /// injections for the same method).
    pub fn fail_next(&self, method: &str, failure: Failure, times: usize) {
        self.shared.lock().failures.push(Injected {
            method: method.to_owned(),
            failure,
            remaining: times,
        });
    }

    /// Ends every injected failure (an outage is over).
    pub fn clear_failures(&self) {
        self.shared.lock().failures.clear();
    }

    /// Serves `bytes` at a public link, like Viber's media CDN; other links
    /// under the same prefix answer 404 (an expired link).
    pub fn host_media(&self, name: &str, content_type: &str, bytes: &[u8]) -> String {
        self.shared
            .lock()
            .media
            .insert(name.to_owned(), (content_type.to_owned(), bytes.to_vec()));
        format!("http://{}{MEDIA_PREFIX}{name}", self.shared.addr)
    }

    /// A media link on the fake that redirects to `location`.
    pub fn host_redirect(&self, name: &str, location: &str) -> String {
        self.shared
            .lock()
            .redirects
            .insert(name.to_owned(), location.to_owned());
        format!("http://{}{MEDIA_PREFIX}{name}", self.shared.addr)
    }

    /// Waits until at least `count` messages were accepted; panics after
    /// `timeout` with what was sent.
    pub async fn wait_for_sent(&self, count: usize, timeout: Duration) -> Vec<SentMessage> {
        let reached = wait_until(&self.shared, timeout, |state| state.sent.len() >= count).await;
        let sent = self.sent();
        assert!(
            reached,
            "expected {count} messages sent to the fake Viber within {timeout:?}, got {}: {sent:#?}",
            sent.len()
        );
        sent
    }

    /// Waits until at least `count` calls of `method` arrived.
    pub async fn wait_for_calls(&self, method: &str, count: usize, timeout: Duration) -> Vec<Call> {
        let reached = wait_until(&self.shared, timeout, |state| {
            state
                .calls
                .iter()
                .filter(|call| call.method == method)
                .count()
                >= count
        })
        .await;
        let calls = self.calls_of(method);
        assert!(
            reached,
            "expected {count} {method} calls within {timeout:?}, got {}",
            calls.len()
        );
        calls
    }

    // Callbacks, byte for byte as Viber sends them (compact JSON, raw UTF-8).

    /// `X-Viber-Content-Signature` for a body: lowercase hex HMAC-SHA256 keyed
    /// by the bot token.
    pub fn sign(bot_token: &str, body: &[u8]) -> String {
        tidings::channels::viber::sign(bot_token, body)
    }

    /// A `message` callback carrying any message object.
    pub fn callback_message(
        message_token: u64,
        user_id: &str,
        name: &str,
        message: Value,
    ) -> Vec<u8> {
        protocol::message(message_token, &user(user_id, name), message, now_millis())
    }

    pub fn callback_message_text(
        message_token: u64,
        user_id: &str,
        name: &str,
        text: &str,
    ) -> Vec<u8> {
        Self::callback_message(
            message_token,
            user_id,
            name,
            json!({"type": "text", "text": text}),
        )
    }

    pub fn callback_picture(
        message_token: u64,
        user_id: &str,
        name: &str,
        media_url: &str,
        caption: &str,
    ) -> Vec<u8> {
        Self::callback_message(
            message_token,
            user_id,
            name,
            json!({"type": "picture", "text": caption, "media": media_url, "thumbnail": media_url}),
        )
    }

    pub fn callback_file(
        message_token: u64,
        user_id: &str,
        name: &str,
        media_url: &str,
        file_name: &str,
        file_size: u64,
    ) -> Vec<u8> {
        Self::callback_message(
            message_token,
            user_id,
            name,
            json!({"type": "file", "media": media_url, "file_name": file_name, "file_size": file_size}),
        )
    }

    /// The customer opened the chat (deep link `context`, if any).
    pub fn conversation_started(
        message_token: u64,
        user_id: &str,
        name: &str,
        context: Option<&str>,
    ) -> Vec<u8> {
        protocol::conversation_started(
            message_token,
            &user(user_id, name),
            false,
            context,
            now_millis(),
        )
    }

    pub fn subscribed(message_token: u64, user_id: &str, name: &str) -> Vec<u8> {
        protocol::subscribed(message_token, &user(user_id, name), now_millis())
    }

    pub fn unsubscribed(message_token: u64, user_id: &str) -> Vec<u8> {
        protocol::unsubscribed(message_token, user_id, now_millis())
    }

    /// Our message `message_token` reached the customer's device.
    pub fn delivered(message_token: u64, user_id: &str) -> Vec<u8> {
        protocol::receipt("delivered", message_token, user_id, None, now_millis())
    }

    pub fn seen(message_token: u64, user_id: &str) -> Vec<u8> {
        protocol::receipt("seen", message_token, user_id, None, now_millis())
    }

    pub fn failed(message_token: u64, user_id: &str, desc: &str) -> Vec<u8> {
        protocol::receipt("failed", message_token, user_id, Some(desc), now_millis())
    }

    /// The handshake `set_webhook` sends.
    pub fn webhook_verification(message_token: u64) -> Vec<u8> {
        protocol::webhook_verification(message_token, now_millis())
    }

    /// POSTs a callback signed with the bot token, as Viber does; returns the
    /// webhook's status and body.
    pub async fn post_callback(
        webhook_url: &str,
        bot_token: &str,
        body: Vec<u8>,
    ) -> (StatusCode, String) {
        let signature = Self::sign(bot_token, &body);
        Self::post_callback_with_signature(webhook_url, Some(&signature), body).await
    }

    /// POSTs a callback with any signature header (or none).
    pub async fn post_callback_with_signature(
        webhook_url: &str,
        signature: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, String) {
        let mut request = reqwest::Client::new()
            .post(webhook_url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header(SIGNATURE_HEADER, signature);
        }
        let response = request.send().await.expect("the webhook answers");
        let status = response.status();
        let text = response.text().await.expect("a readable webhook answer");
        (status, text)
    }
}

fn now_millis() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(elapsed.as_millis()).expect("milliseconds fit in i64")
}

/// A customer as the fake's callbacks describe one.
fn user<'a>(id: &'a str, name: &'a str) -> User<'a> {
    User {
        id,
        name,
        avatar: Some(
            "https://media-direct.cdn.viber.com/download_photo?dlid=fake&fltp=jpg&imsz=0000",
        ),
        language: "en",
        country: "UA",
    }
}

async fn wait_until(shared: &Shared, timeout: Duration, done: impl Fn(&State) -> bool) -> bool {
    // Subscribed before the first check, so no change between them is missed.
    let mut changes = shared.changes.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if done(&shared.lock()) {
            return true;
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => {}
            _ => return done(&shared.lock()),
        }
    }
}

async fn serve_api(mut stream: TcpStream, shared: Arc<Shared>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    if request.method == "GET" {
        if let Some(name) = request.path.strip_prefix(MEDIA_PREFIX) {
            let redirect = shared.lock().redirects.get(name).cloned();
            if let Some(location) = redirect {
                respond_redirect(&mut stream, &location).await;
                return;
            }
            let media = shared.lock().media.get(name).cloned();
            match media {
                Some((content_type, bytes)) => {
                    respond(&mut stream, 200, &content_type, &bytes).await
                }
                None => respond(&mut stream, 404, "text/plain", b"gone").await,
            }
            return;
        }
    }
    let Some(method) = request
        .path
        .strip_prefix(API_PREFIX)
        .filter(|_| request.method == "POST")
    else {
        respond(&mut stream, 404, "text/plain", b"not found").await;
        return;
    };
    let method = method.to_owned();
    let auth_token = request.headers.get("x-viber-auth-token").cloned();
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let failure = {
        let mut state = shared.lock();
        state.calls.push(Call {
            method: method.clone(),
            auth_token: auth_token.clone(),
            body: body.clone(),
            at: tokio::time::Instant::now(),
        });
        take_failure(&mut state, &method)
    };
    shared.changed();
    match failure {
        Some(Failure::Drop) => return,
        Some(Failure::Stall(delay)) => {
            tokio::time::sleep(delay).await;
            return;
        }
        Some(Failure::Http(code)) => {
            let page = format!("<html><body><h1>{code}</h1></body></html>");
            respond(&mut stream, code, "text/html", page.as_bytes()).await;
            return;
        }
        Some(Failure::Status(code)) => {
            respond_json(&mut stream, &refusal(code)).await;
            return;
        }
        Some(Failure::Slow(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    let reply = answer(&shared, &method, auth_token.as_deref(), &body).await;
    shared.changed();
    match reply {
        Some(answer) => respond_json(&mut stream, &answer).await,
        None => respond(&mut stream, 404, "text/plain", b"no such method").await,
    }
}

fn take_failure(state: &mut State, method: &str) -> Option<Failure> {
    let injected = state
        .failures
        .iter_mut()
        .find(|injected| injected.method == method && injected.remaining > 0)?;
    injected.remaining -= 1;
    let failure = injected.failure.clone();
    state.failures.retain(|injected| injected.remaining > 0);
    Some(failure)
}

/// Viber's answer to one call; `None` for a method the fake does not know.
async fn answer(shared: &Shared, method: &str, token: Option<&str>, body: &Value) -> Option<Value> {
    let Some(token) = protocol::auth_token(token, body) else {
        return Some(protocol::missing_auth_token());
    };
    let Some((bot_name, webhook)) = shared
        .lock()
        .bots
        .get(token)
        .map(|bot| (bot.name.clone(), bot.webhook.clone()))
    else {
        return Some(refusal(2));
    };
    Some(match method {
        "get_account_info" => {
            let uri = bot_name.to_lowercase().replace(' ', "");
            protocol::account_info(&Account {
                name: &bot_name,
                uri: &uri,
                icon: &format!("https://media-direct.cdn.viber.com/pg_download?id={uri}"),
                location: (24.0297, 49.8397),
                country: "UA",
                webhook: &webhook.unwrap_or_default(),
                subscribers: 0,
            })
        }
        "set_webhook" => set_webhook(shared, token, body).await,
        "send_message" => send_message(shared, token, body),
        _ => return None,
    })
}

async fn set_webhook(shared: &Shared, token: &str, body: &Value) -> Value {
    let url = match protocol::webhook_url(body) {
        Ok(url) => url,
        Err(refused) => return refused,
    };
    let (verify, callback_token) = {
        let mut state = shared.lock();
        let token = state.next_callback_token;
        state.next_callback_token += 1;
        (state.verify_webhooks, token)
    };
    let outcome = if !url.is_empty() && verify {
        let outcome =
            protocol::check_webhook(&shared.http, url, token, callback_token, now_millis()).await;
        shared.lock().webhook_checks.push(WebhookCheck {
            url: url.to_owned(),
            outcome: outcome.clone(),
        });
        shared.changed();
        outcome
    } else {
        Ok(200)
    };
    if outcome == Ok(200) {
        if let Some(bot) = shared.lock().bots.get_mut(token) {
            bot.webhook = (!url.is_empty()).then(|| url.to_owned());
        }
    }
    protocol::webhook_answer(body, &outcome)
}

fn send_message(shared: &Shared, token: &str, body: &Value) -> Value {
    let outgoing = match protocol::outgoing(body) {
        Ok(outgoing) => outgoing,
        Err(code) => return refusal(code),
    };
    let mut state = shared.lock();
    if state
        .bots
        .get(token)
        .and_then(|bot| bot.webhook.as_ref())
        .is_none()
    {
        return refusal(10);
    }
    let message_token = state.next_message_token;
    state.next_message_token += 1;
    state.sent.push(SentMessage {
        bot_token: token.to_owned(),
        receiver: outgoing.receiver,
        kind: outgoing.kind,
        text: outgoing.text,
        sender_name: Some(outgoing.sender_name),
        message_token,
        body: body.clone(),
    });
    protocol::sent(message_token)
}

/// A local webhook that records every callback and answers with a chosen
/// status: a stand-in for our server when testing the channel alone.
pub struct RecordingWebhook {
    shared: Arc<WebhookShared>,
    task: JoinHandle<()>,
}

/// One request the recording webhook received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedCallback {
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

struct WebhookShared {
    received: Mutex<Vec<ReceivedCallback>>,
    answer: Mutex<u16>,
    changes: watch::Sender<u64>,
    addr: SocketAddr,
}

impl Drop for RecordingWebhook {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RecordingWebhook {
    /// Starts answering every request with 200 `{}`.
    pub async fn start() -> RecordingWebhook {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the webhook binds a local port");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(WebhookShared {
            received: Mutex::new(Vec::new()),
            answer: Mutex::new(200),
            changes: watch::channel(0).0,
            addr,
        });
        let task = tokio::spawn(accept_loop(listener, {
            let shared = Arc::clone(&shared);
            move |stream| record(stream, Arc::clone(&shared))
        }));
        RecordingWebhook { shared, task }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.shared.addr)
    }

    /// From now on, answer with this HTTP status.
    pub fn answer_with(&self, status: u16) {
        *self.shared.answer.lock().expect("not poisoned") = status;
    }

    pub fn received(&self) -> Vec<ReceivedCallback> {
        self.shared.received.lock().expect("not poisoned").clone()
    }

    /// Waits until at least `count` requests arrived; panics after `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedCallback> {
        wait_for_count(&self.shared.changes, count, timeout, || self.received()).await
    }
}

/// Waits (woken by `changes`) until `read` lists at least `count` requests;
/// panics after `timeout`.
pub(crate) async fn wait_for_count<T: std::fmt::Debug>(
    changes: &watch::Sender<u64>,
    count: usize,
    timeout: Duration,
    read: impl Fn() -> Vec<T>,
) -> Vec<T> {
    let mut changes = changes.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    while read().len() < count {
        if !matches!(
            tokio::time::timeout_at(deadline, changes.changed()).await,
            Ok(Ok(()))
        ) {
            break;
        }
    }
    let received = read();
    assert!(
        received.len() >= count,
        "expected {count} requests within {timeout:?}, got {}: {received:?}",
        received.len()
    );
    received
}

async fn record(mut stream: TcpStream, shared: Arc<WebhookShared>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    shared
        .received
        .lock()
        .expect("not poisoned")
        .push(ReceivedCallback {
            path: request.path,
            headers: request.headers,
            body: request.body,
        });
    shared.changes.send_modify(|version| *version += 1);
    let status = *shared.answer.lock().expect("not poisoned");
    respond(&mut stream, status, "application/json", b"{}").await;
}

// A minimal HTTP/1.1 server: one request per connection, Content-Length bodies.

pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: Vec<u8>,
}

pub(crate) async fn accept_loop<F, Fut>(listener: TcpListener, serve: F)
where
    F: Fn(TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(serve(stream));
            }
            Err(_) => tokio::task::yield_now().await,
        }
    }
}

pub(crate) async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    const MAX_HEAD: usize = 64 * 1024;
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 8192];
    let head_end = loop {
        if let Some(index) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break index;
        }
        if buffer.len() > MAX_HEAD {
            return None;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|length| length.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    body.truncate(length);
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

pub(crate) async fn respond(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or("Unknown");
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    // The client may have given up (a timeout test): nothing to do then.
    if stream.write_all(head.as_bytes()).await.is_ok() && stream.write_all(body).await.is_ok() {
        let _ = stream.shutdown().await;
    }
}

async fn respond_redirect(stream: &mut TcpStream, location: &str) {
    let head = format!(
        "HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).await.is_ok() {
        let _ = stream.shutdown().await;
    }
}

pub(crate) async fn respond_json(stream: &mut TcpStream, value: &Value) {
    let body = serde_json::to_vec(value).expect("a JSON value serializes");
    respond(stream, 200, "application/json", &body).await;
}
