//! Replies through a misbehaving Bot API: rate limits with `retry_after`,
//! 5xx, calls that time out, dropped connections and slow answers, mixed
//! over several chats. Every reply arrives exactly once and in order per
//! chat, or is marked failed with Telegram's reason; an outage is retried
//! with backoff, never in a busy loop. Delivery timings are compressed
//! (`TIDINGS_MESSENGER_TIMEOUT_MS`, `TIDINGS_RETRY_*_MS`) so minutes of
//! production retrying run in seconds.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Url;
use serde_json::json;
use shared::api::chats::{Chat, DeliveryState};
use shared::Id;
use tidings::config::DeliveryTiming;
use tidings_tests::fake_telegram::{Failure, FakeTelegram};
use tidings_tests::inbox::{assert_outage_backed_off, reply, wait_for_chats, wait_until_settled};
use tidings_tests::ItemFields;
use tidings_tests::{on_both_backends, Backend, TestApp};

use super::{Telegram, BOT_USERNAME};
use crate::TOKEN;

/// Production waits 1 s, 2 s, 4 s … 5 min and gives a call 30 s: here 10x
/// and 60x shorter.
const TIMING: DeliveryTiming = DeliveryTiming {
    request_timeout: Duration::from_millis(500),
    retry_first: Duration::from_millis(100),
    retry_max: Duration::from_millis(800),
};
/// Long enough for the slowest schedule: teloxide holds each 5xx for 10 s,
/// and a chat gets about one send a second.
const SETTLE: Duration = Duration::from_secs(90);

async fn start_compressed(backend: Backend) -> Telegram {
    let fake = FakeTelegram::start().await;
    fake.add_bot(TOKEN, BOT_USERNAME);
    let api = Url::parse(&fake.url()).expect("the fake's URL parses");
    let app = TestApp::start_with_fakes_and(backend, Some(api), None, None, |config| {
        config.delivery = TIMING;
    })
    .await;
    let admin = app.admin().await;
    let tg = Telegram { app, fake, admin };
    tg.connect(json!({})).await;
    tg
}

/// `count` customers write once; returns (Telegram user id, chat) per customer.
async fn customers_write(tg: &Telegram, count: usize) -> Vec<(i64, Chat)> {
    for n in 1..=count {
        let update =
            FakeTelegram::text_update(n as i64, customer_id(n), &format!("Customer {n}"), "hello");
        tg.accept(&update).await;
    }
    let chats = wait_for_chats(&tg.admin, count).await;
    (1..=count)
        .map(|n| {
            let name = format!("Customer {n}");
            let chat = chats
                .iter()
                .find(|c| c.contact_name == name)
                .unwrap_or_else(|| panic!("{name}'s chat"))
                .clone();
            (customer_id(n), chat)
        })
        .collect()
}

fn customer_id(n: usize) -> i64 {
    900_000 + n as i64
}

/// What the fake accepted for one customer, in order.
fn received_by(tg: &Telegram, customer: i64) -> Vec<String> {
    tg.fake
        .sent()
        .into_iter()
        .filter(|m| m.chat_id == customer)
        .filter_map(|m| m.text)
        .collect()
}

async fn replies_survive_mixed_telegram_faults_in_order_and_exactly_once(backend: Backend) {
    const CHATS: usize = 4;
    const REPLIES: usize = 5;
    let tg = start_compressed(backend).await;
    let chats = customers_write(&tg, CHATS).await;

    // sendMessage calls in arrival order (any chat): each rule lets `skip`
    // calls through, then fails the next `times`.
    let schedule = [
        (0, Failure::RetryAfter(1), 2),
        (2, Failure::ServerError, 2),
        // Stalls past the 500 ms client timeout without Telegram acting.
        (1, Failure::Stall(Duration::from_secs(2)), 2),
        (2, Failure::Drop, 3),
        // Slow but successful: not a failure.
        (1, Failure::Delay(Duration::from_millis(300)), 3),
        (2, Failure::BadRequest("message is too long".into()), 1),
    ];
    let mut failing_calls = 0;
    for (skip, failure, times) in schedule {
        if !matches!(failure, Failure::Delay(_)) {
            failing_calls += times;
        }
        tg.fake.fail_after("sendMessage", skip, failure, times);
    }

    let mut expected: HashMap<Id, Vec<String>> = HashMap::new();
    for k in 1..=REPLIES {
        for (n, (_, chat)) in chats.iter().enumerate() {
            let text = format!("chat {} reply {k}", n + 1);
            reply(&tg.admin, chat.id, &text).await;
            expected.entry(chat.id).or_default().push(text);
        }
    }

    let mut failures = Vec::new();
    let mut delivered_total = 0;
    for (customer, chat) in &chats {
        let out = wait_until_settled(&tg.admin, chat.id, REPLIES, SETTLE).await;
        let texts: Vec<String> = out.iter().filter_map(|i| i.text_owned()).collect();
        assert_eq!(texts, expected[&chat.id], "the timeline keeps the order");
        let sent: Vec<String> = out
            .iter()
            .filter(|i| i.delivery() == Some(DeliveryState::Sent))
            .filter_map(|i| i.text_owned())
            .collect();
        assert_eq!(
            received_by(&tg, *customer),
            sent,
            "chat {}: each sent reply reached Telegram once, in order",
            chat.id
        );
        delivered_total += sent.len();
        failures.extend(
            out.iter()
                .filter(|i| i.delivery() == Some(DeliveryState::Failed))
                .map(|i| i.delivery_error()),
        );
    }
    assert_eq!(
        failures,
        [Some("Bad Request: message is too long".to_owned())],
        "only the permanent refusal failed, with Telegram's reason"
    );
    assert_eq!(
        tg.fake.calls_of("sendMessage").len(),
        delivered_total + failing_calls,
        "one call per delivery plus one per injected failure: nothing extra"
    );
}

async fn an_outage_is_retried_with_backoff_not_in_a_busy_loop(backend: Backend) {
    const CHATS: usize = 3;
    let tg = start_compressed(backend).await;
    let chats = customers_write(&tg, CHATS).await;

    // Every call's connection drops until the outage is over.
    tg.fake
        .fail_next("sendMessage", Failure::Drop, usize::MAX / 2);
    let started = tokio::time::Instant::now();
    for (n, (_, chat)) in chats.iter().enumerate() {
        reply(&tg.admin, chat.id, &format!("during the outage {n}")).await;
    }
    assert_outage_backed_off(CHATS, started, TIMING.retry_first, TIMING.retry_max, || {
        tg.fake
            .calls_of("sendMessage")
            .into_iter()
            .map(|call| (call.params["chat_id"].as_i64(), call.at))
            .collect()
    })
    .await;

    tg.fake.clear_failures();
    for (n, (customer, chat)) in chats.iter().enumerate() {
        let out = wait_until_settled(&tg.admin, chat.id, 1, SETTLE).await;
        assert_eq!(out[0].delivery(), Some(DeliveryState::Sent));
        assert_eq!(
            received_by(&tg, *customer),
            [format!("during the outage {n}")]
        );
    }
}

on_both_backends!(
    replies_survive_mixed_telegram_faults_in_order_and_exactly_once,
    an_outage_is_retried_with_backoff_not_in_a_busy_loop,
);
