//! `reads`: webhooks at a steady rate, first alone, then with managers
//! reading beside them (closed loops of timelines, one-chat searches and
//! archive searches over REST as the admin): reading a chat must never wait for
//! the writer, so the webhooks' latency should barely move.

use std::sync::Arc;
use std::time::Duration;

use shared::Id;

use crate::corpus::{Rng, SEARCH_WORDS};
use crate::harness::Harness;
use crate::ingest::{self, Updates};
use crate::loadgen::{open_loop, saturate, Phase};
use crate::progress;

#[derive(Debug, Clone)]
pub struct Params {
    /// Webhooks per second (open loop), in both phases.
    pub rate: f64,
    pub duration: Duration,
    /// Concurrent reading loops in the second phase.
    pub readers: usize,
    /// Customers (one chat each) the webhooks and reads go to.
    pub chats: u64,
    pub max_in_flight: usize,
}

pub struct Outcome {
    /// Webhooks with nobody reading.
    pub alone: Phase,
    /// The same webhooks with the readers going.
    pub beside: Phase,
    /// The readers' requests (closed loop).
    pub reads: Phase,
}

impl Outcome {
    /// p99 beside the readers within 2x (or +20 ms) of the p99 alone.
    pub fn reads_do_not_hold_up_webhooks(&self) -> bool {
        let (alone, beside) = (
            self.alone.latencies.ms(0.99),
            self.beside.latencies.ms(0.99),
        );
        beside <= (2.0 * alone).max(alone + 20.0)
    }
}

pub async fn run(harness: &Harness, params: &Params, quiet: bool) -> anyhow::Result<Outcome> {
    let hook = harness
        .telegram_integration(&[], None, Some("We got your message."))
        .await?;
    let client = ingest::load_client()?;
    let chat_ids = Arc::new(ingest::open_chats(harness, &client, &hook, params.chats).await?);
    // Later updates of the same customers: messages in their open chats.
    let updates = Arc::new(Updates::new(params.chats as i64 + 1, params.chats));
    let count = ((params.rate * params.duration.as_secs_f64()).round() as usize).max(1);
    let webhooks = |label: &str| {
        let bar = progress::bar(quiet, count as u64, label);
        let (client, url, secret, updates) = (
            client.clone(),
            hook.url.clone(),
            hook.secret.clone(),
            updates.clone(),
        );
        async move {
            let phase = open_loop(params.rate, count, params.max_in_flight, &bar, move |_| {
                let (client, url, secret) = (client.clone(), url.clone(), secret.clone());
                let (_, body) = updates.next();
                async move { ingest::post_update(&client, &url, &secret, body).await }
            })
            .await;
            bar.finish_and_clear();
            phase
        }
    };
    let alone = webhooks("webhooks alone").await;
    ingest::wait_until_applied(&harness.store).await?;

    let reads_bar = progress::bar(quiet, 0, "reads beside the webhooks");
    let admin = harness.admin.clone();
    let read = move |i: usize| {
        let admin = admin.clone();
        let mut rng = Rng::new(i as u64);
        let chat: Id = chat_ids[rng.below(chat_ids.len() as u64) as usize];
        let word = rng.pick(SEARCH_WORDS);
        let path = match i % 3 {
            0 => format!("/api/v1/chats/{chat}/timeline?limit=50"),
            1 => format!("/api/v1/chats/{chat}/search?q={word}"),
            _ => format!("/api/v1/chats/archive?q={word}&limit=50"),
        };
        async move {
            admin
                .get(&path)
                .await
                .is_ok_and(|response| response.status() == 200)
        }
    };
    let (beside, reads) = tokio::join!(
        webhooks("webhooks beside the readers"),
        saturate(params.readers, params.duration, None, &reads_bar, read)
    );
    reads_bar.finish_and_clear();
    ingest::wait_until_applied(&harness.store).await?;
    Ok(Outcome {
        alone,
        beside,
        reads,
    })
}
