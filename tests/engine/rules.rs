//! CONTRACT.md "Rules": queue, new chat, greeting, auto-reply, reopen.

use serde_json::json;
use shared::api::chats::{ChatStatus, DeliveryState, Direction};
use shared::api::users::Role;
use shared::api::Channel;
use tidings_tests::ItemFields;
use tidings_tests::{on_both_backends, Backend, TestApp};

use crate::support::{chat, events, group, timeline};

async fn round_robin_goes_a_b_a(backend: Backend) {
    let app = TestApp::start(backend).await;
    let a = app.create_user("Anna", Role::Employee).await;
    let b = app.create_user("Boris", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[a.id, b.id], None, None)
        .await;
    let mut assignees = Vec::new();
    for customer in ["Carl", "Dora", "Emil"] {
        let received = app.customer_writes(&bot, customer, "hello").await;
        assert!(received.chat_created);
        let admin = app.admin().await;
        let chat = chat(&admin, received.chat_id.expect("a chat")).await;
        assignees.push(chat["assignee_id"].as_i64());
    }
    assert_eq!(assignees, vec![Some(a.id), Some(b.id), Some(a.id)]);
}

async fn deactivated_managers_are_skipped(backend: Backend) {
    let app = TestApp::start(backend).await;
    let a = app.create_user("Anna", Role::Employee).await;
    let b = app.create_user("Boris", Role::Employee).await;
    let c = app.create_user("Cleo", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[a.id, b.id, c.id], None, None)
        .await;
    let admin = app.admin().await;
    let response = admin
        .patch(
            &format!("/api/v1/users/{}", b.id),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let mut assignees = Vec::new();
    for customer in ["C1", "C2", "C3", "C4"] {
        let received = app.customer_writes(&bot, customer, "hi").await;
        let chat = chat(&admin, received.chat_id.expect("a chat")).await;
        assignees.push(chat["assignee_id"].as_i64());
    }
    assert_eq!(
        assignees,
        vec![Some(a.id), Some(c.id), Some(a.id), Some(c.id)]
    );
}

async fn empty_queue_leaves_the_chat_unassigned(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Viber, &[], None, None).await;
    let received = app.customer_writes(&bot, "Carl", "hello").await;
    let chat_id = received.chat_id.expect("a chat");
    let admin = app.admin().await;
    assert_eq!(chat(&admin, chat_id).await["assignee_id"], json!(null));
    assert_eq!(
        crate::support::ids(&group(&admin, "unassigned").await),
        vec![chat_id]
    );
    let events = events(&admin, chat_id).await;
    assert_eq!(events[0].0, "opened");
    assert_eq!(events[1].0, "unassigned");
    assert_eq!(events[1].1["reason"], "queue_empty");
}

