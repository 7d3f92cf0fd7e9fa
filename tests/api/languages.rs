//! Server-made texts follow the caller's language: error messages, the title
//! of a deal made without one, and socket errors (`Accept-Language`, or `?lang=`
//! for the socket, which browsers cannot give headers). English otherwise.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::api::users::Role;
use shared::api::Channel;
use shared::ws::{ClientMsg, ServerMsg};
use tidings_tests::live::{request, LiveClient};
use tidings_tests::{body, on_both_backends, ApiClient, Backend, TestApp};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn ask(
    client: &ApiClient,
    lang: Option<&str>,
    method: Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    let mut request = client.http.request(method, client.url(path)).json(&body);
    if let Some(lang) = lang {
        request = request.header("Accept-Language", lang);
    }
    request
        .send()
        .await
        .expect("the request reaches the server")
}

async fn message_of(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    let error: Value = response.json().await.expect("the error shape");
    error["error"]["message"]
        .as_str()
        .expect("a message")
        .to_owned()
}

async fn error_messages_follow_the_callers_language(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let no_stages = json!({"name": "Sales", "stages": []});
    let english = ask(
        &admin,
        None,
        Method::POST,
        "/api/v1/pipelines",
        no_stages.clone(),
    )
    .await;
    assert_eq!(
        message_of(english, StatusCode::UNPROCESSABLE_ENTITY).await,
        "a pipeline needs at least one named stage"
    );
    let spanish = ask(
        &admin,
        Some("es-ES,es;q=0.9"),
        Method::POST,
        "/api/v1/pipelines",
        no_stages,
    )
    .await;
    assert_eq!(
        message_of(spanish, StatusCode::UNPROCESSABLE_ENTITY).await,
        "un embudo necesita al menos una etapa con nombre"
    );

    let (follower, _) = app.login_as("Fiona", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carl", "hola").await;
    let assign = ask(
        &admin,
        Some("es"),
        Method::POST,
        &format!("/api/v1/chats/{chat_id}/assign"),
        json!({"user_id": follower.id}),
    )
    .await;
    assert_eq!(
        message_of(assign, StatusCode::UNPROCESSABLE_ENTITY).await,
        "Fiona es seguidor y no puede recibir chats"
    );
    let missing = ask(
        &admin,
        Some("es"),
        Method::GET,
        "/api/v1/chats/999999",
        json!({}),
    )
    .await;
    assert_eq!(
        message_of(missing, StatusCode::NOT_FOUND).await,
        "no encontrado: chat"
    );
    let wrong = ask(
        &app.client(),
        Some("es"),
        Method::POST,
        "/api/v1/auth/login",
        json!({"email": "nobody@example.com", "password": "whatever1"}),
    )
    .await;
    assert_eq!(
        message_of(wrong, StatusCode::UNAUTHORIZED).await,
        "correo o contraseña incorrectos"
    );
}

async fn a_deal_made_without_a_title_is_named_in_the_callers_language(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carl", "hola").await;
    let path = format!("/api/v1/chats/{chat_id}/deals");
    let spanish: Value = body(ask(&admin, Some("es"), Method::POST, &path, json!({})).await).await;
    assert_eq!(spanish["title"], "Carl — nuevo trato");
    let english: Value = body(ask(&admin, None, Method::POST, &path, json!({})).await).await;
    assert_eq!(english["title"], "Carl — new deal");
}

async fn socket_errors_follow_the_language_the_socket_asked_for(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carl", "hola").await;
    let mut upgrade = format!("ws://{}/ws?lang=es", app.addr)
        .into_client_request()
        .expect("a socket URL");
    *upgrade.headers_mut() = request(&app, &admin, None).headers().clone();
    let (stream, _) = tokio_tungstenite::connect_async(upgrade)
        .await
        .expect("the socket opens");
    let mut live = LiveClient::from_stream(stream).await;
    live.send(&ClientMsg::Reopen {
        request_ref: "r1".into(),
        chat_id,
    })
    .await;
    let frame = live
        .wait_for(|m| matches!(m, ServerMsg::Error { .. }))
        .await;
    let ServerMsg::Error { message, .. } = frame.msg else {
        unreachable!("waited for an error")
    };
    assert_eq!(message, "el chat ya está abierto");
}

on_both_backends!(
    error_messages_follow_the_callers_language,
    a_deal_made_without_a_title_is_named_in_the_callers_language,
    socket_errors_follow_the_language_the_socket_asked_for,
);
