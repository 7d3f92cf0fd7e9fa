//! Messages to the customer: auto-messages and manager replies through the
//! outbound queue to the fake's `sendMessage`, retries, permanent failures,
//! and the delivery state each leaves on the timeline item.

use std::time::{Duration, Instant};

use serde_json::json;
use shared::api::chats::{DeliveryState, Direction};
use shared::api::users::Role;
use shared::ws::ServerMsg;
use tidings_tests::fake_telegram::{Failure, FakeTelegram, FloodLimits};
use tidings_tests::inbox::{
    chat_detail, chat_detail_in, item, messages, reply, timeline_in, wait_for_chats,
    wait_for_delivery, wait_for_event,
};
use tidings_tests::live::LiveClient;
use tidings_tests::ItemFields;
use tidings_tests::{on_both_backends, Backend};

use super::start;
use crate::{CUSTOMER, TOKEN};

const WAIT: Duration = Duration::from_secs(20);

async fn greeting_and_auto_reply_reach_the_customer_in_that_order(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({
        "greeting_text": "Welcome to Acme!",
        "auto_reply_text": "A manager will answer within 5 minutes.",
    }))
    .await;
    let chat = tg.customer_writes(1, "hello").await;
    let sent = tg.fake.wait_for_sent(2, WAIT).await;
    let texts: Vec<(i64, Option<&str>)> = sent
        .iter()
        .map(|m| (m.chat_id, m.text.as_deref()))
        .collect();
    assert_eq!(
        texts,
        [
            (CUSTOMER, Some("Welcome to Acme!")),
            (CUSTOMER, Some("A manager will answer within 5 minutes.")),
        ]
    );
    for item in messages(&tg.admin, chat.id, Direction::Out).await {
        wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Sent).await;
    }

    // Writing again in the open chat sends neither again.
    tg.accept(&FakeTelegram::text_update(2, CUSTOMER, "Anna", "anyone?"))
        .await;
    let (_, manager) = tg.app.login_as("Mila", Role::Employee).await;
    let item = reply(&manager, chat.id, "Here!").await;
    wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Sent).await;
    let texts: Vec<Option<String>> = tg.fake.sent().into_iter().map(|m| m.text).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert_eq!(texts[2].as_deref(), Some("Here!"));
}

async fn a_changed_greeting_greets_the_very_next_new_customer(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg
        .connect(json!({"greeting_text": "Welcome to Acme!"}))
        .await;
    tg.customer_writes(1, "hello").await;
    tg.fake.wait_for_sent(1, WAIT).await;
    let response = tg
        .admin
        .patch(
            &format!("/api/v1/integrations/{}", bot.id),
            &json!({"greeting_text": "Welcome to Acme Home!"}),
        )
        .await;
    assert_eq!(response.status(), 200);

    // Webhooks keep the integration in memory briefly; a change made here
    // must still reach the next update at once.
    tg.accept(&FakeTelegram::text_update(2, CUSTOMER + 1, "Boris", "hi"))
        .await;
    let sent = tg.fake.wait_for_sent(2, WAIT).await;
    assert_eq!(sent[1].chat_id, CUSTOMER + 1);
    assert_eq!(sent[1].text.as_deref(), Some("Welcome to Acme Home!"));
}

async fn a_burst_of_replies_stays_within_telegrams_flood_limits(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    // More chats than the bot may send to in one second.
    let customers = 34;
    for n in 0..customers {
        tg.accept(&FakeTelegram::text_update(
            n + 1,
            CUSTOMER + n,
            "Anna",
            "hi",
        ))
        .await;
    }
    let chats = wait_for_chats(&tg.admin, customers as usize).await;
    tg.fake.set_flood_limits(FloodLimits::TELEGRAM);
    let mut expected = Vec::new();
    for chat in &chats {
        let text = format!("Hello, chat {}", chat.id);
        reply(&tg.admin, chat.id, &text).await;
        expected.push(text);
    }
    // And more replies to one chat than it may get in a second.
    for n in 0..5 {
        let text = format!("Also this, part {n}");
        reply(&tg.admin, chats[0].id, &text).await;
        expected.push(text);
    }

    let sent = tg.fake.wait_for_sent(expected.len(), WAIT).await;
    let mut texts: Vec<String> = sent.into_iter().filter_map(|m| m.text).collect();
    texts.sort();
    expected.sort();
    assert_eq!(texts, expected, "every reply sent exactly once");
    // Unpaced, 9 of the first 39 sends would go over the bot's 30 a second
    // and 3 over the chat's burst of 3. Paced, none should; arrival jitter at
    // a window's edge may still cost one.
    let refused = tg.fake.flood_refusals();
    assert!(refused <= 1, "{refused} sends went over Telegram's limits");
}

