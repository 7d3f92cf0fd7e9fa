//! Managers' files to Viber customers: Viber has no upload, so a `picture` or
//! `file` message points at an unguessable, expiring link under our public
//! URL that serves the bytes without sign-in; and receipts that arrive before
//! our send is recorded.

use std::time::Duration;

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::DeliveryState;
use tidings::store::schema::media_links;
use tidings_tests::fake_viber::{Failure, FakeViber, FIRST_MESSAGE_TOKEN};
use tidings_tests::inbox::{item, pdf_bytes, png_bytes, reply, reply_with_file, wait_for_delivery};
use tidings_tests::ItemFields;
use tidings_tests::{on_both_backends, Backend};

use super::{start, BOT_NAME};
use crate::CUSTOMER;

const WAIT: Duration = Duration::from_secs(20);

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.expect("the server answers")
}

async fn a_picture_reply_links_to_its_bytes_until_the_link_expires(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let chat = viber.customer_writes(bot.id, 1, "a photo?").await;
    let picture = png_bytes(3000);
    let item = reply_with_file(
        &viber.admin,
        chat.id,
        Some("Here it is"),
        "sofa.png",
        &picture,
    )
    .await;
    let sent = viber.fake.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].kind, "picture");
    assert_eq!(sent[0].receiver, CUSTOMER);
    assert_eq!(sent[0].sender_name.as_deref(), Some(BOT_NAME));
    assert_eq!(sent[0].text.as_deref(), Some("Here it is"));
    let url = sent[0].body["media"]
        .as_str()
        .expect("a media URL")
        .to_owned();
    let prefix = viber.app.url("/media/");
    let token = url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{url} is under {prefix}"));
    assert_eq!(token.len(), 64, "32 random bytes, hex");
    wait_for_delivery(&viber.admin, chat.id, item.id, DeliveryState::Sent).await;

    // Viber fetches it without signing in.
    let response = get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("content-type").as_deref(), Some("image/png"));
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert!(header("content-disposition").is_some_and(|d| d.contains("sofa.png")));
    assert_eq!(response.bytes().await.expect("the body").as_ref(), picture);

    let unknown = get(&viber.app.url(&format!("/media/{}", "0".repeat(64)))).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    viber
        .app
        .context()
        .store
        .run(|conn| {
            diesel::update(media_links::table)
                .set(
                    media_links::expires_at
                        .eq(chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1)),
                )
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("the link is made to expire");
    assert_eq!(get(&url).await.status(), StatusCode::NOT_FOUND);
}

async fn a_document_reply_is_a_file_message_with_name_and_size(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let chat = viber.customer_writes(bot.id, 1, "prices?").await;
    let pdf = pdf_bytes();
    let item = reply_with_file(
        &viber.admin,
        chat.id,
        Some("Our prices"),
        "prices.pdf",
        &pdf,
    )
    .await;
    wait_for_delivery(&viber.admin, chat.id, item.id, DeliveryState::Sent).await;
    let sent = viber.fake.sent();
    let kinds: Vec<&str> = sent.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["file", "text"],
        "a file takes no caption: it follows"
    );
    assert_eq!(sent[0].body["file_name"], "prices.pdf");
    assert_eq!(sent[0].body["size"], pdf.len());
    assert_eq!(sent[1].text.as_deref(), Some("Our prices"));
    let url = sent[0].body["media"].as_str().expect("a media URL");
    let response = get(url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.expect("the body").as_ref(), pdf);
}

async fn a_delivered_receipt_before_the_send_is_recorded_is_applied(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let chat = viber.customer_writes(bot.id, 1, "hello").await;
    // Viber takes the message at once but answers late; its `delivered`
    // callback overtakes the answer.
    viber
        .fake
        .fail_next("send_message", Failure::Slow(Duration::from_secs(2)), 1);
    let ours = reply(&viber.admin, chat.id, "Hi! How can we help?").await;
    viber.fake.wait_for_calls("send_message", 1, WAIT).await;
    viber
        .accept(bot.id, FakeViber::delivered(FIRST_MESSAGE_TOKEN, CUSTOMER))
        .await;
    assert_eq!(
        item(&viber.admin, chat.id, ours.id).await.delivery(),
        Some(DeliveryState::Pending),
        "the send is not recorded yet"
    );
    wait_for_delivery(&viber.admin, chat.id, ours.id, DeliveryState::Delivered).await;
    assert_eq!(viber.fake.sent()[0].message_token, FIRST_MESSAGE_TOKEN);
}

on_both_backends!(
    a_picture_reply_links_to_its_bytes_until_the_link_expires,
    a_document_reply_is_a_file_message_with_name_and_size,
    a_delivered_receipt_before_the_send_is_recorded_is_applied,
);
