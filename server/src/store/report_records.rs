//! Reports' records (`domain::report_records`): rebuilding those of the chats
//! whose timeline changed, and reading a range's conversations, closes and
//! message slots. The triggers of migration 000031 mark a chat stale in the
//! same transaction as any insert, change or removal of its timeline items;
//! [`refresh`] rebuilds every stale chat from its stored facts before a report
//! reads, so the records are always what the timeline says. Decides no figure.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use shared::Id;

use super::reports::{fact_rows, group, ChatFacts, Row, CHUNK};
use super::schema::{report_chats, report_conversations, report_message_slots};
use super::{lock_for_transaction, lock_key, write_transaction, DbConn, StoreError};
use crate::domain::report_records::{
    decode_holders, decode_slots, encode_holders, encode_slots, summarize, ChatSummary,
    DecodeError, SlotCloses, SlotCounts,
};
use crate::domain::reports::Conversation;
use crate::store::OnBackend;

/// Rows per multi-row INSERT.
const BATCH: usize = 500;

/// A chat's stored record text that does not decode.
fn corrupt(chat_id: Id) -> impl Fn(DecodeError) -> StoreError {
    move |err| StoreError::Corrupt(format!("report record of chat {chat_id}: {err}"))
}

/// Chats a rebuild takes per transaction: a full chunk may leave more.
pub const REBUILD_CHUNK: usize = CHUNK;

/// Whether any chat's records wait for a rebuild (one indexed read; takes no
/// write lock).
pub fn any_stale(conn: &mut DbConn) -> Result<bool, StoreError> {
    let any: Option<Id> = report_chats::table
        .filter(report_chats::stale.eq(true))
        .select(report_chats::chat_id)
        .first_on(conn)
        .optional()?;
    Ok(any.is_some())
}

/// Rebuilds the records of every stale chat, [`REBUILD_CHUNK`] chats per
/// transaction; returns how many chats were rebuilt. The background builder
/// (`service::report_records`) leaves a report little or nothing to do here.
pub fn refresh(conn: &mut DbConn) -> Result<u64, StoreError> {
    // A read first: with nothing to rebuild, a report takes no write lock.
    if !any_stale(conn)? {
        return Ok(0);
    }
    let mut total = 0;
    loop {
        let done = refresh_chunk(conn)?;
        total += done as u64;
        if done < CHUNK {
            return Ok(total);
        }
    }
}

/// Rebuilds up to [`REBUILD_CHUNK`] stale chats; returns how many. Whoever
/// calls it (a report, the background builder, another node on the same
/// PostgreSQL) takes turns on one lock to write, and writes only chats still
/// stale, so no chat is rebuilt twice at once.
///
/// On PostgreSQL the chats' facts are read before the write transaction,
/// holding no lock: a rebuild that held the chats' rows while it read would
/// make every writer reaching one of them wait (the trigger's upsert needs the
/// row), and reading a chunk's timelines takes long on a busy machine at the
/// builder's low priority. Then the transaction locks the rows, skipping
/// those a writer holds, and writes only the chats whose `changes` (bumped by
/// the trigger with every change) are what they were before the facts were
/// read: a chat changed meanwhile stays stale for the next pass. SQLite has
/// one writer at a time: everything happens in its write transaction, where
/// nothing changes in between (its triggers leave `changes` alone).
pub fn refresh_chunk(conn: &mut DbConn) -> Result<usize, StoreError> {
    match conn {
        DbConn::Postgres(_) => {
            let read = read_stale(conn)?;
            rebuild_read(conn, &read)
        }
        DbConn::Sqlite(_) => write_transaction(conn, |conn| {
            let read = read_stale(conn)?;
            rebuild(conn, &read)
        }),
    }
}

/// Stale chats as read before their rebuild.
pub struct StaleChats {
    /// Each chat's `changes` when it was read.
    changes: HashMap<Id, i64>,
    /// What their facts (read after `changes`, so holding at least those
    /// changes) summarize to, and their integration; computed before the
    /// rebuild locks anything.
    summaries: BTreeMap<Id, (Option<Id>, ChatSummary)>,
}

impl StaleChats {
    /// Whether this chat was read.
    pub fn holds(&self, chat_id: Id) -> bool {
        self.changes.contains_key(&chat_id)
    }
}

