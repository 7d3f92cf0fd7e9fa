//! HTTP: composition of the resource modules, CSRF protection, and the JSON
//! error shape for everything that does not match a route.

pub mod assets;
pub mod auth;
pub mod canned;
pub mod channel_api;
pub mod chats;
pub mod contacts;
pub mod crm;
pub mod error;
pub mod extract;
pub mod health;
pub mod info;
pub mod integrations;
pub mod media;
pub mod metrics;
pub mod notifications;
pub mod openapi;
pub mod push;
pub mod reports;
pub mod security;
pub mod upload;
pub mod users;
pub mod webhooks;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use shared::error::ErrorCode;

use error::AppError;

use crate::texts::{self, Lang};

/// Everything handlers share, in `web::Data`: the services' context.
pub type AppState = crate::service::Context;

/// Registers every route; used by the server and by tests alike.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(extract::json_config())
        .app_data(extract::path_config())
        .app_data(extract::query_config())
        .configure(health::configure)
        .configure(info::configure)
        .configure(openapi::configure)
        .configure(auth::configure)
        .configure(users::configure)
        .configure(integrations::configure)
        .configure(chats::configure)
        .configure(crm::configure)
        .configure(reports::configure)
        .configure(webhooks::configure)
        .configure(media::configure)
        .configure(metrics::configure)
        .configure(canned::configure)
        .configure(notifications::configure)
        .configure(contacts::configure)
        .configure(channel_api::configure)
        .configure(push::configure)
        .configure(crate::realtime::session::configure);
}

/// Anything no route matched: the web app for page loads, a JSON 404 otherwise.
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, AppError> {
    if req.method() == Method::GET && assets::is_app_path(req.path()) {
        return Ok(assets::serve(&req));
    }
    Err(AppError::new(
        ErrorCode::NotFound,
        format!("no route for {} {}", req.method(), req.path()),
    ))
}

/// CSRF: a state-changing request whose `Origin` (or, without one, `Referer`)
/// names another site is refused. Requests without either (API clients) pass.
pub async fn reject_cross_site(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(req.request()) {
        tracing::warn!(path = req.path(), "cross-site request refused");
        // A response, not an error: outer middleware (security headers) see it.
        return Ok(req.error_response(AppError::new(
            ErrorCode::Forbidden,
            "cross-site request refused",
        )));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Serves the request in the language its `Accept-Language` asks for (see
/// [`crate::texts`]): error messages and server-made texts follow it.
pub async fn speak_the_callers_language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let lang = request_lang(req.request());
    texts::speaking(lang, next.call(req)).await
}

/// The language a request asks for: a `lang` query parameter (the web app's
/// socket, which cannot set headers), else `Accept-Language`.
pub fn request_lang(req: &HttpRequest) -> Lang {
    let asked = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|query| query.into_inner().lang);
    Lang::from_accept_language(asked.as_deref().or_else(|| {
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
    }))
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// Whether the request's `Origin` names this site (required for the socket).
pub fn is_own_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    origin_host(origin).is_some_and(|claimed| own_hosts(req).contains(&claimed))
}

/// `host:port` of a URL, the default port filled in.
fn origin_host(value: &str) -> Option<String> {
    let url = url::Url::parse(value).ok()?;
    Some(format!(
        "{}:{}",
        url.host_str()?,
        url.port_or_known_default()?
    ))
}

fn is_cross_site(req: &HttpRequest) -> bool {
    let headers = req.headers();
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|value| value.to_str().ok());
    let Some(claimed) = claimed else {
        return false;
    };
    match origin_host(claimed) {
        Some(claimed) => !own_hosts(req).contains(&claimed),
        None => true,
    }
}

/// Our own `host:port` as the request addressed us and as configured publicly.
fn own_hosts(req: &HttpRequest) -> Vec<String> {
    let mut hosts = Vec::with_capacity(2);
    let info = req.connection_info();
    let default_port = if info.scheme() == "https" { 443 } else { 80 };
    let host = info.host();
    hosts.push(if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:{default_port}")
    });
    if let Some(state) = req.app_data::<web::Data<AppState>>() {
        let public = &state.config.public_url;
        if let (Some(host), Some(port)) = (public.host_str(), public.port_or_known_default()) {
            hosts.push(format!("{host}:{port}"));
        }
    }
    hosts
}
