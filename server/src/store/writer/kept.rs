//! Applying kept events in slices between batches: a page is read and
//! parsed once, then applied over one or more slices; on PostgreSQL a slice
//! shares its page among several appliers (see the module doc of `writer`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use diesel::Connection;
use shared::api::Channel;
use shared::Id;

use super::{apply_one, open_writer_connection, ParseKept, Writer, APPLY_ATTEMPTS};
use crate::channels::Inbound;
use crate::domain::integration::Integration;
use crate::store::inbound::{
    mark_kept_failed, pending_events, record_inbound, PendingEvent, Received,
};
use crate::store::{integrations, write_transaction, DbConn, StoreError};

/// How long one slice of applying kept events may hold the writer while no
/// webhook waits (catching up). A slice is one transaction: its commit writes
/// each page it changed once, however many events changed it, and a first
/// contact changes many (chat, contact, deal, queue, search indexes). 16 ms
/// applied first contacts about 15 % faster than 4 ms (docs/BENCHMARKS.md);
/// webhooks still wait for at most about one event ([`APPLY_SLICE_MIN`]).
const APPLY_SLICE: Duration = Duration::from_millis(16);
/// After this much of a slice (about one event), it ends early when webhooks
/// are waiting: their answers wait for the slice. Accepting comes first in a
/// burst (a webhook refused or slow makes the messenger back off), and applying
/// still moves on between batches; each slice has a fixed cost, so not less.
const APPLY_SLICE_MIN: Duration = Duration::from_micros(300);
/// Kept events read per page and applier (applied over one or more slices).
const APPLY_PAGE: i64 = 64;
/// A slice on PostgreSQL while no webhook waits (catching up): every commit
/// waits for a WAL flush, so a slice applies more events per transaction than
/// on SQLite. With webhooks waiting it ends as early as on SQLite: accepting
/// comes first.
const PG_APPLY_SLICE: Duration = Duration::from_millis(25);

impl Writer {
    fn slice_budget(&self) -> SliceBudget {
        if self.connector.is_sqlite() {
            SliceBudget {
                most: APPLY_SLICE,
                least: APPLY_SLICE_MIN,
            }
        } else {
            SliceBudget {
                most: PG_APPLY_SLICE,
                least: APPLY_SLICE_MIN,
            }
        }
    }

