//! A fake WhatsApp Cloud (Graph) API over real HTTP on `127.0.0.1:0`, for
//! aiming `TIDINGS_WHATSAPP_API_URL` at: the number check (`GET
//! /{phone_number_id}`), `POST /{phone_number_id}/messages` and `/media`
//! (recorded, answered with `wamid.` ids and media ids), media lookups
//! (`GET /{media_id}` → `{url, mime_type, file_size}`) with the files served
//! behind the bearer token, approved templates, and Graph errors injected by
//! `error.code` (a rate limit arrives as HTTP 400, like Meta's). Also builds
//! and signs webhook notifications exactly like Meta. Waits are on
//! conditions, never fixed sleeps.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use tidings::demo::simulator::protocol::whatsapp::{self as protocol, Business, GraphError};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::fake_viber::{accept_loop, read_request, respond, respond_json};

const VERSION: &str = "/v21.0/";
const MEDIA_PREFIX: &str = "/whatsapp_media/";
pub use protocol::SIGNATURE_HEADER;
/// The business account the notifications the fake builds are about.
const ACCOUNT_ID: &str = "102290129340398";
/// The number's display form in notifications (digits only).
const DISPLAY_DIGITS: &str = "15550100199";

/// One message `POST /{phone_number_id}/messages` accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    pub phone_number_id: String,
    pub to: String,
    /// `text`, `image`, `document`, `template` …
    pub kind: String,
    pub id: String,
    /// The whole request body.
    pub body: Value,
}

impl SentMessage {
    pub fn text(&self) -> Option<&str> {
        self.body.pointer("/text/body").and_then(Value::as_str)
    }
}

/// One upload to `POST /{phone_number_id}/media`.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub phone_number_id: String,
    pub content_type: String,
    /// The raw multipart body.
    pub body: Vec<u8>,
    pub media_id: String,
}

/// One API call as received (failed ones included).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
}

struct Number {
    token: String,
    display_phone_number: String,
    verified_name: String,
}

struct Injected {
    /// The last path segment the failure applies to (`messages`, `media`).
    endpoint: String,
    error: GraphError,
    remaining: usize,
}

#[derive(Default)]
struct State {
    numbers: HashMap<String, Number>,
    /// Media by id: where the Graph API says it is, its type and size.
    media: HashMap<String, (String, String, usize)>,
    /// Files the fake serves at `MEDIA_PREFIX`: type and bytes.
    files: HashMap<String, (String, Vec<u8>)>,
    templates: HashMap<String, Vec<Value>>,
    sent: Vec<SentMessage>,
    uploads: Vec<Upload>,
    calls: Vec<Call>,
    failures: Vec<Injected>,
    next_id: u64,
}

struct Shared {
    state: Mutex<State>,
    changes: watch::Sender<u64>,
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

/// The fake Graph API; stops serving when dropped.
pub struct FakeWhatsApp {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for FakeWhatsApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeWhatsApp {
    pub async fn start() -> FakeWhatsApp {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake Graph API binds a local port");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changes: watch::channel(0).0,
            addr,
        });
        let task = tokio::spawn(accept_loop(listener, {
            let shared = Arc::clone(&shared);
            move |stream| serve(stream, Arc::clone(&shared))
        }));
        FakeWhatsApp { shared, task }
    }

    /// The API base, for `TIDINGS_WHATSAPP_API_URL`: `http://127.0.0.1:PORT/v21.0`.
    pub fn url(&self) -> Url {
        Url::parse(&format!("http://{}/v21.0", self.shared.addr)).expect("a valid URL")
    }

    /// Makes `phone_number_id` a business number reachable with `token`.
    pub fn add_number(&self, phone_number_id: &str, token: &str, verified_name: &str) {
        self.shared.lock().numbers.insert(
            phone_number_id.to_owned(),
            Number {
                token: token.to_owned(),
                display_phone_number: "+1 555-010-0199".to_owned(),
                verified_name: verified_name.to_owned(),
            },
        );
    }

    /// The business account's templates, as `GET /{waba}/message_templates` lists them.
    pub fn set_templates(&self, business_account_id: &str, templates: Vec<Value>) {
        self.shared
            .lock()
            .templates
            .insert(business_account_id.to_owned(), templates);
        self.shared.changed();
    }

    /// A customer's media: the Graph API answers `GET /{media_id}` with a URL
    /// on the fake itself, served to requests with a bearer token.
    pub fn host_media(&self, media_id: &str, mime: &str, bytes: &[u8]) {
        let url = format!("http://{}{MEDIA_PREFIX}{media_id}", self.shared.addr);
        let mut state = self.shared.lock();
        state
            .files
            .insert(media_id.to_owned(), (mime.to_owned(), bytes.to_vec()));
        state
            .media
            .insert(media_id.to_owned(), (url, mime.to_owned(), bytes.len()));
    }

