//! The server under test: the real Tidings server in this process
//! (`tidings::start`) on a fresh SQLite file or PostgreSQL database, with fake
//! Telegram, Viber and WhatsApp servers behind its API-URL settings, and a small
//! signed-in REST client.

use std::net::SocketAddr;

use anyhow::{bail, Context as _};
use reqwest::{Client, Response};
use serde_json::{json, Value};
use shared::api::integrations::Integration;
use shared::Id;
use tidings::config::{Config, InitialAdmin, Secret};
use tidings::store::Store;
use tidings::RunningServer;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::fake_viber::FakeViber;
use tidings_tests::fake_whatsapp::FakeWhatsApp;
use tidings_tests::{Backend, TestDatabase};

use crate::Database;

pub const ADMIN_EMAIL: &str = "admin@bench.example";
pub const ADMIN_PASSWORD: &str = "bench-admin-password";
pub const USER_PASSWORD: &str = "bench-user-password";
/// The bot every Telegram integration of a run uses (the fake knows it).
pub const BOT_TOKEN: &str = "7000000001:bench-token";

/// Where a messenger posts updates for one integration.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
    pub integration_id: Id,
}

pub struct Harness {
    pub database: Database,
    pub addr: SocketAddr,
    pub store: Store,
    pub admin: Api,
    pub telegram: FakeTelegram,
    pub viber: FakeViber,
    pub whatsapp: FakeWhatsApp,
    /// What the server was started with (its database and data directory).
    pub config: Config,
    server: RunningServer,
    /// Further nodes on the same database ([`Harness::add_node`]).
    nodes: Vec<RunningServer>,
    // Dropped last: the database outlives the server that uses it.
    db: TestDatabase,
}

/// The server's own default (`TIDINGS_INBOUND_APPLIERS`).
pub const DEFAULT_APPLIERS: usize = 4;

impl Harness {
    /// Fakes first, then the server with `workers` HTTP workers, then an admin
    /// session.
    pub async fn start(database: Database, workers: usize) -> anyhow::Result<Harness> {
        Self::start_with_appliers(database, workers, DEFAULT_APPLIERS).await
    }

    /// [`Harness::start`] with `appliers` inbound appliers (PostgreSQL).
    pub async fn start_with_appliers(
        database: Database,
        workers: usize,
        appliers: usize,
    ) -> anyhow::Result<Harness> {
        Self::start_tuned(database, workers, appliers, |_| {}).await
    }

