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

/// Customer `customer`'s message `n` ("m<n>"), through the webhook.
async fn customer_sends(hook: &str, bot: &Integration, customer: i64, n: i64) {
    let update_id = customer * 1_000 + n;
    let update = FakeTelegram::text_update(
        update_id,
        7_000 + customer,
        &format!("Customer {customer}"),
        &format!("m{n}"),
    );
    let status = FakeTelegram::post_to_webhook(hook, &bot.webhook_secret, &update).await;
    assert_eq!(
        status, 200,
        "customer {customer}'s message {n} was accepted"
    );
}

/// Every customer's messages, oldest first, as the API shows them.
async fn texts_per_chat(app: &TestApp) -> Vec<Vec<String>> {
    let admin = app.admin().await;
    let mut chats = tidings_tests::inbox::all_chats(&admin).await;
    chats.sort_by_key(|chat| chat.id);
    let mut texts = Vec::new();
    for chat in chats {
        let inbound =
            tidings_tests::inbox::messages(&admin, chat.id, shared::api::chats::Direction::In)
                .await;
        texts.push(
            inbound
                .iter()
                .filter_map(|item| item.text().map(str::to_owned))
                .collect(),
        );
    }
    texts
}

/// 30 customers write 8 messages each, every customer one after another and
/// all customers at once: a burst the writer keeps and applies in slices (on
/// PostgreSQL, several appliers at once). Each message lands once, in its
/// customer's order.
async fn a_burst_is_applied_once_and_in_order_per_customer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let hook = app.url(&format!("/hooks/telegram/{}", bot.id));
    let customers: Vec<_> = (0..30)
        .map(|customer| {
            let (hook, bot) = (hook.clone(), bot.clone());
            async move {
                for n in 1..=8 {
                    customer_sends(&hook, &bot, customer, n).await;
                }
            }
        })
        .collect();
    tidings_tests::join_all(customers).await;
    app.wait_until_applied().await;
    let expected: Vec<String> = (1..=8).map(|n| format!("m{n}")).collect();
    let texts = texts_per_chat(&app).await;
    assert_eq!(texts.len(), 30, "one chat per customer");
    for chat in texts {
        assert_eq!(chat, expected);
    }
}

on_both_backends!(a_burst_is_applied_once_and_in_order_per_customer);

/// Kept updates are applied in slices that share one transaction (on SQLite
/// first without a savepoint per update); one in the middle that cannot be
/// applied (here the database refuses its message) is kept as failed, and
/// every other update of the slice is applied once, in order, with nothing
/// left of the failed one: its customer's chat starts with their next message.
async fn a_kept_update_that_cannot_be_applied_fails_alone(backend: Backend) {
    use diesel::connection::SimpleConnection;
    use tidings::store::inbound::{record_pending, NewPending};
    use tidings::store::StoreError;

    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let refuse_poison = match backend {
        Backend::Sqlite => {
            "CREATE TRIGGER refuses_poison BEFORE INSERT ON timeline_items
             WHEN NEW.text = 'poison' BEGIN SELECT RAISE(ABORT, 'poison refused'); END;"
        }
        Backend::Postgres => {
            "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN RAISE EXCEPTION 'poison refused'; END $$;
             CREATE TRIGGER refuses_poison BEFORE INSERT ON timeline_items FOR EACH ROW
             WHEN (NEW.text = 'poison') EXECUTE FUNCTION refuse_poison();"
        }
    };
    let store = &app.context().store;
    store
        .run(move |conn| Ok::<_, StoreError>(conn.batch_execute(refuse_poison)?))
        .await
        .expect("the trigger is created");

    // Three customers, five messages each, kept in the order they arrived;
    // customer 2's first message is the one refused.
    let mut updates = Vec::new();
    for n in 1..=5 {
        for customer in 1..=3 {
            let text = match (customer, n) {
                (2, 1) => "poison".to_owned(),
                _ => format!("m{n}"),
            };
            let update_id = customer * 1_000 + n;
            let update = FakeTelegram::text_update(
                update_id,
                7_000 + customer,
                &format!("Customer {customer}"),
                &text,
            );
            updates.push((update_id.to_string(), update.to_string()));
        }
    }
    let integration_id = bot.id;
    store
        .run(move |conn| {
            let pending: Vec<NewPending> = updates
                .iter()
                .map(|(key, body)| NewPending {
                    integration_id,
                    dedup_key: key,
                    body,
                })
                .collect();
            record_pending(conn, &pending).map(drop)
        })
        .await
        .expect("kept");
    app.wait_until_applied().await;

    let all: Vec<String> = (1..=5).map(|n| format!("m{n}")).collect();
    assert_eq!(
        texts_per_chat(&app).await,
        vec![all.clone(), all.clone(), all[1..].to_vec()],
        "one chat per customer (customer 2's opened by their second message), \
         every message but the refused one, in order"
    );
    let failed = store
        .run(|conn| tidings::store::inbound::failed_events(conn, tidings::store::now(), 10))
        .await
        .expect("failed updates are listed");
    assert_eq!(
        failed.len(),
        1,
        "only the refused update failed: {failed:?}"
    );
    assert!(failed[0].1.contains("poison"), "{failed:?}");
}

