//! `crm`: a funnel of six stages holding D open deals (and a fifth as many
//! won or lost), and K contacts, bulk-loaded straight through the store; then
//! what the web app asks for, over REST as the admin:
//!
//! - the deal board: for each stage in order, `GET /api/v1/deals?status=open&
//!   pipeline_id=&stage_id=&limit=100` (one column's first page), then `GET
//!   /api/v1/pipelines/{id}/board?status=open` (the columns' counts and
//!   totals), one after another as the board screen loads them;
//! - the contacts page: `GET /api/v1/contacts?q=` for a full name (many
//!   matches), a contact's e-mail and a contact's phone digits (one match each).
//!
//! Checks: every column's page holds the first `min(100, n)` of its open deals,
//! the totals count every loaded deal, and a searched e-mail or phone lists its
//! contact.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{TimeDelta, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use serde_json::Value;
use shared::Id;
use tidings::store::schema::{contacts, deals};
use tidings::store::{DbConn, StoreError};

use crate::corpus::{self, Rng};
use crate::harness::{expect_json, Harness};
use crate::progress;
use crate::stats::Latencies;

/// The web app's page size per board column (`PER_STAGE` in the deals screen).
pub const COLUMN_PAGE: usize = 100;
/// Stages of the funnel, and the share of open deals (in %) each holds.
const STAGES: [(&str, u64); 6] = [
    ("New", 30),
    ("Qualified", 25),
    ("Proposal", 20),
    ("Negotiation", 12),
    ("Invoice sent", 8),
    ("Payment", 5),
];
const COMPANIES: [&str; 8] = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell",
];
/// Rows per INSERT (under SQLite's bound-parameter limit at 11 columns).
const ROWS_PER_INSERT: usize = 1_000;

#[derive(Debug, Clone)]
pub struct Params {
    /// Open deals in the funnel.
    pub deals: u64,
    pub contacts: u64,
    /// Timed rounds (boards, and searches of each kind).
    pub repeat: usize,
}

pub struct Outcome {
    pub contacts: u64,
    pub open_deals: u64,
    pub closed_deals: u64,
    pub load_time: Duration,
    /// One column's first page, every stage.
    pub column: Latencies,
    /// The first (largest) column's page alone.
    pub first_column: Latencies,
    /// `GET /api/v1/pipelines/{id}/board`.
    pub totals: Latencies,
    /// Every column, then the totals, one after another.
    pub board: Latencies,
    /// `q=` a full name, an e-mail, phone digits.
    pub search_name: Latencies,
    pub search_email: Latencies,
    pub search_phone: Latencies,
    pub failures: u64,
    /// Column pages that were not the stage's first open deals.
    pub wrong_columns: u64,
    /// Whether the totals counted every loaded open deal, stage by stage.
    pub totals_right: bool,
    /// Searches of one contact's e-mail or phone that did not list it.
    pub misses: u64,
    /// What the first of them asked and got.
    pub first_miss: Option<String>,
}

/// A contact's e-mail and phone, made from its number (unique in a run).
fn email(n: u64) -> String {
    format!("client.{n:06}@mail.example")
}

fn phone(n: u64) -> String {
    format!(
        "+34 6{:02} {:03} {:03}",
        n / 1_000_000,
        (n / 1_000) % 1_000,
        n % 1_000
    )
}

fn phone_digits(n: u64) -> String {
    format!(
        "346{:02}{:03}{:03}",
        n / 1_000_000,
        (n / 1_000) % 1_000,
        n % 1_000
    )
}

/// What the loader stored: contact ids and, per stage in order, its id and
/// how many open deals it holds.
struct Loaded {
    first_contact: Id,
    pipeline_id: Id,
    stages: Vec<(Id, u64)>,
    closed: u64,
}