    /// [`Harness::start`] with the configuration adjusted first.
    pub async fn start_configured(
        database: Database,
        workers: usize,
        adjust: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Harness> {
        Self::start_tuned(database, workers, DEFAULT_APPLIERS, adjust).await
    }

    async fn start_tuned(
        database: Database,
        workers: usize,
        appliers: usize,
        adjust: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Harness> {
        let telegram = FakeTelegram::start().await;
        let viber = FakeViber::start().await;
        let whatsapp = FakeWhatsApp::start().await;
        telegram.add_bot(BOT_TOKEN, "bench_support_bot");
        let backend = match database {
            Database::Sqlite => Backend::Sqlite,
            Database::Postgres => Backend::Postgres,
        };
        let db = tokio::task::spawn_blocking(move || TestDatabase::create(backend))
            .await
            .context("cannot create the database")?;
        let mut config = Config::for_database(db.url(), db.dir().join("data"));
        config.workers = workers;
        config.inbound_appliers = appliers;
        config.telegram_api_url = telegram.url().parse().context("fake Telegram URL")?;
        config.viber_api_url = viber.url();
        config.whatsapp_api_url = whatsapp.url();
        // The server takes this socket as bound, so no other process can take
        // the port between choosing it and listening on it.
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").context("cannot bind a local port")?;
        config.bind = listener.local_addr()?;
        config.public_url = format!("http://{}", config.bind).parse()?;
        config.admin = Some(InitialAdmin {
            email: ADMIN_EMAIL.into(),
            password: Secret(ADMIN_PASSWORD.into()),
        });
        adjust(&mut config);
        let server = tidings::start_on(config.clone(), listener).await?;
        let addr = server.addr;
        let store = server.store.clone();
        let admin = Api::login(addr, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
        Ok(Harness {
            database,
            addr,
            store,
            admin,
            telegram,
            viber,
            whatsapp,
            config,
            server,
            nodes: Vec::new(),
            db,
        })
    }

    /// Starts one more node of the server on the same database (PostgreSQL
    /// scales out this way); returns where it listens.
    pub async fn add_node(&mut self) -> anyhow::Result<SocketAddr> {
        let mut config = self.config.clone();
        config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let node = tidings::start(config).await?;
        let addr = node.addr;
        self.nodes.push(node);
        Ok(addr)
    }

    /// Stops the servers, then drops their database.
    pub async fn stop(self) {
        let Harness {
            server, nodes, db, ..
        } = self;
        for node in nodes {
            node.stop().await;
        }
        server.stop().await;
        if let Err(err) = tokio::task::spawn_blocking(move || drop(db)).await {
            tracing::warn!(%err, "cannot drop the bench database");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Creates a user through the admin API; returns its id and email.
    pub async fn create_user(&self, name: &str, role: &str) -> anyhow::Result<(Id, String)> {
        let email = format!("{}@bench.example", name.to_lowercase().replace(' ', "."));
        let response = self
            .admin
            .post(
                "/api/v1/users",
                &json!({"email": email, "name": name, "password": USER_PASSWORD, "role": role}),
            )
            .await?;
        let value = expect_json(response, 201).await?;
        let id = value["id"].as_i64().context("the created user has an id")?;
        Ok((id, email))
    }

    /// A Telegram integration created the way an admin does (getMe and
    /// setWebhook against the fake); returns where its webhook is.
    pub async fn telegram_integration(
        &self,
        queue: &[Id],
        greeting: Option<&str>,
        auto_reply: Option<&str>,
    ) -> anyhow::Result<Webhook> {
        let response = self
            .admin
            .post(
                "/api/v1/integrations",
                &json!({
                    "kind": "telegram", "name": "Bench shop", "token": BOT_TOKEN,
                    "delivery": "webhook", "queue": queue,
                    "greeting_text": greeting, "auto_reply_text": auto_reply,
                }),
            )
            .await?;
        let integration: Integration = serde_json::from_value(expect_json(response, 201).await?)?;
        let (url, secret) = self
            .telegram
            .webhook(BOT_TOKEN)
            .context("the integration set its webhook on the fake Telegram")?;
        Ok(Webhook {
            url,
            secret,
            integration_id: integration.id,
        })
    }
}

/// A REST client holding one session cookie.
#[derive(Clone)]
pub struct Api {
    pub http: Client,
    pub base: String,
    pub cookie: String,
}

impl Api {
    pub async fn login(addr: SocketAddr, email: &str, password: &str) -> anyhow::Result<Api> {
        let http = Client::builder().no_proxy().tcp_nodelay(true).build()?;
        let base = format!("http://{addr}");
        let response = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await?;
        if response.status() != 200 {
            bail!("login as {email}: {}", response.status());
        }
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .context("login sets a session cookie")?
            .to_owned();
        Ok(Api { http, base, cookie })
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Response> {
        Ok(self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await?)
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Response> {
        Ok(self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .json(body)
            .send()
            .await?)
    }

    pub async fn put(&self, path: &str, body: &Value) -> anyhow::Result<Response> {
        Ok(self
            .http
            .put(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .json(body)
            .send()
            .await?)
    }
}

/// The JSON body, or an error naming the status and body when it is not `status`.
pub async fn expect_json(response: Response, status: u16) -> anyhow::Result<Value> {
    let got = response.status();
    let text = response.text().await?;
    if got.as_u16() != status {
        bail!("expected {status}, got {got}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}
