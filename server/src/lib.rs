//! Tidings server: [`start`] builds and runs the whole server from a [`Config`];
//! `main.rs` and the integration tests both use it.

pub mod channels;
pub mod config;
pub mod demo;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod realtime;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod texts;

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpServer};
use anyhow::Context as _;
use tokio::sync::{watch, Notify};
use tracing_actix_web::TracingLogger;

use channels::api::ApiChannel;
use channels::telegram::TelegramChannel;
use channels::viber::ViberChannel;
use channels::whatsapp::WhatsAppChannel;
use channels::Channels;
pub use config::Config;
use service::Context;
use store::Store;

/// How long stopping waits for the inbound writer's current batch.
const INBOUND_WRITER_STOP: Duration = Duration::from_secs(2);
/// How long stopping waits for the PostgreSQL NOTIFY listener.
const LISTENER_STOP: Duration = Duration::from_secs(2);

/// A running server; dropping it does not stop it, call [`RunningServer::stop`].
pub struct RunningServer {
    pub addr: SocketAddr,
    pub store: Store,
    pub context: Context,
    handle: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    shutdown: watch::Sender<bool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
    /// PostgreSQL's NOTIFY listener thread, joined on stop.
    listener: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Held while the server runs on a SQLite file (see `lock_sqlite_database`).
    _sqlite_lock: Option<std::fs::File>,
}

impl RunningServer {
    /// Asks the background workers and sockets to stop, without waiting (for
    /// callers that cannot await, such as a test's drop).
    pub fn signal_stop(&self) {
        self.context.hub.close_all();
        self.shutdown.send_replace(true);
        self.context.inbound.stop(INBOUND_WRITER_STOP);
        join_listener(&self.listener);
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(self) {
        self.context.hub.close_all();
        self.handle.stop(true).await;
        if let Err(err) = self.task.await {
            tracing::error!(%err, "server task failed");
        }
        Self::stop_background(self.shutdown, self.workers, self.context, self.listener).await;
    }

    /// Runs until the server stops (Ctrl-C / SIGTERM).
    pub async fn wait(self) -> anyhow::Result<()> {
        let hub = self.context.hub.clone();
        let handle = self.handle.clone();
        // On Ctrl-C / SIGTERM: close the sockets so the graceful stop is quick.
        tokio::spawn(async move {
            stop_signal().await;
            tracing::info!("stopping");
            hub.close_all();
            handle.stop(true).await;
        });
        let served = self.task.await.context("server task failed")?;
        Self::stop_background(self.shutdown, self.workers, self.context, self.listener).await;
        served?;
        Ok(())
    }

    /// Stops and waits for the workers, then the inbound writer and the
    /// NOTIFY listener threads, so nothing touches the database afterwards.
    async fn stop_background(
        shutdown: watch::Sender<bool>,
        workers: Vec<tokio::task::JoinHandle<()>>,
        context: Context,
        listener: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    ) {
        let _ = shutdown.send(true);
        for worker in workers {
            if let Err(err) = worker.await {
                tracing::error!(%err, "background worker failed");
            }
        }
        let _ = tokio::task::spawn_blocking(move || {
            context.inbound.stop(INBOUND_WRITER_STOP);
            join_listener(&listener);
        })
        .await;
    }
}

/// Waits (bounded) for the NOTIFY listener thread to end; it checks the
/// shutdown flag every few milliseconds. Called once the flag is set.
fn join_listener(listener: &std::sync::Mutex<Option<std::thread::JoinHandle<()>>>) {
    let listener = listener
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    let Some(listener) = listener else { return };
    let deadline = std::time::Instant::now() + LISTENER_STOP;
    while !listener.is_finished() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if listener.is_finished() {
        let _ = listener.join();
    } else {
        tracing::warn!("the event listener did not stop in time");
    }
}

/// Ctrl-C or SIGTERM.
async fn stop_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let sigterm = async {
        match terminate.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = sigterm => {}
    }
}

