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
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::users::list,
        super::users::create,
        super::users::update,
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
