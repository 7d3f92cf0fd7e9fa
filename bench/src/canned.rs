//! `canned`: N canned replies (four in five for the team, the rest the admin's own, stored
//! straight through the store), then the lookup a manager's typing causes: after "/", one
//! `GET /api/v1/canned-replies?q=` per keystroke of a shortcut, timed over REST as the admin.

use std::time::Instant;

use anyhow::Context as _;
use shared::Id;

use crate::corpus::Rng;
use crate::harness::{expect_json, Harness};
use crate::stats::Latencies;

/// Words the shortcuts start with (several replies share each, as in a real team's list).
const TOPICS: [&str; 10] = [
    "hello", "thanks", "shipping", "refund", "price", "delivery", "address", "hours", "welcome",
    "sorry",
];

#[derive(Debug, Clone)]
pub struct Params {
    pub replies: u64,
    /// Shortcuts typed, one timed request per keystroke.
    pub typed: usize,
}

pub struct Outcome {
    pub replies: u64,
    pub keystrokes: Latencies,
    pub failures: u64,
    /// Typed shortcuts whose full text did not list the reply first.
    pub misses: u64,
}

fn shortcut(i: u64) -> String {
    format!("{}-{i:04}", TOPICS[(i % TOPICS.len() as u64) as usize])
}

pub async fn run(harness: &Harness, params: &Params) -> anyhow::Result<Outcome> {
    let me = expect_json(harness.admin.get("/api/v1/me").await?, 200).await?;
    let admin: Id = me["user"]["id"].as_i64().context("the admin's id")?;
    let replies = params.replies;
    harness
        .store
        .run(move |conn| {
            use tidings::domain::canned::Scope;
            for i in 0..replies {
                let scope = if i % 5 == 4 {
                    Scope::Personal
                } else {
                    Scope::Team
                };
                let text = format!(
                    "Hi {{{{contact.first_name}}}}, this is {{{{manager.first_name}}}} from \
                     {{{{integration.name}}}}: answer number {i} about {}.",
                    TOPICS[(i % TOPICS.len() as u64) as usize]
                );
                tidings::store::canned::insert_canned(conn, scope, admin, &shortcut(i), &text)?;
            }
            Ok::<_, tidings::store::StoreError>(())
        })
        .await?;

    let mut rng = Rng::new(42);
    let mut keystrokes = Latencies::new();
    let (mut failures, mut misses) = (0, 0);
    // One untimed request first: a cold connection is not what typing meets.
    harness.admin.get("/api/v1/canned-replies?q=h").await?;
    for _ in 0..params.typed {
        let wanted = shortcut(rng.below(replies.max(1)));
        for end in 1..=wanted.len() {
            let path = format!("/api/v1/canned-replies?q={}", &wanted[..end]);
            let sent = Instant::now();
            let response = harness.admin.get(&path).await?;
            let ok = response.status() == 200;
            let body = response.bytes().await?;
            keystrokes.record(sent.elapsed());
            if !ok {
                failures += 1;
                continue;
            }
            if end == wanted.len() {
                let list: serde_json::Value = serde_json::from_slice(&body)?;
                if list["items"][0]["shortcut"].as_str() != Some(wanted.as_str()) {
                    misses += 1;
                }
            }
        }
    }
    Ok(Outcome {
        replies,
        keystrokes,
        failures,
        misses,
    })
}
