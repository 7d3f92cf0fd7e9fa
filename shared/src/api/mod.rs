//! REST DTOs, one module per resource.

pub mod auth;
pub mod canned;
pub mod chats;
pub mod crm;
pub mod integrations;
pub mod notifications;
pub mod push;
pub mod reactions;
pub mod reports;
pub mod timeline;
pub mod users;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every list endpoint answers `{items: [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// A paginated list: `next_cursor` is null at the end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A messenger a chat or integration belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Telegram,
    Viber,
    Whatsapp,
    /// The Channel API: any other messenger through an integrator's bridge.
    Api,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Telegram,
        Channel::Viber,
        Channel::Whatsapp,
        Channel::Api,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Telegram => "telegram",
            Channel::Viber => "viber",
            Channel::Whatsapp => "whatsapp",
            Channel::Api => "api",
        }
    }

    pub fn parse(value: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// `GET /api/v1/info`: what the web app learns about the server before
/// anything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServerInfo {
    /// The server's version (`tidings --version`).
    pub version: String,
    /// Whether this is `tidings demo`: simulated messengers and demo data.
    pub demo: bool,
    /// In demo mode, the page where one writes as a simulated customer.
    pub simulator_url: Option<String>,
    /// Whether scheduled backups are configured (`TIDINGS_BACKUP_DIR`).
    /// Admins only: `null` for everyone else, as are the two below.
    #[serde(default)]
    pub backups_scheduled: Option<bool>,
    /// When the last successful scheduled backup began (RFC 3339, UTC);
    /// `null` before the first one.
    #[serde(default)]
    pub last_backup_at: Option<String>,
    /// Why the most recent scheduled backup failed; `null` once one succeeds.
    #[serde(default)]
    pub last_backup_error: Option<String>,
}
