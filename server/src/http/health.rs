//! `GET /healthz`: 200 while the database answers, 503 otherwise.

use actix_web::{web, HttpResponse};
use shared::api::Health;
use shared::error::{ErrorBody, ErrorCode};

use super::error::AppError;
use super::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz));
}

#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if state.store.ping().await {
        Ok(HttpResponse::Ok().json(Health {
            status: "ok".into(),
        }))
    } else {
        Err(AppError::new(
            ErrorCode::Unavailable,
            "the database is unreachable",
        ))
    }
}
