//! The inbound writer: one thread owning one connection commits every queued
//! inbound event in a single transaction (group commit), then answers each
//! waiting webhook. One transaction per webhook caps SQLite (one writer at a
//! time, connections sleeping on the busy handler) and PostgreSQL (one WAL flush
//! per update) far below what HTTP alone allows; a batch pays those costs once.
//!
//! While it keeps up, each event is applied (chat, contact, deal, round robin,
//! live events) before its 200, so what a webhook reported is visible at once.
//! When it falls behind (a burst, or events already waiting), it only stores
//! the raw bodies as `pending` — still durable before the 200 — and applies
//! them in arrival order in short slices between batches, so accepting never
//! waits for applying. Each event runs in its own savepoint, so one that
//! cannot be applied is kept as failed without undoing the others (a slice of
//! kept events first shares one savepoint-free transaction and is applied
//! again with a savepoint per event only when one fails, see `kept`). One that lost
//! a deadlock to another transaction (PostgreSQL rolls back only its savepoint)
//! is applied again a moment later instead, a few times, in a new transaction:
//! the other side may be waiting for a row this transaction still holds (an
//! integration's activity mark or round-robin cursor), so trying again inside it
//! would meet the same deadlock. What was applied before it commits first, and
//! it and what came after it (in order) go in the next transaction.
//!
//! On PostgreSQL an applied event costs round trips more than CPU, so a slice
//! shares its page of kept events among several appliers, each on its own
//! connection and transaction; one customer's events always go to the same
//! applier, in order. Appliers and nodes exclude each other per customer (an
//! advisory lock, see `integrations::lock_inbound`), never per integration,
//! so a second node adds appliers instead of waiting for the first. SQLite
//! has one writer at a time: one applier, on this thread.
//!
//! On SQLite a second thread checkpoints the write-ahead log, so the copy into
//! the database file and its sync never hold up a batch.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::ManageConnection;
use diesel::Connection;
use tokio::sync::oneshot;

mod kept;

use super::inbound::{
    mark_kept_failed, record_failed, record_inbound, record_pending, NewPending, Received,
};
use super::{integrations, write_transaction, ConnManager, DbConn, StoreError};
use crate::channels::{Inbound, InboundEvent};
use crate::domain::integration::Integration;
use crate::domain::reason::Reason;
use kept::ParsedKept;

/// Most events committed together: bounds the wait of the first one.
const MAX_BATCH: usize = 256;
/// Events waiting beyond this are refused at once (the messenger retries)
/// instead of piling up in memory.
const QUEUE_CAPACITY: usize = 4_096;
/// A batch this large means the writer is behind: store it, apply it later.
const DEFER_FROM: usize = 8;
/// How often an idle writer looks for kept events (another node's, or ones a
/// crash left).
const IDLE_CHECK: Duration = Duration::from_secs(5);
/// How often one event is applied before it is kept as failed, when what
/// failed it may pass when tried again (a deadlock lost to another
/// transaction). Kept as failed, it would wait a minute for the replay.
const APPLY_ATTEMPTS: u32 = 3;
/// Pause after the database failed, before trying again.
const AFTER_FAILURE: Duration = Duration::from_secs(1);
/// How often a waiting writer checks whether it should stop.
const STOP_CHECK: Duration = Duration::from_millis(100);
/// How often the checkpointer copies what the writer committed from SQLite's
/// write-ahead log into the database (the log stays short).
const CHECKPOINT_EVERY: Duration = STOP_CHECK;

/// Runs after a kept event of that messenger was applied and committed.
pub type AppliedHook = dyn Fn(shared::api::Channel, &Received) + Send;

/// Turns a kept body back into its event (the channel's parser).
pub type ParseKept = dyn Fn(&Integration, &str) -> Result<Inbound, String> + Send;

