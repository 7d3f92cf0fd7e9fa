//! A fake Web Push service over real HTTP on `127.0.0.1:0`, standing in for
//! the browsers' push services. It hands out subscriptions made like a
//! browser makes them (a P-256 key pair and a 16-byte auth secret per
//! device), and for each push it receives checks the VAPID `Authorization`
//! (`vapid t=<jwt>, k=<key>`: an ES256 signature by the expected server key,
//! `aud` the endpoint's origin, `exp` within 24 hours, `sub` present) and
//! DECRYPTS the `aes128gcm` body with that device's private key and secret
//! (RFC 8291, through `web-push-native`). Each endpoint can be told to answer
//! `410`, `500` a few times, or hang. Waits are on conditions, never sleeps.
//! A benchmark may have the checks run after its timed window instead
//! ([`FakePush::check_later`]), so they do not share the cores with it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use web_push_native::jwt_simple::prelude::{
    Duration as JwtDuration, ECDSAP256PublicKeyLike, ES256PublicKey, NoCustomClaims,
    VerificationOptions,
};
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;
use web_push_native::p256::SecretKey;
use web_push_native::Auth;

use crate::fake_viber::{accept_loop, read_request, respond, wait_for_count};

/// A device's subscription as a browser's `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone)]
pub struct Device {
    pub name: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

impl Device {
    /// The body of `POST /api/v1/push/subscriptions`.
    pub fn subscription(&self) -> Value {
        json!({"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}})
    }
}

/// One push the fake accepted: verified, decrypted.
#[derive(Debug, Clone)]
pub struct Push {
    /// The device it was sent to.
    pub device: String,
    pub payload: Value,
    pub ttl: Option<String>,
    pub urgency: Option<String>,
    pub topic: Option<String>,
}

/// How an endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `201 Created` after verifying and decrypting.
    Accept,
    /// This status, every time.
    Always(u16),
    /// This status for the next `n` requests, then [`Answer::Accept`].
    Times(u16, usize),
    /// Never answers (the connection stays open).
    Hang,
}

struct Keys {
    secret: SecretKey,
    auth: Auth,
}

#[derive(Default)]
struct State {
    server_key: Option<String>,
    devices: HashMap<String, Keys>,
    answers: HashMap<String, Answer>,
    pushes: Vec<Push>,
    /// Requests refused: why (a bad signature, an undecryptable body …).
    rejected: Vec<String>,
    /// Requests answered with an error status or left hanging, per device.
    refused: HashMap<String, usize>,
    /// Pushes answered at once and kept to check later, when checks wait.
    held: Option<Vec<Held>>,
    /// Pushes waiting at the closed gate.
    waiting: usize,
}

/// A push received but not checked yet.
struct Held {
    device: String,
    origin: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

struct Shared {
    state: Mutex<State>,
    changes: watch::Sender<u64>,
    /// Whether pushes are answered; while closed they wait (see
    /// [`FakePush::close_gate`]).
    gate: watch::Sender<bool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn changed(&self) {
        self.changes.send_modify(|version| *version += 1);
    }
}

/// The fake push service; stops serving when dropped.
pub struct FakePush {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for FakePush {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakePush {
    pub async fn start() -> FakePush {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the push service binds a local port");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changes: watch::channel(0).0,
            gate: watch::channel(true).0,
        });
        let task = tokio::spawn(accept_loop(listener, {
            let shared = Arc::clone(&shared);
            move |stream| serve(stream, Arc::clone(&shared), addr)
        }));
        FakePush { shared, addr, task }
    }

    /// `127.0.0.1:PORT`: the `TIDINGS_PUSH_HOSTS` entry that admits it.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// From now on, pushes wait unanswered until [`FakePush::open_gate`]:
    /// a test can change the world between a push's send and its answer.
    pub fn close_gate(&self) {
        self.shared.gate.send_replace(false);
    }

    /// Answers the waiting pushes, and later ones at once.
    pub fn open_gate(&self) {
        self.shared.gate.send_replace(true);
    }

    /// Waits until `count` pushes wait at the closed gate; panics after `timeout`.
    pub async fn wait_for_waiting(&self, count: usize, timeout: Duration) {
        let mut changes = self.shared.changes.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        while self.shared.lock().waiting < count {
            let changed = tokio::time::timeout_at(deadline, changes.changed()).await;
            assert!(
                matches!(changed, Ok(Ok(()))),
                "expected {count} pushes waiting at the gate within {timeout:?}"
            );
        }
    }

