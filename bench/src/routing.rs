//! `routing`: the database work of routing one new chat, with M managers in
//! every queue (each with a cap, so their open chats are counted), I
//! integrations and C open chats: the queue's turn taken under its locks, the
//! eligible manager found, the cursor moved, committed. Timed inside the
//! store's thread, so HTTP and the executor are not in the figure.

use std::time::Instant;

use diesel::prelude::*;
use shared::api::users::Role;
use shared::Id;
use tidings::domain::chat::Turn;
use tidings::store::integrations::{insert_integration, NewIntegration, RoutingSettings};
use tidings::store::schema::{chats, users};
use tidings::store::users::{insert_user, NewUser};
use tidings::store::{routing, write_transaction, StoreError};

use crate::bulk::{self, Spec};
use crate::harness::Harness;
use crate::progress;
use crate::stats::Latencies;

#[derive(Debug, Clone)]
pub struct Params {
    pub managers: usize,
    pub integrations: usize,
    /// Chats to load; about three in four are open.
    pub chats: u64,
    pub repeat: usize,
}

pub struct Outcome {
    pub open_chats: i64,
    pub latencies: Latencies,
    /// Turns that found a manager (all of them, when the caps are high).
    pub assigned: usize,
}

pub async fn run(harness: &Harness, params: &Params, quiet: bool) -> anyhow::Result<Outcome> {
    let setup = params.clone();
    let (managers, integrations) = harness
        .store
        .run(move |conn| {
            let mut managers = Vec::with_capacity(setup.managers);
            for n in 0..setup.managers {
                let user = insert_user(
                    conn,
                    NewUser {
                        email: &format!("manager{n}@bench.example"),
                        name: &format!("Manager {n}"),
                        role: Role::Employee,
                        password_hash: "not-a-hash",
                    },
                )?;
                managers.push(user.id);
            }
            // A cap on everyone: each turn counts the chosen manager's open
            // chats. (Presence is not asked: with no live sockets here the
            // server's own sweep would soon call every manager offline.)
            diesel::update(users::table.filter(users::id.eq_any(&managers)))
                .set(users::max_open_chats.eq(Some(1_000_000_i64)))
                .execute(conn)?;
            let pipeline_id = tidings::store::crm::default_pipeline_id(conn)?;
            let mut integrations = Vec::with_capacity(setup.integrations);
            for n in 0..setup.integrations {
                let integration = insert_integration(
                    conn,
                    NewIntegration {
                        kind: shared::api::Channel::Telegram,
                        name: &format!("shop {n}"),
                        token: &format!("{}:bench", 200 + n),
                        webhook_secret: "bench-secret",
                        delivery: shared::api::integrations::Delivery::Webhook,
                        pipeline_id,
                        greeting_text: None,
                        auto_reply_text: None,
                        queue: &managers,
                        bot_username: None,
                        bot_avatar_url: None,
                        routing: RoutingSettings::default(),
                        whatsapp: None,
                    },
                )?;
                integrations.push(integration.id);
            }
            Ok::<_, StoreError>((managers, integrations))
        })
        .await?;
    let spec = Spec {
        chats: params.chats,
        messages: params.chats,
        integrations: integrations.iter().map(|id| (*id, "telegram")).collect(),
        assignees: managers,
        days: 90,
    };
    let bar = progress::bar(quiet, params.chats, "loading open chats");
    {
        let bar = bar.clone();
        harness
            .store
            .run(move |conn| bulk::load(conn, &spec, &bar))
            .await?;
    }
    bar.finish_and_clear();
    let repeat = params.repeat;
    let (open_chats, latencies, assigned) = harness
        .store
        .run(move |conn| {
            let open_chats: i64 = chats::table
                .filter(chats::status.eq("open"))
                .count()
                .get_result(conn)?;
            let mut latencies = Latencies::new();
            let mut assigned = 0;
            for n in 0..repeat {
                let integration: Id = integrations[n % integrations.len()];
                let started = Instant::now();
                let turn =
                    write_transaction(conn, |conn| routing::take_turn(conn, integration, None))?;
                latencies.record(started.elapsed());
                if matches!(turn, Turn::To(_)) {
                    assigned += 1;
                }
            }
            Ok::<_, StoreError>((open_chats, latencies, assigned))
        })
        .await?;
    Ok(Outcome {
        open_chats,
        latencies,
        assigned,
    })
}
