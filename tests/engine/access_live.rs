//! CONTRACT.md "Roles" beyond single calls: every socket command answers each
//! role as REST does; no list, count, search result or socket event reveals
//! a chat a follower does not follow; a deactivated user is out at once.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::users::Role;
use shared::error::ErrorCode;
use shared::ws::{ClientMsg, ServerMsg};
use shared::Id;
use tidings_tests::live::LiveClient;
use tidings_tests::{body, on_both_backends, Backend, PASSWORD};

use crate::access::{World, CUSTOMER_Y, Y_MARKER};

/// How a command should end for a caller.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Ack,
    Refused(ErrorCode),
}

/// Every chat command, for one chat; `read_only` ones are open to followers
/// of the chat. Close comes before reopen so each role finds the chat open.
fn commands(world: &World, chat_id: Id, n: usize) -> Vec<(ClientMsg, bool)> {
    let r = |name: &str| format!("{name}-{chat_id}-{n}");
    vec![
        (
            ClientMsg::MarkRead {
                request_ref: r("read"),
                chat_id,
                item_id: None,
            },
            true,
        ),
        (
            ClientMsg::SendReply {
                request_ref: r("reply"),
                chat_id,
                text: "from the socket".into(),
                reply_to_item_id: None,
            },
            false,
        ),
        (
            ClientMsg::Assign {
                request_ref: r("assign"),
                chat_id,
                user_id: None,
            },
            false,
        ),
        (
            ClientMsg::SetFollowers {
                request_ref: r("followers"),
                chat_id,
                user_ids: world.followers_of(chat_id),
            },
            false,
        ),
        (
            ClientMsg::SetTags {
                request_ref: r("tags"),
                chat_id,
                tags: vec!["vip".into()],
            },
            false,
        ),
        (
            ClientMsg::AddComment {
                request_ref: r("comment"),
                chat_id,
                text: "a note".into(),
                mention_ids: Vec::new(),
            },
            false,
        ),
        (
            ClientMsg::Close {
                request_ref: r("close"),
                chat_id,
            },
            false,
        ),
        (
            ClientMsg::Reopen {
                request_ref: r("reopen"),
                chat_id,
            },
            false,
        ),
    ]
}

fn request_ref(command: &ClientMsg) -> String {
    command
        .request_ref()
        .expect("commands() lists only commands with a request_ref")
        .to_owned()
}

async fn socket_commands_answer_each_role_as_rest_does(backend: Backend) {
    let world = World::start(backend).await;
    let mut watcher = LiveClient::connect(&world.app, &world.admin).await;
    let mut mismatches = Vec::new();
    for (n, viewer) in world.viewers().into_iter().enumerate() {
        let mut live = LiveClient::connect(&world.app, viewer.client).await;
        // 999_999 does not exist: refused like a chat one may not see.
        for chat_id in [world.x.id, world.y.id, 999_999] {
            let follows = viewer.follows_x && chat_id == world.x.id;
            for (command, read_only) in commands(&world, chat_id, n) {
                let want = match viewer.role {
                    _ if chat_id == 999_999 => Reply::Refused(ErrorCode::NotFound),
                    Role::Admin | Role::Employee => Reply::Ack,
                    Role::Follower if follows && read_only => Reply::Ack,
                    Role::Follower if follows => Reply::Refused(ErrorCode::Forbidden),
                    Role::Follower => Reply::Refused(ErrorCode::NotFound),
                };
                let wanted_ref = request_ref(&command);
                live.send(&command).await;
                let frame = live
                    .wait_for(|msg| match msg {
                        ServerMsg::Ack { request_ref } => *request_ref == wanted_ref,
                        ServerMsg::Error { request_ref, .. } => {
                            request_ref.as_deref() == Some(wanted_ref.as_str())
                        }
                        _ => false,
                    })
                    .await;
                let got = match frame.msg {
                    ServerMsg::Ack { .. } => Reply::Ack,
                    ServerMsg::Error { code, .. } => Reply::Refused(code),
                    _ => unreachable!("only acks and errors match"),
                };
                if got != want {
                    mismatches.push(format!(
                        "{} {wanted_ref}: want {want:?}, got {got:?}",
                        viewer.name
                    ));
                }
            }
        }
        // Counts are per user: a follower counts only what they follow.
        live.send(&ClientMsg::GetCounts).await;
        let frame = live
            .wait_for(|msg| matches!(msg, ServerMsg::UnreadCounts { .. }))
            .await;
        let ServerMsg::UnreadCounts { counts } = frame.msg else {
            unreachable!("matched above")
        };
        let total: i64 = counts.iter().map(|c| c.chats).sum();
        let want = match viewer.role {
            Role::Admin | Role::Employee => 2,
            Role::Follower => i64::from(viewer.follows_x),
        };
        assert_eq!(total, want, "{} counts {counts:?}", viewer.name);

        // Typing reaches teammates only from someone who may see the chat.
        if viewer.role != Role::Admin {
            let me: Value = body(viewer.client.get("/api/v1/me").await).await;
            let user_id = me["user"]["id"].as_i64().expect("my id");
            let (x, y) = (world.x.id, world.y.id);
            for chat_id in [y, x] {
                live.send(&ClientMsg::Typing { chat_id }).await;
            }
            let mut want = match viewer.role {
                Role::Follower if viewer.follows_x => vec![x],
                Role::Follower => vec![],
                _ => vec![y, x],
            };
            if want.contains(&x) {
                watcher
                    .wait_for(|msg| {
                        matches!(msg, ServerMsg::Typing { chat_id, user_id: by }
                            if *chat_id == x && *by == user_id)
                    })
                    .await;
            }
            watcher.drain(Duration::from_millis(300)).await;
            let mut typed_in: Vec<Id> = watcher
                .seen
                .iter()
                .filter_map(|frame| match frame.msg {
                    ServerMsg::Typing {
                        chat_id,
                        user_id: by,
                    } if by == user_id => Some(chat_id),
                    _ => None,
                })
                .collect();
            typed_in.sort_unstable();
            want.sort_unstable();
            assert_eq!(typed_in, want, "{} typing shown in", viewer.name);
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Whether a JSON value mentions the chat: a `chat_id`, or a `chat` object's id.
fn mentions_chat(value: &Value, id: Id) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, value)| {
            (key == "chat_id" && value.as_i64() == Some(id))
                || (key == "chat" && value["id"].as_i64() == Some(id))
                || mentions_chat(value, id)
        }),
        Value::Array(items) => items.iter().any(|item| mentions_chat(item, id)),
        _ => false,
    }
}

