//! `/api/v1/deals`, `POST /api/v1/tasks`, `/api/v1/projects`, `DELETE /api/v1/contacts/{id}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use shared::api::crm::{Board, CreateProject, CreateTask, Deal, Project, Task, UpdateDeal};
use shared::api::{Items, Page};
use shared::error::ErrorBody;
use shared::Id;
use utoipa::IntoParams;

use super::error::AppError;
use super::extract::CurrentUser;
use super::AppState;
use crate::service::{attachments, crm, erasure};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/deals", web::get().to(deals))
        .route("/api/v1/deals/{id}", web::get().to(deal))
        .route("/api/v1/deals/{id}", web::patch().to(update_deal))
        .route("/api/v1/pipelines/{id}/board", web::get().to(board))
        .route("/api/v1/tasks", web::post().to(create_task))
        .route("/api/v1/projects", web::get().to(projects))
        .route("/api/v1/projects", web::post().to(create_project))
        .route("/api/v1/contacts/{id}", web::delete().to(erase_contact))
        .route("/api/v1/attachments/{id}", web::get().to(attachment));
}

#[derive(Deserialize, IntoParams)]
struct DealsQuery {
    pipeline_id: Option<Id>,
    stage_id: Option<Id>,
    /// `open`, `won` or `lost`.
    status: Option<String>,
    responsible_id: Option<Id>,
    contact_id: Option<Id>,
    /// Part of the title or of the contact's name, any case.
    q: Option<String>,
    /// 1 to 100 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the page before.
    cursor: Option<String>,
}

/// Deals, newest first, one page. A follower's list holds the deals of the
/// chats they follow.
#[utoipa::path(get, path = "/api/v1/deals", tag = "crm", params(DealsQuery),
    responses((status = 200, body = Page<Deal>), (status = 422, body = ErrorBody)))]
async fn deals(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<DealsQuery>,
) -> Result<web::Json<Page<Deal>>, AppError> {
    let query = query.into_inner();
    let (items, next_cursor) = crm::deals(
        &state,
        &user.0,
        crm::DealsRequest {
            pipeline_id: query.pipeline_id,
            stage_id: query.stage_id,
            status: query.status,
            responsible_id: query.responsible_id,
            contact_id: query.contact_id,
            q: query.q,
            limit: query.limit,
            cursor: query.cursor,
        },
    )
    .await?;
    Ok(web::Json(Page { items, next_cursor }))
}

/// One deal (a follower: only one of a chat they follow).
#[utoipa::path(get, path = "/api/v1/deals/{id}", tag = "crm", params(("id" = i64, Path)),
    responses((status = 200, body = Deal), (status = 404, body = ErrorBody)))]
async fn deal(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Deal>, AppError> {
    Ok(web::Json(
        crm::deal(&state, &user.0, id.into_inner()).await?,
    ))
}

/// Changes a deal's title, stage (of its own funnel), amount, currency,
/// status (with a close note) or responsible; `null` clears amount, currency,
/// responsible and note. A change adds one `deal_changed` event to the deal's
/// chat, live. Followers: 403 (404 for a deal they cannot see).
#[utoipa::path(patch, path = "/api/v1/deals/{id}", tag = "crm", params(("id" = i64, Path)), request_body = UpdateDeal,
    responses((status = 200, body = Deal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update_deal(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<UpdateDeal>,
) -> Result<web::Json<Deal>, AppError> {
    Ok(web::Json(
        crm::update_deal(&state, &user.0, id.into_inner(), body.into_inner()).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
struct BoardQuery {
    /// `open`, `won` or `lost`.
    status: Option<String>,
    responsible_id: Option<Id>,
}

/// A funnel's deal board figures: per stage, in order, the number of deals
/// and their amounts summed per currency, with the same filters as the list.
#[utoipa::path(get, path = "/api/v1/pipelines/{id}/board", tag = "crm", params(("id" = i64, Path), BoardQuery),
    responses((status = 200, body = Board), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn board(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    query: web::Query<BoardQuery>,
) -> Result<web::Json<Board>, AppError> {
    let pipeline_id = id.into_inner();
    let query = query.into_inner();
    let stages = crm::board(
        &state,
        &user.0,
        pipeline_id,
        query.status,
        query.responsible_id,
    )
    .await?;
    Ok(web::Json(Board {
        pipeline_id,
        stages,
    }))
}

#[utoipa::path(post, path = "/api/v1/tasks", tag = "crm", request_body = CreateTask,
    responses((status = 201, body = Task), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_task(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreateTask>,
) -> Result<HttpResponse, AppError> {
    let task = crm::create_task(&state, &user.0, body.into_inner().title).await?;
    Ok(HttpResponse::Created().json(task))
}

#[utoipa::path(get, path = "/api/v1/projects", tag = "crm",
    responses((status = 200, body = Items<Project>), (status = 403, body = ErrorBody)))]
async fn projects(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Items<Project>>, AppError> {
    Ok(web::Json(Items {
        items: crm::projects(&state, &user.0).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/projects", tag = "crm", request_body = CreateProject,
    responses((status = 201, body = Project), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_project(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreateProject>,
) -> Result<HttpResponse, AppError> {
    let project = crm::create_project(&state, &user.0, body.into_inner().name).await?;
    Ok(HttpResponse::Created().json(project))
}

#[derive(Deserialize, IntoParams)]
struct EraseQuery {
    /// Must be `true`: erasing cannot be undone, so it is never implied.
    erase: Option<bool>,
}

/// Erases a contact on the customer's request: its identities, chats, messages,
/// comments, attachments (files too), search entries and outbound jobs; its
/// deals stay with `contact_id: null`. Admins only; without `erase=true` → 422.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "crm", params(("id" = i64, Path), EraseQuery),
    responses((status = 204, description = "Erased"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn erase_contact(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    query: web::Query<EraseQuery>,
) -> Result<HttpResponse, AppError> {
    if query.erase != Some(true) {
        return Err(AppError::new(
            shared::error::ErrorCode::Invalid,
            "add erase=true to erase the contact and all its data",
        ));
    }
    erasure::erase_contact(&state, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A customer's file, to users who may see its chat.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "chats", params(("id" = i64, Path)),
    responses((status = 200, description = "Pictures, audio and video inline; anything else as a download",
        content(("application/octet-stream"), ("image/png"), ("image/jpeg"), ("image/gif"),
                ("image/webp"), ("audio/*"), ("video/*"))),
        (status = 404, body = ErrorBody)))]
async fn attachment(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<HttpResponse, AppError> {
    let file = attachments::read(&state, &user.0, id.into_inner()).await?;
    // Customers choose these bytes: only media types a browser cannot run are
    // shown inline; anything else is a download, sandboxed either way.
    let mime = file.mime.clone().unwrap_or_default();
    let inline = matches!(
        mime.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    ) || mime.starts_with("audio/")
        || mime.starts_with("video/");
    let (mime, disposition) = if inline {
        (mime, "inline")
    } else {
        ("application/octet-stream".to_owned(), "attachment")
    };
    let name = attachments::header_safe_name(&file.name);
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", mime))
        .insert_header((
            "Content-Disposition",
            format!("{disposition}; filename=\"{name}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox"))
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .body(super::media::streamed(file)))
}