    /// Applies kept events, oldest first, for at most one slice. On
    /// PostgreSQL the page's customers are shared among several appliers, each
    /// on its own connection and transaction, one customer's events always on
    /// the same one, in order.
    pub(super) fn apply_backlog_slice(&mut self) {
        let appliers = self.appliers;
        let budget = self.slice_budget();
        if self.conn.is_none() {
            match open_writer_connection(&self.connector) {
                Ok(conn) => self.conn = Some(conn),
                Err(err) => {
                    tracing::warn!(%err, "cannot reach the database to apply kept updates");
                    (self.hooks.failed)();
                    self.pause_after_failure();
                    return;
                }
            }
        }
        let Writer {
            connector,
            conn,
            helpers,
            hooks,
            kept,
            more_kept,
            control,
            ..
        } = self;
        let Some(conn) = conn.as_mut() else {
            return;
        };
        // A page of kept events is read and parsed once, applied over slices.
        if kept.is_empty() {
            let page_size = APPLY_PAGE * appliers as i64;
            match pending_events(conn, page_size).and_then(|page| {
                let full = page.len() as i64 == page_size;
                Ok((parse_kept(conn, page, &hooks.parse, hooks.publish)?, full))
            }) {
                Ok((page, full)) => {
                    *more_kept = full;
                    *kept = page;
                }
                Err(err) => {
                    tracing::warn!(%err, "cannot read kept updates now; trying again shortly");
                    (self.hooks.failed)();
                    self.kept.clear();
                    self.conn = None;
                    self.pause_after_failure();
                    return;
                }
            }
        }
        // Indices into `kept` per applier, in order.
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); appliers];
        for (index, event) in kept.iter().enumerate() {
            let applier = applier_of(&event.inbound, event.integration.id, appliers);
            groups[applier].push(index);
        }
        let mut handled: Vec<usize> = Vec::new();
        helpers.resize_with(appliers.saturating_sub(1), || None);
        let publish = hooks.publish;
        let waiting = &control.waiting;
        let events = &*kept;
        let outcomes: Vec<(usize, SliceOutcome)> = thread::scope(|scope| {
            let mut running = Vec::new();
            let mut connections = std::iter::once(Some(conn))
                .chain(helpers.iter_mut().map(|helper| {
                    if helper.is_none() {
                        match open_writer_connection(connector) {
                            Ok(opened) => *helper = Some(opened),
                            Err(err) => {
                                tracing::warn!(%err, "cannot open an applier connection")
                            }
                        }
                    }
                    helper.as_mut()
                }))
                .collect::<Vec<_>>();
            // The first applier runs on this thread (the only one on
            // SQLite, where a write transaction must stay on the thread
            // that holds the write turn); the others on their own.
            let mut inline = None;
            for (applier, group) in groups.iter().enumerate() {
                let Some(connection) = connections[applier].take() else {
                    continue;
                };
                if group.is_empty() {
                    continue;
                }
                let mine: Vec<&ParsedKept> = group.iter().map(|&i| &events[i]).collect();
                if applier == 0 {
                    inline = Some((connection, mine));
                } else {
                    running.push((
                        applier,
                        scope
                            .spawn(move || apply_kept(connection, &mine, publish, waiting, budget)),
                    ));
                }
            }
            let first = inline.map(|(connection, mine)| {
                (0, apply_kept(connection, &mine, publish, waiting, budget))
            });
            first
                .into_iter()
                .chain(running.into_iter().map(|(applier, handle)| {
                    let outcome = handle.join().unwrap_or_else(|_| {
                        Err(StoreError::Unavailable("an applier panicked".into()))
                    });
                    (applier, outcome)
                }))
                .collect()
        });
        let mut failed = None;
        let mut applied_all = Vec::new();
        for (applier, outcome) in outcomes {
            match outcome {
                Ok(slice) => {
                    handled.extend(&groups[applier][..slice.handled]);
                    if slice.next_lost {
                        self.kept[groups[applier][slice.handled]].lost += 1;
                    }
                    applied_all.extend(slice.applied);
                }
                Err(err) => {
                    if applier == 0 {
                        self.conn = None;
                    } else {
                        self.helpers[applier - 1] = None;
                    }
                    failed = Some(err);
                }
            }
        }
        self.control.wrote.store(true, Ordering::Relaxed);
        for (channel, received) in &applied_all {
            (self.hooks.applied)(*channel, received);
        }
        if let Some(err) = failed {
            tracing::warn!(%err, "cannot apply kept updates now; trying again shortly");
            (self.hooks.failed)();
            self.kept.clear();
            self.pause_after_failure();
            return;
        }
        handled.sort_unstable();
        let mut position = 0;
        self.kept.retain(|_| {
            let keep = handled.binary_search(&position).is_err();
            position += 1;
            keep
        });
        if self.kept.is_empty() && !self.more_kept {
            self.backlog = false;
        }
    }
}

/// Parses a page of kept events; those that no longer parse are kept as
/// failed now (visible, replayed later) and left out.
fn parse_kept(
    conn: &mut DbConn,
    page: Vec<PendingEvent>,
    parse: &ParseKept,
    publish: fn(&mut DbConn, &Received) -> Result<(), StoreError>,
) -> Result<Vec<ParsedKept>, StoreError> {
    let mut integrations_by_id: HashMap<Id, Integration> = HashMap::new();
    let mut parsed = Vec::with_capacity(page.len());
    for event in page {
        let integration = match integrations_by_id.get(&event.integration_id) {
            Some(integration) => integration.clone(),
            None => {
                let found = integrations::find_integration(conn, event.integration_id)?;
                integrations_by_id.insert(found.id, found.clone());
                found
            }
        };
        match parse(&integration, &event.body) {
            Ok(inbound) => parsed.push(ParsedKept {
                event,
                integration,
                inbound,
                lost: 0,
            }),
            Err(reason) => {
                tracing::error!(integration_id = integration.id, %reason, "a kept update no longer parses; kept as failed");
                let kept_as_failed = Received {
                    kept_as_failed: Some(integration.id),
                    ..Received::default()
                };
                conn.transaction(|conn| {
                    if mark_kept_failed(conn, integration.id, &event.dedup_key, &reason)? {
                        publish(conn, &kept_as_failed)?;
                    }
                    Ok::<_, StoreError>(())
                })?;
            }
        }
    }
    Ok(parsed)
}

/// A kept event, parsed, ready to apply.
pub(super) struct ParsedKept {
    event: PendingEvent,
    integration: Integration,
    inbound: Inbound,
    /// How often applying it lost a deadlock to another transaction.
    lost: u32,
}

/// What one applier's slice did.
#[derive(Default)]
struct SliceApplied {
    /// Each applied event's messenger and changes.
    applied: Vec<(Channel, Received)>,
    /// How many of its events it handled, in order.
    handled: usize,
    /// The first event not handled lost a deadlock to another transaction;
    /// the next slice, a new transaction, applies it again.
    next_lost: bool,
}

type SliceOutcome = Result<SliceApplied, StoreError>;

