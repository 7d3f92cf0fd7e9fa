//! Routing that knows who is there (CONTRACT.md "Presence, capacity, business
//! hours, waiting queue, no-answer hand-off"): each rule as its own scenario,
//! on both databases, and the concurrency guarantees with two PostgreSQL nodes.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::{Chat, Direction, Item};
use shared::api::integrations::{Integration as IntegrationDto, QueueView, WhyNotEligible};
use shared::api::timeline::{AssignmentReason, TimelineEvent};
use shared::api::users::{Presence, PresenceSet, Role, User};
use shared::api::Channel;
use shared::ws::ServerMsg;
use shared::Id;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::inbox::{messages, timeline};
use tidings_tests::live::LiveClient;
use tidings_tests::{
    body, eventually, expect_error, on_both_backends, ApiClient, Backend, TestApp,
};

async fn chat(client: &ApiClient, chat_id: Id) -> Chat {
    body(client.get(&format!("/api/v1/chats/{chat_id}")).await).await
}

async fn queue(admin: &ApiClient, integration_id: Id) -> QueueView {
    body(
        admin
            .get(&format!("/api/v1/integrations/{integration_id}/queue"))
            .await,
    )
    .await
}

async fn user(admin: &ApiClient, user_id: Id) -> User {
    let users: shared::api::Items<User> = body(admin.get("/api/v1/users").await).await;
    users
        .items
        .into_iter()
        .find(|u| u.id == user_id)
        .expect("the user is listed")
}

