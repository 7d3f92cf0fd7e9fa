//! The `live` section: socket sessions and webhook-to-event latency.

use std::time::Duration;

use crate::harness::Harness;
use crate::report::{Report, Section};
use crate::stats::mib;
use crate::{live, ms, triple, Database, Options};

pub(crate) async fn live(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = live::Params {
        sessions: options.sessions,
        chats: options.live_chats,
        rate: options.live_rate,
        duration: Duration::from_secs_f64(options.live_duration),
    };
    let outcome = live::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-live", database.key()),
        format!(
            "Live on {}: {} sessions (1/5 admin, 3/5 employees, 1/5 followers of every chat), {:.0} webhooks/s for {} s over {} chats",
            database.name(),
            outcome.sessions,
            options.live_rate,
            options.live_duration,
            options.live_chats
        ),
    );
    section.row(
        "webhooks accepted",
        format!("{} of {}", outcome.webhooks.ok, outcome.webhooks.sent),
        format!("webhook p50 / p99 / p99.9 {}", triple(&outcome.webhooks)),
    );
    section.row(
        "webhook 200 -> socket event p50 / p99",
        format!(
            "{} / {} ms",
            ms(outcome.after_200.ms(0.5)),
            ms(outcome.after_200.ms(0.99))
        ),
        format!(
            "max {} ms; {} of {} events arrived before the sender read the 200 (counted as 0)",
            ms(outcome.after_200.max_ms()),
            outcome.before_200,
            outcome.received_events
        ),
    );
    section.row(
        "webhook sent -> socket event p50 / p99",
        format!(
            "{} / {} ms",
            ms(outcome.end_to_end.ms(0.5)),
            ms(outcome.end_to_end.ms(0.99))
        ),
        "end to end",
    );
    section.row(
        "events delivered",
        format!("{} of {}", outcome.received_events, outcome.expected_events),
        format!(
            "{} frames in all; {} sessions closed early",
            outcome.frames, outcome.dropped_sessions
        ),
    );
    if let (Some(before), Some(after)) = (outcome.rss_before_kib, outcome.rss_after_kib) {
        section.row(
            "RSS before / after connecting",
            format!("{:.1} / {:.1} MiB", mib(before), mib(after)),
            "whole process",
        );
    }
    if let Some(per) = outcome.kib_per_session() {
        section.row(
            "RSS per session",
            format!("{per:.1} KiB"),
            "server and client side together (both in this process): an upper bound for the server",
        );
    }
    report.check(
        format!(
            "{} live: every event reached every session",
            database.name()
        ),
        outcome.received_events == outcome.expected_events
            && outcome.dropped_sessions == 0
            && outcome.webhooks.ok > 0,
        format!(
            "{} of {} events, {} sessions dropped",
            outcome.received_events, outcome.expected_events, outcome.dropped_sessions
        ),
    );
    report.sections.push(section);
    Ok(())
}
