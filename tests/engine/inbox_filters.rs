//! Inbox groups take the archive's filters (`integration_id`, `channel`,
//! `tag`, `q`), within the group and the caller's scope.

use serde_json::json;
use shared::api::chats::Chat;
use shared::api::users::Role;
use shared::api::{Channel, Page};
use tidings_tests::{body, on_both_backends, Backend, TestApp};

use crate::support::ids;

async fn groups_take_the_archive_filters(backend: Backend) {
    let app = TestApp::start(backend).await;
    let telegram = app.integration(Channel::Telegram, &[], None, None).await;
    let viber = app.integration(Channel::Viber, &[], None, None).await;
    let t1 = app.new_chat(&telegram, "Tom", "order pizza").await;
    let t2 = app.new_chat(&telegram, "Tia", "order sushi").await;
    let v1 = app.new_chat(&viber, "Vic", "order pizza").await;
    let closed = app.new_chat(&telegram, "Cleo", "pizza again").await;
    let admin = app.admin().await;
    admin
        .put(
            &format!("/api/v1/chats/{t2}/tags"),
            &json!({"tags": ["vip"]}),
        )
        .await;
    admin
        .post(&format!("/api/v1/chats/{closed}/close"), &json!({}))
        .await;

    let cases: Vec<(String, Vec<i64>)> = vec![
        ("".into(), vec![v1, t2, t1]),
        ("&channel=telegram".into(), vec![t2, t1]),
        ("&channel=viber".into(), vec![v1]),
        (format!("&integration_id={}", viber.id), vec![v1]),
        ("&tag=VIP".into(), vec![t2]),
        ("&tag=".into(), vec![v1, t2, t1]),
        ("&q=pizza".into(), vec![v1, t1]),
        ("&q=pizza&channel=telegram".into(), vec![t1]),
        ("&q=tia".into(), vec![t2]),
        ("&q=".into(), vec![v1, t2, t1]),
    ];
    for (query, want) in cases {
        let path = format!("/api/v1/chats?group=unassigned{query}");
        let page: Page<Chat> = body(admin.get(&path).await).await;
        assert_eq!(ids(&page.items), want, "{path}");
    }
    let page: Page<Chat> = body(admin.get("/api/v1/chats?group=closed&q=pizza").await).await;
    assert_eq!(ids(&page.items), vec![closed], "the group still holds");
    let bad = admin
        .get("/api/v1/chats?group=unassigned&channel=fax")
        .await;
    assert_eq!(bad.status(), 400, "an unknown channel is malformed");

    // A follower's filtered group holds only chats they follow.
    let (fred, follower) = app.login_as("Fred Follower", Role::Follower).await;
    admin
        .put(
            &format!("/api/v1/chats/{t1}/followers"),
            &json!({"user_ids": [fred.id]}),
        )
        .await;
    let page: Page<Chat> = body(follower.get("/api/v1/chats?group=unassigned&q=pizza").await).await;
    assert_eq!(ids(&page.items), vec![t1]);
}

on_both_backends!(groups_take_the_archive_filters);
