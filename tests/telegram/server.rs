//! Telegram end to end through the real server, on SQLite and PostgreSQL:
//! integrations created over REST against the fake Bot API, updates posted
//! to our webhook (or polled), chats, contacts and deals appearing in the
//! API, replies reaching the fake, and their delivery state.

mod business;
mod connect;
mod faults;
mod files;
mod health;
mod metrics;
mod receive;
mod send;
mod upload_limits;
mod uploads;

use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use shared::api::chats::Chat;
use shared::api::integrations::Integration;
use shared::Id;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::inbox::{create_integration, wait_for_chats};
use tidings_tests::{ApiClient, Backend, TestApp};

use crate::{CUSTOMER, TOKEN};

/// The bot's name in Tidings (and its username on the fake).
pub const BOT_NAME: &str = "Acme Support";
pub const BOT_USERNAME: &str = "acme_support_bot";
/// Long enough for a poller to start (it looks every 3 s) and a long poll
/// to end (the fake holds one for up to 10 s).
pub const LONG_WAIT: Duration = Duration::from_secs(30);

/// The server, the fake Bot API it talks to, and the admin's client.
pub struct Telegram {
    pub app: TestApp,
    pub fake: FakeTelegram,
    pub admin: ApiClient,
}

/// A server whose public URL is its own plain-HTTP address (webhooks from
/// the fake reach it; integrations ask for webhook delivery explicitly).
pub async fn start(backend: Backend) -> Telegram {
    start_public(backend, None).await
}

/// Same, with another public URL (e.g. https, to see the default delivery).
pub async fn start_public(backend: Backend, public_url: Option<&str>) -> Telegram {
    let fake = FakeTelegram::start().await;
    fake.add_bot(TOKEN, BOT_USERNAME);
    let api = Url::parse(&fake.url()).expect("the fake's URL parses");
    let app = TestApp::start_with_fakes(backend, Some(api), None, public_url).await;
    let admin = app.admin().await;
    Telegram { app, fake, admin }
}

impl Telegram {
    /// Connects the bot over REST with webhook delivery; `extra` fields
    /// (queue, greeting_text …) are merged into the request.
    pub async fn connect(&self, extra: Value) -> Integration {
        let mut request = json!({
            "kind": "telegram",
            "name": BOT_NAME,
            "token": TOKEN,
            "delivery": "webhook",
        });
        if let (Some(request), Value::Object(extra)) = (request.as_object_mut(), extra) {
            request.extend(extra);
        }
        create_integration(&self.admin, request).await
    }

    /// Posts an update to our webhook the way Telegram does.
    pub async fn deliver(&self, update: &Value) -> StatusCode {
        self.fake.deliver(TOKEN, update).await
    }

    /// Delivers an update that must be accepted.
    pub async fn accept(&self, update: &Value) {
        assert_eq!(self.deliver(update).await, StatusCode::OK, "{update}");
    }

    /// The customer [`CUSTOMER`] writes `text` as update `update_id`;
    /// returns their chat (the only one).
    pub async fn customer_writes(&self, update_id: i64, text: &str) -> Chat {
        self.accept(&FakeTelegram::text_update(
            update_id, CUSTOMER, "Anna", text,
        ))
        .await;
        wait_for_chats(&self.admin, 1).await.remove(0)
    }
}

/// Our webhook path for an integration.
pub fn hook_path(id: Id) -> String {
    format!("/hooks/telegram/{id}")
}
