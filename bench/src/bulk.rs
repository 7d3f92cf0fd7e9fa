//! The bulk loader for `queries`: fills a fresh database with chats and their
//! messages directly through Diesel, in batches inside transactions — orders of
//! magnitude faster than webhooks, with rows shaped like the ones the server
//! writes (contacts, customers, identities, chats, tags, timelines, and the
//! deal each new conversation opens in the default pipeline). Benchmarks only;
//! the server never loads data this way.

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use indicatif::ProgressBar;
use shared::Id;
use tidings::store::schema::{
    chat_tags, chats, contacts, customer_identities, customers, deals, stages, timeline_items,
};
use tidings::store::{DbConn, StoreError};

use crate::corpus::{self, Rng};

/// What to load.
#[derive(Debug, Clone)]
pub struct Spec {
    pub chats: u64,
    /// Messages in total (spread unevenly over the chats).
    pub messages: u64,
    /// `(integration id, "telegram" | "viber")`, chats alternate between them.
    pub integrations: Vec<(Id, &'static str)>,
    /// Users chats get assigned to, in turn (the first is the admin).
    pub assignees: Vec<Id>,
    /// Chats start between this many days ago and two days ago.
    pub days: u32,
}

/// What was loaded.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub chats: u64,
    pub messages: u64,
    /// First chat id.
    pub first_chat: Id,
}

/// Chats per transaction.
const CHATS_PER_BATCH: u64 = 500;
/// Rows per INSERT (12 columns: under SQLite's 32,766 bound parameters).
const ROWS_PER_INSERT: usize = 1_000;

/// Runs one statement on whichever backend the connection is.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            DbConn::Sqlite($c) => $body,
            DbConn::Postgres($c) => $body,
        }
    };
}

/// Splits rows into INSERT-sized batches (owned: one statement each).
fn batches<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        out.push(rows.by_ref().take(ROWS_PER_INSERT).collect());
    }
    out
}

