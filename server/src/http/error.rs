//! One error type for every handler, rendered as CONTRACT.md's
//! `{"error": {"code", "message"}}` with the matching status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use shared::error::{ErrorBody, ErrorCode, ErrorDetail};

use crate::service::ServiceError;
use crate::store::StoreError;
use crate::texts::Says;

#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds for `Retry-After` (429 and 503).
    pub retry_after_s: Option<u64>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
            retry_after_s: None,
        }
    }

    pub fn retry_after(mut self, seconds: u64) -> AppError {
        self.retry_after_s = Some(seconds);
        self
    }

    pub fn not_found(what: &'static str) -> AppError {
        AppError::new(ErrorCode::NotFound, Says::NotFound { what }.here())
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Malformed => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated | ErrorCode::BadSignature => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Conflict | ErrorCode::StageNotEmpty | ErrorCode::PipelineInUse => {
            StatusCode::CONFLICT
        }
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Invalid
        | ErrorCode::NotAssignable
        | ErrorCode::UnsupportedByChannel
        | ErrorCode::NotMentionable
        | ErrorCode::WindowClosed
        | ErrorCode::BusinessConnectionDisabled => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Upstream => StatusCode::BAD_GATEWAY,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        status_of(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after_s {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
            },
        })
    }
}

impl From<ServiceError> for AppError {
    /// Says it in the language of the request being answered.
    fn from(err: ServiceError) -> AppError {
        match err {
            ServiceError::Unauthenticated | ServiceError::BadCredentials => {
                let says = match err {
                    ServiceError::Unauthenticated => Says::SignInFirst,
                    _ => Says::WrongCredentials,
                };
                AppError::new(ErrorCode::Unauthenticated, says.here())
            }
            ServiceError::Throttled { retry_after_s } => AppError::new(
                ErrorCode::RateLimited,
                Says::TooManySignIns {
                    seconds: retry_after_s,
                }
                .here(),
            )
            .retry_after(retry_after_s),
            ServiceError::Busy { retry_after_s } => AppError::new(
                ErrorCode::RateLimited,
                Says::TooBusy {
                    seconds: retry_after_s,
                }
                .here(),
            )
            .retry_after(retry_after_s),
            ServiceError::Forbidden => {
                AppError::new(ErrorCode::Forbidden, Says::NotAllowedForRole.here())
            }
            ServiceError::NotFound(what) => AppError::not_found(what),
            ServiceError::Conflict(says) => AppError::new(ErrorCode::Conflict, says.here()),
            ServiceError::Invalid(says) => AppError::new(ErrorCode::Invalid, says.here()),
            ServiceError::NotAssignable(says) => {
                AppError::new(ErrorCode::NotAssignable, says.here())
            }
            ServiceError::StageNotEmpty(says) => {
                AppError::new(ErrorCode::StageNotEmpty, says.here())
            }
            ServiceError::PipelineInUse(says) => {
                AppError::new(ErrorCode::PipelineInUse, says.here())
            }
            ServiceError::NotMentionable(says) => {
                AppError::new(ErrorCode::NotMentionable, says.here())
            }
            ServiceError::Store(store) => store.into(),
            ServiceError::Upstream(says) => AppError::new(ErrorCode::Upstream, says.here()),
            ServiceError::Internal(cause) => internal(&cause),
            ServiceError::UnsupportedByChannel(says) => {
                AppError::new(ErrorCode::UnsupportedByChannel, says.here())
            }
            ServiceError::WindowClosed => {
                AppError::new(ErrorCode::WindowClosed, Says::WindowClosed.here())
            }
            ServiceError::BusinessWindowClosed => {
                AppError::new(ErrorCode::WindowClosed, Says::BusinessWindowClosed.here())
            }
            ServiceError::BusinessConnectionDisabled => AppError::new(
                ErrorCode::BusinessConnectionDisabled,
                Says::BusinessConnectionDisabled.here(),
            ),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> AppError {
        match err {
            StoreError::NotFound => AppError::not_found("record"),
            StoreError::Conflict(_) => AppError::new(ErrorCode::Conflict, "already exists"),
            StoreError::Unavailable(cause) => {
                tracing::error!(%cause, "database unavailable");
                AppError::new(ErrorCode::Unavailable, Says::DatabaseUnavailable.here())
            }
            other => internal(&other.to_string()),
        }
    }
}

/// Logs the cause once and answers a generic message: internals stay private.
fn internal(cause: &str) -> AppError {
    tracing::error!(%cause, "internal error");
    AppError::new(ErrorCode::Internal, Says::SomethingWentWrong.here())
}
