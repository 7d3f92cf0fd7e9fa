//! `GET /api/v1/openapi.json`, generated from the handlers' annotations.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tidings API",
        description = "REST API of the Tidings customer communications server."
    ),
    paths(
        super::health::healthz,
        super::info::info,
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::users::list,
        super::users::create,
        super::users::update,
        super::integrations::list,
        super::integrations::create,
        super::integrations::get,
        super::integrations::update,
        super::integrations::delete,
        super::integrations::queue,
        super::integrations::health,
        super::integrations::reconnect,
        super::integrations::test_message,
        super::integrations::pipelines,
        super::integrations::create_pipeline,
        super::chats::list,
        super::chats::archive,
        super::chats::counts,
        super::chats::detail,
        super::chats::timeline,
        super::chats::search,
        super::chats::reply,
        super::chats::retry,
        super::chats::assign,
        super::chats::followers,
        super::chats::tags,
        super::chats::close,
        super::chats::reopen,
        super::chats::notifications,
        super::chats::read,
        super::chats::comments,
        super::chats::comment,
        super::chats::create_deal,
        super::chats::link,
        super::chats::unlink,
        super::crm::deals,
        super::crm::update_deal,
        super::crm::tasks,
        super::crm::create_task,
        super::crm::projects,
        super::crm::create_project,
        super::crm::contact,
        super::crm::attachment,
        super::media::media,
        super::webhooks::telegram,
        super::webhooks::viber_callback,
    ),
    components(schemas(shared::error::ErrorCode))
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/openapi.json", web::get().to(openapi_json));
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
