//! Connecting a bot over REST: token check, webhook or polling, channel
//! health, re-registering, test messages, disconnecting, and the token
//! staying secret.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::Direction;
use shared::api::integrations::{Delivery, IntegrationHealth, TestMessageSent};
use shared::api::users::Role;
use tidings_tests::fake_telegram::{Failure, FakeTelegram};
use tidings_tests::inbox::{
    all_chats, create_integration, integrations, messages, reply, timeline, wait_for_chats,
};
use tidings_tests::ItemFields;
use tidings_tests::{body, eventually, expect_error, logs, on_both_backends, Backend};

use super::{hook_path, start, start_public, Telegram, BOT_NAME, BOT_USERNAME};
use crate::{CUSTOMER, TOKEN};

const OTHER_TOKEN: &str = "7000000002:BBG8-h1hZodXon6JzgAmqQSsSw7lBHmbp";

async fn creating_an_integration_checks_the_token_and_registers_a_webhook_with_a_secret(
    backend: Backend,
) {
    let tg = start_public(backend, Some("https://inbox.example.com")).await;
    // No explicit delivery: an https public URL means webhook.
    let created = create_integration(
        &tg.admin,
        json!({"kind": "telegram", "name": BOT_NAME, "token": TOKEN}),
    )
    .await;
    let expected_url = format!("https://inbox.example.com/hooks/telegram/{}", created.id);
    assert_eq!(created.delivery, Delivery::Webhook);
    assert_eq!(created.webhook_url, expected_url);
    assert_eq!(created.bot_username.as_deref(), Some(BOT_USERNAME));

    let methods: Vec<String> = tg.fake.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        ["getMe", "setWebhook"],
        "the token is checked first"
    );
    let hook = tg.fake.webhook_details(TOKEN).expect("a webhook is set");
    assert_eq!(hook.url, expected_url);
    let secret = hook.secret.expect("a secret_token is set");
    assert!(secret.len() >= 32, "a long random secret: {secret:?}");
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
        "Telegram allows only A-Z a-z 0-9 _ - in a secret_token: {secret:?}"
    );
    assert_eq!(
        hook.allowed_updates,
        Some(vec![
            "message".to_owned(),
            "edited_message".to_owned(),
            "my_chat_member".to_owned(),
            "message_reaction".to_owned(),
            "business_connection".to_owned(),
            "business_message".to_owned(),
            "edited_business_message".to_owned(),
            "deleted_business_messages".to_owned(),
        ]),
        "allowed_updates is sent explicitly (Telegram keeps the old list otherwise)"
    );

    // Another bot gets another secret.
    tg.fake.add_bot(OTHER_TOKEN, "other_bot");
    create_integration(
        &tg.admin,
        json!({"kind": "telegram", "name": "Other", "token": OTHER_TOKEN}),
    )
    .await;
    let other = tg.fake.webhook_details(OTHER_TOKEN).expect("a webhook");
    assert_ne!(other.secret.as_deref(), Some(secret.as_str()));

    // Our endpoint (reached directly: the public host is not real) takes
    // updates carrying that secret.
    let update = FakeTelegram::text_update(1, CUSTOMER, "Anna", "hello");
    let url = tg.app.url(&hook_path(created.id));
    assert_eq!(
        FakeTelegram::post_to_webhook(&url, &secret, &update).await,
        StatusCode::OK
    );
    wait_for_chats(&tg.admin, 1).await;
}

fn offset_of(call: &tidings_tests::fake_telegram::Call) -> Option<i64> {
    match call.params.get("offset")? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

async fn a_polled_bot_receives_updates_and_confirms_them_once_stored(backend: Backend) {
    let Telegram { app, fake, admin } = start(backend).await;
    let created = create_integration(
        &admin,
        json!({"kind": "telegram", "name": BOT_NAME, "token": TOKEN, "delivery": "polling"}),
    )
    .await;
    assert_eq!(created.delivery, Delivery::Polling);
    assert!(fake.calls_of("setWebhook").is_empty(), "no webhook is set");
    assert!(fake.webhook(TOKEN).is_none());

    fake.push_update(
        TOKEN,
        FakeTelegram::text_update(500, CUSTOMER, "Anna", "hello by polling"),
    );
    let chat = wait_for_chats(&admin, 1).await.remove(0);
    let inbound = messages(&admin, chat.id, Direction::In).await;
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0].text(), Some("hello by polling"));

    // The next poll confirms it: offset = update_id + 1.
    fake.wait_for_calls("getUpdates", 2, super::LONG_WAIT).await;
    eventually("a getUpdates call with offset 501", || async {
        fake.calls_of("getUpdates")
            .iter()
            .any(|call| offset_of(call) == Some(501))
            .then_some(())
    })
    .await;
    eventually("the update to be confirmed", || async {
        (fake.pending_updates(TOKEN) == 0).then_some(())
    })
    .await;

    // After a restart polling resumes from the stored offset: nothing is
    // fetched twice, and new updates still arrive.
    let before = fake.calls_of("getUpdates").len();
    let app = app.restart().await;
    let admin = app.admin().await;
    let calls = fake
        .wait_for_calls("getUpdates", before + 1, super::LONG_WAIT)
        .await;
    assert_eq!(offset_of(&calls[before]), Some(501), "{:?}", calls[before]);
    fake.push_update(
        TOKEN,
        FakeTelegram::text_update(501, CUSTOMER, "Anna", "after the restart"),
    );
    let texts = eventually("the second message", || async {
        let texts: Vec<String> = messages(&admin, chat.id, Direction::In)
            .await
            .into_iter()
            .filter_map(|item| item.text().map(str::to_owned))
            .collect();
        (texts.len() >= 2).then_some(texts)
    })
    .await;
    assert_eq!(texts, ["hello by polling", "after the restart"]);
    assert_eq!(all_chats(&admin).await.len(), 1);
}

