//! The hub: one dispatcher task per node reads the event log in id order and
//! broadcasts each entry to this node's sessions through a bounded ring
//! buffer; a session that falls behind it is told to resync.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use shared::Id;
use tokio::sync::{broadcast, watch, Notify};

use super::LogEntry;
use crate::store::{events, now, Store};

/// Events a session may lag behind before it must resync.
pub const SESSION_BUFFER: usize = 1024;
/// A gap in ids (a transaction that has not committed yet) is waited for this
/// long before the dispatcher moves on (a rolled-back id never fills).
const GAP_WAIT: Duration = Duration::from_secs(2);
/// Keep a day of events, and at least this many, for reconnecting clients.
const KEEP_ROWS: i64 = 10_000;
const KEEP_FOR: TimeDelta = TimeDelta::hours(24);

/// One event on its way to sessions. `id` is `None` for ephemeral events
/// (typing) that are not logged.
#[derive(Debug)]
pub struct Dispatched {
    pub id: Option<i64>,
    pub entry: LogEntry,
}

/// Sockets one user may keep open on a node (tabs and devices); each holds a
/// place in the shared buffer's fan-out and a task, so a script opening
/// thousands must be refused.
pub const MAX_SOCKETS_PER_USER: usize = 20;

/// A socket's place among its user's; freed on drop.
pub struct SocketTicket {
    hub: Hub,
    user_id: Id,
}

impl Drop for SocketTicket {
    fn drop(&mut self) {
        let mut sockets = self.hub.inner.sockets.lock();
        if let Some(open) = sockets.get_mut(&self.user_id) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                sockets.remove(&self.user_id);
            }
        }
    }
}

/// Whether one socket shows the app (visible and focused); see
/// [`Hub::focus_mark`].
pub struct FocusMark {
    hub: Hub,
    user_id: Id,
    focused: bool,
}

