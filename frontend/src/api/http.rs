//! Typed REST client over the `shared` DTOs (CONTRACT.md). Owns URLs, JSON and error decoding;
//! must not touch UI state: callers decide what an error means for the screen they are on.
//!
//! Requests are same-origin, so the browser sends the HttpOnly session cookie by itself.

use std::fmt;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use shared::api::auth::{Login, UserEnvelope};
use shared::api::users::User;
use shared::error::{ErrorBody, ErrorCode};

const API: &str = "/api/v1";

/// A failed API call.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status, or `None` when no answer arrived (offline, server down).
    pub status: Option<u16>,
    /// The server's machine code, when the body had CONTRACT's error shape (a proxy's
    /// `502` page, for one, does not).
    pub code: Option<ErrorCode>,
    /// The server's message, or what went wrong locally; for logs and fallbacks, not
    /// translated.
    pub message: String,
}

impl ApiError {
    fn network(error: gloo_net::Error) -> Self {
        ApiError {
            status: None,
            code: None,
            message: error.to_string(),
        }
    }

    /// `401`: not signed in, or (at login) wrong credentials.
    pub fn is_unauthenticated(&self) -> bool {
        self.status == Some(401)
    }

    /// `429`: rate-limited.
    pub fn is_rate_limited(&self) -> bool {
        self.status == Some(429)
    }

    /// No HTTP answer at all.
    pub fn is_network(&self) -> bool {
        self.status.is_none()
    }

    /// `5xx`: failed on the server's side (or a proxy in front of it).
    pub fn is_server(&self) -> bool {
        self.status.is_some_and(|status| status >= 500)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "HTTP {status}: {}", self.message),
            None => write!(f, "network error: {}", self.message),
        }
    }
}

impl std::error::Error for ApiError {}

/// `POST /api/v1/auth/login`: on success the server also sets the session cookie.
pub async fn login(credentials: &Login) -> Result<User, ApiError> {
    let request = Request::post(&url("/auth/login"))
        .header("Accept", "application/json")
        .json(credentials)
        .map_err(ApiError::network)?;
    let response = request.send().await.map_err(ApiError::network)?;
    let envelope: UserEnvelope = decode(response).await?;
    Ok(envelope.user)
}

/// `POST /api/v1/auth/logout`.
pub async fn logout() -> Result<(), ApiError> {
    let response = send(Request::post(&url("/auth/logout"))).await?;
    if response.ok() {
        Ok(())
    } else {
        Err(error_from(response).await)
    }
}

/// `GET /api/v1/me`: the signed-in user; a `401` means nobody is signed in.
pub async fn me() -> Result<User, ApiError> {
    let response = send(Request::get(&url("/me"))).await?;
    let envelope: UserEnvelope = decode(response).await?;
    Ok(envelope.user)
}

fn url(path: &str) -> String {
    format!("{API}{path}")
}

async fn send(request: RequestBuilder) -> Result<Response, ApiError> {
    request
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(ApiError::network)
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if !response.ok() {
        return Err(error_from(response).await);
    }
    let status = response.status();
    response.json::<T>().await.map_err(|error| ApiError {
        status: Some(status),
        code: None,
        message: format!("unexpected response body: {error}"),
    })
}

async fn error_from(response: Response) -> ApiError {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => ApiError {
            status: Some(status),
            code: Some(body.error.code),
            message: body.error.message,
        },
        Err(_) => ApiError {
            status: Some(status),
            code: None,
            message: response.status_text(),
        },
    }
}
