//! The `reports` section: the overview, the managers table and the
//! conversations CSV over a bulk-loaded month.

use crate::harness::Harness;
use crate::report::{Report, Section};
use crate::stats::mib;
use crate::{ms, reports, Database, Options};

/// The targets of the reports issue: each report's p50 over 30 days of 100,000
/// chats and 1,000,000 messages, and the CSV's memory.
const TARGET_P50_MS: f64 = 200.0;
const TARGET_CSV_GROWTH_MIB: f64 = 20.0;

pub(crate) async fn reports(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = reports::Params {
        chats: options.chats,
        messages: options.messages,
        repeat: options.repeat,
    };
    let outcome = reports::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-reports", database.key()),
        format!(
            "Reports on {}: {} chats, {} messages over the last 29 days, {} timed requests each, as the admin",
            database.name(),
            outcome.loaded.chats,
            outcome.loaded.messages,
            options.repeat
        ),
    );
    section.row(
        "bulk load",
        format!("{:.1} s", outcome.load_time.as_secs_f64()),
        String::new(),
    );
    section.row(
        "records fresh after the load",
        format!("{:.1} s", outcome.records_fresh.as_secs_f64()),
        "the background builder, asked by no report (it also runs during the load)".to_owned(),
    );
    section.row(
        "first report after the load",
        format!("{:.1} s", outcome.first_report.as_secs_f64()),
        "untimed in the p50s (a cold cache)".to_owned(),
    );
    for (name, latencies) in [
        ("overview p50 / p99", &outcome.overview),
        ("managers p50 / p99", &outcome.managers),
    ] {
        let p50 = latencies.ms(0.5);
        section.row(
            name,
            format!("{} / {} ms", ms(p50), ms(latencies.ms(0.99))),
            format!(
                "target p50 < {TARGET_P50_MS} ms: {}",
                if p50 < TARGET_P50_MS { "met" } else { "missed" }
            ),
        );
    }
    let growth = outcome.csv_rss_growth_kib.map(mib);
    section.row(
        "conversations CSV",
        format!(
            "{} rows in {:.1} s",
            outcome.csv_rows,
            outcome.csv_time.as_secs_f64()
        ),
        match growth {
            Some(growth) => format!(
                "RSS growth while streaming {growth:.1} MiB (server and client in one process); target < {TARGET_CSV_GROWTH_MIB} MiB: {}",
                if growth < TARGET_CSV_GROWTH_MIB { "met" } else { "missed" }
            ),
            None => "RSS not measurable here".to_owned(),
        },
    );
    report.check(
        format!("{} reports: every report answered 200", database.name()),
        outcome.failures == 0,
        format!("{} failed", outcome.failures),
    );
    report.check(
        format!(
            "{} reports: the CSV has one row per conversation the overview counts",
            database.name()
        ),
        outcome.started > 0 && outcome.csv_rows == outcome.started,
        format!(
            "{} rows, {} conversations started",
            outcome.csv_rows, outcome.started
        ),
    );
    report.sections.push(section);
    Ok(())
}
