//! The `queries` section: inbox reads over a bulk-loaded database.

use crate::harness::Harness;
use crate::report::{Report, Section};
use crate::{ms, queries, Database, Options};

pub(crate) async fn queries(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = queries::Params {
        chats: options.chats,
        messages: options.messages,
        repeat: options.repeat,
    };
    let outcome = queries::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-queries", database.key()),
        format!(
            "Queries on {}: {} chats, {} messages, {} timed requests each, as the admin",
            database.name(),
            outcome.loaded.chats,
            outcome.loaded.messages,
            options.repeat
        ),
    );
    let load_secs = outcome.load_time.as_secs_f64();
    section.row(
        "bulk load",
        format!("{load_secs:.1} s"),
        format!(
            "{:.0} messages/s (batched inserts, 500 chats per transaction)",
            outcome.loaded.messages as f64 / load_secs.max(0.001)
        ),
    );
    let mut failures = 0;
    for timed in &outcome.timed {
        failures += timed.failures;
        section.row(
            format!("{} p50 / p99", timed.name),
            format!(
                "{} / {} ms",
                ms(timed.latencies.ms(0.5)),
                ms(timed.latencies.ms(0.99))
            ),
            format!(
                "{} items in the first answer{}",
                timed.first_items,
                if timed.failures > 0 {
                    format!("; {} failed", timed.failures)
                } else {
                    String::new()
                }
            ),
        );
    }
    report.check(
        format!("{} queries: every request answered 200", database.name()),
        failures == 0,
        format!("{failures} failed"),
    );
    let lists_found = outcome
        .timed
        .iter()
        .filter(|t| t.name.starts_with("list") || t.name == "timeline page")
        .all(|t| t.first_items > 0);
    report.check(
        format!(
            "{} queries: lists and timelines are not empty",
            database.name()
        ),
        lists_found,
        "the loaded data is visible through the API",
    );
    report.sections.push(section);
    Ok(())
}
