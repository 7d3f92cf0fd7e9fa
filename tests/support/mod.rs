//! Test support: the real server on a random port with a fresh database (SQLite
//! file or PostgreSQL database), typed helpers, and both-backend test macros.

pub mod db;

use std::net::SocketAddr;

use reqwest::{Client, Method, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use shared::api::users::{Role, User};
use tidings::config::{Config, InitialAdmin, Secret};
use tidings::RunningServer;

pub use db::{Backend, TestDatabase};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password";
pub const PASSWORD: &str = "user-password";

/// A running Tidings server with its own database and data directory.
pub struct TestApp {
    pub backend: Backend,
    pub addr: SocketAddr,
    pub config: Config,
    server: Option<RunningServer>,
    // Dropped last: the database outlives the server that uses it.
    pub db: TestDatabase,
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        let db = TestDatabase::create(backend);
        let mut config = Config::for_database(db.url(), db.dir().join("data"));
        config.workers = 2;
        config.admin = Some(InitialAdmin {
            email: ADMIN_EMAIL.into(),
            password: Secret(ADMIN_PASSWORD.into()),
        });
        Self::start_with(backend, config, db).await
    }

    pub async fn start_with(backend: Backend, config: Config, db: TestDatabase) -> TestApp {
        tidings::telemetry::init();
        let server = tidings::start(config.clone())
            .await
            .expect("the test server starts");
        TestApp {
            backend,
            addr: server.addr,
            config,
            server: Some(server),
            db,
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

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client with its own cookie jar, not signed in.
    pub fn client(&self) -> ApiClient {
        ApiClient {
            http: Client::builder()
                .cookie_store(true)
                .build()
                .expect("a reqwest client builds"),
            base: format!("http://{}", self.addr),
        }
    }

    pub async fn admin(&self) -> ApiClient {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn login(&self, email: &str, password: &str) -> ApiClient {
        let client = self.client();
        let response = client
            .post(
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login as {email}");
        client
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
        from_value(body::<Value>(response).await["user"].clone())
    }

    /// Creates a user and returns a client signed in as them.
    pub async fn login_as(&self, name: &str, role: Role) -> (User, ApiClient) {
        let user = self.create_user(name, role).await;
        let client = self.login(&user.email, PASSWORD).await;
        (user, client)
    }
}

/// A reqwest client bound to one server, with JSON helpers.
#[derive(Clone)]
pub struct ApiClient {
    pub http: Client,
    base: String,
}

impl ApiClient {
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
