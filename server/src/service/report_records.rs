//! Builds reports' records in the background (`store::report_records`): a
//! chat whose timeline changed is rebuilt within seconds, so the first report
//! after an upgrade or a big import does not wait for every chat, and a
//! report's own refresh finds little or nothing left (it still rebuilds what
//! is, so figures stay exact). Runs on every node: the rebuild's lock makes
//! nodes on one PostgreSQL take turns, and each chunk picks only chats still
//! stale once it holds the lock.

use std::time::Duration;

use tokio::sync::watch;

use super::priority::at_low_priority;
use super::Context;
use crate::store::{report_records as records, Store, StoreError};

/// How often the builder looks for stale chats (one indexed read).
const TICK: Duration = Duration::from_secs(2);
/// Pause between chunks: on SQLite, writers waiting for the lock (webhooks,
/// replies) take it in between.
const PAUSE: Duration = Duration::from_millis(20);

/// The builder: every [`TICK`], rebuilds the stale chats chunk by chunk at
/// the lowest CPU priority, until none is left or the server stops.
pub async fn run(ctx: Context, mut shutdown: watch::Receiver<bool>) {
    loop {
        match ctx.store.run(records::any_stale).await {
            Ok(true) => {
                let store = ctx.store.clone();
                let stop = shutdown.clone();
                let built = tokio::task::spawn_blocking(move || {
                    at_low_priority(|| rebuild_stale(&store, &stop))
                })
                .await;
                match built {
                    Ok(Ok(chats)) => tracing::debug!(chats, "report records rebuilt"),
                    Ok(Err(err)) => tracing::warn!(%err, "cannot rebuild report records"),
                    Err(err) => tracing::error!(%err, "the report records builder failed"),
                }
            }
            Ok(false) => {}
            Err(err) => tracing::warn!(%err, "cannot look for stale report records"),
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
}

/// Rebuilds stale chats a chunk per transaction (a pooled connection each,
/// given back in between); returns how many.
fn rebuild_stale(store: &Store, shutdown: &watch::Receiver<bool>) -> Result<u64, StoreError> {
    let mut rebuilt = 0;
    while !*shutdown.borrow() {
        let chats = store.run_blocking(records::refresh_chunk)?;
        rebuilt += chats as u64;
        if chats < records::REBUILD_CHUNK {
            break;
        }
        std::thread::sleep(PAUSE);
    }
    Ok(rebuilt)
}
