//! `/api/v1/push/…`: notifications on the caller's devices (Web Push): the
//! server's key, the caller's subscriptions, a test push.

use actix_web::{web, HttpRequest, HttpResponse};
use shared::api::push::{PushDevice, PushKey, Subscribe, TestPushQueued, Unsubscribe};
use shared::api::Items;
use shared::error::ErrorBody;
use shared::Id;

use super::error::AppError;
use super::extract::CurrentUser;
use super::AppState;
use crate::service::push;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/push/key", web::get().to(key))
        .route("/api/v1/push/subscriptions", web::get().to(list))
        .route("/api/v1/push/subscriptions", web::post().to(subscribe))
        .route("/api/v1/push/subscriptions", web::delete().to(unsubscribe))
        .route("/api/v1/push/subscriptions/{id}", web::delete().to(remove))
        .route("/api/v1/push/test", web::post().to(test));
}

/// The server's VAPID public key (base64url, an uncompressed P-256 point),
/// the `applicationServerKey` browsers subscribe with. Made once, shared by
/// every node.
#[utoipa::path(get, path = "/api/v1/push/key", tag = "push",
    responses((status = 200, body = PushKey), (status = 401, body = ErrorBody)))]
async fn key(
    state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<web::Json<PushKey>, AppError> {
    Ok(web::Json(push::key(&state).await?))
}

/// The caller's devices that receive pushes.
#[utoipa::path(get, path = "/api/v1/push/subscriptions", tag = "push",
    responses((status = 200, body = Items<PushDevice>), (status = 401, body = ErrorBody)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Items<PushDevice>>, AppError> {
    Ok(web::Json(Items {
        items: push::devices(&state, &user.0).await?,
    }))
}

/// Subscribes this browser (`PushSubscription.toJSON()`): `201`, or `200`
/// when the endpoint was known (its keys are replaced; it moves to the caller
/// if another user had it). The endpoint must be `https` on a host of
/// `TIDINGS_PUSH_HOSTS` (by default the browsers' push services), `p256dh`
/// a 65-byte P-256 point and `auth` 16 bytes, else `422`. Pushes to this
/// device speak the request's language.
#[utoipa::path(post, path = "/api/v1/push/subscriptions", tag = "push", request_body = Subscribe,
    responses((status = 201, body = PushDevice), (status = 200, body = PushDevice),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn subscribe(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Json<Subscribe>,
) -> Result<HttpResponse, AppError> {
    let lang = super::request_lang(&req);
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (created, device) =
        push::subscribe(&state, &user.0, body.into_inner(), lang, user_agent).await?;
    Ok(if created {
        HttpResponse::Created().json(device)
    } else {
        HttpResponse::Ok().json(device)
    })
}

/// Unsubscribes the caller's device with this endpoint (`404` when the
/// caller has none).
#[utoipa::path(delete, path = "/api/v1/push/subscriptions", tag = "push", request_body = Unsubscribe,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unsubscribe(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<Unsubscribe>,
) -> Result<HttpResponse, AppError> {
    push::unsubscribe(&state, &user.0, body.into_inner().endpoint).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes one of the caller's devices by id (`404` when not theirs).
#[utoipa::path(delete, path = "/api/v1/push/subscriptions/{id}", tag = "push",
    params(("id" = Id, Path, description = "The device's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<HttpResponse, AppError> {
    push::remove_device(&state, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Queues a test push to each of the caller's devices (sent even while the
/// app is open in front of them).
#[utoipa::path(post, path = "/api/v1/push/test", tag = "push",
    responses((status = 200, body = TestPushQueued), (status = 401, body = ErrorBody)))]
async fn test(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<TestPushQueued>, AppError> {
    Ok(web::Json(push::test(&state, &user.0).await?))
}
