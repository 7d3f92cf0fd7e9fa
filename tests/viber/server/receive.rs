//! Callbacks posted to `/hooks/viber/{id}`: the signature over the raw
//! bytes, deduplication, customer messages, `conversation_started` with its
//! welcome message, and (un)subscriptions.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::Direction;
use shared::api::users::Role;
use tidings_tests::fake_viber::FakeViber;
use tidings_tests::inbox::{
    all_chats, chat_detail, event_names, messages, stored_updates, wait_for_chats, wait_for_event,
};
use tidings_tests::{expect_error, on_both_backends, Backend};

use super::{start, BOT_NAME};
use crate::{CUSTOMER, TOKEN};

async fn a_signed_message_creates_a_chat_with_the_senders_profile(backend: Backend) {
    let viber = start(backend).await;
    let manager = viber.app.create_user("Mila", Role::Employee).await;
    let bot = viber.connect(json!({"queue": [manager.id]})).await;
    let answer = viber
        .accept(
            bot.id,
            FakeViber::callback_message_text(9_007_199_254_740_993, CUSTOMER, "Olena", "Привіт!"),
        )
        .await;
    assert!(
        serde_json::from_str::<Value>(&answer).is_ok(),
        "a JSON answer: {answer}"
    );
    let chat = wait_for_chats(&viber.admin, 1).await.remove(0);
    assert_eq!(chat.channel, shared::api::Channel::Viber);
    assert_eq!(chat.integration_name, BOT_NAME);
    assert_eq!(chat.assignee_id, Some(manager.id));
    assert_eq!(chat.contact_name, "Olena");
    let detail = chat_detail(&viber.admin, chat.id).await;
    let contact = &detail["contact"];
    assert_eq!(contact["name"], "Olena");
    assert_eq!(contact["language"], "en");
    assert_eq!(contact["country"], "UA");
    assert!(
        contact["avatar_url"]
            .as_str()
            .is_some_and(|url| url.starts_with("https://media-direct.cdn.viber.com/")),
        "{contact}"
    );
    assert_eq!(detail["deals"].as_array().map(Vec::len), Some(1));
    let inbound = messages(&viber.admin, chat.id, Direction::In).await;
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0].text(), Some("Привіт!"));
    // The token above 2^53 is kept exactly (it dedupes the message).
    assert_eq!(
        stored_updates(&viber.app).await[1].dedup_key,
        "9007199254740993"
    );
}