async fn a_manager_reply_reaches_telegram_and_is_marked_sent(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "how much is the sofa?").await;
    let (manager, client) = tg.app.login_as("Mila", Role::Employee).await;
    let item = reply(&client, chat.id, "It is 500 €.").await;
    assert_eq!(item.direction(), Some(Direction::Out));
    assert_eq!(item.author_id(), Some(manager.id));
    assert_eq!(item.text(), Some("It is 500 €."));

    let sent = tg.fake.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].token, TOKEN);
    assert_eq!(sent[0].method, "sendMessage");
    assert_eq!(sent[0].chat_id, CUSTOMER);
    assert_eq!(sent[0].text.as_deref(), Some("It is 500 €."));
    let item = wait_for_delivery(&client, chat.id, item.id, DeliveryState::Sent).await;
    assert_eq!(item.delivery_error(), None);
}

async fn a_reply_over_4096_characters_arrives_as_two_messages(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "tell me everything").await;
    let long = "Lorem ipsum dolor sit amet. ".repeat(200);
    let long = long[..5000].to_owned();
    let item = reply(&tg.admin, chat.id, &long).await;
    wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Sent).await;
    let sent = tg.fake.sent();
    assert_eq!(sent.len(), 2);
    let parts: Vec<String> = sent.into_iter().filter_map(|m| m.text).collect();
    assert!(parts.iter().all(|p| p.encode_utf16().count() <= 4096));
    // Split between words: nothing lost, nothing doubled.
    let words = |text: &str| {
        text.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(words(&parts.join(" ")), words(&long));
    assert_eq!(
        messages(&tg.admin, chat.id, Direction::Out).await.len(),
        1,
        "one timeline item"
    );
}

async fn a_rate_limited_reply_waits_retry_after_and_is_sent_once(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    tg.fake.fail_next("sendMessage", Failure::RetryAfter(2), 1);
    let started = Instant::now();
    let item = reply(&tg.admin, chat.id, "one moment").await;
    wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Sent).await;
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "retry_after was honoured: sent after {:?}",
        started.elapsed()
    );
    assert_eq!(tg.fake.calls_of("sendMessage").len(), 2);
    assert_eq!(tg.fake.sent().len(), 1);
    let out = messages(&tg.admin, chat.id, Direction::Out).await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].delivery(), Some(DeliveryState::Sent));
}

async fn a_server_error_is_retried_until_the_reply_is_sent(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    tg.fake.fail_next("sendMessage", Failure::ServerError, 1);
    let item = reply(&tg.admin, chat.id, "on it").await;
    wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Sent).await;
    assert_eq!(tg.fake.calls_of("sendMessage").len(), 2);
    assert_eq!(tg.fake.sent().len(), 1);
}

async fn a_failing_call_in_one_chat_does_not_hold_up_another_chat(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    tg.accept(&FakeTelegram::text_update(1, CUSTOMER, "Anna", "hi"))
        .await;
    tg.accept(&FakeTelegram::text_update(2, 222, "Bohdan", "hello"))
        .await;
    let chats = wait_for_chats(&tg.admin, 2).await;
    let chat_of = |name: &str| {
        chats
            .iter()
            .find(|c| c.contact_name == name)
            .unwrap_or_else(|| panic!("{name}'s chat"))
            .id
    };
    let (anna, bohdan) = (chat_of("Anna"), chat_of("Bohdan"));
    // teloxide holds every Telegram 5xx for 10 s before returning it.
    tg.fake.fail_next("sendMessage", Failure::ServerError, 1);
    let slow = reply(&tg.admin, anna, "first").await;
    tg.fake.wait_for_calls("sendMessage", 1, WAIT).await;
    let quick = reply(&tg.admin, bohdan, "second").await;
    wait_for_delivery(&tg.admin, bohdan, quick.id, DeliveryState::Sent).await;
    assert_eq!(
        item(&tg.admin, anna, slow.id).await.delivery(),
        Some(DeliveryState::Pending),
        "the other chat's failing call is still under way"
    );
    wait_for_delivery(&tg.admin, anna, slow.id, DeliveryState::Sent).await;
}

