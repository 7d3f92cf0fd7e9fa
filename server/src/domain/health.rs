//! Channel health in one word: what an integration's facts (the messenger's
//! report, the outbound queue, failed updates, errors) mean for an admin.
//! Pure: the service gathers the facts, this only judges them.
//!
//! - `failing` (not receiving or not sending): the messenger could not be
//!   asked (unreachable, or it refused the token); with webhook delivery, the
//!   messenger's webhook is not the expected URL (none, or another); with
//!   polling, a webhook is set (Telegram refuses to be polled then); the last
//!   send error is newer than the last successful send while messages wait.
//! - `degraded` (working, something to look at): updates kept as failed; at
//!   least [`PENDING_PILING_UP`] updates waiting at the messenger; the
//!   messenger reported a webhook error within [`RECENT`]; at least
//!   [`LONG_QUEUE`] messages waiting to be sent; the last send error is newer
//!   than the last successful send (nothing waiting).
//! - `ok` otherwise.

use chrono::{NaiveDateTime, TimeDelta};
use shared::api::integrations::{Delivery, HealthState};

/// Updates waiting at the messenger from which delivery is falling behind.
pub const PENDING_PILING_UP: i64 = 100;
/// Messages waiting to be sent from which the queue counts as long.
pub const LONG_QUEUE: i64 = 50;
/// How long a webhook error the messenger reports counts as recent.
pub const RECENT: TimeDelta = TimeDelta::hours(1);

/// What the messenger says about the bot's webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessengerReport {
    /// `None` when no webhook is set.
    pub webhook_url: Option<String>,
    pub pending_update_count: Option<i64>,
    pub last_error_at: Option<NaiveDateTime>,
}

/// Everything the state is judged on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthFacts<'a> {
    pub delivery: Delivery,
    pub expected_webhook_url: &'a str,
    /// `None` when the messenger could not be asked (unreachable, token refused).
    pub messenger: Option<MessengerReport>,
    pub outbound_queue_length: i64,
    pub last_send_error_at: Option<NaiveDateTime>,
    pub last_sent_at: Option<NaiveDateTime>,
    pub failed_updates: i64,
    pub now: NaiveDateTime,
}