    /// Pushes must be signed with this key (the server's `public_key`).
    pub fn expect_server_key(&self, public_key: &str) {
        self.shared.lock().server_key = Some(public_key.to_owned());
    }

    /// A new device, with keys generated as a browser does.
    pub fn device(&self, name: &str) -> Device {
        let secret = SecretKey::random(&mut rand::rngs::OsRng);
        let mut auth = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        let device = Device {
            name: name.to_owned(),
            endpoint: format!("http://{}/push/{name}", self.addr),
            p256dh: URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes()),
            auth: URL_SAFE_NO_PAD.encode(auth),
        };
        self.shared.lock().devices.insert(
            name.to_owned(),
            Keys {
                secret,
                auth: Auth::clone_from_slice(&auth),
            },
        );
        device
    }

    pub fn answer(&self, device: &str, answer: Answer) {
        self.shared.lock().answers.insert(device.to_owned(), answer);
    }

    pub fn pushes(&self) -> Vec<Push> {
        self.shared.lock().pushes.clone()
    }

    /// From now on, answers each push `201` at once and keeps it, unchecked,
    /// for [`FakePush::check_held`]: the verification and decryption then
    /// run after a benchmark's timed window rather than on its cores.
    pub fn check_later(&self) {
        self.shared.lock().held.get_or_insert_with(Vec::new);
    }

    /// Pushes received: those checked and accepted, and those held unchecked.
    pub fn received(&self) -> usize {
        let state = self.shared.lock();
        state.pushes.len() + state.held.as_ref().map_or(0, Vec::len)
    }

    /// Checks each held push (the VAPID signature, then decrypting it), as
    /// if it had just arrived: accepted or rejected; checks wait no longer.
    pub fn check_held(&self) {
        let held = self.shared.lock().held.take().unwrap_or_default();
        for push in held {
            // A rejected push is kept with why, in `rejected`.
            let _ = accept_or_reject(
                &self.shared,
                push.device,
                &push.origin,
                &push.headers,
                push.body,
            );
        }
        self.shared.changed();
    }

    /// The pushes one device received.
    pub fn pushes_to(&self, device: &str) -> Vec<Push> {
        self.pushes()
            .into_iter()
            .filter(|p| p.device == device)
            .collect()
    }

    pub fn rejected(&self) -> Vec<String> {
        self.shared.lock().rejected.clone()
    }

    /// Requests to `device` answered with an error or left hanging.
    pub fn refused(&self, device: &str) -> usize {
        self.shared.lock().refused.get(device).copied().unwrap_or(0)
    }

    /// Waits until at least `count` pushes were accepted; panics after `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Push> {
        wait_for_count(&self.shared.changes, count, timeout, || self.pushes()).await
    }