async fn callbacks_with_a_bad_or_missing_signature_are_refused(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let url = viber.hook(bot.id);
    let body = FakeViber::callback_message_text(1, CUSTOMER, "Olena", "hello");
    let other_bot = FakeViber::sign("another-bot-token", &body);
    let truncated = FakeViber::sign(TOKEN, &body)[..63].to_owned();
    for signature in [
        Some(other_bot.as_str()),
        Some(truncated.as_str()),
        Some("zz"),
        None,
    ] {
        let (status, answer) =
            FakeViber::post_callback_with_signature(&url, signature, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{signature:?}: {answer}");
        let error: Value = serde_json::from_str(&answer).expect("the error shape");
        assert_eq!(error["error"]["code"], "bad_signature");
    }
    // Signed for this bot, but posted to another integration's URL.
    viber.fake.add_bot("second-bot-token", "Second");
    let second = viber
        .connect(json!({"token": "second-bot-token", "name": "Second"}))
        .await;
    let (status, _) = viber.callback(second.id, body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert!(all_chats(&viber.admin).await.is_empty());
    // Only the two verification callbacks were stored.
    assert_eq!(stored_updates(&viber.app).await.len(), 2);
}

async fn a_body_re_serialized_after_signing_is_refused(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let compact = FakeViber::callback_message_text(2, CUSTOMER, "Olena", "Добрий день, ціна?");
    let value: Value = serde_json::from_slice(&compact).expect("JSON");
    // Viber may send any bytes; the signature covers exactly those.
    let pretty = serde_json::to_vec_pretty(&value).expect("serializes");
    let signature = FakeViber::sign(TOKEN, &pretty);
    let (status, _) = FakeViber::post_callback_with_signature(
        &viber.hook(bot.id),
        Some(&signature),
        compact.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "same JSON, other bytes");
    assert!(all_chats(&viber.admin).await.is_empty());

    let (status, _) =
        FakeViber::post_callback_with_signature(&viber.hook(bot.id), Some(&signature), pretty)
            .await;
    assert_eq!(status, StatusCode::OK, "the signed bytes themselves");
    let chat = wait_for_chats(&viber.admin, 1).await.remove(0);
    let inbound = messages(&viber.admin, chat.id, Direction::In).await;
    assert_eq!(inbound[0].text(), Some("Добрий день, ціна?"));
}

async fn a_repeated_message_token_changes_nothing(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber
        .connect(json!({"auto_reply_text": "We will answer soon."}))
        .await;
    let body = FakeViber::callback_message_text(4_912_661_846_655_238_145, CUSTOMER, "Olena", "hi");
    viber.accept(bot.id, body.clone()).await;
    viber.accept(bot.id, body).await;
    let chat = wait_for_chats(&viber.admin, 1).await.remove(0);
    assert_eq!(
        messages(&viber.admin, chat.id, Direction::In).await.len(),
        1
    );
    assert_eq!(
        messages(&viber.admin, chat.id, Direction::Out).await.len(),
        1,
        "one auto-reply"
    );
    // A different token is a different message.
    viber
        .accept(
            bot.id,
            FakeViber::callback_message_text(4_912_661_846_655_238_146, CUSTOMER, "Olena", "hi"),
        )
        .await;
    assert_eq!(
        messages(&viber.admin, chat.id, Direction::In).await.len(),
        2
    );
}

async fn conversation_started_carries_the_greeting_as_welcome_only_on_first_contact(
    backend: Backend,
) {
    let viber = start(backend).await;
    let bot = viber
        .connect(json!({
            "greeting_text": "Welcome to Acme!",
            "auto_reply_text": "A manager will answer soon.",
        }))
        .await;
    let answer = viber
        .accept(
            bot.id,
            FakeViber::conversation_started(100, CUSTOMER, "Olena", None),
        )
        .await;
    let welcome: Value = serde_json::from_str(&answer).expect("a JSON answer");
    assert_eq!(welcome["type"], "text");
    assert_eq!(welcome["text"], "Welcome to Acme!");
    assert_eq!(welcome["sender"]["name"], BOT_NAME);
    assert!(welcome.get("receiver").is_none(), "{welcome}");
    assert!(
        all_chats(&viber.admin).await.is_empty(),
        "not a conversation yet"
    );
    assert!(
        viber.fake.calls_of("send_message").is_empty(),
        "no send_message for it"
    );

    // Opening the chat again: no second welcome.
    let answer = viber
        .accept(
            bot.id,
            FakeViber::conversation_started(101, CUSTOMER, "Olena", None),
        )
        .await;
    let again: Value = serde_json::from_str(&answer).expect("a JSON answer");
    assert!(
        again.get("text").is_none(),
        "no welcome the second time: {again}"
    );

    // Their first message starts the conversation: the auto-reply goes, the
    // greeting (already shown as the welcome) does not.
    let chat = viber.customer_writes(bot.id, 102, "hello").await;
    let sent = viber
        .fake
        .wait_for_sent(1, std::time::Duration::from_secs(20))
        .await;
    assert_eq!(sent[0].text.as_deref(), Some("A manager will answer soon."));
    let out = messages(&viber.admin, chat.id, Direction::Out).await;
    let texts: Vec<Option<&str>> = out.iter().map(|i| i.text()).collect();
    assert_eq!(texts, [Some("A manager will answer soon.")]);

    // Another customer is welcomed too.
    let answer = viber
        .accept(
            bot.id,
            FakeViber::conversation_started(103, "Zm9vYmFyYmF6cXV4MTIzNA==", "Taras", None),
        )
        .await;
    let other: Value = serde_json::from_str(&answer).expect("a JSON answer");
    assert_eq!(other["text"], "Welcome to Acme!");
}

async fn a_deep_link_context_becomes_the_chat_referral(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    viber
        .accept(
            bot.id,
            FakeViber::conversation_started(200, CUSTOMER, "Olena", Some("spring_sale")),
        )
        .await;
    let chat = viber.customer_writes(bot.id, 201, "I saw the ad").await;
    assert_eq!(chat.referral.as_deref(), Some("spring_sale"));
}

async fn subscribing_and_unsubscribing_show_in_the_timeline_and_reachability(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    // Before any chat: acknowledged, nothing to show it in.
    viber
        .accept(bot.id, FakeViber::subscribed(300, CUSTOMER, "Olena"))
        .await;
    assert!(all_chats(&viber.admin).await.is_empty());

    let chat = viber.customer_writes(bot.id, 301, "hello").await;
    viber
        .accept(bot.id, FakeViber::unsubscribed(302, CUSTOMER))
        .await;
    wait_for_event(&viber.admin, chat.id, "unsubscribed").await;
    let detail = chat_detail(&viber.admin, chat.id).await;
    assert!(detail["unreachable_reason"].is_string(), "{detail}");
    // The unsubscribed callback carries no name: the contact keeps theirs.
    assert_eq!(detail["contact"]["name"], "Olena");

    viber
        .accept(bot.id, FakeViber::subscribed(303, CUSTOMER, "Olena"))
        .await;
    wait_for_event(&viber.admin, chat.id, "subscribed").await;
    let detail = chat_detail(&viber.admin, chat.id).await;
    assert_eq!(detail["unreachable_reason"], json!(null));
    let events = event_names(&viber.admin, chat.id).await;
    assert_eq!(&events[events.len() - 2..], ["unsubscribed", "subscribed"]);
}

async fn a_callback_for_an_unknown_integration_is_not_found(backend: Backend) {
    let viber = start(backend).await;
    let bot = viber.connect(json!({})).await;
    let body = FakeViber::callback_message_text(5, CUSTOMER, "Olena", "hi");
    let (status, answer) = viber.callback(bot.id + 1000, body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let response = viber
        .app
        .client()
        .post_raw(
            &format!("/hooks/viber/{}", bot.id),
            "application/json",
            b"{not json".to_vec(),
        )
        .await;
    expect_error(response, StatusCode::UNAUTHORIZED).await;
}

on_both_backends!(
    a_signed_message_creates_a_chat_with_the_senders_profile,
    callbacks_with_a_bad_or_missing_signature_are_refused,
    a_body_re_serialized_after_signing_is_refused,
    a_repeated_message_token_changes_nothing,
    conversation_started_carries_the_greeting_as_welcome_only_on_first_contact,
    a_deep_link_context_becomes_the_chat_referral,
    subscribing_and_unsubscribing_show_in_the_timeline_and_reachability,
    a_callback_for_an_unknown_integration_is_not_found,
);