/// What the writer needs from the layers above.
pub struct Hooks {
    /// Logs the live events of one applied event, inside its transaction.
    pub publish: fn(&mut DbConn, &Received) -> Result<(), StoreError>,
    pub parse: Box<ParseKept>,
    /// Runs after a kept event of that messenger was applied and committed
    /// (wakes the workers, counts it).
    pub applied: Box<AppliedHook>,
    /// Runs each time writing failed (the database unreachable, a full disk)
    /// and the writer will try again (counts it).
    pub failed: Box<dyn Fn() + Send>,
}

/// A handle to the writer thread (cheap to clone). The thread ends when the
/// last handle is dropped.
#[derive(Clone)]
pub struct InboundWriter {
    queue: SyncSender<Job>,
    control: Arc<Control>,
}

/// Stopping the thread: it must not be inside the database driver when the
/// process exits (libpq and OpenSSL tear down at exit).
struct Control {
    stop: AtomicBool,
    /// Jobs sent and not yet taken by the writer.
    waiting: AtomicUsize,
    /// The writer committed since the last checkpoint.
    wrote: AtomicBool,
    /// Disconnects when the threads have ended.
    ended: Mutex<Option<Receiver<()>>>,
}

struct Job {
    integration: Integration,
    inbound: Inbound,
    raw: String,
    span: tracing::Span,
    reply: oneshot::Sender<Result<Received, StoreError>>,
}

impl Job {
    /// Viber's `conversation_started` is answered with the welcome message,
    /// which only applying it decides.
    fn needs_applied_answer(&self) -> bool {
        matches!(self.inbound.event, InboundEvent::ConversationStarted { .. })
    }
}

impl InboundWriter {
    /// Starts the writer thread with its own connection from `connector`;
    /// on PostgreSQL, `appliers` connections apply kept events at once.
    pub fn start(
        connector: ConnManager,
        hooks: Hooks,
        appliers: usize,
    ) -> std::io::Result<InboundWriter> {
        let appliers = if connector.is_sqlite() {
            1
        } else {
            appliers.max(1)
        };
        let (queue, jobs) = mpsc::sync_channel(QUEUE_CAPACITY);
        let (ended_tx, ended) = mpsc::channel::<()>();
        let control = Arc::new(Control {
            stop: AtomicBool::new(false),
            waiting: AtomicUsize::new(0),
            wrote: AtomicBool::new(false),
            ended: Mutex::new(Some(ended)),
        });
        if connector.is_sqlite() {
            let (connector, control, ended_tx) =
                (connector.clone(), control.clone(), ended_tx.clone());
            thread::Builder::new()
                .name("wal-checkpointer".into())
                .spawn(move || {
                    run_checkpointer(connector, &control);
                    drop(ended_tx);
                })?;
        }
        let writer = Writer {
            connector,
            conn: None,
            helpers: Vec::new(),
            appliers,
            hooks,
            // Events a crash left kept are applied first.
            backlog: true,
            kept: Vec::new(),
            more_kept: false,
            control: control.clone(),
        };
        thread::Builder::new()
            .name("inbound-writer".into())
            .spawn(move || {
                writer.run(jobs);
                drop(ended_tx);
            })?;
        Ok(InboundWriter { queue, control })
    }

    /// Stops the thread after its current batch and waits up to `wait` for it
    /// (and its connection) to end. Events still queued get no answer: their
    /// webhooks fail and the messengers retry.
    pub fn stop(&self, wait: Duration) {
        self.control.stop.store(true, Ordering::SeqCst);
        let ended = self
            .control
            .ended
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(ended) = ended {
            let _ = ended.recv_timeout(wait);
        }
    }

    /// Stores one inbound event durably (applied, or kept to apply shortly);
    /// returns once it is committed.
    pub async fn record(
        &self,
        integration: Integration,
        inbound: Inbound,
        raw: String,
    ) -> Result<Received, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            integration,
            inbound,
            raw,
            span: tracing::Span::current(),
            reply,
        };
        // Counted before sending, so the writer's decrement never comes first.
        self.control.waiting.fetch_add(1, Ordering::SeqCst);
        self.queue.try_send(job).map_err(|err| {
            self.control.waiting.fetch_sub(1, Ordering::SeqCst);
            match err {
                TrySendError::Full(_) => {
                    StoreError::Unavailable("the inbound queue is full".into())
                }
                TrySendError::Disconnected(_) => {
                    StoreError::Unavailable("the inbound writer has stopped".into())
                }
            }
        })?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the inbound writer has stopped".into()))?
    }
}

