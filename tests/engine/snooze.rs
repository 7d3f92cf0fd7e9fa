//! CONTRACT.md "Everyday inbox": snooze (leaving the working groups for
//! `snoozed`, waking on time, on the customer's message or by hand, the
//! timeline saying why) and bulk actions (each chat through the single
//! action's rules and checks, one outcome each, live updates per chat).

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::Chat;
use shared::api::users::Role;
use shared::api::Channel;
use shared::ws::ServerMsg;
use shared::Id;
use tidings_tests::live::LiveClient;
use tidings_tests::{
    body, eventually, expect_error, on_both_backends, ApiClient, Backend, TestApp,
};

use crate::support::{chat, events, group, ids};

fn in_hours(hours: i64) -> String {
    (Utc::now() + TimeDelta::hours(hours)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn snooze(client: &ApiClient, chat_id: Id, until: &str) -> reqwest::Response {
    client
        .post(
            &format!("/api/v1/chats/{chat_id}/snooze"),
            &json!({ "until": until }),
        )
        .await
}

async fn snoozed(client: &ApiClient, chat_id: Id, until: &str) -> Chat {
    let response = snooze(client, chat_id, until).await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

/// The `data` of every `name` event of the chat, in order.
async fn event_data(client: &ApiClient, chat_id: Id, name: &str) -> Vec<Value> {
    events(client, chat_id)
        .await
        .into_iter()
        .filter(|(event, _)| event == name)
        .map(|(_, data)| data)
        .collect()
}

async fn counts(client: &ApiClient) -> Value {
    body(client.get("/api/v1/chats/counts").await).await
}

fn count_of(counts: &Value, group: &str) -> i64 {
    counts["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["group"] == group))
        .and_then(|c| c["chats"].as_i64())
        .unwrap_or(-1)
}

async fn wake_due_at(app: &TestApp, at: chrono::DateTime<Utc>) -> usize {
    tidings::service::chats::snooze::wake_due(app.context(), at.naive_utc())
        .await
        .expect("the wake pass runs")
}

async fn a_snoozed_chat_leaves_its_group_and_wakes_on_time(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let (_, bob) = app.login_as("Bob", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let chat_id = app.new_chat(&bot, "Carl", "call me tomorrow").await;
    let other = app.new_chat(&bot, "Dora", "hello").await;
    let until = in_hours(1);
    let answer = snoozed(&client, chat_id, &until).await;
    let until_stored = answer.snoozed_until.clone().expect("snoozed_until is set");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&until_stored).expect("RFC 3339"),
        chrono::DateTime::parse_from_rfc3339(&until).expect("RFC 3339")
    );
    assert_eq!(ids(&group(&client, "mine").await), vec![other]);
    assert_eq!(ids(&group(&client, "snoozed").await), vec![chat_id]);
    // Any chat the caller can see: Bob sees Anna's snoozed chat.
    assert_eq!(ids(&group(&bob, "snoozed").await), vec![chat_id]);
    assert!(ids(&group(&bob, "others").await) == vec![other]);
    assert_eq!(count_of(&counts(&client).await, "snoozed"), 1);
    assert_eq!(count_of(&counts(&client).await, "mine"), 1);
    assert_eq!(
        chat(&client, chat_id).await["snoozed_until"],
        json!(until_stored)
    );
    assert_eq!(
        event_data(&client, chat_id, "snoozed").await,
        vec![json!({ "until": until_stored })]
    );

    // Not yet due: nothing wakes.
    assert_eq!(wake_due_at(&app, Utc::now()).await, 0);
    assert_eq!(ids(&group(&client, "snoozed").await), vec![chat_id]);
    // Its time has come.
    assert_eq!(wake_due_at(&app, Utc::now() + TimeDelta::hours(2)).await, 1);
    assert!(group(&client, "snoozed").await.is_empty());
    assert_eq!(ids(&group(&client, "mine").await), vec![other, chat_id]);
    assert_eq!(chat(&client, chat_id).await["snoozed_until"], json!(null));
    assert_eq!(
        event_data(&client, chat_id, "unsnoozed").await,
        vec![json!({"reason": "time"})]
    );
    // Woken once only.
    assert_eq!(wake_due_at(&app, Utc::now() + TimeDelta::hours(3)).await, 0);
}

async fn the_customers_message_wakes_a_snoozed_chat(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let chat_id = app.new_chat(&bot, "Carl", "hi").await;
    snoozed(&client, chat_id, &in_hours(24)).await;
    let mut live = LiveClient::connect(&app, &client).await;
    app.customer_writes(&bot, "Carl", "are you there?").await;
    live.wait_for(|msg| {
        matches!(msg, ServerMsg::ChatUpdated { chat } if chat.id == chat_id && chat.snoozed_until.is_none())
    })
    .await;
    assert_eq!(ids(&group(&client, "mine").await), vec![chat_id]);
    assert!(group(&client, "snoozed").await.is_empty());
    let names: Vec<String> = events(&client, chat_id)
        .await
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names.last().map(String::as_str), Some("unsnoozed"));
    assert_eq!(
        event_data(&client, chat_id, "unsnoozed").await,
        vec![json!({"reason": "customer_wrote"})]
    );
    // The message comes after the event that says why the chat woke.
    let timeline = crate::support::timeline(&client, chat_id).await;
    assert_eq!(
        timeline.last().and_then(|i| i.text()),
        Some("are you there?")
    );
    // Nothing left to wake.
    assert_eq!(wake_due_at(&app, Utc::now() + TimeDelta::days(2)).await, 0);
}

async fn a_manager_unsnoozes_and_closing_ends_a_snooze(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let chat_id = app.new_chat(&bot, "Carl", "hi").await;
    snoozed(&client, chat_id, &in_hours(1)).await;
    // Snoozing again replaces the time.
    let later = snoozed(&client, chat_id, &in_hours(5)).await;
    assert!(later.snoozed_until.is_some());
    assert_eq!(event_data(&client, chat_id, "snoozed").await.len(), 2);
    let path = format!("/api/v1/chats/{chat_id}/snooze");
    let response = client.delete(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let awake: Chat = body(response).await;
    assert_eq!(awake.snoozed_until, None);
    assert_eq!(ids(&group(&client, "mine").await), vec![chat_id]);
    assert_eq!(
        event_data(&client, chat_id, "unsnoozed").await,
        vec![json!({"reason": "manual"})]
    );
    // Not snoozed: nothing happens.
    assert_eq!(client.delete(&path).await.status(), StatusCode::OK);
    assert_eq!(event_data(&client, chat_id, "unsnoozed").await.len(), 1);

    // Closing ends a snooze; a closed chat cannot be snoozed.
    snoozed(&client, chat_id, &in_hours(1)).await;
    let closed: Chat = body(
        client
            .post(&format!("/api/v1/chats/{chat_id}/close"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(closed.snoozed_until, None);
    assert!(group(&client, "snoozed").await.is_empty());
    assert_eq!(ids(&group(&client, "closed").await), vec![chat_id]);
    assert_eq!(
        expect_error(
            snooze(&client, chat_id, &in_hours(1)).await,
            StatusCode::CONFLICT
        )
        .await,
        "conflict"
    );
    assert_eq!(wake_due_at(&app, Utc::now() + TimeDelta::days(1)).await, 0);
}

async fn a_snooze_needs_a_time_in_the_future(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let chat_id = app.new_chat(&bot, "Carl", "hi").await;
    for until in [in_hours(-1), "tomorrow".to_owned(), String::new()] {
        let response = snooze(&client, chat_id, &until).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{until:?}"
        );
        let error: Value = body(response).await;
        assert_eq!(error["error"]["code"], "invalid");
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("until"), "{message}");
    }
    assert!(event_data(&client, chat_id, "snoozed").await.is_empty());
    assert_eq!(chat(&client, chat_id).await["snoozed_until"], json!(null));
    assert_eq!(ids(&group(&client, "mine").await), vec![chat_id]);
}

async fn followers_may_not_snooze(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, employee) = app.login_as("Anna", Role::Employee).await;
    let (fiona, follower) = app.login_as("Fiona", Role::Follower).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let followed = app.new_chat(&bot, "Carl", "hi").await;
    let hidden = app.new_chat(&bot, "Dora", "hi").await;
    let put = employee
        .put(
            &format!("/api/v1/chats/{followed}/followers"),
            &json!({"user_ids": [fiona.id]}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let until = in_hours(1);
    assert_eq!(
        expect_error(
            snooze(&follower, followed, &until).await,
            StatusCode::FORBIDDEN
        )
        .await,
        "forbidden"
    );
    assert_eq!(
        expect_error(
            snooze(&follower, hidden, &until).await,
            StatusCode::NOT_FOUND
        )
        .await,
        "not_found"
    );
    for (chat_id, status) in [
        (followed, StatusCode::FORBIDDEN),
        (hidden, StatusCode::NOT_FOUND),
    ] {
        let response = follower
            .delete(&format!("/api/v1/chats/{chat_id}/snooze"))
            .await;
        assert_eq!(response.status(), status);
    }
    // The snoozed group shows a follower only the chats they follow.
    snoozed(&employee, followed, &until).await;
    snoozed(&employee, hidden, &until).await;
    assert_eq!(ids(&group(&follower, "snoozed").await), vec![followed]);
    assert_eq!(count_of(&counts(&follower).await, "snoozed"), 1);
    assert_eq!(
        ids(&group(&employee, "snoozed").await),
        vec![hidden, followed]
    );
}

/// The timer itself: on time, live, and after a restart (its state is in the
/// database).
async fn the_timer_wakes_chats_live_and_across_a_restart(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let first = app.new_chat(&bot, "Carl", "hi").await;
    let second = app.new_chat(&bot, "Dora", "hi").await;
    let soon = (Utc::now() + TimeDelta::seconds(2)).to_rfc3339();
    snoozed(&client, first, &soon).await;
    let mut live = LiveClient::connect(&app, &client).await;
    live.wait_for(|msg| {
        matches!(msg, ServerMsg::ItemAdded { item } if item.chat_id == first && item.event_name() == Some("unsnoozed"))
    })
    .await;
    live.wait_for(|msg| {
        matches!(msg, ServerMsg::ChatUpdated { chat } if chat.id == first && chat.snoozed_until.is_none())
    })
    .await;

    let soon = (Utc::now() + TimeDelta::seconds(3)).to_rfc3339();
    snoozed(&client, second, &soon).await;
    drop(live);
    let app = app.restart().await;
    let client = app.login(&anna.email, tidings_tests::PASSWORD).await;
    eventually("the snoozed chat to wake after the restart", || async {
        let detail = chat(&client, second).await;
        detail["snoozed_until"].is_null().then_some(())
    })
    .await;
    assert_eq!(
        event_data(&client, second, "unsnoozed").await,
        vec![json!({"reason": "time"})]
    );
}

async fn bulk(client: &ApiClient, request: Value) -> reqwest::Response {
    client.post("/api/v1/chats/bulk", &request).await
}

/// `(chat_id, ok, error code)` of each item.
async fn outcomes(response: reqwest::Response) -> Vec<(Id, bool, Option<String>)> {
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = body(response).await;
    answer["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            (
                item["chat_id"].as_i64().expect("chat_id"),
                item["ok"].as_bool().expect("ok"),
                item["error"]["code"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

async fn a_bulk_close_reports_each_chat_and_updates_each_live(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let a = app.new_chat(&bot, "Carl", "hi").await;
    let b = app.new_chat(&bot, "Dora", "hi").await;
    let c = app.new_chat(&bot, "Eve", "hi").await;
    let response = client
        .post(&format!("/api/v1/chats/{c}/close"), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut live = LiveClient::connect(&app, &client).await;
    let answer = outcomes(
        bulk(
            &client,
            json!({"chat_ids": [a, b, c, 999_999], "action": "close"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        answer,
        vec![
            (a, true, None),
            (b, true, None),
            (c, false, Some("conflict".to_owned())),
            (999_999, false, Some("not_found".to_owned())),
        ]
    );
    let error: Value = body(bulk(&client, json!({"chat_ids": [c], "action": "close"})).await).await;
    assert!(error["items"][0]["error"]["message"].is_string(), "{error}");
    assert_eq!(ids(&group(&client, "closed").await).len(), 3);
    for chat_id in [a, b] {
        assert_eq!(event_data(&client, chat_id, "closed").await.len(), 1);
    }
    // One chat update per changed chat, none for the others.
    for chat_id in [a, b] {
        live.wait_for(|msg| matches!(msg, ServerMsg::ChatUpdated { chat } if chat.id == chat_id))
            .await;
    }
    let frames = live.drain(Duration::from_millis(1000)).await;
    let more = frames
        .iter()
        .filter(|frame| matches!(&frame.msg, ServerMsg::ChatUpdated { chat } if [a, b, c].contains(&chat.id)))
        .count();
    assert_eq!(more, 0, "{frames:#?}");
}

async fn bulk_requests_are_checked_before_any_chat_changes(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let chat_id = app.new_chat(&bot, "Carl", "hi").await;
    let mut too_many: Vec<Id> = (1..=100).map(|n| 1_000_000 + n).collect();
    too_many.push(chat_id);
    let refused = [
        json!({"chat_ids": too_many, "action": "close"}),
        json!({"chat_ids": [chat_id], "action": "add_tags"}),
        json!({"chat_ids": [chat_id], "action": "remove_tags", "tags": []}),
        json!({"chat_ids": [chat_id], "action": "snooze"}),
        json!({"chat_ids": [chat_id], "action": "snooze", "until": in_hours(-2)}),
        json!({"chat_ids": [chat_id], "action": "snooze", "until": "soon"}),
    ];
    for request in refused {
        let response = bulk(&client, request.clone()).await;
        assert_eq!(
            expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid",
            "{request}"
        );
    }
    let bad_action = bulk(&client, json!({"chat_ids": [chat_id], "action": "explode"})).await;
    assert!(bad_action.status().is_client_error());
    assert_eq!(chat(&client, chat_id).await["status"], "open");
    let names: Vec<String> = events(&client, chat_id)
        .await
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["opened", "assigned", "deal_created"]);
    // A hundred is fine.
    let hundred: Vec<Id> = (1..=99).map(|n| 1_000_000 + n).chain([chat_id]).collect();
    let answer =
        outcomes(bulk(&client, json!({"chat_ids": hundred, "action": "close"})).await).await;
    assert_eq!(answer.len(), 100);
    assert_eq!(answer.iter().filter(|(_, ok, _)| *ok).count(), 1);
}

async fn every_bulk_action_goes_through_the_single_actions_rules(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, client) = app.login_as("Anna", Role::Employee).await;
    let bob = app.create_user("Bob", Role::Employee).await;
    let fiona = app.create_user("Fiona", Role::Follower).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let a = app.new_chat(&bot, "Carl", "hi").await;
    let b = app.new_chat(&bot, "Dora", "hi").await;
    let both = json!([a, b]);
    let tags = |chat: &Value| chat["tags"].clone();

    client
        .put(
            &format!("/api/v1/chats/{a}/tags"),
            &json!({"tags": ["old"]}),
        )
        .await;
    let added = outcomes(
        bulk(
            &client,
            json!({"chat_ids": both, "action": "add_tags", "tags": ["VIP", "old"]}),
        )
        .await,
    )
    .await;
    assert!(added.iter().all(|(_, ok, _)| *ok), "{added:?}");
    assert_eq!(tags(&chat(&client, a).await), json!(["old", "vip"]));
    assert_eq!(tags(&chat(&client, b).await), json!(["old", "vip"]));
    outcomes(
        bulk(
            &client,
            json!({"chat_ids": both, "action": "remove_tags", "tags": ["old"]}),
        )
        .await,
    )
    .await;
    assert_eq!(tags(&chat(&client, a).await), json!(["vip"]));
    assert_eq!(tags(&chat(&client, b).await), json!(["vip"]));
    assert_eq!(event_data(&client, b, "tags_changed").await.len(), 2);

    outcomes(
        bulk(
            &client,
            json!({"chat_ids": both, "action": "assign", "user_id": bob.id}),
        )
        .await,
    )
    .await;
    assert_eq!(chat(&client, a).await["assignee_id"], json!(bob.id));
    let follower = outcomes(
        bulk(
            &client,
            json!({"chat_ids": [a], "action": "assign", "user_id": fiona.id}),
        )
        .await,
    )
    .await;
    assert_eq!(
        follower,
        vec![(a, false, Some("not_assignable".to_owned()))]
    );

    let until = in_hours(3);
    outcomes(
        bulk(
            &client,
            json!({"chat_ids": both, "action": "snooze", "until": until}),
        )
        .await,
    )
    .await;
    assert_eq!(ids(&group(&client, "snoozed").await), vec![b, a]);
    outcomes(bulk(&client, json!({"chat_ids": [a], "action": "close"})).await).await;
    let reopened =
        outcomes(bulk(&client, json!({"chat_ids": both, "action": "reopen"})).await).await;
    assert_eq!(
        reopened,
        vec![(a, true, None), (b, false, Some("conflict".to_owned()))]
    );
    assert_eq!(chat(&client, a).await["status"], "open");
}

async fn a_follower_gets_the_single_actions_answers_per_chat(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (anna, employee) = app.login_as("Anna", Role::Employee).await;
    let (fiona, follower) = app.login_as("Fiona", Role::Follower).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let followed = app.new_chat(&bot, "Carl", "hi").await;
    let hidden = app.new_chat(&bot, "Dora", "hi").await;
    employee
        .put(
            &format!("/api/v1/chats/{followed}/followers"),
            &json!({"user_ids": [fiona.id]}),
        )
        .await;
    for action in [
        json!({"action": "close"}),
        json!({"action": "snooze", "until": in_hours(1)}),
    ] {
        let mut request = action.clone();
        request["chat_ids"] = json!([followed, hidden]);
        let answer = outcomes(bulk(&follower, request).await).await;
        assert_eq!(
            answer,
            vec![
                (followed, false, Some("forbidden".to_owned())),
                (hidden, false, Some("not_found".to_owned())),
            ],
            "{action}"
        );
    }
    assert_eq!(chat(&employee, followed).await["status"], "open");
    assert_eq!(chat(&employee, hidden).await["snoozed_until"], json!(null));
}

on_both_backends!(
    a_snoozed_chat_leaves_its_group_and_wakes_on_time,
    the_customers_message_wakes_a_snoozed_chat,
    a_manager_unsnoozes_and_closing_ends_a_snooze,
    a_snooze_needs_a_time_in_the_future,
    followers_may_not_snooze,
    the_timer_wakes_chats_live_and_across_a_restart,
    a_bulk_close_reports_each_chat_and_updates_each_live,
    bulk_requests_are_checked_before_any_chat_changes,
    every_bulk_action_goes_through_the_single_actions_rules,
    a_follower_gets_the_single_actions_answers_per_chat,
);
