//! Connecting a Viber bot over REST: the token check, `set_webhook` with
//! Viber's signed verification callback to our endpoint, and nothing left
//! behind when either fails.

use reqwest::StatusCode;
use serde_json::json;
use shared::api::integrations::Delivery;
use tidings_tests::fake_viber::WebhookCheck;
use tidings_tests::inbox::{integrations, stored_updates};
use tidings_tests::{expect_error, on_both_backends, Backend};

use super::{start, start_public, BOT_NAME};
use crate::TOKEN;

async fn creating_an_integration_registers_a_webhook_our_endpoint_verifies(backend: Backend) {
    let viber = start(backend).await;
    let created = viber.connect(json!({})).await;
    let expected_url = viber.hook(created.id);
    assert_eq!(created.webhook_url, expected_url);
    assert_eq!(created.delivery, Delivery::Webhook);
    assert_eq!(created.bot_username.as_deref(), Some("acmesupport"));
    assert!(created.bot_avatar_url.is_some());

    let methods: Vec<String> = viber.fake.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(methods, ["get_account_info", "set_webhook"]);
    let call = &viber.fake.calls_of("set_webhook")[0];
    assert_eq!(call.auth_token.as_deref(), Some(TOKEN));
    assert_eq!(call.body["url"], json!(expected_url));
    assert_eq!(call.body["send_name"], json!(true));
    assert!(call.body["event_types"].is_array());
    // Viber called the webhook while `set_webhook` ran, and we said 200.
    assert_eq!(
        viber.fake.webhook_checks(),
        [WebhookCheck {
            url: expected_url.clone(),
            outcome: Ok(200),
        }]
    );
    assert_eq!(viber.fake.webhook(TOKEN), Some(expected_url));
    let stored = stored_updates(&viber.app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, "ignored", "{stored:?}");
}

async fn a_bad_token_is_refused_and_nothing_is_stored(backend: Backend) {
    let viber = start(backend).await;
    let response = viber
        .admin
        .post(
            "/api/v1/integrations",
            &json!({"kind": "viber", "name": BOT_NAME, "token": "4453b6ac-not-a-bot"}),
        )
        .await;
    assert_eq!(
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    assert!(integrations(&viber.admin).await.is_empty());
    assert!(viber.fake.calls_of("set_webhook").is_empty());
}

async fn a_webhook_viber_cannot_verify_leaves_nothing_behind(backend: Backend) {
    // Nothing listens at this public URL, so Viber's check fails.
    let viber = start_public(backend, Some("http://127.0.0.1:9")).await;
    let response = viber
        .admin
        .post(
            "/api/v1/integrations",
            &json!({"kind": "viber", "name": BOT_NAME, "token": TOKEN}),
        )
        .await;
    assert_eq!(
        expect_error(response, StatusCode::BAD_GATEWAY).await,
        "upstream"
    );
    assert_eq!(viber.fake.webhook_checks().len(), 1);
    assert!(integrations(&viber.admin).await.is_empty());
}

on_both_backends!(
    creating_an_integration_registers_a_webhook_our_endpoint_verifies,
    a_bad_token_is_refused_and_nothing_is_stored,
    a_webhook_viber_cannot_verify_leaves_nothing_behind,
);
