//! `queries`: bulk-loads C chats and M messages, then times the inbox reads
//! over REST as the admin sees them: each group list, an archive filter, an
//! archive text search, a search in one chat's history and a timeline page.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use shared::api::Channel;
use shared::Id;

use crate::bulk::{self, Loaded, Spec};
use crate::corpus::{Rng, SEARCH_WORDS};
use crate::harness::Harness;
use crate::progress;
use crate::stats::Latencies;

#[derive(Debug, Clone)]
pub struct Params {
    pub chats: u64,
    pub messages: u64,
    /// Timed requests per query kind.
    pub repeat: usize,
}

pub struct Timed {
    pub name: &'static str,
    /// The target class: list/filter/timeline (10 ms) or search (50 ms).
    pub is_search: bool,
    pub latencies: Latencies,
    pub failures: u64,
    /// Items in the first answer (a sanity check that it found something).
    pub first_items: usize,
}

pub struct Outcome {
    pub loaded: Loaded,
    pub load_time: Duration,
    pub timed: Vec<Timed>,
}

pub async fn run(harness: &Harness, params: &Params, quiet: bool) -> anyhow::Result<Outcome> {
    let (loaded, load_time) = load(harness, params.chats, params.messages, 90, quiet).await?;

    let mut rng = Rng::new(99);
    let chat_count = loaded.chats.max(1);
    let first_chat = loaded.first_chat;
    let mut random_chat = move || first_chat + (rng.below(chat_count) as Id);
    let mut word_rng = Rng::new(7);
    let mut random_word = move || word_rng.pick(SEARCH_WORDS);

    let mut timed = Vec::new();
    let kinds: [(&'static str, bool); 9] = [
        ("list mine", false),
        ("list unassigned", false),
        ("list others", false),
        ("list closed", false),
        ("archive filter", false),
        ("archive text search", true),
        ("chat history search", true),
        ("timeline page", false),
        ("timeline older page", false),
    ];
    let bar = progress::bar(
        quiet,
        (kinds.len() * params.repeat) as u64,
        "timing queries",
    );
    for (name, is_search) in kinds {
        let mut result = Timed {
            name,
            is_search,
            latencies: Latencies::new(),
            failures: 0,
            first_items: 0,
        };
        // Three untimed rounds warm caches and the connection.
        for round in 0..params.repeat + 3 {
            let path = match name {
                "list mine" => "/api/v1/chats?group=mine&limit=50".to_owned(),
                "list unassigned" => "/api/v1/chats?group=unassigned&limit=50".to_owned(),
                "list others" => "/api/v1/chats?group=others&limit=50".to_owned(),
                "list closed" => "/api/v1/chats?group=closed&limit=50".to_owned(),
                "archive filter" => {
                    "/api/v1/chats/archive?channel=telegram&status=closed&tag=vip&limit=50"
                        .to_owned()
                }
                "archive text search" => {
                    format!("/api/v1/chats/archive?q={}&limit=50", random_word())
                }
                "chat history search" => {
                    format!("/api/v1/chats/{}/search?q={}", random_chat(), random_word())
                }
                "timeline page" => format!("/api/v1/chats/{}/timeline?limit=50", random_chat()),
                _ => {
                    // The oldest item of the newest page, found untimed.
                    let chat = random_chat();
                    let page = harness
                        .admin
                        .get(&format!("/api/v1/chats/{chat}/timeline?limit=5"))
                        .await?
                        .bytes()
                        .await?;
                    let before = first_item_id(&page).unwrap_or(Id::MAX);
                    format!("/api/v1/chats/{chat}/timeline?limit=50&before={before}")
                }
            };
            let sent = Instant::now();
            let response = harness.admin.get(&path).await?;
            let ok = response.status() == 200;
            let body = response.bytes().await?;
            let latency = sent.elapsed();
            if round < 3 {
                if round == 0 {
                    result.first_items = count_items(&body);
                }
                continue;
            }
            result.latencies.record(latency);
            if !ok {
                result.failures += 1;
            }
            bar.inc(1);
        }
        timed.push(result);
    }
    bar.finish_and_clear();
    Ok(Outcome {
        loaded,
        load_time,
        timed,
    })
}

fn first_item_id(body: &[u8]) -> Option<Id> {
    serde_json::from_slice::<serde_json::Value>(body).ok()?["items"][0]["id"].as_i64()
}

fn count_items(body: &[u8]) -> usize {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["items"].as_array().map(Vec::len))
        .unwrap_or(0)
}

async fn admin_id(harness: &Harness) -> anyhow::Result<Id> {
    let me = crate::harness::expect_json(harness.admin.get("/api/v1/me").await?, 200).await?;
    me["user"]["id"].as_i64().context("/me has the user id")
}

/// Four managers, a Telegram and a Viber integration, then `chats` chats with
/// `messages` messages started over the last `days` days, bulk-loaded.
pub(crate) async fn load(
    harness: &Harness,
    chats: u64,
    messages: u64,
    days: u32,
    quiet: bool,
) -> anyhow::Result<(Loaded, Duration)> {
    let mut assignees = vec![admin_id(harness).await?];
    for i in 1..=3 {
        assignees.push(
            harness
                .create_user(&format!("Agent {i}"), "employee")
                .await?
                .0,
        );
    }
    let telegram = integration(harness, Channel::Telegram).await?;
    let viber = integration(harness, Channel::Viber).await?;
    let spec = Spec {
        chats,
        messages,
        integrations: vec![(telegram, "telegram"), (viber, "viber")],
        assignees,
        days,
    };
    let bar = progress::bar(quiet, messages, "loading chats and messages");
    let started = Instant::now();
    let loaded = {
        let bar = bar.clone();
        harness
            .store
            .run(move |conn| bulk::load(conn, &spec, &bar))
            .await?
    };
    let load_time = started.elapsed();
    bar.finish_and_clear();
    Ok((loaded, load_time))
}

/// An integration stored directly (the queries never reach a messenger).
async fn integration(harness: &Harness, kind: Channel) -> anyhow::Result<Id> {
    let integration = harness
        .store
        .run(move |conn| {
            let pipeline_id = tidings::store::crm::default_pipeline_id(conn)?;
            tidings::store::integrations::insert_integration(
                conn,
                tidings::store::integrations::NewIntegration {
                    kind,
                    name: &format!("{} shop", kind.as_str()),
                    token: match kind {
                        Channel::Telegram => "101:bench",
                        Channel::Viber => "102:bench",
                        Channel::Whatsapp => "103:bench",
                        Channel::Api => "http://127.0.0.1:9/bench",
                    },
                    webhook_secret: "bench-secret",
                    delivery: shared::api::integrations::Delivery::Webhook,
                    pipeline_id,
                    greeting_text: None,
                    auto_reply_text: None,
                    queue: &[],
                    bot_username: None,
                    bot_avatar_url: None,
                    routing: Default::default(),
                    whatsapp: None,
                },
            )
        })
        .await?;
    Ok(integration.id)
}
