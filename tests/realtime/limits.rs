//! Bounded work per socket and per user: commands beyond a socket's allowance
//! are refused (the socket stays usable), typing notices are thinned out before
//! they reach the buffer every session shares, and one user cannot open
//! sockets without end. (A repeated resume replaying nothing twice is checked
//! with resuming, in `main.rs`.)

use std::time::Duration;

use shared::api::users::Role;
use shared::api::Channel;
use shared::error::ErrorCode;
use shared::ws::{ClientMsg, ServerMsg};
use tidings_tests::live::{request, LiveClient};
use tidings_tests::{eventually, on_both_backends, Backend, TestApp};
use tokio_tungstenite::tungstenite;

async fn a_flood_of_commands_is_refused_and_the_socket_stays_usable(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carl", "hello").await;
    let mut live = LiveClient::connect(&app, &admin).await;
    for n in 0..200 {
        live.send(&ClientMsg::MarkRead {
            request_ref: format!("r{n}"),
            chat_id,
            item_id: None,
        })
        .await;
    }
    let (mut acks, mut limited) = (0, 0);
    while acks + limited < 200 {
        let frame = live
            .next(Duration::from_secs(10))
            .await
            .expect("an answer per command");
        match frame.msg {
            ServerMsg::Ack { .. } => acks += 1,
            ServerMsg::Error {
                code: ErrorCode::RateLimited,
                request_ref: Some(_),
                ..
            } => limited += 1,
            _ => {}
        }
    }
    assert!(limited >= 100, "{limited} of 200 commands were refused");
    assert!(
        (40..100).contains(&acks),
        "{acks} fit the burst and its refill"
    );
    // After a pause the socket works as before.
    tokio::time::sleep(Duration::from_secs(2)).await;
    live.send(&ClientMsg::MarkRead {
        request_ref: "after".into(),
        chat_id,
        item_id: None,
    })
    .await;
    live.wait_for(|m| matches!(m, ServerMsg::Ack { request_ref } if request_ref == "after"))
        .await;
    // A client that keeps going regardless is not listening: it is disconnected.
    for n in 0..700 {
        live.send(&ClientMsg::MarkRead {
            request_ref: format!("again {n}"),
            chat_id,
            item_id: None,
        })
        .await;
    }
    assert!(live.is_closed_within(Duration::from_secs(10)).await);
}

async fn typing_notices_reach_teammates_at_most_once_per_two_seconds(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, typist) = app.login_as("Tina", Role::Employee).await;
    let (_, teammate) = app.login_as("Theo", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carl", "hello").await;
    let mut typing = LiveClient::connect(&app, &typist).await;
    let mut watching = LiveClient::connect(&app, &teammate).await;
    // Past the wait for a resume: the watcher's session streams live events.
    watching.send(&ClientMsg::GetCounts).await;
    watching
        .wait_for(|m| matches!(m, ServerMsg::UnreadCounts { .. }))
        .await;
    watching
        .wait_for(|m| matches!(m, ServerMsg::UnreadCounts { .. }))
        .await;
    for _ in 0..50 {
        typing.send(&ClientMsg::Typing { chat_id }).await;
    }
    let frames = watching.drain(Duration::from_millis(1500)).await;
    let notices = frames
        .iter()
        .filter(|f| matches!(f.msg, ServerMsg::Typing { .. }))
        .count();
    assert_eq!(notices, 1, "fifty keystrokes, one notice");
}

async fn one_user_keeps_twenty_sockets_and_no_more(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let mut open = Vec::new();
    for _ in 0..20 {
        open.push(LiveClient::connect(&app, &admin).await);
    }
    match tokio_tungstenite::connect_async(request(&app, &admin, None)).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429);
            assert!(response.headers().contains_key("retry-after"));
        }
        other => panic!(
            "the 21st socket must be refused with 429, got {:?}",
            other.map(|_| ())
        ),
    }
    // Another user is not affected.
    let (_, teammate) = app.login_as("Theo", Role::Employee).await;
    LiveClient::connect(&app, &teammate).await;
    // Closing one frees its place.
    drop(open.pop());
    eventually("a closed socket frees its place", || async {
        tokio_tungstenite::connect_async(request(&app, &admin, None))
            .await
            .ok()
            .map(|_| ())
    })
    .await;
}

on_both_backends!(
    a_flood_of_commands_is_refused_and_the_socket_stays_usable,
    typing_notices_reach_teammates_at_most_once_per_two_seconds,
    one_user_keeps_twenty_sockets_and_no_more,
);
