//! The `backup` section (SQLite): webhooks at a fixed rate alone, then while
//! a backup of the loaded database runs.

use std::time::Duration;

use crate::backup::{self, Params};
use crate::harness::Harness;
use crate::report::{Report, Section};
use crate::stats::mib;
use crate::{ratio, triple, Database, Options};

/// The targets of the operations issue, on SQLite: webhook p99 during the
/// backup of a 1 GB database at 500 updates/s, and the backup's duration.
const TARGET_P99_MS: f64 = 50.0;
const TARGET_BACKUP_S: f64 = 60.0;

pub(crate) async fn backup(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    if database != Database::Sqlite {
        // `tidings backup` is for SQLite; PostgreSQL is backed up with pg_dump.
        return Ok(());
    }
    let harness = Harness::start(database, options.workers).await?;
    let params = Params {
        chats: options.chats,
        messages: options.messages,
        rate: options.backup_rate,
        alone: Duration::from_secs_f64(options.backup_alone),
        customers: options.customers,
        max_in_flight: options.max_in_flight,
    };
    let outcome = backup::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-backup", database.key()),
        format!(
            "Backup on {} while ingesting: {} chats, {} messages, {:.0} webhooks/s from {} customers",
            database.name(),
            outcome.loaded.chats,
            outcome.loaded.messages,
            options.backup_rate,
            options.customers
        ),
    );
    section.row(
        "bulk load",
        format!("{:.1} s", outcome.load_time.as_secs_f64()),
        format!(
            "database and WAL when the backup began: {:.0} MiB",
            mib(outcome.database_bytes / 1024)
        ),
    );
    section.row(
        "webhook p50 / p99 / p99.9 alone",
        triple(&outcome.alone),
        format!(
            "{} of {} accepted, {} s",
            outcome.alone.ok, outcome.alone.sent, options.backup_alone
        ),
    );
    let p99 = outcome.during.latencies.ms(0.99);
    section.row(
        "webhook p50 / p99 / p99.9 during the backup",
        triple(&outcome.during),
        format!(
            "{} of {} accepted; p99 {} of alone; target p99 < {TARGET_P99_MS} ms: {}",
            outcome.during.ok,
            outcome.during.sent,
            ratio(p99, outcome.alone.latencies.ms(0.99)),
            if p99 < TARGET_P99_MS { "met" } else { "missed" }
        ),
    );
    let took = outcome.backup_time.as_secs_f64();
    section.row(
        "backup",
        format!("{took:.1} s"),
        format!(
            "`tidings backup`'s code (`VACUUM INTO`, then the files); snapshot {:.0} MiB; target < {TARGET_BACKUP_S} s: {}",
            mib(outcome.copy_bytes / 1024),
            if took < TARGET_BACKUP_S { "met" } else { "missed" }
        ),
    );
    section.row(
        "snapshot holds",
        format!(
            "{} chats, {} messages",
            outcome.copy_chats, outcome.copy_messages
        ),
        format!(
            "{} messages were stored when it began",
            outcome.messages_before
        ),
    );
    let db = database.name();
    report.check(
        format!("{db} backup: every webhook answered 200"),
        outcome.alone.failed == 0 && outcome.during.failed == 0,
        format!(
            "{} failed alone, {} during the backup",
            outcome.alone.failed, outcome.during.failed
        ),
    );
    report.check(
        format!("{db} backup: the snapshot passes quick_check"),
        outcome.copy_problem.is_none(),
        outcome
            .copy_problem
            .clone()
            .unwrap_or_else(|| "ok".to_owned()),
    );
    report.check(
        format!("{db} backup: the snapshot holds every message stored before it began"),
        outcome.copy_messages >= outcome.messages_before
            && outcome.copy_chats as u64 >= outcome.loaded.chats,
        format!(
            "{} of {} messages, {} chats of {} loaded",
            outcome.copy_messages,
            outcome.messages_before,
            outcome.copy_chats,
            outcome.loaded.chats
        ),
    );
    report.sections.push(section);
    Ok(())
}