/// When a slice of applying ends.
#[derive(Debug, Clone, Copy)]
struct SliceBudget {
    /// At most this long.
    most: Duration,
    /// Past this, as soon as webhooks wait.
    least: Duration,
}

/// Applies parsed kept events in order within one transaction, stopping when
/// the slice's time is up (or, after its least, when webhooks wait), or when
/// one lost a deadlock: the other side may wait for what this transaction
/// holds, so it is applied again in the next one.
///
/// Events are first applied without a savepoint each: a savepoint costs two
/// statements per event, and on SQLite a copy of every page the event changes
/// (the statement journal) and a savepoint call into each full-text index; a
/// slice of messages in existing chats spent about a tenth of its time there
/// (docs/BENCHMARKS.md). An event that fails then leaves what it wrote in the
/// transaction, so the slice is rolled back and applied again with a
/// savepoint per event, which keeps the one that fails as failed without
/// undoing the others. Failing events are rare (a bug), so the slice applied
/// twice is too. On PostgreSQL each event keeps its savepoint: there a
/// savepoint costs little next to the rest of an event, and an event that
/// loses a deadlock to another applier or node (not rare there) would roll
/// the whole slice back.
fn apply_kept(
    conn: &mut DbConn,
    events: &[&ParsedKept],
    publish: fn(&mut DbConn, &Received) -> Result<(), StoreError>,
    waiting: &AtomicUsize,
    budget: SliceBudget,
) -> SliceOutcome {
    if events.is_empty() {
        return Ok(SliceApplied::default());
    }
    let first = match conn {
        DbConn::Sqlite(_) => Savepoints::None,
        DbConn::Postgres(_) => Savepoints::PerEvent,
    };
    match apply_slice(conn, events, publish, waiting, budget, first) {
        Ok(slice) => Ok(slice),
        Err(SliceError::Store(err)) => Err(err),
        Err(SliceError::EventFailed(err)) => {
            tracing::debug!(%err, "a kept update failed; applying its slice again, each update in its own savepoint");
            apply_slice(conn, events, publish, waiting, budget, Savepoints::PerEvent).map_err(
                |err| match err {
                    SliceError::Store(err) | SliceError::EventFailed(err) => err,
                },
            )
        }
    }
}

/// Whether each event of a slice is applied in a savepoint of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Savepoints {
    None,
    PerEvent,
}

/// Why a slice was rolled back.
enum SliceError {
    /// The database failed the slice as a whole (unreachable, its commit).
    Store(StoreError),
    /// An event applied without a savepoint of its own failed.
    EventFailed(StoreError),
}

impl From<diesel::result::Error> for SliceError {
    fn from(err: diesel::result::Error) -> Self {
        SliceError::Store(err.into())
    }
}

fn apply_slice(
    conn: &mut DbConn,
    events: &[&ParsedKept],
    publish: fn(&mut DbConn, &Received) -> Result<(), StoreError>,
    waiting: &AtomicUsize,
    budget: SliceBudget,
    savepoints: Savepoints,
) -> Result<SliceApplied, SliceError> {
    let started = Instant::now();
    write_transaction(conn, |conn| {
        integrations::lock_inbound(
            conn,
            [],
            events
                .iter()
                .map(|kept| (kept.integration.id, kept.inbound.customer_key())),
        )
        .map_err(SliceError::Store)?;
        let mut slice = SliceApplied::default();
        for kept in events {
            let spent = started.elapsed();
            if spent > budget.most || (spent > budget.least && waiting.load(Ordering::SeqCst) > 0) {
                break;
            }
            let applied = match savepoints {
                Savepoints::None => Some(
                    record_inbound(
                        conn,
                        &kept.integration,
                        &kept.inbound,
                        &kept.event.body,
                        publish,
                    )
                    .map_err(SliceError::EventFailed)?,
                ),
                Savepoints::PerEvent => apply_one(
                    conn,
                    &kept.integration,
                    &kept.inbound,
                    &kept.event.body,
                    publish,
                    kept.lost + 1 < APPLY_ATTEMPTS,
                )
                .map_err(SliceError::Store)?,
            };
            match applied {
                Some(received) => slice.applied.push((kept.integration.kind, received)),
                None => {
                    slice.next_lost = true;
                    break;
                }
            }
            slice.handled += 1;
        }
        Ok(slice)
    })
}

/// Which applier of a slice applies events of this customer: always the same
/// one, so one customer's events stay in order.
fn applier_of(inbound: &Inbound, integration_id: Id, appliers: usize) -> usize {
    let key = integrations::customer_lock_key(integration_id, inbound.customer_key());
    (u64::from_le_bytes(key.to_le_bytes()) % appliers as u64) as usize
}
