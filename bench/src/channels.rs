//! `channels`: what a WhatsApp notification costs against a Telegram update.
//! Both integrations live on one server; rounds alternate between them (so
//! a noisy machine slows both alike), each posting the same number of
//! customers' texts (the same corpus, each messenger's own JSON, WhatsApp's
//! signed with the app secret) at a fixed concurrency and timing until the
//! last one is applied. The figure is the ratio of the medians of the two
//! channels' time per update, from one run.

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use reqwest::Client;
use serde_json::json;
use shared::api::integrations::Integration;
use shared::Id;
use tidings_tests::fake_whatsapp::{FakeWhatsApp, SIGNATURE_HEADER};

use crate::corpus::{self, Rng};
use crate::harness::{expect_json, Harness, Webhook};
use crate::ingest::{self, load_client, post_update, Stored, Updates};

const NUMBER: &str = "106540352242922";
const ACCOUNT: &str = "102290129340398";
const TOKEN: &str = "EAAJB3xZC0ZBoBO1bench0token";
const APP_SECRET: &str = "5e1c7a9b3d2f4e6a8c0b2d4f6a8c0e2b";

#[derive(Debug, Clone)]
pub struct Params {
    /// Rounds per messenger (they alternate).
    pub rounds: usize,
    /// Updates per round.
    pub per_round: u64,
    /// Requests in flight.
    pub concurrency: usize,
    /// Distinct customers per messenger.
    pub customers: u64,
}

/// One round: updates accepted and the time until the last was applied.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    pub accepted: u64,
    pub took: Duration,
}

impl Round {
    /// Microseconds per accepted update, accepting and applying.
    pub fn micros_per_update(&self) -> f64 {
        self.took.as_secs_f64() * 1e6 / self.accepted.max(1) as f64
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub telegram: Vec<Round>,
    pub whatsapp: Vec<Round>,
    pub telegram_stored: Stored,
    pub whatsapp_stored: Stored,
    /// Updates sent per messenger (for the exactly-once check).
    pub sent: u64,
}

impl Outcome {
    pub fn median(rounds: &[Round]) -> f64 {
        let mut costs: Vec<f64> = rounds.iter().map(Round::micros_per_update).collect();
        costs.sort_by(f64::total_cmp);
        costs.get(costs.len() / 2).copied().unwrap_or(0.0)
    }

    /// WhatsApp's median time per update over Telegram's.
    pub fn ratio(&self) -> f64 {
        let telegram = Self::median(&self.telegram);
        if telegram > 0.0 {
            Self::median(&self.whatsapp) / telegram
        } else {
            0.0
        }
    }

    pub fn accepted(rounds: &[Round]) -> u64 {
        rounds.iter().map(|round| round.accepted).sum()
    }
}

/// A messenger's webhook and how its bodies are made and signed.
enum Messenger {
    Telegram {
        hook: Webhook,
        updates: Updates,
    },
    WhatsApp {
        url: String,
        integration_id: Id,
        next_id: std::sync::atomic::AtomicU64,
        customers: u64,
    },
}

impl Messenger {
    fn integration_id(&self) -> Id {
        match self {
            Messenger::Telegram { hook, .. } => hook.integration_id,
            Messenger::WhatsApp { integration_id, .. } => *integration_id,
        }
    }

    /// Posts the next customer's text; true on 200.
    async fn post_next(&self, client: &Client) -> bool {
        match self {
            Messenger::Telegram { hook, updates } => {
                let (_, body) = updates.next();
                post_update(client, &hook.url, &hook.secret, body).await
            }
            Messenger::WhatsApp {
                url,
                next_id,
                customers,
                ..
            } => {
                let n = next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let customer = n % (*customers).max(1);
                let name = corpus::name(&mut Rng::new(customer));
                let text = corpus::customer_text(&mut Rng::new(n));
                let body = FakeWhatsApp::text(
                    NUMBER,
                    &(34_600_000_000 + customer).to_string(),
                    &name,
                    &format!("wamid.bench{n}"),
                    chrono::Utc::now().timestamp(),
                    &text,
                );
                let signature = FakeWhatsApp::sign(APP_SECRET, &body);
                let request = client
                    .post(url)
                    .header(SIGNATURE_HEADER, signature)
                    .header("content-type", "application/json")
                    .body(body);
                match request.send().await {
                    Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        }
    }
}

/// Connects the bench's WhatsApp number the way an admin does.
async fn whatsapp_integration(harness: &Harness) -> anyhow::Result<Id> {
    harness.whatsapp.add_number(NUMBER, TOKEN, "Bench shop");
    let response = harness
        .admin
        .post(
            "/api/v1/integrations",
            &json!({
                "kind": "whatsapp", "name": "Bench WhatsApp", "token": TOKEN,
                "phone_number_id": NUMBER, "business_account_id": ACCOUNT,
                "app_secret": APP_SECRET,
            }),
        )
        .await?;
    let integration: Integration = serde_json::from_value(expect_json(response, 201).await?)?;
    Ok(integration.id)
}

async fn round(
    harness: &Harness,
    client: &Client,
    messenger: &Messenger,
    params: &Params,
) -> anyhow::Result<Round> {
    let started = Instant::now();
    let accepted = stream::iter(0..params.per_round)
        .map(|_| messenger.post_next(client))
        .buffer_unordered(params.concurrency.max(1))
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await as u64;
    ingest::wait_until_applied(&harness.store).await?;
    Ok(Round {
        accepted,
        took: started.elapsed(),
    })
}

pub async fn run(harness: &Harness, params: &Params) -> anyhow::Result<Outcome> {
    let client = load_client()?;
    let hook = harness.telegram_integration(&[], None, None).await?;
    let whatsapp_id = whatsapp_integration(harness).await?;
    let telegram = Messenger::Telegram {
        hook,
        updates: Updates::new(1, params.customers),
    };
    let whatsapp = Messenger::WhatsApp {
        url: harness.url(&format!("/hooks/whatsapp/{whatsapp_id}")),
        integration_id: whatsapp_id,
        next_id: std::sync::atomic::AtomicU64::new(1),
        customers: params.customers,
    };
    // First contacts cost more than messages in open chats: open every
    // customer's chat on both before timing.
    let warm_up = Params {
        per_round: params.customers,
        ..params.clone()
    };
    round(harness, &client, &telegram, &warm_up).await?;
    round(harness, &client, &whatsapp, &warm_up).await?;
    let mut outcome = Outcome {
        telegram: Vec::new(),
        whatsapp: Vec::new(),
        telegram_stored: ingest::stored(&harness.store, telegram.integration_id()).await?,
        whatsapp_stored: ingest::stored(&harness.store, whatsapp.integration_id()).await?,
        sent: params.customers + params.per_round * params.rounds as u64,
    };
    for index in 0..params.rounds {
        // Alternate which goes first, so neither always follows the other's backlog.
        let order = if index % 2 == 0 {
            [&telegram, &whatsapp]
        } else {
            [&whatsapp, &telegram]
        };
        for messenger in order {
            let measured = round(harness, &client, messenger, params).await?;
            match messenger {
                Messenger::Telegram { .. } => outcome.telegram.push(measured),
                Messenger::WhatsApp { .. } => outcome.whatsapp.push(measured),
            }
        }
    }
    outcome.telegram_stored = ingest::stored(&harness.store, telegram.integration_id()).await?;
    outcome.whatsapp_stored = ingest::stored(&harness.store, whatsapp.integration_id()).await?;
    Ok(outcome)
}
