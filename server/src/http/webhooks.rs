//! `POST /hooks/telegram/{id}`, `POST /hooks/viber/{id}` and
//! `GET|POST /hooks/whatsapp/{id}`: called by the messengers. The raw bytes
//! are verified (Viber and WhatsApp sign them), stored durably and applied
//! before we answer 200.

use actix_web::{web, HttpRequest, HttpResponse};
use shared::api::Channel;
use shared::error::{ErrorBody, ErrorCode};
use shared::Id;

use super::error::AppError;
use super::AppState;
use crate::channels::{viber, Headers};
use crate::service::inbound::{self, WebhookError, WebhookOutcome};
use crate::service::integrations::find_for_webhook;

/// Larger webhook bodies are refused (Telegram and Viber send a few KB).
pub(super) const WEBHOOK_LIMIT: usize = 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/hooks/telegram/{id}")
            .app_data(web::PayloadConfig::new(WEBHOOK_LIMIT))
            .route(web::post().to(telegram)),
    )
    .service(
        web::resource("/hooks/viber/{id}")
            .app_data(web::PayloadConfig::new(WEBHOOK_LIMIT))
            .route(web::post().to(viber_callback)),
    )
    .service(
        web::resource("/hooks/whatsapp/{id}")
            .app_data(web::PayloadConfig::new(WEBHOOK_LIMIT))
            .route(web::get().to(whatsapp_verification))
            .route(web::post().to(whatsapp_notification)),
    );
}

pub(super) fn headers(req: &HttpRequest) -> Headers {
    Headers(
        req.headers()
            .iter()
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|v| (name.as_str().to_ascii_lowercase(), v.to_owned()))
            })
            .collect(),
    )
}

/// The raw body, or the CONTRACT error shape when it could not be read (too
/// large, or the connection broke).
pub(super) fn read_body(
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<web::Bytes, AppError> {
    body.map_err(|err| {
        if err.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                ErrorCode::PayloadTooLarge,
                format!("the body is larger than {WEBHOOK_LIMIT} bytes"),
            )
        } else {
            AppError::new(ErrorCode::Malformed, format!("unreadable body: {err}"))
        }
    })
}

pub(super) fn webhook_error(err: WebhookError) -> AppError {
    match err {
        WebhookError::UnknownIntegration => AppError::not_found("integration"),
        WebhookError::BadSignature => {
            AppError::new(ErrorCode::BadSignature, "signature or secret mismatch")
        }
        WebhookError::Malformed(reason) => AppError::new(ErrorCode::Malformed, reason),
        WebhookError::BadVerifyToken => {
            AppError::new(ErrorCode::Forbidden, "the verify token does not match")
        }
        WebhookError::Unavailable(cause) => {
            tracing::error!(%cause, "webhook could not be stored; the messenger will retry");
            AppError::new(
                ErrorCode::Unavailable,
                "cannot store the update now; retry later",
            )
        }
    }
}

/// A Bot API `Update`; the `X-Telegram-Bot-Api-Secret-Token` header must match.
#[utoipa::path(post, path = "/hooks/telegram/{id}", tag = "webhooks", params(("id" = i64, Path)),
    request_body(content = String, content_type = "application/json", description = "A Telegram Bot API Update"),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn telegram(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Id>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let body = read_body(body)?;
    inbound::receive_webhook(
        &state,
        Channel::Telegram,
        id.into_inner(),
        &headers(&req),
        &body,
    )
    .await
    .map_err(webhook_error)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// A Viber callback; `X-Viber-Content-Signature` must be the HMAC-SHA256 of the body.
/// The answer to `conversation_started` carries the greeting as the welcome message.
#[utoipa::path(post, path = "/hooks/viber/{id}", tag = "webhooks", params(("id" = i64, Path)),
    request_body(content = String, content_type = "application/json", description = "A Viber callback"),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn viber_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Id>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let body = read_body(body)?;
    let id = id.into_inner();
    let WebhookOutcome::Accepted { welcome } =
        inbound::receive_webhook(&state, Channel::Viber, id, &headers(&req), &body)
            .await
            .map_err(webhook_error)?;
    match welcome {
        Some(text) => {
            let sender = find_for_webhook(&state, id)
                .await
                .map(|i| i.name)
                .unwrap_or_default();
            Ok(HttpResponse::Ok().json(viber::welcome_message_body(&sender, &text)))
        }
        None => Ok(HttpResponse::Ok().json(serde_json::json!({}))),
    }
}

/// Meta's verification handshake: `hub.mode=subscribe`, `hub.verify_token`
/// (the integration's verify token) and `hub.challenge`, answered with the
/// challenge as plain text.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HubQuery {
    #[serde(rename = "hub.mode")]
    #[param(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    #[param(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    #[param(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// WhatsApp webhook verification: `200` with `hub.challenge` when
/// `hub.verify_token` matches, else `403`.
#[utoipa::path(get, path = "/hooks/whatsapp/{id}", tag = "webhooks", params(("id" = i64, Path), HubQuery),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn whatsapp_verification(
    state: web::Data<AppState>,
    id: web::Path<Id>,
    query: web::Query<HubQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let challenge = inbound::verify_subscription(
        &state,
        id.into_inner(),
        query.mode.as_deref(),
        query.verify_token.as_deref(),
        query.challenge,
    )
    .await
    .map_err(webhook_error)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(challenge))
}

/// A WhatsApp Cloud API notification; `X-Hub-Signature-256` must be
/// `sha256=` and the HMAC-SHA256 of the body keyed by the app secret. Each
/// message and status is stored (a repeated message id changes nothing)
/// before the `200`.
#[utoipa::path(post, path = "/hooks/whatsapp/{id}", tag = "webhooks", params(("id" = i64, Path)),
    request_body(content = String, content_type = "application/json", description = "A WhatsApp Cloud API webhook notification"),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn whatsapp_notification(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Id>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let body = read_body(body)?;
    inbound::receive_webhook(
        &state,
        Channel::Whatsapp,
        id.into_inner(),
        &headers(&req),
        &body,
    )
    .await
    .map_err(webhook_error)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
