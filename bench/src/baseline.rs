//! Baselines run in the same process as the server under test: a bare
//! actix-web endpoint that parses the same update (Tidings' own Telegram
//! parser) and answers 200 without storing, and one that stores each update in
//! its own SQLite transaction (diesel `SqliteConnection`, the same pragmas as
//! the server). Ingest figures are printed as ratios to these.

use std::sync::Mutex;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::Context as _;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use tidings::channels::telegram::TelegramChannel;
use tidings::channels::Channel as _;
use tidings_tests::fake_telegram::SECRET_HEADER;

pub const SECRET: &str = "baseline-secret";

/// Which baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Parse and answer.
    ParseOnly,
    /// Parse, then one SQLite transaction per update.
    SqlitePerRequest,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::ParseOnly => "bare parse",
            Kind::SqlitePerRequest => "SQLite txn/request",
        }
    }
}

pub struct Baseline {
    pub kind: Kind,
    pub url: String,
    handle: ServerHandle,
    _dir: tempfile::TempDir,
}

struct State {
    channel: TelegramChannel,
    db: Option<Mutex<SqliteConnection>>,
}

impl Baseline {
    pub async fn start(kind: Kind, workers: usize) -> anyhow::Result<Baseline> {
        let dir = tempfile::tempdir()?;
        let db = match kind {
            Kind::ParseOnly => None,
            Kind::SqlitePerRequest => {
                let path = dir.path().join("baseline.db");
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 5000; \
                     CREATE TABLE updates (id INTEGER PRIMARY KEY, dedup_key TEXT NOT NULL UNIQUE, \
                     body TEXT NOT NULL, received_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);",
                )?;
                Some(Mutex::new(conn))
            }
        };
        let state = web::Data::new(State {
            channel: TelegramChannel::new("http://127.0.0.1:9".parse()?),
            db,
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/hooks/telegram/{id}", web::post().to(receive))
        })
        .workers(workers.max(1))
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .context("the baseline listens")?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Baseline {
            kind,
            url: format!("http://{addr}/hooks/telegram/1"),
            handle,
            _dir: dir,
        })
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

async fn receive(state: web::Data<State>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let secret = req
        .headers()
        .get(SECRET_HEADER)
        .and_then(|v| v.to_str().ok());
    if secret != Some(SECRET) {
        return HttpResponse::Unauthorized().finish();
    }
    let Ok(inbound) = state.channel.parse(&body) else {
        return HttpResponse::BadRequest().finish();
    };
    if state.db.is_some() {
        let stored = web::block(move || {
            let Some(db) = &state.db else {
                return Ok(0);
            };
            let mut conn = db.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let body = String::from_utf8_lossy(&body).into_owned();
            conn.immediate_transaction(|conn| {
                diesel::sql_query("INSERT INTO updates (dedup_key, body) VALUES (?, ?)")
                    .bind::<Text, _>(&inbound.dedup_key)
                    .bind::<Text, _>(body)
                    .execute(conn)
            })
        })
        .await;
        if !matches!(stored, Ok(Ok(_))) {
            return HttpResponse::ServiceUnavailable().finish();
        }
    }
    HttpResponse::Ok().json(serde_json::json!({}))
}
