//! Customers' media: downloaded from the link in the callback before it
//! expires, served to those who may see the chat, an attachment error when
//! the link is already gone, and links to hosts other than Viber's own
//! (directly or by a redirect) refused without a request ever reaching them.

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::Attachment;
use shared::api::chats::Direction;
use shared::api::users::Role;
use tidings_tests::fake_viber::{FakeViber, RecordingWebhook};
use tidings_tests::inbox::{messages, timeline_in, wait_for_attachments, wait_for_chats};
use tidings_tests::ItemFields;
use tidings_tests::{expect_error, on_both_backends, Backend};

use crate::CUSTOMER;

use super::{start, Viber};

async fn a_picture_is_downloaded_and_served_to_those_who_see_the_chat(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let jpeg: Vec<u8> = [0xFF, 0xD8, 0xFF, 0xE0]
        .into_iter()
        .chain((0..50_000u32).map(|i| (i % 251) as u8))
        .collect();
    let url = viber.fake.host_media("sofa.jpg", "image/jpeg", &jpeg);
    viber
        .accept(
            bot.id,
            FakeViber::callback_picture(10, CUSTOMER, "Olena", &url, "this sofa"),
        )
        .await;
    let chat = wait_for_chats(&viber.admin, 1).await.remove(0);
    let inbound = messages(&viber.admin, chat.id, Direction::In).await;
    assert_eq!(inbound[0].text(), Some("this sofa"));

    let (_, employee) = viber.app.login_as("Eve", Role::Employee).await;
    let item = wait_for_attachments(&employee, chat.id, inbound[0].id).await;
    let attachment = &item.attachments().expect("attachments")[0];
    assert_eq!(attachment.kind, "photo", "normalized like Telegram's");
    assert_eq!(attachment.error, None);
    let served = attachment.url.clone().expect("a download URL");
    let response = employee.get(&served).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&response.bytes().await.expect("bytes")[..], &jpeg[..]);
    // Our link, never Viber's (which expires and leaks where it came from).
    assert!(served.starts_with("/api/v1/attachments/"), "{served}");

    let (_, follower) = viber.app.login_as("Finn", Role::Follower).await;
    expect_error(follower.get(&served).await, StatusCode::NOT_FOUND).await;
}

async fn an_expired_media_link_leaves_an_attachment_error(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    viber
        .fake
        .host_media("other.pdf", "application/pdf", b"%PDF");
    let gone = viber
        .fake
        .host_media("other.pdf", "application/pdf", b"%PDF")
        .replace("other.pdf", "expired.pdf");
    viber
        .accept(
            bot.id,
            FakeViber::callback_file(11, CUSTOMER, "Olena", &gone, "contract.pdf", 4),
        )
        .await;
    let chat = wait_for_chats(&viber.admin, 1).await.remove(0);
    let inbound = messages(&viber.admin, chat.id, Direction::In).await;
    let item = wait_for_attachments(&viber.admin, chat.id, inbound[0].id).await;
    let attachment = &item.attachments().expect("attachments")[0];
    assert_eq!(attachment.name, "contract.pdf");
    assert_eq!(attachment.url, None);
    let error = attachment.error.clone().expect("an attachment error");
    assert!(error.contains("404"), "says why: {error}");
}

/// The customer sends a picture linked at `url`; returns its attachment
/// once the server settled it (stored or refused).
async fn picture_linked_at(viber: &Viber, url: &str) -> Attachment {
    let bot = viber.connect(json!({})).await;
    viber
        .accept(
            bot.id,
            FakeViber::callback_picture(12, CUSTOMER, "Olena", url, "look"),
        )
        .await;
    let chat = wait_for_chats(&viber.admin, 1).await.remove(0);
    let inbound = messages(&viber.admin, chat.id, Direction::In).await;
    let item = wait_for_attachments(&viber.admin, chat.id, inbound[0].id).await;
    item.attachments().expect("attachments")[0].clone()
}