async fn a_bad_request_fails_the_reply_with_telegrams_reason_and_no_retry(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    tg.fake.fail_next(
        "sendMessage",
        Failure::BadRequest("chat not found".into()),
        1,
    );
    let item = reply(&tg.admin, chat.id, "hello?").await;
    let failed = wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Failed).await;
    assert_eq!(
        failed.delivery_error().as_deref(),
        Some("Bad Request: chat not found")
    );
    // The queue moved on: a later reply is sent, the failed one never again.
    let next = reply(&tg.admin, chat.id, "second try").await;
    wait_for_delivery(&tg.admin, chat.id, next.id, DeliveryState::Sent).await;
    let attempts: Vec<String> = tg
        .fake
        .calls_of("sendMessage")
        .into_iter()
        .filter_map(|c| c.params["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(attempts, ["hello?", "second try"]);
    assert_eq!(
        chat_detail(&tg.admin, chat.id).await["unreachable_reason"],
        json!(null)
    );
}

async fn a_reply_to_a_customer_without_an_account_on_the_messenger_fails_without_a_call(
    backend: Backend,
) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    // The customer's messenger account is gone (as after an erasure that
    // kept the chat): nobody to send to.
    tg.app
        .context()
        .store
        .run(|conn| {
            use diesel::prelude::*;
            use tidings::store::schema::customer_identities;
            diesel::delete(customer_identities::table).execute(conn)?;
            Ok::<_, tidings::store::StoreError>(())
        })
        .await
        .expect("the identity deleted");
    let item = reply(&tg.admin, chat.id, "hello?").await;
    let failed = wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Failed).await;
    assert_eq!(
        failed.delivery_error().as_deref(),
        Some("the customer has no account on this messenger")
    );
    assert!(tg.fake.calls_of("sendMessage").is_empty());
}

async fn a_customer_who_blocked_the_bot_becomes_unreachable_and_is_not_called_again(
    backend: Backend,
) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    tg.fake.fail_next("sendMessage", Failure::Blocked, 1);
    let item = reply(&tg.admin, chat.id, "are you there?").await;
    let failed = wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Failed).await;
    assert_eq!(
        failed.delivery_error().as_deref(),
        Some("the customer blocked the bot")
    );
    let detail = chat_detail(&tg.admin, chat.id).await;
    assert_eq!(detail["unreachable_reason"], "the customer blocked the bot");

    let later = reply(&tg.admin, chat.id, "hello again").await;
    let later = wait_for_delivery(&tg.admin, chat.id, later.id, DeliveryState::Failed).await;
    assert!(later.delivery_error().is_some());
    assert_eq!(tg.fake.calls_of("sendMessage").len(), 1, "no second call");

    // Unblocking makes the customer reachable again.
    tg.accept(&FakeTelegram::unblocked_update(2, CUSTOMER, "Anna"))
        .await;
    wait_for_event(&tg.admin, chat.id, "unblocked").await;
    let again = reply(&tg.admin, chat.id, "welcome back").await;
    wait_for_delivery(&tg.admin, chat.id, again.id, DeliveryState::Sent).await;
}

/// Why a delivery failed is kept without a language: each reader gets it in
/// theirs (REST and socket), the messenger's own words as they came.
async fn a_failed_delivery_reads_in_the_readers_language(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hola").await;
    let mut spanish = LiveClient::connect_speaking(&tg.app, &tg.admin, "es").await;
    tg.fake.fail_next("sendMessage", Failure::Blocked, 1);
    let blocked = reply(&tg.admin, chat.id, "¿sigue ahí?").await;
    let failed = wait_for_delivery(&tg.admin, chat.id, blocked.id, DeliveryState::Failed).await;
    assert_eq!(
        failed.delivery_error().as_deref(),
        Some("the customer blocked the bot")
    );
    let frame = spanish
        .wait_for(|m| matches!(m, ServerMsg::DeliveryChanged { error: Some(_), .. }))
        .await;
    let ServerMsg::DeliveryChanged { error, .. } = frame.msg else {
        unreachable!("waited for a failed delivery")
    };
    assert_eq!(error.as_deref(), Some("el cliente bloqueó al bot"));
    let read_in_spanish = timeline_in(&tg.admin, chat.id, "es-ES,es;q=0.9").await;
    let said = read_in_spanish
        .iter()
        .find(|item| item.id == blocked.id)
        .expect("the reply");
    assert_eq!(
        said.delivery_error().as_deref(),
        Some("el cliente bloqueó al bot")
    );
    assert_eq!(
        chat_detail_in(&tg.admin, chat.id, "es").await["unreachable_reason"],
        "el cliente bloqueó al bot"
    );
    assert_eq!(
        chat_detail_in(&tg.admin, chat.id, "en-GB").await["unreachable_reason"],
        "the customer blocked the bot"
    );

    // The messenger's own words stay as they came, framed in Spanish.
    tg.accept(&FakeTelegram::unblocked_update(2, CUSTOMER, "Anna"))
        .await;
    wait_for_event(&tg.admin, chat.id, "unblocked").await;
    tg.fake.fail_next(
        "sendMessage",
        Failure::BadRequest("chat not found".into()),
        1,
    );
    let refused = reply(&tg.admin, chat.id, "¿y ahora?").await;
    let failed = wait_for_delivery(&tg.admin, chat.id, refused.id, DeliveryState::Failed).await;
    assert_eq!(
        failed.delivery_error().as_deref(),
        Some("Bad Request: chat not found")
    );
    let read_in_spanish = timeline_in(&tg.admin, chat.id, "es").await;
    let said = read_in_spanish
        .iter()
        .find(|item| item.id == refused.id)
        .expect("the reply");
    assert_eq!(
        said.delivery_error().as_deref(),
        Some("respuesta del mensajero: Bad Request: chat not found")
    );
}

