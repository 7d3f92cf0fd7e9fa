//! Signed notifications posted to `/hooks/whatsapp/{id}`: the signature over
//! the raw bytes, every message type, deduplication by message id, batches,
//! statuses of our messages, and media fetched with the bearer token.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::{DeliveryState, Direction};
use shared::api::users::Role;
use tidings_tests::fake_whatsapp::FakeWhatsApp;
use tidings_tests::inbox::{
    all_chats, messages, reply, stored_updates, wait_for_attachments, wait_for_chats,
    wait_for_delivery,
};
use tidings_tests::{on_both_backends, Backend, ItemFields};

use crate::{start, WhatsApp, APP_SECRET, CUSTOMER, NUMBER, WAIT};

async fn a_bad_or_missing_signature_is_refused_and_nothing_is_stored(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let body = WhatsApp::fixture("text");
    let other_secret = FakeWhatsApp::sign("another-app-secret", &body);
    let bare = FakeWhatsApp::sign(APP_SECRET, &body)
        .trim_start_matches("sha256=")
        .to_owned();
    for signature in [
        Some(other_secret.as_str()),
        Some(bare.as_str()),
        Some("sha256=zz"),
        None,
    ] {
        let (status, answer) =
            FakeWhatsApp::post_with_signature(&whatsapp.hook(bot.id), signature, body.clone())
                .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{signature:?}: {answer}");
        let error: Value = serde_json::from_str(&answer).expect("the error shape");
        assert_eq!(error["error"]["code"], "bad_signature");
    }
    assert!(stored_updates(&whatsapp.app).await.is_empty());
    assert!(all_chats(&whatsapp.admin).await.is_empty());
}

async fn a_body_that_is_not_a_whatsapp_notification_is_a_400(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    for body in [&br#"{"update_id": 5}"#[..], b"[]", b"not json"] {
        let (status, answer) = whatsapp.notify(bot.id, body.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    }
    assert!(stored_updates(&whatsapp.app).await.is_empty());
}

async fn every_message_type_lands_in_the_customers_chat(backend: Backend) {
    let whatsapp = start(backend).await;
    let manager = whatsapp.app.create_user("Mila", Role::Employee).await;
    let bot = whatsapp.connect(json!({"queue": [manager.id]})).await;
    let kinds = [
        ("text", "text", Some("Does it come in another color?")),
        ("image", "photo", Some("This one")),
        ("video", "video", None),
        ("voice", "voice", None),
        ("audio", "audio", None),
        ("document", "document", Some("My invoice")),
        ("sticker", "sticker", None),
        ("location", "location", None),
        ("contacts", "contact", None),
        ("button_reply", "button_reply", Some("Change")),
        ("list_reply", "list_reply", Some("Express shipping")),
        ("button", "button", Some("Unsubscribe from promos")),
    ];
    for (fixture, _, _) in kinds {
        whatsapp.accept(bot.id, WhatsApp::fixture(fixture)).await;
    }
    whatsapp
        .accept(bot.id, WhatsApp::fixture("unsupported"))
        .await;
    let chat = wait_for_chats(&whatsapp.admin, 1).await.remove(0);
    assert_eq!(chat.channel, shared::api::Channel::Whatsapp);
    assert_eq!(chat.contact_name, "Kerry Fisher");
    assert_eq!(chat.assignee_id, Some(manager.id));
    let inbound = messages(&whatsapp.admin, chat.id, Direction::In).await;
    assert_eq!(inbound.len(), kinds.len() + 1);
    for ((fixture, kind, text), item) in kinds.iter().zip(&inbound) {
        let message = item.message().expect("a message");
        assert_eq!(message.content_kind, *kind, "{fixture}");
        if text.is_some() {
            assert_eq!(item.text(), *text, "{fixture}");
        }
    }
    let unknown = inbound.last().expect("the unsupported one");
    assert_eq!(
        unknown.message().map(|m| m.content_kind.as_str()),
        Some("unsupported")
    );
    assert!(unknown
        .text()
        .is_some_and(|text| text.contains("cannot be shown")));
    let location = &inbound[7];
    assert_eq!(
        location
            .message()
            .and_then(|m| m.data.clone())
            .map(|data| data["venue"]["title"].clone()),
        Some(json!("Main office"))
    );
}

async fn a_repeated_message_id_changes_nothing(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    whatsapp.accept(bot.id, WhatsApp::fixture("text")).await;
    whatsapp.accept(bot.id, WhatsApp::fixture("text")).await;
    let chat = wait_for_chats(&whatsapp.admin, 1).await.remove(0);
    assert_eq!(
        messages(&whatsapp.admin, chat.id, Direction::In)
            .await
            .len(),
        1
    );
    let updates = stored_updates(&whatsapp.app).await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert!(updates[0].dedup_key.starts_with("m:wamid."));
}

async fn a_batch_of_two_customers_and_a_status_is_stored_event_by_event(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    whatsapp.accept(bot.id, WhatsApp::fixture("batch")).await;
    let chats = wait_for_chats(&whatsapp.admin, 2).await;
    let mut names: Vec<String> = chats.iter().map(|chat| chat.contact_name.clone()).collect();
    names.sort();
    assert_eq!(names, ["Kerry Fisher", "Pablo Morales"]);
    assert_eq!(stored_updates(&whatsapp.app).await.len(), 3);
    // Meta sends the whole notification again after a timeout: nothing changes.
    whatsapp.accept(bot.id, WhatsApp::fixture("batch")).await;
    assert_eq!(stored_updates(&whatsapp.app).await.len(), 3);
    assert_eq!(all_chats(&whatsapp.admin).await.len(), 2);
}

async fn statuses_move_the_delivery_and_a_failure_shows_metas_reason(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 1, "Hello")
        .await;
    let first = reply(&whatsapp.admin, chat.id, "Hi! How can we help?").await;
    let second = reply(&whatsapp.admin, chat.id, "Are you there?").await;
    let sent = whatsapp.fake.wait_for_sent(2, WAIT).await;
    wait_for_delivery(&whatsapp.admin, chat.id, first.id, DeliveryState::Sent).await;
    // Statuses come without `contacts`.
    let status = |id: &str, state: &str, errors: Option<Value>| {
        FakeWhatsApp::status(NUMBER, id, state, CUSTOMER, errors)
    };
    whatsapp
        .accept(bot.id, status(&sent[0].id, "sent", None))
        .await;
    whatsapp
        .accept(bot.id, status(&sent[0].id, "delivered", None))
        .await;
    wait_for_delivery(&whatsapp.admin, chat.id, first.id, DeliveryState::Delivered).await;
    whatsapp
        .accept(bot.id, status(&sent[0].id, "read", None))
        .await;
    wait_for_delivery(&whatsapp.admin, chat.id, first.id, DeliveryState::Seen).await;
    let errors = json!([{
        "code": 131026,
        "title": "Message undeliverable",
        "message": "Message undeliverable",
        "error_data": {"details": "Unable to deliver message."}
    }]);
    whatsapp
        .accept(bot.id, status(&sent[1].id, "failed", Some(errors)))
        .await;
    let failed =
        wait_for_delivery(&whatsapp.admin, chat.id, second.id, DeliveryState::Failed).await;
    assert_eq!(
        failed.delivery_error().as_deref(),
        Some("Message undeliverable: Unable to deliver message.")
    );
}

