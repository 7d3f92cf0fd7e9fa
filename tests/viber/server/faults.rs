//! Replies through a misbehaving Viber API: HTTP 429 and 5xx, Viber's own
//! "too many requests" status, calls that time out, dropped connections and
//! slow answers, mixed over several chats. Every reply arrives exactly once
//! and in order per chat, or is marked failed with the reason; an outage is
//! retried with backoff, never in a busy loop. Delivery timings are
//! compressed (`TIDINGS_MESSENGER_TIMEOUT_MS`, `TIDINGS_RETRY_*_MS`) so
//! minutes of production retrying run in seconds.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use shared::api::chats::{Chat, DeliveryState};
use shared::api::integrations::Integration;
use shared::Id;
use tidings::config::DeliveryTiming;
use tidings_tests::fake_viber::{Failure, FakeViber};
use tidings_tests::inbox::{assert_outage_backed_off, reply, wait_for_chats, wait_until_settled};
use tidings_tests::ItemFields;
use tidings_tests::{on_both_backends, Backend, TestApp};

use super::{Viber, BOT_NAME};
use crate::TOKEN;

/// Production waits 1 s, 2 s, 4 s … 5 min and gives a call 30 s: here 10x
/// and 60x shorter.
const TIMING: DeliveryTiming = DeliveryTiming {
    request_timeout: Duration::from_millis(500),
    retry_first: Duration::from_millis(100),
    retry_max: Duration::from_millis(800),
};
/// A chat gets about one send a second, retries included.
const SETTLE: Duration = Duration::from_secs(60);

async fn start_compressed(backend: Backend) -> (Viber, Integration) {
    let fake = FakeViber::start().await;
    fake.add_bot(TOKEN, BOT_NAME);
    let app = TestApp::start_with_fakes_and(backend, None, Some(fake.url()), None, |config| {
        config.delivery = TIMING;
    })
    .await;
    let admin = app.admin().await;
    let viber = Viber { app, fake, admin };
    let bot = viber.connect(json!({})).await;
    (viber, bot)
}

/// `count` customers write once; returns (Viber user id, chat) per customer.
async fn customers_write(viber: &Viber, bot: &Integration, count: usize) -> Vec<(String, Chat)> {
    for n in 1..=count {
        let callback = FakeViber::callback_message_text(
            n as u64,
            &customer_id(n),
            &format!("Customer {n}"),
            "hello",
        );
        viber.accept(bot.id, callback).await;
    }
    let chats = wait_for_chats(&viber.admin, count).await;
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

fn customer_id(n: usize) -> String {
    format!("customer-{n}-Xq9dQ0rJ1vZ3w==")
}

/// What the fake accepted for one customer, in order.
fn received_by(viber: &Viber, customer: &str) -> Vec<String> {
    viber
        .fake
        .sent()
        .into_iter()
        .filter(|m| m.receiver == customer)
        .filter_map(|m| m.text)
        .collect()
}

async fn replies_survive_mixed_viber_faults_in_order_and_exactly_once(backend: Backend) {
    const CHATS: usize = 4;
    const REPLIES: usize = 5;
    let (viber, bot) = start_compressed(backend).await;
    let chats = customers_write(&viber, &bot, CHATS).await;

    // send_message calls in arrival order (any chat); `Slow(ZERO)` lets a
    // call through untouched.
    let pass = |times| (Failure::Slow(Duration::ZERO), times);
    let schedule = [
        (Failure::Http(429), 2),
        pass(2),
        (Failure::Http(503), 2),
        pass(1),
        (Failure::Status(12), 1),
        // Stalls past the 500 ms client timeout without Viber acting.
        (Failure::Stall(Duration::from_secs(2)), 2),
        pass(2),
        (Failure::Drop, 3),
        // Slow but successful: not a failure.
        (Failure::Slow(Duration::from_millis(300)), 3),
        pass(2),
        (Failure::Http(400), 1),
    ];
    let mut failing_calls = 0;
    for (failure, times) in schedule {
        if !matches!(failure, Failure::Slow(_)) {
            failing_calls += times;
        }
        viber.fake.fail_next("send_message", failure, times);
    }

    let mut expected: HashMap<Id, Vec<String>> = HashMap::new();
    for k in 1..=REPLIES {
        for (n, (_, chat)) in chats.iter().enumerate() {
            let text = format!("chat {} reply {k}", n + 1);
            reply(&viber.admin, chat.id, &text).await;
            expected.entry(chat.id).or_default().push(text);
        }
    }

    let mut failures = Vec::new();
    let mut delivered_total = 0;
    for (customer, chat) in &chats {
        let out = wait_until_settled(&viber.admin, chat.id, REPLIES, SETTLE).await;
        let texts: Vec<String> = out.iter().filter_map(|i| i.text_owned()).collect();
        assert_eq!(texts, expected[&chat.id], "the timeline keeps the order");
        let sent: Vec<String> = out
            .iter()
            .filter(|i| i.delivery() == Some(DeliveryState::Sent))
            .filter_map(|i| i.text_owned())
            .collect();
        assert_eq!(
            received_by(&viber, customer),
            sent,
            "chat {}: each sent reply reached Viber once, in order",
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
        failures.len(),
        1,
        "only the permanent refusal: {failures:?}"
    );
    let reason = failures[0].clone().unwrap_or_default();
    assert!(
        reason.contains("400"),
        "the reason names the refusal: {reason}"
    );
    assert_eq!(
        viber.fake.calls_of("send_message").len(),
        delivered_total + failing_calls,
        "one call per delivery plus one per injected failure: nothing extra"
    );
}

async fn an_outage_is_retried_with_backoff_not_in_a_busy_loop(backend: Backend) {
    const CHATS: usize = 3;
    let (viber, bot) = start_compressed(backend).await;
    let chats = customers_write(&viber, &bot, CHATS).await;

    // Viber answers 503 until the outage is over.
    viber
        .fake
        .fail_next("send_message", Failure::Http(503), usize::MAX / 2);
    let started = tokio::time::Instant::now();
    for (n, (_, chat)) in chats.iter().enumerate() {
        reply(&viber.admin, chat.id, &format!("during the outage {n}")).await;
    }
    assert_outage_backed_off(CHATS, started, TIMING.retry_first, TIMING.retry_max, || {
        viber
            .fake
            .calls_of("send_message")
            .into_iter()
            .map(|call| (call.body["receiver"].as_str().map(str::to_owned), call.at))
            .collect()
    })
    .await;

    viber.fake.clear_failures();
    for (n, (customer, chat)) in chats.iter().enumerate() {
        let out = wait_until_settled(&viber.admin, chat.id, 1, SETTLE).await;
        assert_eq!(out[0].delivery(), Some(DeliveryState::Sent));
        assert_eq!(
            received_by(&viber, customer),
            [format!("during the outage {n}")]
        );
    }
}

on_both_backends!(
    replies_survive_mixed_viber_faults_in_order_and_exactly_once,
    an_outage_is_retried_with_backoff_not_in_a_busy_loop,
);