fn load(
    conn: &mut DbConn,
    params: &Params,
    responsible: &[Id],
    bar: &indicatif::ProgressBar,
) -> Result<Loaded, StoreError> {
    let names: Vec<String> = STAGES.iter().map(|(name, _)| (*name).to_owned()).collect();
    let pipeline = tidings::store::crm::insert_pipeline(conn, "Bench sales", &names)?;
    let mut rng = Rng::new(19);
    let now = Utc::now().naive_utc();
    let first_contact = contacts::table
        .select(max(contacts::id))
        .first::<Option<Id>>(conn)?
        .unwrap_or(0)
        + 1;
    let mut done = 0;
    while done < params.contacts {
        let batch = (ROWS_PER_INSERT as u64 * 5).min(params.contacts - done);
        let rows: Vec<_> = (done..done + batch)
            .map(|n| {
                let name = corpus::name(&mut rng);
                let at = now - TimeDelta::minutes(rng.below(365 * 24 * 60) as i64);
                (
                    contacts::id.eq(first_contact + n as Id),
                    contacts::name.eq(name),
                    contacts::username.eq(rng.chance(40).then(|| format!("user_{n}"))),
                    contacts::phone.eq(Some(phone(n))),
                    contacts::phone_digits.eq(Some(phone_digits(n))),
                    contacts::email.eq(Some(email(n))),
                    contacts::email_key.eq(Some(email(n))),
                    contacts::company.eq(rng.chance(30).then(|| rng.pick(&COMPANIES).to_owned())),
                    contacts::language.eq(Some(rng.pick(&["en", "es", "ru"]))),
                    contacts::created_at.eq(at),
                )
            })
            .collect();
        conn.transaction(|conn| -> Result<(), StoreError> {
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
                match conn {
                    DbConn::Sqlite(c) => diesel::insert_into(contacts::table)
                        .values(chunk)
                        .execute(c)?,
                    DbConn::Postgres(c) => diesel::insert_into(contacts::table)
                        .values(chunk)
                        .execute(c)?,
                };
            }
            Ok(())
        })?;
        done += batch;
        bar.set_position(done);
    }
    // Open deals spread over the stages by their shares (the last takes the
    // rest), then a fifth as many won or lost in the last stage.
    let mut per_stage = Vec::new();
    let mut left = params.deals;
    for (i, ((stage_id, _), (_, share))) in pipeline.stages.iter().zip(STAGES).enumerate() {
        let n = if i + 1 == STAGES.len() {
            left
        } else {
            (params.deals * share / 100).min(left)
        };
        left -= n;
        per_stage.push((*stage_id, n));
    }
    let closed = params.deals / 5;
    let last_stage = pipeline.stages.last().map(|s| s.0).unwrap_or_default();
    let mut deal_rows = Vec::new();
    let mut k = 0u64;
    let plan = per_stage
        .iter()
        .flat_map(|&(stage, n)| (0..n).map(move |_| (stage, None)))
        .chain((0..closed).map(|i| (last_stage, Some(if i % 3 == 0 { "lost" } else { "won" }))));
    for (stage_id, closed_as) in plan {
        let created = now - TimeDelta::minutes(rng.below(90 * 24 * 60) as i64);
        let contact = first_contact + rng.below(params.contacts.max(1)) as Id;
        k += 1;
        deal_rows.push((
            deals::pipeline_id.eq(pipeline.id),
            deals::stage_id.eq(stage_id),
            deals::contact_id.eq(Some(contact)),
            deals::title.eq(format!("Order #{k}")),
            deals::amount.eq(rng.chance(80).then(|| (50 + rng.below(5_000)) as f64)),
            deals::currency.eq(Some(rng.pick(&["EUR", "USD"]))),
            deals::status.eq(closed_as.unwrap_or("open")),
            deals::responsible_id.eq(Some(rng.pick(responsible))),
            deals::created_at.eq(created),
            deals::updated_at.eq(created),
            deals::closed_at.eq(closed_as.map(|_| created)),
        ));
    }
    conn.transaction(|conn| -> Result<(), StoreError> {
        let mut rows = deal_rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
            match conn {
                DbConn::Sqlite(c) => diesel::insert_into(deals::table).values(chunk).execute(c)?,
                DbConn::Postgres(c) => {
                    diesel::insert_into(deals::table).values(chunk).execute(c)?
                }
            };
        }
        Ok(())
    })?;
    if let DbConn::Postgres(c) = conn {
        // Explicit ids leave the sequence behind; then what autovacuum would do.
        diesel::sql_query(
            "SELECT setval(pg_get_serial_sequence('contacts', 'id'), (SELECT MAX(id) FROM contacts))",
        )
        .execute(c)?;
        diesel::sql_query("ANALYZE").execute(c)?;
    }
    Ok(Loaded {
        first_contact,
        pipeline_id: pipeline.id,
        stages: per_stage,
        closed,
    })
}