/// Opens the database, applies migrations, seeds what every installation needs
/// and returns the store.
pub async fn prepare_store(config: &Config) -> anyhow::Result<Store> {
    let url = config.database.clone();
    let store = tokio::task::spawn_blocking(move || -> anyhow::Result<Store> {
        let store = Store::open(&url).context("cannot open the database")?;
        let applied = store.migrate().context("cannot apply migrations")?;
        for name in applied {
            tracing::info!(migration = %name, "migration applied");
        }
        store
            .run_blocking(store::setup::ensure_default_pipeline)
            .context("cannot prepare the default pipeline")?;
        Ok(store)
    })
    .await
    .context("start-up task failed")??;
    if let Some(admin) = &config.admin {
        if let Some(user) =
            service::accounts::ensure_initial_admin(&store, &admin.email, admin.password.expose())
                .await
                .context("cannot create the initial admin")?
        {
            tracing::info!(user_id = user.id, email = %user.email, "initial admin created");
        }
    }
    Ok(store)
}

/// The messengers, aimed at the configured API base URLs.
fn channels(config: &Config) -> anyhow::Result<Channels> {
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .context("cannot build the HTTP client")?;
    // `with_telegram`, not `with`: long polling needs the concrete channel.
    let timeout = config.delivery.request_timeout;
    Ok(Channels::default()
        .with_telegram(Arc::new(TelegramChannel::with_request_timeout(
            config.telegram_api_url.clone(),
            timeout,
        )))
        .with(Arc::new(
            ViberChannel::new(config.viber_api_url.clone(), http.clone()).with_timeout(timeout),
        ))
        .with(Arc::new(
            WhatsAppChannel::new(config.whatsapp_api_url.clone(), http.clone())
                .with_timeout(timeout),
        ))
        .with_api(Arc::new(ApiChannel::new(http, timeout))))
}

/// A random name for this server process (lease holder).
fn node_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("node-{}", hex::encode(bytes))
}

/// SQLite runs one server: it holds an exclusive lock on `<database>.lock`
/// while it runs. The kernel drops the lock when the process dies, so the
/// successor of a killed server starts at once.
fn lock_sqlite_database(database: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let mut lock_path = database.as_os_str().to_owned();
    lock_path.push(".lock");
    if let Some(parent) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", std::path::Path::new(&lock_path).display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another Tidings server is running on this SQLite database; SQLite runs one server \
             (use PostgreSQL to run several)"
        ),
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).context("cannot lock the SQLite database for this server")
        }
    }
}

/// Starts the server on `config.bind` (port 0 picks a free port) and its
/// background workers.
pub async fn start(config: Config) -> anyhow::Result<RunningServer> {
    start_serving(config, None).await
}

/// Like [`start`], on a socket the caller bound already: it knows the port
/// before the server starts (to put it in `config.public_url`, which
/// messengers call back). `config.bind` is not used.
pub async fn start_on(
    config: Config,
    listener: std::net::TcpListener,
) -> anyhow::Result<RunningServer> {
    start_serving(config, Some(listener)).await
}

