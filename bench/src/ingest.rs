//! `ingest`: customers post Telegram updates (JSON shaped like the Bot API,
//! from the fake's builders) to a webhook over real HTTP, at fixed offered
//! rates (open loop) and at saturation; then every accepted update is checked
//! to be stored exactly once.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use reqwest::Client;
use shared::Id;
use tidings::store::schema::{chats, inbound_events, timeline_items};
use tidings::store::Store;
use tidings_tests::fake_telegram::{FakeTelegram, SECRET_HEADER};

use crate::corpus::{self, Rng};
use crate::harness::{Harness, Webhook};
use crate::loadgen::{self, Phase};
use crate::progress;

/// How hard to push.
#[derive(Debug, Clone)]
pub struct Load {
    pub rates: Vec<f64>,
    pub duration: Duration,
    pub saturation_concurrency: usize,
    pub saturation_duration: Duration,
    pub max_in_flight: usize,
}

/// Makes realistic updates: each a text from one of `customers` customers,
/// with a fresh `update_id` (so none is a repeat).
pub struct Updates {
    next_update_id: AtomicI64,
    customers: i64,
}

impl Updates {
    pub fn new(first_update_id: i64, customers: u64) -> Updates {
        Updates {
            next_update_id: AtomicI64::new(first_update_id),
            customers: i64::try_from(customers.max(1)).unwrap_or(i64::MAX),
        }
    }

    /// The next update as bytes, and its `update_id`.
    pub fn next(&self) -> (i64, Vec<u8>) {
        let update_id = self.next_update_id.fetch_add(1, Ordering::Relaxed);
        let customer = update_id % self.customers;
        let name = corpus::name(&mut Rng::new(customer as u64));
        let text = corpus::customer_text(&mut Rng::new(update_id as u64));
        (update_id, self.body(update_id, customer, &name, &text))
    }

    /// An update with this text from `customer`.
    pub fn body(&self, update_id: i64, customer: i64, name: &str, text: &str) -> Vec<u8> {
        let first_name = name.split(' ').next().unwrap_or(name);
        FakeTelegram::text_update(update_id, 500_000_000 + customer, first_name, text)
            .to_string()
            .into_bytes()
    }
}

/// `[#<mark><n>]`: carried in a measured message's text to find it again.
pub fn marker(mark: &str, n: usize) -> String {
    format!("[#{mark}{n}]")
}

