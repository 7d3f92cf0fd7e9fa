//! Scraping `GET /metrics` and reading samples of its text format.

use std::collections::HashMap;

use reqwest::{Response, StatusCode};

/// `GET /metrics`, with the bearer token if one is given.
pub async fn scrape(app: &crate::TestApp, token: Option<&str>) -> Response {
    let request = reqwest::Client::new().get(app.url("/metrics"));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.expect("the server answers")
}

/// Every sample of a scrape that must succeed, by its series
/// (`name{label="value"}`, or the bare name).
pub async fn samples(app: &crate::TestApp, token: Option<&str>) -> HashMap<String, f64> {
    let response = scrape(app, token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    parse(&response.text().await.expect("a text body"))
}

/// Parses the Prometheus text format (0.0.4): comments skipped, each other
/// line a series and its value; a malformed line fails the test.
pub fn parse(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("not a sample: {line}"));
            let value: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {line}"));
            (series.to_owned(), value)
        })
        .collect()
}

/// A sample's value, 0 when the series is absent.
pub fn value(samples: &HashMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}
