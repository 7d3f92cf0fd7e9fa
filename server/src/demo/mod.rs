//! `tidings demo`: the whole product offline in one command. The real server
//! runs on its own SQLite database in `{data_dir}/demo/` (the configured
//! database is never touched), its Telegram, Viber and WhatsApp channels
//! aimed at the in-process [`simulator`], with a demo team, a sales pipeline,
//! three integrations and a few hundred past conversations ([`seed`]). The
//! first start fills the database; later starts reuse it (`--reset` starts
//! over).

mod corpus;
mod history;
mod mirror;
mod plan;
pub mod seed;
pub mod simulator;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use url::Url;

use crate::config::{Config, DatabaseUrl};
use crate::RunningServer;
pub use seed::{DemoLogin, SeedError, Seeded, LOGINS};
use simulator::{Simulator, SimulatorError};

/// Where the demo keeps everything: `{data_dir}/demo/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPaths {
    pub dir: PathBuf,
    /// `tidings-demo.db`.
    pub database: PathBuf,
    /// The demo server's data directory (attachments).
    pub files: PathBuf,
    /// The simulator's customers.
    pub simulator_state: PathBuf,
    /// Written once seeding finished: without it the directory is half-made.
    seeded_marker: PathBuf,
}

impl DemoPaths {
    pub fn new(data_dir: &Path) -> DemoPaths {
        let dir = data_dir.join("demo");
        DemoPaths {
            database: dir.join("tidings-demo.db"),
            files: dir.join("files"),
            simulator_state: dir.join("simulator.json"),
            seeded_marker: dir.join("seeded"),
            dir,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot prepare {}: {source}", path.display())]
    Files {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Simulator(#[from] SimulatorError),
    #[error("the simulator's address is not a URL: {0}")]
    Url(#[from] url::ParseError),
    #[error("the demo server did not start: {0:#}")]
    Server(anyhow::Error),
    #[error("cannot fill the demo database: {0}")]
    Seed(#[from] SeedError),
    #[error("the demo server stopped with an error: {0:#}")]
    Stopped(anyhow::Error),
}

/// A running demo: the server, the simulator, and what to tell the user.
pub struct DemoHandle {
    pub server: RunningServer,
    pub simulator: Simulator,
    /// The web app.
    pub app_url: Url,
    /// The customer simulator's page.
    pub simulator_url: Url,
    pub logins: &'static [DemoLogin],
    /// What this start put into a fresh database; `None` when an existing
    /// demo database was reused.
    pub seeded: Option<Seeded>,
    pub paths: DemoPaths,
}

impl DemoHandle {
    /// Stops the server, then the simulator.
    pub async fn stop(self) {
        self.server.stop().await;
        self.simulator.stop().await;
    }

    /// Runs until the server stops (Ctrl-C / SIGTERM), then stops the simulator.
    pub async fn wait(self) -> Result<(), DemoError> {
        let served = self.server.wait().await;
        self.simulator.stop().await;
        served.map_err(DemoError::Stopped)
    }
}

fn files_error(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Files {
        path: path.to_owned(),
        source,
    }
}

/// Deletes the demo directory (database, files, simulator state).
fn remove_demo(paths: &DemoPaths) -> Result<(), DemoError> {
    match std::fs::remove_dir_all(&paths.dir) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(files_error(&paths.dir)(err)),
    }
}

/// The URL that reaches a local listener (`0.0.0.0` is not an address to call).
fn local_url(addr: SocketAddr) -> Result<Url, url::ParseError> {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Url::parse(&format!("http://{}/", SocketAddr::new(ip, addr.port())))
}

/// Starts the simulator and the server on the demo database (filled on the
/// first start or after `reset`), listening on `config.bind`.
pub async fn start(mut config: Config, reset: bool) -> Result<DemoHandle, DemoError> {
    let paths = DemoPaths::new(&config.data_dir);
    if reset {
        remove_demo(&paths)?;
    }
    let fresh = !paths.seeded_marker.exists();
    if fresh && paths.dir.exists() {
        tracing::warn!(dir = %paths.dir.display(), "an earlier demo start did not finish; starting over");
        remove_demo(&paths)?;
    }
    std::fs::create_dir_all(&paths.files).map_err(files_error(&paths.files))?;

    let simulator = Simulator::start(paths.simulator_state.clone()).await?;
    let listener = match std::net::TcpListener::bind(config.bind) {
        Ok(listener) => listener,
        Err(source) => {
            simulator.stop().await;
            return Err(DemoError::Listen {
                addr: config.bind,
                source,
            });
        }
    };
    let addr = listener.local_addr().map_err(|source| DemoError::Listen {
        addr: config.bind,
        source,
    })?;
    let app_url = local_url(addr)?;
    config.database = DatabaseUrl::Sqlite(paths.database.clone());
    config.data_dir = paths.files.clone();
    config.bind = addr;
    config.public_url = app_url.clone();
    config.telegram_api_url = simulator.telegram_api_url()?;
    config.viber_api_url = simulator.viber_api_url()?;
    config.whatsapp_api_url = simulator.whatsapp_api_url()?;
    config.admin = None;
    config.demo_simulator_url = Some(simulator.url().clone());
    simulator.sim().set_app_url(app_url.as_str());

    let server = match crate::start_on(config, listener).await {
        Ok(server) => server,
        Err(err) => {
            simulator.stop().await;
            return Err(DemoError::Server(err));
        }
    };
    let prepared = if fresh {
        seed::seed(&server.context, simulator.sim()).await.map(Some)
    } else {
        seed::reconnect(&server.context, simulator.sim())
            .await
            .map(|()| None)
    };
    let seeded = match prepared {
        Ok(seeded) => seeded,
        Err(err) => {
            server.stop().await;
            simulator.stop().await;
            return Err(err.into());
        }
    };
    if let Some(seeded) = &seeded {
        // The simulator's customers match the fresh database from now on.
        simulator.sim().save().await;
        std::fs::write(&paths.seeded_marker, format!("{} chats\n", seeded.chats))
            .map_err(files_error(&paths.seeded_marker))?;
        tracing::info!(chats = seeded.chats, "demo data created");
    }
    let simulator_url = simulator.url().clone();
    Ok(DemoHandle {
        server,
        simulator,
        app_url,
        simulator_url,
        logins: &LOGINS,
        seeded,
        paths,
    })
}

/// `tidings demo [--reset]`: starts, prints where to go and how to sign in,
/// and runs until Ctrl-C.
pub async fn run(config: Config, reset: bool) -> Result<(), DemoError> {
    let demo = start(config, reset).await?;
    println!("{}", banner(&demo));
    demo.wait().await
}

fn banner(demo: &DemoHandle) -> String {
    let mut text = String::new();
    text.push_str("\nTidings demo: everything is simulated, nothing leaves this machine.\n\n");
    text.push_str(&format!("  Web app:    {}\n", demo.app_url));
    text.push_str(&format!(
        "  Simulator:  {}  (write as a Telegram, Viber or WhatsApp customer)\n\n",
        demo.simulator_url
    ));
    text.push_str("  Sign in as:\n");
    for login in demo.logins {
        text.push_str(&format!(
            "    {:<9} {:<20} {:<12} ({})\n",
            login.role.as_str(),
            login.email,
            login.password,
            login.name
        ));
    }
    let data = match &demo.seeded {
        Some(seeded) => format!("new demo data ({} conversations)", seeded.chats),
        None => "the existing demo data".to_owned(),
    };
    text.push_str(&format!(
        "\n  Using {data} in {}; `tidings demo --reset` starts over. Ctrl-C stops.\n",
        demo.paths.dir.display()
    ));
    text
}