pub fn load(conn: &mut DbConn, spec: &Spec, bar: &ProgressBar) -> Result<Loaded, StoreError> {
    let mut rng = Rng::new(2026);
    let now = Utc::now().naive_utc();
    let max_contact: Option<Id> = contacts::table.select(max(contacts::id)).first(conn)?;
    let max_customer: Option<Id> = customers::table.select(max(customers::id)).first(conn)?;
    let max_identity: Option<Id> = customer_identities::table
        .select(max(customer_identities::id))
        .first(conn)?;
    let max_chat: Option<Id> = chats::table.select(max(chats::id)).first(conn)?;
    let max_item: Option<Id> = timeline_items::table
        .select(max(timeline_items::id))
        .first(conn)?;
    let max_deal: Option<Id> = deals::table.select(max(deals::id)).first(conn)?;
    // The default pipeline's stages in order: the last two are won and lost.
    let pipeline_id = tidings::store::crm::default_pipeline_id(conn)?;
    let stage_ids: Vec<Id> = stages::table
        .filter(stages::pipeline_id.eq(pipeline_id))
        .order(stages::position)
        .select(stages::id)
        .load(conn)?;
    let (open_stages, closed_stages) = stage_ids.split_at(stage_ids.len().saturating_sub(2));
    let first = |max: Option<Id>| max.unwrap_or(0) + 1;
    let mut contact_id = first(max_contact);
    let mut customer_id = first(max_customer);
    let mut identity_id = first(max_identity);
    let mut chat_id = first(max_chat);
    let mut item_id = first(max_item);
    let mut deal_id = first(max_deal);
    let average = (spec.messages / spec.chats.max(1)).max(1);
    let mut loaded = Loaded {
        first_chat: chat_id,
        ..Loaded::default()
    };
    let mut done = 0;
    while done < spec.chats {
        let batch = CHATS_PER_BATCH.min(spec.chats - done);
        let mut contact_rows = Vec::new();
        let mut customer_rows = Vec::new();
        let mut identity_rows = Vec::new();
        let mut chat_rows = Vec::new();
        let mut tag_rows = Vec::new();
        let mut deal_rows = Vec::new();
        let mut items = Vec::new();
        for n in done..done + batch {
            let (integration_id, channel) =
                spec.integrations[(n as usize) % spec.integrations.len()];
            let name = corpus::name(&mut rng);
            let language = rng.pick(&["en", "es", "ru"]);
            let spread = u64::from(spec.days.saturating_sub(2).max(1)) * 24 * 60;
            let started = now - TimeDelta::minutes(2 * 24 * 60 + rng.below(spread) as i64);
            contact_rows.push((
                contacts::id.eq(contact_id),
                contacts::name.eq(name.clone()),
                contacts::language.eq(Some(language)),
                contacts::created_at.eq(started),
            ));
            customer_rows.push((
                customers::id.eq(customer_id),
                customers::contact_id.eq(contact_id),
                customers::created_at.eq(started),
            ));
            identity_rows.push((
                customer_identities::id.eq(identity_id),
                customer_identities::customer_id.eq(customer_id),
                customer_identities::channel.eq(channel),
                customer_identities::external_id.eq(format!("bench-{customer_id}")),
                customer_identities::display_name.eq(name),
                customer_identities::language.eq(Some(language)),
                customer_identities::created_at.eq(started),
            ));
            // The opening event (and the assignment), then the messages, customer first.
            let closed = rng.chance(25);
            let assignee = if !closed && rng.chance(20) {
                None
            } else {
                Some(spec.assignees[(n as usize) % spec.assignees.len()])
            };
            let mut at = started;
            items.push(Item::event(item_id, chat_id, at, "opened", "{}".into()));
            item_id += 1;
            if let Some(user_id) = assignee {
                let data = format!(r#"{{"user_id":{user_id},"reason":"next_in_queue"}}"#);
                items.push(Item::event(item_id, chat_id, at, "assigned", data));
                item_id += 1;
            }
            let count = 1 + rng.below(2 * average - 1);
            let mut preview = String::new();
            for k in 0..count {
                at += TimeDelta::seconds(30 + rng.below(1800) as i64);
                let incoming = k % 2 == 0 || rng.chance(30);
                let text = if incoming {
                    corpus::customer_text(&mut rng)
                } else {
                    corpus::reply_text(&mut rng)
                };
                preview = text.chars().take(80).collect();
                let author = (!incoming).then(|| rng.pick(&spec.assignees));
                items.push(Item::message(
                    item_id, chat_id, at, incoming, author, text, k,
                ));
                item_id += 1;
            }
            loaded.messages += count;
            let last = at.min(now);
            if closed {
                items.push(Item::event(item_id, chat_id, last, "closed", "{}".into()));
                item_id += 1;
            }
            chat_rows.push((
                chats::id.eq(chat_id),
                chats::integration_id.eq(integration_id),
                chats::customer_id.eq(customer_id),
                chats::contact_id.eq(contact_id),
                chats::status.eq(if closed { "closed" } else { "open" }),
                chats::assignee_id.eq(assignee),
                chats::last_message_preview.eq(Some(preview)),
                chats::started_at.eq(started),
                chats::last_message_at.eq(last),
                chats::closed_at.eq(closed.then_some(last)),
            ));
            // Of closed conversations some deals were won or lost when they
            // closed; the rest stay open at one of the first stages.
            let outcome = match (closed, closed_stages) {
                (true, [won, lost]) if rng.chance(50) => Some(if rng.chance(60) {
                    ("won", *won)
                } else {
                    ("lost", *lost)
                }),
                _ => None,
            };
            let stage_id = match outcome {
                Some((_, stage)) => stage,
                None => rng.pick(if open_stages.is_empty() {
                    &stage_ids
                } else {
                    open_stages
                }),
            };
            deal_rows.push((
                deals::id.eq(deal_id),
                deals::pipeline_id.eq(pipeline_id),
                deals::stage_id.eq(stage_id),
                deals::contact_id.eq(Some(contact_id)),
                deals::chat_id.eq(Some(chat_id)),
                deals::title.eq(format!("Deal {deal_id}")),
                deals::amount.eq(rng.chance(70).then(|| (50 + rng.below(5_000)) as f64)),
                deals::created_at.eq(started),
                deals::status.eq(outcome.map_or("open", |(status, _)| status)),
                deals::responsible_id.eq(assignee),
                deals::updated_at.eq(last),
                deals::closed_at.eq(outcome.map(|_| last)),
            ));
            deal_id += 1;
            if rng.chance(10) {
                tag_rows.push((chat_tags::chat_id.eq(chat_id), chat_tags::tag.eq("vip")));
            }
            if rng.chance(5) {
                tag_rows.push((chat_tags::chat_id.eq(chat_id), chat_tags::tag.eq("refund")));
            }
            contact_id += 1;
            customer_id += 1;
            identity_id += 1;
            chat_id += 1;
        }
        let item_rows: Vec<_> = items.iter().map(Item::values).collect();
        // A write transaction: on SQLite it also indexes the batch for search.
        tidings::store::write_transaction(conn, |conn| -> Result<(), StoreError> {
            on_backend!(conn, |c| {
                for rows in batches(contact_rows) {
                    diesel::insert_into(contacts::table)
                        .values(rows)
                        .execute(c)?;
                }
                for rows in batches(customer_rows) {
                    diesel::insert_into(customers::table)
                        .values(rows)
                        .execute(c)?;
                }
                for rows in batches(identity_rows) {
                    diesel::insert_into(customer_identities::table)
                        .values(rows)
                        .execute(c)?;
                }
                for rows in batches(chat_rows) {
                    diesel::insert_into(chats::table).values(rows).execute(c)?;
                }
                for rows in batches(tag_rows) {
                    diesel::insert_into(chat_tags::table)
                        .values(rows)
                        .execute(c)?;
                }
                for rows in batches(deal_rows) {
                    diesel::insert_into(deals::table).values(rows).execute(c)?;
                }
                for rows in batches(item_rows) {
                    diesel::insert_into(timeline_items::table)
                        .values(rows)
                        .execute(c)?;
                }
            });
            Ok(())
        })?;
        done += batch;
        loaded.chats = done;
        bar.set_position(loaded.messages);
    }
    if let DbConn::Postgres(c) = conn {
        // Explicit ids leave the sequences behind; the server inserts after us.
        for table in [
            "contacts",
            "customers",
            "customer_identities",
            "chats",
            "timeline_items",
            "deals",
        ] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .execute(c)?;
        }
        // What autovacuum would do soon after a load this size.
        diesel::sql_query("ANALYZE").execute(c)?;
    }
    Ok(loaded)
}

