//! Connecting a business number over REST, the secrets each role sees, and
//! Meta's webhook verification handshake.

use reqwest::StatusCode;
use serde_json::json;
use shared::api::users::Role;
use tidings_tests::inbox::integrations;
use tidings_tests::{expect_error, on_both_backends, Backend};

use crate::{start, WhatsApp, ACCOUNT, APP_SECRET, NUMBER};

async fn connecting_checks_the_number_and_answers_the_webhook_url_and_verify_token(
    backend: Backend,
) {
    let whatsapp = start(backend).await;
    let created = whatsapp.connect(json!({})).await;
    assert_eq!(created.kind, shared::api::Channel::Whatsapp);
    assert_eq!(
        created.webhook_url,
        format!(
            "{}/hooks/whatsapp/{}",
            whatsapp
                .app
                .config
                .public_url
                .as_str()
                .trim_end_matches('/'),
            created.id
        )
    );
    assert_eq!(created.phone_number_id.as_deref(), Some(NUMBER));
    assert_eq!(created.business_account_id.as_deref(), Some(ACCOUNT));
    let verify_token = created
        .verify_token
        .clone()
        .expect("admins see the verify token");
    assert!(verify_token.len() >= 32, "{verify_token}");
    assert!(whatsapp
        .fake
        .calls()
        .iter()
        .any(|call| call.method == "GET" && call.path.starts_with(NUMBER)));
    // The app secret is never returned, to anyone.
    let raw = whatsapp
        .admin
        .get("/api/v1/integrations")
        .await
        .text()
        .await
        .expect("a body");
    assert!(!raw.contains(APP_SECRET), "{raw}");
    let (_, employee) = whatsapp.app.login_as("Eve", Role::Employee).await;
    let seen = integrations(&employee).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].verify_token, None);
    assert_eq!(seen[0].token, None);
    assert_eq!(seen[0].phone_number_id.as_deref(), Some(NUMBER));
}

async fn a_bad_token_or_unknown_number_is_refused_and_nothing_is_created(backend: Backend) {
    let whatsapp = start(backend).await;
    for extra in [
        json!({"token": "EAAnotTheRightToken"}),
        json!({"phone_number_id": "999999999999999"}),
    ] {
        let response = whatsapp
            .admin
            .post("/api/v1/integrations", &WhatsApp::request(extra.clone()))
            .await;
        assert_eq!(
            expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid",
            "{extra}"
        );
    }
    for missing in ["phone_number_id", "business_account_id", "app_secret"] {
        let response = whatsapp
            .admin
            .post(
                "/api/v1/integrations",
                &WhatsApp::request(json!({missing: ""})),
            )
            .await;
        assert_eq!(
            expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid",
            "{missing}"
        );
    }
    assert!(integrations(&whatsapp.admin).await.is_empty());
}

async fn the_verification_handshake_echoes_the_challenge_only_for_the_verify_token(
    backend: Backend,
) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let verify_token = bot.verify_token.expect("the verify token");
    let http = reqwest::Client::new();
    let handshake = |token: &str, mode: &str| {
        http.get(whatsapp.hook(bot.id))
            .query(&[
                ("hub.mode", mode),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let answer = handshake(&verify_token, "subscribe")
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.text().await.expect("a body"), "1158201444");
    for (token, mode) in [
        ("not-the-token", "subscribe"),
        (verify_token.as_str(), "unsubscribe"),
        ("", "subscribe"),
    ] {
        let answer = handshake(token, mode).await.expect("an answer");
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{token} {mode}");
    }
    let unknown = http
        .get(whatsapp.app.url("/hooks/whatsapp/9999"))
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", verify_token.as_str()),
            ("hub.challenge", "1"),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // Meta sends the token in the query string: request logs name the path only.
    let logs = tidings_tests::logs::captured()
        .expect("the test server installs the log capture before any other subscriber");
    assert!(logs.contains("/hooks/whatsapp/"), "requests are logged");
    assert!(
        !logs.contains(&verify_token),
        "the verify token appears in the logs"
    );
}

async fn patching_the_number_checks_it_again_and_keeps_the_verify_token(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    whatsapp
        .fake
        .add_number("200000000000001", crate::TOKEN, "Acme Two");
    let response = whatsapp
        .admin
        .patch(
            &format!("/api/v1/integrations/{}", bot.id),
            &json!({"phone_number_id": "200000000000001"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let patched: shared::api::integrations::Integration = tidings_tests::body(response).await;
    assert_eq!(patched.phone_number_id.as_deref(), Some("200000000000001"));
    assert_eq!(patched.verify_token, bot.verify_token);
    let refused = whatsapp
        .admin
        .patch(
            &format!("/api/v1/integrations/{}", bot.id),
            &json!({"phone_number_id": "unknown-number"}),
        )
        .await;
    assert_eq!(
        expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
}

async fn the_openapi_document_describes_the_whatsapp_endpoints_and_fields(backend: Backend) {
    let whatsapp = start(backend).await;
    let doc: serde_json::Value =
        tidings_tests::body(whatsapp.app.client().get("/api/v1/openapi.json").await).await;
    let hook = &doc["paths"]["/hooks/whatsapp/{id}"];
    assert!(
        hook["get"].is_object() && hook["post"].is_object(),
        "{hook}"
    );
    assert!(doc["paths"]["/api/v1/integrations/{id}/templates"]["get"].is_object());
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["Chat"]["properties"]["reply_window_ends_at"].is_object());
    assert!(schemas["SendReply"]["properties"]["template"].is_object());
    for field in ["phone_number_id", "business_account_id", "app_secret"] {
        assert!(
            schemas["CreateIntegration"]["properties"][field].is_object(),
            "{field}"
        );
    }
    assert!(schemas["Integration"]["properties"]["verify_token"].is_object());
    assert!(schemas["Integration"]["properties"]["app_secret"].is_null());
    let codes = schemas["ErrorCode"].to_string();
    assert!(codes.contains("window_closed"), "{codes}");
}

on_both_backends!(
    the_openapi_document_describes_the_whatsapp_endpoints_and_fields,
    connecting_checks_the_number_and_answers_the_webhook_url_and_verify_token,
    a_bad_token_or_unknown_number_is_refused_and_nothing_is_created,
    the_verification_handshake_echoes_the_challenge_only_for_the_verify_token,
    patching_the_number_checks_it_again_and_keeps_the_verify_token,
);
