//! Hostile input over HTTP: oversized bodies, deep JSON nesting, invalid
//! UTF-8, huge and negative numbers in bodies, paths and queries. Each gets a
//! 4xx in the error shape; never a 5xx, never a dropped connection.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::Channel;
use tidings::channels::viber::{sign, SIGNATURE_HEADER};
use tidings_tests::{body, expect_error, on_both_backends, ApiClient, Backend, TestApp};

/// `TestApp::integration`'s token and webhook secret.
const BOT_TOKEN: &str = "123:test-token";
const TELEGRAM_SECRET: &str = "test-secret";

/// Where a hostile body can go: REST JSON endpoints and both webhooks.
struct Targets {
    admin: ApiClient,
    chat_id: i64,
    telegram_hook: String,
    viber_hook: String,
}

async fn targets(app: &TestApp) -> Targets {
    let telegram = app.integration(Channel::Telegram, &[], None, None).await;
    let viber = app.integration(Channel::Viber, &[], None, None).await;
    let chat_id = app
        .customer_writes(&telegram, "Anna", "hello")
        .await
        .chat_id
        .expect("a chat");
    Targets {
        admin: app.admin().await,
        chat_id,
        telegram_hook: app.url(&format!("/hooks/telegram/{}", telegram.id)),
        viber_hook: app.url(&format!("/hooks/viber/{}", viber.id)),
    }
}

impl Targets {
    /// Posts `bytes` as JSON to each REST endpoint and (correctly signed) to
    /// each webhook; returns `(where, status, body)`.
    async fn post_everywhere(&self, bytes: &[u8]) -> Vec<(String, StatusCode, String)> {
        let mut answers = Vec::new();
        for path in [
            "/api/v1/auth/login".to_owned(),
            "/api/v1/users".to_owned(),
            format!("/api/v1/chats/{}/comments", self.chat_id),
            format!("/api/v1/chats/{}/assign", self.chat_id),
            "/api/v1/tasks".to_owned(),
        ] {
            let response = self
                .admin
                .post_raw(&path, "application/json", bytes.to_vec())
                .await;
            answers.push(answer(path, response).await);
        }
        let http = reqwest::Client::new();
        let telegram = http
            .post(&self.telegram_hook)
            .header("content-type", "application/json")
            .header("X-Telegram-Bot-Api-Secret-Token", TELEGRAM_SECRET)
            .body(bytes.to_vec())
            .send()
            .await
            .expect("the request reaches the server");
        answers.push(answer(self.telegram_hook.clone(), telegram).await);
        let viber = http
            .post(&self.viber_hook)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, sign(BOT_TOKEN, bytes))
            .body(bytes.to_vec())
            .send()
            .await
            .expect("the request reaches the server");
        answers.push(answer(self.viber_hook.clone(), viber).await);
        answers
    }
}

async fn answer(target: String, response: reqwest::Response) -> (String, StatusCode, String) {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (target, status, text)
}

/// The status is one of `expected` and the body is CONTRACT's error shape.
fn assert_error(answers: &[(String, StatusCode, String)], expected: &[StatusCode]) {
    for (target, status, text) in answers {
        assert!(expected.contains(status), "{target}: {status} {text}");
        let value: Value = serde_json::from_str(text)
            .unwrap_or_else(|err| panic!("{target}: not JSON ({err}): {text}"));
        assert!(value["error"]["code"].is_string(), "{target}: {text}");
    }
}

async fn oversized_bodies_are_413(backend: Backend) {
    let app = TestApp::start(backend).await;
    let targets = targets(&app).await;
    let huge = format!("{{\"text\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    assert_error(
        &targets.post_everywhere(huge.as_bytes()).await,
        &[StatusCode::PAYLOAD_TOO_LARGE],
    );
}

async fn deep_nesting_is_refused_cleanly(backend: Backend) {
    let app = TestApp::start(backend).await;
    let targets = targets(&app).await;
    for nested in [
        "[".repeat(100_000),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!(
            "{{\"text\":{}1{}}}",
            "{\"a\":".repeat(5_000),
            "}".repeat(5_000)
        ),
    ] {
        let answers = targets.post_everywhere(nested.as_bytes()).await;
        let (webhooks, rest): (Vec<_>, Vec<_>) = answers
            .into_iter()
            .partition(|(target, _, _)| target.contains("/hooks/"));
        // Webhooks read any JSON, so the depth limit answers: malformed.
        assert_error(&webhooks, &[StatusCode::BAD_REQUEST]);
        // A typed endpoint refuses the first bracket where it expects a
        // field's value (422, invalid) before depth matters, or the depth
        // limit stops it (400, malformed).
        assert_error(
            &rest,
            &[StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY],
        );
    }
    // The server is still fine.
    assert_eq!(
        targets.admin.get("/api/v1/me").await.status(),
        StatusCode::OK
    );
}

