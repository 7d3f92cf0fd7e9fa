//! `GET /metrics` for Prometheus, and the middleware that counts every
//! response by status. With `TIDINGS_METRICS_TOKEN` the scraper shows it as
//! a bearer token; without one only this machine may scrape (the TCP peer,
//! never `X-Forwarded-For`: a proxy in front would make everyone local).

use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use shared::error::ErrorCode;
use subtle::ConstantTimeEq;

use super::error::AppError;
use super::AppState;
use crate::config::Secret;
use crate::metrics::{self, Snapshot};
use crate::service::ServiceError;
use crate::store::{inbound, outbound, StoreError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(scrape));
}

/// Whether a scrape may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrapeAccess {
    Allowed,
    /// A token is configured and the request did not show it (401).
    WrongToken,
    /// No token is configured and the request is not from this machine (403).
    NotLocal,
}

/// The access rule of CONTRACT "Operations": a configured token must be shown
/// (compared in constant time); without one, the peer must be loopback.
pub fn scrape_access(
    token: Option<&Secret>,
    authorization: Option<&str>,
    peer: Option<IpAddr>,
) -> ScrapeAccess {
    match token {
        Some(token) => {
            let shown = authorization
                .and_then(|value| value.strip_prefix("Bearer "))
                .unwrap_or_default();
            if bool::from(shown.as_bytes().ct_eq(token.expose().as_bytes())) {
                ScrapeAccess::Allowed
            } else {
                ScrapeAccess::WrongToken
            }
        }
        None if peer.is_some_and(|ip| ip.to_canonical().is_loopback()) => ScrapeAccess::Allowed,
        None => ScrapeAccess::NotLocal,
    }
}

async fn scrape(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let peer = req.peer_addr().map(|addr| addr.ip());
    match scrape_access(state.config.metrics_token.as_ref(), authorization, peer) {
        ScrapeAccess::Allowed => {}
        ScrapeAccess::WrongToken => {
            return Err(AppError::new(
                ErrorCode::Unauthenticated,
                "show the metrics token as a bearer token",
            ))
        }
        ScrapeAccess::NotLocal => {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "metrics are served to this machine only unless a metrics token is set",
            ))
        }
    }
    let (inbound_backlog, outbound_pending, push_pending) = state
        .store
        .run(|conn| {
            Ok::<_, StoreError>((
                inbound::count_unapplied(conn)?,
                outbound::count_pending(conn)?,
                crate::store::push::count_queued(conn)?,
            ))
        })
        .await?;
    let (pool_idle, pool_in_use) = state.store.pool_connections();
    let text = state
        .metrics
        .render(Snapshot {
            inbound_backlog,
            outbound_pending,
            push_pending,
            live_sockets: state.hub.open_sockets(),
            pool_idle,
            pool_in_use,
            resident_memory_bytes: metrics::resident_memory_bytes(),
        })
        .map_err(|err| ServiceError::Internal(err.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type(metrics::CONTENT_TYPE)
        .body(text))
}

/// Counts each response by its status code, errors included.
pub async fn count_responses(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        let status = match &result {
            Ok(response) => response.status(),
            Err(err) => err.as_response_error().status_code(),
        };
        metrics.count_response(status.as_u16());
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("an address"))
    }

    #[test]
    fn without_a_token_only_loopback_peers_may_scrape() {
        assert_eq!(
            scrape_access(None, None, ip("127.0.0.1")),
            ScrapeAccess::Allowed
        );
        assert_eq!(scrape_access(None, None, ip("::1")), ScrapeAccess::Allowed);
        assert_eq!(
            scrape_access(None, None, ip("::ffff:127.0.0.1")),
            ScrapeAccess::Allowed
        );
        assert_eq!(
            scrape_access(None, None, ip("10.0.0.7")),
            ScrapeAccess::NotLocal
        );
        assert_eq!(
            scrape_access(None, None, ip("2001:db8::1")),
            ScrapeAccess::NotLocal
        );
        assert_eq!(scrape_access(None, None, None), ScrapeAccess::NotLocal);
    }

    #[test]
    fn with_a_token_only_the_right_bearer_may_scrape_from_anywhere() {
        let token = Secret("s3cret-token".into());
        let check = |auth: Option<&str>, peer: &str| scrape_access(Some(&token), auth, ip(peer));
        assert_eq!(
            check(Some("Bearer s3cret-token"), "10.0.0.7"),
            ScrapeAccess::Allowed
        );
        assert_eq!(
            check(Some("Bearer wrong"), "127.0.0.1"),
            ScrapeAccess::WrongToken
        );
        assert_eq!(
            check(Some("Bearer s3cret"), "127.0.0.1"),
            ScrapeAccess::WrongToken
        );
        assert_eq!(
            check(Some("s3cret-token"), "127.0.0.1"),
            ScrapeAccess::WrongToken
        );
        assert_eq!(check(None, "127.0.0.1"), ScrapeAccess::WrongToken);
    }
}
