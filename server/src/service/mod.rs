//! Use cases shared by the HTTP API, the socket and the CLI. Each one checks the
//! access policy, runs the store work off the async executor and returns domain
//! values or a typed [`ServiceError`].

pub mod accounts;

use crate::domain::account::AccountError;
use crate::domain::policy::Decision;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong e-mail or password")]
    BadCredentials,
    #[error("too many failed sign-in attempts; try again later")]
    Throttled,
    #[error("not allowed for your role")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<AccountError> for ServiceError {
    fn from(err: AccountError) -> Self {
        ServiceError::Invalid(err.to_string())
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
