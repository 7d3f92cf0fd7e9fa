//! `GET/POST /api/v1/users`, `PATCH /api/v1/users/{id}`.

use actix_web::{web, HttpResponse};
use shared::api::users::{CreateUser, UpdateUser, User as UserDto};
use shared::api::Items;
use shared::error::ErrorBody;
use shared::Id;

use super::error::AppError;
use super::extract::CurrentUser;
use super::AppState;
use crate::domain::account::User;
use crate::service::accounts::{self, AccountChanges, NewAccount};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/users", web::get().to(list))
        .route("/api/v1/users", web::post().to(create))
        .route("/api/v1/users/{id}", web::patch().to(update));
}

pub fn user_dto(user: User) -> UserDto {
    crate::service::views::user(user)
}

/// Every user (to pick assignees and followers).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Items<UserDto>), (status = 401, body = ErrorBody)))]
async fn list(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> Result<web::Json<Items<UserDto>>, AppError> {
    let users = accounts::list_users(&state.store, &caller.0).await?;
    Ok(web::Json(Items {
        items: users.into_iter().map(user_dto).collect(),
    }))
}

/// Creates a user (admin only).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserDto), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, AppError> {
    let CreateUser {
        email,
        name,
        password,
        role,
    } = body.into_inner();
    let user = accounts::add_user(
        &state.store,
        &caller.0,
        NewAccount {
            email,
            name,
            password,
            role,
        },
    )
    .await?;
    // CONTRACT: creating returns the created object.
    Ok(HttpResponse::Created().json(user_dto(user)))
}

/// Changes a user (admin only); deactivating ends their sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UpdateUser,
    params(("id" = i64, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<UpdateUser>,
) -> Result<web::Json<UserDto>, AppError> {
    let UpdateUser {
        email,
        name,
        password,
        role,
        active,
        max_open_chats,
    } = body.into_inner();
    let user = accounts::change_user(
        &state.store,
        &caller.0,
        id.into_inner(),
        AccountChanges {
            email,
            name,
            password,
            role,
            active,
            max_open_chats,
        },
    )
    .await?;
    state.hub.wake();
    // A raised cap, an activation or a new role may free a waiting chat.
    state.routing_ready.notify_one();
    Ok(web::Json(user_dto(user)))
}