async fn a_customer_reply_to_our_message_points_at_it(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    // Message ids far from the ones the fake gives our messages (it counts
    // from 1 across chats; Telegram counts per chat for both sides).
    let chat = tg.customer_writes(101, "hi").await;
    let ours = reply(&tg.admin, chat.id, "Which colour?").await;
    wait_for_delivery(&tg.admin, chat.id, ours.id, DeliveryState::Sent).await;
    let telegram_id = tg.fake.sent()[0].message_id;

    tg.accept(&FakeTelegram::reply_update(
        102,
        CUSTOMER,
        "Anna",
        "Green",
        telegram_id,
    ))
    .await;
    let inbound = messages(&tg.admin, chat.id, Direction::In).await;
    assert_eq!(inbound.len(), 2);
    assert_eq!(inbound[1].text(), Some("Green"));
    assert_eq!(inbound[1].reply_to_id(), Some(ours.id));

    // A reply to the customer's own earlier message points at that one.
    tg.accept(&FakeTelegram::reply_update(
        103,
        CUSTOMER,
        "Anna",
        "see above",
        101,
    ))
    .await;
    let inbound = messages(&tg.admin, chat.id, Direction::In).await;
    assert_eq!(inbound[2].reply_to_id(), Some(inbound[0].id));
}

on_both_backends!(
    greeting_and_auto_reply_reach_the_customer_in_that_order,
    a_changed_greeting_greets_the_very_next_new_customer,
    a_burst_of_replies_stays_within_telegrams_flood_limits,
    a_manager_reply_reaches_telegram_and_is_marked_sent,
    a_reply_over_4096_characters_arrives_as_two_messages,
    a_rate_limited_reply_waits_retry_after_and_is_sent_once,
    a_server_error_is_retried_until_the_reply_is_sent,
    a_failing_call_in_one_chat_does_not_hold_up_another_chat,
    a_bad_request_fails_the_reply_with_telegrams_reason_and_no_retry,
    a_reply_to_a_customer_without_an_account_on_the_messenger_fails_without_a_call,
    a_customer_who_blocked_the_bot_becomes_unreachable_and_is_not_called_again,
    a_customer_reply_to_our_message_points_at_it,
    a_failed_delivery_reads_in_the_readers_language,
);

/// Two nodes sending for one bot keep to its pace together: each counts what
/// the other sent (unpaced, together they would send 60 a second).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_together_stay_within_one_bots_flood_limits() {
    let tg = start(Backend::Postgres).await;
    tg.connect(json!({})).await;
    let customers = 60;
    for n in 0..customers {
        tg.accept(&FakeTelegram::text_update(
            n + 1,
            CUSTOMER + n,
            "Anna",
            "hi",
        ))
        .await;
    }
    let chats = wait_for_chats(&tg.admin, customers as usize).await;
    let second = tg.app.second_node().await;
    let second_admin = second.admin().await;
    tg.fake.set_flood_limits(FloodLimits::TELEGRAM);
    let mut expected = Vec::new();
    // Half the replies through each node, so both workers have work at once.
    for (n, chat) in chats.iter().enumerate() {
        let text = format!("Hello, chat {}", chat.id);
        let node = if n % 2 == 0 { &tg.admin } else { &second_admin };
        reply(node, chat.id, &text).await;
        expected.push(text);
    }
    let sent = tg.fake.wait_for_sent(expected.len(), WAIT).await;
    let mut texts: Vec<String> = sent.into_iter().filter_map(|m| m.text).collect();
    texts.sort();
    expected.sort();
    assert_eq!(texts, expected, "every reply sent exactly once");
    let refused = tg.fake.flood_refusals();
    assert!(refused <= 1, "{refused} sends went over Telegram's limits");
}