async fn a_new_chat_creates_contact_and_deal_in_the_first_stage(backend: Backend) {
    let app = TestApp::start(backend).await;
    let a = app.create_user("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[a.id], None, None)
        .await;
    let received = app
        .customer_writes(&bot, "Carl Jung", "I want to buy")
        .await;
    let chat_id = received.chat_id.expect("a chat");
    let admin = app.admin().await;
    let detail = chat(&admin, chat_id).await;
    assert_eq!(detail["contact"]["name"], "Carl Jung");
    assert_eq!(detail["contact_name"], "Carl Jung");
    assert_eq!(detail["channel"], "telegram");
    assert_eq!(detail["status"], "open");
    let deals = detail["deals"].as_array().expect("deals");
    assert_eq!(deals.len(), 1);
    assert_eq!(detail["deal_ids"], json!([deals[0]["id"]]));
    assert_eq!(deals[0]["contact_id"], detail["contact_id"]);
    assert_eq!(deals[0]["chat_id"], json!(chat_id));
    let pipelines: serde_json::Value =
        tidings_tests::body(admin.get("/api/v1/pipelines").await).await;
    let default = &pipelines["items"][0];
    assert_eq!(deals[0]["pipeline_id"], default["id"]);
    assert_eq!(deals[0]["stage_id"], default["stages"][0]["id"]);
    let names: Vec<String> = events(&admin, chat_id)
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(names, vec!["opened", "assigned", "deal_created"]);
    let assigned = &events(&admin, chat_id).await[1].1;
    assert_eq!(assigned["reason"], "next_in_queue");
    assert_eq!(assigned["user_id"], json!(a.id));

    // The same customer writing again is the same chat, contact and deal.
    let again = app.customer_writes(&bot, "Carl Jung", "still there?").await;
    assert!(!again.chat_created);
    assert_eq!(again.chat_id, Some(chat_id));
    assert_eq!(
        chat(&admin, chat_id).await["deals"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

async fn first_contact_gets_greeting_then_auto_reply(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app
        .integration(
            Channel::Telegram,
            &[],
            Some("Welcome to Acme!"),
            Some("A manager will answer soon."),
        )
        .await;
    let received = app.customer_writes(&bot, "Carl", "hello").await;
    assert_eq!(received.queued, 2);
    let admin = app.admin().await;
    let chat_id = received.chat_id.expect("a chat");
    let outgoing: Vec<(String, serde_json::Value)> = timeline(&admin, chat_id)
        .await
        .into_iter()
        .filter(|i| i.direction() == Some(Direction::Out))
        .map(|i| {
            assert_eq!(i.author_id(), None, "automatic messages have no author");
            assert!(matches!(
                i.delivery(),
                Some(DeliveryState::Pending)
                    | Some(DeliveryState::Failed)
                    | Some(DeliveryState::Sent)
            ));
            (
                i.text_owned().unwrap_or_default(),
                i.data().unwrap_or_default()["auto"].clone(),
            )
        })
        .collect();
    assert_eq!(
        outgoing,
        vec![
            ("Welcome to Acme!".into(), json!("greeting")),
            ("A manager will answer soon.".into(), json!("auto_reply")),
        ]
    );

    // Continuing the conversation sends nothing automatic.
    let more = app.customer_writes(&bot, "Carl", "one more thing").await;
    assert_eq!(more.queued, 0);

    // Reopening sends the auto-reply only: the greeting is once per customer.
    let response = admin
        .post(&format!("/api/v1/chats/{chat_id}/close"), &json!({}))
        .await;
    assert_eq!(response.status(), 200);
    let reopened = app.customer_writes(&bot, "Carl", "back again").await;
    assert_eq!(reopened.queued, 1);
    let last_out = timeline(&admin, chat_id)
        .await
        .into_iter()
        .rev()
        .find(|i| i.direction() == Some(Direction::Out))
        .expect("an outgoing message");
    assert_eq!(last_out.text(), Some("A manager will answer soon."));
}

async fn empty_texts_send_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app
        .integration(Channel::Viber, &[], Some("   "), None)
        .await;
    let received = app.customer_writes(&bot, "Carl", "hello").await;
    assert_eq!(received.queued, 0);
    let admin = app.admin().await;
    let outgoing = timeline(&admin, received.chat_id.expect("a chat"))
        .await
        .into_iter()
        .filter(|i| i.direction() == Some(Direction::Out))
        .count();
    assert_eq!(outgoing, 0);
}

async fn reopen_goes_back_to_the_previous_manager(backend: Backend) {
    let app = TestApp::start(backend).await;
    let a = app.create_user("Anna", Role::Employee).await;
    let b = app.create_user("Boris", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[a.id, b.id], None, None)
        .await;
    let first = app
        .customer_writes(&bot, "Carl", "hello")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    assert_eq!(chat(&admin, first).await["assignee_id"], json!(a.id));
    // Another customer takes B's turn; the queue is now back at A.
    app.customer_writes(&bot, "Dora", "hi").await;
    admin
        .post(&format!("/api/v1/chats/{first}/close"), &json!({}))
        .await;
    assert_eq!(chat(&admin, first).await["status"], "closed");

    let again = app.customer_writes(&bot, "Carl", "me again").await;
    assert_eq!(again.chat_id, Some(first));
    assert!(!again.chat_created);
    let detail = chat(&admin, first).await;
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["assignee_id"], json!(a.id));
    let events = events(&admin, first).await;
    let tail: Vec<&str> = events.iter().rev().take(2).map(|e| e.0.as_str()).collect();
    assert_eq!(tail, vec!["assigned", "reopened"]);
    assert_eq!(
        events.last().expect("events").1["reason"],
        "returning_customer"
    );
    // The queue did not move: the next new chat still goes to A.
    let next = app
        .customer_writes(&bot, "Emil", "hey")
        .await
        .chat_id
        .expect("chat");
    assert_eq!(chat(&admin, next).await["assignee_id"], json!(a.id));
}

async fn reopen_with_a_deactivated_manager_goes_through_the_queue(backend: Backend) {
    let app = TestApp::start(backend).await;
    let a = app.create_user("Anna", Role::Employee).await;
    let b = app.create_user("Boris", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[a.id, b.id], None, None)
        .await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hello")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    admin
        .post(&format!("/api/v1/chats/{chat_id}/close"), &json!({}))
        .await;
    admin
        .patch(
            &format!("/api/v1/users/{}", a.id),
            &json!({"active": false}),
        )
        .await;
    app.customer_writes(&bot, "Carl", "anyone?").await;
    let detail = chat(&admin, chat_id).await;
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["assignee_id"], json!(b.id));
    let last = events(&admin, chat_id).await.pop().expect("events");
    assert_eq!(last.0, "assigned");
    assert_eq!(last.1["reason"], "previous_manager_inactive");
    assert_eq!(last.1["previous_user_id"], json!(a.id));
}

async fn a_repeated_update_changes_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app
        .integration(Channel::Telegram, &[], Some("Hi"), None)
        .await;
    let event = tidings_tests::text_message("Carl", "hello");
    let first = app.receive_keyed(&bot, "update-1", event.clone()).await;
    assert!(!first.duplicate);
    let second = app.receive_keyed(&bot, "update-1", event).await;
    assert!(second.duplicate);
    let admin = app.admin().await;
    let items = timeline(&admin, first.chat_id.expect("chat")).await;
    let messages = items
        .iter()
        .filter(|i| i.is_message() && i.direction() == Some(Direction::In))
        .count();
    assert_eq!(messages, 1);
}

