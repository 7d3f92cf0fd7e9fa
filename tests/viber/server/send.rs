//! Replies to Viber customers: `send_message` with the integration's name
//! as sender, receipts (`delivered`, `seen`, `failed`) moving the delivery
//! state, and how Viber's refusals are retried or not.

use std::time::Duration;

use serde_json::json;
use shared::api::chats::{DeliveryState, Direction};
use tidings_tests::fake_viber::{Failure, FakeViber, FIRST_MESSAGE_TOKEN};
use tidings_tests::inbox::{chat_detail, item, messages, reply, wait_for_delivery};
use tidings_tests::ItemFields;
use tidings_tests::{on_both_backends, Backend};

use super::{start, BOT_NAME};
use crate::{CUSTOMER, TOKEN};

const WAIT: Duration = Duration::from_secs(20);

async fn a_reply_reaches_viber_with_the_integration_name_as_sender(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let chat = viber.customer_writes(bot.id, 1, "hello").await;
    let item = reply(&viber.admin, chat.id, "Hello, Olena! How can we help?").await;
    let sent = viber.fake.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].bot_token, TOKEN);
    assert_eq!(sent[0].receiver, CUSTOMER);
    assert_eq!(sent[0].kind, "text");
    assert_eq!(sent[0].sender_name.as_deref(), Some(BOT_NAME));
    assert_eq!(
        sent[0].text.as_deref(),
        Some("Hello, Olena! How can we help?")
    );
    wait_for_delivery(&viber.admin, chat.id, item.id, DeliveryState::Sent).await;

    // Renaming the integration renames the sender.
    let response = viber
        .admin
        .patch(
            &format!("/api/v1/integrations/{}", bot.id),
            &json!({"name": "Acme Sales"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    reply(&viber.admin, chat.id, "second").await;
    let sent = viber.fake.wait_for_sent(2, WAIT).await;
    assert_eq!(sent[1].sender_name.as_deref(), Some("Acme Sales"));
}

async fn receipts_move_the_delivery_state_forward(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let chat = viber.customer_writes(bot.id, 1, "hello").await;
    let first = reply(&viber.admin, chat.id, "first").await;
    wait_for_delivery(&viber.admin, chat.id, first.id, DeliveryState::Sent).await;
    let second = reply(&viber.admin, chat.id, "second").await;
    wait_for_delivery(&viber.admin, chat.id, second.id, DeliveryState::Sent).await;
    let tokens: Vec<u64> = viber.fake.sent().iter().map(|m| m.message_token).collect();
    assert_eq!(tokens, [FIRST_MESSAGE_TOKEN, FIRST_MESSAGE_TOKEN + 1]);

    viber
        .accept(bot.id, FakeViber::delivered(tokens[0], CUSTOMER))
        .await;
    assert_eq!(
        item(&viber.admin, chat.id, first.id).await.delivery(),
        Some(DeliveryState::Delivered)
    );
    viber
        .accept(bot.id, FakeViber::seen(tokens[0], CUSTOMER))
        .await;
    assert_eq!(
        item(&viber.admin, chat.id, first.id).await.delivery(),
        Some(DeliveryState::Seen)
    );
    // A late `delivered` does not move it back.
    viber
        .accept(bot.id, FakeViber::delivered(tokens[0], CUSTOMER))
        .await;
    assert_eq!(
        item(&viber.admin, chat.id, first.id).await.delivery(),
        Some(DeliveryState::Seen)
    );

    // `seen` comes once per read: everything sent before is read too.
    let third = reply(&viber.admin, chat.id, "third").await;
    wait_for_delivery(&viber.admin, chat.id, third.id, DeliveryState::Sent).await;
    viber
        .accept(bot.id, FakeViber::seen(FIRST_MESSAGE_TOKEN + 2, CUSTOMER))
        .await;
    for id in [first.id, second.id, third.id] {
        assert_eq!(
            item(&viber.admin, chat.id, id).await.delivery(),
            Some(DeliveryState::Seen),
            "item {id}"
        );
    }

    // `failed` on the customer's device.
    let fourth = reply(&viber.admin, chat.id, "fourth").await;
    wait_for_delivery(&viber.admin, chat.id, fourth.id, DeliveryState::Sent).await;
    viber
        .accept(
            bot.id,
            FakeViber::failed(
                FIRST_MESSAGE_TOKEN + 3,
                CUSTOMER,
                "keyboard validation failed",
            ),
        )
        .await;
    let failed = item(&viber.admin, chat.id, fourth.id).await;
    assert_eq!(failed.delivery(), Some(DeliveryState::Failed));
    assert_eq!(
        failed.delivery_error().as_deref(),
        Some("keyboard validation failed")
    );
    // A receipt for a token we never sent is acknowledged and ignored.
    viber
        .accept(bot.id, FakeViber::delivered(42, CUSTOMER))
        .await;
}

async fn a_customer_who_unsubscribed_fails_the_reply_without_retry(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let chat = viber.customer_writes(bot.id, 1, "hello").await;
    viber.fake.fail_next("send_message", Failure::Status(6), 1);
    let first = reply(&viber.admin, chat.id, "are you there?").await;
    let failed = wait_for_delivery(&viber.admin, chat.id, first.id, DeliveryState::Failed).await;
    let reason = failed.delivery_error().expect("a reason");
    assert!(reason.contains("receiverNotSubscribed"), "{reason}");
    let detail = chat_detail(&viber.admin, chat.id).await;
    assert!(detail["unreachable_reason"].is_string(), "{detail}");

    let later = reply(&viber.admin, chat.id, "hello again").await;
    wait_for_delivery(&viber.admin, chat.id, later.id, DeliveryState::Failed).await;
    assert_eq!(
        viber.fake.calls_of("send_message").len(),
        1,
        "no retry, no new call"
    );

    // Writing again subscribes them silently (Viber sends no `subscribed`).
    viber
        .accept(
            bot.id,
            FakeViber::callback_message_text(2, CUSTOMER, "Olena", "I am back"),
        )
        .await;
    let detail = chat_detail(&viber.admin, chat.id).await;
    assert_eq!(detail["unreachable_reason"], json!(null), "{detail}");
    let again = reply(&viber.admin, chat.id, "welcome back").await;
    wait_for_delivery(&viber.admin, chat.id, again.id, DeliveryState::Sent).await;
}

async fn too_many_requests_is_retried_until_sent(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let chat = viber.customer_writes(bot.id, 1, "hello").await;
    viber.fake.fail_next("send_message", Failure::Status(12), 1);
    let item = reply(&viber.admin, chat.id, "one moment").await;
    wait_for_delivery(&viber.admin, chat.id, item.id, DeliveryState::Sent).await;
    assert_eq!(viber.fake.calls_of("send_message").len(), 2);
    assert_eq!(viber.fake.sent().len(), 1);
    assert_eq!(
        messages(&viber.admin, chat.id, Direction::Out).await.len(),
        1
    );
}

on_both_backends!(
    a_reply_reaches_viber_with_the_integration_name_as_sender,
    receipts_move_the_delivery_state_forward,
    a_customer_who_unsubscribed_fails_the_reply_without_retry,
    too_many_requests_is_retried_until_sent,
);
