//! The live socket: events after each change, per-user visibility, read-only
//! followers, resume and resync, several nodes on PostgreSQL, many sockets.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::Direction;
use shared::api::users::Role;
use shared::api::Channel;
use shared::error::ErrorCode;
use shared::ws::{ClientMsg, ServerMsg};
use tidings_tests::live::{request, LiveClient};
use tidings_tests::ItemFields;
use tidings_tests::{on_both_backends, Backend, TestApp};

mod limits;

async fn changes_reach_every_eligible_socket(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, anna_client) = app.login_as("Anna", Role::Employee).await;
    let (_, boris_client) = app.login_as("Boris", Role::Employee).await;
    let mut anna_live = LiveClient::connect(&app, &anna_client).await;
    let mut boris_live = LiveClient::connect(&app, &boris_client).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;

    // A customer message: the chat appears and the message arrives.
    let chat_id = app
        .customer_writes(&bot, "Carl", "hello live")
        .await
        .chat_id
        .expect("chat");
    for live in [&mut anna_live, &mut boris_live] {
        live.wait_for(|m| matches!(m, ServerMsg::ChatCreated { chat } if chat.id == chat_id))
            .await;
        live.wait_for(|m| matches!(m, ServerMsg::MessageReceived { item } if item.text() == Some("hello live"))).await;
    }

    // A reply through REST: every socket sees it, then its delivery state.
    let reply = anna_client
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({"text": "hi from Anna"}),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    boris_live
        .wait_for(|m| matches!(m, ServerMsg::MessageSent { item } if item.direction() == Some(Direction::Out) && item.author_id() == Some(anna.id)))
        .await;

    // An assignment through the socket, by Boris: both see the change.
    boris_live
        .send(&ClientMsg::Assign {
            request_ref: "a1".into(),
            chat_id,
            user_id: None,
        })
        .await;
    boris_live
        .wait_for(|m| matches!(m, ServerMsg::Ack { request_ref } if request_ref == "a1"))
        .await;
    anna_live
        .wait_for(|m| matches!(m, ServerMsg::ChatAssigned { assignee_id: None, previous_assignee_id, .. } if *previous_assignee_id == Some(anna.id)))
        .await;

    // A comment by Anna reaches Boris live.
    anna_live
        .send(&ClientMsg::AddComment {
            request_ref: "c1".into(),
            chat_id,
            text: "VIP, careful".into(),
            mention_ids: Vec::new(),
        })
        .await;
    boris_live
        .wait_for(
            |m| matches!(m, ServerMsg::CommentAdded { comment } if comment.text == "VIP, careful"),
        )
        .await;

    // Event ids only grow.
    let ids: Vec<i64> = boris_live.seen.iter().filter_map(|f| f.event_id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

async fn followers_see_only_their_chats_and_cannot_act(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (fred, fred_client) = app.login_as("Fred", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let followed = app
        .customer_writes(&bot, "Carl", "first")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    admin
        .put(
            &format!("/api/v1/chats/{followed}/followers"),
            &json!({"user_ids": [fred.id]}),
        )
        .await;
    let mut live = LiveClient::connect(&app, &fred_client).await;

    let hidden = app
        .customer_writes(&bot, "Dora", "secret")
        .await
        .chat_id
        .expect("chat");
    app.customer_writes(&bot, "Carl", "for Fred").await;
    live.wait_for(
        |m| matches!(m, ServerMsg::MessageReceived { item } if item.text() == Some("for Fred")),
    )
    .await;
    app.customer_writes(&bot, "Dora", "still secret").await;
    app.customer_writes(&bot, "Carl", "marker").await;
    live.wait_for(
        |m| matches!(m, ServerMsg::MessageReceived { item } if item.text() == Some("marker")),
    )
    .await;
    let leaked = serde_json::to_string(&live.seen).expect("serializes");
    assert!(
        !leaked.contains("secret"),
        "a follower saw an unfollowed chat: {leaked}"
    );
    let mentioned: Vec<i64> = live.seen.iter().flat_map(mentioned_chats).collect();
    assert!(!mentioned.contains(&hidden), "{leaked}");
    assert!(mentioned.contains(&followed));

    for (request_ref, command) in [
        (
            "r",
            ClientMsg::SendReply {
                request_ref: "r".into(),
                chat_id: followed,
                text: "no".into(),
                reply_to_item_id: None,
            },
        ),
        (
            "a",
            ClientMsg::Assign {
                request_ref: "a".into(),
                chat_id: followed,
                user_id: Some(fred.id),
            },
        ),
        (
            "c",
            ClientMsg::Close {
                request_ref: "c".into(),
                chat_id: followed,
            },
        ),
        (
            "m",
            ClientMsg::AddComment {
                request_ref: "m".into(),
                chat_id: followed,
                text: "no".into(),
                mention_ids: Vec::new(),
            },
        ),
    ] {
        live.send(&command).await;
        live.wait_for(|m| matches!(m, ServerMsg::Error { code: ErrorCode::Forbidden, request_ref: Some(r), .. } if r == request_ref)).await;
    }
    live.send(&ClientMsg::Close {
        request_ref: "h".into(),
        chat_id: hidden,
    })
    .await;
    live.wait_for(|m| matches!(m, ServerMsg::Error { code: ErrorCode::NotFound, request_ref: Some(r), .. } if r == "h")).await;
    let detail: serde_json::Value =
        tidings_tests::body(admin.get(&format!("/api/v1/chats/{followed}")).await).await;
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["assignee_id"], json!(null));

    // Unfollowed: the chat goes away and nothing more about it arrives.
    admin
        .put(
            &format!("/api/v1/chats/{followed}/followers"),
            &json!({"user_ids": []}),
        )
        .await;
    live.wait_for(|m| matches!(m, ServerMsg::ChatRemoved { chat_id } if *chat_id == followed))
        .await;
    app.customer_writes(&bot, "Carl", "after unfollow").await;
    let later = live.drain(Duration::from_millis(700)).await;
    assert!(later.is_empty(), "{later:?}");
}

async fn a_reconnecting_client_resumes_without_loss_or_duplicates(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let mut live = LiveClient::connect(&app, &admin).await;
    app.customer_writes(&bot, "Carl", "before").await;
    let seen = live
        .wait_for(
            |m| matches!(m, ServerMsg::MessageReceived { item } if item.text() == Some("before")),
        )
        .await;
    let last = seen.event_id.expect("an event id");
    drop(live);

    for n in 0..3 {
        app.customer_writes(&bot, "Carl", &format!("missed {n}"))
            .await;
    }
    let mut again = LiveClient::connect(&app, &admin).await;
    // A client that repeats its resume gets each missed event once.
    for _ in 0..3 {
        again
            .send(&ClientMsg::Resume {
                last_event_id: last,
            })
            .await;
    }
    app.customer_writes(&bot, "Carl", "after").await;
    again
        .wait_for(
            |m| matches!(m, ServerMsg::MessageReceived { item } if item.text() == Some("after")),
        )
        .await;
    let texts: Vec<String> = again
        .seen
        .iter()
        .filter_map(|f| match &f.msg {
            ServerMsg::MessageReceived { item } => item.text().map(str::to_owned),
            _ => None,
        })
        .collect();
    assert_eq!(texts, vec!["missed 0", "missed 1", "missed 2", "after"]);
    let ids: Vec<i64> = again.seen.iter().filter_map(|f| f.event_id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "no duplicates, in order: {ids:?}"
    );
    assert!(ids.iter().all(|id| *id > last));
}

async fn a_client_too_far_behind_is_told_to_resync(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    app.customer_writes(&bot, "Carl", "one").await;
    let mut live = LiveClient::connect(&app, &admin).await;
    // Event 0 was never in the log window of a client that saw nothing: pretend
    // to come back from far in the past by pruning everything first.
    let store = app.context().store.clone();
    store
        .run(|conn| {
            tidings::store::events::prune(
                conn,
                tidings::store::now() + chrono::TimeDelta::hours(1),
                0,
            )
        })
        .await
        .expect("pruned");
    app.customer_writes(&bot, "Carl", "two").await;
    live.wait_for(|m| matches!(m, ServerMsg::MessageReceived { .. }))
        .await;
    let mut stale = LiveClient::connect(&app, &admin).await;
    stale.send(&ClientMsg::Resume { last_event_id: 1 }).await;
    stale
        .wait_for(|m| matches!(m, ServerMsg::Resync { .. }))
        .await;
    assert!(stale.is_closed_within(Duration::from_secs(5)).await);
}

async fn sockets_need_our_origin_and_a_session(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let foreign =
        tokio_tungstenite::connect_async(request(&app, &admin, Some("https://evil.example"))).await;
    assert!(foreign.is_err(), "a foreign Origin is refused");
    let missing = tokio_tungstenite::connect_async(request(&app, &admin, Some(""))).await;
    assert!(missing.is_err(), "a missing Origin is refused");
    let anonymous = tokio_tungstenite::connect_async(request(&app, &app.client(), None)).await;
    assert!(anonymous.is_err(), "no session, no socket");

    // Signing out closes the open socket.
    let mut live = LiveClient::connect(&app, &admin).await;
    admin.post("/api/v1/auth/logout", &json!({})).await;
    live.wait_for(|m| {
        matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::Unauthenticated,
                ..
            }
        )
    })
    .await;
    assert!(live.is_closed_within(Duration::from_secs(5)).await);
}

