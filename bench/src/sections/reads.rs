//! The `reads` section: webhook latency alone and beside managers reading.

use std::time::Duration;

use crate::harness::Harness;
use crate::reads::{self, Params};
use crate::report::{Report, Section};
use crate::{ms, ratio, triple, Database, Options};

pub(crate) async fn reads(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = Params {
        rate: options.read_rate,
        duration: Duration::from_secs_f64(options.read_duration),
        readers: options.readers,
        chats: options.read_chats,
        max_in_flight: options.max_in_flight,
    };
    let outcome = reads::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-reads", database.key()),
        format!(
            "Reads beside webhooks on {}: {:.0} webhooks/s for {} s, alone and with {} reading loops over {} chats",
            database.name(),
            options.read_rate,
            options.read_duration,
            options.readers,
            options.read_chats
        ),
    );
    section.row(
        "webhook p50 / p99 / p99.9 alone",
        triple(&outcome.alone),
        format!("{} of {} accepted", outcome.alone.ok, outcome.alone.sent),
    );
    section.row(
        "webhook p50 / p99 / p99.9 beside the readers",
        triple(&outcome.beside),
        format!(
            "{} of {} accepted; p99 {} of alone",
            outcome.beside.ok,
            outcome.beside.sent,
            ratio(
                outcome.beside.latencies.ms(0.99),
                outcome.alone.latencies.ms(0.99)
            )
        ),
    );
    section.row(
        "reads",
        format!("{:.0}/s", outcome.reads.accepted_per_s()),
        format!(
            "timelines, one-chat and archive searches; p50 / p99 {} / {} ms; {} failed",
            ms(outcome.reads.latencies.ms(0.5)),
            ms(outcome.reads.latencies.ms(0.99)),
            outcome.reads.failed
        ),
    );
    // A speed target, reported (a noisy machine must not fail the run);
    // the check is that nothing failed.
    section.row(
        "target: p99 beside within 2x (or +20 ms) of alone",
        if outcome.reads_do_not_hold_up_webhooks() {
            "met"
        } else {
            "NOT met"
        },
        "",
    );
    report.check(
        format!("{} reads: every webhook and read answered", database.name()),
        outcome.reads.failed == 0 && outcome.beside.failed == 0 && outcome.alone.failed == 0,
        format!(
            "{} reads, {} + {} webhooks failed",
            outcome.reads.failed, outcome.alone.failed, outcome.beside.failed
        ),
    );
    report.sections.push(section);
    Ok(())
}
