//! `backup` (SQLite): bulk-loads C chats and M messages, opens chats for the
//! customers, then posts their webhooks at a fixed rate (open loop), first
//! alone for a while, then while a backup runs beside them — the code of
//! `tidings backup --to DIR` (`service::backup::back_up`), on a thread of
//! this process — until it has finished. Reports the webhooks' latency in
//! both phases and the backup's duration; checks every webhook was accepted
//! and that the snapshot holds every message acknowledged before it began.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use diesel::prelude::*;
use tidings::config::DatabaseUrl;
use tidings::service::backup;
use tidings::store::schema::{chats, timeline_items};
use tidings::store::DbConn;

use crate::bulk::Loaded;
use crate::harness::Harness;
use crate::ingest::{self, Updates};
use crate::loadgen::{open_loop, open_loop_while, Phase};
use crate::{progress, queries};

#[derive(Debug, Clone)]
pub struct Params {
    pub chats: u64,
    pub messages: u64,
    /// Webhooks per second, in both phases.
    pub rate: f64,
    /// How long the webhooks run alone first.
    pub alone: Duration,
    /// Customers (one open chat each) the webhooks come from.
    pub customers: u64,
    pub max_in_flight: usize,
}

pub struct Outcome {
    pub loaded: Loaded,
    pub load_time: Duration,
    /// The database file and its WAL when the backup began (bytes).
    pub database_bytes: u64,
    pub alone: Phase,
    pub during: Phase,
    pub backup_time: Duration,
    /// The snapshot's database file (bytes).
    pub copy_bytes: u64,
    /// Messages stored (and so acknowledged) when the backup began.
    pub messages_before: i64,
    /// Chats and messages in the snapshot.
    pub copy_chats: i64,
    pub copy_messages: i64,
    /// `PRAGMA quick_check` of the snapshot: `None` when it said ok.
    pub copy_problem: Option<String>,
}

fn messages(conn: &mut DbConn) -> Result<i64, tidings::store::StoreError> {
    Ok(timeline_items::table
        .filter(timeline_items::kind.eq("message"))
        .count()
        .get_result(conn)?)
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

pub async fn run(harness: &Harness, params: &Params, quiet: bool) -> anyhow::Result<Outcome> {
    let DatabaseUrl::Sqlite(database) = harness.config.database.clone() else {
        anyhow::bail!("the backup scenario runs on SQLite (PostgreSQL is backed up with pg_dump)");
    };
    let (loaded, load_time) =
        queries::load(harness, params.chats, params.messages, 90, quiet).await?;
    let hook = harness.telegram_integration(&[], None, None).await?;
    let client = ingest::load_client()?;
    ingest::open_chats(harness, &client, &hook, params.customers).await?;
    // Later updates of the same customers: messages in their open chats.
    let updates = Arc::new(Updates::new(params.customers as i64 + 1, params.customers));
    let fire = {
        let (client, url, secret) = (client.clone(), hook.url.clone(), hook.secret.clone());
        move |_| {
            let (client, url, secret) = (client.clone(), url.clone(), secret.clone());
            let (_, body) = updates.next();
            async move { ingest::post_update(&client, &url, &secret, body).await }
        }
    };

    let count = ((params.rate * params.alone.as_secs_f64()).round() as usize).max(1);
    let bar = progress::bar(quiet, count as u64, "webhooks alone");
    let alone = open_loop(params.rate, count, params.max_in_flight, &bar, &fire).await;
    bar.finish_and_clear();
    ingest::wait_until_applied(&harness.store).await?;

    let messages_before = harness.store.run(messages).await?;
    let database_bytes = file_size(&database) + file_size(&database.with_extension("db-wal"));
    let target = tempfile::tempdir().context("a temporary directory for the snapshot")?;
    let snapshot = target.path().join("snapshot");
    let done = Arc::new(AtomicBool::new(false));
    let backup_task = {
        let (config, snapshot, done) = (harness.config.clone(), snapshot.clone(), done.clone());
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let result = backup::back_up(&config, &snapshot);
            let took = started.elapsed();
            done.store(true, Ordering::SeqCst);
            result.map(|_| took)
        })
    };
    let bar = progress::bar(quiet, 0, "webhooks during the backup");
    let during = open_loop_while(
        params.rate,
        params.max_in_flight,
        &bar,
        |_| !done.load(Ordering::SeqCst),
        &fire,
    )
    .await;
    bar.finish_and_clear();
    let backup_time = backup_task
        .await
        .context("the backup thread")?
        .context("the backup")?;
    ingest::wait_until_applied(&harness.store).await?;

    let copy = snapshot.join(backup::DATABASE_FILE);
    let copy_bytes = file_size(&copy);
    let (copy_chats, copy_messages, copy_problem) = tokio::task::spawn_blocking(move || {
        let problem = tidings::store::snapshot::check_database(&copy)
            .err()
            .map(|err| err.to_string());
        let mut conn = diesel::SqliteConnection::establish(&copy.to_string_lossy())?;
        let chats: i64 = chats::table.count().get_result(&mut conn)?;
        let messages: i64 = timeline_items::table
            .filter(timeline_items::kind.eq("message"))
            .count()
            .get_result(&mut conn)?;
        Ok::<_, anyhow::Error>((chats, messages, problem))
    })
    .await??;
    Ok(Outcome {
        loaded,
        load_time,
        database_bytes,
        alone,
        during,
        backup_time,
        copy_bytes,
        messages_before,
        copy_chats,
        copy_messages,
        copy_problem,
    })
}
