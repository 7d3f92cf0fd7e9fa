//! Web security: headers on every response, the session cookie's attributes,
//! customers' files that cannot run as our origin, passwords kept out of logs.

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::Direction;
use shared::api::Channel;
use tidings::channels::{InboundAttachment, InboundEvent};
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::inbox::{messages, wait_for_attachments};
use tidings_tests::ItemFields;
use tidings_tests::{
    logs, on_both_backends, text_message, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD,
};

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// One directive of a Content-Security-Policy, e.g. `script-src`.
fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
    policy
        .split(';')
        .map(str::trim)
        .find(|d| d.split_whitespace().next() == Some(name))
        .unwrap_or_default()
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let anonymous = app.client();
    let cross_site = admin
        .http
        .post(app.url("/api/v1/tasks"))
        .header("Origin", "https://evil.example")
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect("sent");
    let mut responses = vec![("cross-site POST".to_owned(), cross_site)];
    for path in [
        "/",
        "/chats/12",
        "/healthz",
        "/api/v1/openapi.json",
        "/api/v1/me",
        "/api/v1/nothing-here",
    ] {
        responses.push((format!("GET {path} signed out"), anonymous.get(path).await));
    }
    responses.push(("GET /api/v1/me".into(), admin.get("/api/v1/me").await));

    for (what, response) in responses {
        let headers = response.headers();
        assert_eq!(
            header(headers, "x-content-type-options"),
            "nosniff",
            "{what}"
        );
        assert_eq!(header(headers, "x-frame-options"), "DENY", "{what}");
        assert_eq!(header(headers, "referrer-policy"), "same-origin", "{what}");
        let policy = header(headers, "content-security-policy");
        assert_eq!(
            directive(policy, "frame-ancestors"),
            "frame-ancestors 'none'",
            "{what}"
        );
        assert_eq!(directive(policy, "default-src"), "default-src 'self'");
        assert_eq!(directive(policy, "base-uri"), "base-uri 'none'");
        assert_eq!(directive(policy, "object-src"), "object-src 'none'");
        // WASM may compile; scripts come from us or are the page's own inline
        // loader, by hash: an injected inline script or handler cannot run.
        let scripts = directive(policy, "script-src");
        assert!(scripts.contains("'wasm-unsafe-eval'"), "{what}: {policy}");
        assert!(!scripts.contains("'unsafe-inline'"), "{what}: {policy}");
        assert!(!scripts.contains("'unsafe-eval'"), "{what}: {policy}");
        assert!(!scripts.contains('*'), "{what}: {policy}");
        assert!(!directive(policy, "connect-src").contains('*'), "{policy}");
    }

    // Each inline script of the page is allowed by exactly one hash.
    let page = anonymous.get("/").await;
    let policy = header(page.headers(), "content-security-policy").to_owned();
    let html = page.text().await.expect("the page");
    let inline_scripts = html
        .split("<script")
        .skip(1)
        .filter(|tag| !tag.split('>').next().unwrap_or_default().contains("src="))
        .count();
    assert_eq!(
        directive(&policy, "script-src").matches("'sha256-").count(),
        inline_scripts,
        "{policy}\n{html}"
    );
}

