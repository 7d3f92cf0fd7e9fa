//! The `channels` section: a WhatsApp notification's cost against a
//! Telegram update's, from alternating rounds of one run.

use crate::channels::{self, Outcome};
use crate::harness::Harness;
use crate::report::{Report, Section};
use crate::{Database, Options};

/// The target of the WhatsApp issue: ingest through the same writer at no
/// more than 1.2x the cost of a Telegram update.
const TARGET_RATIO: f64 = 1.2;

pub(crate) async fn channels(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = channels::Params {
        rounds: options.channel_rounds,
        per_round: options.channel_updates,
        concurrency: options.saturation_concurrency,
        customers: options.customers,
    };
    let outcome = channels::run(&harness, &params).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-channels", database.key()),
        format!(
            "Ingest per messenger on {}: {} alternating rounds of {} customers' texts each, {} in flight, timed until applied",
            database.name(),
            params.rounds,
            params.per_round,
            params.concurrency
        ),
    );
    for (name, rounds) in [
        ("Telegram", &outcome.telegram),
        ("WhatsApp", &outcome.whatsapp),
    ] {
        let micros = Outcome::median(rounds);
        section.row(
            format!("{name}: time per update (median round)"),
            format!("{micros:.0} µs"),
            format!(
                "{:.0} updates/s accepted and applied",
                if micros > 0.0 { 1e6 / micros } else { 0.0 }
            ),
        );
    }
    let ratio = outcome.ratio();
    section.row(
        "WhatsApp / Telegram",
        format!("{ratio:.2}x"),
        format!(
            "target ≤ {TARGET_RATIO}x: {}",
            if ratio <= TARGET_RATIO {
                "met"
            } else {
                "missed"
            }
        ),
    );
    for (name, stored, rounds) in [
        ("Telegram", &outcome.telegram_stored, &outcome.telegram),
        ("WhatsApp", &outcome.whatsapp_stored, &outcome.whatsapp),
    ] {
        let accepted = Outcome::accepted(rounds) + params.customers;
        report.check(
            format!(
                "{} channels: every accepted {name} update stored once",
                database.name()
            ),
            stored.is_exactly_once(accepted, outcome.sent),
            format!("{stored:?}, {accepted} accepted of {} sent", outcome.sent),
        );
    }
    report.sections.push(section);
    Ok(())
}
