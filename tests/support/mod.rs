//! Test support: the real server on a random port with a fresh database (SQLite
//! file or PostgreSQL database), typed helpers, and both-backend test macros.

pub mod binary;
pub mod browser;
pub mod db;
pub mod fake_push;
pub mod fake_receiver;
pub mod fake_telegram;
pub mod fake_viber;
pub mod fake_whatsapp;
pub mod inbox;
pub mod items;
pub mod live;
pub mod logs;
pub mod metrics;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Client, Method, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use shared::api::users::{Role, User};
use std::sync::atomic::{AtomicU64, Ordering};

use shared::api::Channel;
use shared::Id;
use tidings::channels::{CustomerProfile, Inbound, InboundEvent, InboundMessage};
use tidings::config::{Config, InitialAdmin, Secret};
use tidings::domain::integration::Integration;
use tidings::service::Context;
use tidings::store::inbound::Received;
use tidings::RunningServer;

pub use db::{Backend, TestDatabase};
pub use futures_util::future::join_all;
pub use items::ItemFields;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password";
pub const PASSWORD: &str = "user-password";

/// A running Tidings server with its own database and data directory.
pub struct TestApp {
    pub backend: Backend,
    pub addr: SocketAddr,
    pub config: Config,
    server: Option<RunningServer>,
    // Dropped last: the database outlives the servers that use it.
    pub db: std::sync::Arc<TestDatabase>,
}

impl TestApp {
    /// A server on a fresh migrated database (see `db`).
    pub async fn start(backend: Backend) -> TestApp {
        Self::start_on(backend, TestDatabase::migrated(backend)).await
    }

    /// A server on the given database, configured as [`TestApp::start`] does.
    pub async fn start_on(backend: Backend, db: TestDatabase) -> TestApp {
        let mut config = Config::for_database(db.url(), db.dir().join("data"));
        config.workers = 2;
        // Nothing leaves the machine: messenger calls go to a closed local port
        // unless a test aims them at a fake server.
        config.telegram_api_url = "http://127.0.0.1:9".parse().expect("a URL");
        config.viber_api_url = "http://127.0.0.1:9".parse().expect("a URL");
        config.admin = Some(InitialAdmin {
            email: ADMIN_EMAIL.into(),
            password: Secret(ADMIN_PASSWORD.into()),
        });
        Self::start_with(backend, config, db).await
    }

    pub async fn start_with(backend: Backend, config: Config, db: TestDatabase) -> TestApp {
        Self::start_serving(backend, config, db, None).await
    }

    /// Starts the server on `listener` when given, else on `config.bind`.
    async fn start_serving(
        backend: Backend,
        config: Config,
        db: TestDatabase,
        listener: Option<std::net::TcpListener>,
    ) -> TestApp {
        // The capturing subscriber goes first in every test process, whichever
        // test starts a server first (suites assert that logs hold no secrets).
        logs::install();
        tidings::telemetry::init();
        let started = match listener {
            Some(listener) => tidings::start_on(config.clone(), listener).await,
            None => tidings::start(config.clone()).await,
        };
        let server = started.expect("the test server starts");
        TestApp {
            backend,
            addr: server.addr,
            config,
            server: Some(server),
            db: std::sync::Arc::new(db),
        }
    }

    /// A server whose messenger calls go to fakes (`None`: a closed local
    /// port). It listens on a port reserved beforehand, so its public URL (the
    /// one given, or `http://127.0.0.1:<port>`) reaches it: Viber's
    /// `set_webhook` calls the webhook before answering. Restarts keep the port.
    pub async fn start_with_fakes(
        backend: Backend,
        telegram_url: Option<Url>,
        viber_url: Option<Url>,
        public_url: Option<&str>,
    ) -> TestApp {
        Self::start_with_fakes_and(backend, telegram_url, viber_url, public_url, |_| {}).await
    }

    /// [`TestApp::start_with_fakes`], with the configuration adjusted first
    /// (e.g. compressed delivery timings).
    pub async fn start_with_fakes_and(
        backend: Backend,
        telegram_url: Option<Url>,
        viber_url: Option<Url>,
        public_url: Option<&str>,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let db = TestDatabase::migrated(backend);
        let mut config = Config::for_database(db.url(), db.dir().join("data"));
        config.workers = 2;
        let closed: Url = "http://127.0.0.1:9".parse().expect("a URL");
        config.telegram_api_url = telegram_url.unwrap_or_else(|| closed.clone());
        config.viber_api_url = viber_url.unwrap_or(closed);
        // The server takes this socket as bound: a port reserved and released
        // first could be taken by another process before the server binds it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free local port");
        config.bind = listener.local_addr().expect("a bound address");
        config.public_url = match public_url {
            Some(url) => url.parse().expect("the public URL parses"),
            None => format!("http://{}", config.bind).parse().expect("a URL"),
        };
        config.admin = Some(InitialAdmin {
            email: ADMIN_EMAIL.into(),
            password: Secret(ADMIN_PASSWORD.into()),
        });
        adjust(&mut config);
        Self::start_serving(backend, config, db, Some(listener)).await
    }

