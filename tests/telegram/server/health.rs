//! Channel health as an admin sees it: the state in one word and why, the
//! updates kept as failed (listed page by page, applied again), who may see
//! them, and the live event telling admins' sockets that health changed.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use shared::api::integrations::{
    FailedUpdate, FailedUpdatesRetried, HealthState, IntegrationHealth,
};
use shared::api::users::Role;
use shared::api::Page;
use shared::ws::ServerMsg;
use shared::Id;
use tidings_tests::fake_telegram::Failure;
use tidings_tests::inbox::{all_chats, keep_failed_updates, keep_unreadable_update, reply};
use tidings_tests::live::LiveClient;
use tidings_tests::{body, eventually, expect_error, on_both_backends, ApiClient, Backend};

use super::start;
use crate::{CUSTOMER, TOKEN};

async fn health_of(client: &ApiClient, id: Id) -> IntegrationHealth {
    let response = client
        .get(&format!("/api/v1/integrations/{id}/health"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn failed_page(client: &ApiClient, id: Id, cursor: Option<&str>) -> Page<FailedUpdate> {
    let path = match cursor {
        Some(cursor) => format!("/api/v1/integrations/{id}/failed-updates?cursor={cursor}"),
        None => format!("/api/v1/integrations/{id}/failed-updates"),
    };
    let response = client.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn retry(client: &ApiClient, id: Id) -> FailedUpdatesRetried {
    let response = client
        .post(
            &format!("/api/v1/integrations/{id}/failed-updates/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

/// Registers the bot's webhook again over REST.
async fn register_again(client: &ApiClient, id: Id) -> IntegrationHealth {
    let response = client
        .post(&format!("/api/v1/integrations/{id}/webhook"), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn a_connected_bot_is_ok_failing_without_its_webhook_and_ok_once_registered_again(
    backend: Backend,
) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let report = health_of(&tg.admin, bot.id).await;
    assert_eq!(report.state, HealthState::Ok, "{report:?}");
    assert_eq!(report.failed_updates, 0);

    // Someone removed the webhook behind our back: nothing arrives any more.
    tg.fake.call(TOKEN, "deleteWebhook", &json!({})).await;
    let report = health_of(&tg.admin, bot.id).await;
    assert_eq!(report.state, HealthState::Failing, "{report:?}");

    let report = register_again(&tg.admin, bot.id).await;
    assert_eq!(report.state, HealthState::Ok, "{report:?}");
}

async fn a_send_error_with_replies_waiting_makes_the_channel_failing(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hello").await;
    tg.fake
        .fail_next("sendMessage", Failure::RetryAfter(600), 1);
    reply(&tg.admin, chat.id, "we are here").await;

    let report = eventually("the channel failing with its send error", || async {
        let report = health_of(&tg.admin, bot.id).await;
        (report.state == HealthState::Failing).then_some(report)
    })
    .await;
    assert_eq!(report.outbound_queue_length, 1);
    assert!(report.last_error.is_some_and(|e| e.contains("retry after")));
}

async fn failed_updates_are_listed_page_by_page_and_applied_again(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let update_ids: Vec<i64> = (100..155).collect();
    keep_failed_updates(&tg.app, bot.id, CUSTOMER, &update_ids).await;

    let report = health_of(&tg.admin, bot.id).await;
    assert_eq!(report.failed_updates, 55);
    assert_eq!(report.state, HealthState::Degraded, "{report:?}");

    let first = failed_page(&tg.admin, bot.id, None).await;
    assert_eq!(first.items.len(), 50);
    assert_eq!(first.items[0].error.as_deref(), Some("simulated failure"));
    let cursor = first.next_cursor.expect("a second page");
    let second = failed_page(&tg.admin, bot.id, Some(&cursor)).await;
    assert_eq!(second.items.len(), 5);
    assert_eq!(second.next_cursor, None);
    let mut ids: Vec<Id> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|u| u.id)
        .collect();
    let listed = ids.clone();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids, listed, "oldest first, each once");
    let bad = tg
        .admin
        .get(&format!(
            "/api/v1/integrations/{}/failed-updates?cursor=x",
            bot.id
        ))
        .await;
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY).await;

    let retried = retry(&tg.admin, bot.id).await;
    assert_eq!(retried.retried, 55);
    assert_eq!(retried.applied, 55);
    let report = health_of(&tg.admin, bot.id).await;
    assert_eq!(report.failed_updates, 0);
    assert_eq!(report.state, HealthState::Ok, "{report:?}");
    assert!(failed_page(&tg.admin, bot.id, None).await.items.is_empty());
    let chats = all_chats(&tg.admin).await;
    assert_eq!(
        chats.len(),
        1,
        "the customer's messages landed in their chat"
    );
    assert_eq!(retry(&tg.admin, bot.id).await.retried, 0);
}

async fn only_admins_see_channel_health_and_failed_updates(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let (_, employee) = tg.app.login_as("Emma", Role::Employee).await;
    let id = bot.id;
    for path in [
        format!("/api/v1/integrations/{id}/health"),
        format!("/api/v1/integrations/{id}/failed-updates"),
    ] {
        expect_error(employee.get(&path).await, StatusCode::FORBIDDEN).await;
    }
    for path in [
        format!("/api/v1/integrations/{id}/failed-updates/retry"),
        format!("/api/v1/integrations/{id}/webhook"),
        format!("/api/v1/integrations/{id}/test-message"),
    ] {
        expect_error(
            employee.post(&path, &json!({})).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let unknown = id + 1000;
    expect_error(
        tg.admin
            .get(&format!("/api/v1/integrations/{unknown}/failed-updates"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        tg.admin
            .post(
                &format!("/api/v1/integrations/{unknown}/failed-updates/retry"),
                &json!({}),
            )
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

fn is_health_change_of(id: Id) -> impl Fn(&ServerMsg) -> bool {
    move |msg| matches!(msg, ServerMsg::IntegrationHealthChanged { integration_id, .. } if *integration_id == id)
}

async fn admins_hear_when_channel_health_changes_and_employees_do_not(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hello").await;
    let (_, employee) = tg.app.login_as("Emma", Role::Employee).await;
    let mut admin_live = LiveClient::connect(&tg.app, &tg.admin).await;
    let mut employee_live = LiveClient::connect(&tg.app, &employee).await;

    // A send error is noted.
    tg.fake.fail_next("sendMessage", Failure::RetryAfter(1), 1);
    reply(&tg.admin, chat.id, "are you there?").await;
    let frame = admin_live.wait_for(is_health_change_of(bot.id)).await;
    let ServerMsg::IntegrationHealthChanged { last_error, .. } = frame.msg else {
        unreachable!("matched above")
    };
    assert!(last_error.is_some(), "the event names the send error");
    // The retry goes through: the error is behind us.
    admin_live.wait_for(is_health_change_of(bot.id)).await;

    // A kept update that no longer reads is kept as failed.
    keep_unreadable_update(&tg.app, bot.id, "broken").await;
    admin_live.wait_for(is_health_change_of(bot.id)).await;
    assert_eq!(health_of(&tg.admin, bot.id).await.failed_updates, 1);

    // Applying failed updates again, and registering the webhook again.
    retry(&tg.admin, bot.id).await;
    admin_live.wait_for(is_health_change_of(bot.id)).await;
    register_again(&tg.admin, bot.id).await;
    admin_live.wait_for(is_health_change_of(bot.id)).await;

    let seen = employee_live.drain(Duration::from_millis(500)).await;
    assert!(
        employee_live
            .seen
            .iter()
            .chain(&seen)
            .all(|frame| !matches!(frame.msg, ServerMsg::IntegrationHealthChanged { .. })),
        "employees never hear of channel health: {seen:#?}"
    );
}

on_both_backends!(
    a_connected_bot_is_ok_failing_without_its_webhook_and_ok_once_registered_again,
    a_send_error_with_replies_waiting_makes_the_channel_failing,
    failed_updates_are_listed_page_by_page_and_applied_again,
    only_admins_see_channel_health_and_failed_updates,
    admins_hear_when_channel_health_changes_and_employees_do_not,
);
