//! Canned replies (CONTRACT.md "Everyday inbox"): scopes and who may keep
//! them, unique shortcuts, variables rendered for a chat and its caller,
//! sending one rendered, unknown variables left as typed.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::canned::{CannedReply, CannedScope, RenderedCannedReply};
use shared::api::chats::Item;
use shared::api::users::Role;
use shared::api::{Channel, Items};
use shared::Id;
use tidings_tests::{
    body, expect_error, on_both_backends, ApiClient, Backend, ItemFields, TestApp,
};

use crate::support::timeline;

async fn create(client: &ApiClient, shortcut: &str, text: &str, scope: &str) -> CannedReply {
    let response = client
        .post(
            "/api/v1/canned-replies",
            &json!({"shortcut": shortcut, "text": text, "scope": scope}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "create /{shortcut}");
    body(response).await
}

async fn list(client: &ApiClient, query: &str) -> Vec<CannedReply> {
    let response = client.get(&format!("/api/v1/canned-replies{query}")).await;
    assert_eq!(response.status(), StatusCode::OK, "list {query}");
    body::<Items<CannedReply>>(response).await.items
}

fn shortcuts(replies: &[CannedReply]) -> Vec<&str> {
    replies.iter().map(|r| r.shortcut.as_str()).collect()
}

async fn render(client: &ApiClient, chat: Id, canned: Id) -> RenderedCannedReply {
    let response = client
        .get(&format!("/api/v1/chats/{chat}/canned-replies/{canned}"))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "render {canned} in {chat}"
    );
    body(response).await
}