on_both_backends!(a_kept_update_that_cannot_be_applied_fails_alone);

/// The same burst through two nodes on one PostgreSQL database (each
/// customer's messages alternating between them): both nodes apply at once,
/// and still every message lands once, one chat per customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_apply_a_burst_once() {
    let first = TestApp::start(Backend::Postgres).await;
    let second = first.second_node().await;
    let bot = first.integration(Channel::Telegram, &[], None, None).await;
    let hooks = [&first, &second].map(|node| node.url(&format!("/hooks/telegram/{}", bot.id)));
    let customers: Vec<_> = (0..30)
        .map(|customer| {
            let (hooks, bot) = (hooks.clone(), bot.clone());
            async move {
                for n in 1..=8 {
                    customer_sends(&hooks[(n % 2) as usize], &bot, customer, n).await;
                }
            }
        })
        .collect();
    tidings_tests::join_all(customers).await;
    first.wait_until_applied().await;
    second.wait_until_applied().await;
    let texts = texts_per_chat(&first).await;
    assert_eq!(texts.len(), 30, "one chat per customer");
    for mut chat in texts {
        chat.sort();
        let expected: Vec<String> = (1..=8).map(|n| format!("m{n}")).collect();
        assert_eq!(chat, expected, "each message once");
    }
}

/// A customer's update that loses a PostgreSQL deadlock is applied again at
/// once: its message is in the chat when the writer answers, not kept as
/// failed for the replay a minute later. The other side of the deadlock is a
/// transaction that holds the customer's chat and then waits for the
/// integration row the writer's batch holds. It checks for deadlocks later
/// than the writer, so the writer is the one that loses; the other side then
/// goes on too, as soon as the writer's batch lets go of that row (trying
/// again inside the same batch would only meet the same deadlock).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_update_that_loses_a_deadlock_is_applied_at_once() {
    use diesel::{Connection, PgConnection, RunQueryDsl};

    let app = TestApp::start(Backend::Postgres).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat = app.new_chat(&bot, "Dana", "first").await;
    let tidings::config::DatabaseUrl::Postgres(url) = app.db.url() else {
        unreachable!("a PostgreSQL test database")
    };
    let url = url.expose().to_owned();

    let (held, chat_is_held) = std::sync::mpsc::channel();
    let (go_on, writer_waits) = std::sync::mpsc::channel::<()>();
    let other = std::thread::spawn({
        let url = url.clone();
        let bot = bot.id;
        move || -> Result<(), String> {
            let mut conn = PgConnection::establish(&url).expect("a connection");
            diesel::sql_query("SET deadlock_timeout = '20s'")
                .execute(&mut conn)
                .expect("the test connects as a superuser");
            let result = conn.transaction(|conn| {
                diesel::sql_query(format!("SELECT id FROM chats WHERE id = {chat} FOR UPDATE"))
                    .execute(conn)?;
                held.send(()).expect("the test listens");
                writer_waits.recv().expect("the test signals");
                diesel::sql_query(format!(
                    "UPDATE integrations SET last_inbound_at = last_inbound_at WHERE id = {bot}"
                ))
                .execute(conn)
            });
            result.map(|_| ()).map_err(|err| err.to_string())
        }
    });
    chat_is_held.recv().expect("the chat is held");

    let writes = app.customer_writes(&bot, "Dana", "second");
    let watch_locks = async {
        let url = url.clone();
        tidings_tests::eventually("the writer waits for the held chat", || {
            let url = url.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    let mut conn = PgConnection::establish(&url).expect("a connection");
                    #[derive(diesel::QueryableByName)]
                    struct Waiting {
                        #[diesel(sql_type = diesel::sql_types::BigInt)]
                        count: i64,
                    }
                    let waiting: Waiting = diesel::sql_query(
                        "SELECT count(*) AS count FROM pg_stat_activity \
                         WHERE datname = current_database() AND wait_event_type = 'Lock'",
                    )
                    .get_result(&mut conn)
                    .expect("pg_stat_activity answers");
                    (waiting.count > 0).then_some(())
                })
                .await
                .expect("the probe ran")
            }
        })
        .await;
        go_on.send(()).expect("the other transaction listens");
    };
    let (received, ()) = tokio::join!(writes, watch_locks);
    let other = other.join().expect("the other transaction ran");

    assert_eq!(
        received.chat_id,
        Some(chat),
        "the update was applied, not kept as failed (the other transaction: {other:?})"
    );
    let texts = texts_per_chat(&app).await;
    assert_eq!(texts, vec![vec!["first".to_owned(), "second".to_owned()]]);
    let failed = app
        .context()
        .store
        .run(|conn| tidings::store::inbound::failed_events(conn, tidings::store::now(), 10))
        .await
        .expect("failed updates are listed");
    assert!(failed.is_empty(), "nothing kept as failed: {failed:?}");
    assert_eq!(
        other,
        Ok(()),
        "the deadlock's other side went on once the writer's batch committed"
    );
}