    /// A media id the Graph API places at `url` (another host, say).
    pub fn media_elsewhere(&self, media_id: &str, url: &str) {
        self.shared.lock().media.insert(
            media_id.to_owned(),
            (url.to_owned(), "image/jpeg".to_owned(), 10),
        );
    }

    /// The next `times` calls to `endpoint` (`messages`, `media`, a number
    /// id …) answer with this Graph error.
    pub fn fail_next(&self, endpoint: &str, http: u16, code: i64, title: &str, times: usize) {
        self.shared.lock().failures.push(Injected {
            endpoint: endpoint.to_owned(),
            error: GraphError::new(http, code, title, title),
            remaining: times,
        });
    }

    pub fn sent(&self) -> Vec<SentMessage> {
        self.shared.lock().sent.clone()
    }

    pub fn uploads(&self) -> Vec<Upload> {
        self.shared.lock().uploads.clone()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Waits until at least `count` messages were accepted.
    pub async fn wait_for_sent(&self, count: usize, timeout: Duration) -> Vec<SentMessage> {
        let reached = self
            .wait_until(timeout, |state| state.sent.len() >= count)
            .await;
        let sent = self.sent();
        assert!(
            reached,
            "expected {count} messages sent to the fake Graph API within {timeout:?}, got {}: {sent:#?}",
            sent.len()
        );
        sent
    }

    /// Waits until at least `count` calls whose path ends with `endpoint` arrived.
    pub async fn wait_for_calls(
        &self,
        endpoint: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<Call> {
        let matches = |call: &Call| {
            call.path
                .split('?')
                .next()
                .unwrap_or_default()
                .ends_with(endpoint)
        };
        let reached = self
            .wait_until(timeout, |state| {
                state.calls.iter().filter(|c| matches(c)).count() >= count
            })
            .await;
        let calls: Vec<Call> = self.calls().into_iter().filter(|c| matches(c)).collect();
        assert!(
            reached,
            "expected {count} calls to {endpoint}, got {}",
            calls.len()
        );
        calls
    }

    async fn wait_until(&self, timeout: Duration, done: impl Fn(&State) -> bool) -> bool {
        let mut changes = self.shared.changes.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if done(&self.shared.lock()) {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => return done(&self.shared.lock()),
            }
        }
    }

    // Notifications, as Meta posts them.

    /// `X-Hub-Signature-256` for a body: `sha256=` and the hex HMAC-SHA256
    /// keyed by the app secret.
    pub fn sign(app_secret: &str, body: &[u8]) -> String {
        tidings::channels::whatsapp::sign(app_secret, body)
    }

    /// A `messages` notification for a business number.
    pub fn notification(phone_number_id: &str, value: Value) -> Vec<u8> {
        protocol::notification(&business(phone_number_id), value)
    }

    /// A customer's message (`message` holds `type` and its object).
    pub fn message(
        phone_number_id: &str,
        wa_id: &str,
        name: &str,
        id: &str,
        timestamp: i64,
        message: Value,
    ) -> Vec<u8> {
        protocol::message_notification(
            &business(phone_number_id),
            wa_id,
            name,
            id,
            timestamp,
            message,
        )
    }

    pub fn text(
        phone_number_id: &str,
        wa_id: &str,
        name: &str,
        id: &str,
        timestamp: i64,
        text: &str,
    ) -> Vec<u8> {
        Self::message(
            phone_number_id,
            wa_id,
            name,
            id,
            timestamp,
            json!({"type": "text", "text": {"body": text}}),
        )
    }

    /// A status of our message `id` (`sent`, `delivered`, `read`, `failed`).
    pub fn status(
        phone_number_id: &str,
        id: &str,
        status: &str,
        recipient: &str,
        errors: Option<Value>,
    ) -> Vec<u8> {
        let status = protocol::status(id, recipient, status, 1_750_000_000, errors);
        Self::notification(phone_number_id, json!({"statuses": [status]}))
    }

    /// POSTs a notification signed with the app secret; returns the status and body.
    pub async fn post(webhook_url: &str, app_secret: &str, body: Vec<u8>) -> (StatusCode, String) {
        let signature = Self::sign(app_secret, &body);
        Self::post_with_signature(webhook_url, Some(&signature), body).await
    }

    pub async fn post_with_signature(
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
        (status, response.text().await.expect("a readable answer"))
    }
}

fn business(phone_number_id: &str) -> Business<'_> {
    Business {
        account_id: ACCOUNT_ID,
        phone_number_id,
        display_phone_number: DISPLAY_DIGITS,
    }
}

