//! Customers' files: downloaded from the fake's `getFile` + file URL into the
//! server, served by `GET /api/v1/attachments/{id}` to those who may see the
//! chat, and a clear error when Telegram will not hand a file out.

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::Direction;
use shared::api::users::Role;
use tidings_tests::fake_telegram::{Failure, FakeTelegram};
use tidings_tests::inbox::{messages, wait_for_attachments, wait_for_chats};
use tidings_tests::ItemFields;
use tidings_tests::{expect_error, on_both_backends, Backend};

use super::start;
use crate::CUSTOMER;

async fn photos_and_documents_are_downloaded_and_served_to_those_who_see_the_chat(
    backend: Backend,
) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let photo: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let document = b"%PDF-1.7 the price list".to_vec();
    tg.fake.add_file("AgACphoto-big", photo.clone());
    tg.fake.add_file("BQACdoc", document.clone());
    tg.accept(&FakeTelegram::photo_update(
        1,
        CUSTOMER,
        "Anna",
        "AgACphoto-big",
        Some("this one"),
    ))
    .await;
    tg.accept(&FakeTelegram::document_update(
        2,
        CUSTOMER,
        "Anna",
        "BQACdoc",
        "prices.pdf",
        document.len() as i64,
    ))
    .await;
    let chat = wait_for_chats(&tg.admin, 1).await.remove(0);
    let inbound = messages(&tg.admin, chat.id, Direction::In).await;
    assert_eq!(inbound.len(), 2);
    assert_eq!(inbound[0].text(), Some("this one"));

    let (_, employee) = tg.app.login_as("Eve", Role::Employee).await;
    let (follower_user, follower) = tg.app.login_as("Finn", Role::Follower).await;
    let mut urls = Vec::new();
    for (item, expected, kind) in [
        (&inbound[0], &photo, "photo"),
        (&inbound[1], &document, "document"),
    ] {
        let item = wait_for_attachments(&employee, chat.id, item.id).await;
        let attachments = item.attachments().expect("attachments");
        assert_eq!(attachments.len(), 1);
        let attachment = &attachments[0];
        assert_eq!(attachment.kind, kind);
        assert_eq!(attachment.error, None);
        assert_eq!(attachment.size, Some(expected.len() as i64));
        let url = attachment.url.clone().expect("a download URL");
        let response = employee.get(&url).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let bytes = response.bytes().await.expect("the file");
        assert_eq!(&bytes[..], &expected[..], "{kind}");
        urls.push(url);
    }
    assert_eq!(
        inbound[1]
            .attachments()
            .as_ref()
            .map(|a| a[0].name.as_str()),
        Some("prices.pdf")
    );

    // The largest size of the photo was fetched, and nothing else.
    let fetched: Vec<String> = tg
        .fake
        .calls_of("getFile")
        .into_iter()
        .filter_map(|c| c.params["file_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(fetched, ["AgACphoto-big", "BQACdoc"]);

    // A follower who does not follow the chat cannot tell it exists.
    for url in &urls {
        expect_error(follower.get(url).await, StatusCode::NOT_FOUND).await;
    }
    expect_error(
        tg.app.client().get(&urls[0]).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // Once they follow it, they can.
    let response = tg
        .admin
        .put(
            &format!("/api/v1/chats/{}/followers", chat.id),
            &json!({"user_ids": [follower_user.id]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(follower.get(&urls[1]).await.status(), StatusCode::OK);
}

async fn a_file_over_20_mb_gets_an_attachment_error_saying_so(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    // What the cloud Bot API answers for files above its 20 MB download limit.
    tg.fake
        .fail_next("getFile", Failure::BadRequest("file is too big".into()), 1);
    tg.accept(&FakeTelegram::document_update(
        1,
        CUSTOMER,
        "Anna",
        "BQAChuge",
        "catalogue.zip",
        25 * 1024 * 1024,
    ))
    .await;
    let chat = wait_for_chats(&tg.admin, 1).await.remove(0);
    let inbound = messages(&tg.admin, chat.id, Direction::In).await;
    let item = wait_for_attachments(&tg.admin, chat.id, inbound[0].id).await;
    let attachment = &item.attachments().expect("attachments")[0];
    assert_eq!(attachment.url, None);
    let error = attachment.error.clone().expect("an attachment error");
    assert!(error.contains("20 MB"), "{error}");
    assert_eq!(attachment.name, "catalogue.zip");
}

on_both_backends!(
    photos_and_documents_are_downloaded_and_served_to_those_who_see_the_chat,
    a_file_over_20_mb_gets_an_attachment_error_saying_so,
);
