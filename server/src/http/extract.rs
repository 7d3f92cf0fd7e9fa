//! Request extractors: the signed-in user, and body/path/query error mapping.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, FromRequest, HttpRequest};
use shared::error::ErrorCode;

use super::error::AppError;
use super::AppState;
use crate::domain::account::User;
use crate::domain::client_address::TrustedProxies;
use crate::service::{accounts, ServiceError};

pub const SESSION_COOKIE: &str = "tidings_session";

/// The user signed in by the session cookie; 401 otherwise.
pub struct CurrentUser(pub User);

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<CurrentUser, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::new(ErrorCode::Internal, "no state"))?;
            let token = token.ok_or(ServiceError::Unauthenticated)?;
            let user = accounts::authenticate(&state.store, &token).await?;
            Ok(CurrentUser(user))
        })
    }
}

/// The client's address: the TCP peer, or behind a trusted reverse proxy the
/// address its `X-Forwarded-For` names (see [`TrustedProxies::client_address`]).
pub fn client_address(req: &HttpRequest, trusted: &TrustedProxies) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    // Several header lines form one list, in order.
    let lines: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .map(|value| value.to_str().unwrap_or("?"))
        .collect();
    let forwarded_for = (!lines.is_empty()).then(|| lines.join(","));
    Some(trusted.client_address(peer, forwarded_for.as_deref()))
}

/// Largest JSON body we accept (bigger bodies get 413).
pub const JSON_LIMIT: usize = 1024 * 1024;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> AppError {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::new(
                ErrorCode::PayloadTooLarge,
                format!("the body is larger than {JSON_LIMIT} bytes"),
            )
        }
        JsonPayloadError::ContentType => AppError::new(
            ErrorCode::Malformed,
            "expected a JSON body with Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(err) if err.is_data() => {
            AppError::new(ErrorCode::Invalid, format!("invalid value: {err}"))
        }
        JsonPayloadError::Deserialize(err) => {
            AppError::new(ErrorCode::Malformed, format!("malformed JSON: {err}"))
        }
        other => AppError::new(ErrorCode::Malformed, format!("unreadable body: {other}")),
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        AppError::new(ErrorCode::NotFound, format!("no such resource ({err})")).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        AppError::new(ErrorCode::Malformed, format!("bad query string: {err}")).into()
    })
}