struct Writer {
    connector: ConnManager,
    conn: Option<DbConn>,
    /// The other appliers' connections (PostgreSQL), opened when first needed.
    helpers: Vec<Option<DbConn>>,
    /// How many connections apply kept events at once: one on SQLite (one
    /// writer at a time), the configured number on PostgreSQL.
    appliers: usize,
    hooks: Hooks,
    /// Kept events may be waiting to be applied.
    backlog: bool,
    /// Kept events read (and parsed) and not applied yet, oldest first.
    kept: Vec<ParsedKept>,
    /// More kept events may wait than the cached page holds (it was full, or
    /// a batch was kept after it was read).
    more_kept: bool,
    control: Arc<Control>,
}

impl Writer {
    fn run(mut self, jobs: Receiver<Job>) {
        // Events a crash left kept come first; this also learns whether any
        // wait, so a quiet start applies webhooks at once.
        self.apply_backlog_slice();
        let mut idle = Duration::ZERO;
        loop {
            if self.stopping() {
                return;
            }
            let first = if self.backlog {
                match jobs.try_recv() {
                    Ok(job) => Some(job),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return,
                }
            } else {
                match jobs.recv_timeout(STOP_CHECK) {
                    Ok(job) => {
                        idle = Duration::ZERO;
                        Some(job)
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        idle += STOP_CHECK;
                        if idle < IDLE_CHECK {
                            continue;
                        }
                        idle = Duration::ZERO;
                        self.backlog = true;
                        None
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            match first {
                Some(first) => {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match jobs.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    self.control
                        .waiting
                        .fetch_sub(batch.len(), Ordering::SeqCst);
                    self.commit_batch(batch);
                }
                None => self.apply_backlog_slice(),
            }
        }
    }

    fn stopping(&self) -> bool {
        self.control.stop.load(Ordering::SeqCst)
    }

    /// Waits after a failure, unless asked to stop meanwhile.
    fn pause_after_failure(&self) {
        let mut waited = Duration::ZERO;
        while waited < AFTER_FAILURE && !self.stopping() {
            thread::sleep(STOP_CHECK);
            waited += STOP_CHECK;
        }
    }

    /// The connection, opened afresh after a failure (the database restarted).
    fn conn(&mut self) -> Result<&mut DbConn, StoreError> {
        if self.conn.is_none() {
            self.conn = Some(open_writer_connection(&self.connector)?);
        }
        Ok(self.conn.as_mut().expect("the connection was just opened"))
    }

    fn commit_batch(&mut self, batch: Vec<Job>) {
        let defer = self.backlog || batch.len() >= DEFER_FROM;
        let publish = self.hooks.publish;
        let mut batch = batch;
        let mut attempt = 1;
        while !batch.is_empty() {
            let may_retry = attempt < APPLY_ATTEMPTS;
            let outcome = self
                .conn()
                .and_then(|conn| store_batch(conn, &batch, defer, publish, may_retry));
            let results = match outcome {
                Ok(results) => results,
                Err(err) => {
                    // Every waiting webhook answers 503 and the messenger retries.
                    tracing::error!(%err, events = batch.len(), "inbound batch not stored");
                    (self.hooks.failed)();
                    self.conn = None;
                    let cause = err.to_string();
                    for job in batch {
                        let _ = job.reply.send(Err(StoreError::Unavailable(cause.clone())));
                    }
                    return;
                }
            };
            self.control.wrote.store(true, Ordering::Relaxed);
            if results.iter().flatten().any(|r| r.deferred) {
                self.backlog = true;
                // Kept after the cached page was read: not in it.
                self.more_kept = true;
            }
            let mut again = Vec::new();
            for (job, result) in batch.into_iter().zip(results) {
                match result {
                    Some(result) => {
                        let _ = job.reply.send(Ok(result));
                    }
                    None => again.push(job),
                }
            }
            batch = again;
            attempt += 1;
        }
    }
}

/// The SQLite writer's page cache, in KiB (SQLite's default is 2,000 KiB).
/// A catch-up slice of new customers changes more pages than the default
/// holds (chats, contacts, deals, timeline, their indexes, the full-text
/// indexes written just before the commit), so SQLite wrote pages out to the
/// log in the middle of the transaction and again at its commit. Measured in
/// docs/BENCHMARKS.md: first contacts applied about a quarter faster, and
/// the "database or disk is full" stalls seen in most first-contact runs
/// before did not come back. Only this connection holds it.
const WRITER_CACHE_KIB: u32 = 32 * 1024;

/// The writer's connection. On SQLite it never checkpoints when it commits:
/// a checkpoint copies the log into the database and syncs both files,
/// milliseconds that every webhook of that batch would wait for.
fn open_writer_connection(connector: &ConnManager) -> Result<DbConn, StoreError> {
    let mut conn = connector
        .connect()
        .map_err(|err| StoreError::Unavailable(err.to_string()))?;
    if let DbConn::Sqlite(sqlite) = &mut conn {
        // A negative cache size is in KiB.
        sqlite.batch_execute(&format!(
            "PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -{WRITER_CACHE_KIB}"
        ))?;
    }
    Ok(conn)
}

/// Checkpoints SQLite's write-ahead log on its own connection after the writer
/// committed. PASSIVE never blocks the writer or readers; the log restarts from
/// its beginning once everything in it was copied.
fn run_checkpointer(connector: ConnManager, control: &Control) {
    let mut conn: Option<DbConn> = None;
    while !control.stop.load(Ordering::SeqCst) {
        thread::sleep(CHECKPOINT_EVERY);
        if !control.wrote.swap(false, Ordering::Relaxed) {
            continue;
        }
        let checkpoint = match conn.as_mut() {
            Some(conn) => conn,
            None => match connector.connect() {
                Ok(opened) => conn.insert(opened),
                Err(err) => {
                    tracing::warn!(%err, "cannot open a connection to checkpoint the database log");
                    continue;
                }
            },
        }
        .batch_execute("PRAGMA wal_checkpoint(PASSIVE)");
        if let Err(err) = checkpoint {
            tracing::warn!(%err, "checkpointing the database log failed; trying again shortly");
            conn = None;
        }
    }
}

/// Stores every event of the batch in one transaction; an `Err` means nothing
/// of the batch was stored. `None` marks the events to apply again in the
/// next transaction: the first that lost a deadlock (when `may_retry`) and
/// every later one to apply, which keeps each customer's events in order.
fn store_batch(
    conn: &mut DbConn,
    batch: &[Job],
    defer: bool,
    publish: fn(&mut DbConn, &Received) -> Result<(), StoreError>,
    may_retry: bool,
) -> Result<Vec<Option<Received>>, StoreError> {
    let kept_later = |job: &Job| defer && !job.needs_applied_answer();
    write_transaction(conn, |conn| {
        // Kept bodies go in with one statement (no round robin, no lock):
        // on PostgreSQL each statement is a round trip.
        let to_keep: Vec<NewPending> = batch
            .iter()
            .filter(|job| kept_later(job))
            .map(|job| NewPending {
                integration_id: job.integration.id,
                dedup_key: &job.inbound.dedup_key,
                body: &job.raw,
            })
            .collect();
        let mut kept = record_pending(conn, &to_keep)?.into_iter();
        // Every integration heard from is marked (kept updates too); only the
        // customers applied now are locked.
        integrations::lock_inbound(
            conn,
            batch.iter().map(|job| job.integration.id),
            batch
                .iter()
                .filter(|job| !kept_later(job))
                .map(|job| (job.integration.id, job.inbound.customer_key())),
        )?;
        let mut lost = false;
        batch
            .iter()
            .map(|job| {
                if kept_later(job) {
                    let new = kept.next().expect("one answer per kept body");
                    return Ok(Some(Received {
                        duplicate: !new,
                        deferred: new,
                        ..Received::default()
                    }));
                }
                if lost {
                    return Ok(None);
                }
                let _entered = job.span.enter();
                let applied = apply_one(
                    conn,
                    &job.integration,
                    &job.inbound,
                    &job.raw,
                    publish,
                    may_retry,
                )?;
                lost = applied.is_none();
                Ok(applied)
            })
            .collect()
    })
}

/// Applies one event in its own savepoint, or keeps it as failed (visible,
/// replayed later). `None` when it lost a deadlock to another transaction and
/// `may_retry`: only its savepoint was rolled back, and it is applied again
/// once this transaction has committed.
fn apply_one(
    conn: &mut DbConn,
    integration: &Integration,
    inbound: &Inbound,
    raw: &str,
    publish: fn(&mut DbConn, &Received) -> Result<(), StoreError>,
    may_retry: bool,
) -> Result<Option<Received>, StoreError> {
    let integration_id = integration.id;
    let dedup_key = &inbound.dedup_key;
    let applied = conn.transaction(|conn| record_inbound(conn, integration, inbound, raw, publish));
    let error = match applied {
        Ok(received) => return Ok(Some(received)),
        Err(err @ StoreError::Unavailable(_)) => return Err(err),
        Err(err) if may_retry && err.may_pass_when_retried() => {
            tracing::warn!(integration_id, %dedup_key, %err, "inbound update lost to another transaction; applying it again in the next one");
            return Ok(None);
        }
        Err(err) => err.to_string(),
    };
    // Applying failed and its savepoint was rolled back; keep the body so it is
    // visible and replayed, and still answer 200.
    tracing::error!(integration_id, %dedup_key, %error, "inbound update could not be applied; kept as failed");
    let error = Reason::UpdateNotApplied { detail: error }.stored();
    let kept_as_failed = Received {
        kept_as_failed: Some(integration_id),
        ..Received::default()
    };
    let kept = conn.transaction(|conn| {
        record_failed(conn, integration_id, dedup_key, raw, &error)?;
        publish(conn, &kept_as_failed)
    });
    match kept {
        Ok(()) => Ok(Some(Received::default())),
        // Kept before: a pending one becomes failed (so it is not applied in a
        // loop); a failed one stays failed until its next replay.
        Err(StoreError::Conflict(_)) => {
            if mark_kept_failed(conn, integration_id, dedup_key, &error)? {
                publish(conn, &kept_as_failed)?;
            }
            Ok(Some(Received {
                duplicate: true,
                ..Received::default()
            }))
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;

    use super::*;
    use crate::config::DatabaseUrl;
    use crate::store::Store;

    #[derive(diesel::QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = BigInt)]
        cache_size: i64,
    }

    fn cache_size(conn: &mut DbConn) -> i64 {
        let DbConn::Sqlite(sqlite) = conn else {
            panic!("a SQLite connection");
        };
        diesel::sql_query("PRAGMA cache_size")
            .get_result::<CacheSize>(sqlite)
            .expect("the cache size reads")
            .cache_size
    }

    #[test]
    fn the_sqlite_writer_keeps_a_larger_page_cache_than_other_connections() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = DatabaseUrl::Sqlite(dir.path().join("tidings.db"));
        let connector = Store::open(&url).expect("the store opens").connector();
        let mut writer = open_writer_connection(&connector).expect("the writer connects");
        let mut other = connector.connect().expect("a connection opens");
        assert_eq!(cache_size(&mut writer), -i64::from(WRITER_CACHE_KIB));
        assert_eq!(cache_size(&mut other), -2000, "SQLite's default");
    }
}
