//! CONTRACT.md "Mentions and notifications": who is notified of what (mentions,
//! assignments by someone else or by routing, customer messages, chats that
//! start waiting), the per-chat mute kept by the server, the `422`s of
//! mentions, unread counts, reading and pagination, live events for that user
//! alone, and one notification per event with two nodes on PostgreSQL.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::Comment;
use shared::api::notifications::{Notification, NotificationKind, NotificationPage};
use shared::api::users::Role;
use shared::api::Channel;
use shared::error::ErrorCode;
use shared::ws::{ClientMsg, ServerMsg};
use shared::Id;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::inbox::set_followers;
use tidings_tests::live::LiveClient;
use tidings_tests::{
    body, eventually, expect_error, on_both_backends, ApiClient, Backend, TestApp,
};

use NotificationKind::{Assigned, CustomerMessage, Mention, Waiting};

async fn page(client: &ApiClient, query: &str) -> NotificationPage {
    let response = client
        .get(&format!("/api/v1/me/notifications{query}"))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "GET notifications{query}"
    );
    body(response).await
}

/// Every notification of the caller, newest first, through all pages.
async fn all(client: &ApiClient) -> Vec<Notification> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(cursor) => format!("?limit=100&cursor={cursor}"),
            None => "?limit=100".to_owned(),
        };
        let page = page(client, &query).await;
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return items,
        }
    }
}

/// `(kind, chat, actor)` of each notification, oldest first.
async fn kinds(client: &ApiClient) -> Vec<(NotificationKind, Id, Option<Id>)> {
    let mut list: Vec<_> = all(client)
        .await
        .into_iter()
        .map(|n| (n.kind, n.chat_id, n.actor_id))
        .collect();
    list.reverse();
    list
}

async fn comment(
    client: &ApiClient,
    chat_id: Id,
    text: &str,
    mention_ids: &[Id],
) -> reqwest::Response {
    client
        .post(
            &format!("/api/v1/chats/{chat_id}/comments"),
            &json!({"text": text, "mention_ids": mention_ids}),
        )
        .await
}

async fn commented(client: &ApiClient, chat_id: Id, text: &str, mention_ids: &[Id]) -> Comment {
    let response = comment(client, chat_id, text, mention_ids).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the comment is added"
    );
    body(response).await
}

