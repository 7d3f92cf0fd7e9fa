//! Helpers shared by the engine suites.

use reqwest::StatusCode;
use serde_json::Value;
use shared::api::chats::{Chat, Item};
use shared::api::Page;
use shared::Id;
use tidings_tests::{body, ApiClient};

pub async fn chat(client: &ApiClient, id: Id) -> Value {
    let response = client.get(&format!("/api/v1/chats/{id}")).await;
    assert_eq!(response.status(), StatusCode::OK, "GET chat {id}");
    body(response).await
}

pub async fn timeline(client: &ApiClient, id: Id) -> Vec<Item> {
    let response = client
        .get(&format!("/api/v1/chats/{id}/timeline?limit=100"))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "GET timeline {id}");
    body::<shared::api::Items<Item>>(response).await.items
}

/// `(event name, data)` of every event in the timeline, in order.
pub async fn events(client: &ApiClient, id: Id) -> Vec<(String, Value)> {
    timeline(client, id)
        .await
        .into_iter()
        .filter_map(|item| {
            item.event()
                .map(|e| (e.event.name().to_owned(), e.event.data()))
        })
        .collect()
}

pub async fn group(client: &ApiClient, group: &str) -> Vec<Chat> {
    let response = client
        .get(&format!("/api/v1/chats?group={group}&limit=100"))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "GET group {group}");
    body::<Page<Chat>>(response).await.items
}

pub fn ids(chats: &[Chat]) -> Vec<Id> {
    chats.iter().map(|c| c.id).collect()
}

/// Makes `user_id` the chat's only follower.
pub async fn set_follower(client: &ApiClient, chat_id: Id, user_id: Id) {
    let response = client
        .put(
            &format!("/api/v1/chats/{chat_id}/followers"),
            &serde_json::json!({"user_ids": [user_id]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "followers of {chat_id}");
}

/// Asserts the status and CONTRACT's error shape; returns the message.
pub async fn error_message(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status, "status");
    let value: Value = body(response).await;
    value["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("not the error shape: {value}"))
        .to_owned()
}
