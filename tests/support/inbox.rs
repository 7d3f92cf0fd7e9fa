//! Typed REST helpers for end-to-end channel suites: the chats and timelines
//! a signed-in user sees, replies, and waits on what the workers change
//! (delivery states, downloaded attachments) through the API.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::{Chat, DeliveryState, Direction, Item};
use shared::api::integrations::Integration;
use shared::api::{Items, Page};
use shared::Id;

use crate::{body, eventually, ApiClient, ItemFields};

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
        .filter(|item| item.direction() == Some(direction))
        .collect()
}

/// The names of the chat's timeline events, in order.
pub async fn event_names(client: &ApiClient, chat_id: Id) -> Vec<String> {
    timeline(client, chat_id)
        .await
        .into_iter()
        .filter_map(|item| item.event_name().map(str::to_owned))
        .collect()
}

/// Waits until the timeline shows `event` (returns the event item).
pub async fn wait_for_event(client: &ApiClient, chat_id: Id, event: &str) -> Item {
    eventually(&format!("a {event:?} event in chat {chat_id}"), || async {
        timeline(client, chat_id)
            .await
            .into_iter()
            .find(|item| item.event_name() == Some(event))
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
        (item.delivery() == Some(state)).then_some(item)
    })
    .await
}

/// Waits until every attachment of the item is downloaded or has an error.
pub async fn wait_for_attachments(client: &ApiClient, chat_id: Id, item_id: Id) -> Item {
    eventually(&format!("the attachments of item {item_id}"), || async {
        let item = item(client, chat_id, item_id).await;
        let attachments = item.attachments().unwrap_or_default();
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

/// Waits (up to `within`) until the chat has `count` outgoing messages and
/// none is pending any more; returns them, oldest first. For fault suites,
/// whose retries outlast [`crate::EVENTUALLY`].
pub async fn wait_until_settled(
    client: &ApiClient,
    chat_id: Id,
    count: usize,
    within: std::time::Duration,
) -> Vec<Item> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let out = messages(client, chat_id, Direction::Out).await;
        let settled = out.len() == count
            && out
                .iter()
                .all(|item| item.delivery() != Some(DeliveryState::Pending));
        if settled {
            return out;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "chat {chat_id} not settled within {within:?}: {out:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The most attempts the outbound queue may make for one message within
/// `window` when every attempt fails at once: the first goes right away,
/// then waits of `first`, doubled per failure up to `max` (the documented
/// retry settings the fault suites hold the server to).
pub fn attempts_within(
    window: std::time::Duration,
    first: std::time::Duration,
    max: std::time::Duration,
) -> usize {
    let mut attempts = 1; // the first goes at once
    let mut at = std::time::Duration::ZERO;
    let mut wait = first;
    loop {
        at += wait;
        if at > window {
            return attempts;
        }
        attempts += 1;
        wait = (wait * 2).min(max);
    }
}

/// Replies with a file (and a caption, if any) over the multipart form of
/// `POST /api/v1/chats/{id}/messages`; returns the raw response.
pub async fn send_file(
    client: &ApiClient,
    chat_id: Id,
    caption: Option<&str>,
    file_name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    const BOUNDARY: &str = "tidings-test-7MA4YWxkTrZu0gW";
    let mut form = Vec::with_capacity(bytes.len() + 512);
    if let Some(caption) = caption {
        form.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{caption}\r\n"
            )
            .as_bytes(),
        );
    }
    form.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(bytes);
    form.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    client
        .post_raw(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            form,
        )
        .await
}

/// Same, for a reply that must be accepted; returns its item.
pub async fn reply_with_file(
    client: &ApiClient,
    chat_id: Id,
    caption: Option<&str>,
    file_name: &str,
    bytes: &[u8],
) -> Item {
    let response = send_file(client, chat_id, caption, file_name, bytes).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "file reply in {chat_id}"
    );
    body(response).await
}

/// `PUT /api/v1/chats/{id}/followers` (admin), which must succeed.
pub async fn set_followers(admin: &ApiClient, chat_id: Id, user_ids: &[Id]) {
    let response = admin
        .put(
            &format!("/api/v1/chats/{chat_id}/followers"),
            &json!({ "user_ids": user_ids }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "set followers of {chat_id}"
    );
}

/// A small PNG-looking file (the right signature, then filler bytes).
pub fn png_bytes(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len.saturating_sub(8)).map(|i| (i % 251) as u8));
    bytes
}

