//! CONTRACT.md "Roles" on every chat endpoint: a follower reads only the chats
//! they follow and changes nothing; a chat they do not follow is a 404
//! everywhere and never shows in a list, a count or a search.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::api::users::Role;
use shared::api::Channel;
use tidings_tests::{body, on_both_backends, ApiClient, Backend, TestApp};

use crate::support::{group, ids};

/// Every chat-scoped request: (method, path template, body, is a write).
fn chat_requests(task_id: i64) -> Vec<(Method, String, Option<Value>, bool)> {
    let get = |p: &str| (Method::GET, p.to_owned(), None, false);
    vec![
        get("/api/v1/chats/{id}"),
        get("/api/v1/chats/{id}/timeline"),
        get("/api/v1/chats/{id}/search?q=hello"),
        get("/api/v1/chats/{id}/comments"),
        (
            Method::POST,
            "/api/v1/chats/{id}/messages".into(),
            Some(json!({"text": "hi"})),
            true,
        ),
        (
            Method::POST,
            "/api/v1/chats/{id}/assign".into(),
            Some(json!({"user_id": null})),
            true,
        ),
        (
            Method::PUT,
            "/api/v1/chats/{id}/followers".into(),
            Some(json!({"user_ids": []})),
            true,
        ),
        (
            Method::PUT,
            "/api/v1/chats/{id}/tags".into(),
            Some(json!({"tags": ["x"]})),
            true,
        ),
        (
            Method::POST,
            "/api/v1/chats/{id}/close".into(),
            Some(json!({})),
            true,
        ),
        (
            Method::POST,
            "/api/v1/chats/{id}/reopen".into(),
            Some(json!({})),
            true,
        ),
        (
            Method::POST,
            "/api/v1/chats/{id}/comments".into(),
            Some(json!({"text": "note"})),
            true,
        ),
        (
            Method::POST,
            "/api/v1/chats/{id}/deals".into(),
            Some(json!({})),
            true,
        ),
        (
            Method::POST,
            "/api/v1/chats/{id}/links".into(),
            Some(json!({"kind": "task", "id": task_id})),
            true,
        ),
        (
            Method::DELETE,
            format!("/api/v1/chats/{{id}}/links/task/{task_id}"),
            None,
            true,
        ),
        (
            Method::PUT,
            "/api/v1/chats/{id}/notifications".into(),
            Some(json!({"enabled": false})),
            false,
        ),
        (
            Method::POST,
            "/api/v1/chats/{id}/read".into(),
            Some(json!({})),
            false,
        ),
    ]
}

async fn call(
    client: &ApiClient,
    method: &Method,
    path: &str,
    chat_id: i64,
    payload: &Option<Value>,
) -> StatusCode {
    let path = path.replace("{id}", &chat_id.to_string());
    client
        .request(method.clone(), &path, payload.as_ref())
        .await
        .status()
}

async fn followers_read_followed_chats_and_change_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (fred, follower) = app.login_as("Fred", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let followed = app
        .customer_writes(&bot, "Carl", "hello there")
        .await
        .chat_id
        .expect("chat");
    let hidden = app
        .customer_writes(&bot, "Dora", "hello secret")
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
    let task: Value = body(admin.post("/api/v1/tasks", &json!({"title": "T"})).await).await;
    let task_id = task["id"].as_i64().expect("task id");
    // Linked so that the follower's unlink attempt meets an existing link.
    admin
        .post(
            &format!("/api/v1/chats/{followed}/links"),
            &json!({"kind": "task", "id": task_id}),
        )
        .await;
    let before: Value = body(
        admin
            .get(&format!("/api/v1/chats/{followed}/timeline?limit=100"))
            .await,
    )
    .await;

    for (method, path, payload, is_write) in chat_requests(task_id) {
        let on_followed = call(&follower, &method, &path, followed, &payload).await;
        let want = if is_write {
            StatusCode::FORBIDDEN
        } else if method == Method::DELETE {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(on_followed, want, "{method} {path} on a followed chat");
        let on_hidden = call(&follower, &method, &path, hidden, &payload).await;
        assert_eq!(
            on_hidden,
            StatusCode::NOT_FOUND,
            "{method} {path} on an unfollowed chat"
        );
    }
    let after: Value = body(
        admin
            .get(&format!("/api/v1/chats/{followed}/timeline?limit=100"))
            .await,
    )
    .await;
    assert_eq!(before, after, "the follower changed nothing");

    // Lists, counts, archive and search never reveal the unfollowed chat.
    let mut seen = Vec::new();
    for g in ["mine", "unassigned", "others", "closed"] {
        seen.extend(ids(&group(&follower, g).await));
    }
    assert_eq!(seen, vec![followed]);
    let archive: Value = body(follower.get("/api/v1/chats/archive?q=hello").await).await;
    let archived: Vec<i64> = archive["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(archived, vec![followed]);
    let counts: Value = body(follower.get("/api/v1/chats/counts").await).await;
    let total: i64 = counts["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["chats"].as_i64())
        .sum();
    assert_eq!(total, 1);
    let hidden_contact = body::<Value>(admin.get(&format!("/api/v1/chats/{hidden}")).await).await
        ["contact_id"]
        .clone();
    assert_eq!(
        follower
            .get(&format!("/api/v1/contacts/{hidden_contact}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Global lists a follower may not read, and admin-only writes.
    for path in ["/api/v1/deals", "/api/v1/tasks", "/api/v1/projects"] {
        assert_eq!(
            follower.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        follower
            .post("/api/v1/tasks", &json!({"title": "x"}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        follower
            .post("/api/v1/pipelines", &json!({"name": "P", "stages": ["A"]}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

async fn employees_manage_every_chat_but_not_integrations(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, employee) = app.login_as("Emma", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "hello")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    let task: Value = body(admin.post("/api/v1/tasks", &json!({"title": "T"})).await).await;
    let task_id = task["id"].as_i64().expect("task id");
    for (method, path, payload, _) in chat_requests(task_id) {
        let status = call(&employee, &method, &path, chat_id, &payload).await;
        assert!(
            status.is_success()
                || (method == Method::DELETE && status == StatusCode::NOT_FOUND)
                || (path.ends_with("/reopen") && status == StatusCode::CONFLICT)
                || (path.ends_with("/close") && status == StatusCode::CONFLICT),
            "{method} {path}: {status}"
        );
    }
    let create = employee
        .post(
            "/api/v1/integrations",
            &json!({"kind": "telegram", "name": "x", "token": "1:a"}),
        )
        .await;
    assert_eq!(create.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        employee
            .patch(
                &format!("/api/v1/integrations/{}", bot.id),
                &json!({"name": "y"})
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        employee
            .delete(&format!("/api/v1/integrations/{}", bot.id))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let listed: Value = body(employee.get("/api/v1/integrations").await).await;
    assert!(
        listed["items"][0].get("token").is_none(),
        "no token for employees: {listed}"
    );
    let as_admin: Value = body(admin.get("/api/v1/integrations").await).await;
    assert_eq!(as_admin["items"][0]["token"], "123:test-token");
}

on_both_backends!(
    followers_read_followed_chats_and_change_nothing,
    employees_manage_every_chat_but_not_integrations,
);
