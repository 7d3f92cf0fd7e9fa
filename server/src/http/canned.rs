//! `/api/v1/canned-replies…` and `GET /api/v1/chats/{id}/canned-replies/{cid}`
//! (a reply rendered for one chat). Sending one rendered is
//! `POST /api/v1/chats/{id}/messages {canned_reply_id}` (chats.rs).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use shared::api::canned::{CannedReply, CreateCannedReply, RenderedCannedReply, UpdateCannedReply};
use shared::api::Items;
use shared::error::ErrorBody;
use shared::Id;
use utoipa::IntoParams;

use super::error::AppError;
use super::extract::CurrentUser;
use super::AppState;
use crate::service::canned;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/canned-replies", web::get().to(list))
        .route("/api/v1/canned-replies", web::post().to(create))
        .route("/api/v1/canned-replies/{id}", web::patch().to(update))
        .route("/api/v1/canned-replies/{id}", web::delete().to(delete))
        .route(
            "/api/v1/chats/{id}/canned-replies/{canned_id}",
            web::get().to(render),
        );
}

#[derive(Deserialize, IntoParams)]
struct ListQuery {
    /// What is typed after "/": replies whose shortcut starts with it come
    /// first, then those whose shortcut or text contains it (case-insensitive).
    q: Option<String>,
    /// With `q`: the most matches answered, best first (default 50, at most 500).
    /// Without `q` every reply is listed, by shortcut.
    #[param(minimum = 1)]
    limit: Option<i64>,
}

/// The team's canned replies and the caller's personal ones.
#[utoipa::path(get, path = "/api/v1/canned-replies", tag = "canned replies", params(ListQuery),
    responses((status = 200, body = Items<CannedReply>), (status = 401, body = ErrorBody)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Items<CannedReply>>, AppError> {
    Ok(web::Json(Items {
        items: {
            let ListQuery { q, limit } = query.into_inner();
            canned::list(&state, &user.0, q, limit).await?
        },
    }))
}

/// Team replies: admins; personal replies: admins and employees. A shortcut
/// is unique (case-insensitive, without the "/") among the team's replies and
/// among each user's personal ones: `409` otherwise.
#[utoipa::path(post, path = "/api/v1/canned-replies", tag = "canned replies", request_body = CreateCannedReply,
    responses((status = 201, body = CannedReply), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreateCannedReply>,
) -> Result<HttpResponse, AppError> {
    let reply = canned::create(&state, &user.0, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(reply))
}

/// Its owner or an admin.
#[utoipa::path(patch, path = "/api/v1/canned-replies/{id}", tag = "canned replies",
    params(("id" = i64, Path)), request_body = UpdateCannedReply,
    responses((status = 200, body = CannedReply), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<UpdateCannedReply>,
) -> Result<web::Json<CannedReply>, AppError> {
    Ok(web::Json(
        canned::update(&state, &user.0, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Its owner or an admin.
#[utoipa::path(delete, path = "/api/v1/canned-replies/{id}", tag = "canned replies",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<HttpResponse, AppError> {
    canned::delete(&state, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The canned reply with its variables filled in for this chat and the
/// caller. `unknown` lists placeholders that name no variable; they are left
/// in `text` as typed.
#[utoipa::path(get, path = "/api/v1/chats/{id}/canned-replies/{canned_id}", tag = "canned replies",
    params(("id" = i64, Path), ("canned_id" = i64, Path)),
    responses((status = 200, body = RenderedCannedReply), (status = 404, body = ErrorBody)))]
async fn render(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Id, Id)>,
) -> Result<web::Json<RenderedCannedReply>, AppError> {
    let (chat_id, canned_id) = path.into_inner();
    Ok(web::Json(
        canned::render(&state, &user.0, chat_id, canned_id).await?,
    ))
}
