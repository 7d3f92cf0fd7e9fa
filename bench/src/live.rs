//! `live`: K WebSocket sessions signed in (admins, employees, followers of
//! every chat), then customer messages to existing chats at a fixed rate.
//! Measures the time from the webhook's 200 to the `message_received` frame
//! on each socket (matched on a marker in the message text), and the memory
//! each session costs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use futures_util::StreamExt;
use shared::Id;
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::corpus::{self, Rng};
use crate::harness::{Api, Harness, USER_PASSWORD};
use crate::ingest::{self, marker, parse_marker, Updates};
use crate::loadgen::{self, Phase};
use crate::progress;
use crate::stats::{rss_kib, Latencies};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;
/// When each marked message was sent, and when its 200 was read.
type SendTimes = HashMap<usize, (Instant, Option<Instant>)>;

#[derive(Debug, Clone)]
pub struct Params {
    pub sessions: usize,
    /// Customers (chats) the measured messages go to.
    pub chats: u64,
    pub rate: f64,
    pub duration: Duration,
}

pub struct Outcome {
    pub sessions: usize,
    pub webhooks: Phase,
    /// Webhook 200 (as the sender saw it) to the frame on a socket.
    pub after_200: Latencies,
    /// Webhook sent to the frame on a socket.
    pub end_to_end: Latencies,
    /// Frames that arrived before the sender had read the 200.
    pub before_200: u64,
    pub expected_events: u64,
    pub received_events: u64,
    pub frames: u64,
    pub dropped_sessions: usize,
    pub rss_before_kib: Option<u64>,
    pub rss_after_kib: Option<u64>,
}

impl Outcome {
    /// Resident memory each session added (client and server sides, both
    /// in this process), in KiB.
    pub fn kib_per_session(&self) -> Option<f64> {
        let (before, after) = (self.rss_before_kib?, self.rss_after_kib?);
        Some(after.saturating_sub(before) as f64 / self.sessions.max(1) as f64)
    }
}

/// Marker carried in each measured message's text.
const MARK: &str = "L";

