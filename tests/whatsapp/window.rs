//! The 24-hour window: `reply_window_ends_at` on the chat, free-form replies
//! refused after it (`422 window_closed`, nothing queued), the approved
//! templates listed from the Graph API and sent at any time with their values.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::{Chat, Direction};
use shared::api::integrations::MessageTemplate;
use shared::api::users::Role;
use shared::api::Items;
use tidings_tests::inbox::{messages, pdf_bytes, send_file, wait_for_chats};
use tidings_tests::{body, expect_error, on_both_backends, Backend};

use crate::{start, timestamp, ACCOUNT, WAIT};

fn templates() -> Vec<Value> {
    vec![
        json!({
            "name": "order_update", "language": "en_US", "category": "UTILITY", "status": "APPROVED", "id": "1",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Your order"},
                {"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped."}
            ]
        }),
        json!({
            "name": "follow_up", "language": "es", "category": "MARKETING", "status": "APPROVED", "id": "2",
            "components": [{"type": "BODY", "text": "¿Seguimos hablando?"}]
        }),
        json!({
            "name": "draft", "language": "en_US", "category": "UTILITY", "status": "PENDING", "id": "3",
            "components": [{"type": "BODY", "text": "Not yet"}]
        }),
    ]
}

async fn the_window_ends_24_hours_after_the_customers_last_message(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let sent_at = timestamp(3);
    let chat = whatsapp
        .customer_writes_at(bot.id, "wamid.IN1", sent_at, "Hello")
        .await;
    let ends = chrono::DateTime::parse_from_rfc3339(
        chat.reply_window_ends_at.as_deref().expect("a window"),
    )
    .expect("RFC 3339");
    assert_eq!(ends.timestamp(), sent_at + 24 * 3600);
    // An older message delivered late does not shorten it.
    whatsapp
        .customer_writes_at(bot.id, "wamid.OLD", timestamp(10), "older")
        .await;
    let chat: Chat = body(
        whatsapp
            .admin
            .get(&format!("/api/v1/chats/{}", chat.id))
            .await,
    )
    .await;
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(
            chat.reply_window_ends_at.as_deref().expect("a window")
        )
        .expect("RFC 3339")
        .timestamp(),
        ends.timestamp()
    );
}

async fn a_free_form_reply_after_the_window_is_refused_before_anything_is_queued(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 25, "Hello?")
        .await;
    let response = whatsapp
        .admin
        .post(
            &format!("/api/v1/chats/{}/messages", chat.id),
            &json!({"text": "Sorry for the wait"}),
        )
        .await;
    assert_eq!(
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "window_closed"
    );
    let file = send_file(&whatsapp.admin, chat.id, None, "a.pdf", &pdf_bytes()).await;
    assert_eq!(
        expect_error(file, StatusCode::UNPROCESSABLE_ENTITY).await,
        "window_closed"
    );
    assert!(messages(&whatsapp.admin, chat.id, Direction::Out)
        .await
        .is_empty());
    assert!(whatsapp.fake.sent().is_empty());
}

async fn approved_templates_are_listed_with_their_body_and_values(backend: Backend) {
    let whatsapp = start(backend).await;
    whatsapp.fake.set_templates(ACCOUNT, templates());
    let bot = whatsapp.connect(json!({})).await;
    let (_, employee) = whatsapp.app.login_as("Eve", Role::Employee).await;
    let listed: Items<MessageTemplate> = body(
        employee
            .get(&format!("/api/v1/integrations/{}/templates", bot.id))
            .await,
    )
    .await;
    assert_eq!(
        listed.items,
        [
            MessageTemplate {
                name: "follow_up".into(),
                language: "es".into(),
                category: "MARKETING".into(),
                text: "¿Seguimos hablando?".into(),
                parameters: 0,
            },
            MessageTemplate {
                name: "order_update".into(),
                language: "en_US".into(),
                category: "UTILITY".into(),
                text: "Hi {{1}}, your order {{2}} has shipped.".into(),
                parameters: 2,
            },
        ]
    );
    let (_, follower) = whatsapp.app.login_as("Finn", Role::Follower).await;
    let refused = follower
        .get(&format!("/api/v1/integrations/{}/templates", bot.id))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

async fn a_template_goes_out_after_the_window_and_the_timeline_shows_its_text(backend: Backend) {
    let whatsapp = start(backend).await;
    whatsapp.fake.set_templates(ACCOUNT, templates());
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 30, "Where is it?")
        .await;
    let path = format!("/api/v1/chats/{}/messages", chat.id);
    let wrong = whatsapp
        .admin
        .post(&path, &json!({"template": {"name": "order_update", "language": "en_US", "parameters": ["Kerry"]}}))
        .await;
    assert_eq!(
        expect_error(wrong, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let unknown = whatsapp
        .admin
        .post(
            &path,
            &json!({"template": {"name": "draft", "language": "en_US", "parameters": []}}),
        )
        .await;
    assert_eq!(
        expect_error(unknown, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    assert!(messages(&whatsapp.admin, chat.id, Direction::Out)
        .await
        .is_empty());
    let response = whatsapp
        .admin
        .post(&path, &json!({"template": {"name": "order_update", "language": "en_US", "parameters": ["Kerry", "#4521"]}}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let item: shared::api::chats::Item = body(response).await;
    assert_eq!(item.text(), Some("Hi Kerry, your order #4521 has shipped."));
    let sent = whatsapp.fake.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].kind, "template");
    assert_eq!(
        sent[0].body["template"],
        json!({
            "name": "order_update",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": "Kerry"},
                {"type": "text", "text": "#4521"}
            ]}]
        })
    );
    let chats = wait_for_chats(&whatsapp.admin, 1).await;
    assert!(chats[0].reply_window_ends_at.is_some());
}

async fn other_channels_have_no_window(backend: Backend) {
    let whatsapp = start(backend).await;
    let telegram = whatsapp
        .app
        .integration(shared::api::Channel::Telegram, &[], None, None)
        .await;
    whatsapp.app.new_chat(&telegram, "Ana", "hi").await;
    let chat = wait_for_chats(&whatsapp.admin, 1).await.remove(0);
    assert_eq!(chat.reply_window_ends_at, None);
}

on_both_backends!(
    the_window_ends_24_hours_after_the_customers_last_message,
    a_free_form_reply_after_the_window_is_refused_before_anything_is_queued,
    approved_templates_are_listed_with_their_body_and_values,
    a_template_goes_out_after_the_window_and_the_timeline_shows_its_text,
    other_channels_have_no_window,
);