async fn mute(client: &ApiClient, chat_id: Id, enabled: bool) {
    let response = client
        .put(
            &format!("/api/v1/chats/{chat_id}/notifications"),
            &json!({ "enabled": enabled }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn read(client: &ApiClient, request: Value) -> i64 {
    let response = client.post("/api/v1/me/notifications/read", &request).await;
    assert_eq!(response.status(), StatusCode::OK, "{request}");
    let answer: Value = body(response).await;
    answer["unread"].as_i64().expect("the unread total")
}

async fn assign(client: &ApiClient, chat_id: Id, user_id: Option<Id>) {
    let response = client
        .post(
            &format!("/api/v1/chats/{chat_id}/assign"),
            &json!({ "user_id": user_id }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the chat is assigned");
}

async fn user_id_of(client: &ApiClient) -> Id {
    body::<Value>(client.get("/api/v1/me").await).await["user"]["id"]
        .as_i64()
        .expect("the user's id")
}

async fn error_code(response: reqwest::Response, status: StatusCode) -> ErrorCode {
    assert_eq!(response.status(), status);
    let error: Value = body(response).await;
    serde_json::from_value(error["error"]["code"].clone()).expect("an error code")
}

on_both_backends!(
    a_mention_notifies_each_teammate_named_once_and_never_the_author,
    mentions_of_people_who_cannot_see_the_chat_are_refused_and_change_nothing,
    an_assignment_notifies_the_assignee_only_when_someone_else_or_routing_made_it,
    customer_messages_notify_the_assignee_of_an_open_chat_unless_they_muted_it,
    a_chat_that_starts_waiting_notifies_the_managers_of_its_queue,
    unread_counts_reading_and_pages_of_notifications,
    new_notifications_and_reads_reach_only_that_users_sockets,
);

async fn a_mention_notifies_each_teammate_named_once_and_never_the_author(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (ana, ana_client) = app.login_as("Ana", Role::Employee).await;
    let (ben, ben_client) = app.login_as("Ben", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Ivan Petrov", "hello").await;

    let note = commented(
        &ben_client,
        chat_id,
        "@Ana @Ana look",
        &[ana.id, ana.id, ben.id],
    )
    .await;
    assert_eq!(
        note.mention_ids,
        vec![ana.id, ben.id],
        "each once, in order"
    );

    let mine = page(&ana_client, "").await;
    assert_eq!(mine.unread, 1);
    assert_eq!(mine.items.len(), 1);
    let mention = &mine.items[0];
    assert_eq!(mention.kind, Mention);
    assert_eq!(mention.chat_id, chat_id);
    assert_eq!(mention.item_id, Some(note.id), "it points at the comment");
    assert_eq!(mention.actor_id, Some(ben.id));
    assert!(!mention.read);
    assert_eq!(page(&ben_client, "").await.unread, 0, "not the author");

    let listed: shared::api::Items<Comment> = body(
        ana_client
            .get(&format!("/api/v1/chats/{chat_id}/comments"))
            .await,
    )
    .await;
    assert_eq!(listed.items[0].mention_ids, vec![ana.id, ben.id]);
    // Muting the chat does not stop what is about the user personally.
    mute(&ana_client, chat_id, false).await;
    commented(&ben_client, chat_id, "@Ana again", &[ana.id]).await;
    assert_eq!(
        kinds(&ana_client).await,
        vec![
            (Mention, chat_id, Some(ben.id)),
            (Mention, chat_id, Some(ben.id))
        ]
    );
    // A comment without mentions notifies nobody.
    commented(&ben_client, chat_id, "a plain note", &[]).await;
    assert_eq!(page(&ana_client, "").await.unread, 2);
}

async fn mentions_of_people_who_cannot_see_the_chat_are_refused_and_change_nothing(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (ana, ana_client) = app.login_as("Ana", Role::Employee).await;
    let (fay, fay_client) = app.login_as("Fay", Role::Follower).await;
    let (old, _) = app.login_as("Old", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let followed = app.new_chat(&bot, "Ivan", "hello").await;
    let unseen = app.new_chat(&bot, "Olga", "hello").await;
    set_followers(&admin, followed, &[fay.id]).await;
    let response = admin
        .patch(
            &format!("/api/v1/users/{}", old.id),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let refused = [
        (unseen, vec![fay.id], ErrorCode::NotMentionable),
        (unseen, vec![ana.id, 999_999], ErrorCode::Invalid),
        (followed, vec![old.id], ErrorCode::Invalid),
    ];
    for (chat_id, mention_ids, code) in refused {
        let response = comment(&ana_client, chat_id, "look", &mention_ids).await;
        assert_eq!(
            error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            code,
            "{mention_ids:?}"
        );
        let listed: shared::api::Items<Comment> = body(
            admin
                .get(&format!("/api/v1/chats/{chat_id}/comments"))
                .await,
        )
        .await;
        assert!(listed.items.is_empty(), "nothing is stored");
    }
    assert_eq!(page(&ana_client, "").await.unread, 0, "nobody was notified");

    // A follower of the chat may be mentioned, and sees it; they cannot comment.
    commented(&ana_client, followed, "@Fay FYI", &[fay.id]).await;
    let fays = page(&fay_client, "").await;
    assert_eq!(fays.unread, 1);
    assert_eq!(fays.items[0].chat_id, followed);
    expect_error(
        comment(&fay_client, followed, "me too", &[ana.id]).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Over the socket the same rules hold.
    let mut live = LiveClient::connect(&app, &ana_client).await;
    live.send(&ClientMsg::AddComment {
        request_ref: "m1".into(),
        chat_id: unseen,
        text: "@Fay".into(),
        mention_ids: vec![fay.id],
    })
    .await;
    let refusal = live
        .wait_for(|m| matches!(m, ServerMsg::Error { request_ref: Some(r), .. } if r == "m1"))
        .await;
    assert!(matches!(
        refusal.msg,
        ServerMsg::Error {
            code: ErrorCode::NotMentionable,
            ..
        }
    ));
    assert_eq!(page(&fay_client, "").await.unread, 1);
}

async fn an_assignment_notifies_the_assignee_only_when_someone_else_or_routing_made_it(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let admin_id = user_id_of(&admin).await;
    let (ana, ana_client) = app.login_as("Ana", Role::Employee).await;
    let (ben, ben_client) = app.login_as("Ben", Role::Employee).await;
    let manual = app.integration(Channel::Telegram, &[], None, None).await;
    let first = app.new_chat(&manual, "Ivan", "hello").await;
    let second = app.new_chat(&manual, "Olga", "hello").await;
    let third = app.new_chat(&manual, "Petr", "hello").await;

    assign(&admin, first, Some(ana.id)).await;
    assign(&ana_client, second, Some(ana.id)).await;
    tidings_tests::inbox::reply(&ben_client, third, "I'll take it").await;
    assert_eq!(
        kinds(&ana_client).await,
        vec![(Assigned, first, Some(admin_id))]
    );
    assert!(
        kinds(&ben_client).await.is_empty(),
        "taking by replying is not news"
    );
    let assigned = &all(&ana_client).await[0];
    let event =
        tidings_tests::inbox::item(&ana_client, first, assigned.item_id.expect("an item")).await;
    assert!(event.event().is_some(), "it points at the assigned event");

    // Routing gives a new chat to Ben: no actor.
    let routed = app
        .integration(Channel::Telegram, &[ben.id], None, None)
        .await;
    let chat_id = app.new_chat(&routed, "Rita", "hi").await;
    assert_eq!(
        kinds(&ben_client).await,
        vec![(Assigned, chat_id, None), (CustomerMessage, chat_id, None)]
    );
    // Reassigned by the admin: Ana hears of it, Ben (who lost it) does not.
    assign(&admin, chat_id, Some(ana.id)).await;
    assert_eq!(
        kinds(&ana_client).await.last(),
        Some(&(Assigned, chat_id, Some(admin_id)))
    );
    assert_eq!(kinds(&ben_client).await.len(), 2);
}

async fn customer_messages_notify_the_assignee_of_an_open_chat_unless_they_muted_it(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (ana, ana_client) = app.login_as("Ana", Role::Employee).await;
    let (_, ben_client) = app.login_as("Ben", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Ivan", "hello").await;
    assert!(
        kinds(&ana_client).await.is_empty(),
        "unassigned: nobody's message"
    );

    assign(&admin, chat_id, Some(ana.id)).await;
    app.customer_writes(&bot, "Ivan", "are you there?").await;
    let message = all(&ana_client).await[0].clone();
    assert_eq!(message.kind, CustomerMessage);
    assert_eq!(message.actor_id, None);
    let item =
        tidings_tests::inbox::item(&ana_client, chat_id, message.item_id.expect("an item")).await;
    assert_eq!(
        item.text(),
        Some("are you there?"),
        "it points at the message"
    );

    // Muted: kept by the server, for every device.
    mute(&ana_client, chat_id, false).await;
    let detail: Value = body(ana_client.get(&format!("/api/v1/chats/{chat_id}")).await).await;
    assert_eq!(detail["notifications_enabled"], json!(false));
    app.customer_writes(&bot, "Ivan", "hello??").await;
    assert_eq!(
        page(&ana_client, "").await.unread,
        2,
        "assigned + one message"
    );
    mute(&ana_client, chat_id, true).await;
    app.customer_writes(&bot, "Ivan", "one more").await;
    assert_eq!(
        kinds(&ana_client).await,
        vec![
            (Assigned, chat_id, Some(user_id_of(&admin).await)),
            (CustomerMessage, chat_id, None),
            (CustomerMessage, chat_id, None),
        ]
    );
    assert!(kinds(&ben_client).await.is_empty(), "not Ben's chat");
}

async fn a_chat_that_starts_waiting_notifies_the_managers_of_its_queue(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (ana, ana_client) = app.login_as("Ana", Role::Employee).await;
    let (ben, ben_client) = app.login_as("Ben", Role::Employee).await;
    let (_, cid_client) = app.login_as("Cid", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[ana.id, ben.id], None, None)
        .await;
    for user_id in [ana.id, ben.id] {
        let response = admin
            .patch(
                &format!("/api/v1/users/{user_id}"),
                &json!({"max_open_chats": 0}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let chat_id = app.new_chat(&bot, "Ivan", "anyone?").await;
    for client in [&ana_client, &ben_client] {
        assert_eq!(kinds(client).await, vec![(Waiting, chat_id, None)]);
    }
    assert!(kinds(&cid_client).await.is_empty(), "not in the queue");

    // Ben mutes the chat; it waits again after a close and the customer's return.
    mute(&ben_client, chat_id, false).await;
    let response = admin
        .post(&format!("/api/v1/chats/{chat_id}/close"), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.customer_writes(&bot, "Ivan", "back again").await;
    assert_eq!(
        kinds(&ana_client).await,
        vec![(Waiting, chat_id, None), (Waiting, chat_id, None)]
    );
    assert_eq!(kinds(&ben_client).await.len(), 1, "muted");
}

async fn unread_counts_reading_and_pages_of_notifications(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (ana, ana_client) = app.login_as("Ana", Role::Employee).await;
    let (ben, ben_client) = app.login_as("Ben", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Ivan", "hello").await;
    for n in 0..5 {
        commented(&ben_client, chat_id, &format!("@Ana {n}"), &[ana.id]).await;
    }
    commented(&ana_client, chat_id, "@Ben", &[ben.id]).await;

    let mut seen: Vec<Id> = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let page = page(&ana_client, &query).await;
        assert_eq!(page.unread, 5);
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|n| n.id));
        match page.next_cursor {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "every notification once");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seen:?}"
    );

    // Another user's ids change nothing; the caller's own are read.
    assert_eq!(
        read(&ben_client, json!({"ids": [seen[0], seen[1]]})).await,
        1
    );
    assert_eq!(page(&ana_client, "").await.unread, 5);
    assert_eq!(
        read(&ana_client, json!({"ids": [seen[0], seen[1]]})).await,
        3
    );
    let unread = page(&ana_client, "?unread=true").await;
    assert_eq!(unread.unread, 3);
    assert_eq!(
        unread.items.iter().map(|n| n.id).collect::<Vec<_>>(),
        seen[2..].to_vec()
    );
    let everything = page(&ana_client, "").await;
    assert_eq!(everything.unread, 3, "the total whatever the filter");
    assert!(everything.items[0].read && !everything.items[2].read);
    assert_eq!(read(&ana_client, json!({"all": true})).await, 0);
    assert_eq!(page(&ana_client, "?unread=true").await.items.len(), 0);
    assert_eq!(
        page(&ben_client, "").await.unread,
        1,
        "Ben's own stay unread"
    );

    for bad in ["?cursor=abc", "?limit=0"] {
        expect_error(
            ana_client
                .get(&format!("/api/v1/me/notifications{bad}"))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let too_many: Vec<Id> = (1..=501).collect();
    expect_error(
        ana_client
            .post("/api/v1/me/notifications/read", &json!({ "ids": too_many }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    expect_error(
        app.client().get("/api/v1/me/notifications").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn new_notifications_and_reads_reach_only_that_users_sockets(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (ana, ana_client) = app.login_as("Ana", Role::Employee).await;
    let (ben, ben_client) = app.login_as("Ben", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Ivan", "hello").await;
    let mut ana_tab = LiveClient::connect(&app, &ana_client).await;
    let mut ana_other_tab = LiveClient::connect(&app, &ana_client).await;
    let mut ben_live = LiveClient::connect(&app, &ben_client).await;

    // Over the socket, as the web app may post comments.
    ben_live
        .send(&ClientMsg::AddComment {
            request_ref: "c1".into(),
            chat_id,
            text: "@Ana look".into(),
            mention_ids: vec![ana.id],
        })
        .await;
    let frame = ana_tab
        .wait_for(|m| matches!(m, ServerMsg::Notification { .. }))
        .await;
    let ServerMsg::Notification { notification } = frame.msg else {
        unreachable!("matched above")
    };
    assert_eq!(
        (notification.kind, notification.actor_id, notification.read),
        (Mention, Some(ben.id), false)
    );
    // Ben hears of his own mention only; had Ana's reached him, it came first.
    commented(&ana_client, chat_id, "@Ben ok", &[ben.id]).await;
    ben_live
        .wait_for(|m| matches!(m, ServerMsg::Notification { notification, .. } if notification.actor_id == Some(ana.id)))
        .await;
    let to_ben = ben_live
        .seen
        .iter()
        .filter(|f| matches!(f.msg, ServerMsg::Notification { .. }))
        .count();
    assert_eq!(to_ben, 1, "only Ben's own");

    // Reading on one tab updates the count on the other.
    assert_eq!(
        read(&ana_client, json!({"ids": [notification.id]})).await,
        0
    );
    let frame = ana_other_tab
        .wait_for(|m| matches!(m, ServerMsg::NotificationsRead { .. }))
        .await;
    assert_eq!(
        frame.msg,
        ServerMsg::NotificationsRead {
            ids: vec![notification.id],
            all: false,
            unread: 0
        }
    );
}

/// Customers write through the webhooks of two nodes at once: each new chat
/// notifies its manager once of the assignment and once per message, never
/// twice, whichever node applied it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_notify_once_per_event() {
    let first = TestApp::start(Backend::Postgres).await;
    let second = first.second_node().await;
    let (ana, ana_client) = first.login_as("Ana", Role::Employee).await;
    let bot = first
        .integration(Channel::Telegram, &[ana.id], None, None)
        .await;
    let hooks = [&first, &second].map(|node| node.url(&format!("/hooks/telegram/{}", bot.id)));
    let customers = 10_i64;
    let arrivals: Vec<_> = (0..customers * 2)
        .map(|n| {
            let hook = hooks[(n % 2) as usize].clone();
            let secret = bot.webhook_secret.clone();
            let customer = n % customers;
            async move {
                let update = FakeTelegram::text_update(
                    n + 1,
                    9_000 + customer,
                    &format!("Customer {customer}"),
                    &format!("message {n}"),
                );
                let status = FakeTelegram::post_to_webhook(&hook, &secret, &update).await;
                assert_eq!(status, 200, "update {n} was accepted");
            }
        })
        .collect();
    tidings_tests::join_all(arrivals).await;
    first.wait_until_applied().await;
    second.wait_until_applied().await;

    let expected = (customers * 3) as usize;
    let notified = eventually("every event notified", || async {
        let list = all(&ana_client).await;
        (list.len() >= expected).then_some(list)
    })
    .await;
    assert_eq!(notified.len(), expected, "{notified:#?}");
    let count = |kind| notified.iter().filter(|n| n.kind == kind).count();
    assert_eq!(count(Assigned), customers as usize, "one per new chat");
    assert_eq!(
        count(CustomerMessage),
        (customers * 2) as usize,
        "one per message"
    );
    let mut causes: Vec<(NotificationKind, Option<Id>)> =
        notified.iter().map(|n| (n.kind, n.item_id)).collect();
    causes.sort_by_key(|(kind, item)| (kind.as_str(), *item));
    causes.dedup();
    assert_eq!(causes.len(), expected, "no event notified twice");
    assert_eq!(page(&ana_client, "").await.unread, expected as i64);
}
