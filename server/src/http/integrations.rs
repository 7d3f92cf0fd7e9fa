//! `/api/v1/integrations` and `/api/v1/pipelines`.

use actix_web::{web, HttpResponse};
use shared::api::crm::{CreatePipeline, Pipeline, UpdatePipeline};
use shared::api::integrations::{BusinessConnection, LinkBusinessConnection};
use shared::api::integrations::{
    CreateIntegration, FailedUpdate, FailedUpdatesRetried, Integration, IntegrationHealth,
    MessageTemplate, QueueView, SendTestMessage, TestMessageSent, UpdateIntegration,
};
use shared::api::{Items, Page};
use shared::error::ErrorBody;
use shared::Id;

use super::error::AppError;
use super::extract::CurrentUser;
use super::AppState;
use crate::service::{crm, health as channel_health, integrations};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/integrations", web::get().to(list))
        .route("/api/v1/integrations", web::post().to(create))
        .route("/api/v1/integrations/{id}", web::get().to(get))
        .route("/api/v1/integrations/{id}", web::patch().to(update))
        .route("/api/v1/integrations/{id}", web::delete().to(delete))
        .route("/api/v1/integrations/{id}/queue", web::get().to(queue))
        .route("/api/v1/integrations/{id}/health", web::get().to(health))
        .route(
            "/api/v1/integrations/{id}/webhook",
            web::post().to(reconnect),
        )
        .route(
            "/api/v1/integrations/{id}/failed-updates",
            web::get().to(failed_updates),
        )
        .route(
            "/api/v1/integrations/{id}/failed-updates/retry",
            web::post().to(retry_failed_updates),
        )
        .route(
            "/api/v1/integrations/{id}/test-message",
            web::post().to(test_message),
        )
        .route(
            "/api/v1/integrations/{id}/templates",
            web::get().to(templates),
        )
        .route(
            "/api/v1/integrations/{id}/business-connections",
            web::get().to(business_connections),
        )
        .route(
            "/api/v1/integrations/{id}/business-connections/{connection_id}",
            web::patch().to(link_business_connection),
        )
        .route("/api/v1/pipelines", web::get().to(pipelines))
        .route("/api/v1/pipelines", web::post().to(create_pipeline))
        .route("/api/v1/pipelines/{id}", web::get().to(pipeline))
        .route("/api/v1/pipelines/{id}", web::patch().to(update_pipeline))
        .route("/api/v1/pipelines/{id}", web::delete().to(delete_pipeline));
}

