//! The messenger simulator of `tidings demo`: one HTTP server on
//! `127.0.0.1:<random port>` that plays the Telegram Bot API (`/telegram`),
//! the Viber REST API (`/viber/pa`), the WhatsApp Cloud API (`/whatsapp`)
//! and their customers, and serves the page
//! where one writes as such a customer (`/`). The Tidings server talks to it
//! through its ordinary channel code (its API base URLs point here) and gets
//! the customers' messages as real webhook calls; nothing in the engine knows
//! it is a demo. The simulator never touches the Tidings database.

mod api;
pub mod customers;
pub mod png;
pub mod protocol;
pub mod request;
pub mod state;
pub mod telegram;
mod traffic;
pub mod viber;
pub mod whatsapp;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};
use tokio::sync::watch;
use url::Url;

pub use state::Sim;

/// How often changed customers are written to the state file.
const SAVE_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    #[error("cannot listen on a local port: {0}")]
    Listen(std::io::Error),
    #[error("cannot build the simulator's HTTP client: {0}")]
    Client(reqwest::Error),
    #[error("the simulator's address is not a URL: {0}")]
    Url(#[from] url::ParseError),
}

/// The running simulator; stop it with [`Simulator::stop`].
pub struct Simulator {
    sim: Arc<Sim>,
    handle: ServerHandle,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    shutdown: watch::Sender<bool>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Simulator {
    /// Starts on a free local port; customers are kept in `state_file`.
    pub async fn start(state_file: PathBuf) -> Result<Simulator, SimulatorError> {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").map_err(SimulatorError::Listen)?;
        let addr = listener.local_addr().map_err(SimulatorError::Listen)?;
        let base = Url::parse(&format!("http://{addr}/"))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(SimulatorError::Client)?;
        let sim = Arc::new(Sim::load(base, state_file, http));
        let data = web::Data::from(sim.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                // WhatsApp uploads: videos and audio up to 16 MB.
                .app_data(web::PayloadConfig::new(17 * 1024 * 1024))
                .configure(api::configure)
                .route("/telegram/{tail:.*}", web::to(telegram::bot_api))
                .route("/viber/pa/{method}", web::post().to(viber::api))
                .route("/whatsapp/{object}", web::get().to(whatsapp::object))
                .route("/whatsapp/{object}/{edge}", web::to(whatsapp::edge))
                .route(
                    "/whatsapp_business/attachments/",
                    web::get().to(whatsapp::download),
                )
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(2)
        .listen(listener)
        .map_err(SimulatorError::Listen)?
        .run();
        let handle = server.handle();
        let server = tokio::spawn(server);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let background = vec![
            tokio::spawn(traffic::run(sim.clone(), shutdown_rx.clone())),
            tokio::spawn(keep_saving(sim.clone(), shutdown_rx)),
        ];
        tracing::info!(%addr, "messenger simulator listening");
        Ok(Simulator {
            sim,
            handle,
            server,
            shutdown,
            background,
        })
    }

    /// The page where one writes as a customer.
    pub fn url(&self) -> &Url {
        &self.sim.base
    }

    /// Where the server's Telegram channel should send Bot API calls.
    pub fn telegram_api_url(&self) -> Result<Url, url::ParseError> {
        self.sim.base.join("telegram")
    }

    /// Where the server's Viber channel should send REST calls.
    pub fn viber_api_url(&self) -> Result<Url, url::ParseError> {
        self.sim.base.join("viber/pa")
    }

    /// Where the server's WhatsApp channel should send Graph API calls.
    pub fn whatsapp_api_url(&self) -> Result<Url, url::ParseError> {
        self.sim.base.join("whatsapp")
    }

    /// The simulators' state (the seeder adds the past customers to it).
    pub fn sim(&self) -> &Arc<Sim> {
        &self.sim
    }

    /// Stops serving and saves the customers.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        self.handle.stop(true).await;
        if let Err(err) = self.server.await {
            tracing::warn!(%err, "the simulator's server task failed");
        }
        for task in self.background {
            if let Err(err) = task.await {
                tracing::warn!(%err, "a simulator task failed");
            }
        }
        self.sim.save().await;
    }
}

async fn keep_saving(sim: Arc<Sim>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(SAVE_EVERY) => sim.save().await,
            _ = shutdown.changed() => return,
        }
    }
}
