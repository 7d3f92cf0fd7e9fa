//! Manager actions through REST: reply, assign, followers, tags, close/reopen,
//! comments, deals, links, tasks, projects, notifications, read state.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::{Chat, DeliveryState, Direction, Item};
use shared::api::users::Role;
use shared::api::Channel;
use tidings_tests::ItemFields;
use tidings_tests::{body, expect_error, on_both_backends, Backend, TestApp};

use crate::support::{chat, events, group, ids, timeline};

async fn a_reply_is_stored_pending_and_queued(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "price?")
        .await
        .chat_id
        .expect("chat");
    let response = client
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({"text": "  100 EUR  "}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let item: Item = body(response).await;
    assert_eq!(item.direction(), Some(Direction::Out));
    assert_eq!(item.author_id(), Some(anna.id));
    assert_eq!(item.text(), Some("100 EUR"));
    assert_eq!(item.delivery(), Some(DeliveryState::Pending));
    let last = timeline(&client, chat_id).await.pop().expect("items");
    assert_eq!(last.id, item.id);
    let detail = chat(&client, chat_id).await;
    assert_eq!(detail["last_message_preview"], "100 EUR");
}

async fn empty_and_huge_replies_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hi")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    let path = format!("/api/v1/chats/{chat_id}/messages");
    let empty = admin.post(&path, &json!({"text": "   "})).await;
    assert_eq!(
        expect_error(empty, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let long = admin
        .post(&path, &json!({"text": "x".repeat(40_000)}))
        .await;
    assert_eq!(
        expect_error(long, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let huge = format!("{{\"text\":\"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let huge = admin
        .post_raw(&path, "application/json", huge.into_bytes())
        .await;
    assert_eq!(
        expect_error(huge, StatusCode::PAYLOAD_TOO_LARGE).await,
        "payload_too_large"
    );
    let outgoing = timeline(&admin, chat_id)
        .await
        .into_iter()
        .filter(|i| i.direction() == Some(Direction::Out))
        .count();
    assert_eq!(outgoing, 0);
}

/// Replying to a closed chat reopens it; replying to an unassigned chat takes it.
async fn a_reply_reopens_and_takes_the_chat(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hi")
        .await
        .chat_id
        .expect("chat");
    client
        .post(&format!("/api/v1/chats/{chat_id}/close"), &json!({}))
        .await;
    let response = client
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({"text": "Following up"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let detail = chat(&client, chat_id).await;
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["assignee_id"], json!(anna.id));
    let tail: Vec<String> = events(&client, chat_id)
        .await
        .into_iter()
        .rev()
        .take(2)
        .map(|e| e.0)
        .collect();
    assert_eq!(tail, vec!["assigned", "reopened"]);
}

async fn assign_and_unassign_move_the_chat_between_groups(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, anna_client) = app.login_as("Anna", Role::Employee).await;
    let (boris, boris_client) = app.login_as("Boris", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hi")
        .await
        .chat_id
        .expect("chat");
    assert_eq!(ids(&group(&anna_client, "unassigned").await), vec![chat_id]);

    let response = anna_client
        .post(
            &format!("/api/v1/chats/{chat_id}/assign"),
            &json!({"user_id": boris.id}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let assigned: Chat = body(response).await;
    assert_eq!(assigned.assignee_id, Some(boris.id));
    assert!(group(&anna_client, "unassigned").await.is_empty());
    assert_eq!(ids(&group(&anna_client, "others").await), vec![chat_id]);
    assert_eq!(ids(&group(&boris_client, "mine").await), vec![chat_id]);
    let last = events(&anna_client, chat_id).await.pop().expect("event");
    assert_eq!(last.0, "assigned");
    assert_eq!(last.1["user_id"], json!(boris.id));
    assert_eq!(last.1["reason"], "manual");

    let response = anna_client
        .post(
            &format!("/api/v1/chats/{chat_id}/assign"),
            &json!({"user_id": null}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        ids(&group(&boris_client, "unassigned").await),
        vec![chat_id]
    );
    assert_eq!(
        events(&anna_client, chat_id).await.pop().expect("event").0,
        "unassigned"
    );

    let unknown = anna_client
        .post(
            &format!("/api/v1/chats/{chat_id}/assign"),
            &json!({"user_id": 999_999}),
        )
        .await;
    assert_eq!(
        expect_error(unknown, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let _ = anna;
}

async fn followers_and_tags_are_replaced_and_logged(backend: Backend) {
    let app = TestApp::start(backend).await;
    let f1 = app.create_user("Fred", Role::Follower).await;
    let f2 = app.create_user("Fay", Role::Follower).await;
    let bot = app.integration(Channel::Viber, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hi")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    let path = format!("/api/v1/chats/{chat_id}/followers");
    let response = admin
        .put(&path, &json!({"user_ids": [f2.id, f1.id, f1.id]}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Chat = body(response).await;
    let mut want = vec![f1.id, f2.id];
    want.sort_unstable();
    assert_eq!(updated.follower_ids, want);
    let unknown = admin
        .put(&path, &json!({"user_ids": [f1.id, 987_654]}))
        .await;
    assert_eq!(
        expect_error(unknown, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    assert_eq!(
        chat(&admin, chat_id).await["follower_ids"],
        json!(want),
        "nothing changed"
    );

    let tags = admin
        .put(
            &format!("/api/v1/chats/{chat_id}/tags"),
            &json!({"tags": ["VIP", " lead ", "vip"]}),
        )
        .await;
    let tagged: Chat = body(tags).await;
    assert_eq!(tagged.tags, vec!["lead", "vip"]);
    let names: Vec<String> = events(&admin, chat_id)
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert!(
        names.ends_with(&["followers_changed".into(), "tags_changed".into()]),
        "{names:?}"
    );
}

async fn close_and_reopen_are_logged_and_conflict_when_repeated(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hi")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    assert_eq!(
        admin
            .post(&format!("/api/v1/chats/{chat_id}/close"), &json!({}))
            .await
            .status(),
        200
    );
    let again = admin
        .post(&format!("/api/v1/chats/{chat_id}/close"), &json!({}))
        .await;
    assert_eq!(expect_error(again, StatusCode::CONFLICT).await, "conflict");
    assert_eq!(
        admin
            .post(&format!("/api/v1/chats/{chat_id}/reopen"), &json!({}))
            .await
            .status(),
        200
    );
    let me: Value = body(admin.get("/api/v1/me").await).await;
    let tail: Vec<(String, Value)> = events(&admin, chat_id)
        .await
        .into_iter()
        .rev()
        .take(2)
        .collect();
    assert_eq!(tail[0].0, "reopened");
    assert_eq!(tail[1].0, "closed");
    let items = timeline(&admin, chat_id).await;
    let closed = items
        .iter()
        .rev()
        .find(|i| i.event_name() == Some("closed"))
        .expect("closed");
    assert_eq!(json!(closed.actor_id()), me["user"]["id"]);
}

async fn comments_deals_links_tasks_and_projects(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (emma, client) = app.login_as("Emma", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hi")
        .await
        .chat_id
        .expect("chat");

    let comment = client
        .post(
            &format!("/api/v1/chats/{chat_id}/comments"),
            &json!({"text": "Big client, be nice"}),
        )
        .await;
    assert_eq!(comment.status(), StatusCode::CREATED);
    let comment: Value = body(comment).await;
    assert_eq!(comment["author_id"], json!(emma.id));
    let list: Value = body(
        client
            .get(&format!("/api/v1/chats/{chat_id}/comments"))
            .await,
    )
    .await;
    assert_eq!(list["items"][0]["text"], "Big client, be nice");

    let deal = client
        .post(
            &format!("/api/v1/chats/{chat_id}/deals"),
            &json!({"title": "Second order"}),
        )
        .await;
    assert_eq!(deal.status(), StatusCode::CREATED);
    let deal: Value = body(deal).await;
    assert_eq!(deal["title"], "Second order");
    let detail = chat(&client, chat_id).await;
    assert_eq!(detail["deals"].as_array().map(Vec::len), Some(2));

    let pipelines: Value = body(client.get("/api/v1/pipelines").await).await;
    let second_stage = &pipelines["items"][0]["stages"][1]["id"];
    let moved = client
        .patch(
            &format!("/api/v1/deals/{}", deal["id"]),
            &json!({"stage_id": second_stage, "amount": 1500.5}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = body(moved).await;
    assert_eq!(moved["stage_id"], *second_stage);
    assert_eq!(moved["amount"], json!(1500.5));

    let task: Value = body(
        client
            .post("/api/v1/tasks", &json!({"title": "Send the offer"}))
            .await,
    )
    .await;
    let project: Value = body(
        client
            .post("/api/v1/projects", &json!({"name": "Acme rollout"}))
            .await,
    )
    .await;
    for (kind, id) in [("task", &task["id"]), ("project", &project["id"])] {
        let linked = client
            .post(
                &format!("/api/v1/chats/{chat_id}/links"),
                &json!({"kind": kind, "id": id}),
            )
            .await;
        assert_eq!(linked.status(), StatusCode::NO_CONTENT);
    }
    let detail = chat(&client, chat_id).await;
    assert_eq!(detail["tasks"][0]["title"], "Send the offer");
    assert_eq!(detail["projects"][0]["name"], "Acme rollout");
    let missing = client
        .post(
            &format!("/api/v1/chats/{chat_id}/links"),
            &json!({"kind": "task", "id": 424_242}),
        )
        .await;
    assert_eq!(
        expect_error(missing, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let unlinked = client
        .delete(&format!(
            "/api/v1/chats/{chat_id}/links/task/{}",
            task["id"]
        ))
        .await;
    assert_eq!(unlinked.status(), StatusCode::NO_CONTENT);
    assert_eq!(chat(&client, chat_id).await["tasks"], json!([]));
    let names: Vec<String> = events(&client, chat_id)
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert!(
        names.ends_with(&[
            "deal_created".into(),
            "deal_changed".into(),
            "linked".into(),
            "linked".into(),
            "unlinked".into()
        ]),
        "{names:?}"
    );
    let contact: Value = body(
        client
            .get(&format!("/api/v1/contacts/{}", detail["contact_id"]))
            .await,
    )
    .await;
    assert_eq!(contact["name"], "Carl");
}

async fn unread_counts_and_notifications_are_per_user(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, anna) = app.login_as("Anna", Role::Employee).await;
    let (_, boris) = app.login_as("Boris", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "one")
        .await
        .chat_id
        .expect("chat");
    app.customer_writes(&bot, "Carl", "two").await;
    assert_eq!(chat(&anna, chat_id).await["unread_count"], 2);
    let read = anna
        .post(&format!("/api/v1/chats/{chat_id}/read"), &json!({}))
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(chat(&anna, chat_id).await["unread_count"], 0);
    assert_eq!(chat(&boris, chat_id).await["unread_count"], 2);
    app.customer_writes(&bot, "Carl", "three").await;
    assert_eq!(chat(&anna, chat_id).await["unread_count"], 1);
    let counts: Value = body(anna.get("/api/v1/chats/counts").await).await;
    let unassigned = counts["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["group"] == "unassigned"))
        .expect("unassigned count");
    assert_eq!(unassigned["chats"], 1);
    assert_eq!(unassigned["unread"], 1);

    assert_eq!(chat(&anna, chat_id).await["notifications_enabled"], true);
    let off = anna
        .put(
            &format!("/api/v1/chats/{chat_id}/notifications"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(chat(&anna, chat_id).await["notifications_enabled"], false);
    assert_eq!(chat(&boris, chat_id).await["notifications_enabled"], true);
}

/// Assign and close of the same chat at once: both succeed, both are logged.
async fn concurrent_assign_and_close_both_apply(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    for round in 0..5 {
        let chat_id = app
            .customer_writes(&bot, &format!("Customer {round}"), "hi")
            .await
            .chat_id
            .expect("chat");
        let assign_path = format!("/api/v1/chats/{chat_id}/assign");
        let close_path = format!("/api/v1/chats/{chat_id}/close");
        let assign_body = json!({"user_id": anna.id});
        let empty = json!({});
        let (assigned, closed) = tokio::join!(
            client.post(&assign_path, &assign_body),
            client.post(&close_path, &empty),
        );
        assert_eq!(assigned.status(), StatusCode::OK);
        assert_eq!(closed.status(), StatusCode::OK);
        let detail = chat(&client, chat_id).await;
        assert_eq!(detail["status"], "closed");
        assert_eq!(detail["assignee_id"], json!(anna.id));
        let names: Vec<String> = events(&client, chat_id)
            .await
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert!(
            names.contains(&"closed".to_owned())
                && names.iter().filter(|n| *n == "assigned").count() == 1,
            "{names:?}"
        );
    }
}

on_both_backends!(
    a_reply_is_stored_pending_and_queued,
    empty_and_huge_replies_are_refused,
    a_reply_reopens_and_takes_the_chat,
    assign_and_unassign_move_the_chat_between_groups,
    followers_and_tags_are_replaced_and_logged,
    close_and_reopen_are_logged_and_conflict_when_repeated,
    comments_deals_links_tasks_and_projects,
    unread_counts_and_notifications_are_per_user,
    concurrent_assign_and_close_both_apply,
);