pub async fn run(harness: &Harness, params: &Params, quiet: bool) -> anyhow::Result<Outcome> {
    let me = expect_json(harness.admin.get("/api/v1/me").await?, 200).await?;
    let mut responsible = vec![me["user"]["id"].as_i64().context("the admin's id")?];
    for i in 1..=3 {
        responsible.push(
            harness
                .create_user(&format!("Seller {i}"), "employee")
                .await?
                .0,
        );
    }
    let bar = progress::bar(quiet, params.contacts, "loading contacts and deals");
    let started = Instant::now();
    let loaded = {
        let (params, bar) = (params.clone(), bar.clone());
        harness
            .store
            .run(move |conn| load(conn, &params, &responsible, &bar))
            .await?
    };
    let load_time = started.elapsed();
    bar.finish_and_clear();

    let mut outcome = Outcome {
        contacts: params.contacts,
        open_deals: params.deals,
        closed_deals: loaded.closed,
        load_time,
        column: Latencies::new(),
        first_column: Latencies::new(),
        totals: Latencies::new(),
        board: Latencies::new(),
        search_name: Latencies::new(),
        search_email: Latencies::new(),
        search_phone: Latencies::new(),
        failures: 0,
        wrong_columns: 0,
        totals_right: true,
        misses: 0,
        first_miss: None,
    };
    let bar = progress::bar(
        quiet,
        (params.repeat * 2) as u64,
        "timing the board and search",
    );
    let pipeline = loaded.pipeline_id;
    // Three untimed rounds warm caches and the connection.
    for round in 0..params.repeat + 3 {
        let timed = round >= 3;
        let board_started = Instant::now();
        for (column, &(stage_id, open)) in loaded.stages.iter().enumerate() {
            let path = format!(
                "/api/v1/deals?status=open&pipeline_id={pipeline}&stage_id={stage_id}&limit={COLUMN_PAGE}"
            );
            let (took, answer) = timed_get(harness, &path).await?;
            if timed {
                outcome.column.record(took);
                if column == 0 {
                    outcome.first_column.record(took);
                }
            }
            match answer {
                Some(page) if round == 0 => {
                    let items = page["items"].as_array().cloned().unwrap_or_default();
                    let right = items.len() == (open as usize).min(COLUMN_PAGE)
                        && items.iter().all(|d| {
                            d["stage_id"].as_i64() == Some(stage_id)
                                && d["status"].as_str() == Some("open")
                        });
                    if !right {
                        outcome.wrong_columns += 1;
                    }
                }
                Some(_) => {}
                None => outcome.failures += 1,
            }
        }
        let (took, answer) = timed_get(
            harness,
            &format!("/api/v1/pipelines/{pipeline}/board?status=open"),
        )
        .await?;
        if timed {
            outcome.totals.record(took);
            outcome.board.record(board_started.elapsed());
            bar.inc(1);
        }
        match answer {
            Some(board) if round == 0 => {
                let counts: Vec<(Id, u64)> = board["stages"]
                    .as_array()
                    .map(|stages| {
                        stages
                            .iter()
                            .map(|s| {
                                (
                                    s["stage_id"].as_i64().unwrap_or(0),
                                    s["count"].as_u64().unwrap_or(0),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                outcome.totals_right = counts == loaded.stages;
            }
            Some(_) => {}
            None => outcome.failures += 1,
        }
    }
    let mut rng = Rng::new(23);
    let mut names = Rng::new(2319);
    for round in 0..params.repeat + 3 {
        let timed = round >= 3;
        let n = rng.below(params.contacts.max(1));
        let wanted = loaded.first_contact + n as Id;
        let full_name = corpus::name(&mut names);
        for (kind, q) in [(0, full_name), (1, email(n)), (2, phone(n))] {
            let path = format!("/api/v1/contacts?q={}", encode(&q));
            let (took, answer) = timed_get(harness, &path).await?;
            let Some(page) = answer else {
                outcome.failures += 1;
                continue;
            };
            // A query's digits are also looked for in phones (an e-mail's
            // "000557" is in the phone 34600005579), so others may come first.
            let found = page["items"]
                .as_array()
                .is_some_and(|items| items.iter().any(|c| c["id"].as_i64() == Some(wanted)));
            if kind > 0 && !found {
                outcome.misses += 1;
                outcome.first_miss.get_or_insert_with(|| {
                    format!(
                        "q={q:?} wanted contact {wanted}, not among the {} found",
                        page["items"].as_array().map_or(0, Vec::len)
                    )
                });
            }
            if timed {
                match kind {
                    0 => outcome.search_name.record(took),
                    1 => outcome.search_email.record(took),
                    _ => outcome.search_phone.record(took),
                }
            }
        }
        if timed {
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(outcome)
}

/// One GET, timed until its whole body is read; the JSON when it was 200.
async fn timed_get(harness: &Harness, path: &str) -> anyhow::Result<(Duration, Option<Value>)> {
    let sent = Instant::now();
    let response = harness.admin.get(path).await?;
    let ok = response.status() == 200;
    let body = response.bytes().await?;
    let took = sent.elapsed();
    Ok((
        took,
        ok.then(|| serde_json::from_slice(&body).ok()).flatten(),
    ))
}

/// Percent-encodes a query value (names hold spaces, accents and Cyrillic; e-mails `@`; phones `+`).
fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