/// Up to a chunk of stale chats with their `changes`, then their facts: the
/// first half of a PostgreSQL rebuild, holding no lock.
pub fn read_stale(conn: &mut DbConn) -> Result<StaleChats, StoreError> {
    let changes: HashMap<Id, i64> = report_chats::table
        .filter(report_chats::stale.eq(true))
        .select((report_chats::chat_id, report_chats::changes))
        .order(report_chats::chat_id)
        .limit(CHUNK as i64)
        .load_on::<(Id, i64)>(conn)?
        .into_iter()
        .collect();
    let mut facts: BTreeMap<Id, ChatFacts> = BTreeMap::new();
    if !changes.is_empty() {
        let ids: Vec<Id> = changes.keys().copied().collect();
        let rows: Vec<Row> = fact_rows!()
            .filter(super::schema::timeline_items::chat_id.eq_any(&ids))
            .load_on(conn)?;
        group(rows, &mut facts);
    }
    let summaries = changes
        .keys()
        .map(|&chat_id| {
            let chat = facts.get(&chat_id);
            let summary = chat
                .map(|c| summarize(chat_id, &c.items))
                .unwrap_or_default();
            (chat_id, (chat.map(|c| c.integration_id), summary))
        })
        .collect();
    Ok(StaleChats { changes, summaries })
}

/// The second half of a PostgreSQL rebuild: writes, in one transaction, the
/// records of the chats `read` that are still stale and unchanged since then;
/// returns how many.
pub fn rebuild_read(conn: &mut DbConn, read: &StaleChats) -> Result<usize, StoreError> {
    if read.changes.is_empty() {
        return Ok(0);
    }
    write_transaction(conn, |conn| rebuild(conn, read))
}

/// [`rebuild_read`] inside the caller's write transaction.
fn rebuild(conn: &mut DbConn, read: &StaleChats) -> Result<usize, StoreError> {
    let StaleChats {
        changes: seen,
        summaries,
    } = read;
    if seen.is_empty() {
        return Ok(0);
    }
    // One rebuilder at a time: two would both subtract a chat's old slots.
    lock_for_transaction(conn, lock_key(&[b"report_records"]))?;
    let ids: Vec<Id> = seen.keys().copied().collect();
    let still_stale = report_chats::table
        .filter(report_chats::chat_id.eq_any(&ids))
        .filter(report_chats::stale.eq(true))
        .select((
            report_chats::chat_id,
            report_chats::integration_id,
            report_chats::slots,
            report_chats::changes,
        ))
        .order(report_chats::chat_id);
    // On PostgreSQL the rows are locked here, skipping those a writer holds:
    // an inbound batch marks many chats in its own order, and a rebuild
    // waiting for one of them while holding others could deadlock with it
    // (the database then aborts one side, possibly the customer's message). A
    // skipped chat stays stale and is rebuilt once its writer commits. SQLite
    // has one writer at a time and no row locks.
    let rows: Vec<(Id, Option<Id>, String, i64)> = match conn {
        DbConn::Postgres(c) => still_stale.for_update().skip_locked().load(c)?,
        DbConn::Sqlite(c) => still_stale.load(c)?,
    };
    let stale: Vec<(Id, Option<Id>, String)> = rows
        .into_iter()
        .filter(|(chat_id, _, _, changes)| seen.get(chat_id) == Some(changes))
        .map(|(chat_id, integration, slots, _)| (chat_id, integration, slots))
        .collect();
    if stale.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Id> = stale.iter().map(|(id, _, _)| *id).collect();
    diesel::delete(report_conversations::table.filter(report_conversations::chat_id.eq_any(&ids)))
        .execute_on(conn)?;
    let mut deltas: HashMap<(i64, Id, Id), SlotCounts> = HashMap::new();
    let mut records = Vec::new();
    let mut rebuilt = Vec::with_capacity(stale.len());
    for (chat_id, old_integration, old_slots) in &stale {
        let Some((integration, summary)) = summaries.get(chat_id) else {
            continue;
        };
        if let Some(integration) = old_integration {
            for ((slot, author), counts) in decode_slots(old_slots).map_err(corrupt(*chat_id))? {
                deltas
                    .entry((slot, *integration, author))
                    .or_default()
                    .add(counts, -1);
            }
        }
        let integration = *integration;
        if let Some(integration) = integration {
            for ((slot, author), counts) in &summary.slots {
                deltas
                    .entry((*slot, integration, *author))
                    .or_default()
                    .add(*counts, 1);
            }
            for (seq, c) in summary.conversations.iter().enumerate() {
                records.push(record_values(integration, seq as i32, c));
            }
        }
        rebuilt.push((*chat_id, integration, encode_slots(&summary.slots)));
    }
    set_rebuilt(conn, &rebuilt)?;
    while !records.is_empty() {
        let rest = records.split_off(records.len().min(BATCH));
        diesel::insert_into(report_conversations::table)
            .values(records)
            .execute_on(conn)?;
        records = rest;
    }
    let deltas: Vec<_> = deltas.into_iter().filter(|(_, d)| !d.is_zero()).collect();
    for batch in deltas.chunks(BATCH) {
        add_to_slots(conn, batch)?;
    }
    Ok(stale.len())
}