async fn respond_error(stream: &mut TcpStream, error: &GraphError) {
    let body = serde_json::to_vec(&error.json()).expect("JSON serializes");
    respond(stream, error.status, "application/json", &body).await;
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let authorization = request.headers.get("authorization").cloned();
    let token = protocol::bearer(authorization.as_deref()).map(str::to_owned);
    if let Some(media_id) = request.path.strip_prefix(MEDIA_PREFIX) {
        let file = shared.lock().files.get(media_id).cloned();
        match (file, token) {
            (Some((mime, bytes)), Some(_)) => respond(&mut stream, 200, &mime, &bytes).await,
            (Some(_), None) => respond(&mut stream, 401, "text/plain", b"no token").await,
            (None, _) => respond(&mut stream, 404, "text/plain", b"gone").await,
        }
        return;
    }
    let Some(path) = request.path.strip_prefix(VERSION).map(str::to_owned) else {
        respond(&mut stream, 404, "text/plain", b"not found").await;
        return;
    };
    let object_path = path.split('?').next().unwrap_or_default().to_owned();
    let segments: Vec<&str> = object_path.split('/').collect();
    let failure = {
        let mut state = shared.lock();
        state.calls.push(Call {
            method: request.method.clone(),
            path: path.clone(),
            authorization: authorization.clone(),
        });
        let endpoint = segments.last().copied().unwrap_or_default();
        let injected = state
            .failures
            .iter_mut()
            .find(|injected| injected.endpoint == endpoint && injected.remaining > 0);
        let failure = injected.map(|injected| {
            injected.remaining -= 1;
            injected.error.clone()
        });
        state.failures.retain(|injected| injected.remaining > 0);
        failure
    };
    shared.changed();
    if let Some(error) = failure {
        respond_error(&mut stream, &error).await;
        return;
    }
    let Some(token) = token else {
        respond_error(&mut stream, &protocol::token_required()).await;
        return;
    };
    let answer = answer(
        &shared,
        &request.method,
        &segments,
        &token,
        &request.headers,
        &request.body,
    );
    shared.changed();
    match answer {
        Ok(value) => respond_json(&mut stream, &value).await,
        Err(error) => respond_error(&mut stream, &error).await,
    }
}

fn answer(
    shared: &Shared,
    method: &str,
    segments: &[&str],
    token: &str,
    headers: &HashMap<String, String>,
    body: &[u8],
) -> Result<Value, GraphError> {
    let mut state = shared.lock();
    let bad_token = protocol::token_invalid;
    let unknown = protocol::unknown_object;
    match (method, segments) {
        ("GET", [id]) => {
            if let Some(number) = state.numbers.get(*id) {
                if number.token != token {
                    return Err(bad_token());
                }
                return Ok(protocol::number(&protocol::Number {
                    id,
                    verified_name: &number.verified_name,
                    display_phone_number: &number.display_phone_number,
                }));
            }
            if !state.numbers.values().any(|number| number.token == token) {
                return Err(bad_token());
            }
            match state.media.get(*id) {
                Some((url, mime, size)) => Ok(protocol::medium(
                    id,
                    url,
                    mime,
                    *size,
                    "c1ab3e1cb2e2d1a9c9f7e1a1f1c1b1a1",
                )),
                None => Err(unknown(id)),
            }
        }
        ("GET", [account, "message_templates"]) => {
            if !state.numbers.values().any(|number| number.token == token) {
                return Err(bad_token());
            }
            let templates = state.templates.get(*account).cloned().unwrap_or_default();
            Ok(protocol::templates_page(templates))
        }
        ("POST", [id, "messages"]) => {
            let number = state.numbers.get(*id).ok_or_else(|| unknown(id))?;
            if number.token != token {
                return Err(bad_token());
            }
            let outgoing = protocol::outgoing(body)?;
            state.next_id += 1;
            let wamid = protocol::wamid(state.next_id, &outgoing.wa_id);
            state.sent.push(SentMessage {
                phone_number_id: (*id).to_owned(),
                to: outgoing.to.clone(),
                kind: outgoing.kind.clone(),
                id: wamid.clone(),
                body: serde_json::from_slice(body).unwrap_or(Value::Null),
            });
            Ok(protocol::accepted(&outgoing, &wamid))
        }
        ("POST", [id, "media"]) => {
            let number = state.numbers.get(*id).ok_or_else(|| unknown(id))?;
            if number.token != token {
                return Err(bad_token());
            }
            state.next_id += 1;
            let media_id = format!("{}", 1_000_000_000_000_000 + state.next_id);
            state.uploads.push(Upload {
                phone_number_id: (*id).to_owned(),
                content_type: headers.get("content-type").cloned().unwrap_or_default(),
                body: body.to_vec(),
                media_id: media_id.clone(),
            });
            Ok(json!({"id": media_id}))
        }
        (_, segments) => Err(protocol::unknown_path(
            segments.last().copied().unwrap_or_default(),
        )),
    }
}
