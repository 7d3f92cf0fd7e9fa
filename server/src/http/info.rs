//! `GET /api/v1/info`: the server's version and whether it runs as the demo
//! (public: the sign-in page shows the demo hints before anyone signs in).

use actix_web::web;
use shared::api::ServerInfo;

use super::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/info", web::get().to(info));
}

/// The server's version and demo mode (no sign-in needed).
#[utoipa::path(get, path = "/api/v1/info", tag = "info",
    responses((status = 200, body = ServerInfo)))]
async fn info(state: web::Data<AppState>) -> web::Json<ServerInfo> {
    let simulator_url = state
        .config
        .demo_simulator_url
        .as_ref()
        .map(|url| url.as_str().to_owned());
    web::Json(ServerInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        demo: simulator_url.is_some(),
        simulator_url,
    })
}
