//! `GET /api/v1/me/notifications` and `POST /api/v1/me/notifications/read`:
//! the caller's own notification centre.

use actix_web::web;
use serde::Deserialize;
use shared::api::notifications::{MarkNotificationsRead, NotificationPage, UnreadNotifications};
use shared::error::ErrorBody;
use utoipa::IntoParams;

use super::error::AppError;
use super::extract::CurrentUser;
use super::AppState;
use crate::service::notifications;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/me/notifications", web::get().to(list))
        .route("/api/v1/me/notifications/read", web::post().to(read));
}

#[derive(Deserialize, IntoParams)]
struct ListQuery {
    /// `true`: only unread notifications.
    #[serde(default)]
    unread: bool,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size (default 50, at most 100).
    #[param(minimum = 1)]
    limit: Option<i64>,
}

/// The caller's notifications, newest first: `mention` (a teammate named
/// them in a comment; `item_id` is the comment), `assigned` (a chat given to
/// them by someone else, or by routing with `actor_id` null), `customer_message`
/// (each customer message in an open chat assigned to them) and `waiting` (a
/// chat of an integration whose queue they are in waits for a manager).
/// Turning a chat's notifications off (`PUT /api/v1/chats/{id}/notifications`)
/// stops `customer_message` and `waiting` for it. `unread` is the caller's
/// unread total, whatever the filter. New ones arrive live as the socket's
/// `notification` event.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications", params(ListQuery),
    responses((status = 200, body = NotificationPage), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<web::Json<NotificationPage>, AppError> {
    let ListQuery {
        unread,
        cursor,
        limit,
    } = query.into_inner();
    Ok(web::Json(
        notifications::list(&state, &user.0, unread, cursor, limit).await?,
    ))
}

/// Marks the caller's notifications read: `{ids}` (at most 500; ids that are
/// not the caller's are ignored) or `{all: true}`. Answers the unread total
/// left; the caller's other tabs receive `notifications_read`.
#[utoipa::path(post, path = "/api/v1/me/notifications/read", tag = "notifications",
    request_body = MarkNotificationsRead,
    responses((status = 200, body = UnreadNotifications), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn read(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<MarkNotificationsRead>,
) -> Result<web::Json<UnreadNotifications>, AppError> {
    let unread = notifications::mark_read(&state, &user.0, body.into_inner()).await?;
    Ok(web::Json(UnreadNotifications { unread }))
}