async fn no_list_count_search_or_event_reveals_an_unfollowed_chat(backend: Backend) {
    let world = World::start(backend).await;
    let (x, y) = (world.x.id, world.y.id);
    let (_, ref follower_a) = world.follower_a;
    let (_, ref follower_b) = world.follower_b;
    let mut live_a = LiveClient::connect(&world.app, follower_a).await;
    let mut live_b = LiveClient::connect(&world.app, follower_b).await;

    // Everything that can happen to Y, each carrying the marker where it can.
    let admin = &world.admin;
    world
        .customer_says(CUSTOMER_Y, "Yuri", &format!("second {Y_MARKER}"))
        .await;
    let employee_id =
        body::<Value>(world.employee.get("/api/v1/me").await).await["user"]["id"].clone();
    for (path, payload) in [
        ("messages", json!({"text": format!("reply {Y_MARKER}")})),
        ("comments", json!({"text": format!("note {Y_MARKER}")})),
        ("deals", json!({"title": format!("deal {Y_MARKER}")})),
        ("assign", json!({"user_id": employee_id})),
        ("close", json!({})),
        ("reopen", json!({})),
        ("read", json!({})),
    ] {
        let response = admin
            .post(&format!("/api/v1/chats/{y}/{path}"), &payload)
            .await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }
    let response = admin
        .put(
            &format!("/api/v1/chats/{y}/tags"),
            &json!({"tags": [Y_MARKER]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // Then something A may see: once it arrives, Y's events were fanned out.
    admin
        .put(
            &format!("/api/v1/chats/{x}/tags"),
            &json!({"tags": ["sync"]}),
        )
        .await;
    live_a
        .wait_for(|msg| matches!(msg, ServerMsg::TagsChanged { chat_id, .. } if *chat_id == x))
        .await;
    live_a.drain(Duration::from_millis(300)).await;
    live_b.drain(Duration::from_millis(800)).await;
    // A reconnecting socket replays the log from the start: filtered the same.
    let mut resumed_a = LiveClient::connect(&world.app, follower_a).await;
    let mut resumed_b = LiveClient::connect(&world.app, follower_b).await;
    for resumed in [&mut resumed_a, &mut resumed_b] {
        resumed.send(&ClientMsg::Resume { last_event_id: 0 }).await;
    }
    resumed_a
        .wait_for(|msg| matches!(msg, ServerMsg::TagsChanged { chat_id, .. } if *chat_id == x))
        .await;
    resumed_b.drain(Duration::from_millis(800)).await;
    for (name, live) in [
        ("A", &live_a),
        ("B", &live_b),
        ("A resumed", &resumed_a),
        ("B resumed", &resumed_b),
    ] {
        for frame in &live.seen {
            let json = serde_json::to_value(frame).expect("a frame serializes");
            assert!(!mentions_chat(&json, y), "{name} was told about Y: {json}");
            assert!(!json.to_string().contains(Y_MARKER), "{name}: {json}");
        }
    }
    for live in [&live_b, &resumed_b] {
        assert!(
            live.seen
                .iter()
                .all(|f| !mentions_chat(&serde_json::to_value(f).expect("json"), x)),
            "B follows nothing"
        );
    }

    // Every list, count and search, with and without filters.
    let mut paths: Vec<String> = ["mine", "unassigned", "others", "closed"]
        .iter()
        .map(|g| format!("/api/v1/chats?group={g}&limit=100"))
        .collect();
    let integration = world.bot.id;
    for filter in [
        String::new(),
        "q=hello".into(),
        format!("q={Y_MARKER}"),
        "q=Yuri".into(),
        format!("tag={Y_MARKER}"),
        "channel=telegram".into(),
        format!("integration_id={integration}"),
        "status=open".into(),
        "status=closed".into(),
    ] {
        paths.push(format!("/api/v1/chats/archive?limit=100&{filter}"));
    }
    paths.push("/api/v1/chats/counts".into());
    paths.push(format!("/api/v1/chats/{x}"));
    paths.push(format!("/api/v1/chats/{x}/timeline?limit=200"));
    paths.push(format!("/api/v1/chats/{x}/search?q={Y_MARKER}"));
    paths.push(format!("/api/v1/chats/{x}/search?q=hello"));
    paths.push(format!("/api/v1/chats/{x}/comments"));
    paths.push("/api/v1/users".into());
    paths.push("/api/v1/integrations".into());
    paths.push("/api/v1/pipelines".into());
    for (name, client, visible) in [("A", follower_a, vec![x]), ("B", follower_b, vec![])] {
        for path in &paths {
            let response = client.get(path).await;
            let status = response.status();
            let text = response.text().await.expect("a body");
            if path.contains(&format!("/chats/{x}")) && visible.is_empty() {
                assert_eq!(status, StatusCode::NOT_FOUND, "{name} {path}");
                continue;
            }
            assert_eq!(status, StatusCode::OK, "{name} {path}: {text}");
            assert!(!text.contains(Y_MARKER), "{name} {path}: {text}");
            let json: Value = serde_json::from_str(&text).expect("JSON");
            assert!(!mentions_chat(&json, y), "{name} {path}: {text}");
            if path.contains("/chats?") || path.contains("/archive") {
                let ids: Vec<Id> = json["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .filter_map(|c| c["id"].as_i64())
                    .collect();
                assert!(
                    ids.iter().all(|id| visible.contains(id)),
                    "{name} {path}: {ids:?}"
                );
            }
            if path.ends_with("/counts") {
                let total: i64 = json["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .filter_map(|c| c["chats"].as_i64())
                    .sum();
                assert_eq!(total, visible.len() as i64, "{name} counts: {text}");
            }
        }
    }
}

async fn a_deactivated_user_is_signed_out_everywhere_at_once(backend: Backend) {
    let world = World::start(backend).await;
    let me: Value = body(world.employee.get("/api/v1/me").await).await;
    let id = me["user"]["id"].as_i64().expect("my id");
    let email = me["user"]["email"].as_str().expect("my e-mail");
    // Two sessions (say, laptop and phone), each with its socket.
    let other_device = world.app.login(email, PASSWORD).await;
    let sessions = [&world.employee, &other_device];
    let mut sockets = Vec::new();
    for session in sessions {
        sockets.push(LiveClient::connect(&world.app, session).await);
    }
    let response = world
        .admin
        .patch(&format!("/api/v1/users/{id}"), &json!({"active": false}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for session in sessions {
        for path in [
            "/api/v1/me".to_owned(),
            format!("/api/v1/chats/{}", world.x.id),
        ] {
            assert_eq!(
                session.get(&path).await.status(),
                StatusCode::UNAUTHORIZED,
                "{path}"
            );
        }
    }
    // Within a second or so, not at the next heartbeat re-check (a minute).
    for mut socket in sockets {
        assert!(
            socket.is_closed_within(Duration::from_secs(3)).await,
            "the socket is still open; seen {:#?}",
            socket.seen
        );
    }
    let again = world
        .app
        .client()
        .post(
            "/api/v1/auth/login",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "no new session");
}

on_both_backends!(
    socket_commands_answer_each_role_as_rest_does,
    no_list_count_search_or_event_reveals_an_unfollowed_chat,
    a_deactivated_user_is_signed_out_everywhere_at_once,
);