async fn a_bad_token_is_refused_and_nothing_is_stored(backend: Backend) {
    let tg = start(backend).await;
    for token in ["7000000009:revoked-or-unknown", "not a token"] {
        let response = tg
            .admin
            .post(
                "/api/v1/integrations",
                &json!({"kind": "telegram", "name": BOT_NAME, "token": token, "delivery": "webhook"}),
            )
            .await;
        assert_eq!(
            expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid"
        );
    }
    assert!(integrations(&tg.admin).await.is_empty());
    assert!(tg.fake.calls_of("setWebhook").is_empty());
}

async fn deleting_the_integration_removes_the_webhook_and_later_updates_are_unknown(
    backend: Backend,
) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hello").await;
    let (url, secret) = tg.fake.webhook(TOKEN).expect("a webhook");

    let response = tg
        .admin
        .delete(&format!("/api/v1/integrations/{}", bot.id))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(tg.fake.calls_of("deleteWebhook").len(), 1);
    assert!(tg.fake.webhook(TOKEN).is_none());

    let update = FakeTelegram::text_update(2, CUSTOMER, "Anna", "anyone?");
    assert_eq!(
        FakeTelegram::post_to_webhook(&url, &secret, &update).await,
        StatusCode::NOT_FOUND
    );
    assert!(integrations(&tg.admin).await.is_empty());
    // The history stays.
    assert_eq!(
        messages(&tg.admin, chat.id, Direction::In).await.len(),
        1,
        "the chat keeps its messages and gains none"
    );
}

