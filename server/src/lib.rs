//! Tidings server: [`start`] builds and runs the whole server from a [`Config`];
//! `main.rs` and the integration tests both use it.

pub mod channels;
pub mod config;
pub mod demo;
pub mod domain;
pub mod http;
pub mod realtime;
pub mod service;
pub mod store;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpServer};
use anyhow::Context as _;
use tokio::sync::{watch, Notify};
use tracing_actix_web::TracingLogger;

use channels::telegram::TelegramChannel;
use channels::viber::ViberChannel;
use channels::Channels;
pub use config::Config;
use service::Context;
use store::Store;

/// A running server; dropping it does not stop it, call [`RunningServer::stop`].
pub struct RunningServer {
    pub addr: SocketAddr,
    pub store: Store,
    pub context: Context,
    handle: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    shutdown: watch::Sender<bool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    /// Asks the background workers and sockets to stop, without waiting (for
    /// callers that cannot await, such as a test's drop).
    pub fn signal_stop(&self) {
        self.context.hub.close_all();
        self.shutdown.send_replace(true);
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(self) {
        self.context.hub.close_all();
        self.handle.stop(true).await;
        if let Err(err) = self.task.await {
            tracing::error!(%err, "server task failed");
        }
        Self::stop_workers(self.shutdown, self.workers).await;
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
        Self::stop_workers(self.shutdown, self.workers).await;
        served?;
        Ok(())
    }

    async fn stop_workers(
        shutdown: watch::Sender<bool>,
        workers: Vec<tokio::task::JoinHandle<()>>,
    ) {
        let _ = shutdown.send(true);
        for worker in workers {
            if let Err(err) = worker.await {
                tracing::error!(%err, "background worker failed");
            }
        }
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
    Ok(Channels::default()
        .with_telegram(Arc::new(TelegramChannel::new(
            config.telegram_api_url.clone(),
        )))
        .with(Arc::new(ViberChannel::new(
            config.viber_api_url.clone(),
            http,
        ))))
}

/// A random name for this server process (lease holder).
fn node_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("node-{}", hex::encode(bytes))
}

const SQLITE_NODE_LEASE: &str = "sqlite-node";
/// A server that was killed frees the SQLite database after this long.
const SQLITE_LEASE_TTL: chrono::TimeDelta = chrono::TimeDelta::seconds(15);

/// SQLite runs one server: a second one on the same file refuses to start.
async fn claim_sqlite_node(store: &Store, node: &str) -> anyhow::Result<()> {
    let holder = node.to_owned();
    let claimed = store
        .run(move |conn| store::leases::acquire(conn, SQLITE_NODE_LEASE, &holder, SQLITE_LEASE_TTL))
        .await
        .context("cannot check for another server on this database")?;
    anyhow::ensure!(
        claimed,
        "another Tidings server is running on this SQLite database; SQLite runs one server \
         (use PostgreSQL to run several). If that server was killed, start again in 15 seconds"
    );
    Ok(())
}

/// Renews the SQLite node lease until shutdown, then releases it.
async fn keep_sqlite_node(store: Store, node: String, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = shutdown.changed() => {}
        }
        let holder = node.clone();
        if *shutdown.borrow() {
            if let Err(err) = store
                .run(move |conn| store::leases::release(conn, SQLITE_NODE_LEASE, &holder))
                .await
            {
                tracing::warn!(%err, "cannot release the SQLite node lease");
            }
            return;
        }
        if let Err(err) = store
            .run(move |conn| {
                store::leases::acquire(conn, SQLITE_NODE_LEASE, &holder, SQLITE_LEASE_TTL)
            })
            .await
        {
            tracing::warn!(%err, "cannot renew the SQLite node lease");
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
    let store = prepare_store(&config).await?;
    let channels = channels(&config)?;
    let config = Arc::new(config);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let node = node_id();
    if store.is_sqlite() {
        claim_sqlite_node(&store, &node).await?;
    }
    let context = Context {
        config: config.clone(),
        store: store.clone(),
        channels,
        outbound_ready: Arc::new(Notify::new()),
        attachments_ready: Arc::new(Notify::new()),
        hub: realtime::Hub::new(),
    };
    if let config::DatabaseUrl::Postgres(url) = &config.database {
        realtime::hub::spawn_postgres_listener(
            url.clone(),
            context.hub.clone(),
            shutdown_rx.clone(),
        );
    }
    let mut workers = vec![
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
        tokio::spawn(
            context
                .hub
                .clone()
                .run_dispatcher(store.clone(), shutdown_rx.clone()),
        ),
    ];
    if store.is_sqlite() {
        workers.push(tokio::spawn(keep_sqlite_node(
            store.clone(),
            node,
            shutdown_rx,
        )));
    }
    let state = web::Data::new(context.clone());
    let http_workers = match config.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(from_fn(http::reject_cross_site))
            .wrap(Compress::default())
            .wrap(TracingLogger::default())
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
    })
}
