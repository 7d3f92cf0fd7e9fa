//! The one typed configuration: defaults, then `tidings.toml`, then `TIDINGS_*`
//! environment variables (the environment wins). Validated at load; every error
//! names the offending key.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::domain::client_address::TrustedProxies;

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub bind: SocketAddr,
    /// Base URL messengers use to reach our webhooks.
    pub public_url: Url,
    pub data_dir: PathBuf,
    pub telegram_api_url: Url,
    pub viber_api_url: Url,
    /// First admin, created at start when no user exists yet.
    pub admin: Option<InitialAdmin>,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// Set only by `tidings demo` (never read from the environment or the
    /// file): the customer simulator's page, announced by `GET /api/v1/info`.
    pub demo_simulator_url: Option<Url>,
    pub delivery: DeliveryTiming,
    /// PostgreSQL: connections applying kept inbound updates at once, each
    /// on its own customers (SQLite always has one writer).
    pub inbound_appliers: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// When a user counts as offline or away (presence).
    pub presence: PresenceTiming,
    /// Hosts a Web Push endpoint may be on; empty: the browsers' push services.
    pub push_hosts: Vec<String>,
    pub whatsapp_api_url: Url,
    pub backups: BackupSchedule,
    /// Bearer token for `GET /metrics`; without one, loopback callers only.
    pub metrics_token: Option<Secret>,
}

/// `TIDINGS_OFFLINE_AFTER_S` and `TIDINGS_IDLE_AWAY_S`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceTiming {
    /// A user with no live socket for this long is offline.
    pub offline_after: Duration,
    /// A user whose app reports no activity for this long is away.
    pub idle_away: Duration,
}

/// Scheduled SQLite backups (`TIDINGS_BACKUP_*`); off without a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSchedule {
    pub dir: Option<PathBuf>,
    pub every: Duration,
    /// Snapshots kept; older ones are removed.
    pub keep: usize,
}

/// How long a messenger call may take and how the outbound queue spaces its
/// retries (tests compress these to run minutes of outages in seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryTiming {
    /// Limit for one ordinary messenger API call (a send, `getMe` …).
    pub request_timeout: Duration,
    /// Wait before the first retry of a failed send; doubles per attempt.
    pub retry_first: Duration,
    /// Longest wait between two attempts.
    pub retry_max: Duration,
}

impl Default for DeliveryTiming {
    fn default() -> Self {
        DeliveryTiming {
            request_timeout: Duration::from_secs(30),
            retry_first: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Clone)]
pub struct InitialAdmin {
    pub email: String,
    pub password: Secret,
}

/// Which database to use; the backend is chosen from the URL scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH`: an embedded database file.
    Sqlite(PathBuf),
    /// `postgres://…` (or `postgresql://…`), passed to libpq as is.
    Postgres(Secret),
}

impl DatabaseUrl {
    pub fn parse(value: &str) -> Result<DatabaseUrl, String> {
        if let Some(path) = value.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://data/tidings.db".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(Secret(value.to_owned())))
        } else {
            Err(format!(
                "unsupported database URL scheme in {:?}: use sqlite://PATH or postgres://…",
                redact_url(value)
            ))
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }
}

/// A value that must never reach a log: prints as `[redacted]`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The raw keys as they appear in `tidings.toml` and (upper-cased, `TIDINGS_`
/// prefixed) in the environment.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    database_url: String,
    bind: String,
    public_url: Option<String>,
    data_dir: PathBuf,
    telegram_api_url: String,
    viber_api_url: String,
    admin_email: Option<String>,
    admin_password: Option<Secret>,
    workers: usize,
    messenger_timeout_ms: u64,
    retry_first_ms: u64,
    retry_max_ms: u64,
    inbound_appliers: usize,
    trusted_proxies: String,
    offline_after_s: u64,
    idle_away_s: u64,
    push_hosts: String,
    whatsapp_api_url: String,
    backup_dir: Option<PathBuf>,
    backup_every_h: u64,
    backup_keep: usize,
    metrics_token: Option<Secret>,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            database_url: "sqlite://data/tidings.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            data_dir: PathBuf::from("data"),
            telegram_api_url: "https://api.telegram.org".into(),
            viber_api_url: "https://chatapi.viber.com/pa".into(),
            admin_email: None,
            admin_password: None,
            workers: 0,
            messenger_timeout_ms: 30_000,
            retry_first_ms: 1_000,
            retry_max_ms: 300_000,
            inbound_appliers: 4,
            trusted_proxies: String::new(),
            offline_after_s: 60,
            idle_away_s: 900,
            push_hosts: String::new(),
            whatsapp_api_url: "https://graph.facebook.com/v21.0".into(),
            backup_dir: None,
            backup_every_h: 24,
            backup_keep: 7,
            metrics_token: None,
        }
    }
}

