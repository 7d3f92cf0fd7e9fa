//! Crash safety: the real `tidings` binary, under webhook traffic from both
//! messengers and managers' replies, is killed with SIGKILL at random moments
//! and restarted, several times. Afterwards every update that was answered 200
//! is in the timeline exactly once, and every reply that was answered 201
//! reached the messenger exactly once — or, if the server died between handing
//! it to the messenger and recording that (the at-least-once window, see
//! docs/RELIABILITY.md), once more per send counted as interrupted (a reply
//! can be cut off by more than one kill).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tidings::store::schema::{outbound_queue, timeline_items};
use tidings::store::Store;
use tidings_tests::binary::server_binary;
use tidings_tests::fake_telegram::{FakeTelegram, SECRET_HEADER};
use tidings_tests::fake_viber::FakeViber;
use tidings_tests::{
    db::postgres_server, on_both_backends, reserve_local_port, ApiClient, Backend, TestDatabase,
    ADMIN_EMAIL, ADMIN_PASSWORD,
};

const TELEGRAM_TOKEN: &str = "700100:crash-test-telegram-token";
const VIBER_TOKEN: &str = "crash-test-viber-token";
const CUSTOMERS_PER_MESSENGER: i64 = 120;
const KILLS: usize = 4;
const WEBHOOK_SENDERS: usize = 16;

on_both_backends!(every_acknowledged_update_and_reply_survives_sigkill);

