//! Reads for reports: the timeline facts of a range (one query by time,
//! then, in chunks, what came before for chats whose conversation began
//! earlier and what came after for conversations still open at its end),
//! deals created in the range, and the names and open chats the tables show.
//! Counting itself is `domain::reports`; nothing here decides a figure.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use shared::Id;

use super::schema::{chats, contacts, deals, integrations, pipelines, stages, timeline_items};
use super::{DbConn, StoreError};
use crate::domain::reports::{DealOutcome, Fact, FunnelCount, Item, StageDeals};
use crate::store::OnBackend;

/// Chats per `IN (…)` list: well under every backend's parameter limit.
pub(super) const CHUNK: usize = 500;

/// The events that shape conversations; others never change a figure.
pub(super) const EVENTS: [&str; 5] = ["opened", "reopened", "closed", "assigned", "unassigned"];

/// One chat's facts in timeline order.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatFacts {
    pub chat_id: Id,
    pub integration_id: Id,
    pub items: Vec<Item>,
}

pub(super) type Row = (
    Id,
    Id,
    NaiveDateTime,
    String,
    Option<String>,
    Option<Id>,
    Option<String>,
    Option<String>,
);

/// What a stored row means for reports; `None` for rows that mean nothing.
fn fact_of(row: &Row) -> Option<Item> {
    let (_, _, at, kind, direction, author_id, event, data) = row;
    let data = || -> Option<serde_json::Value> {
        data.as_deref().and_then(|d| serde_json::from_str(d).ok())
    };
    let fact = match (kind.as_str(), direction.as_deref(), event.as_deref()) {
        ("message", Some("in"), _) => Fact::CustomerMessage,
        ("message", Some("out"), _) => {
            let auto = data().is_some_and(|d| d.get("auto").is_some_and(|a| !a.is_null()));
            match auto {
                true => Fact::AutoMessage,
                false => Fact::ManagerMessage(*author_id),
            }
        }
        ("event", _, Some("opened")) => Fact::Started { reopen: false },
        ("event", _, Some("reopened")) => Fact::Started { reopen: true },
        ("event", _, Some("closed")) => Fact::Closed,
        ("event", _, Some("assigned")) => {
            Fact::Holder(data().and_then(|d| d.get("user_id").and_then(|u| u.as_i64())))
        }
        ("event", _, Some("unassigned")) => Fact::Holder(None),
        _ => return None,
    };
    Some(Item {
        at: at.and_utc(),
        fact,
    })
}

/// Every fact row (of every chat, in timeline order): filter it further.
macro_rules! fact_rows {
    () => {{
        use $crate::store::reports::EVENTS;
        use $crate::store::schema::{chats, timeline_items};
        timeline_items::table
            .inner_join(chats::table)
            .filter(
                timeline_items::kind
                    .eq("message")
                    .or(timeline_items::event.eq_any(EVENTS)),
            )
            .select((
                timeline_items::chat_id,
                chats::integration_id,
                timeline_items::at,
                timeline_items::kind,
                timeline_items::direction,
                timeline_items::author_id,
                timeline_items::event,
                timeline_items::data,
            ))
            .order((timeline_items::chat_id, timeline_items::id))
    }};
}
pub(super) use fact_rows;

pub(super) fn group(rows: Vec<Row>, into: &mut BTreeMap<Id, ChatFacts>) {
    for row in rows {
        let Some(item) = fact_of(&row) else { continue };
        into.entry(row.0)
            .or_insert_with(|| ChatFacts {
                chat_id: row.0,
                integration_id: row.1,
                items: Vec::new(),
            })
            .items
            .push(item);
    }
}

