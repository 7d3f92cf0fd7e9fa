//! `/api/v1/contacts` (list, one, edit, duplicates, merge) and
//! `PATCH /api/v1/tasks/{id}` with the paginated to-do list.

use actix_web::web;
use serde::Deserialize;
use shared::api::crm::{Contact, MergeContacts, Task, UpdateContact, UpdateTask};
use shared::api::{Items, Page};
use shared::error::ErrorBody;
use shared::Id;
use utoipa::IntoParams;

use super::error::AppError;
use super::extract::CurrentUser;
use super::AppState;
use crate::service::{contacts, tasks};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/contacts", web::get().to(list))
        .route("/api/v1/contacts/{id}", web::get().to(contact))
        .route("/api/v1/contacts/{id}", web::patch().to(update))
        .route(
            "/api/v1/contacts/{id}/duplicates",
            web::get().to(duplicates),
        )
        .route("/api/v1/contacts/{id}/merge", web::post().to(merge))
        .route("/api/v1/tasks", web::get().to(task_list))
        .route("/api/v1/tasks/{id}", web::patch().to(update_task));
}

#[derive(Deserialize, IntoParams)]
struct ContactsQuery {
    /// Part of the name, username, e-mail or company (any case), or digits of
    /// the phone (however it was written).
    q: Option<String>,
    /// 1 to 100 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the page before.
    cursor: Option<String>,
}

/// Contacts, newest first, one page. A follower's list holds the contacts of
/// the chats they follow.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "crm", params(ContactsQuery),
    responses((status = 200, body = Page<Contact>), (status = 422, body = ErrorBody)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ContactsQuery>,
) -> Result<web::Json<Page<Contact>>, AppError> {
    let query = query.into_inner();
    let (items, next_cursor) =
        contacts::contacts(&state, &user.0, query.q, query.limit, query.cursor).await?;
    Ok(web::Json(Page { items, next_cursor }))
}

/// A contact with its identities on every messenger, chats and deals (a
/// follower: only one of a chat they follow).
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "crm", params(("id" = i64, Path)),
    responses((status = 200, body = Contact), (status = 404, body = ErrorBody)))]
async fn contact(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Contact>, AppError> {
    Ok(web::Json(
        contacts::contact(&state, &user.0, id.into_inner()).await?,
    ))
}

/// Changes a contact's name, phone, e-mail, company or notes (`null` clears
/// all but the name). Followers: 403 (404 for a contact they cannot see).
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "crm", params(("id" = i64, Path)),
    request_body = UpdateContact,
    responses((status = 200, body = Contact), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<UpdateContact>,
) -> Result<web::Json<Contact>, AppError> {
    Ok(web::Json(
        contacts::update_contact(&state, &user.0, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Other contacts with the same phone digits or the same e-mail (any case).
#[utoipa::path(get, path = "/api/v1/contacts/{id}/duplicates", tag = "crm",
    params(("id" = i64, Path)),
    responses((status = 200, body = Items<Contact>), (status = 404, body = ErrorBody)))]
async fn duplicates(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Items<Contact>>, AppError> {
    Ok(web::Json(Items {
        items: contacts::duplicates(&state, &user.0, id.into_inner()).await?,
    }))
}

/// Merges `other_id` into this contact: its identities, chats and deals move
/// here, fields empty here are filled from it, and it is gone (404). Each
/// chat gets a `contacts_merged` event. Merging a contact with itself: 422.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "crm",
    params(("id" = i64, Path)), request_body = MergeContacts,
    responses((status = 200, body = Contact), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn merge(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<MergeContacts>,
) -> Result<web::Json<Contact>, AppError> {
    Ok(web::Json(
        contacts::merge(&state, &user.0, id.into_inner(), body.other_id).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
struct TasksQuery {
    assignee_id: Option<Id>,
    /// `true` or `false`.
    done: Option<bool>,
    /// 1 to 100 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the page before.
    cursor: Option<String>,
}

/// Tasks, one page: not done first, overdue first, then by due date (tasks
/// without one last). Followers: 403.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "crm", params(TasksQuery),
    responses((status = 200, body = Page<Task>), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn task_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<TasksQuery>,
) -> Result<web::Json<Page<Task>>, AppError> {
    let query = query.into_inner();
    let (items, next_cursor) = tasks::tasks(
        &state,
        &user.0,
        tasks::TasksRequest {
            assignee_id: query.assignee_id,
            done: query.done,
            limit: query.limit,
            cursor: query.cursor,
        },
    )
    .await?;
    Ok(web::Json(Page { items, next_cursor }))
}

/// Changes a task's title, done, due date (RFC 3339) or assignee (`null`
/// clears the last two). A change adds one `task_changed` event to each chat
/// the task is linked to, live. Followers: 403 (404 for a task they cannot see).
#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "crm", params(("id" = i64, Path)),
    request_body = UpdateTask,
    responses((status = 200, body = Task), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_task(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<UpdateTask>,
) -> Result<web::Json<Task>, AppError> {
    Ok(web::Json(
        tasks::update_task(&state, &user.0, id.into_inner(), body.into_inner()).await?,
    ))
}
