//! Only people who can answer chats may hold them: a follower is never put in
//! a queue or made an assignee (`422 not_assignable`, nothing changes), and a
//! queued manager made a follower later is skipped by the rotation.

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::Chat;
use shared::api::integrations::Integration as IntegrationDto;
use shared::api::users::Role;
use shared::api::Channel;
use tidings_tests::{body, expect_error, on_both_backends, Backend, TestApp};

async fn a_follower_cannot_be_assigned_a_chat(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (follower, _) = app.login_as("Fiona", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carl", "hello").await;
    let response = admin
        .post(
            &format!("/api/v1/chats/{chat_id}/assign"),
            &json!({"user_id": follower.id}),
        )
        .await;
    assert_eq!(
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "not_assignable"
    );
    let chat: Chat = body(admin.get(&format!("/api/v1/chats/{chat_id}")).await).await;
    assert_eq!(chat.assignee_id, None, "nothing changed");
}

async fn a_follower_cannot_be_put_in_a_queue(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (employee, _) = app.login_as("Erin", Role::Employee).await;
    let (follower, _) = app.login_as("Fiona", Role::Follower).await;
    let bot = app
        .integration(Channel::Telegram, &[employee.id], None, None)
        .await;
    let response = admin
        .patch(
            &format!("/api/v1/integrations/{}", bot.id),
            &json!({"queue": [employee.id, follower.id]}),
        )
        .await;
    assert_eq!(
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "not_assignable"
    );
    let stored: IntegrationDto =
        body(admin.get(&format!("/api/v1/integrations/{}", bot.id)).await).await;
    assert_eq!(stored.queue, vec![employee.id], "the queue is unchanged");
}

async fn a_queued_manager_made_a_follower_is_skipped_by_the_rotation(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (anna, _) = app.login_as("Anna", Role::Employee).await;
    let (ben, _) = app.login_as("Ben", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id, ben.id], None, None)
        .await;
    let response = admin
        .patch(
            &format!("/api/v1/users/{}", anna.id),
            &json!({"role": "follower"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for customer in ["Carl", "Dora", "Emil"] {
        let chat_id = app.new_chat(&bot, customer, "hi").await;
        let chat: Chat = body(admin.get(&format!("/api/v1/chats/{chat_id}")).await).await;
        assert_eq!(chat.assignee_id, Some(ben.id), "{customer}'s chat");
    }
}

on_both_backends!(
    a_follower_cannot_be_assigned_a_chat,
    a_follower_cannot_be_put_in_a_queue,
    a_queued_manager_made_a_follower_is_skipped_by_the_rotation,
);