/// Every chat with facts in `[from, to)`, each with the facts it needs: the
/// status and assignment events before `from` when its first fact in the
/// range is not a start, and everything after `to` when a conversation is
/// still open at `to`.
///
/// `only` (at most [`CHUNK`] ids, from [`chats_with_facts`]) narrows it to
/// those chats: the conversations CSV reads a long range a chunk at a time.
pub fn chat_facts(
    conn: &mut DbConn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    integration_id: Option<Id>,
    only: Option<&[Id]>,
) -> Result<Vec<ChatFacts>, StoreError> {
    let (from, to) = (from.naive_utc(), to.naive_utc());
    let mut window = BTreeMap::new();
    let mut query = fact_rows!()
        .filter(timeline_items::at.ge(from))
        .filter(timeline_items::at.lt(to))
        .into_boxed();
    if let Some(id) = integration_id {
        query = query.filter(chats::integration_id.eq(id));
    }
    if let Some(ids) = only {
        query = query.filter(timeline_items::chat_id.eq_any(ids));
    }
    group(query.load::<Row>(conn)?, &mut window);

    let needs_before: Vec<Id> = window
        .values()
        .filter(|c| !matches!(c.items.first(), Some(i) if matches!(i.fact, Fact::Started { .. })))
        .map(|c| c.chat_id)
        .collect();
    let mut before = BTreeMap::new();
    for ids in needs_before.chunks(CHUNK) {
        let rows = fact_rows!()
            .filter(timeline_items::chat_id.eq_any(ids))
            .filter(timeline_items::kind.eq("event"))
            .filter(timeline_items::at.lt(from))
            .load_on::<Row>(conn)?;
        group(rows, &mut before);
    }

    let open_at_end: Vec<Id> = window
        .values()
        .filter(|c| {
            let last_status = c
                .items
                .iter()
                .rev()
                .find(|i| matches!(i.fact, Fact::Started { .. } | Fact::Closed));
            matches!(last_status, Some(i) if matches!(i.fact, Fact::Started { .. }))
        })
        .map(|c| c.chat_id)
        .collect();
    let mut after = BTreeMap::new();
    for ids in open_at_end.chunks(CHUNK) {
        let rows = fact_rows!()
            .filter(timeline_items::chat_id.eq_any(ids))
            .filter(timeline_items::at.ge(to))
            .load_on::<Row>(conn)?;
        group(rows, &mut after);
    }

    Ok(window
        .into_values()
        .map(|mut chat| {
            let mut items = before
                .remove(&chat.chat_id)
                .map(|c| c.items)
                .unwrap_or_default();
            items.append(&mut chat.items);
            if let Some(mut later) = after.remove(&chat.chat_id) {
                items.append(&mut later.items);
            }
            chat.items = items;
            chat
        })
        .collect())
}

/// The chats with facts in `[from, to)`, in id order, to be read
/// [`CHUNK`] at a time with [`chat_facts`].
pub fn chats_with_facts(
    conn: &mut DbConn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    integration_id: Option<Id>,
) -> Result<Vec<Vec<Id>>, StoreError> {
    let mut query = timeline_items::table
        .inner_join(chats::table)
        .filter(
            timeline_items::kind
                .eq("message")
                .or(timeline_items::event.eq_any(EVENTS)),
        )
        .filter(timeline_items::at.ge(from.naive_utc()))
        .filter(timeline_items::at.lt(to.naive_utc()))
        .select(timeline_items::chat_id)
        .distinct()
        .order(timeline_items::chat_id)
        .into_boxed();
    if let Some(id) = integration_id {
        query = query.filter(chats::integration_id.eq(id));
    }
    let ids: Vec<Id> = query.load(conn)?;
    Ok(ids.chunks(CHUNK).map(<[Id]>::to_vec).collect())
}

/// Who a conversation row names.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatNames {
    pub integration: String,
    pub channel: String,
    pub contact: String,
}

/// Integration, channel and contact names of these chats.
pub fn chat_names(
    conn: &mut DbConn,
    chat_ids: &[Id],
) -> Result<HashMap<Id, ChatNames>, StoreError> {
    let mut names = HashMap::with_capacity(chat_ids.len());
    for ids in chat_ids.chunks(CHUNK) {
        let rows: Vec<(Id, String, String, String)> = chats::table
            .inner_join(integrations::table)
            .inner_join(contacts::table)
            .filter(chats::id.eq_any(ids))
            .select((
                chats::id,
                integrations::name,
                integrations::kind,
                contacts::name,
            ))
            .load_on(conn)?;
        for (id, integration, channel, contact) in rows {
            names.insert(
                id,
                ChatNames {
                    integration,
                    channel,
                    contact,
                },
            );
        }
    }
    Ok(names)
}

