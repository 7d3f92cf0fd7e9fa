//! Tidings server: [`start`] builds and runs the whole server from a [`Config`];
//! `main.rs` and the integration tests both use it.

pub mod config;
pub mod domain;
pub mod http;
pub mod service;
pub mod store;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

pub use config::Config;
use http::AppState;
use store::Store;

/// A running server; dropping it does not stop it, call [`RunningServer::stop`].
pub struct RunningServer {
    pub addr: SocketAddr,
    pub store: Store,
    handle: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        if let Err(err) = self.task.await {
            tracing::error!(%err, "server task failed");
        }
    }

    /// Runs until the server stops (Ctrl-C / SIGTERM).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task failed")??;
        Ok(())
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

/// Starts the server on `config.bind` (port 0 picks a free port).
pub async fn start(config: Config) -> anyhow::Result<RunningServer> {
    let store = prepare_store(&config).await?;
    let config = Arc::new(config);
    let state = web::Data::new(AppState {
        config: config.clone(),
        store: store.clone(),
    });
    let workers = match config.workers {
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
    .workers(workers)
    .bind(config.bind)
    .with_context(|| format!("cannot listen on {}", config.bind))?;
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
        handle,
        task,
    })
}