/// Why the configuration could not be loaded; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

/// Each applier holds a database connection while the writer is behind.
const MAX_INBOUND_APPLIERS: usize = 32;

impl Config {
    /// Loads defaults, then the TOML file (if it exists), then `TIDINGS_*`.
    pub fn load(toml_path: &Path) -> Result<Config, ConfigError> {
        Self::from_figment(
            Figment::from(Serialized::defaults(RawConfig::default()))
                .merge(Toml::file(toml_path))
                .merge(Env::prefixed("TIDINGS_").ignore(&["CONFIG", "LOG"])),
        )
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let raw: RawConfig = figment
            .extract()
            .map_err(|err| ConfigError(describe_figment_error(err)))?;
        Self::validate(raw)
    }

    fn validate(raw: RawConfig) -> Result<Config, ConfigError> {
        let key_error = |key: &str, why: String| ConfigError(format!("{key}: {why}"));
        let delivery = validate_delivery(&raw)?;
        let database = DatabaseUrl::parse(&raw.database_url)
            .map_err(|why| key_error("TIDINGS_DATABASE_URL (database_url)", why))?;
        let bind: SocketAddr = raw.bind.parse().map_err(|_| {
            key_error(
                "TIDINGS_BIND (bind)",
                format!("{:?} is not an address like 127.0.0.1:8080", raw.bind),
            )
        })?;
        let public_url = match raw.public_url.as_deref().filter(|s| !s.is_empty()) {
            Some(value) => parse_http_url(value)
                .map_err(|why| key_error("TIDINGS_PUBLIC_URL (public_url)", why))?,
            None => Url::parse(&format!("http://{bind}")).map_err(|err| {
                key_error("TIDINGS_BIND (bind)", format!("cannot form a URL: {err}"))
            })?,
        };
        let telegram_api_url = parse_http_url(&raw.telegram_api_url)
            .map_err(|why| key_error("TIDINGS_TELEGRAM_API_URL (telegram_api_url)", why))?;
        let viber_api_url = parse_http_url(&raw.viber_api_url)
            .map_err(|why| key_error("TIDINGS_VIBER_API_URL (viber_api_url)", why))?;
        if raw.data_dir.as_os_str().is_empty() {
            return Err(key_error(
                "TIDINGS_DATA_DIR (data_dir)",
                "must not be empty".into(),
            ));
        }
        let admin = match (raw.admin_email, raw.admin_password) {
            (Some(email), Some(password)) => {
                if !email.contains('@') {
                    return Err(key_error(
                        "TIDINGS_ADMIN_EMAIL (admin_email)",
                        format!("{email:?} is not an e-mail address"),
                    ));
                }
                if password.expose().chars().count() < crate::domain::account::MIN_PASSWORD_CHARS {
                    return Err(key_error(
                        "TIDINGS_ADMIN_PASSWORD (admin_password)",
                        format!(
                            "must have at least {} characters",
                            crate::domain::account::MIN_PASSWORD_CHARS
                        ),
                    ));
                }
                Some(InitialAdmin { email, password })
            }
            (None, None) => None,
            (Some(_), None) => {
                return Err(key_error(
                    "TIDINGS_ADMIN_PASSWORD (admin_password)",
                    "is required when TIDINGS_ADMIN_EMAIL is set".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(key_error(
                    "TIDINGS_ADMIN_EMAIL (admin_email)",
                    "is required when TIDINGS_ADMIN_PASSWORD is set".into(),
                ))
            }
        };
        if !(1..=MAX_INBOUND_APPLIERS).contains(&raw.inbound_appliers) {
            return Err(key_error(
                "TIDINGS_INBOUND_APPLIERS (inbound_appliers)",
                format!("must be from 1 to {MAX_INBOUND_APPLIERS}"),
            ));
        }
        let trusted_proxies = TrustedProxies::parse(&raw.trusted_proxies)
            .map_err(|why| key_error("TIDINGS_TRUSTED_PROXIES (trusted_proxies)", why))?;
        let positive = |key: &str, value: u64| {
            if value == 0 {
                Err(key_error(key, "must be more than 0".into()))
            } else {
                Ok(value)
            }
        };
        let presence = PresenceTiming {
            offline_after: Duration::from_secs(positive(
                "TIDINGS_OFFLINE_AFTER_S (offline_after_s)",
                raw.offline_after_s,
            )?),
            idle_away: Duration::from_secs(positive(
                "TIDINGS_IDLE_AWAY_S (idle_away_s)",
                raw.idle_away_s,
            )?),
        };
        let whatsapp_api_url = parse_http_url(&raw.whatsapp_api_url)
            .map_err(|why| key_error("TIDINGS_WHATSAPP_API_URL (whatsapp_api_url)", why))?;
        let backups = BackupSchedule {
            dir: raw.backup_dir.filter(|dir| !dir.as_os_str().is_empty()),
            every: Duration::from_secs(
                positive(
                    "TIDINGS_BACKUP_EVERY_H (backup_every_h)",
                    raw.backup_every_h,
                )?
                .saturating_mul(3600),
            ),
            keep: usize::try_from(positive(
                "TIDINGS_BACKUP_KEEP (backup_keep)",
                u64::try_from(raw.backup_keep).unwrap_or(u64::MAX),
            )?)
            .unwrap_or(usize::MAX),
        };
        let push_hosts = raw
            .push_hosts
            .split(',')
            .map(|host| host.trim().to_ascii_lowercase())
            .filter(|host| !host.is_empty())
            .collect();
        Ok(Config {
            database,
            bind,
            public_url,
            data_dir: raw.data_dir,
            telegram_api_url,
            viber_api_url,
            admin,
            workers: raw.workers,
            demo_simulator_url: None,
            delivery,
            inbound_appliers: raw.inbound_appliers,
            trusted_proxies,
            presence,
            push_hosts,
            whatsapp_api_url,
            backups,
            metrics_token: raw.metrics_token.filter(|token| !token.expose().is_empty()),
        })
    }

    /// A configuration for tests and tools: defaults with the given database.
    pub fn for_database(database: DatabaseUrl, data_dir: PathBuf) -> Config {
        let mut config =
            Self::validate(RawConfig::default()).expect("the built-in defaults are valid");
        config.database = database;
        config.data_dir = data_dir;
        config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        config
    }
}

fn validate_delivery(raw: &RawConfig) -> Result<DeliveryTiming, ConfigError> {
    let positive = |key: &str, ms: u64| {
        if ms == 0 {
            Err(ConfigError(format!("{key}: must be more than 0")))
        } else {
            Ok(Duration::from_millis(ms))
        }
    };
    let timing = DeliveryTiming {
        request_timeout: positive(
            "TIDINGS_MESSENGER_TIMEOUT_MS (messenger_timeout_ms)",
            raw.messenger_timeout_ms,
        )?,
        retry_first: positive(
            "TIDINGS_RETRY_FIRST_MS (retry_first_ms)",
            raw.retry_first_ms,
        )?,
        retry_max: positive("TIDINGS_RETRY_MAX_MS (retry_max_ms)", raw.retry_max_ms)?,
    };
    if timing.retry_max < timing.retry_first {
        return Err(ConfigError(
            "TIDINGS_RETRY_MAX_MS (retry_max_ms): must not be less than retry_first_ms".into(),
        ));
    }
    Ok(timing)
}

fn parse_http_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|err| format!("{value:?} is not a URL ({err})"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("scheme {other:?} is not http or https")),
    }
}

