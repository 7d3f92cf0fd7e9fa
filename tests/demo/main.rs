//! `tidings demo` in-process: the real server on a temporary data directory
//! with its simulated Telegram, Viber and WhatsApp, seeded data checked over REST, and
//! simulated customers driven through the simulator's own JSON API (what its
//! page uses). Waits are on conditions (polling with a deadline), never on
//! fixed sleeps.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use tidings::config::{Config, DatabaseUrl};
use tidings::demo::{self, DemoHandle};

mod product;
mod restart;
mod telegram;
mod whatsapp;

const WAIT: Duration = Duration::from_secs(30);

async fn start(data_dir: &Path, reset: bool) -> DemoHandle {
    tidings::telemetry::init();
    let mut config = Config::for_database(
        // Never used: the demo always runs on its own database.
        DatabaseUrl::Sqlite(data_dir.join("configured.db")),
        data_dir.to_owned(),
    );
    config.workers = 2;
    demo::start(config, reset).await.expect("the demo starts")
}

/// Polls `check` until it returns `Some`, failing after [`WAIT`].
async fn wait_for<T, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match try_wait(check).await {
        Some(value) => value,
        None => panic!("timed out waiting for {what}"),
    }
}

/// Polls `check` until it returns `Some`, or `None` after [`WAIT`].
async fn try_wait<T, F, Fut>(mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// GETs `url`, expects `200 OK` and returns the body.
async fn download(http: &Client, url: &str) -> Vec<u8> {
    let response = http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|err| panic!("GET {url}: {err}"));
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    response.bytes().await.expect("the body").to_vec()
}

/// A signed-in REST client for the demo's web app.
struct Api {
    http: Client,
    base: String,
}

impl Api {
    async fn login(demo: &DemoHandle, email: &str, password: &str) -> Api {
        let http = Client::builder()
            .cookie_store(true)
            .build()
            .expect("a client");
        let base = demo.app_url.as_str().trim_end_matches('/').to_owned();
        let response = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), StatusCode::OK, "login as {email}");
        Api { http, base }
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("JSON")
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        assert!(
            response.status().is_success(),
            "POST {path}: {}",
            response.status()
        );
        response.json().await.expect("JSON")
    }

    /// Every chat, through the archive's pages.
    /// Sends `text` with one file to the chat, as the web app's composer does.
    async fn send_file(&self, chat_id: i64, text: &str, name: &str, mime: &str, bytes: &[u8]) {
        let file = reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name(name.to_owned())
            .mime_str(mime)
            .expect("a media type");
        let form = reqwest::multipart::Form::new()
            .text("text", text.to_owned())
            .part("file", file);
        let sent = self
            .http
            .post(format!("{}/api/v1/chats/{chat_id}/messages", self.base))
            .multipart(form)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(sent.status(), StatusCode::CREATED);
    }

    async fn all_chats(&self) -> Vec<Value> {
        self.all("/api/v1/chats/archive").await
    }

    /// Every item of a paginated list, page by page.
    async fn all(&self, list: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(cursor) => format!("{list}?limit=100&cursor={cursor}"),
                None => format!("{list}?limit=100"),
            };
            let page = self.get(&path).await;
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
        }
    }

    /// The chat of the contact named `name`, once it exists.
    async fn chat_of(&self, name: &str) -> Value {
        wait_for(&format!("the chat of {name}"), || async {
            self.get(&format!(
                "/api/v1/chats/archive?q={}",
                name.replace(' ', "+")
            ))
            .await["items"]
                .as_array()
                .and_then(|items| items.iter().find(|c| c["contact_name"] == name).cloned())
        })
        .await
    }

    async fn timeline(&self, chat_id: i64) -> Vec<Value> {
        self.get(&format!("/api/v1/chats/{chat_id}/timeline?limit=100"))
            .await["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    async fn has_event(&self, chat_id: i64, event: &str) -> bool {
        self.timeline(chat_id)
            .await
            .iter()
            .any(|item| item["event"] == event)
    }

    /// Waits until the chat's first picture is downloaded, and checks that
    /// the app serves it as a PNG.
    async fn assert_picture_served(&self, chat_id: i64) {
        let url = wait_for("the picture downloaded", || async {
            self.timeline(chat_id)
                .await
                .into_iter()
                .find_map(|item| item["attachments"][0]["url"].as_str().map(str::to_owned))
        })
        .await;
        let picture = download(&self.http, &format!("{}{url}", self.base)).await;
        assert!(picture.starts_with(b"\x89PNG"));
    }

    /// Waits until the item is marked seen in the inbox.
    async fn assert_marked_seen(&self, chat_id: i64, item_id: i64) {
        let seen = try_wait(|| async {
            self.timeline(chat_id)
                .await
                .into_iter()
                .find(|i| i["id"] == item_id && i["delivery"] == "seen")
        })
        .await;
        assert!(
            seen.is_some(),
            "the message is marked seen in the inbox: {:#?}",
            self.timeline(chat_id).await
        );
    }
}

/// The simulator's JSON API, as its page uses it.
struct SimApi {
    http: Client,
    base: String,
}

impl SimApi {
    fn new(demo: &DemoHandle) -> SimApi {
        SimApi {
            http: Client::new(),
            base: demo.simulator_url.as_str().trim_end_matches('/').to_owned(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the simulator answers");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, value) = self.call(reqwest::Method::POST, path, Some(body)).await;
        assert!(
            status.is_success(),
            "simulator POST {path}: {status} {value}"
        );
        value
    }

    async fn state(&self, customer: Option<u64>) -> Value {
        let path = match customer {
            Some(id) => format!("/api/state?customer={id}"),
            None => "/api/state".to_owned(),
        };
        self.call(reqwest::Method::GET, &path, None).await.1
    }

    async fn new_customer(&self, name: &str, channel: &str) -> u64 {
        let created = self
            .post(
                "/api/customers",
                json!({"name": name, "channel": channel, "language": "en"}),
            )
            .await;
        created["id"].as_u64().expect("a customer id")
    }

    async fn say(&self, customer: u64, text: &str) -> Value {
        self.post(
            &format!("/api/customers/{customer}/messages"),
            json!({"kind": "text", "text": text}),
        )
        .await["message"]
            .clone()
    }

    /// The simulator page shows `message`'s picture, byte for byte `bytes`.
    async fn assert_shows_picture(&self, message: &Value, bytes: &[u8]) {
        let name = message["photo"].as_str().expect("the picture's name");
        let served = download(&self.http, &format!("{}/media/{name}", self.base)).await;
        assert_eq!(served, bytes);
    }

    /// The simulator's own page, as a browser gets it.
    async fn page(&self) -> String {
        let page = download(&self.http, &format!("{}/", self.base)).await;
        String::from_utf8(page).expect("the page is UTF-8")
    }

    /// The customer's conversation as their messenger shows it.
    async fn messages(&self, customer: u64) -> Vec<Value> {
        self.state(Some(customer)).await["selected"]["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}
