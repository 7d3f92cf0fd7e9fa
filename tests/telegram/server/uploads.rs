//! Managers' files to the customer: the multipart reply form, the upload
//! reaching the fake's `sendPhoto` / `sendDocument` with its caption, the
//! limits and access rules of the form, and long replies resuming after the
//! parts already delivered.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::{DeliveryState, Direction, Item};
use shared::api::users::Role;
use tidings_tests::fake_telegram::Failure;
use tidings_tests::inbox::{
    messages, pdf_bytes, png_bytes, reply, reply_with_file, send_file, set_followers,
    wait_for_delivery,
};
use tidings_tests::ItemFields;
use tidings_tests::{body, expect_error, on_both_backends, Backend};

use super::start;
use crate::CUSTOMER;

const WAIT: Duration = Duration::from_secs(20);

async fn a_picture_reply_goes_as_send_photo_with_its_caption(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "can I see it?").await;
    let (_, manager) = tg.app.login_as("Mila", Role::Employee).await;
    let picture = png_bytes(4000);
    let item = reply_with_file(
        &manager,
        chat.id,
        Some("The green sofa"),
        "sofa.png",
        &picture,
    )
    .await;
    assert_eq!(item.direction(), Some(Direction::Out));
    assert_eq!(item.text(), Some("The green sofa"));
    let attachments = item.attachments().expect("a message has attachments");
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].kind, "photo");
    assert_eq!(attachments[0].name, "sofa.png");
    assert_eq!(attachments[0].size, Some(4000));
    let url = attachments[0]
        .url
        .clone()
        .expect("the file can be read back");

    let sent = tg.fake.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].method, "sendPhoto");
    assert_eq!(sent[0].chat_id, CUSTOMER);
    assert_eq!(sent[0].caption.as_deref(), Some("The green sofa"));
    assert_eq!(sent[0].file.as_deref(), Some(picture.as_slice()));
    wait_for_delivery(&manager, chat.id, item.id, DeliveryState::Sent).await;

    // The manager's own file is served like a customer's, to signed-in users.
    let response = manager.get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.expect("the body").as_ref(), picture);
    let anonymous = tg.app.client().get(&url).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn a_pdf_reply_goes_as_send_document_named_as_uploaded(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "the price list, please").await;
    let pdf = pdf_bytes();
    let item = reply_with_file(&tg.admin, chat.id, None, "../price-list.pdf", &pdf).await;
    let attachment = &item.attachments().expect("attachments")[0];
    assert_eq!(attachment.kind, "document");
    assert_eq!(attachment.name, "price-list.pdf", "no directory part kept");
    assert_eq!(item.text(), Some(""));

    let sent = tg.fake.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].method, "sendDocument");
    assert_eq!(sent[0].file_name.as_deref(), Some("price-list.pdf"));
    assert_eq!(sent[0].file.as_deref(), Some(pdf.as_slice()));
    assert_eq!(sent[0].caption, None);
    wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Sent).await;
}

async fn a_caption_over_1024_characters_follows_the_file_as_text(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "details?").await;
    let caption = "All the details of the sofa. ".repeat(50);
    let caption = caption.trim();
    let item = reply_with_file(
        &tg.admin,
        chat.id,
        Some(caption),
        "sofa.png",
        &png_bytes(100),
    )
    .await;
    wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Sent).await;
    let sent = tg.fake.sent();
    let methods: Vec<&str> = sent.iter().map(|m| m.method.as_str()).collect();
    assert_eq!(methods, ["sendPhoto", "sendMessage"]);
    assert_eq!(sent[0].caption, None);
    assert_eq!(sent[1].text.as_deref(), Some(caption));
}

async fn an_upload_over_20_mb_is_refused_with_413_and_nothing_is_sent(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    let huge = vec![7u8; 20 * 1024 * 1024 + 1];
    let response = send_file(&tg.admin, chat.id, Some("big"), "huge.bin", &huge).await;
    let code = expect_error(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(code, "payload_too_large");
    assert!(messages(&tg.admin, chat.id, Direction::Out)
        .await
        .is_empty());
    assert!(tg.fake.sent().is_empty());
    // A form without a file is invalid; JSON replies work as before.
    let response = tg
        .admin
        .post_raw(
            &format!("/api/v1/chats/{}/messages", chat.id),
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--x--\r\n".to_vec(),
        )
        .await;
    expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    reply(&tg.admin, chat.id, "plain text still works").await;
}

async fn a_follower_cannot_send_a_file(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    let (fred, follower) = tg.app.login_as("Fred", Role::Follower).await;
    let response = send_file(&follower, chat.id, None, "a.png", &png_bytes(100)).await;
    expect_error(response, StatusCode::NOT_FOUND).await;
    set_followers(&tg.admin, chat.id, &[fred.id]).await;
    let response = send_file(&follower, chat.id, None, "a.png", &png_bytes(100)).await;
    expect_error(response, StatusCode::FORBIDDEN).await;
    assert!(messages(&tg.admin, chat.id, Direction::Out)
        .await
        .is_empty());
    assert!(tg.fake.sent().is_empty());
}

async fn a_long_reply_whose_second_part_failed_resumes_there_on_retry(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "tell me everything").await;
    let long = "Lorem ipsum dolor sit amet. ".repeat(200);
    let long = long[..5000].to_owned();
    tg.fake.fail_after(
        "sendMessage",
        1,
        Failure::BadRequest("message is too long".into()),
        1,
    );
    let item = reply(&tg.admin, chat.id, &long).await;
    let failed = wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Failed).await;
    assert!(
        failed
            .delivery_error()
            .as_deref()
            .is_some_and(|e| e.contains("after 1 of 2 parts")),
        "{:?}",
        failed.delivery_error()
    );
    assert_eq!(tg.fake.sent().len(), 1, "the first part arrived");

    let response = tg
        .admin
        .post(
            &format!("/api/v1/chats/{}/messages/{}/retry", chat.id, item.id),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let _: Item = body(response).await;
    wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Sent).await;
    let parts: Vec<String> = tg.fake.sent().into_iter().filter_map(|m| m.text).collect();
    assert_eq!(parts.len(), 2, "each part exactly once");
    assert_ne!(parts[0], parts[1]);
    let words = |text: &str| {
        text.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(words(&parts.join(" ")), words(&long));
    assert_eq!(tg.fake.calls_of("sendMessage").len(), 3);
}

on_both_backends!(
    a_picture_reply_goes_as_send_photo_with_its_caption,
    a_pdf_reply_goes_as_send_document_named_as_uploaded,
    a_caption_over_1024_characters_follows_the_file_as_text,
    an_upload_over_20_mb_is_refused_with_413_and_nothing_is_sent,
    a_follower_cannot_send_a_file,
    a_long_reply_whose_second_part_failed_resumes_there_on_retry,
);
