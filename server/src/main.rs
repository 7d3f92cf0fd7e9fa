//! The `tidings` command line: `serve` (default), `migrate`, `user add`, `demo`,
//! `backup`, `restore`.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use shared::api::users::Role;
use tidings::service::accounts::{self, NewAccount};
use tidings::service::backup;
use tidings::{telemetry, Config};

#[derive(Parser)]
#[command(
    name = "tidings",
    version,
    about = "Self-hostable customer communications server"
)]
struct Cli {
    /// Configuration file (keys as in the environment, lower case, without TIDINGS_).
    #[arg(long, env = "TIDINGS_CONFIG", default_value = "tidings.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Run fully offline with demo data and simulated Telegram, Viber and WhatsApp
    /// customers (its own database in DATA_DIR/demo; prints the URLs and logins).
    Demo {
        /// Delete the demo database and files and start over.
        #[arg(long)]
        reset: bool,
    },
    /// Write a consistent snapshot of the SQLite database and the attachments
    /// into DIR (new or empty); works while the server runs.
    Backup {
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Fill a new database and an empty data directory from a snapshot made
    /// by `tidings backup`.
    Restore {
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password comes from --password or one line on stdin.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Employee,
    Follower,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Employee => Role::Employee,
            RoleArg::Follower => Role::Follower,
        }
    }
}

/// Large allocations are mapped, and unmapped when freed. glibc would raise its
/// threshold to the size of the first one freed (Argon2's 19 MiB of working
/// memory at the first sign-in) and keep every later one in its heap: 19 MiB
/// of idle RSS for nothing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_allocations_to_the_system() {
    // SAFETY: mallopt only changes the allocator's settings, under its own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_allocations_to_the_system() {}

#[tokio::main]
async fn main() -> ExitCode {
    return_large_allocations_to_the_system();
    telemetry::init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tidings: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(&cli.config)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => tidings::start(config).await?.wait().await,
        Command::Demo { reset } => Ok(tidings::demo::run(config, reset).await?),
        Command::Backup { to } => {
            let written = to.clone();
            let manifest =
                tokio::task::spawn_blocking(move || backup::back_up(&config, &to)).await??;
            println!(
                "backup written to {}: the database as of {} and {} files",
                written.display(),
                manifest.taken_at,
                manifest.files
            );
            Ok(())
        }
        Command::Restore { from } => {
            let source = from.clone();
            let manifest =
                tokio::task::spawn_blocking(move || backup::restore(&config, &from)).await??;
            println!(
                "restored from {}: the database as of {} and {} files",
                source.display(),
                manifest.taken_at,
                manifest.files
            );
            Ok(())
        }
        Command::Migrate => {
            tidings::prepare_store(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    role,
                    password,
                },
        } => {
            let password = match password {
                Some(password) => password,
                None => read_password_line()?,
            };
            let store = tidings::prepare_store(&config).await?;
            let user = accounts::create_user(
                &store,
                NewAccount {
                    email,
                    name,
                    password,
                    role: role.into(),
                },
            )
            .await?;
            println!(
                "user {} created: {} ({})",
                user.id,
                user.email,
                user.role.as_str()
            );
            Ok(())
        }
    }
}

fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    anyhow::ensure!(!password.is_empty(), "no password given on stdin");
    Ok(password)
}