async fn invalid_utf8_is_400(backend: Backend) {
    let app = TestApp::start(backend).await;
    let targets = targets(&app).await;
    // Lone continuation bytes, a truncated sequence, an encoded surrogate;
    // first in the body, so every reader meets them before anything else.
    for bad in [&[0xff, 0xfe][..], &[0xc3, 0x28], &[0xed, 0xa0, 0x80]] {
        let mut body = b"{\"".to_vec();
        body.extend_from_slice(bad);
        body.extend_from_slice(b"\": \"x\"}");
        assert_error(
            &targets.post_everywhere(&body).await,
            &[StatusCode::BAD_REQUEST],
        );
    }
}

/// Numbers no field can hold: out of range for i64, or for f64 altogether.
async fn huge_numbers_in_bodies_are_4xx(backend: Backend) {
    let app = TestApp::start(backend).await;
    let targets = targets(&app).await;
    for number in [
        "99999999999999999999999",
        "-99999999999999999999999",
        "1e999",
    ] {
        let body = format!(
            "{{\"update_id\":{number},\"user_id\":{number},\"text\":{number},\"email\":{number},\
             \"timestamp\":{number},\"message_token\":{number},\"event\":\"message\"}}"
        );
        for (target, status, text) in targets.post_everywhere(body.as_bytes()).await {
            assert!(
                status.is_client_error(),
                "{target} {number}: {status} {text}"
            );
        }
    }
    // In a field whose type is right but whose value is not an id we have.
    let assign = targets
        .admin
        .post(
            &format!("/api/v1/chats/{}/assign", targets.chat_id),
            &json!({"user_id": i64::MAX}),
        )
        .await;
    assert!(assign.status().is_client_error(), "{}", assign.status());
    let negative = targets
        .admin
        .put(
            &format!("/api/v1/chats/{}/followers", targets.chat_id),
            &json!({"user_ids": [-1, i64::MIN]}),
        )
        .await;
    assert!(negative.status().is_client_error(), "{}", negative.status());
}

/// Hostile ids and query values on every REST path the OpenAPI document
/// lists, with every method: 4xx (or, for lists, 200), never a 5xx.
async fn hostile_ids_and_queries_are_never_a_server_error(backend: Backend) {
    let app = TestApp::start(backend).await;
    let targets = targets(&app).await;
    let admin = &targets.admin;
    for (path, expected) in [
        ("/api/v1/chats/-1", StatusCode::NOT_FOUND),
        ("/api/v1/chats/0", StatusCode::NOT_FOUND),
        (
            "/api/v1/chats/99999999999999999999999",
            StatusCode::NOT_FOUND,
        ),
        ("/api/v1/chats/1e3", StatusCode::NOT_FOUND),
        ("/api/v1/chats?limit=-5", StatusCode::UNPROCESSABLE_ENTITY),
        ("/api/v1/chats?limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/api/v1/chats?cursor=garbage",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/chats?limit=99999999999999999999",
            StatusCode::BAD_REQUEST,
        ),
        ("/api/v1/chats?group=everyone", StatusCode::BAD_REQUEST),
        (
            "/api/v1/chats/archive?cursor=%00%ff",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/chats/archive?from=yesterday",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/v1/contacts/-1", StatusCode::NOT_FOUND),
        ("/api/v1/attachments/-1", StatusCode::NOT_FOUND),
        ("/api/v1/integrations/-1", StatusCode::NOT_FOUND),
    ] {
        assert_error(
            &[answer(path.to_owned(), admin.get(path).await).await],
            &[expected],
        );
    }
    let timeline = format!(
        "/api/v1/chats/{}/timeline?before=-1&limit=-1",
        targets.chat_id
    );
    expect_error(admin.get(&timeline).await, StatusCode::UNPROCESSABLE_ENTITY).await;

    let doc: Value = body(admin.get("/api/v1/openapi.json").await).await;
    let paths = doc["paths"].as_object().expect("paths");
    let hostile = [
        "-1",
        "0",
        "99999999999999999999999",
        "-9223372036854775809",
        "1e3",
        "%00",
        "%ff%fe",
        "..%2F..",
    ];
    let queries = "?limit=-5&cursor=garbage&before=-1&group=x&q=%00&from=x&to=x&pipeline_id=-1";
    for (template, operations) in paths {
        // Logout would end the session the sweep runs on.
        if template == "/api/v1/auth/logout" {
            continue;
        }
        let Some(operations) = operations.as_object() else {
            continue;
        };
        for value in hostile {
            let path = substitute(template, value);
            for method in operations.keys() {
                let Ok(method) = method.to_uppercase().parse::<reqwest::Method>() else {
                    continue;
                };
                let url = format!("{path}{queries}");
                let response = admin.request(method.clone(), &url, Some(&json!({}))).await;
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                assert!(!status.is_server_error(), "{method} {url}: {status} {text}");
            }
        }
    }
}

/// `template` with every `{param}` replaced by `value`.
fn substitute(template: &str, value: &str) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        path.push_str(&rest[..start]);
        path.push_str(value);
        rest = rest[start..].split_once('}').map_or("", |(_, after)| after);
    }
    path.push_str(rest);
    path
}

on_both_backends!(
    oversized_bodies_are_413,
    deep_nesting_is_refused_cleanly,
    invalid_utf8_is_400,
    huge_numbers_in_bodies_are_4xx,
    hostile_ids_and_queries_are_never_a_server_error,
);
