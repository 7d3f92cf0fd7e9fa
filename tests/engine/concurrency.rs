//! Round robin under concurrency: new chats arriving at once, on one node or
//! on two nodes sharing one PostgreSQL database, split evenly across the queue.

use std::collections::HashMap;

use shared::api::users::Role;
use shared::api::Channel;
use tidings::domain::integration::Integration;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::{on_both_backends, Backend, TestApp};

async fn concurrent_new_chats_split_evenly(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut queue = Vec::new();
    for name in ["Anna", "Boris", "Cleo"] {
        queue.push(app.create_user(name, Role::Employee).await.id);
    }
    let bot = app.integration(Channel::Telegram, &queue, None, None).await;
    let hook = app.url(&format!("/hooks/telegram/{}", bot.id));
    let tasks: Vec<_> = (0..60)
        .map(|n| new_customer_writes(&hook, &bot, n))
        .collect();
    tidings_tests::join_all(tasks).await;
    // A burst may be kept and applied right after the answers.
    app.wait_until_applied().await;
    assert_even_split(&app, &queue, 60).await;
}

/// Customer `n` writes for the first time, through the Telegram webhook.
async fn new_customer_writes(hook: &str, bot: &Integration, n: usize) {
    let n = i64::try_from(n).expect("a small number");
    let update = FakeTelegram::text_update(n + 1, 5_000 + n, &format!("Customer {n}"), "hi");
    let status = FakeTelegram::post_to_webhook(hook, &bot.webhook_secret, &update).await;
    assert_eq!(status, 200, "customer {n} was accepted");
}

async fn assert_even_split(app: &TestApp, queue: &[i64], total: usize) {
    let admin = app.admin().await;
    let mut per_user: HashMap<i64, usize> = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/chats/archive?limit=100&cursor={c}"),
            None => "/api/v1/chats/archive?limit=100".to_owned(),
        };
        let page: shared::api::Page<shared::api::chats::Chat> =
            tidings_tests::body(admin.get(&path).await).await;
        for chat in &page.items {
            *per_user
                .entry(chat.assignee_id.expect("assigned"))
                .or_default() += 1;
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let counts: Vec<usize> = queue
        .iter()
        .map(|u| per_user.get(u).copied().unwrap_or(0))
        .collect();
    assert_eq!(counts.iter().sum::<usize>(), total);
    let (min, max) = (
        counts.iter().min().copied().unwrap_or(0),
        counts.iter().max().copied().unwrap_or(0),
    );
    assert!(max - min <= 1, "uneven split {counts:?}");
}

on_both_backends!(concurrent_new_chats_split_evenly);

/// Two server processes' worth of engines on one PostgreSQL database: 200 new
/// chats at once, half through each node, split 67/67/66.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_share_the_queue_cursor() {
    let first = TestApp::start(Backend::Postgres).await;
    let second = first.second_node().await;
    let mut queue = Vec::new();
    for name in ["Anna", "Boris", "Cleo"] {
        queue.push(first.create_user(name, Role::Employee).await.id);
    }
    let bot = first
        .integration(Channel::Telegram, &queue, None, None)
        .await;
    let hooks = [&first, &second].map(|node| node.url(&format!("/hooks/telegram/{}", bot.id)));
    let tasks: Vec<_> = (0..200)
        .map(|n| new_customer_writes(&hooks[n % 2], &bot, n))
        .collect();
    tidings_tests::join_all(tasks).await;
    first.wait_until_applied().await;
    second.wait_until_applied().await;
    assert_even_split(&first, &queue, 200).await;
}