    /// Waits until `device` received at least `count` pushes.
    pub async fn wait_for_device(
        &self,
        device: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<Push> {
        wait_for_count(&self.shared.changes, count, timeout, || {
            self.pushes_to(device)
        })
        .await
    }

    /// Waits until `device` got `count` refused or hanging requests.
    pub async fn wait_for_refused(&self, device: &str, count: usize, timeout: Duration) {
        wait_for_count(&self.shared.changes, count, timeout, || {
            vec![(); self.refused(device)]
        })
        .await;
    }
}

/// base64url (no padding), as keys travel.
pub fn decode(value: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(value)
        .unwrap_or_else(|err| panic!("{value:?} is not base64url: {err}"))
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>, addr: SocketAddr) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let Some(device) = request.path.strip_prefix("/push/").map(str::to_owned) else {
        respond(&mut stream, 404, "text/plain", b"no such endpoint").await;
        return;
    };
    let mut gate = shared.gate.subscribe();
    if !*gate.borrow_and_update() {
        shared.lock().waiting += 1;
        shared.changed();
        // The sender lives as long as the fake: this ends when the gate opens.
        let _ = gate.wait_for(|open| *open).await;
        shared.lock().waiting -= 1;
    }
    let answer = {
        let mut state = shared.lock();
        let answer = state
            .answers
            .get(&device)
            .copied()
            .unwrap_or(Answer::Accept);
        if let Answer::Times(status, n) = answer {
            let next = if n <= 1 {
                Answer::Accept
            } else {
                Answer::Times(status, n - 1)
            };
            state.answers.insert(device.clone(), next);
        }
        if answer != Answer::Accept {
            *state.refused.entry(device.clone()).or_insert(0) += 1;
        }
        answer
    };
    let refuse_with = match answer {
        Answer::Accept => None,
        Answer::Always(status) | Answer::Times(status, _) => Some(status),
        Answer::Hang => {
            shared.changed();
            tokio::time::sleep(Duration::from_secs(600)).await;
            return;
        }
    };
    if let Some(status) = refuse_with {
        shared.changed();
        respond(&mut stream, status, "text/plain", b"refused").await;
        return;
    }
    let origin = format!("http://{addr}");
    // Held to check later (see `FakePush::check_later`), or checked now.
    let request = {
        let mut state = shared.lock();
        match state.held.as_mut() {
            Some(held) => {
                held.push(Held {
                    device: device.clone(),
                    origin: origin.clone(),
                    headers: request.headers,
                    body: request.body,
                });
                None
            }
            None => Some(request),
        }
    };
    let Some(request) = request else {
        shared.changed();
        respond(&mut stream, 201, "text/plain", b"").await;
        return;
    };
    let checked = accept_or_reject(&shared, device, &origin, &request.headers, request.body);
    shared.changed();
    match checked {
        Ok(()) => respond(&mut stream, 201, "text/plain", b"").await,
        Err(why) => respond(&mut stream, 400, "text/plain", why.as_bytes()).await,
    }
}

/// Checks one push and keeps it as accepted or rejected; why if rejected.
fn accept_or_reject(
    shared: &Shared,
    device: String,
    origin: &str,
    headers: &HashMap<String, String>,
    body: Vec<u8>,
) -> Result<(), String> {
    match check(shared, &device, origin, headers, body) {
        Ok(payload) => {
            let header = |name: &str| headers.get(name).cloned();
            shared.lock().pushes.push(Push {
                device,
                payload,
                ttl: header("ttl"),
                urgency: header("urgency"),
                topic: header("topic"),
            });
            Ok(())
        }
        Err(why) => {
            shared.lock().rejected.push(why.clone());
            Err(why)
        }
    }
}

/// Verifies the VAPID header and decrypts the body; the payload's JSON.
fn check(
    shared: &Shared,
    device: &str,
    origin: &str,
    headers: &HashMap<String, String>,
    body: Vec<u8>,
) -> Result<Value, String> {
    let authorization = headers
        .get("authorization")
        .ok_or("no Authorization header")?;
    let rest = authorization
        .strip_prefix("vapid ")
        .ok_or_else(|| format!("not a vapid Authorization: {authorization}"))?;
    let mut token = None;
    let mut key = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => token = Some(value.to_owned()),
            Some(("k", value)) => key = Some(value.to_owned()),
            _ => {}
        }
    }
    let (token, key) = token.zip(key).ok_or("vapid needs t= and k=")?;
    let (expected_key, keys) = {
        let state = shared.lock();
        let keys = state
            .devices
            .get(device)
            .map(|k| (k.secret.clone(), k.auth))
            .ok_or_else(|| format!("unknown device {device}"))?;
        (state.server_key.clone(), keys)
    };
    if expected_key
        .as_deref()
        .is_some_and(|expected| expected != key)
    {
        return Err(format!("signed with another key: {key}"));
    }
    let key_bytes = URL_SAFE_NO_PAD
        .decode(&key)
        .map_err(|err| format!("k= is not base64url: {err}"))?;
    let public = ES256PublicKey::from_bytes(&key_bytes).map_err(|err| format!("k=: {err}"))?;
    let options = VerificationOptions {
        allowed_audiences: Some([origin.to_owned()].into_iter().collect()),
        ..VerificationOptions::default()
    };
    let claims = public
        .verify_token::<NoCustomClaims>(&token, Some(options))
        .map_err(|err| format!("the VAPID token does not verify: {err}"))?;
    let expires = claims.expires_at.ok_or("no exp")?;
    let now = web_push_native::jwt_simple::prelude::Clock::now_since_epoch();
    if expires > now + JwtDuration::from_hours(24) {
        return Err("exp is more than 24 hours away".into());
    }
    if claims.subject.as_deref().is_none_or(str::is_empty) {
        return Err("no sub".into());
    }
    if headers.get("content-encoding").map(String::as_str) != Some("aes128gcm") {
        return Err("Content-Encoding is not aes128gcm".into());
    }
    let (secret, auth) = keys;
    let plain = web_push_native::decrypt(body, &secret, &auth)
        .map_err(|err| format!("cannot decrypt: {err}"))?;
    serde_json::from_slice(&plain).map_err(|err| format!("the payload is not JSON: {err}"))
}
