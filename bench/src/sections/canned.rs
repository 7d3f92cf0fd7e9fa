//! The `canned` section: canned-reply lookup while typing.

use crate::harness::Harness;
use crate::report::{Report, Section};
use crate::{canned, ms, Database, Options};

/// The target of issue 18: p50 of one keystroke's lookup with 1,000 replies.
const TARGET_P50_MS: f64 = 5.0;

pub(crate) async fn canned(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = canned::Params {
        replies: options.canned_replies,
        typed: options.repeat,
    };
    let outcome = canned::run(&harness, &params).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-canned", database.key()),
        format!(
            "Canned replies on {}: {} replies, {} shortcuts typed, one lookup per keystroke",
            database.name(),
            outcome.replies,
            options.repeat
        ),
    );
    let p50 = outcome.keystrokes.ms(0.5);
    section.row(
        "lookup p50 / p99 / max",
        format!(
            "{} / {} / {} ms",
            ms(p50),
            ms(outcome.keystrokes.ms(0.99)),
            ms(outcome.keystrokes.max_ms())
        ),
        format!(
            "{} requests; target p50 < {TARGET_P50_MS} ms: {}",
            outcome.keystrokes.count(),
            if p50 < TARGET_P50_MS { "met" } else { "missed" }
        ),
    );
    report.check(
        format!("{} canned: every lookup answered 200", database.name()),
        outcome.failures == 0,
        format!("{} failed", outcome.failures),
    );
    report.check(
        format!(
            "{} canned: a typed shortcut lists its reply first",
            database.name()
        ),
        outcome.misses == 0,
        format!("{} misses", outcome.misses),
    );
    report.sections.push(section);
    Ok(())
}