async fn health(tg: &Telegram, id: shared::Id) -> IntegrationHealth {
    let response = tg
        .admin
        .get(&format!("/api/v1/integrations/{id}/health"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn channel_health_shows_the_webhook_pending_updates_queue_and_last_error(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hello").await;

    tg.fake
        .set_webhook_error(TOKEN, 1_750_000_000, "Wrong response from the webhook: 502");
    tg.fake
        .push_update(TOKEN, FakeTelegram::text_update(2, CUSTOMER, "Anna", "x"));
    // A reply Telegram keeps rate-limiting stays in the queue.
    tg.fake
        .fail_next("sendMessage", Failure::RetryAfter(600), 1);
    reply(&tg.admin, chat.id, "we are here").await;

    let report = eventually("a queued reply with its error", || async {
        let report = health(&tg, bot.id).await;
        (report.outbound_queue_length == 1 && report.last_error.is_some()).then_some(report)
    })
    .await;
    assert_eq!(report.delivery, Delivery::Webhook);
    assert_eq!(
        report.expected_webhook_url,
        format!(
            "{}{}",
            tg.app.config.public_url.as_str().trim_end_matches('/'),
            hook_path(bot.id)
        )
    );
    let webhook = report.webhook.expect("getWebhookInfo answered");
    assert_eq!(
        webhook.url.as_deref(),
        Some(report.expected_webhook_url.as_str())
    );
    assert_eq!(webhook.pending_update_count, Some(1));
    assert_eq!(
        webhook.last_error_message.as_deref(),
        Some("Wrong response from the webhook: 502")
    );
    assert!(webhook.last_error_at.is_some());
    assert!(report.webhook_check_error.is_none());
    assert!(report.last_inbound_at.is_some());
    let last_error = report.last_error.expect("the send error");
    assert!(last_error.contains("retry after"), "{last_error}");
    assert!(report.last_error_at.is_some());
}

async fn re_registering_the_webhook_calls_set_webhook_again(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let (url, secret) = tg.fake.webhook(TOKEN).expect("a webhook");
    // Someone removed it behind our back.
    let (status, _) = tg.fake.call(TOKEN, "deleteWebhook", &json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let response = tg
        .admin
        .post(
            &format!("/api/v1/integrations/{}/webhook", bot.id),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: IntegrationHealth = body(response).await;
    assert_eq!(tg.fake.calls_of("setWebhook").len(), 2);
    assert_eq!(tg.fake.webhook(TOKEN), Some((url.clone(), secret)));
    assert_eq!(
        report.webhook.and_then(|w| w.url).as_deref(),
        Some(url.as_str())
    );
    // Updates flow again.
    tg.customer_writes(1, "back again").await;
}

async fn a_test_message_reaches_telegram(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let path = format!("/api/v1/integrations/{}/test-message", bot.id);

    // Nobody wrote yet: no recipient to pick.
    let response = tg.admin.post(&path, &json!({})).await;
    expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;

    tg.customer_writes(1, "hello").await;
    let response = tg.admin.post(&path, &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let sent: TestMessageSent = body(response).await;
    assert_eq!(sent.recipient, CUSTOMER.to_string());
    let delivered = tg.fake.sent();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].chat_id, CUSTOMER);
    assert_eq!(sent.external_ids, [delivered[0].message_id.to_string()]);

    let response = tg
        .admin
        .post(&path, &json!({"recipient": "42", "text": "ping"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let last = tg.fake.sent().pop().expect("a second message");
    assert_eq!((last.chat_id, last.text.as_deref()), (42, Some("ping")));
}

async fn the_bot_token_is_shown_only_to_admins_and_never_logged(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let (_, employee) = tg.app.login_as("Eve", Role::Employee).await;
    let (follower_user, follower) = tg.app.login_as("Finn", Role::Follower).await;

    // A conversation with every kind of trouble a log line might describe.
    let chat = tg.customer_writes(1, "hello").await;
    tg.fake.fail_next("sendMessage", Failure::ServerError, 1);
    tg.fake.fail_after("sendMessage", 0, Failure::Drop, 1);
    let item = reply(&tg.admin, chat.id, "first").await;
    tidings_tests::inbox::wait_for_delivery(
        &tg.admin,
        chat.id,
        item.id,
        shared::api::chats::DeliveryState::Sent,
    )
    .await;
    // Fails as a 5xx (retried), then as an unknown file_id.
    tg.fake.fail_next("getFile", Failure::ServerError, 1);
    tg.accept(&FakeTelegram::photo_update(
        2,
        CUSTOMER,
        "Anna",
        "AgAD-missing",
        None,
    ))
    .await;
    let response = tg
        .admin
        .put(
            &format!("/api/v1/chats/{}/followers", chat.id),
            &json!({"user_ids": [follower_user.id]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = tg
        .admin
        .get(&format!("/api/v1/integrations/{}/health", bot.id))
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // The admin sees the token; nobody else does, anywhere they look.
    let listed = integrations(&tg.admin).await;
    assert_eq!(listed[0].token.as_deref(), Some(TOKEN));
    let secret_part = TOKEN.split_once(':').expect("a bot token").1;
    let chat_paths = [
        "/api/v1/integrations".to_owned(),
        format!("/api/v1/integrations/{}", bot.id),
        format!("/api/v1/chats/{}", chat.id),
        format!("/api/v1/chats/{}/timeline", chat.id),
        "/api/v1/chats/archive".to_owned(),
        "/api/v1/me".to_owned(),
    ];
    for (who, client) in [("employee", &employee), ("follower", &follower)] {
        for path in &chat_paths {
            let response = client.get(path).await;
            let status = response.status();
            let text = response.text().await.expect("a body");
            assert!(status.is_success(), "{who} GET {path}: {status} {text}");
            assert!(
                !text.contains(secret_part),
                "{who} sees the token at {path}: {text}"
            );
        }
        let listed = integrations(client).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].token, None, "{who}");
        for path in [
            format!("/api/v1/integrations/{}/health", bot.id),
            format!("/api/v1/integrations/{}/queue", bot.id),
        ] {
            assert_eq!(
                client.get(&path).await.status(),
                StatusCode::FORBIDDEN,
                "{who} GET {path}"
            );
        }
        let response = client
            .post(
                &format!("/api/v1/integrations/{}/test-message", bot.id),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who}");
    }
    // Wait until the failed download has been logged, then read the logs.
    eventually("the attachment download to give up", || async {
        let items = timeline(&tg.admin, chat.id).await;
        items
            .iter()
            .filter_map(|item| item.attachments())
            .flatten()
            .any(|a| a.error.is_some() || a.url.is_some())
            .then_some(())
    })
    .await;
    let logs = logs::captured().expect(
        "start_with_fakes installs the log capture before any other subscriber in this binary",
    );
    assert!(logs.contains("integration created"), "logs are captured");
    assert!(
        !logs.contains(secret_part),
        "the bot token appears in the logs:\n{logs}"
    );
}

on_both_backends!(
    creating_an_integration_checks_the_token_and_registers_a_webhook_with_a_secret,
    a_polled_bot_receives_updates_and_confirms_them_once_stored,
    a_bad_token_is_refused_and_nothing_is_stored,
    deleting_the_integration_removes_the_webhook_and_later_updates_are_unknown,
    channel_health_shows_the_webhook_pending_updates_queue_and_last_error,
    re_registering_the_webhook_calls_set_webhook_again,
    a_test_message_reaches_telegram,
    the_bot_token_is_shown_only_to_admins_and_never_logged,
);
