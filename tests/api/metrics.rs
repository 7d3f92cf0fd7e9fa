//! `GET /metrics` (CONTRACT "Operations"): Prometheus text with every metric
//! CONTRACT names; loopback only without a token, the bearer token with one.
//! (A non-loopback peer's 403 is a unit test of the rule: tests connect from
//! loopback.)

use reqwest::StatusCode;
use tidings::config::Secret;
use tidings_tests::metrics::{samples, scrape};
use tidings_tests::{expect_error, on_both_backends, Backend, TestApp};

const TOKEN: &str = "scrape-token-7f3a";

const CONTRACT_METRICS: [&str; 10] = [
    "tidings_http_requests_total",
    "tidings_inbound_accepted_total",
    "tidings_inbound_applied_total",
    "tidings_inbound_backlog",
    "tidings_outbound_sent_total",
    "tidings_outbound_failed_total",
    "tidings_outbound_pending",
    "tidings_live_sockets",
    "tidings_db_pool_connections",
    "process_resident_memory_bytes",
];

async fn loopback_scrapes_every_contract_metric_without_a_token(backend: Backend) {
    let app = TestApp::start(backend).await;
    // One answered request first, so the request counter has a series.
    assert_eq!(scrape(&app, None).await.status(), StatusCode::OK);
    let samples = samples(&app, None).await;
    for name in CONTRACT_METRICS {
        assert!(
            samples
                .keys()
                .any(|series| series == name || series.starts_with(&format!("{name}{{"))),
            "{name} missing from {samples:?}"
        );
    }
    assert!(samples["tidings_http_requests_total{status=\"200\"}"] >= 1.0);
    assert!(samples["tidings_db_pool_connections{state=\"idle\"}"] >= 0.0);
    assert!(
        samples["process_resident_memory_bytes"] > 1_000_000.0,
        "a running server uses more than a megabyte"
    );
}

async fn a_metrics_token_must_be_shown_as_the_bearer(backend: Backend) {
    let app = TestApp::start_with_fakes_and(backend, None, None, None, |config| {
        config.metrics_token = Some(Secret(TOKEN.into()));
    })
    .await;
    expect_error(scrape(&app, None).await, StatusCode::UNAUTHORIZED).await;
    expect_error(
        scrape(&app, Some("not-the-token")).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let samples = samples(&app, Some(TOKEN)).await;
    assert_eq!(
        samples["tidings_http_requests_total{status=\"401\"}"], 2.0,
        "the refused scrapes are counted"
    );
}

on_both_backends!(
    loopback_scrapes_every_contract_metric_without_a_token,
    a_metrics_token_must_be_shown_as_the_bearer,
);