/// Open chats per assignee now.
pub fn open_chats_by_assignee(
    conn: &mut DbConn,
    integration_id: Option<Id>,
) -> Result<HashMap<Id, u64>, StoreError> {
    // Counted by the database: a team's open chats come back as one row per
    // manager, not one per chat.
    let mut query = chats::table
        .filter(chats::status.eq("open"))
        .filter(chats::assignee_id.is_not_null())
        .group_by(chats::assignee_id)
        .select((chats::assignee_id, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(id) = integration_id {
        query = query.filter(chats::integration_id.eq(id));
    }
    Ok(query
        .load::<(Option<Id>, i64)>(conn)?
        .into_iter()
        .filter_map(|(assignee, open)| Some((assignee?, open.max(0) as u64)))
        .collect())
}

/// The deals `count` counts in `[from, to)` (of chats of the integration, if
/// given), per stage with their names: created by their creation date, won
/// or lost by the date they closed so. Counted and summed by the database: a
/// month of a busy team's deals comes back as a row per stage.
pub fn stage_deals(
    conn: &mut DbConn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    integration_id: Option<Id>,
    count: FunnelCount,
) -> Result<Vec<StageDeals>, StoreError> {
    use diesel::dsl::{count_star, sum};
    let (from, to) = (from.naive_utc(), to.naive_utc());
    // Without an integration no chat is read: the indexes on `deals` answer
    // alone.
    macro_rules! counted {
        ($deals:expr) => {{
            let query = $deals
                .group_by(deals::stage_id)
                .select((deals::stage_id, count_star(), sum(deals::amount)))
                .into_boxed();
            let query = match count {
                FunnelCount::Created => query
                    .filter(deals::created_at.ge(from))
                    .filter(deals::created_at.lt(to)),
                FunnelCount::Closed(outcome) => query
                    .filter(deals::status.eq(match outcome {
                        DealOutcome::Won => "won",
                        DealOutcome::Lost => "lost",
                    }))
                    .filter(deals::closed_at.ge(from))
                    .filter(deals::closed_at.lt(to)),
            };
            query.load::<(Id, i64, Option<f64>)>(conn)?
        }};
    }
    let counted = match integration_id {
        None => counted!(deals::table),
        Some(id) => counted!(deals::table
            .inner_join(chats::table.on(deals::chat_id.eq(chats::id.nullable())))
            .filter(chats::integration_id.eq(id))),
    };
    if counted.is_empty() {
        return Ok(Vec::new());
    }
    let stage_ids: Vec<Id> = counted.iter().map(|(stage_id, ..)| *stage_id).collect();
    let names: HashMap<Id, (Id, String, String, i32)> = stages::table
        .inner_join(pipelines::table)
        .filter(stages::id.eq_any(&stage_ids))
        .select((
            stages::id,
            pipelines::id,
            pipelines::name,
            stages::name,
            stages::position,
        ))
        .load_on::<(Id, Id, String, String, i32)>(conn)?
        .into_iter()
        .map(|(stage_id, pipeline_id, pipeline, stage, position)| {
            (stage_id, (pipeline_id, pipeline, stage, position))
        })
        .collect();
    Ok(counted
        .into_iter()
        .filter_map(|(stage_id, deals, amount)| {
            let (pipeline_id, pipeline_name, stage_name, stage_position) =
                names.get(&stage_id)?.clone();
            Some(StageDeals {
                pipeline_id,
                pipeline_name,
                stage_id,
                stage_name,
                stage_position,
                count,
                deals: deals.max(0) as u64,
                amount: amount.unwrap_or(0.0),
            })
        })
        .collect())
}
