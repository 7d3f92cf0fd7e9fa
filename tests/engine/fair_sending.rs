//! The outbound scheduler reads due work per bot: neither a bot whose replies
//! wait in back-off nor one with a long backlog hides another bot's reply.

use shared::api::Channel;
use shared::Id;
use tidings::store::outbound;
use tidings_tests::{on_both_backends, Backend, TestApp};

/// Queues a reply job for each of `items` (timeline items of `chat_id`).
async fn queue_jobs(app: &TestApp, integration_id: Id, chat_id: Id, item_id: Id, n: usize) {
    app.context()
        .store
        .run(move |conn| {
            for _ in 0..n {
                outbound::enqueue(conn, integration_id, chat_id, item_id)?;
            }
            Ok(())
        })
        .await
        .expect("queued");
}

async fn due_chats_of(app: &TestApp, limit: i64) -> Vec<Id> {
    app.context()
        .store
        .run(move |conn| outbound::due_jobs(conn, limit))
        .await
        .expect("read")
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
    // Two hundred older jobs, all waiting for their next attempt in an hour.
    queue_jobs(&app, stuck.id, stuck_chat_id, stuck_item, 200).await;
    app.context()
        .store
        .run(|conn| {
            use diesel::prelude::*;
            use tidings::store::schema::outbound_queue;
            diesel::update(outbound_queue::table)
                .set(
                    outbound_queue::next_attempt_at
                        .eq(tidings::store::now() + chrono::TimeDelta::hours(1)),
                )
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("backed off");
    let healthy_chat = app.customer_writes(&healthy, "Dora", "hello").await;
    let healthy_chat_id = healthy_chat.chat_id.expect("a chat");
    queue_jobs(
        &app,
        healthy.id,
        healthy_chat_id,
        healthy_chat.item_ids[0],
        1,
    )
    .await;
    assert_eq!(due_chats_of(&app, 32).await, vec![healthy_chat_id]);
}

async fn a_bot_with_a_long_backlog_takes_turns_with_another_bot(backend: Backend) {
    let app = TestApp::start(backend).await;
    let busy = app.integration(Channel::Telegram, &[], None, None).await;
    let quiet = app.integration(Channel::Viber, &[], None, None).await;
    for n in 0..20 {
        let received = app
            .customer_writes(&busy, &format!("Customer {n}"), "hi")
            .await;
        let chat_id = received.chat_id.expect("a chat");
        queue_jobs(&app, busy.id, chat_id, received.item_ids[0], 2).await;
    }
    let received = app.customer_writes(&quiet, "Dora", "hello").await;
    let quiet_chat = received.chat_id.expect("a chat");
    queue_jobs(&app, quiet.id, quiet_chat, received.item_ids[0], 1).await;
    let due = due_chats_of(&app, 8).await;
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