/// `Secure` exactly when the public URL is https; always HttpOnly and SameSite.
async fn the_session_cookie_is_secure_behind_https(backend: Backend) {
    for (public_url, secure) in [(Some("https://tidings.example"), true), (None, false)] {
        let app = TestApp::start_with_fakes(backend, None, None, public_url).await;
        let response = app
            .client()
            .post(
                "/api/v1/auth/login",
                &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = header(response.headers(), "set-cookie").to_owned();
        let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
        assert!(attributes.contains(&"HttpOnly"), "{cookie}");
        assert!(attributes.contains(&"SameSite=Lax"), "{cookie}");
        assert!(attributes.contains(&"Path=/"), "{cookie}");
        assert_eq!(attributes.contains(&"Secure"), secure, "{cookie}");
    }
}

/// A customer's file of a type a browser could run is a download, never our
/// page; pictures a browser only displays are shown inline. Either way the
/// response is sandboxed, unsniffable, and carries a harmless file name.
async fn attachments_cannot_run_as_our_origin(backend: Backend) {
    let fake = FakeTelegram::start().await;
    fake.add_bot("123:test-token", "acme_bot");
    let app = TestApp::start_with_fakes(
        backend,
        Some(fake.url().parse().expect("a URL")),
        None,
        None,
    )
    .await;
    let admin = app.admin().await;
    let integration = app.integration(Channel::Telegram, &[], None, None).await;
    let files = [
        (
            "\"><svg onload=alert(1)>.html",
            "text/html",
            b"<script>alert(document.cookie)</script>".to_vec(),
        ),
        (
            "logo.svg",
            "image/svg+xml",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
        ("page.xhtml", "application/xhtml+xml", b"<html/>".to_vec()),
        (
            "notes.txt",
            "text/plain",
            b"<script>alert(1)</script>".to_vec(),
        ),
        ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n".to_vec()),
    ];
    let chat_id = app
        .customer_writes(&integration, "Mallory", "files follow")
        .await
        .chat_id
        .expect("a chat");
    for (index, (name, mime, bytes)) in files.iter().enumerate() {
        let file_id = format!("file-{index}");
        fake.add_file(&file_id, bytes.clone());
        let InboundEvent::Message(mut message) = text_message("Mallory", "") else {
            unreachable!("text_message makes a message")
        };
        message.text = None;
        message.content_kind = "document".into();
        message.attachments = vec![InboundAttachment {
            kind: "document".into(),
            name: (*name).to_owned(),
            mime: Some((*mime).to_owned()),
            size: Some(bytes.len() as i64),
            external_ref: file_id,
        }];
        app.receive(&integration, InboundEvent::Message(message))
            .await;
    }
    let inbound = tidings_tests::eventually("every file message", || async {
        let inbound = messages(&admin, chat_id, Direction::In).await;
        (inbound.len() == files.len() + 1).then_some(inbound)
    })
    .await;
    for (item, (name, mime, bytes)) in inbound[1..].iter().zip(&files) {
        let item = wait_for_attachments(&admin, chat_id, item.id).await;
        let attachment = &item.attachments().expect("attachments")[0];
        assert_eq!(
            attachment.name, *name,
            "the name is kept as the customer sent it"
        );
        let url = attachment.url.clone().expect("downloaded");
        let response = admin.get(&url).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        let headers = response.headers().clone();
        let content_type = header(&headers, "content-type");
        let disposition = header(&headers, "content-disposition");
        let is_picture = *mime == "image/png";
        if is_picture {
            assert_eq!(content_type, *mime);
            assert!(disposition.starts_with("inline;"), "{name}: {disposition}");
        } else {
            assert_eq!(content_type, "application/octet-stream", "{name}");
            assert!(
                disposition.starts_with("attachment;"),
                "{name}: {disposition}"
            );
        }
        assert!(!content_type.contains("html") && !content_type.contains("svg"));
        let file_name = disposition.split_once("filename=").map_or("", |(_, n)| n);
        assert!(
            file_name.len() > 2
                && file_name.starts_with('"')
                && file_name.ends_with('"')
                && !file_name[1..file_name.len() - 1].contains(['"', '<', '>', ';', '\\']),
            "{name}: {disposition}"
        );
        assert_eq!(
            header(&headers, "content-security-policy"),
            "sandbox",
            "{name}"
        );
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        let served = response.bytes().await.expect("the file");
        assert_eq!(&served[..], &bytes[..], "{name}");
    }
}

/// Passwords given at sign-in or when creating users never reach the logs
/// or any response.
async fn passwords_never_reach_logs_or_responses(backend: Backend) {
    let app = TestApp::start_with_fakes(backend, None, None, None).await;
    let wrong = "wrong-Pa55word-zebra";
    let response = app
        .client()
        .post(
            "/api/v1/auth/login",
            &json!({"email": ADMIN_EMAIL, "password": wrong}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(!response.text().await.expect("a body").contains(wrong));
    let admin = app.admin().await;
    let new_password = "new-Pa55word-okapi";
    for (request, path) in [
        (
            json!({"email": "eve@example.com", "name": "Eve", "password": new_password, "role": "employee"}),
            "/api/v1/users",
        ),
        (
            json!({"email": "bad address", "name": "X", "password": new_password, "role": "employee"}),
            "/api/v1/users",
        ),
    ] {
        let response = admin.post(path, &request).await;
        let text = response.text().await.expect("a body");
        assert!(!text.contains(new_password), "{text}");
    }
    let users = admin
        .get("/api/v1/users")
        .await
        .text()
        .await
        .expect("a body");
    assert!(
        !users.contains(new_password) && !users.contains(PASSWORD) && !users.contains("argon2")
    );
    let logs = logs::captured().expect(
        "start_with_fakes installs the log capture before any other subscriber in this process",
    );
    assert!(logs.contains("Tidings is listening"), "logs are captured");
    for secret in [wrong, new_password, ADMIN_PASSWORD] {
        assert!(
            !logs.contains(secret),
            "{secret} appears in the logs:\n{logs}"
        );
    }
}

on_both_backends!(
    every_response_carries_the_security_headers,
    the_session_cookie_is_secure_behind_https,
    attachments_cannot_run_as_our_origin,
    passwords_never_reach_logs_or_responses,
);