async fn two_hundred_sockets_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    // Ten teammates with twenty tabs each (the most one user may keep).
    let mut clients = Vec::new();
    for n in 0..10 {
        clients.push(app.login_as(&format!("Mate {n}"), Role::Employee).await.1);
    }
    let mut sockets = tidings_tests::join_all(
        clients
            .iter()
            .flat_map(|client| (0..20).map(|_| LiveClient::connect(&app, client))),
    )
    .await;
    app.customer_writes(&bot, "Carl", "to everyone").await;
    let received = tidings_tests::join_all(sockets.iter_mut().map(|live| async move {
        live.wait_for(|m| matches!(m, ServerMsg::MessageReceived { item } if item.text() == Some("to everyone")))
            .await
    }))
    .await;
    assert_eq!(received.len(), 200);
}

/// Every chat id a frame mentions.
fn mentioned_chats(frame: &shared::ws::ServerFrame) -> Vec<i64> {
    fn walk(value: &serde_json::Value, parent_is_chat: bool, out: &mut Vec<i64>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    if key == "chat_id" || (parent_is_chat && key == "id") {
                        out.extend(v.as_i64());
                    }
                    walk(v, key == "chat", out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, false, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(
        &serde_json::to_value(frame).expect("serializes"),
        false,
        &mut out,
    );
    out
}

on_both_backends!(
    changes_reach_every_eligible_socket,
    followers_see_only_their_chats_and_cannot_act,
    a_reconnecting_client_resumes_without_loss_or_duplicates,
    a_client_too_far_behind_is_told_to_resync,
    sockets_need_our_origin_and_a_session,
    two_hundred_sockets_at_once,
);

/// A message received by node A reaches a socket on node B (PostgreSQL NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_on_one_node_reaches_sockets_on_another() {
    let node_a = TestApp::start(Backend::Postgres).await;
    let node_b = node_a.second_node().await;
    let admin_on_b = node_b.admin().await;
    let mut live = LiveClient::connect(&node_b, &admin_on_b).await;
    let bot = node_a.integration(Channel::Viber, &[], None, None).await;
    node_a.customer_writes(&bot, "Carl", "via node A").await;
    live.wait_for(
        |m| matches!(m, ServerMsg::MessageReceived { item } if item.text() == Some("via node A")),
    )
    .await;
}

/// SQLite runs one node: a second server on the same file refuses to start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sqlite_node_refuses_to_start() {
    let app = TestApp::start(Backend::Sqlite).await;
    let second = tidings::start(app.config.clone()).await;
    let err = match second {
        Ok(_) => panic!("a second SQLite node must not start"),
        Err(err) => format!("{err:#}"),
    };
    assert!(err.contains("another Tidings server is running"), "{err}");
}

