//! Timeline events on the wire (CONTRACT.md "Timeline events and reasons"),
//! what a row that cannot be read back does, and reads that never wait for a
//! writer.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::users::Role;
use shared::api::Channel;
use tidings::store::{schema::timeline_items, write_transaction};
use tidings_tests::{body, expect_error, on_both_backends, Backend, TestApp};

/// The chat's events as the API sends them: `(event, actor_id, data)`.
async fn wire_events(
    client: &tidings_tests::ApiClient,
    chat_id: i64,
) -> Vec<(String, Value, Value)> {
    let page: Value = body(
        client
            .get(&format!("/api/v1/chats/{chat_id}/timeline?limit=100"))
            .await,
    )
    .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|item| item["kind"] == "event")
        .map(|item| {
            (
                item["event"].as_str().expect("an event name").to_owned(),
                item["actor_id"].clone(),
                item["data"].clone(),
            )
        })
        .collect()
}

async fn assignments_carry_their_reason_and_the_previous_manager_only_when_there_was_one(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let (anna, anna_client) = app.login_as("Anna", Role::Employee).await;
    let boris = app.create_user("Boris", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hello")
        .await
        .chat_id
        .expect("a chat");
    // Nobody in the queue: the new chat says why it has no manager.
    let events = wire_events(&anna_client, chat_id).await;
    assert_eq!(events[1].0, "unassigned");
    assert_eq!(events[1].2, json!({"reason": "queue_empty"}));

    // Anna answers the unassigned chat and takes it; nobody had it before.
    let reply = anna_client
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({"text": "Hello!"}),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let events = wire_events(&anna_client, chat_id).await;
    let taken = events.last().expect("an event");
    assert_eq!(taken.0, "assigned");
    assert_eq!(taken.1, json!(anna.id));
    assert_eq!(
        taken.2,
        json!({"user_id": anna.id, "reason": "took_by_replying"})
    );

    // Handing it to Boris names Anna; taking it away from him names Boris.
    for (to, expected) in [
        (
            json!(boris.id),
            json!({"user_id": boris.id, "reason": "manual", "previous_user_id": anna.id}),
        ),
        (
            json!(null),
            json!({"reason": "manual", "previous_user_id": boris.id}),
        ),
    ] {
        let response = anna_client
            .post(
                &format!("/api/v1/chats/{chat_id}/assign"),
                &json!({ "user_id": to }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let events = wire_events(&anna_client, chat_id).await;
        assert_eq!(events.last().expect("an event").2, expected);
    }
}

async fn every_event_the_engine_writes_reads_back_with_its_data(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app.integration(Channel::Viber, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hello")
        .await
        .chat_id
        .expect("a chat");
    let path = |action: &str| format!("/api/v1/chats/{chat_id}/{action}");
    assert_eq!(
        client
            .put(&path("tags"), &json!({"tags": ["vip"]}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        client.post(&path("close"), &json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        client.post(&path("reopen"), &json!({})).await.status(),
        StatusCode::OK
    );
    let events = wire_events(&client, chat_id).await;
    let shapes: Vec<(&str, &Value)> = events.iter().map(|(e, _, d)| (e.as_str(), d)).collect();
    assert_eq!(
        shapes,
        vec![
            ("opened", &json!({"referral": null})),
            ("unassigned", &json!({"reason": "queue_empty"})),
            ("deal_created", &events[2].2),
            ("tags_changed", &json!({"tags": ["vip"], "previous": []})),
            ("closed", &json!({})),
            ("reopened", &json!({"reason": "manual"})),
        ]
    );
    assert!(events[2].2["deal_id"].is_i64() && events[2].2["title"].is_string());
}

async fn a_row_that_cannot_be_read_back_fails_that_request_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let broken = app
        .customer_writes(&bot, "Carl", "hello")
        .await
        .chat_id
        .expect("a chat");
    let sound = app
        .customer_writes(&bot, "Dora", "hello")
        .await
        .chat_id
        .expect("a chat");
    app.context()
        .store
        .run(move |conn| {
            use diesel::prelude::*;
            diesel::update(timeline_items::table.filter(timeline_items::chat_id.eq(broken)))
                .filter(timeline_items::event.eq("opened"))
                .set(timeline_items::event.eq("exploded"))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("the row is changed");
    let failed = client
        .get(&format!("/api/v1/chats/{broken}/timeline"))
        .await;
    assert_eq!(
        expect_error(failed, StatusCode::INTERNAL_SERVER_ERROR).await,
        "internal"
    );
    let fine = client.get(&format!("/api/v1/chats/{sound}/timeline")).await;
    assert_eq!(fine.status(), StatusCode::OK);
    assert_eq!(client.get("/healthz").await.status(), StatusCode::OK);
}

async fn viewing_a_chat_never_waits_for_a_writer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hello")
        .await
        .chat_id
        .expect("a chat");

    // A writer holds its write transaction (on SQLite: the process's write
    // turn and the database's write lock) until the reads below are done.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (holding, held) = tokio::sync::oneshot::channel::<()>();
    let store = app.context().store.clone();
    let writer = tokio::task::spawn_blocking(move || {
        store.run_blocking(|conn| {
            write_transaction(conn, |conn| {
                use diesel::prelude::*;
                diesel::update(timeline_items::table.filter(timeline_items::chat_id.eq(chat_id)))
                    .set(timeline_items::chat_id.eq(chat_id))
                    .execute(conn)?;
                let _ = holding.send(());
                let _ = released.recv_timeout(Duration::from_secs(60));
                Ok::<_, tidings::store::StoreError>(())
            })
        })
    });
    held.await.expect("the writer holds its transaction");
    for path in [
        format!("/api/v1/chats/{chat_id}"),
        format!("/api/v1/chats/{chat_id}/timeline"),
        format!("/api/v1/chats/{chat_id}/search?q=hello"),
        format!("/api/v1/chats/{chat_id}/comments"),
        "/api/v1/chats?group=unassigned".to_owned(),
        "/api/v1/chats/archive?q=hello".to_owned(),
    ] {
        // Far below the 60 s the writer would hold out: a read that queued
        // behind it would not answer in time.
        let response = tokio::time::timeout(Duration::from_secs(20), client.get(&path))
            .await
            .unwrap_or_else(|_| panic!("{path} waited for the writer"));
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    release.send(()).expect("the writer waits");
    writer
        .await
        .expect("the writer ran")
        .expect("the write committed");
}

on_both_backends!(
    assignments_carry_their_reason_and_the_previous_manager_only_when_there_was_one,
    every_event_the_engine_writes_reads_back_with_its_data,
    a_row_that_cannot_be_read_back_fails_that_request_only,
    viewing_a_chat_never_waits_for_a_writer,
);