pub async fn run(harness: &Harness, params: &Params, quiet: bool) -> anyhow::Result<Outcome> {
    // People: the admin, three employees in the queue, two followers.
    let mut employees = Vec::new();
    for i in 1..=3 {
        employees.push(
            harness
                .create_user(&format!("Employee {i}"), "employee")
                .await?,
        );
    }
    let mut followers = Vec::new();
    for i in 1..=2 {
        followers.push(
            harness
                .create_user(&format!("Follower {i}"), "follower")
                .await?,
        );
    }
    let queue: Vec<Id> = employees.iter().map(|(id, _)| *id).collect();
    let hook = harness.telegram_integration(&queue, None, None).await?;
    let client = ingest::load_client()?;

    // The chats exist before measuring.
    let chat_ids = ingest::open_chats(harness, &client, &hook, params.chats).await?;
    // The measured messages come from the same customers.
    let updates = Updates::new(1, params.chats);
    let follower_ids: Vec<Id> = followers.iter().map(|(id, _)| *id).collect();
    for chat_id in &chat_ids {
        let response = harness
            .admin
            .put(
                &format!("/api/v1/chats/{chat_id}/followers"),
                &serde_json::json!({ "user_ids": follower_ids }),
            )
            .await?;
        anyhow::ensure!(
            response.status() == 200,
            "cannot set followers: {}",
            response.status()
        );
    }

    // Sessions: 1 in 5 admin, 3 in 5 employees, 1 in 5 followers.
    let mut cookies = vec![harness.admin.cookie.clone()];
    for (_, email) in employees.iter().chain(&followers) {
        cookies.push(Api::login(harness.addr, email, USER_PASSWORD).await?.cookie);
    }
    let cookie_for = |i: usize| -> String {
        match i % 5 {
            0 => cookies[0].clone(),
            4 => cookies[4 + (i / 5) % 2].clone(),
            k => cookies[k].clone(),
        }
    };
    let rss_before_kib = rss_kib();
    let bar = progress::bar(quiet, params.sessions as u64, "connecting sockets");
    let mut connecting = JoinSet::new();
    let gate = Arc::new(Semaphore::new(32));
    for i in 0..params.sessions {
        let (cookie, addr, gate, bar) = (cookie_for(i), harness.addr, gate.clone(), bar.clone());
        connecting.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let socket = connect(addr, &cookie).await;
            bar.inc(1);
            socket
        });
    }
    let mut sockets = Vec::with_capacity(params.sessions);
    while let Some(socket) = connecting.join_next().await {
        sockets.push(socket.context("a connecting task failed")??);
    }
    bar.finish_and_clear();
    // The server waits up to 2 s for a resuming client's first frame before
    // a session goes live; let every session get there.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let rss_after_kib = rss_kib();

    let (stop, stopped) = watch::channel(false);
    let received = Arc::new(AtomicU64::new(0));
    let mut readers = JoinSet::new();
    for socket in sockets {
        readers.spawn(read(socket, stopped.clone(), received.clone()));
    }

    // Measured messages: marker `n` goes to customer `n % chats`.
    let count = ((params.rate * params.duration.as_secs_f64()).round() as usize).max(1);
    let times: Arc<Mutex<SendTimes>> = Arc::default();
    let bar = progress::bar(
        quiet,
        count as u64,
        &format!("webhooks @ {:.0}/s", params.rate),
    );
    let fire = {
        let (client, url, secret, times) = (
            client.clone(),
            hook.url.clone(),
            hook.secret.clone(),
            times.clone(),
        );
        let next_id = AtomicU64::new(1_000_000);
        move |n: usize| {
            let (client, url, secret, times) =
                (client.clone(), url.clone(), secret.clone(), times.clone());
            let update_id = next_id.fetch_add(1, Ordering::Relaxed) as i64;
            let customer = (n as u64 % params.chats) as i64;
            let name = corpus::name(&mut Rng::new(customer as u64));
            let text = format!(
                "{} {}",
                corpus::customer_text(&mut Rng::new(update_id as u64)),
                marker(MARK, n)
            );
            let body = updates.body(update_id, customer, &name, &text);
            async move {
                let sent = Instant::now();
                lock(&times).insert(n, (sent, None));
                let ok = ingest::post_update(&client, &url, &secret, body).await;
                if ok {
                    if let Some(entry) = lock(&times).get_mut(&n) {
                        entry.1 = Some(Instant::now());
                    }
                }
                ok
            }
        }
    };
    let webhooks = loadgen::open_loop(params.rate, count, 4096, &bar, fire).await;
    bar.finish_and_clear();

    let expected_events = webhooks.ok * params.sessions as u64;
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.load(Ordering::Relaxed) < expected_events && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(true);
    let mut outcome = Outcome {
        sessions: params.sessions,
        webhooks,
        after_200: Latencies::new(),
        end_to_end: Latencies::new(),
        before_200: 0,
        expected_events,
        received_events: 0,
        frames: 0,
        dropped_sessions: 0,
        rss_before_kib,
        rss_after_kib,
    };
    let times = lock(&times).clone();
    while let Some(log) = readers.join_next().await {
        let log = log.context("a socket reader failed")?;
        outcome.frames += log.frames;
        outcome.dropped_sessions += usize::from(log.closed_early);
        for (n, at) in log.events {
            let Some((sent, Some(answered))) = times.get(&n) else {
                continue;
            };
            outcome.received_events += 1;
            outcome
                .end_to_end
                .record(at.saturating_duration_since(*sent));
            if at < *answered {
                outcome.before_200 += 1;
            }
            outcome
                .after_200
                .record(at.saturating_duration_since(*answered));
        }
    }
    Ok(outcome)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Opens a signed-in socket and waits for the hello.
async fn connect(addr: SocketAddr, cookie: &str) -> anyhow::Result<Socket> {
    let mut request = format!("ws://{addr}/ws").into_client_request()?;
    request
        .headers_mut()
        .insert("Origin", HeaderValue::from_str(&format!("http://{addr}"))?);
    request
        .headers_mut()
        .insert("Cookie", HeaderValue::from_str(cookie)?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let hello = tokio::time::timeout(Duration::from_secs(30), socket.next())
        .await
        .context("no hello within 30 s")?
        .context("the socket closed before the hello")??;
    anyhow::ensure!(
        hello.to_text().is_ok_and(|t| t.contains("\"hello\"")),
        "the first frame is not the hello: {hello:?}"
    );
    Ok(socket)
}

struct SessionLog {
    events: Vec<(usize, Instant)>,
    frames: u64,
    closed_early: bool,
}

/// Reads frames until told to stop; notes when each marked message arrived.
/// Frames are only scanned, not decoded: the client must not be the bottleneck.
async fn read(
    mut socket: Socket,
    mut stop: watch::Receiver<bool>,
    received: Arc<AtomicU64>,
) -> SessionLog {
    let mut log = SessionLog {
        events: Vec::new(),
        frames: 0,
        closed_early: false,
    };
    loop {
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let at = Instant::now();
                    log.frames += 1;
                    if text.contains("\"message_received\"") {
                        if let Some(n) = parse_marker(MARK, &text) {
                            log.events.push((n, at));
                            received.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    log.closed_early = true;
                    break;
                }
            },
            _ = stop.changed() => break,
        }
    }
    drop(socket.close(None).await);
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_in_frames() {
        let frame = format!(
            "{{\"type\":\"message_received\",\"item\":{{\"text\":\"Hola {}\"}}}}",
            marker(MARK, 42)
        );
        assert_eq!(parse_marker(MARK, &frame), Some(42));
        assert_eq!(parse_marker(MARK, "{\"type\":\"chat_updated\"}"), None);
    }
}