async fn every_acknowledged_update_and_reply_survives_sigkill(backend: Backend) {
    let telegram = FakeTelegram::start().await;
    telegram.add_bot(TELEGRAM_TOKEN, "crash_test_bot");
    let viber = FakeViber::start().await;
    viber.add_bot(VIBER_TOKEN, "Crash Test");
    let db = TestDatabase::create(backend);
    let mut server = ServerProcess::new(&db, &telegram.url(), viber.url().as_str());
    server.start().await;

    let admin = server.admin().await;
    let telegram_hook = connect(&admin, "telegram", TELEGRAM_TOKEN).await;
    let viber_hook = connect(&admin, "viber", VIBER_TOKEN).await;
    let secret = telegram
        .webhook(TELEGRAM_TOKEN)
        .expect("the Telegram webhook is registered")
        .1;
    let traffic = Arc::new(Traffic {
        telegram_hook,
        viber_hook,
        secret,
        ..Traffic::default()
    });

    for round in 0..=KILLS {
        let admin = server.admin().await;
        let stop = Arc::new(tokio::sync::Notify::new());
        let mut tasks = Vec::new();
        for _ in 0..WEBHOOK_SENDERS {
            tasks.push(tokio::spawn(send_updates(traffic.clone(), stop.clone())));
        }
        tasks.push(tokio::spawn(send_replies(
            traffic.clone(),
            admin.clone(),
            stop.clone(),
        )));
        let run_for = rand::thread_rng().gen_range(1_500..3_500);
        tokio::time::sleep(Duration::from_millis(run_for)).await;
        if round < KILLS {
            // Mid-traffic: requests in flight die with the process.
            server.kill();
        }
        stop.notify_waiters();
        for task in tasks {
            task.await.expect("a traffic task ends");
        }
        if round < KILLS {
            server.start().await;
        }
    }

    // Acknowledged updates a burst left kept are applied after the last start:
    // wait until none is left, then until the timeline stops changing.
    wait_until_all_applied(&db).await;
    let stored_in = eventually_stable(|| count_inbound_texts(&db)).await;
    let acknowledged = traffic.acknowledged_updates.lock().unwrap().clone();
    let accepted = traffic.accepted_replies.lock().unwrap().clone();
    eprintln!(
        "{} updates sent, {} acknowledged; {} replies accepted",
        traffic.next.load(Ordering::Relaxed),
        acknowledged.len(),
        accepted.len()
    );
    assert!(
        acknowledged.len() > 100,
        "enough traffic got through: {}",
        acknowledged.len()
    );
    for marker in &acknowledged {
        assert_eq!(
            stored_in.get(marker),
            Some(&1),
            "update {marker} was answered 200, so it is stored exactly once"
        );
    }
    for (marker, count) in &stored_in {
        assert_eq!(*count, 1, "update {marker} is stored at most once");
    }

    assert!(!accepted.is_empty(), "some replies were accepted");
    let delivered = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let delivered = delivered_texts(&telegram, &viber);
            if accepted.iter().all(|marker| delivered.contains_key(marker)) {
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("every accepted reply is delivered after the restarts");
    let interrupted = interrupted_sends(&db);
    for (marker, count) in &delivered {
        let cut_off = interrupted.get(marker).copied().unwrap_or(0);
        assert!(
            *count <= 1 + cut_off,
            "reply {marker} reached the messenger {count} times ({cut_off} interrupted sends)"
        );
    }
    server.kill();
}

/// What the traffic tasks share: where to send, and what got acknowledged.
#[derive(Default)]
struct Traffic {
    telegram_hook: String,
    viber_hook: String,
    secret: String,
    next: AtomicU64,
    next_reply: AtomicI64,
    acknowledged_updates: Mutex<Vec<String>>,
    accepted_replies: Mutex<Vec<String>>,
}

/// Posts customer messages from random customers of both messengers until
/// stopped; notes each one answered 200. Failures (the server died) are fine.
async fn send_updates(traffic: Arc<Traffic>, stop: Arc<tokio::sync::Notify>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client builds");
    let stopped = stop.notified();
    tokio::pin!(stopped);
    loop {
        let n = traffic.next.fetch_add(1, Ordering::Relaxed);
        let marker = format!("crash-in-{n}");
        let customer = rand::thread_rng().gen_range(1..=CUSTOMERS_PER_MESSENGER);
        let request = if n.is_multiple_of(2) {
            let update = FakeTelegram::text_update(
                i64::try_from(n).expect("a small update id") + 1,
                9_000_000 + customer,
                &format!("Telegram {customer}"),
                &marker,
            );
            http.post(&traffic.telegram_hook)
                .header(SECRET_HEADER, &traffic.secret)
                .json(&update)
        } else {
            let token = 7_000_000_000_000_000_000u64 + n;
            let body = FakeViber::callback_message_text(
                token,
                &format!("viber-user-{customer}=="),
                &format!("Viber {customer}"),
                &marker,
            );
            http.post(&traffic.viber_hook)
                .header("content-type", "application/json")
                .header(
                    "X-Viber-Content-Signature",
                    FakeViber::sign(VIBER_TOKEN, &body),
                )
                .body(body)
        };
        tokio::select! {
            _ = &mut stopped => return,
            response = request.send() => {
                if let Ok(response) = response {
                    if response.status() == StatusCode::OK {
                        traffic.acknowledged_updates.lock().unwrap().push(marker);
                    }
                } else {
                    // The server is gone: wait for the round to end.
                    (&mut stopped).await;
                    return;
                }
            }
        }
    }
}

/// Replies to random existing chats as the admin until stopped; notes each
/// reply answered 201.
async fn send_replies(traffic: Arc<Traffic>, admin: ApiClient, stop: Arc<tokio::sync::Notify>) {
    let stopped = stop.notified();
    tokio::pin!(stopped);
    let mut chats: Vec<i64> = Vec::new();
    loop {
        if chats.len() < 20 {
            chats = tokio::select! {
                _ = &mut stopped => return,
                listed = list_chat_ids(&admin) => match listed {
                    Some(ids) => ids,
                    None => { (&mut stopped).await; return; }
                },
            };
            if chats.is_empty() {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        }
        let chat = chats[rand::thread_rng().gen_range(0..chats.len())];
        let marker = format!(
            "crash-out-{}",
            traffic.next_reply.fetch_add(1, Ordering::Relaxed)
        );
        let request = admin
            .http
            .post(admin.url(&format!("/api/v1/chats/{chat}/messages")));
        tokio::select! {
            _ = &mut stopped => return,
            response = request.json(&json!({"text": marker})).send() => match response {
                Ok(response) if response.status() == StatusCode::CREATED => {
                    traffic.accepted_replies.lock().unwrap().push(marker);
                }
                Ok(_) => {}
                Err(_) => { (&mut stopped).await; return; }
            },
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

async fn list_chat_ids(admin: &ApiClient) -> Option<Vec<i64>> {
    let response = admin
        .http
        .get(admin.url("/api/v1/chats/archive?limit=100"))
        .send()
        .await
        .ok()?;
    let page: Value = response.json().await.ok()?;
    Some(
        page["items"]
            .as_array()?
            .iter()
            .filter_map(|chat| chat["id"].as_i64())
            .collect(),
    )
}

/// Creates an integration (webhook delivery) and returns its webhook URL.
async fn connect(admin: &ApiClient, kind: &str, token: &str) -> String {
    let response = admin
        .post(
            "/api/v1/integrations",
            &json!({"kind": kind, "name": format!("{kind} crash"), "token": token,
                    "queue": [], "delivery": "webhook"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "{kind} connects");
    let created: Value = response.json().await.expect("JSON");
    created["webhook_url"]
        .as_str()
        .expect("a webhook URL")
        .to_owned()
}

fn count_inbound_texts(db: &TestDatabase) -> HashMap<String, usize> {
    let store = Store::open(&db.url()).expect("the database opens");
    let texts: Vec<Option<String>> = store
        .run_blocking(|conn| {
            Ok(timeline_items::table
                .filter(timeline_items::direction.eq("in"))
                .select(timeline_items::text)
                .load(conn)?)
        })
        .expect("the timeline reads");
    let mut counts = HashMap::new();
    for text in texts.into_iter().flatten() {
        *counts.entry(text).or_insert(0) += 1;
    }
    counts
}

/// Per reply text, how many of its sends a kill cut off (each may have
/// reached the messenger before the kill, so each allows one more delivery).
fn interrupted_sends(db: &TestDatabase) -> HashMap<String, usize> {
    let store = Store::open(&db.url()).expect("the database opens");
    store
        .run_blocking(|conn| {
            Ok(outbound_queue::table
                .inner_join(timeline_items::table)
                .filter(outbound_queue::interrupted_sends.gt(0))
                .select((timeline_items::text, outbound_queue::interrupted_sends))
                .load::<(Option<String>, i32)>(conn)?)
        })
        .expect("the queue reads")
        .into_iter()
        .filter_map(|(text, times)| Some((text?, usize::try_from(times).unwrap_or(0))))
        .collect()
}

fn delivered_texts(telegram: &FakeTelegram, viber: &FakeViber) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let texts = telegram
        .sent()
        .into_iter()
        .filter_map(|sent| sent.text)
        .chain(viber.sent().into_iter().filter_map(|sent| sent.text));
    for text in texts {
        *counts.entry(text).or_insert(0) += 1;
    }
    counts
}

/// Reads until two reads a second apart agree (the writer has settled).
/// Waits until no stored update is left unapplied (pending after a burst, or
/// kept as failed and retried), within the time the retries take.
async fn wait_until_all_applied(db: &TestDatabase) {
    let store = Store::open(&db.url()).expect("the database opens");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(150);
    loop {
        let left = store
            .run_blocking(tidings::store::inbound::count_unapplied)
            .expect("the backlog reads");
        if left == 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{left} stored updates are still not applied"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn eventually_stable(read: impl Fn() -> HashMap<String, usize>) -> HashMap<String, usize> {
    let mut last = read();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = read();
        if now == last {
            return now;
        }
        last = now;
    }
}

/// The real binary, restarted on the same port, database and data directory.
struct ServerProcess {
    binary: PathBuf,
    env: Vec<(&'static str, String)>,
    log: PathBuf,
    base: String,
    child: Option<Child>,
}

impl ServerProcess {
    fn new(db: &TestDatabase, telegram_url: &str, viber_url: &str) -> ServerProcess {
        let bind = reserve_local_port();
        let database_url = match db.postgres_name() {
            Some(name) => format!("{}/{name}", postgres_server()),
            None => format!("sqlite://{}", db.dir().join("tidings.db").display()),
        };
        let env = vec![
            ("TIDINGS_DATABASE_URL", database_url),
            ("TIDINGS_BIND", bind.to_string()),
            ("TIDINGS_PUBLIC_URL", format!("http://{bind}")),
            (
                "TIDINGS_DATA_DIR",
                db.dir().join("data").display().to_string(),
            ),
            ("TIDINGS_TELEGRAM_API_URL", telegram_url.to_owned()),
            ("TIDINGS_VIBER_API_URL", viber_url.to_owned()),
            ("TIDINGS_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
            ("TIDINGS_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
            ("TIDINGS_WORKERS", "2".to_owned()),
        ];
        ServerProcess {
            binary: server_binary(),
            env,
            log: db.dir().join("server.log"),
            base: format!("http://{bind}"),
            child: None,
        }
    }

    async fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the log file opens");
        let child = Command::new(&self.binary)
            .arg("serve")
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .env_remove("TIDINGS_CONFIG")
            .env("TIDINGS_LOG", "info")
            .current_dir(self.log.parent().expect("a directory"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log file"))
            .stderr(log)
            .spawn()
            .expect("the server binary starts");
        self.child = Some(child);
        let health = format!("{}/healthz", self.base);
        for _ in 0..300 {
            if let Ok(response) = reqwest::get(&health).await {
                if response.status() == StatusCode::OK {
                    return;
                }
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("the server exited with {status}; log: {}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the server did not become healthy; log: {}",
            self.log_tail()
        );
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("the server can be killed");
            child.wait().expect("the killed server is reaped");
        }
    }

    async fn admin(&self) -> ApiClient {
        ApiClient::login_at(&self.base, ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = log.len().saturating_sub(4_000);
        log[log.floor_char_boundary(start)..].to_owned()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// PostgreSQL going away under webhook traffic (every connection of the
/// database terminated and new ones refused, as in a restart): webhooks answer
/// 503 while it is down, so the messenger retries; every update answered 200
/// before, during or after is stored exactly once; the server recovers by
/// itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_under_traffic_loses_nothing() {
    let app = tidings_tests::TestApp::start(Backend::Postgres).await;
    let bot = app
        .integration(shared::api::Channel::Telegram, &[], None, None)
        .await;
    let hook = app.url(&format!("/hooks/telegram/{}", bot.id));
    let name = app
        .db
        .postgres_name()
        .expect("a PostgreSQL database")
        .to_owned();
    let http = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    // While the database is down each request waits for the pool's connection
    // timeout (5 s), so only a few are sent then.
    for n in 0..205i64 {
        if n == 100 {
            tidings_tests::db::admin_execute(&format!(
                "ALTER DATABASE {name} ALLOW_CONNECTIONS false"
            ));
            tidings_tests::db::admin_execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            ));
        }
        if n == 105 {
            tidings_tests::db::admin_execute(&format!(
                "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
            ));
        }
        let marker = format!("outage-{n}");
        let update = FakeTelegram::text_update(n + 1, 8_000 + n % 20, "Outage", &marker);
        let status = http
            .post(&hook)
            .header(SECRET_HEADER, &bot.webhook_secret)
            .json(&update)
            .send()
            .await
            .expect("the server answers")
            .status();
        match status {
            StatusCode::OK => acknowledged.push(marker),
            StatusCode::SERVICE_UNAVAILABLE => refused += 1,
            other => panic!("update {n} answered {other}"),
        }
    }
    assert!(
        refused > 0,
        "webhooks were refused while the database was down"
    );
    assert!(
        acknowledged.iter().any(|m| m == "outage-204"),
        "the server recovered by itself"
    );
    app.wait_until_applied().await;
    let stored = count_inbound_texts(&app.db);
    for marker in &acknowledged {
        assert_eq!(stored.get(marker), Some(&1), "{marker} is stored once");
    }
}