impl FocusMark {
    pub fn set(&mut self, focused: bool) {
        if focused == self.focused {
            return;
        }
        self.focused = focused;
        let mut counts = self.hub.inner.focused.lock();
        if focused {
            *counts.entry(self.user_id).or_insert(0) += 1;
        } else if let Some(n) = counts.get_mut(&self.user_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
}

impl Drop for FocusMark {
    fn drop(&mut self) {
        self.set(false);
    }
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    tx: broadcast::Sender<Arc<Dispatched>>,
    /// Open sockets per user on this node.
    sockets: parking_lot::Mutex<HashMap<Id, usize>>,
    wake: Notify,
    last_id: AtomicI64,
    /// Turns true when the server stops: every session closes.
    closing: watch::Sender<bool>,
    /// Sockets per user on this node whose app is visible and focused.
    focused: parking_lot::Mutex<HashMap<Id, usize>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    pub fn new() -> Hub {
        let (tx, _) = broadcast::channel(SESSION_BUFFER);
        let (closing, _) = watch::channel(false);
        Hub {
            inner: Arc::new(Inner {
                tx,
                sockets: parking_lot::Mutex::default(),
                wake: Notify::new(),
                last_id: AtomicI64::new(0),
                closing,
                focused: parking_lot::Mutex::default(),
            }),
        }
    }

    /// Admits one more socket for `user_id`, or none beyond
    /// [`MAX_SOCKETS_PER_USER`]; the ticket frees its place when dropped.
    pub fn admit(&self, user_id: Id) -> Option<SocketTicket> {
        let mut sockets = self.inner.sockets.lock();
        let open = sockets.entry(user_id).or_insert(0);
        if *open >= MAX_SOCKETS_PER_USER {
            return None;
        }
        *open += 1;
        Some(SocketTicket {
            hub: self.clone(),
            user_id,
        })
    }

    /// Sockets of `user_id` open on this node.
    pub fn sockets_of(&self, user_id: Id) -> usize {
        self.inner
            .sockets
            .lock()
            .get(&user_id)
            .copied()
            .unwrap_or(0)
    }

    /// Users with a socket open on this node.
    pub fn connected_users(&self) -> Vec<Id> {
        self.inner.sockets.lock().keys().copied().collect()
    }

    /// A mark for one socket's focus: counts the socket as showing the app
    /// to `user_id` while it says so, and stops counting when dropped.
    pub fn focus_mark(&self, user_id: Id) -> FocusMark {
        FocusMark {
            hub: self.clone(),
            user_id,
            focused: false,
        }
    }

    /// Whether one of the user's sockets on this node reports the app
    /// visible and focused (then pushes to their devices are skipped). Only
    /// this node's sockets count.
    pub fn is_focused(&self, user_id: Id) -> bool {
        self.inner
            .focused
            .lock()
            .get(&user_id)
            .is_some_and(|n| *n > 0)
    }

    /// Sockets open on this node.
    pub fn open_sockets(&self) -> usize {
        self.inner.sockets.lock().values().sum()
    }

    /// Sessions watch this to close when the server stops.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// Closes every session of this node (the server is stopping).
    pub fn close_all(&self) {
        self.inner.closing.send_replace(true);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Dispatched>> {
        self.inner.tx.subscribe()
    }

    /// New events were committed: dispatch them now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// The newest event dispatched on this node.
    pub fn last_id(&self) -> i64 {
        self.inner.last_id.load(Ordering::Acquire)
    }

    /// Sends an event that is not logged (typing indicators).
    pub fn send_ephemeral(&self, entry: LogEntry) {
        // No receivers is fine: nobody is connected.
        let _ = self.inner.tx.send(Arc::new(Dispatched { id: None, entry }));
    }

    /// Reads the log in order and broadcasts until `shutdown`.
    pub async fn run_dispatcher(self, store: Store, mut shutdown: watch::Receiver<bool>) {
        let start = match store.run(events::bounds).await {
            Ok((_, max)) => max,
            Err(err) => {
                tracing::error!(%err, "cannot read the event log; live updates start from now");
                0
            }
        };
        self.inner.last_id.store(start, Ordering::Release);
        let mut cursor = start;
        let mut gap_since: Option<Instant> = None;
        let mut last_prune = Instant::now();
        loop {
            match self
                .dispatch_batch(&store, &mut cursor, &mut gap_since)
                .await
            {
                Ok(true) => continue,
                Ok(false) => {}
                Err(err) => tracing::warn!(%err, "event dispatch failed; retrying"),
            }
            if last_prune.elapsed() > Duration::from_secs(300) {
                last_prune = Instant::now();
                if let Err(err) = store
                    .run(|conn| events::prune(conn, now() - KEEP_FOR, KEEP_ROWS))
                    .await
                {
                    tracing::warn!(%err, "cannot prune the event log");
                }
            }
            let wait = if gap_since.is_some() {
                Duration::from_millis(20)
            } else {
                Duration::from_secs(1)
            };
            tokio::select! {
                _ = self.inner.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }

    /// Dispatches what is contiguous after `cursor`; `true` if there may be more.
    async fn dispatch_batch(
        &self,
        store: &Store,
        cursor: &mut i64,
        gap_since: &mut Option<Instant>,
    ) -> Result<bool, crate::store::StoreError> {
        let from = *cursor;
        let rows = store
            .run(move |conn| events::after(conn, from, 500))
            .await?;
        let full = rows.len() == 500;
        for (id, payload) in rows {
            if id != *cursor + 1 {
                // An earlier id may still be committing: wait for it a little.
                let since = *gap_since.get_or_insert_with(Instant::now);
                if since.elapsed() < GAP_WAIT {
                    return Ok(false);
                }
            }
            *gap_since = None;
            *cursor = id;
            match serde_json::from_str::<LogEntry>(&payload) {
                Ok(entry) => {
                    self.inner.last_id.store(id, Ordering::Release);
                    let _ = self.inner.tx.send(Arc::new(Dispatched {
                        id: Some(id),
                        entry,
                    }));
                }
                Err(err) => tracing::error!(event_id = id, %err, "unreadable event skipped"),
            }
        }
        Ok(full)
    }
}

/// PostgreSQL: a thread listening for NOTIFY from every node's commits, waking
/// this node's dispatcher. Reconnects on errors; ends soon after `shutdown`
/// (the server joins it, so no thread is inside libpq when the process exits).
pub fn spawn_postgres_listener(
    url: crate::config::Secret,
    hub: Hub,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("event-listener".into())
        .spawn(move || {
            use diesel::{Connection, PgConnection, RunQueryDsl};
            let mut backoff = Duration::from_millis(200);
            while !*shutdown.borrow_and_update() {
                let mut conn = match PgConnection::establish(url.expose()) {
                    Ok(conn) => conn,
                    Err(err) => {
                        tracing::warn!(%err, "event listener cannot connect; retrying");
                        sleep_unless_stopped(&shutdown, backoff);
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                        continue;
                    }
                };
                if let Err(err) = diesel::sql_query(format!("LISTEN {}", events::NOTIFY_CHANNEL))
                    .execute(&mut conn)
                {
                    tracing::warn!(%err, "event listener cannot LISTEN; retrying");
                    sleep_unless_stopped(&shutdown, backoff);
                    continue;
                }
                backoff = Duration::from_millis(200);
                // Catch up on anything committed while we were not listening.
                hub.wake();
                let mut polls: u32 = 0;
                'listening: loop {
                    if *shutdown.borrow() {
                        return;
                    }
                    polls = polls.wrapping_add(1);
                    // A quiet connection that died would never report it: probe it.
                    if polls.is_multiple_of(500) {
                        if let Err(err) = diesel::sql_query("SELECT 1").execute(&mut conn) {
                            tracing::warn!(%err, "event listener lost its connection");
                            break 'listening;
                        }
                    }
                    // notifications_iter() never blocks, so poll it briefly.
                    let mut woke = false;
                    for notification in conn.notifications_iter() {
                        match notification {
                            Ok(_) => woke = true,
                            Err(err) => {
                                tracing::warn!(%err, "event listener lost its connection");
                                break 'listening;
                            }
                        }
                    }
                    if woke {
                        hub.wake();
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        })
}

/// Sleeps for `total`, waking early when the server stops.
fn sleep_unless_stopped(shutdown: &watch::Receiver<bool>, total: Duration) {
    let step = Duration::from_millis(50);
    let mut slept = Duration::ZERO;
    while slept < total && !*shutdown.borrow() {
        std::thread::sleep(step);
        slept += step;
    }
}
