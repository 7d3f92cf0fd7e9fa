//! `push`: a burst of notifications through the Web Push queue to a local fake
//! push service that verifies every VAPID signature and decrypts every
//! payload (`tidings_tests::fake_push`). Managers, each with one subscribed
//! device, own one chat each; customers write into those chats as fast as a
//! few senders can, so each message is one `customer_message` notification
//! and one push. Measures the time from the burst's first webhook until the
//! push service has every push, and the webhooks' latency during the burst
//! against the same burst before any device was subscribed (no pushes).
//! With `check_after`, the fake answers at once and checks every push after
//! the timed window instead, off the cores the burst shares.

use std::sync::Arc;
use std::time::Duration;

use shared::api::users::Role;
use shared::Id;
use tidings::store::push::{subscribe, NewSubscription};
use tidings::store::users::{insert_user, NewUser};
use tidings::store::StoreError;
use tidings_tests::fake_push::FakePush;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::harness::{Harness, Webhook};
use crate::ingest::{self, Updates};
use crate::stats::Latencies;

#[derive(Debug, Clone)]
pub struct Params {
    /// Managers, each with one device and one chat.
    pub devices: u64,
    /// Notifications (customer messages) in the burst.
    pub notifications: u64,
    /// Webhooks sent at once.
    pub senders: usize,
    /// The fake push service checks every push after the timed window.
    pub check_after: bool,
}

pub struct Outcome {
    /// The burst before any device was subscribed: webhook latencies.
    pub quiet: Latencies,
    /// The burst with every device subscribed.
    pub busy: Latencies,
    /// From the burst's first webhook to the push service having every push.
    pub delivered_in: Duration,
    /// Pushes the push service accepted (verified and decrypted).
    pub pushes: usize,
    /// Pushes it refused (a bad signature or payload): must be none.
    pub rejected: usize,
}

pub async fn run(
    harness: &Harness,
    fake: &FakePush,
    params: &Params,
    _quiet: bool,
) -> anyhow::Result<Outcome> {
    let devices = params.devices;
    let managers: Vec<Id> = harness
        .store
        .run(move |conn| {
            (0..devices)
                .map(|n| {
                    Ok::<_, StoreError>(
                        insert_user(
                            conn,
                            NewUser {
                                email: &format!("pushed{n}@bench.example"),
                                name: &format!("Pushed {n}"),
                                role: Role::Employee,
                                password_hash: "not-a-hash",
                            },
                        )?
                        .id,
                    )
                })
                .collect()
        })
        .await?;
    let hook = harness.telegram_integration(&[], None, None).await?;
    let client = ingest::load_client()?;
    let chat_ids = ingest::open_chats(harness, &client, &hook, devices).await?;
    for (chat_id, user_id) in chat_ids.iter().zip(&managers) {
        let response = harness
            .admin
            .post(
                &format!("/api/v1/chats/{chat_id}/assign"),
                &serde_json::json!({ "user_id": user_id }),
            )
            .await?;
        anyhow::ensure!(
            response.status() == 200,
            "assigning a chat: {}",
            response.status()
        );
    }
    let updates = Updates::new(1_000_000, devices);
    let quiet = burst(&client, &hook, &updates, params).await?;
    ingest::wait_until_applied(&harness.store).await?;

    let subscriptions: Vec<(Id, NewSubscription)> = managers
        .iter()
        .enumerate()
        .map(|(n, user_id)| {
            let device = fake.device(&format!("device{n}"));
            (
                *user_id,
                NewSubscription {
                    endpoint: device.endpoint,
                    p256dh: device.p256dh,
                    auth: device.auth,
                    language: "en".into(),
                    user_agent: Some("bench".into()),
                },
            )
        })
        .collect();
    harness
        .store
        .run(move |conn| {
            for (user_id, subscription) in &subscriptions {
                subscribe(conn, *user_id, subscription)?;
            }
            Ok::<_, StoreError>(())
        })
        .await?;

    if params.check_after {
        fake.check_later();
    }
    let started = Instant::now();
    let busy = burst(&client, &hook, &updates, params).await?;
    let expected = usize::try_from(params.notifications)?;
    let deadline = started + Duration::from_secs(120);
    while fake.received() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivered_in = started.elapsed();
    // Every push is checked all the same, once the window is over.
    fake.check_held();
    Ok(Outcome {
        quiet,
        busy,
        delivered_in,
        pushes: fake.pushes().len(),
        rejected: fake.rejected().len(),
    })
}

/// `params.notifications` customer messages spread over the chats, sent by
/// `params.senders` at once; their latencies.
async fn burst(
    client: &reqwest::Client,
    hook: &Webhook,
    updates: &Updates,
    params: &Params,
) -> anyhow::Result<Latencies> {
    let gate = Arc::new(Semaphore::new(params.senders.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..params.notifications {
        let permit = gate.clone().acquire_owned().await?;
        let (update_id, _) = updates.next();
        let customer = i64::try_from(n % params.devices.max(1))?;
        let body = updates.body(
            update_id,
            customer,
            "Customer",
            &format!("burst message {n}"),
        );
        let client = client.clone();
        let (url, secret) = (hook.url.clone(), hook.secret.clone());
        tasks.spawn(async move {
            let sent = Instant::now();
            let ok = ingest::post_update(&client, &url, &secret, body).await;
            drop(permit);
            (ok, sent.elapsed())
        });
    }
    let mut latencies = Latencies::new();
    while let Some(done) = tasks.join_next().await {
        let (ok, took) = done?;
        anyhow::ensure!(ok, "a burst webhook was refused");
        latencies.record(took);
    }
    Ok(latencies)
}