/// Hides the password part of a URL before it is shown to anyone.
fn redact_url(value: &str) -> String {
    match Url::parse(value) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("redacted"));
            url.to_string()
        }
        _ => value.to_owned(),
    }
}

/// Turns figment's error into one line naming the key and where it came from.
fn describe_figment_error(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| m.name.to_string())
                .unwrap_or_default();
            let kind = match &e.kind {
                figment::error::Kind::UnknownField(field, _) => {
                    format!("unknown key {field:?}")
                }
                other => other.to_string(),
            };
            if key.is_empty() {
                format!("{kind} (from {source})")
            } else {
                format!("{key}: {kind} (from {source})")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
        for (key, value) in pairs {
            figment = figment.merge((*key, *value));
        }
        Config::from_figment(figment)
    }

    #[test]
    fn defaults_use_embedded_sqlite_and_local_bind() {
        let config = load(&[]).expect("defaults load");
        assert_eq!(
            config.database,
            DatabaseUrl::Sqlite(PathBuf::from("data/tidings.db"))
        );
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn bad_bind_names_the_key() {
        let err = load(&[("bind", "nowhere")]).expect_err("must fail");
        assert!(err.to_string().contains("TIDINGS_BIND"), "{err}");
    }

    #[test]
    fn unknown_database_scheme_names_the_key() {
        let err = load(&[("database_url", "mysql://x")]).expect_err("must fail");
        assert!(err.to_string().contains("TIDINGS_DATABASE_URL"), "{err}");
    }

    #[test]
    fn postgres_url_is_recognised_and_never_printed() {
        let config = load(&[("database_url", "postgres://u:pw@h/db")]).expect("loads");
        assert!(!format!("{config:?}").contains("pw"));
    }

    #[test]
    fn delivery_timing_defaults_and_overrides() {
        let defaults = load(&[]).expect("defaults load");
        assert_eq!(defaults.delivery, DeliveryTiming::default());
        let with = |pairs: &[(&str, u64)]| {
            let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
            for (key, value) in pairs {
                figment = figment.merge((*key, *value));
            }
            Config::from_figment(figment)
        };
        let fast = with(&[("retry_first_ms", 50), ("retry_max_ms", 400)]).expect("loads");
        assert_eq!(fast.delivery.retry_first, Duration::from_millis(50));
        assert_eq!(fast.delivery.retry_max, Duration::from_millis(400));
        let err = with(&[("retry_first_ms", 500), ("retry_max_ms", 100)]).expect_err("fails");
        assert!(err.to_string().contains("TIDINGS_RETRY_MAX_MS"), "{err}");
        let err = with(&[("messenger_timeout_ms", 0)]).expect_err("fails");
        assert!(
            err.to_string().contains("TIDINGS_MESSENGER_TIMEOUT_MS"),
            "{err}"
        );
    }

    #[test]
    fn inbound_appliers_default_to_four_and_stay_in_range() {
        assert_eq!(load(&[]).expect("defaults load").inbound_appliers, 4);
        let with = |n: u64| {
            Config::from_figment(
                Figment::from(Serialized::defaults(RawConfig::default()))
                    .merge(("inbound_appliers", n)),
            )
        };
        assert_eq!(with(1).expect("one loads").inbound_appliers, 1);
        for wrong in [0, 33] {
            let err = with(wrong).expect_err("out of range");
            assert!(
                err.to_string().contains("TIDINGS_INBOUND_APPLIERS"),
                "{err}"
            );
        }
    }

    #[test]
    fn trusted_proxies_default_to_none_and_bad_entries_name_the_key() {
        let loopback: std::net::IpAddr = [127, 0, 0, 1].into();
        assert!(!load(&[])
            .expect("defaults load")
            .trusted_proxies
            .contains(loopback));
        let config = load(&[("trusted_proxies", "127.0.0.1, 10.0.0.0/8")]).expect("loads");
        assert!(config.trusted_proxies.contains(loopback));
        let err = load(&[("trusted_proxies", "10.0.0.0/33")]).expect_err("must fail");
        assert!(err.to_string().contains("TIDINGS_TRUSTED_PROXIES"), "{err}");
    }

    #[test]
    fn every_key_of_the_second_wave_is_read_with_its_default() {
        let defaults = load(&[]).expect("defaults load");
        assert_eq!(defaults.presence.offline_after, Duration::from_secs(60));
        assert_eq!(defaults.presence.idle_away, Duration::from_secs(900));
        assert!(defaults.push_hosts.is_empty());
        assert_eq!(
            defaults.whatsapp_api_url.as_str(),
            "https://graph.facebook.com/v21.0"
        );
        assert_eq!(
            defaults.backups,
            BackupSchedule {
                dir: None,
                every: Duration::from_secs(24 * 3600),
                keep: 7
            }
        );
        assert!(defaults.metrics_token.is_none());
        let number = |key: &str, value: u64| {
            Config::from_figment(
                Figment::from(Serialized::defaults(RawConfig::default())).merge((key, value)),
            )
        };
        let five = number("offline_after_s", 5).expect("loads");
        assert_eq!(five.presence.offline_after, Duration::from_secs(5));
        for (key, named) in [
            ("idle_away_s", "TIDINGS_IDLE_AWAY_S"),
            ("backup_keep", "TIDINGS_BACKUP_KEEP"),
            ("backup_every_h", "TIDINGS_BACKUP_EVERY_H"),
        ] {
            let err = number(key, 0).expect_err("must fail");
            assert!(err.to_string().contains(named), "{err}");
        }
        let set = load(&[
            ("push_hosts", "push.example.com, FCM.googleapis.com"),
            ("backup_dir", "/var/backups/tidings"),
            ("metrics_token", "s3cret"),
        ])
        .expect("loads");
        assert_eq!(set.push_hosts, ["push.example.com", "fcm.googleapis.com"]);
        assert_eq!(set.backups.dir, Some(PathBuf::from("/var/backups/tidings")));
        assert!(
            !format!("{set:?}").contains("s3cret"),
            "the token never prints"
        );
        let err = load(&[("whatsapp_api_url", "not a url")]).expect_err("must fail");
        assert!(
            err.to_string().contains("TIDINGS_WHATSAPP_API_URL"),
            "{err}"
        );
    }

    #[test]
    fn admin_email_without_password_is_refused() {
        let err = load(&[("admin_email", "a@b.c")]).expect_err("must fail");
        assert!(err.to_string().contains("TIDINGS_ADMIN_PASSWORD"), "{err}");
    }
}
