//! WhatsApp Business (Cloud API) end to end through the real server, on
//! SQLite and PostgreSQL, against the fake Graph API: connecting a number,
//! Meta's verification handshake, signed notifications of every message type
//! (fixtures in `tests/fixtures/whatsapp/`), statuses, media with the bearer
//! token, sending texts, files and templates, Graph error codes, the
//! 24-hour reply window, reactions and quotes.

mod connect;
mod reactions;
mod receive;
mod send;
mod window;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::Chat;
use shared::api::integrations::Integration;
use shared::Id;
use tidings_tests::fake_whatsapp::FakeWhatsApp;
use tidings_tests::inbox::{create_integration, wait_for_chats};
use tidings_tests::{ApiClient, Backend, TestApp};

/// The business number of every fixture.
pub const NUMBER: &str = "106540352242922";
pub const ACCOUNT: &str = "102290129340398";
pub const TOKEN: &str = "EAAJB3xZC0ZBoBO1Test0Token0Value";
pub const APP_SECRET: &str = "7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e";
/// The customer of the fixtures.
pub const CUSTOMER: &str = "16315551181";
pub const WAIT: Duration = Duration::from_secs(10);

/// The server, the fake Graph API it talks to, and the admin's client.
pub struct WhatsApp {
    pub app: TestApp,
    pub fake: FakeWhatsApp,
    pub admin: ApiClient,
}

pub async fn start(backend: Backend) -> WhatsApp {
    let fake = FakeWhatsApp::start().await;
    fake.add_number(NUMBER, TOKEN, "Acme Store");
    let url = fake.url();
    let app = TestApp::start_with_fakes_and(backend, None, None, None, move |config| {
        config.whatsapp_api_url = url;
        config.delivery.retry_first = Duration::from_millis(50);
        config.delivery.retry_max = Duration::from_millis(200);
    })
    .await;
    let admin = app.admin().await;
    WhatsApp { app, fake, admin }
}

/// Seconds since 1970, `hours_ago` hours back.
pub fn timestamp(hours_ago: i64) -> i64 {
    chrono::Utc::now().timestamp() - hours_ago * 3600
}

impl WhatsApp {
    /// The request that connects the number; `extra` fields are merged in.
    pub fn request(extra: Value) -> Value {
        let mut request = json!({
            "kind": "whatsapp",
            "name": "Acme WhatsApp",
            "token": TOKEN,
            "phone_number_id": NUMBER,
            "business_account_id": ACCOUNT,
            "app_secret": APP_SECRET,
        });
        if let (Some(request), Value::Object(extra)) = (request.as_object_mut(), extra) {
            request.extend(extra);
        }
        request
    }

    pub async fn connect(&self, extra: Value) -> Integration {
        create_integration(&self.admin, Self::request(extra)).await
    }

    pub fn hook(&self, id: Id) -> String {
        self.app.url(&format!("/hooks/whatsapp/{id}"))
    }

    /// Posts a notification signed with the app secret, as Meta does.
    pub async fn notify(&self, id: Id, body: Vec<u8>) -> (StatusCode, String) {
        FakeWhatsApp::post(&self.hook(id), APP_SECRET, body).await
    }

    /// Posts a notification that must be accepted.
    pub async fn accept(&self, id: Id, body: Vec<u8>) {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let (status, answer) = self.notify(id, body).await;
        assert_eq!(status, StatusCode::OK, "{shown}: {answer}");
    }

    /// The fixture `name` of `tests/fixtures/whatsapp/`.
    pub fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/fixtures/whatsapp/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
    }

    /// The customer writes `text` (sent `hours_ago` hours ago); returns their chat.
    pub async fn customer_writes(&self, id: Id, wamid: &str, hours_ago: i64, text: &str) -> Chat {
        self.customer_writes_at(id, wamid, timestamp(hours_ago), text)
            .await
    }

    /// The customer's message `text` dated `sent_at` (Unix seconds); returns their chat.
    pub async fn customer_writes_at(&self, id: Id, wamid: &str, sent_at: i64, text: &str) -> Chat {
        self.accept(
            id,
            FakeWhatsApp::text(NUMBER, CUSTOMER, "Kerry Fisher", wamid, sent_at, text),
        )
        .await;
        wait_for_chats(&self.admin, 1).await.remove(0)
    }
}