/// Marks the rebuilt chats fresh with where their slots were added: one
/// statement on PostgreSQL (each is a round trip while the chats' rows are
/// held), one cached statement per chat on SQLite. The rows stay held until
/// commit: a writer changing one of these chats from now on waits, then marks
/// it stale again.
fn set_rebuilt(conn: &mut DbConn, rebuilt: &[(Id, Option<Id>, String)]) -> Result<(), StoreError> {
    use diesel::sql_types::{Array, BigInt, Nullable, Text};
    match conn {
        DbConn::Postgres(pg) => {
            let ids: Vec<Id> = rebuilt.iter().map(|(id, _, _)| *id).collect();
            let integrations: Vec<Option<Id>> = rebuilt.iter().map(|(_, i, _)| *i).collect();
            let slots: Vec<&str> = rebuilt.iter().map(|(_, _, s)| s.as_str()).collect();
            diesel::sql_query(
                "UPDATE report_chats AS r SET stale = FALSE, \
                 integration_id = u.integration_id, slots = u.slots \
                 FROM unnest($1::bigint[], $2::bigint[], $3::text[]) \
                 AS u(chat_id, integration_id, slots) WHERE r.chat_id = u.chat_id",
            )
            .bind::<Array<BigInt>, _>(&ids)
            .bind::<Array<Nullable<BigInt>>, _>(&integrations)
            .bind::<Array<Text>, _>(&slots)
            .execute(pg)?;
        }
        DbConn::Sqlite(_) => {
            for (chat_id, integration, slots) in rebuilt {
                diesel::update(report_chats::table.find(*chat_id))
                    .set((
                        report_chats::stale.eq(false),
                        report_chats::integration_id.eq(integration),
                        report_chats::slots.eq(slots),
                    ))
                    .execute_on(conn)?;
            }
        }
    }
    Ok(())
}

