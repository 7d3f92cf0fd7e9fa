//! Typed REST helpers for end-to-end channel suites: the chats and timelines
//! a signed-in user sees, replies, and waits on what the workers change
//! (delivery states, downloaded attachments) through the API.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::{Chat, DeliveryState, Direction, Item};
use shared::api::integrations::Integration;
use shared::api::{Items, Page};
use shared::Id;

use crate::{body, eventually, ApiClient};

/// Every chat the client may see (the archive without filters).
pub async fn all_chats(client: &ApiClient) -> Vec<Chat> {
    let response = client.get("/api/v1/chats/archive?limit=100").await;
    assert_eq!(response.status(), StatusCode::OK, "GET the archive");
    body::<Page<Chat>>(response).await.items
}

/// Waits until the client sees exactly `count` chats; returns them.
pub async fn wait_for_chats(client: &ApiClient, count: usize) -> Vec<Chat> {
    eventually(&format!("{count} chat(s)"), || async {
        let chats = all_chats(client).await;
        (chats.len() == count).then_some(chats)
    })
    .await
}

/// `GET /api/v1/chats/{id}` as JSON (chat, contact, deals …).
pub async fn chat_detail(client: &ApiClient, id: Id) -> Value {
    let response = client.get(&format!("/api/v1/chats/{id}")).await;
    assert_eq!(response.status(), StatusCode::OK, "GET chat {id}");
    body(response).await
}

pub async fn timeline(client: &ApiClient, chat_id: Id) -> Vec<Item> {
    let response = client
        .get(&format!("/api/v1/chats/{chat_id}/timeline?limit=200"))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "GET timeline {chat_id}");
    body::<Items<Item>>(response).await.items
}

/// The chat's messages in one direction, oldest first.
pub async fn messages(client: &ApiClient, chat_id: Id, direction: Direction) -> Vec<Item> {
    timeline(client, chat_id)
        .await
        .into_iter()
        .filter(|item| item.direction == Some(direction))
        .collect()
}

/// The names of the chat's timeline events, in order.
pub async fn event_names(client: &ApiClient, chat_id: Id) -> Vec<String> {
    timeline(client, chat_id)
        .await
        .into_iter()
        .filter_map(|item| item.event)
        .collect()
}

/// Waits until the timeline shows `event` (returns the event item).
pub async fn wait_for_event(client: &ApiClient, chat_id: Id, event: &str) -> Item {
    eventually(&format!("a {event:?} event in chat {chat_id}"), || async {
        timeline(client, chat_id)
            .await
            .into_iter()
            .find(|item| item.event.as_deref() == Some(event))
    })
    .await
}

/// One timeline item, found by id.
pub async fn item(client: &ApiClient, chat_id: Id, item_id: Id) -> Item {
    timeline(client, chat_id)
        .await
        .into_iter()
        .find(|item| item.id == item_id)
        .unwrap_or_else(|| panic!("item {item_id} is not in chat {chat_id}"))
}

/// Posts a manager reply; returns the created message item.
pub async fn reply(client: &ApiClient, chat_id: Id, text: &str) -> Item {
    let response = client
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({ "text": text }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "reply in {chat_id}");
    body(response).await
}

/// Waits until the item's delivery state is `state`; returns the item.
pub async fn wait_for_delivery(
    client: &ApiClient,
    chat_id: Id,
    item_id: Id,
    state: DeliveryState,
) -> Item {
    eventually(&format!("item {item_id} to be {state:?}"), || async {
        let item = item(client, chat_id, item_id).await;
        (item.delivery == Some(state)).then_some(item)
    })
    .await
}

/// Waits until every attachment of the item is downloaded or has an error.
pub async fn wait_for_attachments(client: &ApiClient, chat_id: Id, item_id: Id) -> Item {
    eventually(&format!("the attachments of item {item_id}"), || async {
        let item = item(client, chat_id, item_id).await;
        let attachments = item.attachments.clone().unwrap_or_default();
        let settled = !attachments.is_empty()
            && attachments
                .iter()
                .all(|a| a.url.is_some() || a.error.is_some());
        settled.then_some(item)
    })
    .await
}

/// `GET /api/v1/integrations` as the client sees it.
pub async fn integrations(client: &ApiClient) -> Vec<Integration> {
    let response = client.get("/api/v1/integrations").await;
    assert_eq!(response.status(), StatusCode::OK, "GET integrations");
    body::<Items<Integration>>(response).await.items
}

/// Creates an integration through the API (admin); returns it.
pub async fn create_integration(admin: &ApiClient, request: Value) -> Integration {
    let response = admin.post("/api/v1/integrations", &request).await;
    let status = response.status();
    let text = response.text().await.expect("a readable body");
    assert_eq!(status, StatusCode::CREATED, "create integration: {text}");
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{text}: {err}"))
}

/// One webhook body or polled update as the server stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUpdate {
    pub dedup_key: String,
    /// `processed`, `ignored` or `failed`.
    pub status: String,
    pub error: Option<String>,
}

/// Every inbound update the server stored, oldest first (read from the
/// database: no API lists them).
pub async fn stored_updates(app: &crate::TestApp) -> Vec<StoredUpdate> {
    use diesel::{QueryDsl, RunQueryDsl};
    use tidings::store::schema::inbound_events as events;
    let rows: Vec<(String, String, Option<String>)> = app
        .context()
        .store
        .run(|conn| {
            Ok(events::table
                .order(events::id)
                .select((events::dedup_key, events::status, events::error))
                .load(conn)?)
        })
        .await
        .expect("the inbound events can be read");
    rows.into_iter()
        .map(|(dedup_key, status, error)| StoredUpdate {
            dedup_key,
            status,
            error,
        })
        .collect()
}
