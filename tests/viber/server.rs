//! Viber end to end through the real server, on SQLite and PostgreSQL:
//! integrations created over REST against the fake Viber API (whose
//! `set_webhook` calls our webhook to verify it), signed callbacks posted
//! to `/hooks/viber/{id}`, chats and timelines in the API, replies reaching
//! the fake's `send_message`, and receipts moving their delivery state.

mod connect;
mod faults;
mod media;
mod receive;
mod send;
mod uploads;

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::Chat;
use shared::api::integrations::Integration;
use shared::Id;
use tidings_tests::fake_viber::FakeViber;
use tidings_tests::inbox::{create_integration, wait_for_chats};
use tidings_tests::{ApiClient, Backend, TestApp};

use crate::{CUSTOMER, TOKEN};

/// The bot's name on Viber and in Tidings (and so the sender name).
pub const BOT_NAME: &str = "Acme Support";

/// The server, the fake Viber API it talks to, and the admin's client.
pub struct Viber {
    pub app: TestApp,
    pub fake: FakeViber,
    pub admin: ApiClient,
}

/// A server whose public URL is its own address, aimed at a fresh fake.
pub async fn start(backend: Backend) -> Viber {
    start_public(backend, None).await
}

/// Same, with another public URL (one Viber cannot reach, say).
pub async fn start_public(backend: Backend, public_url: Option<&str>) -> Viber {
    let fake = FakeViber::start().await;
    fake.add_bot(TOKEN, BOT_NAME);
    let app = TestApp::start_with_fakes(backend, None, Some(fake.url()), public_url).await;
    let admin = app.admin().await;
    Viber { app, fake, admin }
}

impl Viber {
    /// Connects the bot over REST; `extra` fields are merged into the request.
    pub async fn connect(&self, extra: serde_json::Value) -> Integration {
        let mut request = json!({"kind": "viber", "name": BOT_NAME, "token": TOKEN});
        if let (Some(request), serde_json::Value::Object(extra)) = (request.as_object_mut(), extra)
        {
            request.extend(extra);
        }
        create_integration(&self.admin, request).await
    }

    /// Our webhook URL for an integration (as the server can be reached).
    pub fn hook(&self, id: Id) -> String {
        self.app.url(&format!("/hooks/viber/{id}"))
    }

    /// Posts a callback signed with the bot token, as Viber does.
    pub async fn callback(&self, id: Id, body: Vec<u8>) -> (StatusCode, String) {
        FakeViber::post_callback(&self.hook(id), TOKEN, body).await
    }

    /// Posts a callback that must be accepted; returns the answer body.
    pub async fn accept(&self, id: Id, body: Vec<u8>) -> String {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let (status, answer) = self.callback(id, body).await;
        assert_eq!(status, StatusCode::OK, "{shown}: {answer}");
        answer
    }

    /// The customer [`CUSTOMER`] writes `text`; returns their chat.
    pub async fn customer_writes(&self, id: Id, message_token: u64, text: &str) -> Chat {
        self.accept(
            id,
            FakeViber::callback_message_text(message_token, CUSTOMER, "Olena", text),
        )
        .await;
        wait_for_chats(&self.admin, 1).await.remove(0)
    }
}