/// The `n` of the first `[#<mark><n>]` in `text`.
pub fn parse_marker(mark: &str, text: &str) -> Option<usize> {
    let tag = format!("[#{mark}");
    let start = text.find(&tag)? + tag.len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Opens `count` chats, one first message per customer, and returns their ids
/// (oldest first) once every one is applied.
pub async fn open_chats(
    harness: &Harness,
    client: &Client,
    hook: &Webhook,
    count: u64,
) -> anyhow::Result<Vec<Id>> {
    let updates = Updates::new(1, count);
    for _ in 0..count {
        let (_, body) = updates.next();
        anyhow::ensure!(
            post_update(client, &hook.url, &hook.secret, body).await,
            "a warm-up webhook was refused"
        );
    }
    wait_until_applied(&harness.store).await?;
    let integration_id = hook.integration_id;
    let chat_ids: Vec<Id> = harness
        .store
        .run(move |conn| {
            Ok(chats::table
                .filter(chats::integration_id.eq(integration_id))
                .order(chats::id)
                .select(chats::id)
                .load(conn)?)
        })
        .await?;
    anyhow::ensure!(
        chat_ids.len() as u64 == count,
        "expected {count} chats, found {}",
        chat_ids.len()
    );
    Ok(chat_ids)
}

/// A connection-pooled client for load (no proxy, no Nagle).
pub fn load_client() -> anyhow::Result<Client> {
    Ok(Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// POSTs one body the way Telegram does; true on 200.
pub async fn post_update(client: &Client, url: &str, secret: &str, body: Vec<u8>) -> bool {
    let request = client
        .post(url)
        .header(SECRET_HEADER, secret)
        .header("content-type", "application/json")
        .body(body);
    match request.send().await {
        Ok(response) => {
            let ok = response.status() == 200;
            // Read the answer so the connection goes back to the pool.
            ok && response.bytes().await.is_ok()
        }
        Err(_) => false,
    }
}

/// Runs every fixed rate, then saturation, against a webhook: one URL, or
/// the same webhook on several nodes (each update to one of them in turn).
pub async fn drive(
    what: &str,
    client: &Client,
    urls: &[String],
    secret: &str,
    updates: &Arc<Updates>,
    load: &Load,
    quiet: bool,
) -> (Vec<Phase>, Phase) {
    let mut phases = Vec::new();
    for &rate in &load.rates {
        let count = ((rate * load.duration.as_secs_f64()).round() as usize).max(1);
        let bar = progress::bar(quiet, count as u64, &format!("{what} @ {rate:.0}/s"));
        let fire = {
            let (client, urls, secret, updates) = (
                client.clone(),
                urls.to_vec(),
                secret.to_owned(),
                updates.clone(),
            );
            move |_| {
                let (client, secret) = (client.clone(), secret.clone());
                let (update_id, body) = updates.next();
                let url = node_url(&urls, update_id);
                async move { post_update(&client, &url, &secret, body).await }
            }
        };
        let phase = loadgen::open_loop(rate, count, load.max_in_flight, &bar, fire).await;
        bar.finish_and_clear();
        phases.push(phase);
    }
    let fire = {
        let (client, urls, secret, updates) = (
            client.clone(),
            urls.to_vec(),
            secret.to_owned(),
            updates.clone(),
        );
        move |_| {
            let (client, secret) = (client.clone(), secret.clone());
            let (update_id, body) = updates.next();
            let url = node_url(&urls, update_id);
            async move { post_update(&client, &url, &secret, body).await }
        }
    };
    let saturation = saturate(&format!("{what} at saturation"), load, quiet, fire).await;
    (phases, saturation)
}

/// The load's saturation phase of `fire`, behind a spinner named `what`.
async fn saturate<F, Fut>(what: &str, load: &Load, quiet: bool, fire: F) -> Phase
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let bar = progress::spinner(quiet, what);
    let phase = loadgen::saturate(
        load.saturation_concurrency,
        load.saturation_duration,
        None,
        &bar,
        fire,
    )
    .await;
    bar.finish_and_clear();
    phase
}

/// The server's own `GET /healthz` at saturation (same senders, same
/// duration as the webhooks' saturation): the measure of what bare
/// HTTP costs on this server, a database round trip included.
pub async fn saturate_healthz(client: &Client, url: &str, load: &Load, quiet: bool) -> Phase {
    let fire = {
        let (client, url) = (client.clone(), url.to_owned());
        move |_| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                match client.get(&url).send().await {
                    Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        }
    };
    saturate("/healthz at saturation", load, quiet, fire).await
}

/// The node an update goes to: each in turn, so one customer's updates
/// reach every node.
fn node_url(urls: &[String], update_id: i64) -> String {
    urls[update_id.unsigned_abs() as usize % urls.len()].clone()
}

/// What the database holds for the integration after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Rows in `inbound_events` (each webhook body kept once).
    pub events: i64,
    /// Of those, kept as `failed` (could not be applied).
    pub failed_events: i64,
    /// Customer messages in the integration's chats.
    pub messages: i64,
    /// Messages stored more than once (same chat and Telegram message id).
    pub duplicates: i64,
    pub chats: i64,
}

impl Stored {
    /// Every accepted update stored once; updates that got no 200 (timeouts)
    /// may or may not have been stored.
    pub fn is_exactly_once(&self, accepted: u64, sent: u64) -> bool {
        let (accepted, sent) = (accepted as i64, sent as i64);
        self.duplicates == 0
            && self.failed_events == 0
            && self.events >= accepted
            && self.events <= sent
            && self.messages == self.events
    }
}

/// The updates still kept as `pending` when the load stopped, and how long
/// the writer took to apply them.
#[derive(Debug, Clone, Copy)]
pub struct Backlog {
    pub kept: i64,
    pub took: std::time::Duration,
}

fn pending_count(conn: &mut tidings::store::DbConn) -> Result<i64, tidings::store::StoreError> {
    Ok(inbound_events::table
        .filter(inbound_events::status.eq("pending"))
        .count()
        .get_result(conn)?)
}

/// Whether any update is still kept as `pending`: polled while catching up,
/// so it reads one index entry instead of counting (a count would take CPU
/// from the writer it measures).
fn any_pending(conn: &mut tidings::store::DbConn) -> Result<bool, tidings::store::StoreError> {
    let first: Option<Id> = inbound_events::table
        .filter(inbound_events::status.eq("pending"))
        .select(inbound_events::id)
        .first(conn)
        .optional()?;
    Ok(first.is_some())
}

/// Waits (up to ten minutes) until the writer has applied every kept update.
pub async fn wait_until_applied(store: &Store) -> anyhow::Result<Backlog> {
    let started = std::time::Instant::now();
    let kept = store.run(pending_count).await?;
    loop {
        if !store.run(any_pending).await? {
            return Ok(Backlog {
                kept,
                took: started.elapsed(),
            });
        }
        anyhow::ensure!(
            started.elapsed() < std::time::Duration::from_secs(600),
            "kept updates were not applied within ten minutes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub async fn stored(store: &Store, integration_id: Id) -> anyhow::Result<Stored> {
    Ok(store
        .run(move |conn| {
            let events: i64 = inbound_events::table
                .filter(inbound_events::integration_id.eq(integration_id))
                .count()
                .get_result(conn)?;
            let failed_events: i64 = inbound_events::table
                .filter(inbound_events::integration_id.eq(integration_id))
                .filter(inbound_events::status.eq("failed"))
                .count()
                .get_result(conn)?;
            let chat_count: i64 = chats::table
                .filter(chats::integration_id.eq(integration_id))
                .count()
                .get_result(conn)?;
            let keys: Vec<(Id, Option<String>)> = timeline_items::table
                .inner_join(chats::table)
                .filter(chats::integration_id.eq(integration_id))
                .filter(timeline_items::kind.eq("message"))
                .filter(timeline_items::direction.eq("in"))
                .select((timeline_items::chat_id, timeline_items::external_id))
                .load(conn)?;
            let messages = keys.len() as i64;
            let mut unique = keys;
            unique.sort_unstable();
            unique.dedup();
            Ok(Stored {
                events,
                failed_events,
                messages,
                duplicates: messages - unique.len() as i64,
                chats: chat_count,
            })
        })
        .await?)
}
