//! The outbound scheduler reads due work per bot: neither a bot whose replies
//! wait in back-off nor one with a long backlog hides another bot's reply.

use diesel::prelude::*;
use shared::api::Channel;
use shared::Id;
use tidings::store::schema::outbound_queue;
use tidings::store::{now, outbound, write_transaction, DbConn, StoreError};
use tidings_tests::{on_both_backends, Backend, TestApp};

/// Queues `n` reply jobs for `item_id` of `chat_id`.
fn queue_jobs(
    conn: &mut DbConn,
    integration_id: Id,
    chat_id: Id,
    item_id: Id,
    n: usize,
) -> Result<(), StoreError> {
    for _ in 0..n {
        outbound::enqueue(conn, integration_id, chat_id, item_id)?;
    }
    Ok(())
}

/// Runs `queue` and then reads the chats of the first `limit` due jobs, in
/// one transaction: the server's own sender (whose sends fail at the closed
/// test port and back off) cannot take a queued job before it is read.
async fn queue_then_due_chats(
    app: &TestApp,
    limit: i64,
    queue: impl FnOnce(&mut DbConn) -> Result<(), StoreError> + Send + 'static,
) -> Vec<Id> {
    app.context()
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                queue(conn)?;
                outbound::due_jobs(conn, limit)
            })
        })
        .await
        .expect("queued and read")
        .into_iter()
        .map(|job| job.chat_id)
        .collect()
}

async fn a_bot_whose_replies_wait_in_back_off_does_not_hide_another_bots_reply(backend: Backend) {
    let app = TestApp::start(backend).await;
    let stuck = app.integration(Channel::Telegram, &[], None, None).await;
    let healthy = app.integration(Channel::Viber, &[], None, None).await;
    let stuck_chat = app.customer_writes(&stuck, "Carl", "hi").await;
    let (stuck_chat_id, stuck_item) = (stuck_chat.chat_id.expect("a chat"), stuck_chat.item_ids[0]);
    let healthy_chat = app.customer_writes(&healthy, "Dora", "hello").await;
    let healthy_chat_id = healthy_chat.chat_id.expect("a chat");
    let healthy_item = healthy_chat.item_ids[0];
    let due = queue_then_due_chats(&app, 32, move |conn| {
        // Two hundred older jobs, all waiting for their next attempt in an hour.
        queue_jobs(conn, stuck.id, stuck_chat_id, stuck_item, 200)?;
        diesel::update(outbound_queue::table)
            .set(outbound_queue::next_attempt_at.eq(now() + chrono::TimeDelta::hours(1)))
            .execute(conn)?;
        queue_jobs(conn, healthy.id, healthy_chat_id, healthy_item, 1)
    })
    .await;
    assert_eq!(due, vec![healthy_chat_id]);
}

async fn a_bot_with_a_long_backlog_takes_turns_with_another_bot(backend: Backend) {
    let app = TestApp::start(backend).await;
    let busy = app.integration(Channel::Telegram, &[], None, None).await;
    let quiet = app.integration(Channel::Viber, &[], None, None).await;
    let mut busy_chats = Vec::new();
    for n in 0..20 {
        let received = app
            .customer_writes(&busy, &format!("Customer {n}"), "hi")
            .await;
        busy_chats.push((received.chat_id.expect("a chat"), received.item_ids[0]));
    }
    let received = app.customer_writes(&quiet, "Dora", "hello").await;
    let quiet_chat = received.chat_id.expect("a chat");
    let quiet_item = received.item_ids[0];
    let due = queue_then_due_chats(&app, 8, move |conn| {
        for (chat_id, item_id) in busy_chats {
            queue_jobs(conn, busy.id, chat_id, item_id, 2)?;
        }
        queue_jobs(conn, quiet.id, quiet_chat, quiet_item, 1)
    })
    .await;
    assert_eq!(due.len(), 8);
    assert!(
        due[..2].contains(&quiet_chat),
        "the newer bot's reply is in the first turn: {due:?}"
    );
    let mut distinct = due.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), due.len(), "one job per chat (its oldest)");
}

on_both_backends!(
    a_bot_whose_replies_wait_in_back_off_does_not_hide_another_bots_reply,
    a_bot_with_a_long_backlog_takes_turns_with_another_bot,
);
