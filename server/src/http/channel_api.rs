//! The Channel API (docs/CHANNEL_API.md): `POST /hooks/api/{id}`, where an
//! integrator's bridge posts signed events, and the admin's
//! `POST /api/v1/integrations/{id}/secret` (rotate) and `…/test-event`.

use actix_web::{web, HttpRequest, HttpResponse};
use shared::api::integrations::{Integration, TestEventResult};
use shared::api::Channel;
use shared::error::{ErrorBody, ErrorCode};
use shared::Id;

use super::error::AppError;
use super::extract::CurrentUser;
use super::webhooks::{headers, read_body, webhook_error, WEBHOOK_LIMIT};
use super::AppState;
use crate::service::inbound::{self, WebhookError};
use crate::service::integrations;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/hooks/api/{id}")
            .app_data(web::PayloadConfig::new(WEBHOOK_LIMIT))
            .route(web::post().to(hook)),
    )
    .route(
        "/api/v1/integrations/{id}/secret",
        web::post().to(rotate_secret),
    )
    .route(
        "/api/v1/integrations/{id}/test-event",
        web::post().to(test_event),
    );
}

/// A Channel API event: `X-Tidings-Signature: sha256=<hex HMAC-SHA256 of the
/// raw body keyed by the secret>`. `200` once stored (a repeated `id` changes
/// nothing); a body that breaks the rules is `422` naming the field.
#[utoipa::path(post, path = "/hooks/api/{id}", tag = "webhooks", params(("id" = i64, Path)),
    request_body(content = String, content_type = "application/json",
        description = "{type: message|message_edited|message_deleted|delivery, id, customer: {id, name, phone?, email?}, message?: {id, text?, attachments?: [{url, name, kind, mime?}], reply_to_id?}, message_id?, status?, reason?} (docs/CHANNEL_API.md)"),
    responses((status = 200), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn hook(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Id>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let body = read_body(body)?;
    inbound::receive_webhook(&state, Channel::Api, id.into_inner(), &headers(&req), &body)
        .await
        .map_err(|err| match err {
            // The contract answers a body that breaks its rules with 422.
            WebhookError::Malformed(reason) => AppError::new(ErrorCode::Invalid, reason),
            other => webhook_error(other),
        })?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// Gives a Channel API integration a new secret (admin only); the old one stops verifying at once.
#[utoipa::path(post, path = "/api/v1/integrations/{id}/secret", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = Integration), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rotate_secret(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Integration>, AppError> {
    Ok(web::Json(
        integrations::rotate_secret(&state, &user.0, id.into_inner()).await?,
    ))
}

/// Posts a signed `{type: "ping", id, at}` to the callback URL now and reports its answer (admin only).
#[utoipa::path(post, path = "/api/v1/integrations/{id}/test-event", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = TestEventResult), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn test_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<TestEventResult>, AppError> {
    Ok(web::Json(
        integrations::send_test_event(&state, &user.0, id.into_inner()).await?,
    ))
}
