//! `/metrics` values move with traffic: a customer's message through the
//! webhook is accepted and applied, the greeting and a reply are sent.

use std::time::Duration;

use serde_json::json;
use shared::api::chats::{DeliveryState, Direction};
use tidings_tests::inbox::{messages, reply, wait_for_delivery};
use tidings_tests::metrics::{samples, value};
use tidings_tests::{on_both_backends, Backend};

use super::start;

const WAIT: Duration = Duration::from_secs(20);

async fn metrics_count_accepted_applied_and_sent_updates(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({"greeting_text": "Welcome!"})).await;
    let before = samples(&tg.app, None).await;
    let counted = |name: &str| format!("{name}{{channel=\"telegram\"}}");
    assert_eq!(
        value(&before, &counted("tidings_inbound_accepted_total")),
        0.0
    );

    let chat = tg.customer_writes(1, "hello").await;
    tg.fake.wait_for_sent(1, WAIT).await;
    let answer = reply(&tg.admin, chat.id, "How can we help?").await;
    wait_for_delivery(&tg.admin, chat.id, answer.id, DeliveryState::Sent).await;
    for item in messages(&tg.admin, chat.id, Direction::Out).await {
        wait_for_delivery(&tg.admin, chat.id, item.id, DeliveryState::Sent).await;
    }

    let after = samples(&tg.app, None).await;
    assert_eq!(
        value(&after, &counted("tidings_inbound_accepted_total")),
        1.0
    );
    assert_eq!(
        value(&after, &counted("tidings_inbound_applied_total")),
        1.0
    );
    assert_eq!(
        value(&after, &counted("tidings_outbound_sent_total")),
        2.0,
        "the greeting and the reply"
    );
    assert_eq!(
        value(&after, &counted("tidings_outbound_failed_total")),
        0.0
    );
    assert_eq!(value(&after, "tidings_outbound_pending"), 0.0);
    assert_eq!(value(&after, "tidings_inbound_backlog"), 0.0);
    assert!(
        value(&after, "tidings_http_requests_total{status=\"200\"}")
            > value(&before, "tidings_http_requests_total{status=\"200\"}")
    );
}

on_both_backends!(metrics_count_accepted_applied_and_sent_updates);