async fn closed_chats_leave_the_open_groups(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, anna_client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hello")
        .await
        .chat_id
        .expect("chat");
    assert_eq!(
        crate::support::ids(&group(&anna_client, "mine").await),
        vec![chat_id]
    );
    let closed = anna_client
        .post(&format!("/api/v1/chats/{chat_id}/close"), &json!({}))
        .await;
    assert_eq!(closed.status(), 200);
    let body: shared::api::chats::Chat = tidings_tests::body(closed).await;
    assert_eq!(body.status, ChatStatus::Closed);
    assert!(group(&anna_client, "mine").await.is_empty());
    assert_eq!(
        crate::support::ids(&group(&anna_client, "closed").await),
        vec![chat_id]
    );
}

/// PATCH takes the same fields as POST, all optional; the kind cannot change.
async fn an_integration_is_patched_with_the_fields_it_was_created_with(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let admin = app.admin().await;
    let path = format!("/api/v1/integrations/{}", bot.id);
    let renamed = admin
        .patch(
            &path,
            &json!({"kind": "telegram", "name": "Renamed", "greeting_text": "Hi"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let renamed: serde_json::Value = tidings_tests::body(renamed).await;
    assert_eq!(renamed["name"], "Renamed");
    assert_eq!(renamed["greeting_text"], "Hi");
    let switched = admin.patch(&path, &json!({"kind": "viber"})).await;
    assert_eq!(
        tidings_tests::expect_error(switched, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let cleared = admin.patch(&path, &json!({"greeting_text": ""})).await;
    let cleared: serde_json::Value = tidings_tests::body(cleared).await;
    assert_eq!(
        cleared["greeting_text"],
        serde_json::Value::Null,
        "empty disables it"
    );
}

/// An update that could not be applied was kept as failed (and answered 200):
/// the replay applies it once, so the customer's message is not lost.
async fn a_failed_update_is_replayed_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let update =
        tidings_tests::fake_telegram::FakeTelegram::text_update(42, 777_001, "Rita", "lost?");
    let body = update.to_string();
    let id = bot.id;
    app.context()
        .store
        .run(move |conn| {
            tidings::store::inbound::record_failed(conn, id, "42", &body, "simulated failure")
        })
        .await
        .expect("kept as failed");
    let ctx = app.context();
    assert_eq!(
        tidings::service::inbound::replay_failed(ctx)
            .await
            .expect("replayed"),
        1
    );
    assert_eq!(
        tidings::service::inbound::replay_failed(ctx)
            .await
            .expect("replayed"),
        0
    );
    let admin = app.admin().await;
    let chats = group(&admin, "unassigned").await;
    assert_eq!(chats.len(), 1);
    let texts: Vec<String> = timeline(&admin, chats[0].id)
        .await
        .into_iter()
        .filter_map(|i| i.text_owned())
        .collect();
    assert_eq!(texts, vec!["lost?"]);
    // Telegram delivering the same update again changes nothing.
    let again = app
        .receive_keyed(&bot, "42", tidings_tests::text_message("Rita", "lost?"))
        .await;
    assert!(again.duplicate);
}

on_both_backends!(
    a_failed_update_is_replayed_once,
    an_integration_is_patched_with_the_fields_it_was_created_with,
    round_robin_goes_a_b_a,
    deactivated_managers_are_skipped,
    empty_queue_leaves_the_chat_unassigned,
    a_new_chat_creates_contact_and_deal_in_the_first_stage,
    first_contact_gets_greeting_then_auto_reply,
    empty_texts_send_nothing,
    reopen_goes_back_to_the_previous_manager,
    reopen_with_a_deactivated_manager_goes_through_the_queue,
    a_repeated_update_changes_nothing,
    closed_chats_leave_the_open_groups,
);