async fn set_cap(admin: &ApiClient, user_id: Id, cap: Option<i64>) {
    let response = admin
        .patch(
            &format!("/api/v1/users/{user_id}"),
            &json!({"max_open_chats": cap}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the cap is set");
}

async fn configure(admin: &ApiClient, integration_id: Id, settings: serde_json::Value) {
    let response = admin
        .patch(&format!("/api/v1/integrations/{integration_id}"), &settings)
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{settings}");
}

/// The assignment events of a chat, as (assignee, reason, previous).
async fn assignments(
    client: &ApiClient,
    chat_id: Id,
) -> Vec<(Option<Id>, AssignmentReason, Option<Id>)> {
    timeline(client, chat_id)
        .await
        .iter()
        .filter_map(|item| match &item.event()?.event {
            TimelineEvent::Assigned(a) => Some((Some(a.user_id), a.reason, a.previous_user_id)),
            TimelineEvent::Unassigned(u) => Some((None, u.reason, u.previous_user_id)),
            _ => None,
        })
        .collect()
}

/// Moves the chat's no-answer clock back, as if `seconds` had passed.
async fn age_no_answer_clock(app: &TestApp, chat_id: Id, seconds: i64) {
    use diesel::RunQueryDsl;
    let shift = |column: &str| match app.backend {
        Backend::Sqlite => format!("{column} = datetime({column}, '-{seconds} seconds')"),
        Backend::Postgres => format!("{column} = {column} - interval '{seconds} seconds'"),
    };
    // Every instant of the clock moves together (the streak handed off
    // stays recognisable as the same one).
    let sql = format!(
        "UPDATE chats SET {}, {}, {} WHERE id = {chat_id}",
        shift("awaiting_reply_since"),
        shift("assigned_at"),
        shift("no_answer_for")
    );
    app.context()
        .store
        .run(move |conn| {
            match conn {
                tidings::store::DbConn::Sqlite(c) => diesel::sql_query(&sql).execute(c)?,
                tidings::store::DbConn::Postgres(c) => diesel::sql_query(&sql).execute(c)?,
            };
            Ok(())
        })
        .await
        .expect("the clock moves back");
}

async fn a_manager_at_capacity_is_skipped_until_a_chat_closes(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (anna, _) = app.login_as("Anna", Role::Employee).await;
    let (ben, _) = app.login_as("Ben", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id, ben.id], None, None)
        .await;
    set_cap(&admin, anna.id, Some(1)).await;
    let first = app.new_chat(&bot, "Carl", "hi").await;
    let second = app.new_chat(&bot, "Dora", "hi").await;
    let third = app.new_chat(&bot, "Emil", "hi").await;
    assert_eq!(chat(&admin, first).await.assignee_id, Some(anna.id));
    assert_eq!(chat(&admin, second).await.assignee_id, Some(ben.id));
    assert_eq!(
        chat(&admin, third).await.assignee_id,
        Some(ben.id),
        "Anna holds her one chat: the rotation skips her"
    );
    let view = queue(&admin, bot.id).await;
    assert_eq!(view.order[0].user_id, anna.id);
    assert_eq!(view.order[0].why_not, Some(WhyNotEligible::AtCapacity));
    assert_eq!(view.order[0].open_chats, 1);
    assert!(view.order[1].eligible);
    assert_eq!(view.order[1].open_chats, 2);
    assert_eq!(view.next_user_id, Some(ben.id));

    let response = admin
        .post(&format!("/api/v1/chats/{first}/close"), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fourth = app.new_chat(&bot, "Fritz", "hi").await;
    assert_eq!(
        chat(&admin, fourth).await.assignee_id,
        Some(anna.id),
        "below her cap again"
    );
}

async fn a_chat_nobody_may_take_waits_and_goes_to_the_first_manager_who_comes_online(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (anna, anna_client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    configure(&admin, bot.id, json!({"assign_only_online": true})).await;
    assert_eq!(
        user(&admin, anna.id).await.presence,
        Presence::Offline,
        "never connected"
    );

    let waiting = app.new_chat(&bot, "Carl", "is anyone there?").await;
    let before = chat(&admin, waiting).await;
    assert_eq!(before.assignee_id, None);
    assert!(before.waiting_since.is_some(), "the chat waits");
    assert_eq!(
        assignments(&admin, waiting).await,
        vec![(None, AssignmentReason::NoEligibleManager, None)]
    );
    let view = queue(&admin, bot.id).await;
    assert_eq!(view.waiting, 1);
    assert_eq!(view.order[0].why_not, Some(WhyNotEligible::Offline));
    assert_eq!(view.next_user_id, None);

    let _anna_online = LiveClient::connect(&app, &anna_client).await;
    let handed = eventually("the waiting chat goes to Anna", || async {
        let now = chat(&admin, waiting).await;
        (now.assignee_id == Some(anna.id)).then_some(now)
    })
    .await;
    assert_eq!(handed.waiting_since, None, "it no longer waits");
    assert_eq!(
        assignments(&admin, waiting).await.last(),
        Some(&(Some(anna.id), AssignmentReason::WaitingQueue, None))
    );
    assert_eq!(user(&admin, anna.id).await.presence, Presence::Online);
    assert_eq!(queue(&admin, bot.id).await.waiting, 0);
}

async fn waiting_chats_go_out_oldest_first_and_only_up_to_the_cap(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (anna, _) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    set_cap(&admin, anna.id, Some(0)).await;
    let mut waiting = Vec::new();
    for customer in ["Carl", "Dora", "Emil"] {
        waiting.push(app.new_chat(&bot, customer, "hello").await);
    }
    assert_eq!(queue(&admin, bot.id).await.waiting, 3);
    set_cap(&admin, anna.id, Some(2)).await;
    eventually("two chats go to Anna", || async {
        (queue(&admin, bot.id).await.waiting == 1).then_some(())
    })
    .await;
    assert_eq!(
        chat(&admin, waiting[0]).await.assignee_id,
        Some(anna.id),
        "oldest first"
    );
    assert_eq!(chat(&admin, waiting[1]).await.assignee_id, Some(anna.id));
    let youngest = chat(&admin, waiting[2]).await;
    assert_eq!(youngest.assignee_id, None, "the cap holds");
    assert!(youngest.waiting_since.is_some());

    // A manual assignment ends the wait.
    let response = admin
        .post(
            &format!("/api/v1/chats/{}/assign", waiting[2]),
            &json!({"user_id": anna.id}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(chat(&admin, waiting[2]).await.waiting_since, None);
    assert_eq!(queue(&admin, bot.id).await.waiting, 0);
}

async fn presence_follows_sockets_choices_and_the_grace_period(backend: Backend) {
    let app = TestApp::start_with_fakes_and(backend, None, None, None, |config| {
        config.presence.offline_after = Duration::from_secs(1);
    })
    .await;
    let admin = app.admin().await;
    let mut watcher = LiveClient::connect(&app, &admin).await;
    let (anna, anna_client) = app.login_as("Anna", Role::Employee).await;

    let anna_socket = LiveClient::connect(&app, &anna_client).await;
    watcher
        .wait_for(|msg| {
            matches!(msg, ServerMsg::PresenceChanged { user_id, presence: Presence::Online } if *user_id == anna.id)
        })
        .await;

    let away: PresenceSet = body(
        anna_client
            .put("/api/v1/me/presence", &json!({"status": "away"}))
            .await,
    )
    .await;
    assert_eq!(away.user.presence, Presence::Away);
    watcher
        .wait_for(|msg| {
            matches!(msg, ServerMsg::PresenceChanged { user_id, presence: Presence::Away } if *user_id == anna.id)
        })
        .await;

    // Away by choice survives a reconnect.
    drop(anna_socket);
    let anna_socket = LiveClient::connect(&app, &anna_client).await;
    assert_eq!(user(&admin, anna.id).await.presence, Presence::Away);

    let online: PresenceSet = body(
        anna_client
            .put("/api/v1/me/presence", &json!({"status": "online"}))
            .await,
    )
    .await;
    assert_eq!(online.user.presence, Presence::Online);

    drop(anna_socket);
    watcher
        .wait_for(|msg| {
            matches!(msg, ServerMsg::PresenceChanged { user_id, presence: Presence::Offline } if *user_id == anna.id)
        })
        .await;
    assert_eq!(user(&admin, anna.id).await.presence, Presence::Offline);

    let bad = anna_client
        .put("/api/v1/me/presence", &json!({"status": "offline"}))
        .await;
    assert!(bad.status().is_client_error(), "offline is not a choice");
}

/// Carl's new chat, with Anna, on a bot that hands a chat left unanswered for
/// 300 s to the next manager of its queue (Ben).
struct HandOff {
    app: TestApp,
    admin: ApiClient,
    anna: User,
    ben: User,
    ben_client: ApiClient,
    bot: tidings::domain::integration::Integration,
    chat_id: Id,
}

async fn chat_handed_off_after_300_s(backend: Backend) -> HandOff {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (anna, _) = app.login_as("Anna", Role::Employee).await;
    let (ben, ben_client) = app.login_as("Ben", Role::Employee).await;
    let bot = app
        .integration(
            Channel::Telegram,
            &[anna.id, ben.id],
            None,
            Some("We'll answer soon"),
        )
        .await;
    configure(&admin, bot.id, json!({"reassign_after_s": 300})).await;
    let chat_id = app.new_chat(&bot, "Carl", "hello?").await;
    assert_eq!(chat(&admin, chat_id).await.assignee_id, Some(anna.id));
    HandOff {
        app,
        admin,
        anna,
        ben,
        ben_client,
        bot,
        chat_id,
    }
}

async fn an_unanswered_chat_moves_to_the_next_manager_once(backend: Backend) {
    let HandOff {
        app,
        admin,
        anna,
        ben,
        ben_client,
        bot,
        chat_id,
    } = chat_handed_off_after_300_s(backend).await;

    age_no_answer_clock(&app, chat_id, 290).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        chat(&admin, chat_id).await.assignee_id,
        Some(anna.id),
        "not yet due"
    );

    age_no_answer_clock(&app, chat_id, 10).await;
    eventually("the chat moves to Ben", || async {
        (chat(&admin, chat_id).await.assignee_id == Some(ben.id)).then_some(())
    })
    .await;
    assert_eq!(
        assignments(&admin, chat_id).await.last(),
        Some(&(Some(ben.id), AssignmentReason::NoAnswer, Some(anna.id)))
    );
    let within = timeline(&admin, chat_id)
        .await
        .iter()
        .rev()
        .find_map(|item| match &item.event()?.event {
            TimelineEvent::Assigned(a) => Some(a.no_answer_after_s),
            _ => None,
        });
    assert_eq!(within, Some(Some(300)), "the event says how long Anna had");

    // Once per unanswered message: Ben's silence does not move it back.
    age_no_answer_clock(&app, chat_id, 600).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(chat(&admin, chat_id).await.assignee_id, Some(ben.id));

    // An answer stops the clock; a new customer message starts it again.
    let reply = ben_client
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({"text": "Here!"}),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    app.customer_writes(&bot, "Carl", "thanks, one more thing")
        .await;
    age_no_answer_clock(&app, chat_id, 301).await;
    eventually(
        "the new unanswered message moves the chat to Anna",
        || async { (chat(&admin, chat_id).await.assignee_id == Some(anna.id)).then_some(()) },
    )
    .await;
}

async fn the_no_answer_clock_runs_from_the_oldest_unanswered_message(backend: Backend) {
    let HandOff {
        app,
        admin,
        ben,
        bot,
        chat_id,
        ..
    } = chat_handed_off_after_300_s(backend).await;
    age_no_answer_clock(&app, chat_id, 290).await;
    app.customer_writes(&bot, "Carl", "anyone there?").await;
    age_no_answer_clock(&app, chat_id, 10).await;
    eventually(
        "the chat moves to Ben 300 s after the first unanswered message",
        || async { (chat(&admin, chat_id).await.assignee_id == Some(ben.id)).then_some(()) },
    )
    .await;
}

async fn outside_business_hours_the_away_text_replaces_the_auto_reply(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app
        .integration(
            Channel::Telegram,
            &[],
            Some("Welcome!"),
            Some("We'll answer soon"),
        )
        .await;
    // Closed every day.
    configure(
        &admin,
        bot.id,
        json!({"business_hours": {"timezone": "Europe/Madrid", "days": {}}, "away_text": "We are closed"}),
    )
    .await;
    let closed = app.new_chat(&bot, "Carl", "hello").await;
    let texts: Vec<String> = messages(&admin, closed, Direction::Out)
        .await
        .iter()
        .filter_map(Item::text)
        .map(str::to_owned)
        .collect();
    assert_eq!(
        texts,
        vec!["Welcome!", "We are closed"],
        "greeting unchanged, then the away text"
    );

    let always: Vec<String> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| d.to_string())
        .collect();
    let days: serde_json::Map<String, serde_json::Value> = always
        .into_iter()
        .map(|day| (day, json!([["00:00", "24:00"]])))
        .collect();
    configure(
        &admin,
        bot.id,
        json!({"business_hours": {"timezone": "America/New_York", "days": days}}),
    )
    .await;
    let open = app.new_chat(&bot, "Dora", "hello").await;
    let texts: Vec<String> = messages(&admin, open, Direction::Out)
        .await
        .iter()
        .filter_map(Item::text)
        .map(str::to_owned)
        .collect();
    assert_eq!(texts, vec!["Welcome!", "We'll answer soon"]);

    configure(&admin, bot.id, json!({"business_hours": null})).await;
    let stored: IntegrationDto =
        body(admin.get(&format!("/api/v1/integrations/{}", bot.id)).await).await;
    assert_eq!(stored.business_hours, None, "null: always open");
    assert_eq!(stored.away_text.as_deref(), Some("We are closed"));
}

async fn bad_routing_settings_are_refused_naming_the_field(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let table = [
        (json!({"reassign_after_s": 29}), "reassign_after_s"),
        (
            json!({"business_hours": {"timezone": "Mars/Olympus", "days": {}}}),
            "business_hours.timezone",
        ),
        (
            json!({"business_hours": {"timezone": "UTC", "days": {"mon": [["18:00", "09:00"]]}}}),
            "business_hours.days.mon[0]",
        ),
        (
            json!({"business_hours": {"timezone": "UTC", "days": {"tue": [["09:00", "13:00"], ["12:00", "18:00"]]}}}),
            "business_hours.days.tue",
        ),
    ];
    for (patch, field) in table {
        let response = admin
            .patch(&format!("/api/v1/integrations/{}", bot.id), &patch)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{patch}"
        );
        let error: serde_json::Value = body(response).await;
        let message = error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(field), "{message:?} names {field}");
    }
    let stored: IntegrationDto =
        body(admin.get(&format!("/api/v1/integrations/{}", bot.id)).await).await;
    assert_eq!(
        (stored.reassign_after_s, stored.business_hours),
        (None, None),
        "nothing changed"
    );

    let (anna, _) = app.login_as("Anna", Role::Employee).await;
    let response = admin
        .patch(
            &format!("/api/v1/users/{}", anna.id),
            &json!({"max_open_chats": -1}),
        )
        .await;
    assert_eq!(
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let response = admin
        .patch("/api/v1/users/999999", &json!({"max_open_chats": 3}))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

on_both_backends!(
    a_manager_at_capacity_is_skipped_until_a_chat_closes,
    a_chat_nobody_may_take_waits_and_goes_to_the_first_manager_who_comes_online,
    waiting_chats_go_out_oldest_first_and_only_up_to_the_cap,
    presence_follows_sockets_choices_and_the_grace_period,
    an_unanswered_chat_moves_to_the_next_manager_once,
    the_no_answer_clock_runs_from_the_oldest_unanswered_message,
    outside_business_hours_the_away_text_replaces_the_auto_reply,
    bad_routing_settings_are_refused_naming_the_field,
);

/// Two nodes on one PostgreSQL database take chats at once: nobody gets more
/// than their cap, every chat gets one manager or waits, and when the caps
/// rise each waiting chat is handed out exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_never_exceed_a_cap_or_give_a_waiting_chat_twice() {
    let first = TestApp::start(Backend::Postgres).await;
    let second = first.second_node().await;
    let admin = first.admin().await;
    let (anna, _) = first.login_as("Anna", Role::Employee).await;
    let (ben, _) = first.login_as("Ben", Role::Employee).await;
    let bot = first
        .integration(Channel::Telegram, &[anna.id, ben.id], None, None)
        .await;
    set_cap(&admin, anna.id, Some(3)).await;
    set_cap(&admin, ben.id, Some(3)).await;

    // Through the webhooks of both nodes, as a messenger would post them.
    let hooks = [&first, &second].map(|node| node.url(&format!("/hooks/telegram/{}", bot.id)));
    let arrivals: Vec<_> = (0..20_i64)
        .map(|n| {
            let hook = hooks[(n % 2) as usize].clone();
            let secret = bot.webhook_secret.clone();
            async move {
                let update =
                    FakeTelegram::text_update(n + 1, 7_000 + n, &format!("Customer {n}"), "hi");
                let status = FakeTelegram::post_to_webhook(&hook, &secret, &update).await;
                assert_eq!(status, 200, "customer {n} was accepted");
            }
        })
        .collect();
    tidings_tests::join_all(arrivals).await;
    first.wait_until_applied().await;
    let chats = tidings_tests::inbox::wait_for_chats(&admin, 20).await;
    let chat_ids: Vec<Id> = chats.iter().map(|c| c.id).collect();
    let held = |user_id: Id| {
        chats
            .iter()
            .filter(|c| c.assignee_id == Some(user_id))
            .count()
    };
    assert_eq!(
        (held(anna.id), held(ben.id)),
        (3, 3),
        "each at their cap, never above"
    );
    assert_eq!(
        chats.iter().filter(|c| c.waiting_since.is_some()).count(),
        14
    );

    set_cap(&admin, anna.id, Some(10)).await;
    set_cap(&admin, ben.id, Some(10)).await;
    eventually("every waiting chat is handed out", || async {
        (queue(&admin, bot.id).await.waiting == 0).then_some(())
    })
    .await;
    for chat_id in chat_ids {
        let handed = assignments(&admin, chat_id)
            .await
            .into_iter()
            .filter(|(_, reason, _)| *reason == AssignmentReason::WaitingQueue)
            .count();
        assert!(handed <= 1, "chat {chat_id} was handed out {handed} times");
    }
    let chats: Vec<Chat> =
        futures_util::future::join_all(chats.iter().map(|c| chat(&admin, c.id))).await;
    assert_eq!(
        chats
            .iter()
            .filter(|c| c.assignee_id == Some(anna.id))
            .count(),
        10
    );
    assert_eq!(
        chats
            .iter()
            .filter(|c| c.assignee_id == Some(ben.id))
            .count(),
        10
    );
}