/// A small PDF-looking file.
pub fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// During an outage begun at `started`: waits until each of `chats` chats has
/// had four attempts (`attempts` lists every call the fake saw, as chat key and
/// arrival time), then asserts no more calls came than the backoff allows and
/// each chat's attempts kept it.
pub async fn assert_outage_backed_off<K, F>(
    chats: usize,
    started: tokio::time::Instant,
    first: std::time::Duration,
    max: std::time::Duration,
    attempts: F,
) where
    K: std::hash::Hash + Eq + std::fmt::Debug,
    F: Fn() -> Vec<(K, tokio::time::Instant)>,
{
    // Four attempts per chat: three waits to check.
    let per_chat = eventually("four attempts per chat", || {
        let mut per_chat: std::collections::HashMap<K, Vec<tokio::time::Instant>> =
            std::collections::HashMap::new();
        for (chat, at) in attempts() {
            per_chat.entry(chat).or_default().push(at);
        }
        let enough = per_chat.len() == chats && per_chat.values().all(|times| times.len() >= 4);
        std::future::ready(enough.then_some(per_chat))
    })
    .await;
    let calls: usize = per_chat.values().map(Vec::len).sum();
    let window = started.elapsed();
    let bound = chats * attempts_within(window, first, max);
    assert!(
        calls <= bound,
        "{calls} calls in {window:?}; backoff allows at most {bound}"
    );
    for (chat, times) in &per_chat {
        assert_backed_off(times, first, max, &format!("chat {chat:?}"));
    }
}

/// Asserts that the attempts to send one message (their arrival times at a
/// fake) kept the backoff: the k-th wait is at least `first * 2^(k-1)`,
/// capped at `max` (pacing may only make waits longer).
pub fn assert_backed_off(
    attempts: &[tokio::time::Instant],
    first: std::time::Duration,
    max: std::time::Duration,
    what: &str,
) {
    // Timer and clock granularity, never a whole backoff step.
    let slack = std::time::Duration::from_millis(15);
    let mut wait = first;
    for pair in attempts.windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(
            gap + slack >= wait,
            "{what}: an attempt came {gap:?} after the one before, not after {wait:?}"
        );
        wait = (wait * 2).min(max);
    }
}

/// Keeps customer `customer`'s messages (Telegram update ids `update_ids`) as
/// failed, the way the inbound writer keeps one it cannot apply.
pub async fn keep_failed_updates(
    app: &crate::TestApp,
    integration_id: Id,
    customer: i64,
    update_ids: &[i64],
) {
    let update_ids = update_ids.to_vec();
    app.context()
        .store
        .run(move |conn| {
            for update_id in update_ids {
                let update = crate::fake_telegram::FakeTelegram::text_update(
                    update_id,
                    customer,
                    "Anna",
                    &format!("lost {update_id}"),
                );
                tidings::store::inbound::record_failed(
                    conn,
                    integration_id,
                    &update_id.to_string(),
                    &update.to_string(),
                    "simulated failure",
                )?;
            }
            Ok(())
        })
        .await
        .expect("kept as failed");
}

/// Keeps a body that does not read as an update, to apply later: the inbound
/// writer finds it and keeps it as failed (what a parser change can do to
/// updates kept before it).
pub async fn keep_unreadable_update(app: &crate::TestApp, integration_id: Id, key: &'static str) {
    app.context()
        .store
        .run(move |conn| {
            tidings::store::inbound::record_pending(
                conn,
                &[tidings::store::inbound::NewPending {
                    integration_id,
                    dedup_key: key,
                    body: "{not an update",
                }],
            )
            .map(drop)
        })
        .await
        .expect("kept");
}

/// The chat's timeline as someone reading `lang` (an `Accept-Language`
/// value) sees it.
pub async fn timeline_in(client: &ApiClient, chat_id: Id, lang: &str) -> Vec<Item> {
    let response = client
        .http
        .get(client.url(&format!("/api/v1/chats/{chat_id}/timeline?limit=200")))
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("the request reaches the server");
    assert_eq!(response.status(), StatusCode::OK, "GET timeline {chat_id}");
    body::<Items<Item>>(response).await.items
}

/// `GET /api/v1/chats/{id}` as someone reading `lang` sees it.
pub async fn chat_detail_in(client: &ApiClient, id: Id, lang: &str) -> Value {
    let response = client
        .http
        .get(client.url(&format!("/api/v1/chats/{id}")))
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("the request reaches the server");
    assert_eq!(response.status(), StatusCode::OK, "GET chat {id}");
    body(response).await
}