    /// Another server node on the same database (PostgreSQL runs several).
    /// It listens on a port of its own (messengers keep posting to the first).
    pub async fn second_node(&self) -> TestApp {
        let mut config = self.config.clone();
        config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        let server = tidings::start(config.clone())
            .await
            .expect("the second node starts");
        TestApp {
            backend: self.backend,
            addr: server.addr,
            config,
            server: Some(server),
            db: self.db.clone(),
        }
    }

    /// Stops the server and starts a new one on the same database and port-0 bind.
    pub async fn restart(mut self) -> TestApp {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        let server = tidings::start(self.config.clone())
            .await
            .expect("the test server restarts");
        self.addr = server.addr;
        self.server = Some(server);
        self
    }

    /// The running server's services, for driving the engine directly.
    pub fn context(&self) -> &Context {
        &self.server.as_ref().expect("the server is running").context
    }

    /// An integration stored directly (no messenger involved).
    pub async fn integration(
        &self,
        kind: Channel,
        queue: &[Id],
        greeting: Option<&str>,
        auto_reply: Option<&str>,
    ) -> Integration {
        let queue = queue.to_vec();
        let greeting = greeting.map(str::to_owned);
        let auto_reply = auto_reply.map(str::to_owned);
        self.context()
            .store
            .run(move |conn| {
                let pipeline_id = tidings::store::crm::default_pipeline_id(conn)?;
                tidings::store::integrations::insert_integration(
                    conn,
                    tidings::store::integrations::NewIntegration {
                        kind,
                        name: &format!("{} bot", kind.as_str()),
                        token: "123:test-token",
                        webhook_secret: "test-secret",
                        delivery: shared::api::integrations::Delivery::Webhook,
                        pipeline_id,
                        greeting_text: greeting.as_deref(),
                        auto_reply_text: auto_reply.as_deref(),
                        queue: &queue,
                        bot_username: None,
                        bot_avatar_url: None,
                        routing: Default::default(),
                        whatsapp: None,
                    },
                )
            })
            .await
            .expect("the integration is stored")
    }

    /// Feeds the engine one normalized event, as a messenger would.
    pub async fn receive(&self, integration: &Integration, event: InboundEvent) -> Received {
        let dedup_key = format!("test-{}", NEXT_KEY.fetch_add(1, Ordering::Relaxed));
        self.receive_keyed(integration, &dedup_key, event).await
    }

    pub async fn receive_keyed(
        &self,
        integration: &Integration,
        dedup_key: &str,
        event: InboundEvent,
    ) -> Received {
        let integration = self.fresh(integration).await;
        tidings::service::inbound::store_inbound(
            self.context(),
            integration,
            Inbound {
                dedup_key: dedup_key.to_owned(),
                event,
            },
            "{}".to_owned(),
        )
        .await
        .expect("the event is stored")
    }

    /// A customer (known by `customer`, also their display name) writes `text`.
    pub async fn customer_writes(
        &self,
        integration: &Integration,
        customer: &str,
        text: &str,
    ) -> Received {
        self.receive(integration, text_message(customer, text))
            .await
    }

    /// A customer writes `text` and the chat it landed in.
    pub async fn new_chat(&self, integration: &Integration, customer: &str, text: &str) -> Id {
        self.customer_writes(integration, customer, text)
            .await
            .chat_id
            .expect("the message opens or finds a chat")
    }