/// Team replies: admins only; personal: admins and employees; followers: 403.
/// Each sees the team's replies and their own personal ones.
async fn scopes_and_who_may_create_them(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (employee, emp) = app.login_as("Erin Employee", Role::Employee).await;
    let (_, other_emp) = app.login_as("Olga Other", Role::Employee).await;
    let (_, follower) = app.login_as("Fred Follower", Role::Follower).await;

    let team = create(&admin, "/Hello", "Hello {{contact.first_name}}!", "team").await;
    assert_eq!(team.shortcut, "hello", "lower case, without the slash");
    assert_eq!(team.scope, CannedScope::Team);
    let mine = create(&emp, "thanks", "Thanks!", "personal").await;
    assert_eq!(mine.owner_id, employee.id);
    assert_eq!(mine.scope, CannedScope::Personal);
    create(&admin, "sig", "Admin's own", "personal").await;

    let response = emp
        .post(
            "/api/v1/canned-replies",
            &json!({"shortcut": "x", "text": "x", "scope": "team"}),
        )
        .await;
    assert_eq!(
        expect_error(response, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    for scope in ["team", "personal"] {
        let response = follower
            .post(
                "/api/v1/canned-replies",
                &json!({"shortcut": "f", "text": "f", "scope": scope}),
            )
            .await;
        assert_eq!(
            expect_error(response, StatusCode::FORBIDDEN).await,
            "forbidden"
        );
    }

    assert_eq!(shortcuts(&list(&emp, "").await), vec!["hello", "thanks"]);
    assert_eq!(shortcuts(&list(&other_emp, "").await), vec!["hello"]);
    assert_eq!(shortcuts(&list(&admin, "").await), vec!["hello", "sig"]);
    assert_eq!(shortcuts(&list(&follower, "").await), vec!["hello"]);
    let all: Value = body(emp.get("/api/v1/canned-replies").await).await;
    assert_eq!(all["items"][0]["scope"], "team");
    assert_eq!(all["items"][0]["owner_id"], json!(team.owner_id));
}

/// Owner or admin edits and deletes; someone else's personal reply is 404,
/// a team reply one may not change is 403; nothing changes on refusal.
async fn owner_or_admin_changes_a_reply(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (_, emp) = app.login_as("Erin Employee", Role::Employee).await;
    let (_, other) = app.login_as("Olga Other", Role::Employee).await;
    let (_, follower) = app.login_as("Fred Follower", Role::Follower).await;
    let team = create(&admin, "hello", "Hello", "team").await;
    let personal = create(&emp, "mine", "Mine", "personal").await;

    let path = |id: Id| format!("/api/v1/canned-replies/{id}");
    let response = emp.patch(&path(team.id), &json!({"text": "Hacked"})).await;
    assert_eq!(
        expect_error(response, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let response = follower.delete(&path(team.id)).await;
    assert_eq!(
        expect_error(response, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let response = other.patch(&path(personal.id), &json!({"text": "x"})).await;
    assert_eq!(
        expect_error(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    let response = other.delete(&path(personal.id)).await;
    assert_eq!(
        expect_error(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    assert_eq!(list(&admin, "").await[0].text, "Hello");

    let response = emp
        .patch(
            &path(personal.id),
            &json!({"shortcut": "/Mine2", "text": " Edited "}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let edited: CannedReply = body(response).await;
    assert_eq!(
        (edited.shortcut.as_str(), edited.text.as_str()),
        ("mine2", "Edited")
    );
    let response = admin
        .patch(&path(personal.id), &json!({"text": "By admin"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "an admin edits anyone's");
    let response = admin.patch(&path(team.id), &json!({"text": "Hi"})).await;
    assert_eq!(response.status(), StatusCode::OK);

    let response = emp.patch(&path(personal.id), &json!({"text": "  "})).await;
    assert_eq!(
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let response = emp
        .patch(&path(personal.id), &json!({"shortcut": "two words"}))
        .await;
    let message: Value = {
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        body(response).await
    };
    assert!(
        message["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("shortcut")),
        "the field is named: {message}"
    );
    let response = emp.patch(&path(9_999), &json!({"text": "x"})).await;
    assert_eq!(
        expect_error(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );

    assert_eq!(
        emp.delete(&path(personal.id)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(shortcuts(&list(&emp, "").await), vec!["hello"]);
    assert_eq!(
        admin.delete(&path(team.id)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(list(&emp, "").await.is_empty());
}

/// Shortcuts are unique among the team's replies and among each user's
/// personal ones (409); a personal reply may share a team shortcut, and two
/// users may each have the same personal one.
async fn shortcuts_are_unique_per_team_and_per_owner(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (_, emp) = app.login_as("Erin Employee", Role::Employee).await;
    let (_, other) = app.login_as("Olga Other", Role::Employee).await;
    create(&admin, "hello", "Hello", "team").await;
    let clash = |client: &ApiClient, shortcut: &'static str, scope: &'static str| {
        let client = client.clone();
        async move {
            let response = client
                .post(
                    "/api/v1/canned-replies",
                    &json!({"shortcut": shortcut, "text": "t", "scope": scope}),
                )
                .await;
            expect_error(response, StatusCode::CONFLICT).await
        }
    };
    assert_eq!(clash(&admin, "/HELLO", "team").await, "conflict");
    create(&emp, "hello", "My hello", "personal").await;
    create(&other, "hello", "Her hello", "personal").await;
    assert_eq!(clash(&emp, "hello", "personal").await, "conflict");
    let bye = create(&emp, "bye", "Bye", "personal").await;
    let response = emp
        .patch(
            &format!("/api/v1/canned-replies/{}", bye.id),
            &json!({"shortcut": "hello"}),
        )
        .await;
    assert_eq!(
        expect_error(response, StatusCode::CONFLICT).await,
        "conflict"
    );
    assert_eq!(
        shortcuts(&list(&emp, "").await),
        vec!["bye", "hello", "hello"]
    );
}

/// `q` narrows the list while typing: shortcut prefix first, then the
/// shortcut or the text containing it.
async fn the_list_filters_while_typing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    create(&admin, "shipping", "Your parcel ships today", "team").await;
    create(&admin, "hello", "Hello there", "team").await;
    create(
        &admin,
        "refund",
        "Your money comes back; shipping is free",
        "team",
    )
    .await;
    assert_eq!(
        shortcuts(&list(&admin, "?q=sh").await),
        vec!["shipping", "refund"]
    );
    assert_eq!(shortcuts(&list(&admin, "?q=%2FHEL").await), vec!["hello"]);
    assert!(list(&admin, "?q=zzz").await.is_empty());
    assert_eq!(
        shortcuts(&list(&admin, "?q=sh&limit=1").await),
        vec!["shipping"]
    );
    assert_eq!(
        list(&admin, "?limit=1").await.len(),
        3,
        "without q: every reply"
    );
    let response = admin.get("/api/v1/canned-replies?q=a&limit=0").await;
    assert_eq!(
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
}

/// Variables are filled in for the chat (contact, integration) and the caller
/// (manager); unknown ones stay as typed and are listed.
async fn variables_are_rendered_for_the_chat_and_caller(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat = app.new_chat(&bot, "Ana María López", "hola").await;
    let admin = app.admin().await;
    let (_, emp) = app.login_as("Erin Employee", Role::Employee).await;
    let reply = create(
        &admin,
        "hi",
        "Hi {{contact.first_name}} ({{contact.name}}), {{manager.first_name}} \
         ({{ manager.name }}) of {{integration.name}}. Call {{contact.phone}}",
        "team",
    )
    .await;
    let rendered = render(&emp, chat, reply.id).await;
    assert_eq!(
        rendered.text,
        "Hi Ana (Ana María López), Erin (Erin Employee) of telegram bot. Call {{contact.phone}}"
    );
    assert_eq!(rendered.unknown, vec!["{{contact.phone}}"]);
    let plain = create(&admin, "ok", "OK", "team").await;
    let raw: Value = body(
        emp.get(&format!("/api/v1/chats/{chat}/canned-replies/{}", plain.id))
            .await,
    )
    .await;
    assert_eq!(raw, json!({"text": "OK", "unknown": []}));

    // Someone else's personal reply, an unknown one, an unknown chat: 404.
    let private = create(&admin, "private", "Secret", "personal").await;
    for path in [
        format!("/api/v1/chats/{chat}/canned-replies/{}", private.id),
        format!("/api/v1/chats/{chat}/canned-replies/9999"),
        format!("/api/v1/chats/9999/canned-replies/{}", plain.id),
    ] {
        assert_eq!(
            expect_error(emp.get(&path).await, StatusCode::NOT_FOUND).await,
            "not_found",
            "{path}"
        );
    }
    // A follower who does not follow the chat does not see it (404).
    let (fred, follower) = app.login_as("Fred Follower", Role::Follower).await;
    let path = format!("/api/v1/chats/{chat}/canned-replies/{}", plain.id);
    assert_eq!(
        expect_error(follower.get(&path).await, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    let response = admin
        .put(
            &format!("/api/v1/chats/{chat}/followers"),
            &json!({"user_ids": [fred.id]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(render(&follower, chat, plain.id).await.text, "OK");
}

/// `POST …/messages {canned_reply_id}` sends the text rendered; a follower
/// may not; both text and a canned reply at once is 422.
async fn a_canned_reply_is_sent_rendered(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat = app.new_chat(&bot, "Ana López", "hola").await;
    let admin = app.admin().await;
    let (erin, emp) = app.login_as("Erin Employee", Role::Employee).await;
    let reply = create(
        &emp,
        "thanks",
        "Thanks {{contact.first_name}}, {{manager.first_name}} here. {{unknown.thing}}",
        "personal",
    )
    .await;
    let messages = format!("/api/v1/chats/{chat}/messages");
    let response = emp
        .post(&messages, &json!({"canned_reply_id": reply.id}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let item: Item = body(response).await;
    let expected = "Thanks Ana, Erin here. {{unknown.thing}}";
    assert_eq!(item.text_owned().as_deref(), Some(expected));
    assert_eq!(item.author_id(), Some(erin.id));
    let stored = timeline(&admin, chat).await;
    assert_eq!(
        stored.last().and_then(ItemFields::text_owned).as_deref(),
        Some(expected)
    );

    let count = timeline(&admin, chat).await.len();
    let both = emp
        .post(
            &messages,
            &json!({"text": "hi", "canned_reply_id": reply.id}),
        )
        .await;
    assert_eq!(
        expect_error(both, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let others = admin
        .post(&messages, &json!({"canned_reply_id": reply.id}))
        .await;
    assert_eq!(
        expect_error(others, StatusCode::NOT_FOUND).await,
        "not_found",
        "another user's personal reply"
    );
    let (fred, follower) = app.login_as("Fred Follower", Role::Follower).await;
    admin
        .put(
            &format!("/api/v1/chats/{chat}/followers"),
            &json!({"user_ids": [fred.id]}),
        )
        .await;
    let team = create(&admin, "hello", "Hello", "team").await;
    let response = follower
        .post(&messages, &json!({"canned_reply_id": team.id}))
        .await;
    assert_eq!(
        expect_error(response, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    assert_eq!(
        timeline(&admin, chat).await.len(),
        count + 1,
        "only the followers event was added"
    );
}

on_both_backends!(
    scopes_and_who_may_create_them,
    owner_or_admin_changes_a_reply,
    shortcuts_are_unique_per_team_and_per_owner,
    the_list_filters_while_typing,
    variables_are_rendered_for_the_chat_and_caller,
    a_canned_reply_is_sent_rendered,
);