/// The attachment was refused and says why; nothing reached `elsewhere`.
fn assert_refused(attachment: &Attachment, elsewhere: &RecordingWebhook, why: &str) {
    assert_eq!(attachment.url, None, "nothing stored");
    let error = attachment.error.clone().expect("an attachment error");
    assert!(error.contains("refused") && error.contains(why), "{error}");
    assert!(
        elsewhere.received().is_empty(),
        "the other host got a request: {:?}",
        elsewhere.received()
    );
}

async fn a_picture_on_another_host_is_refused_and_never_fetched(backend: Backend) {
    let viber = start(backend).await;
    let elsewhere = RecordingWebhook::start().await;
    let url = elsewhere
        .url("/media/sofa.jpg")
        .replace("127.0.0.1", "localhost");
    let attachment = picture_linked_at(&viber, &url).await;
    assert_refused(&attachment, &elsewhere, "not one of Viber's hosts");
}

/// A refused attachment says why in the reader's language.
async fn a_refused_attachment_reads_in_the_readers_language(backend: Backend) {
    let viber = start(backend).await;
    let elsewhere = RecordingWebhook::start().await;
    let url = elsewhere
        .url("/media/sofa.jpg")
        .replace("127.0.0.1", "localhost");
    let attachment = picture_linked_at(&viber, &url).await;
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("a host")
        .to_owned();
    assert_eq!(
        attachment.error.as_deref(),
        Some(format!("refused to fetch media from {host}: not one of Viber's hosts").as_str())
    );
    let chat = wait_for_chats(&viber.admin, 1).await.remove(0);
    let read_in_spanish = timeline_in(&viber.admin, chat.id, "es").await;
    let said = read_in_spanish
        .iter()
        .find_map(|item| item.attachments().and_then(|a| a.first().cloned()))
        .expect("the attachment");
    assert_eq!(
        said.error,
        Some(format!(
            "se rechazó descargar el archivo de {host}: no es uno de los hosts de Viber"
        ))
    );
}

async fn a_loopback_address_that_is_not_the_api_base_is_refused(backend: Backend) {
    let viber = start(backend).await;
    let elsewhere = RecordingWebhook::start().await;
    // Same address as the fake Viber API, another port.
    let url = elsewhere.url("/media/sofa.jpg");
    let attachment = picture_linked_at(&viber, &url).await;
    assert_refused(&attachment, &elsewhere, "IP address");
}

async fn a_redirect_from_vibers_host_to_another_is_refused(backend: Backend) {
    let viber = start(backend).await;
    let elsewhere = RecordingWebhook::start().await;
    let url = viber
        .fake
        .host_redirect("moved.jpg", &elsewhere.url("/media/sofa.jpg"));
    let attachment = picture_linked_at(&viber, &url).await;
    assert_refused(&attachment, &elsewhere, "redirected");
}

async fn a_redirect_within_vibers_host_is_followed(backend: Backend) {
    let viber = start(backend).await;
    let target = viber
        .fake
        .host_media("sofa.jpg", "image/jpeg", b"\xFF\xD8\xFFjpeg");
    let url = viber.fake.host_redirect("moved.jpg", &target);
    let attachment = picture_linked_at(&viber, &url).await;
    assert_eq!(attachment.error, None);
    let served = attachment.url.expect("a download URL");
    let response = viber.admin.get(&served).await;
    assert_eq!(
        &response.bytes().await.expect("bytes")[..],
        b"\xFF\xD8\xFFjpeg"
    );
}

on_both_backends!(
    a_picture_is_downloaded_and_served_to_those_who_see_the_chat,
    an_expired_media_link_leaves_an_attachment_error,
    a_picture_on_another_host_is_refused_and_never_fetched,
    a_loopback_address_that_is_not_the_api_base_is_refused,
    a_redirect_from_vibers_host_to_another_is_refused,
    a_redirect_within_vibers_host_is_followed,
    a_refused_attachment_reads_in_the_readers_language,
);