/// Connected bots (tokens only for admins).
#[utoipa::path(get, path = "/api/v1/integrations", tag = "integrations",
    responses((status = 200, body = Items<Integration>), (status = 401, body = ErrorBody)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Items<Integration>>, AppError> {
    Ok(web::Json(Items {
        items: integrations::list(&state, &user.0).await?,
    }))
}

/// Connects a Telegram or Viber bot or a WhatsApp business number (admin only): checks the token
/// (WhatsApp: with `GET {phone_number_id}`), registers the webhook or starts polling. A WhatsApp
/// integration answers its `verify_token` (admins) for Meta's dashboard; `app_secret` is never returned.
#[utoipa::path(post, path = "/api/v1/integrations", tag = "integrations", request_body = CreateIntegration,
    responses((status = 201, body = Integration), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreateIntegration>,
) -> Result<HttpResponse, AppError> {
    let created = integrations::create(&state, &user.0, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/api/v1/integrations/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = Integration), (status = 404, body = ErrorBody)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Integration>, AppError> {
    Ok(web::Json(
        integrations::get(&state, &user.0, id.into_inner()).await?,
    ))
}

/// Changes an integration (admin only); an empty text disables that auto-message.
#[utoipa::path(patch, path = "/api/v1/integrations/{id}", tag = "integrations", params(("id" = i64, Path)),
    request_body = UpdateIntegration,
    responses((status = 200, body = Integration), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<UpdateIntegration>,
) -> Result<web::Json<Integration>, AppError> {
    Ok(web::Json(
        integrations::update(&state, &user.0, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Disconnects a bot (admin only); its chats and their history stay.
#[utoipa::path(delete, path = "/api/v1/integrations/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<HttpResponse, AppError> {
    integrations::delete(&state, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who gets the next new chat, and the order after (admin only).
#[utoipa::path(get, path = "/api/v1/integrations/{id}/queue", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = QueueView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<QueueView>, AppError> {
    Ok(web::Json(
        crate::service::routing::queue_view(&state, &user.0, id.into_inner()).await?,
    ))
}

/// The approved WhatsApp message templates of an integration (admins and
/// employees), with their body text and number of `{{n}}` values; refreshed
/// from the Graph API every few minutes. Other messengers: an empty list.
#[utoipa::path(get, path = "/api/v1/integrations/{id}/templates", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = Items<MessageTemplate>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn templates(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Items<MessageTemplate>>, AppError> {
    Ok(web::Json(Items {
        items: crate::service::templates::list(&state, &user.0, id.into_inner()).await?,
    }))
}

/// The Telegram Business accounts whose owners connected the bot (admins and
/// employees).
#[utoipa::path(get, path = "/api/v1/integrations/{id}/business-connections", tag = "integrations",
    params(("id" = i64, Path)),
    responses((status = 200, body = Items<BusinessConnection>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(super) async fn business_connections(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Items<BusinessConnection>>, AppError> {
    Ok(web::Json(Items {
        items: crate::service::business::list(&state, &user.0, id.into_inner()).await?,
    }))
}

/// Links a Telegram Business account's owner to a Tidings user (admins);
/// `user_id: null` unlinks.
#[utoipa::path(patch, path = "/api/v1/integrations/{id}/business-connections/{connection_id}",
    tag = "integrations",
    params(("id" = i64, Path), ("connection_id" = String, Path)),
    request_body = LinkBusinessConnection,
    responses((status = 200, body = BusinessConnection), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn link_business_connection(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Id, String)>,
    body: web::Json<LinkBusinessConnection>,
) -> Result<web::Json<BusinessConnection>, AppError> {
    let (id, connection_id) = path.into_inner();
    Ok(web::Json(
        crate::service::business::link(&state, &user.0, id, connection_id, body.user_id).await?,
    ))
}

/// Sales funnels with their stages in order.
#[utoipa::path(get, path = "/api/v1/pipelines", tag = "crm",
    responses((status = 200, body = Items<Pipeline>)))]
async fn pipelines(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Items<Pipeline>>, AppError> {
    Ok(web::Json(Items {
        items: crm::pipelines(&state, &user.0).await?,
    }))
}

/// Creates a sales funnel (admin only).
#[utoipa::path(post, path = "/api/v1/pipelines", tag = "crm", request_body = CreatePipeline,
    responses((status = 201, body = Pipeline), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_pipeline(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreatePipeline>,
) -> Result<HttpResponse, AppError> {
    let CreatePipeline { name, stages } = body.into_inner();
    let pipeline = crm::create_pipeline(&state, &user.0, name, stages).await?;
    Ok(HttpResponse::Created().json(pipeline))
}

#[utoipa::path(get, path = "/api/v1/pipelines/{id}", tag = "crm", params(("id" = i64, Path)),
    responses((status = 200, body = Pipeline), (status = 404, body = ErrorBody)))]
async fn pipeline(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Pipeline>, AppError> {
    Ok(web::Json(
        crm::pipeline(&state, &user.0, id.into_inner()).await?,
    ))
}

/// Renames a sales funnel and/or sets its stages (admin only): the given
/// order is the new order, names without `id` are added, stages left out are
/// removed — `409 stage_not_empty` while a removed stage holds deals (move
/// them to another stage first).
#[utoipa::path(patch, path = "/api/v1/pipelines/{id}", tag = "crm", params(("id" = i64, Path)),
    request_body = UpdatePipeline,
    responses((status = 200, body = Pipeline), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`stage_not_empty`: a removed stage holds deals"),
              (status = 422, body = ErrorBody)))]
async fn update_pipeline(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<UpdatePipeline>,
) -> Result<web::Json<Pipeline>, AppError> {
    Ok(web::Json(
        crm::update_pipeline(&state, &user.0, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Deletes a sales funnel (admin only): `409 pipeline_in_use` while it holds
/// deals or an integration uses it, and for the default funnel.
#[utoipa::path(delete, path = "/api/v1/pipelines/{id}", tag = "crm", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`pipeline_in_use`")))]
async fn delete_pipeline(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<HttpResponse, AppError> {
    crm::delete_pipeline(&state, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Channel health: the webhook as the messenger sees it, the last update, the
/// outbound queue and the last error (admin only).
#[utoipa::path(get, path = "/api/v1/integrations/{id}/health", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = IntegrationHealth), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn health(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<IntegrationHealth>, AppError> {
    Ok(web::Json(
        channel_health::health(&state, &user.0, id.into_inner()).await?,
    ))
}

/// Registers the webhook again (admin only).
#[utoipa::path(post, path = "/api/v1/integrations/{id}/webhook", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = IntegrationHealth), (status = 403, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn reconnect(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<IntegrationHealth>, AppError> {
    Ok(web::Json(
        channel_health::reconnect(&state, &user.0, id.into_inner()).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
struct FailedUpdatesQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Inbound updates kept but not applied, oldest first (admin only).
#[utoipa::path(get, path = "/api/v1/integrations/{id}/failed-updates", tag = "integrations",
    params(("id" = i64, Path), FailedUpdatesQuery),
    responses((status = 200, body = Page<FailedUpdate>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn failed_updates(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    query: web::Query<FailedUpdatesQuery>,
) -> Result<web::Json<Page<FailedUpdate>>, AppError> {
    Ok(web::Json(
        channel_health::failed_updates(&state, &user.0, id.into_inner(), query.into_inner().cursor)
            .await?,
    ))
}

/// Applies the failed updates again now; they are also tried every minute (admin only).
#[utoipa::path(post, path = "/api/v1/integrations/{id}/failed-updates/retry", tag = "integrations",
    params(("id" = i64, Path)),
    responses((status = 200, body = FailedUpdatesRetried), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn retry_failed_updates(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<FailedUpdatesRetried>, AppError> {
    Ok(web::Json(
        channel_health::retry_failed_updates(&state, &user.0, id.into_inner()).await?,
    ))
}

/// Sends a test message through the bot right away (admin only).
#[utoipa::path(post, path = "/api/v1/integrations/{id}/test-message", tag = "integrations", params(("id" = i64, Path)),
    request_body = SendTestMessage,
    responses((status = 200, body = TestMessageSent), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn test_message(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: Option<web::Json<SendTestMessage>>,
) -> Result<web::Json<TestMessageSent>, AppError> {
    let request = body.map(|b| b.into_inner()).unwrap_or_default();
    Ok(web::Json(
        integrations::send_test_message(&state, &user.0, id.into_inner(), request).await?,
    ))
}