/// PostgreSQL wakes every node's dispatcher at commit: logging an event sends
/// one notification on the channel the nodes listen on, and only once the
/// change commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_event_notifies_the_listening_nodes_at_commit() {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    use tidings::config::DatabaseUrl;
    use tidings::store::{events, write_transaction, StoreError};

    let app = TestApp::start(Backend::Postgres).await;
    let DatabaseUrl::Postgres(url) = app.db.url() else {
        panic!("a PostgreSQL database");
    };
    let listened = tokio::task::spawn_blocking(move || {
        let mut listener = PgConnection::establish(url.expose()).expect("connects");
        diesel::sql_query(format!("LISTEN {}", events::NOTIFY_CHANNEL))
            .execute(&mut listener)
            .expect("listens");
        listener
    })
    .await
    .expect("the listener connected");
    let rolled_back = {
        let store = app.context().store.clone();
        tokio::task::spawn_blocking(move || {
            store.run_blocking(|conn| {
                // Rolled back: never announced.
                let rolled_back = write_transaction(conn, |conn| {
                    events::append(conn, None, "{}")?;
                    Err::<(), StoreError>(StoreError::Conflict("undo".into()))
                });
                // Two events in one transaction: announced once, at commit.
                write_transaction(conn, |conn| {
                    events::append(conn, None, "{}")?;
                    events::append(conn, None, "{}")?;
                    Ok::<_, StoreError>(())
                })?;
                Ok(rolled_back.is_err())
            })
        })
        .await
        .expect("ran")
        .expect("logged")
    };
    assert!(rolled_back, "the first transaction was rolled back");
    let mut listener = listened;
    let notifications = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while seen.is_empty() && std::time::Instant::now() < deadline {
            for notification in listener.notifications_iter() {
                seen.push(notification.expect("a notification").channel);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Anything more would have arrived with the first.
        std::thread::sleep(Duration::from_millis(200));
        for notification in listener.notifications_iter() {
            seen.push(notification.expect("a notification").channel);
        }
        seen
    })
    .await
    .expect("listened");
    assert_eq!(notifications, vec![events::NOTIFY_CHANNEL.to_owned()]);
}
