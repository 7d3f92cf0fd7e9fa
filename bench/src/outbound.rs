//! `outbound`: managers' replies through the outbound queue to the fake
//! Telegram, which enforces Telegram's flood limits (30 sends a second per bot;
//! one a second per chat, in bursts of up to 3; beyond them a 429 with
//! `retry_after`) and refuses a few more sends with 429 on its own. Replies are offered open loop, faster
//! than the bot may send. Measures sends per second against the 30 a bot is
//! allowed, and the delay from a reply's 201 to Telegram taking it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;
use tidings_tests::fake_telegram::{Failure, FloodLimits};
use tokio::time::Instant;

use crate::harness::Harness;
use crate::ingest::{self, marker, parse_marker};
use crate::loadgen::{self, Phase};
use crate::progress;
use crate::stats::Latencies;

/// Telegram's documented limits, enforced by the fake.
pub const LIMITS: FloodLimits = FloodLimits::TELEGRAM;
/// Sends the fake refuses with 429 on its own, a quarter of the way in.
const INJECTED_429S: usize = 3;

#[derive(Debug, Clone)]
pub struct Params {
    pub chats: u64,
    pub replies_per_chat: u64,
    /// Replies offered per second (open loop).
    pub rate: f64,
}

pub struct Outcome {
    /// The replies' REST calls (201 counts as accepted).
    pub replies: Phase,
    /// Replies Telegram took, counting repeats.
    pub sent: usize,
    /// Replies Telegram took more than once.
    pub repeated: usize,
    /// Replies never taken.
    pub missing: usize,
    /// From the first send taken to the last.
    pub sent_per_s: f64,
    /// What the limits allow this run: 30/s, or one a second per chat if fewer
    /// chats.
    pub allowed_per_s: f64,
    /// From a reply's 201 to Telegram taking it.
    pub delay: Latencies,
    /// Sends refused for going over the flood limits.
    pub flood_refusals: usize,
    pub injected_429s: usize,
}

/// Marker carried in each reply's text.
const MARK: &str = "R";

pub async fn run(harness: &Harness, params: &Params, quiet: bool) -> anyhow::Result<Outcome> {
    let hook = harness.telegram_integration(&[], None, None).await?;
    let client = ingest::load_client()?;
    let chat_ids = ingest::open_chats(harness, &client, &hook, params.chats).await?;

    let total = usize::try_from(params.chats * params.replies_per_chat)?;
    harness.telegram.set_flood_limits(LIMITS);
    let injected_429s = if total >= 4 { INJECTED_429S } else { 0 };
    harness.telegram.fail_after(
        "sendMessage",
        total / 4,
        Failure::RetryAfter(1),
        injected_429s,
    );

    let accepted_at: Arc<Mutex<HashMap<usize, Instant>>> = Arc::default();
    let bar = progress::bar(quiet, total as u64, "outbound: replies offered");
    let replies = loadgen::open_loop(params.rate, total, total.max(1), &bar, |i| {
        let admin = harness.admin.clone();
        let chat_id = chat_ids[i % chat_ids.len()];
        let accepted_at = accepted_at.clone();
        async move {
            let text = format!("Thank you, we are on it {}", marker(MARK, i));
            let answered = admin
                .post(
                    &format!("/api/v1/chats/{chat_id}/messages"),
                    &json!({ "text": text }),
                )
                .await;
            let ok = answered.is_ok_and(|response| response.status() == 201);
            if ok {
                accepted_at
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(i, Instant::now());
            }
            ok
        }
    })
    .await;
    bar.finish_and_clear();

    // Everything accepted must reach Telegram; at 30/s that takes a while.
    let accepted = replies.ok as usize;
    let per_second = |sends: usize, window: Duration| sends as f64 / window.as_secs_f64();
    let allowed_per_s = f64::min(
        per_second(LIMITS.bot_sends, LIMITS.bot_window),
        params.chats as f64 * per_second(LIMITS.chat_sends, LIMITS.chat_window),
    );
    let deadline = Instant::now() + Duration::from_secs_f64(accepted as f64 / allowed_per_s + 60.0);
    let spinner = progress::spinner(quiet, "outbound: waiting for Telegram to take every reply");
    let taken = loop {
        let taken: Vec<_> = harness
            .telegram
            .sent()
            .into_iter()
            .filter_map(|sent| Some((parse_marker(MARK, sent.text.as_deref()?)?, sent.at)))
            .collect();
        if taken.len() >= accepted || Instant::now() > deadline {
            break taken;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    spinner.finish_and_clear();

    let accepted_at = accepted_at
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let mut times_taken: HashMap<usize, usize> = HashMap::new();
    let mut delay = Latencies::new();
    for (n, at) in &taken {
        let count = times_taken.entry(*n).or_default();
        *count += 1;
        if *count == 1 {
            let posted = accepted_at
                .get(n)
                .with_context(|| format!("reply {n} was taken but never accepted"))?;
            delay.record(at.saturating_duration_since(*posted));
        }
    }
    let first = taken.iter().map(|(_, at)| *at).min();
    let last = taken.iter().map(|(_, at)| *at).max();
    let sent_per_s = match (first, last) {
        (Some(first), Some(last)) if last > first => {
            (taken.len() - 1) as f64 / (last - first).as_secs_f64()
        }
        _ => 0.0,
    };
    Ok(Outcome {
        sent: taken.len(),
        repeated: times_taken.values().filter(|&&n| n > 1).count(),
        missing: accepted_at
            .keys()
            .filter(|n| !times_taken.contains_key(n))
            .count(),
        replies,
        sent_per_s,
        allowed_per_s,
        delay,
        flood_refusals: harness.telegram.flood_refusals(),
        injected_429s,
    })
}
