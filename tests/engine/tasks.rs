//! CONTRACT.md "CRM", tasks: the full Task, PATCH (title, done, due date,
//! assignee) with one `task_changed` event per change in each linked chat,
//! live; the to-do list (not done first, overdue first, then by due date)
//! with its filters and pages; bad values; followers change nothing.

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::crm::Task;
use shared::api::timeline::TimelineEvent;
use shared::api::users::Role;
use shared::api::{Channel, Page};
use shared::ws::ServerMsg;
use shared::Id;
use tidings_tests::live::LiveClient;
use tidings_tests::{body, expect_error, on_both_backends, ApiClient, Backend, TestApp};

use crate::support::events;

async fn create(client: &ApiClient, title: &str) -> Task {
    let response = client.post("/api/v1/tasks", &json!({"title": title})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    body(response).await
}

async fn link(client: &ApiClient, chat_id: Id, task_id: Id) {
    let response = client
        .post(
            &format!("/api/v1/chats/{chat_id}/links"),
            &json!({"kind": "task", "id": task_id}),
        )
        .await;
    assert!(response.status().is_success(), "linked");
}

async fn patch(client: &ApiClient, id: Id, change: Value) -> reqwest::Response {
    client.patch(&format!("/api/v1/tasks/{id}"), &change).await
}

async fn task_changes(client: &ApiClient, chat_id: Id) -> Vec<Value> {
    events(client, chat_id)
        .await
        .into_iter()
        .filter(|(name, _)| name == "task_changed")
        .map(|(_, data)| data)
        .collect()
}

fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn a_change_logs_one_task_changed_in_each_linked_chat_live(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (emma, employee) = app.login_as("Emma", Role::Employee).await;
    let (fiona, _) = app.login_as("Fiona", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let first = app.new_chat(&bot, "Xena", "hi").await;
    let second = app.new_chat(&bot, "Yuri", "hi").await;
    let task = create(&employee, "Call back").await;
    let raw: Value = body(employee.get("/api/v1/tasks").await).await;
    for field in ["id", "title", "done", "due_at", "assignee_id", "created_at"] {
        assert!(raw["items"][0].get(field).is_some(), "{field} in {raw}");
    }
    link(&employee, first, task.id).await;
    link(&employee, second, task.id).await;

    let mut live = LiveClient::connect(&app, &admin).await;
    let due = "2026-12-08T10:00:00+01:00";
    let response = patch(
        &employee,
        task.id,
        json!({"done": true, "due_at": due, "assignee_id": emma.id, "title": " Call back "}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Task = body(response).await;
    assert!(changed.done);
    assert_eq!(changed.due_at.as_deref(), Some("2026-12-08T09:00:00Z"));
    assert_eq!(changed.assignee_id, Some(emma.id));
    assert_eq!(changed.title, "Call back");
    let expected = json!({"task_id": task.id, "changes": {
        "done": [false, true],
        "due_at": [null, "2026-12-08T09:00:00Z"],
        "assignee_id": [null, emma.id],
    }});
    for chat_id in [first, second] {
        assert_eq!(
            task_changes(&admin, chat_id).await,
            std::slice::from_ref(&expected)
        );
        live.wait_for(|m| {
            matches!(m, ServerMsg::ItemAdded { item } if item.chat_id == chat_id
                && item.event().is_some_and(|e| matches!(e.event, TimelineEvent::TaskChanged(_))))
        })
        .await;
    }

    // The same values change nothing; null clears.
    let same = patch(&employee, task.id, json!({"done": true, "due_at": due})).await;
    assert_eq!(same.status(), StatusCode::OK);
    assert_eq!(task_changes(&admin, first).await.len(), 1);
    let cleared: Task = body(
        patch(
            &admin,
            task.id,
            json!({"due_at": null, "assignee_id": null, "done": false}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (cleared.due_at, cleared.assignee_id, cleared.done),
        (None, None, false)
    );
    let logged = task_changes(&admin, second).await;
    assert_eq!(logged.len(), 2);
    assert_eq!(logged[1]["changes"]["done"], json!([true, false]));

    // An unlinked task changes without any chat hearing of it.
    let loose = create(&admin, "Order paper").await;
    let done: Task = body(patch(&admin, loose.id, json!({"done": true})).await).await;
    assert!(done.done && done.chat_ids.is_empty());
    assert_eq!(task_changes(&admin, first).await.len(), 2);

    // Bad values: 422 naming the field, nothing changes.
    for (change, field, status) in [
        (
            json!({"title": " "}),
            "title",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"due_at": "tomorrow"}),
            "due_at",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"done": "yes"}),
            "boolean",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"assignee_id": 999_999}),
            "999999",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"assignee_id": fiona.id}),
            "Fiona",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let message =
            crate::support::error_message(patch(&admin, task.id, change.clone()).await, status)
                .await;
        assert!(message.contains(field), "{change}: {message}");
    }
    expect_error(
        patch(&admin, task.id + 1000, json!({"done": true})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(task_changes(&admin, first).await.len(), 2);
}

async fn followers_change_no_task(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (fiona, follower) = app.login_as("Fiona", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let followed = app.new_chat(&bot, "Xena", "hi").await;
    crate::support::set_follower(&admin, followed, fiona.id).await;
    let theirs = create(&admin, "Theirs").await;
    link(&admin, followed, theirs.id).await;
    let other = create(&admin, "Other").await;

    expect_error(
        patch(&follower, theirs.id, json!({"done": true})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        patch(&follower, other.id, json!({"done": true})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(follower.get("/api/v1/tasks").await, StatusCode::FORBIDDEN).await;
    let detail = crate::support::chat(&follower, followed).await;
    assert_eq!(
        detail["tasks"][0]["done"],
        json!(false),
        "read-only, unchanged"
    );
    assert!(task_changes(&admin, followed).await.is_empty());
}

async fn the_list_puts_open_and_overdue_first_then_by_due_date(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (emma, employee) = app.login_as("Emma", Role::Employee).await;
    let mut made = Vec::new();
    for (title, change) in [
        (
            "Later",
            json!({"due_at": in_days(2), "assignee_id": emma.id}),
        ),
        (
            "Finished",
            json!({"due_at": in_days(-3), "done": true, "assignee_id": emma.id}),
        ),
        ("Someday", json!({"assignee_id": emma.id})),
        (
            "Late",
            json!({"due_at": in_days(-1), "assignee_id": emma.id}),
        ),
        ("Very late", json!({"due_at": in_days(-2)})),
    ] {
        let task = create(&admin, title).await;
        assert_eq!(
            patch(&admin, task.id, change).await.status(),
            StatusCode::OK
        );
        made.push(task.id);
    }
    let titles = |page: &Page<Task>| {
        page.items
            .iter()
            .map(|t| t.title.clone())
            .collect::<Vec<_>>()
    };
    let all: Page<Task> = body(employee.get("/api/v1/tasks").await).await;
    assert_eq!(
        titles(&all),
        ["Very late", "Late", "Later", "Someday", "Finished"]
    );
    let mine: Page<Task> = body(
        employee
            .get(&format!("/api/v1/tasks?assignee_id={}&done=false", emma.id))
            .await,
    )
    .await;
    assert_eq!(titles(&mine), ["Late", "Later", "Someday"]);
    let done: Page<Task> = body(employee.get("/api/v1/tasks?done=true").await).await;
    assert_eq!(titles(&done), ["Finished"]);

    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/tasks?limit=2&cursor={cursor}"),
            None => "/api/v1/tasks?limit=2".to_owned(),
        };
        let page: Page<Task> = body(employee.get(&path).await).await;
        pages.push(titles(&page));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        pages,
        [
            vec!["Very late", "Late"],
            vec!["Later", "Someday"],
            vec!["Finished"]
        ]
    );
    for bad in ["limit=0", "cursor=-1", "cursor=x", "done=maybe"] {
        let response = employee.get(&format!("/api/v1/tasks?{bad}")).await;
        assert!(response.status().is_client_error(), "{bad}");
    }
    assert_eq!(made.len(), 5);
}

on_both_backends!(
    a_change_logs_one_task_changed_in_each_linked_chat_live,
    followers_change_no_task,
    the_list_puts_open_and_overdue_first_then_by_due_date,
);
