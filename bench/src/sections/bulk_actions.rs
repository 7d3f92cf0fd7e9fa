//! The `bulk-actions` section: a manager's bulk action on 100 chats
//! (`POST /api/v1/chats/bulk`, the most one request may name), each action
//! timed from request to answer, repeated; the target is under a second on
//! SQLite. Every chat must come back `ok`.

use std::time::Instant;

use serde_json::{json, Value};

use crate::harness::{expect_json, Harness};
use crate::ingest;
use crate::report::{Report, Section};
use crate::stats::Latencies;
use crate::{ms, Database, Options};

/// Chats per bulk action: the contract's cap.
const CHATS: u64 = 100;

pub(crate) async fn bulk_actions(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let outcome = run(&harness, options.bulk_repeat).await;
    harness.stop().await;
    let (timings, failed) = outcome?;
    let mut section = Section::new(
        format!("{}-bulk-actions", database.key()),
        format!(
            "Bulk actions on {} chats on {}, each action {} times",
            CHATS,
            database.name(),
            options.bulk_repeat
        ),
    );
    let mut slowest: f64 = 0.0;
    for (action, histogram) in &timings {
        let max = histogram.ms(1.0);
        slowest = slowest.max(max);
        section.row(
            format!("{action} × {CHATS}: p50 / max"),
            format!("{} / {} ms", ms(histogram.ms(0.5)), ms(max)),
            "",
        );
    }
    // A speed target, reported (a noisy machine, or the debug build of the
    // smoke run, must not fail the run); the check is that every chat was ok.
    section.row(
        "target: a bulk action on 100 chats under 1 s",
        if slowest < 1000.0 { "met" } else { "NOT met" },
        format!("slowest {} ms", ms(slowest)),
    );
    report.check(
        format!("{} bulk actions: every chat ok", database.name()),
        failed == 0,
        format!("{failed} chats not ok"),
    );
    report.sections.push(section);
    Ok(())
}

type Timings = Vec<(&'static str, Latencies)>;

/// Opens 100 chats, then runs close, reopen, add_tags, remove_tags, snooze,
/// assign and unassign on all of them, `repeat` times (the next round's close
/// ends the snooze).
async fn run(harness: &Harness, repeat: usize) -> anyhow::Result<(Timings, usize)> {
    let client = ingest::load_client()?;
    let hook = harness.telegram_integration(&[], None, None).await?;
    let chat_ids = ingest::open_chats(harness, &client, &hook, CHATS).await?;
    let (manager, _) = harness.create_user("Bulk Manager", "employee").await?;
    let until = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
    let actions: [(&'static str, Value); 7] = [
        ("close", json!({"action": "close"})),
        ("reopen", json!({"action": "reopen"})),
        ("add_tags", json!({"action": "add_tags", "tags": ["bulk"]})),
        (
            "remove_tags",
            json!({"action": "remove_tags", "tags": ["bulk"]}),
        ),
        ("snooze", json!({"action": "snooze", "until": until})),
        ("assign", json!({"action": "assign", "user_id": manager})),
        ("unassign", json!({"action": "assign", "user_id": null})),
    ];
    let mut timings: Timings = actions
        .iter()
        .map(|(name, _)| (*name, Latencies::default()))
        .collect();
    let mut failed = 0;
    for _ in 0..repeat.max(1) {
        for (index, (_, request)) in actions.iter().enumerate() {
            let mut request = request.clone();
            request["chat_ids"] = json!(chat_ids);
            let started = Instant::now();
            let response = harness.admin.post("/api/v1/chats/bulk", &request).await?;
            let answer = expect_json(response, 200).await?;
            timings[index].1.record(started.elapsed());
            failed += answer["items"].as_array().map_or(CHATS as usize, |items| {
                items.iter().filter(|item| item["ok"] != true).count()
            });
        }
    }
    Ok((timings, failed))
}