async fn media_are_fetched_with_the_bearer_token_and_foreign_hosts_are_refused(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let jpeg = b"\xff\xd8\xff\xe0 a small jpeg".to_vec();
    whatsapp
        .fake
        .host_media("1003383421387256", "image/jpeg", &jpeg);
    whatsapp
        .fake
        .media_elsewhere("1906101516546758", "http://127.0.0.2:9/stolen.mp4");
    whatsapp.accept(bot.id, WhatsApp::fixture("image")).await;
    whatsapp.accept(bot.id, WhatsApp::fixture("video")).await;
    let chat = wait_for_chats(&whatsapp.admin, 1).await.remove(0);
    let inbound = messages(&whatsapp.admin, chat.id, Direction::In).await;
    let image = wait_for_attachments(&whatsapp.admin, chat.id, inbound[0].id).await;
    let attachment = &image.attachments().expect("attachments")[0];
    assert_eq!(attachment.error, None);
    let url = attachment.url.clone().expect("downloaded");
    let bytes = whatsapp
        .admin
        .get(&url)
        .await
        .bytes()
        .await
        .expect("the stored file");
    assert_eq!(bytes.as_ref(), jpeg.as_slice());
    assert!(whatsapp.fake.calls().iter().any(|call| {
        call.path.starts_with("1003383421387256")
            && call.authorization.as_deref() == Some(&format!("Bearer {}", crate::TOKEN))
    }));
    let video = wait_for_attachments(&whatsapp.admin, chat.id, inbound[1].id).await;
    let refused = &video.attachments().expect("attachments")[0];
    assert_eq!(refused.url, None);
    assert!(
        refused
            .error
            .as_deref()
            .is_some_and(|error| error.contains("refused")),
        "{refused:?}"
    );
}

on_both_backends!(
    a_bad_or_missing_signature_is_refused_and_nothing_is_stored,
    a_body_that_is_not_a_whatsapp_notification_is_a_400,
    every_message_type_lands_in_the_customers_chat,
    a_repeated_message_id_changes_nothing,
    a_batch_of_two_customers_and_a_status_is_stored_event_by_event,
    statuses_move_the_delivery_and_a_failure_shows_metas_reason,
    media_are_fetched_with_the_bearer_token_and_foreign_hosts_are_refused,
);