/// The state of an integration's channel (rules in the module doc).
pub fn assess(facts: &HealthFacts) -> HealthState {
    let Some(messenger) = &facts.messenger else {
        return HealthState::Failing;
    };
    let webhook_wrong = match facts.delivery {
        Delivery::Webhook => messenger.webhook_url.as_deref() != Some(facts.expected_webhook_url),
        Delivery::Polling => messenger.webhook_url.is_some(),
    };
    let send_error_unresolved = match (facts.last_send_error_at, facts.last_sent_at) {
        (Some(error_at), Some(sent_at)) => error_at > sent_at,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if webhook_wrong || (send_error_unresolved && facts.outbound_queue_length > 0) {
        return HealthState::Failing;
    }
    let webhook_error_recent = messenger
        .last_error_at
        .is_some_and(|at| facts.now - at < RECENT);
    let piling_up = messenger
        .pending_update_count
        .is_some_and(|count| count >= PENDING_PILING_UP);
    if facts.failed_updates > 0
        || piling_up
        || webhook_error_recent
        || facts.outbound_queue_length >= LONG_QUEUE
        || send_error_unresolved
    {
        return HealthState::Degraded;
    }
    HealthState::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://tidings.example/hooks/telegram/1";

    fn at(minutes: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_750_000_000, 0)
            .expect("a valid timestamp")
            .naive_utc()
            + TimeDelta::minutes(minutes)
    }

    /// A healthy webhook integration, observed at minute 600.
    fn healthy() -> HealthFacts<'static> {
        HealthFacts {
            delivery: Delivery::Webhook,
            expected_webhook_url: URL,
            messenger: Some(MessengerReport {
                webhook_url: Some(URL.to_owned()),
                pending_update_count: Some(0),
                last_error_at: None,
            }),
            outbound_queue_length: 0,
            last_send_error_at: None,
            last_sent_at: Some(at(590)),
            failed_updates: 0,
            now: at(600),
        }
    }

    fn report(change: impl FnOnce(&mut MessengerReport)) -> Option<MessengerReport> {
        let mut report = healthy().messenger.expect("healthy has a report");
        change(&mut report);
        Some(report)
    }

    #[test]
    fn every_rule_gives_its_state() {
        let cases: Vec<(&str, HealthFacts, HealthState)> = vec![
            ("all well", healthy(), HealthState::Ok),
            (
                "messenger unreachable or token refused",
                HealthFacts {
                    messenger: None,
                    ..healthy()
                },
                HealthState::Failing,
            ),
            (
                "no webhook set",
                HealthFacts {
                    messenger: report(|r| r.webhook_url = None),
                    ..healthy()
                },
                HealthState::Failing,
            ),
            (
                "webhook points elsewhere",
                HealthFacts {
                    messenger: report(|r| r.webhook_url = Some("https://other/x".into())),
                    ..healthy()
                },
                HealthState::Failing,
            ),
            (
                "polling without a webhook",
                HealthFacts {
                    delivery: Delivery::Polling,
                    messenger: report(|r| r.webhook_url = None),
                    ..healthy()
                },
                HealthState::Ok,
            ),
            (
                "polling while a webhook is set",
                HealthFacts {
                    delivery: Delivery::Polling,
                    ..healthy()
                },
                HealthState::Failing,
            ),
            (
                "send error after the last success, messages waiting",
                HealthFacts {
                    last_send_error_at: Some(at(595)),
                    outbound_queue_length: 1,
                    ..healthy()
                },
                HealthState::Failing,
            ),
            (
                "send error and never sent, messages waiting",
                HealthFacts {
                    last_send_error_at: Some(at(595)),
                    last_sent_at: None,
                    outbound_queue_length: 3,
                    ..healthy()
                },
                HealthState::Failing,
            ),
            (
                "send error after the last success, nothing waiting",
                HealthFacts {
                    last_send_error_at: Some(at(595)),
                    ..healthy()
                },
                HealthState::Degraded,
            ),
            (
                "send error followed by a success",
                HealthFacts {
                    last_send_error_at: Some(at(580)),
                    outbound_queue_length: 1,
                    ..healthy()
                },
                HealthState::Ok,
            ),
            (
                "an update kept as failed",
                HealthFacts {
                    failed_updates: 1,
                    ..healthy()
                },
                HealthState::Degraded,
            ),
            (
                "updates piling up at the messenger",
                HealthFacts {
                    messenger: report(|r| r.pending_update_count = Some(PENDING_PILING_UP)),
                    ..healthy()
                },
                HealthState::Degraded,
            ),
            (
                "a few updates pending",
                HealthFacts {
                    messenger: report(|r| r.pending_update_count = Some(PENDING_PILING_UP - 1)),
                    ..healthy()
                },
                HealthState::Ok,
            ),
            (
                "a recent webhook error",
                HealthFacts {
                    messenger: report(|r| r.last_error_at = Some(at(570))),
                    ..healthy()
                },
                HealthState::Degraded,
            ),
            (
                "an old webhook error",
                HealthFacts {
                    messenger: report(|r| r.last_error_at = Some(at(500))),
                    ..healthy()
                },
                HealthState::Ok,
            ),
            (
                "a long outbound queue",
                HealthFacts {
                    outbound_queue_length: LONG_QUEUE,
                    ..healthy()
                },
                HealthState::Degraded,
            ),
            (
                "a short outbound queue",
                HealthFacts {
                    outbound_queue_length: LONG_QUEUE - 1,
                    ..healthy()
                },
                HealthState::Ok,
            ),
            (
                "failing wins over degraded",
                HealthFacts {
                    messenger: None,
                    failed_updates: 4,
                    ..healthy()
                },
                HealthState::Failing,
            ),
        ];
        for (name, facts, expected) in cases {
            assert_eq!(assess(&facts), expected, "{name}");
        }
    }
}
