//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/me`.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use shared::api::auth::{Login, UserEnvelope};
use shared::api::users::{PresenceSet, SetPresence};
use shared::error::ErrorBody;

use super::error::AppError;
use super::extract::{client_address, CurrentUser, SESSION_COOKIE};
use super::users::user_dto;
use super::AppState;
use crate::domain::client_address::throttle_key;
use crate::service::accounts::{self, SESSION_TTL};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/auth/login", web::post().to(login))
        .route("/api/v1/auth/logout", web::post().to(logout))
        .route("/api/v1/me", web::get().to(me))
        .route("/api/v1/me/presence", web::put().to(set_presence));
}

/// Signs in and sets the session cookie; 429 after repeated failures.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = UserEnvelope), (status = 401, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Login>,
) -> Result<HttpResponse, AppError> {
    let address = client_address(&req, &state.config.trusted_proxies)
        .map(throttle_key)
        .unwrap_or_default();
    let Login { email, password } = body.into_inner();
    let (user, token) = accounts::login(
        &state.store,
        &state.password_checks,
        &email,
        &password,
        address,
    )
    .await?;
    let cookie = Cookie::build(SESSION_COOKIE, token.0)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.public_url.scheme() == "https")
        .max_age(time::Duration::seconds(SESSION_TTL.num_seconds()))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(UserEnvelope {
        user: user_dto(user),
    }))
}

/// Ends the current session (if any) and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204)))]
async fn logout(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        accounts::logout(&state.store, cookie.value()).await?;
        state.hub.wake();
    }
    let mut expired = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    expired.make_removal();
    Ok(HttpResponse::NoContent().cookie(expired).finish())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = UserEnvelope), (status = 401, body = ErrorBody)))]
async fn me(user: CurrentUser) -> web::Json<UserEnvelope> {
    web::Json(UserEnvelope {
        user: user_dto(user.0),
    })
}

/// The caller chooses away (kept across reconnects) or online.
#[utoipa::path(put, path = "/api/v1/me/presence", tag = "auth", request_body = SetPresence,
    responses((status = 200, body = PresenceSet), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn set_presence(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<SetPresence>,
) -> Result<web::Json<PresenceSet>, AppError> {
    let user = crate::service::routing::choose(&state, &caller.0, body.status).await?;
    Ok(web::Json(PresenceSet { user }))
}