/// Adds counts to the slot rows, creating missing ones. One statement per
/// batch: the derived backend has no ON CONFLICT, and SQLite and PostgreSQL
/// share this upsert's syntax. Every value is an integer we format.
fn add_to_slots(
    conn: &mut DbConn,
    deltas: &[((i64, Id, Id), SlotCounts)],
) -> Result<(), StoreError> {
    if deltas.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = deltas
        .iter()
        .map(|((slot, integration, author), d)| {
            format!(
                "({slot}, {integration}, {author}, {}, {}, {})",
                d.messages_in, d.messages_out, d.messages_auto
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO report_message_slots \
         (slot, integration_id, author_id, messages_in, messages_out, messages_auto) \
         VALUES {} ON CONFLICT (slot, integration_id, author_id) DO UPDATE SET \
         messages_in = report_message_slots.messages_in + excluded.messages_in, \
         messages_out = report_message_slots.messages_out + excluded.messages_out, \
         messages_auto = report_message_slots.messages_auto + excluded.messages_auto",
        values.join(", ")
    );
    diesel::sql_query(sql).execute_on(conn)?;
    Ok(())
}

type RecordValues = (
    diesel::dsl::Eq<report_conversations::chat_id, Id>,
    diesel::dsl::Eq<report_conversations::seq, i32>,
    diesel::dsl::Eq<report_conversations::integration_id, Id>,
    diesel::dsl::Eq<report_conversations::started_at, NaiveDateTime>,
    diesel::dsl::Eq<report_conversations::started_s, i64>,
    diesel::dsl::Eq<report_conversations::reopen, bool>,
    diesel::dsl::Eq<report_conversations::closed_at, Option<NaiveDateTime>>,
    diesel::dsl::Eq<report_conversations::closed_s, Option<i64>>,
    diesel::dsl::Eq<report_conversations::holder_id, Option<Id>>,
    diesel::dsl::Eq<report_conversations::holders, String>,
    diesel::dsl::Eq<report_conversations::first_customer_at, Option<NaiveDateTime>>,
    diesel::dsl::Eq<report_conversations::first_response_at, Option<NaiveDateTime>>,
    diesel::dsl::Eq<report_conversations::first_responder_id, Option<Id>>,
    diesel::dsl::Eq<report_conversations::first_response_s, Option<i64>>,
    diesel::dsl::Eq<report_conversations::resolution_s, Option<i64>>,
    diesel::dsl::Eq<report_conversations::messages_in, i64>,
    diesel::dsl::Eq<report_conversations::messages_out, i64>,
);

fn record_values(integration_id: Id, seq: i32, c: &Conversation) -> RecordValues {
    use report_conversations as r;
    (
        r::chat_id.eq(c.chat_id),
        r::seq.eq(seq),
        r::integration_id.eq(integration_id),
        r::started_at.eq(c.started_at.naive_utc()),
        r::started_s.eq(c.started_at.timestamp()),
        r::reopen.eq(c.reopen),
        r::closed_at.eq(c.closed_at.map(|at| at.naive_utc())),
        r::closed_s.eq(c.closed_at.map(|at| at.timestamp())),
        r::holder_id.eq(c.holder),
        r::holders.eq(encode_holders(&c.holders)),
        r::first_customer_at.eq(c.first_customer_at.map(|at| at.naive_utc())),
        r::first_response_at.eq(c.first_response_at.map(|at| at.naive_utc())),
        r::first_responder_id.eq(c.first_responder),
        r::first_response_s.eq(c.first_response_s),
        r::resolution_s.eq(c.resolution_s),
        r::messages_in.eq(c.messages_in as i64),
        r::messages_out.eq(c.messages_out as i64),
    )
}

fn from_s(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// A conversation as read back: its integration and record.
pub type Record = (Id, Conversation);

type RecordRow = (
    Id,
    Id,
    i64,
    bool,
    Option<i64>,
    Option<Id>,
    String,
    Option<Id>,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
);

/// The times a record keeps for business hours.
type TimesRow = (
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

fn record(row: RecordRow, times: Option<TimesRow>) -> Result<Record, StoreError> {
    let (
        chat_id,
        integration,
        started_s,
        reopen,
        closed_s,
        holder,
        holders,
        first_responder,
        first_response_s,
        resolution_s,
        messages_in,
        messages_out,
    ) = row;
    let mut c = Conversation {
        chat_id,
        started_at: from_s(started_s),
        reopen,
        first_customer_at: None,
        first_response_at: None,
        first_responder,
        closed_at: closed_s.map(from_s),
        holders: decode_holders(&holders).map_err(corrupt(chat_id))?,
        holder,
        messages_in: messages_in as u64,
        messages_out: messages_out as u64,
        first_response_s,
        resolution_s,
    };
    if let Some((started, asked, answered, closed)) = times {
        c.started_at = started.and_utc();
        c.first_customer_at = asked.map(|t| t.and_utc());
        c.first_response_at = answered.map(|t| t.and_utc());
        c.closed_at = closed.map(|t| t.and_utc());
    }
    Ok((integration, c))
}

/// What a read of a range's conversations takes beyond their starts, closes
/// and whole-second durations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wanted {
    /// The exact times, which business hours need.
    pub exact_times: bool,
    /// Who held each conversation and answered it first, and its message
    /// counts: the managers table needs them, the overview does not, and
    /// leaving them out leaves each row a few integers to read.
    pub holders: bool,
    /// By chat, each chat's oldest first. Reports need no order, and sorting a
    /// month of conversations costs more than reading them.
    pub in_chat_order: bool,
}

/// The conversations that started in the range, `$columns` of each.
macro_rules! started_rows {
    ($from:expr, $to:expr, $integration_id:expr, $in_chat_order:expr, $columns:expr) => {{
        use report_conversations as r;
        let mut query = r::table
            .filter(r::started_s.ge($from.timestamp()))
            .filter(r::started_s.lt($to.timestamp()))
            .select($columns)
            .into_boxed();
        if let Some(id) = $integration_id {
            query = query.filter(r::integration_id.eq(id));
        }
        if $in_chat_order {
            query = query.order((r::chat_id, r::seq));
        }
        query
    }};
}

/// A [`RecordRow`]'s columns.
macro_rules! record_columns {
    () => {{
        use report_conversations as r;
        (
            r::chat_id,
            r::integration_id,
            r::started_s,
            r::reopen,
            r::closed_s,
            r::holder_id,
            r::holders,
            r::first_responder_id,
            r::first_response_s,
            r::resolution_s,
            r::messages_in,
            r::messages_out,
        )
    }};
}

/// What the overview reads of a conversation: chat, integration, start,
/// reopen, close, first response and resolution seconds.
type FiguresRow = (Id, Id, i64, bool, Option<i64>, Option<i64>, Option<i64>);

/// A [`FiguresRow`]'s columns.
macro_rules! figures_columns {
    () => {{
        use report_conversations as r;
        (
            r::chat_id,
            r::integration_id,
            r::started_s,
            r::reopen,
            r::closed_s,
            r::first_response_s,
            r::resolution_s,
        )
    }};
}

/// A record of which only the overview's figures were read.
fn figures(row: FiguresRow, times: Option<TimesRow>) -> Result<Record, StoreError> {
    let (chat_id, integration, started_s, reopen, closed_s, first_response_s, resolution_s) = row;
    let full = (
        chat_id,
        integration,
        started_s,
        reopen,
        closed_s,
        None,
        String::new(),
        None,
        first_response_s,
        resolution_s,
        0,
        0,
    );
    record(full, times)
}

/// Conversations that started in `[from, to)` (compared in Unix seconds,
/// which every instant of the range floors into), of the integration if
/// given, with what `wanted` asks for. Times are whole seconds (all the
/// overview needs, and integers read fast) unless exact times are wanted;
/// without holders, a record's holders, first responder, holder at the close
/// and message counts are left empty, and a month of conversations is a
/// third of the values to read (on PostgreSQL, most of the time is taking
/// each value out of the answer).
pub fn started_in(
    conn: &mut DbConn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    integration_id: Option<Id>,
    wanted: Wanted,
) -> Result<Vec<Record>, StoreError> {
    use report_conversations as r;
    let order = wanted.in_chat_order;
    let times = (
        r::started_at,
        r::first_customer_at,
        r::first_response_at,
        r::closed_at,
    );
    match (wanted.holders, wanted.exact_times) {
        (true, true) => started_rows!(from, to, integration_id, order, (record_columns!(), times))
            .load::<(RecordRow, TimesRow)>(conn)?
            .into_iter()
            .map(|(row, times)| record(row, Some(times)))
            .collect(),
        (true, false) => started_rows!(from, to, integration_id, order, record_columns!())
            .load::<RecordRow>(conn)?
            .into_iter()
            .map(|row| record(row, None))
            .collect(),
        (false, true) => {
            started_rows!(from, to, integration_id, order, (figures_columns!(), times))
                .load::<(FiguresRow, TimesRow)>(conn)?
                .into_iter()
                .map(|(row, times)| figures(row, Some(times)))
                .collect()
        }
        (false, false) => started_rows!(from, to, integration_id, order, figures_columns!())
            .load::<FiguresRow>(conn)?
            .into_iter()
            .map(|row| figures(row, None))
            .collect(),
    }
}

#[derive(QueryableByName)]
struct ClosesRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    slot: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    holder_id: Option<Id>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    closes: i64,
}

/// Conversations closed in the slots `[first, end)`, counted per slot and
/// holder at the close: a month's closes come back as a few thousand
/// counts, not one row each. Every value is an integer we format.
pub fn closes_in(
    conn: &mut DbConn,
    first: i64,
    end: i64,
    integration_id: Option<Id>,
) -> Result<Vec<SlotCloses>, StoreError> {
    use crate::domain::report_records::SLOT_S;
    let from = first * SLOT_S;
    let integration = integration_id
        .map(|id| format!(" AND integration_id = {id}"))
        .unwrap_or_default();
    // Slots counted from the range's start: never negative, so integer
    // division floors on both databases.
    let sql = format!(
        "SELECT {first} + (closed_s - {from}) / {SLOT_S} AS slot, holder_id, COUNT(*) AS closes \
         FROM report_conversations \
         WHERE closed_s >= {from} AND closed_s < {to}{integration} \
         GROUP BY (closed_s - {from}) / {SLOT_S}, holder_id",
        to = end * SLOT_S,
    );
    let rows: Vec<ClosesRow> = diesel::sql_query(sql).load_on(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| SlotCloses {
            slot: row.slot,
            holder: row.holder_id,
            closes: row.closes.max(0) as u64,
        })
        .collect())
}

/// Message counts of the slots `[first, end)` per slot and author (summed
/// over integrations unless one is given).
pub fn slots_in(
    conn: &mut DbConn,
    first: i64,
    end: i64,
    integration_id: Option<Id>,
) -> Result<Vec<(i64, Id, SlotCounts)>, StoreError> {
    use report_message_slots as s;
    let mut query = s::table
        .filter(s::slot.ge(first))
        .filter(s::slot.lt(end))
        .select((
            s::slot,
            s::author_id,
            s::messages_in,
            s::messages_out,
            s::messages_auto,
        ))
        .into_boxed();
    if let Some(id) = integration_id {
        query = query.filter(s::integration_id.eq(id));
    }
    let rows: Vec<(i64, Id, i64, i64, i64)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(slot, author, messages_in, messages_out, messages_auto)| {
            (
                slot,
                author,
                SlotCounts {
                    messages_in,
                    messages_out,
                    messages_auto,
                },
            )
        })
        .collect())
}