/// A timeline row being built.
struct Item {
    id: Id,
    chat_id: Id,
    kind: &'static str,
    at: NaiveDateTime,
    direction: Option<&'static str>,
    author_id: Option<Id>,
    content_kind: Option<&'static str>,
    text: Option<String>,
    external_id: Option<String>,
    delivery: Option<&'static str>,
    event: Option<&'static str>,
    data: Option<String>,
}

impl Item {
    fn event(id: Id, chat_id: Id, at: NaiveDateTime, event: &'static str, data: String) -> Item {
        Item {
            id,
            chat_id,
            kind: "event",
            at,
            direction: None,
            author_id: None,
            content_kind: None,
            text: None,
            external_id: None,
            delivery: None,
            event: Some(event),
            data: Some(data),
        }
    }

    fn message(
        id: Id,
        chat_id: Id,
        at: NaiveDateTime,
        incoming: bool,
        author_id: Option<Id>,
        text: String,
        n: u64,
    ) -> Item {
        Item {
            id,
            chat_id,
            kind: "message",
            at,
            direction: Some(if incoming { "in" } else { "out" }),
            author_id,
            content_kind: Some("text"),
            text: Some(text),
            external_id: Some(n.to_string()),
            // What the server stores: a received message is delivered.
            delivery: Some(if incoming { "delivered" } else { "seen" }),
            event: None,
            data: None,
        }
    }

    #[allow(clippy::type_complexity)]
    fn values(
        &self,
    ) -> (
        diesel::dsl::Eq<timeline_items::id, Id>,
        diesel::dsl::Eq<timeline_items::chat_id, Id>,
        diesel::dsl::Eq<timeline_items::kind, &'static str>,
        diesel::dsl::Eq<timeline_items::at, NaiveDateTime>,
        diesel::dsl::Eq<timeline_items::direction, Option<&'static str>>,
        diesel::dsl::Eq<timeline_items::author_id, Option<Id>>,
        diesel::dsl::Eq<timeline_items::content_kind, Option<&'static str>>,
        diesel::dsl::Eq<timeline_items::text, Option<String>>,
        diesel::dsl::Eq<timeline_items::external_id, Option<String>>,
        diesel::dsl::Eq<timeline_items::delivery, Option<&'static str>>,
        diesel::dsl::Eq<timeline_items::event, Option<&'static str>>,
        diesel::dsl::Eq<timeline_items::data, Option<String>>,
    ) {
        (
            timeline_items::id.eq(self.id),
            timeline_items::chat_id.eq(self.chat_id),
            timeline_items::kind.eq(self.kind),
            timeline_items::at.eq(self.at),
            timeline_items::direction.eq(self.direction),
            timeline_items::author_id.eq(self.author_id),
            timeline_items::content_kind.eq(self.content_kind),
            timeline_items::text.eq(self.text.clone()),
            timeline_items::external_id.eq(self.external_id.clone()),
            timeline_items::delivery.eq(self.delivery),
            timeline_items::event.eq(self.event),
            timeline_items::data.eq(self.data.clone()),
        )
    }
}
