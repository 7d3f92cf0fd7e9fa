//! `GET /api/v1/info`: the server's version and whether it runs as the demo
//! (public: the sign-in page shows the demo hints before anyone signs in),
//! plus, for a signed-in admin, how the scheduled backups are doing.

use actix_web::{web, HttpRequest};
use chrono::SecondsFormat;
use shared::api::ServerInfo;

use super::extract::SESSION_COOKIE;
use super::AppState;
use crate::domain::policy::{self, Action};
use crate::service::accounts;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/info", web::get().to(info));
}

/// The server's version and demo mode (no sign-in needed); the backup fields
/// are filled for admins only (`null` for everyone else).
#[utoipa::path(get, path = "/api/v1/info", tag = "info",
    responses((status = 200, body = ServerInfo)))]
async fn info(request: HttpRequest, state: web::Data<AppState>) -> web::Json<ServerInfo> {
    let simulator_url = state
        .config
        .demo_simulator_url
        .as_ref()
        .map(|url| url.as_str().to_owned());
    let mut info = ServerInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        demo: simulator_url.is_some(),
        simulator_url,
        backups_scheduled: None,
        last_backup_at: None,
        last_backup_error: None,
    };
    if may_view_backups(&request, &state).await {
        let last = state.backups.last();
        info.backups_scheduled = Some(state.config.backups.dir.is_some());
        info.last_backup_at = last
            .at
            .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true));
        info.last_backup_error = last.error;
    }
    web::Json(info)
}

/// Whether the caller is signed in with a role that may see backups; anyone
/// else (signed out, expired session) just gets the public part.
async fn may_view_backups(request: &HttpRequest, state: &AppState) -> bool {
    let Some(token) = request.cookie(SESSION_COOKIE) else {
        return false;
    };
    match accounts::authenticate(&state.store, token.value()).await {
        Ok(user) => policy::decide(user.role, Action::ViewBackups).is_allowed(),
        Err(_) => false,
    }
}