    async fn fresh(&self, integration: &Integration) -> Integration {
        let id = integration.id;
        self.context()
            .store
            .run(move |conn| tidings::store::integrations::find_integration(conn, id))
            .await
            .expect("the integration exists")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Waits until the inbound writer has applied every update it kept for
    /// later (it does so when a burst arrives faster than it applies).
    pub async fn wait_until_applied(&self) {
        use diesel::prelude::*;
        use tidings::store::schema::inbound_events;
        eventually("kept updates to be applied", || async {
            let pending: i64 = self
                .context()
                .store
                .run(|conn| {
                    Ok(inbound_events::table
                        .filter(inbound_events::status.eq("pending"))
                        .count()
                        .get_result(conn)?)
                })
                .await
                .expect("the inbound events read");
            (pending == 0).then_some(())
        })
        .await
    }

    /// A client with its own cookie jar, not signed in.
    pub fn client(&self) -> ApiClient {
        ApiClient::new(&format!("http://{}", self.addr))
    }

    pub async fn admin(&self) -> ApiClient {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn login(&self, email: &str, password: &str) -> ApiClient {
        ApiClient::login_at(&format!("http://{}", self.addr), email, password).await
    }

    /// Creates a user with [`PASSWORD`] through the admin API.
    pub async fn create_user(&self, name: &str, role: Role) -> User {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let admin = self.admin().await;
        let response = admin
            .post(
                "/api/v1/users",
                &json!({"email": email, "name": name, "password": PASSWORD, "role": role}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        body::<User>(response).await
    }

    /// Creates a user and returns a client signed in as them.
    pub async fn login_as(&self, name: &str, role: Role) -> (User, ApiClient) {
        let user = self.create_user(name, role).await;
        let client = self.login(&user.email, PASSWORD).await;
        (user, client)
    }
}

/// A free local address: bound on port 0, then released for the server to take.
/// Only for a server in another process: another process may take the port
/// before it binds; a server in this process takes a bound listener instead.
pub fn reserve_local_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free local port");
    listener.local_addr().expect("a bound address")
}

/// How long [`eventually`] waits for a condition.
pub const EVENTUALLY: Duration = Duration::from_secs(20);

/// Checks `probe` until it returns `Some` (every 50 ms, up to [`EVENTUALLY`]);
/// panics naming `what` otherwise. For state only visible through the API.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + EVENTUALLY;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {EVENTUALLY:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);
static NEXT_MESSAGE: AtomicU64 = AtomicU64::new(1);

pub fn customer(name: &str) -> CustomerProfile {
    CustomerProfile {
        // Numeric, like Telegram user ids, and stable per name.
        external_id: name
            .bytes()
            .fold(1_469_598_103_934_665_603_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211)
            })
            .rem_euclid(1 << 40)
            .to_string(),
        name: name.to_owned(),
        ..CustomerProfile::default()
    }
}

/// A plain text message from the customer.
pub fn text_message(customer_name: &str, text: &str) -> InboundEvent {
    InboundEvent::Message(InboundMessage {
        customer: customer(customer_name),
        external_id: NEXT_MESSAGE.fetch_add(1, Ordering::Relaxed).to_string(),
        sent_at: chrono::Utc::now(),
        content_kind: "text".into(),
        text: Some(text.to_owned()),
        attachments: Vec::new(),
        reply_to_external_id: None,
        reply_to_text: None,
        referral: None,
        details: serde_json::Value::Null,
    })
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Everything stops touching the database before it is dropped: a thread
        // still inside libpq when the test process exits can crash it.
        let Some(server) = self.server.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime)
                if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread =>
            {
                tokio::task::block_in_place(|| runtime.block_on(server.stop()));
            }
            // A current-thread runtime cannot wait here: signal and join what
            // runs on threads of its own.
            _ => server.signal_stop(),
        }
    }
}

/// A reqwest client bound to one server, with JSON helpers.
#[derive(Clone)]
pub struct ApiClient {
    pub http: Client,
    base: String,
    /// `tidings_session=…` as set at login (for the socket).
    pub session_cookie: Option<String>,
}

impl ApiClient {
    /// A client of the server at `base` (`http://host:port`) with its own
    /// cookie jar, not signed in.
    pub fn new(base: &str) -> ApiClient {
        ApiClient {
            http: Client::builder()
                .cookie_store(true)
                // The server closes a connection idle for 5 s (actix-web's
                // keep-alive); reusing one at that moment fails the request
                // with "connection closed before message completed".
                .pool_idle_timeout(std::time::Duration::from_secs(3))
                .build()
                .expect("a reqwest client builds"),
            base: base.to_owned(),
            session_cookie: None,
        }
    }

    /// Signs in to the server at `base` (also one running in another process).
    pub async fn login_at(base: &str, email: &str, password: &str) -> ApiClient {
        let mut client = ApiClient::new(base);
        let response = client
            .post(
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login as {email}");
        client.session_cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        client
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(body) = body {
            request = request.json(body);
        }
        request
            .send()
            .await
            .expect("the request reaches the server")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.request(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path, None).await
    }

    /// Sends raw bytes with a content type (for malformed-body tests).
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Response {
        self.http
            .post(format!("{}{}", self.base, path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the request reaches the server")
    }
}

/// Decodes a JSON body, failing the test with the body text if it does not fit.
pub async fn body<T: DeserializeOwned>(response: Response) -> T {
    let text = response.text().await.expect("a readable body");
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("unexpected body {text}: {err}"))
}

/// Asserts the status and CONTRACT's error shape; returns the error code.
pub async fn expect_error(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status, "status");
    let value: Value = body(response).await;
    let code = value["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not the error shape: {value}"))
        .to_owned();
    assert!(value["error"]["message"].is_string(), "{value}");
    code
}

pub fn from_value<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|err| panic!("{value}: {err}"))
}

/// Declares each listed `async fn name(backend: Backend)` as two tests,
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await;
            }
        }
    )+};
}
