//! Use cases shared by the HTTP API, the socket and the CLI. Each one checks the
//! access policy, runs the store work off the async executor and returns domain
//! values or a typed [`ServiceError`].

pub mod accounts;
pub mod attachments;
pub mod backup;
pub mod business;
pub mod canned;
pub mod chats;
pub mod contacts;
pub mod crm;
pub mod erasure;
pub mod health;
pub mod inbound;
pub mod integrations;
pub mod live;
pub mod notifications;
pub mod outbound;
pub mod polling;
pub(crate) mod priority;
pub mod push;
pub mod reasons;
pub mod report_records;
pub mod reports;
pub mod routing;
pub mod tasks;
pub mod templates;
pub mod uploads;
pub mod views;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::channels::Channels;
use crate::config::Config;
use crate::store::writer::InboundWriter;
use crate::store::Store;

/// What the use cases need, shared by HTTP handlers, sockets and workers.
#[derive(Clone)]
pub struct Context {
    pub config: Arc<Config>,
    pub store: Store,
    /// Commits inbound events in groups (see [`crate::store::writer`]).
    pub inbound: InboundWriter,
    pub channels: Channels,
    /// Bounds the password checks running at once.
    pub password_checks: Arc<accounts::PasswordChecks>,
    /// Wakes the outbound worker when a message is queued.
    pub outbound_ready: Arc<Notify>,
    /// Wakes the attachment downloader when a file arrives.
    pub attachments_ready: Arc<Notify>,
    /// Fans committed events out to live sockets.
    pub hub: crate::realtime::Hub,
    /// Integrations as webhooks see them (briefly kept in memory).
    pub webhook_view: Arc<integrations::WebhookView>,
    /// The scheduled backups' last outcome, for admins.
    pub backups: backup::BackupReport,
    /// What `/metrics` reports; bumped where the work happens.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// This server process among the nodes (its live sockets, its leases).
    pub node: Arc<str>,
    /// Wakes routing: someone may have become eligible for a waiting chat.
    pub routing_ready: Arc<Notify>,
}

use crate::domain::account::AccountError;
use crate::domain::policy::Decision;
use crate::store::StoreError;
use crate::texts::Says;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong e-mail or password")]
    BadCredentials,
    #[error("too many failed sign-in attempts; try again in {retry_after_s} s")]
    Throttled { retry_after_s: u64 },
    /// Too much of this at once (password checks, socket commands).
    #[error("too busy right now; try again in {retry_after_s} s")]
    Busy { retry_after_s: u64 },
    #[error("not allowed for your role")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(Says),
    #[error("{0}")]
    Invalid(Says),
    /// A follower named where someone must hold chats (a queue, an assignee).
    #[error("{0}")]
    NotAssignable(Says),
    /// A funnel stage that still holds deals cannot be removed.
    #[error("{0}")]
    StageNotEmpty(Says),
    /// A funnel with deals or integrations cannot be deleted.
    #[error("{0}")]
    PipelineInUse(Says),
    /// A mentioned user who cannot see the chat.
    #[error("{0}")]
    NotMentionable(Says),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A messenger (or another service we call) failed or could not be reached.
    #[error("{0}")]
    Upstream(Says),
    #[error("internal error: {0}")]
    Internal(String),
    /// The chat's messenger cannot do this (reactions on Viber).
    #[error("{0}")]
    UnsupportedByChannel(Says),
    /// The messenger's reply window has closed (WhatsApp's 24 hours).
    #[error("{}", Says::WindowClosed)]
    WindowClosed,
    /// A Telegram Business chat's 24 hours since the customer's last message are over.
    #[error("{}", Says::BusinessWindowClosed)]
    BusinessWindowClosed,
    /// The owner's Telegram Business connection is disabled or may not reply.
    #[error("{}", Says::BusinessConnectionDisabled)]
    BusinessConnectionDisabled,
}

impl From<diesel::result::Error> for ServiceError {
    fn from(err: diesel::result::Error) -> Self {
        ServiceError::Store(err.into())
    }
}

impl From<crate::domain::text::TextError> for ServiceError {
    fn from(err: crate::domain::text::TextError) -> Self {
        ServiceError::Invalid(Says::Text(err))
    }
}

impl From<AccountError> for ServiceError {
    fn from(err: AccountError) -> Self {
        ServiceError::Invalid(Says::Account(err))
    }
}

impl ServiceError {
    /// Turns a policy decision into `Ok` or the matching error.
    pub fn check(decision: Decision, what: &'static str) -> Result<(), ServiceError> {
        match decision {
            Decision::Allowed => Ok(()),
            Decision::Forbidden => Err(ServiceError::Forbidden),
            Decision::NotVisible => Err(ServiceError::NotFound(what)),
        }
    }

    /// A store `NotFound` named after the thing that was looked up.
    pub fn not_found_as(what: &'static str) -> impl Fn(StoreError) -> ServiceError {
        move |err| match err {
            StoreError::NotFound => ServiceError::NotFound(what),
            other => ServiceError::Store(other),
        }
    }
}

/// Runs CPU-heavy work (password hashing) off the async executor.
pub(crate) async fn cpu<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| ServiceError::Internal(format!("worker failed: {err}")))
}
