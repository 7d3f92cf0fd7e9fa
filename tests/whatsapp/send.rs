//! Replies through the Graph API: texts from the business number, files
//! uploaded first and sent by media id, and Graph errors classified by their
//! `error.code` (a rate limit is retried; a closed window or an expired token
//! is not, and the token marks the channel failing).

use serde_json::json;
use shared::api::chats::DeliveryState;
use shared::api::integrations::{HealthState, IntegrationHealth};
use tidings_tests::inbox::{pdf_bytes, reply, reply_with_file, wait_for_delivery};
use tidings_tests::{body, on_both_backends, Backend, ItemFields};

use crate::{start, CUSTOMER, NUMBER, WAIT};

async fn a_reply_goes_out_as_a_text_from_the_business_number(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 1, "Hello")
        .await;
    let item = reply(&whatsapp.admin, chat.id, "Hi Kerry, yes it does!").await;
    let sent = whatsapp.fake.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].phone_number_id, NUMBER);
    assert_eq!(sent[0].to, CUSTOMER);
    assert_eq!(sent[0].kind, "text");
    assert_eq!(sent[0].body["messaging_product"], "whatsapp");
    assert_eq!(sent[0].text(), Some("Hi Kerry, yes it does!"));
    wait_for_delivery(&whatsapp.admin, chat.id, item.id, DeliveryState::Sent).await;
}

async fn a_file_is_uploaded_first_then_sent_by_its_media_id(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 1, "Send the invoice")
        .await;
    let pdf = pdf_bytes();
    let item = reply_with_file(
        &whatsapp.admin,
        chat.id,
        Some("Your invoice"),
        "invoice.pdf",
        &pdf,
    )
    .await;
    let sent = whatsapp.fake.wait_for_sent(1, WAIT).await;
    let uploads = whatsapp.fake.uploads();
    assert_eq!(uploads.len(), 1);
    assert!(uploads[0].content_type.starts_with("multipart/form-data"));
    assert!(
        uploads[0]
            .body
            .windows(pdf.len())
            .any(|window| window == pdf.as_slice()),
        "the upload carries the file"
    );
    assert_eq!(sent[0].kind, "document");
    assert_eq!(sent[0].body["document"]["id"], uploads[0].media_id.as_str());
    assert_eq!(sent[0].body["document"]["caption"], "Your invoice");
    assert_eq!(sent[0].body["document"]["filename"], "invoice.pdf");
    wait_for_delivery(&whatsapp.admin, chat.id, item.id, DeliveryState::Sent).await;
}

async fn a_rate_limit_is_retried_although_it_arrives_as_http_400(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 1, "Hello")
        .await;
    whatsapp
        .fake
        .fail_next("messages", 400, 130429, "Rate limit hit", 2);
    let item = reply(&whatsapp.admin, chat.id, "Thanks for waiting").await;
    wait_for_delivery(&whatsapp.admin, chat.id, item.id, DeliveryState::Sent).await;
    assert_eq!(
        whatsapp
            .fake
            .wait_for_calls("messages", 3, WAIT)
            .await
            .len(),
        3
    );
    assert_eq!(whatsapp.fake.sent().len(), 1);
}

async fn a_closed_window_or_undeliverable_message_fails_at_once_with_the_reason(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 1, "Hello")
        .await;
    for (code, title) in [
        (131047, "Re-engagement message"),
        (131026, "Message undeliverable"),
    ] {
        whatsapp.fake.fail_next("messages", 400, code, title, 1);
        let item = reply(&whatsapp.admin, chat.id, "A reply").await;
        let failed =
            wait_for_delivery(&whatsapp.admin, chat.id, item.id, DeliveryState::Failed).await;
        let error = failed.delivery_error().expect("a reason");
        assert!(
            error.contains(title) && error.contains(&code.to_string()),
            "{error}"
        );
    }
    // Each was tried once.
    assert_eq!(
        whatsapp
            .fake
            .calls()
            .iter()
            .filter(|c| c.path.ends_with("messages"))
            .count(),
        2
    );
}

async fn an_expired_token_fails_the_message_and_the_channel(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 1, "Hello")
        .await;
    let health: IntegrationHealth = body(
        whatsapp
            .admin
            .get(&format!("/api/v1/integrations/{}/health", bot.id))
            .await,
    )
    .await;
    assert_eq!(health.state, HealthState::Ok, "{health:?}");
    // The token expires: sends and the number check both answer code 190.
    whatsapp
        .fake
        .fail_next("messages", 401, 190, "Error validating access token", 1);
    whatsapp
        .fake
        .fail_next(NUMBER, 401, 190, "Error validating access token", 1);
    let item = reply(&whatsapp.admin, chat.id, "A reply").await;
    let failed = wait_for_delivery(&whatsapp.admin, chat.id, item.id, DeliveryState::Failed).await;
    assert!(failed
        .delivery_error()
        .is_some_and(|error| error.contains("190")));
    let health: IntegrationHealth = body(
        whatsapp
            .admin
            .get(&format!("/api/v1/integrations/{}/health", bot.id))
            .await,
    )
    .await;
    assert_eq!(health.state, HealthState::Failing, "{health:?}");
    assert!(health
        .webhook_check_error
        .is_some_and(|error| error.contains("190")));
}

on_both_backends!(
    a_reply_goes_out_as_a_text_from_the_business_number,
    a_file_is_uploaded_first_then_sent_by_its_media_id,
    a_rate_limit_is_retried_although_it_arrives_as_http_400,
    a_closed_window_or_undeliverable_message_fails_at_once_with_the_reason,
    an_expired_token_fails_the_message_and_the_channel,
);