/// Per chat its records, and the slot table keyed `(integration, slot,
/// author)`.
pub type Records = (
    BTreeMap<Id, ChatSummary>,
    BTreeMap<(Id, i64, Id), SlotCounts>,
);

/// Every chat's records as kept, and the slot table (zero rows left out),
/// keyed `(integration, slot, author)`: to compare with [`recomputed`].
pub fn kept(conn: &mut DbConn) -> Result<Records, StoreError> {
    refresh(conn)?;
    let mut chats: BTreeMap<Id, ChatSummary> = BTreeMap::new();
    let far = DateTime::from_timestamp(i64::from(i32::MAX) * 8, 0).unwrap_or_default();
    for (_, c) in started_in(
        conn,
        DateTime::UNIX_EPOCH,
        far,
        None,
        Wanted {
            exact_times: true,
            holders: true,
            in_chat_order: true,
        },
    )? {
        chats.entry(c.chat_id).or_default().conversations.push(c);
    }
    let kept_slots: Vec<(Id, String)> = report_chats::table
        .select((report_chats::chat_id, report_chats::slots))
        .load_on(conn)?;
    for (chat_id, slots) in kept_slots {
        let slots = decode_slots(&slots).map_err(corrupt(chat_id))?;
        if !slots.is_empty() {
            chats.entry(chat_id).or_default().slots = slots;
        }
    }
    use report_message_slots as s;
    let rows: Vec<(Id, i64, Id, i64, i64, i64)> = s::table
        .select((
            s::integration_id,
            s::slot,
            s::author_id,
            s::messages_in,
            s::messages_out,
            s::messages_auto,
        ))
        .load_on(conn)?;
    let table = rows
        .into_iter()
        .map(|(i, slot, a, messages_in, messages_out, messages_auto)| {
            (
                (i, slot, a),
                SlotCounts {
                    messages_in,
                    messages_out,
                    messages_auto,
                },
            )
        })
        .filter(|(_, c)| !c.is_zero())
        .collect();
    Ok((chats, table))
}

/// The records every chat's timeline gives now, computed from scratch, in
/// the shape of [`kept`].
pub fn recomputed(conn: &mut DbConn) -> Result<Records, StoreError> {
    let mut facts = BTreeMap::new();
    group(fact_rows!().load_on::<Row>(conn)?, &mut facts);
    let mut chats = BTreeMap::new();
    let mut table: BTreeMap<(Id, i64, Id), SlotCounts> = BTreeMap::new();
    for (chat_id, chat) in facts {
        let summary = summarize(chat_id, &chat.items);
        for ((slot, author), counts) in &summary.slots {
            table
                .entry((chat.integration_id, *slot, *author))
                .or_default()
                .add(*counts, 1);
        }
        if summary != ChatSummary::default() {
            chats.insert(chat_id, summary);
        }
    }
    Ok((chats, table))
}