async fn start_serving(
    config: Config,
    listener: Option<std::net::TcpListener>,
) -> anyhow::Result<RunningServer> {
    // One server per SQLite file, checked before anything touches the database.
    let sqlite_lock = match &config.database {
        config::DatabaseUrl::Sqlite(path) => Some(lock_sqlite_database(path)?),
        config::DatabaseUrl::Postgres(_) => None,
    };
    let store = prepare_store(&config).await?;
    if sqlite_lock.is_some() {
        // This server alone owns the database: sends a crash cut off are due now.
        let released = store
            .run(crate::store::outbound::release_interrupted)
            .await?;
        if released > 0 {
            tracing::warn!(
                released,
                "messages whose sending a crash cut off are sent again"
            );
        }
    }
    let removed = service::uploads::remove_abandoned(&config.data_dir).await;
    if removed > 0 {
        tracing::info!(removed, "uploads a crash cut off were removed");
    }
    match service::erasure::remove_orphan_files(&store, &config.data_dir).await {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "files of erased attachments were removed"),
        Err(err) => tracing::warn!(%err, "cannot look for files of erased attachments"),
    }
    // The first node to start makes the VAPID key every node then uses.
    service::push::ensure_key(&store)
        .await
        .context("cannot prepare the Web Push key")?;
    let channels = channels(&config)?;
    let config = Arc::new(config);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let node = node_id();
    let outbound_ready = Arc::new(Notify::new());
    let attachments_ready = Arc::new(Notify::new());
    let hub = realtime::Hub::new();
    let metrics = Arc::new(metrics::Metrics::new()?);
    let context = Context {
        config: config.clone(),
        store: store.clone(),
        inbound: service::inbound::start_writer(
            &store,
            &channels,
            outbound_ready.clone(),
            attachments_ready.clone(),
            hub.clone(),
            metrics.clone(),
            config.inbound_appliers,
        )?,
        channels,
        password_checks: Arc::new(service::accounts::PasswordChecks::for_this_machine()),
        outbound_ready,
        attachments_ready,
        hub,
        webhook_view: Arc::default(),
        backups: service::backup::BackupReport::default(),
        metrics,
        node: node.as_str().into(),
        routing_ready: Arc::new(Notify::new()),
    };
    let event_listener = match &config.database {
        config::DatabaseUrl::Postgres(url) => Some(realtime::hub::spawn_postgres_listener(
            url.clone(),
            context.hub.clone(),
            shutdown_rx.clone(),
        )?),
        config::DatabaseUrl::Sqlite(_) => None,
    };
    let workers = vec![
        tokio::spawn(service::outbound::run(context.clone(), shutdown_rx.clone())),
        tokio::spawn(service::attachments::run(
            context.clone(),
            shutdown_rx.clone(),
        )),
        tokio::spawn(service::polling::run(
            context.clone(),
            node.clone(),
            shutdown_rx.clone(),
        )),
        tokio::spawn(service::chats::snooze::run(
            context.clone(),
            node,
            shutdown_rx.clone(),
        )),
        tokio::spawn(
            context
                .hub
                .clone()
                .run_dispatcher(store.clone(), shutdown_rx.clone()),
        ),
        tokio::spawn(service::routing::run(context.clone(), shutdown_rx.clone())),
        tokio::spawn(service::push::run(context.clone(), shutdown_rx.clone())),
        tokio::spawn(service::backup::schedule::run(
            config.clone(),
            context.backups.clone(),
            shutdown_rx.clone(),
        )),
        tokio::spawn(service::report_records::run(
            context.clone(),
            shutdown_rx.clone(),
        )),
    ];
    let state = web::Data::new(context.clone());
    let http_workers = match config.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(from_fn(http::reject_cross_site))
            .wrap(from_fn(http::speak_the_callers_language))
            .wrap(Compress::default())
            .wrap(TracingLogger::<telemetry::RequestSpan>::new())
            .wrap(from_fn(http::security::add_security_headers))
            .wrap(from_fn(http::metrics::count_responses))
            .configure(http::configure)
            .default_service(web::to(http::fallback))
    })
    .workers(http_workers)
    // Sockets are closed first on stop; requests get a few seconds to finish.
    .shutdown_timeout(5)
    .disable_signals();
    let server = match listener {
        Some(listener) => {
            let addr = listener.local_addr().ok();
            server
                .listen(listener)
                .with_context(|| format!("cannot listen on {addr:?}"))?
        }
        None => server
            .bind(config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?,
    };
    let addr = *server
        .addrs()
        .first()
        .context("the server is bound to no address")?;
    let server = server.run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    tracing::info!(%addr, public_url = %config.public_url, "Tidings is listening");
    Ok(RunningServer {
        addr,
        store,
        context,
        handle,
        task,
        shutdown,
        workers,
        listener: std::sync::Mutex::new(event_listener),
        _sqlite_lock: sqlite_lock,
    })
}
