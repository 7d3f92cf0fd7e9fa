//! The Channel API end to end on both databases: a Channel API integration
//! created over REST, signed events posted to `/hooks/api/{id}` (401, 422,
//! idempotency, edits, deletions, deliveries, attachments), and replies posted
//! to a fake receiver (signatures, retries with the same id, order per chat,
//! permanent failures, the auto flag), plus the secret's rotation, the test
//! event and the channel's health.

mod outbound;

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use shared::Id;
use tidings::config::DeliveryTiming;
use tidings_tests::fake_receiver::FakeReceiver;
use tidings_tests::{
    body, eventually, expect_error, on_both_backends, ApiClient, Backend, TestApp,
};

/// Retries 10x faster than production.
const TIMING: DeliveryTiming = DeliveryTiming {
    request_timeout: Duration::from_secs(5),
    retry_first: Duration::from_millis(100),
    retry_max: Duration::from_millis(800),
};
const WAIT: Duration = Duration::from_secs(20);

/// A server with one Channel API integration whose callback is a fake receiver.
pub struct Bridge {
    pub app: TestApp,
    pub admin: ApiClient,
    pub receiver: FakeReceiver,
    pub id: Id,
    pub secret: String,
    pub created: Value,
}

impl Bridge {
    /// Connects with these extra fields in the create request.
    pub async fn connect(backend: Backend, extra: Value) -> Bridge {
        let receiver = FakeReceiver::start().await;
        let app = TestApp::start_with_fakes_and(backend, None, None, None, |config| {
            config.delivery = TIMING;
        })
        .await;
        let admin = app.admin().await;
        let mut request = json!({
            "kind": "api",
            "name": "Line bridge",
            "callback_url": receiver.url("/tidings"),
        });
        if let (Some(request), Some(extra)) = (request.as_object_mut(), extra.as_object()) {
            request.extend(extra.clone());
        }
        let response = admin.post("/api/v1/integrations", &request).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: Value = body(response).await;
        let secret = created["secret"].as_str().expect("a secret").to_owned();
        receiver.set_secret(&secret);
        Bridge {
            id: created["id"].as_i64().expect("an id"),
            app,
            admin,
            receiver,
            secret,
            created,
        }
    }

    /// Posts `event` signed with `signature` (`None`: unsigned).
    pub async fn post_with(&self, event: &Value, signature: Option<String>) -> Response {
        let bytes = serde_json::to_vec(event).expect("JSON");
        let mut request = self
            .admin
            .http
            .post(self.app.url(&format!("/hooks/api/{}", self.id)))
            .header("content-type", "application/json")
            .body(bytes);
        if let Some(signature) = signature {
            request = request.header("X-Tidings-Signature", signature);
        }
        request.send().await.expect("the hook answers")
    }

    /// Posts `event` signed with the integration's secret.
    pub async fn post(&self, event: &Value) -> Response {
        let bytes = serde_json::to_vec(event).expect("JSON");
        self.post_with(
            event,
            Some(tidings::channels::api::sign(&self.secret, &bytes)),
        )
        .await
    }

    /// Posts `event` signed; it must be stored (200).
    pub async fn accept(&self, event: &Value) {
        let response = self.post(event).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "{event}: {text}");
    }

    /// The integration's chats (it has no queue: they are unassigned).
    pub async fn chats(&self) -> Vec<Value> {
        let page: Value = body(
            self.admin
                .get(&format!(
                    "/api/v1/chats?group=unassigned&integration_id={}",
                    self.id
                ))
                .await,
        )
        .await;
        page["items"].as_array().cloned().unwrap_or_default()
    }

    pub async fn only_chat(&self) -> Value {
        let chats = self.chats().await;
        assert_eq!(chats.len(), 1, "{chats:?}");
        chats[0].clone()
    }

    pub async fn messages(&self, chat_id: Id) -> Vec<Value> {
        let page: Value = body(
            self.admin
                .get(&format!("/api/v1/chats/{chat_id}/timeline?limit=100"))
                .await,
        )
        .await;
        page["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|item| item["kind"] == "message")
            .collect()
    }
}

pub fn ana() -> Value {
    json!({"id": "line-ana", "name": "Ana Ruiz", "phone": "+34 600 000 001", "email": "ana@example.com"})
}

pub fn text_event(id: &str, message_id: &str, text: &str) -> Value {
    json!({"type": "message", "id": id, "customer": ana(), "message": {"id": message_id, "text": text}})
}

async fn creating_an_api_integration_answers_its_webhook_url_and_the_secret_to_admins_only(
    backend: Backend,
) {
    let bridge = Bridge::connect(backend, json!({})).await;
    let created = &bridge.created;
    assert_eq!(created["kind"], "api");
    assert_eq!(
        created["webhook_url"],
        format!(
            "{}/hooks/api/{}",
            bridge.app.config.public_url.as_str().trim_end_matches('/'),
            bridge.id
        )
    );
    assert_eq!(created["callback_url"], bridge.receiver.url("/tidings"));
    assert!(bridge.secret.len() >= 32, "{}", bridge.secret);
    assert!(created.get("token").is_none(), "{created}");
    let (_, employee) = bridge
        .app
        .login_as("Eva", shared::api::users::Role::Employee)
        .await;
    let listed: Value = body(employee.get("/api/v1/integrations").await).await;
    let seen = &listed["items"][0];
    assert_eq!(seen["kind"], "api");
    assert!(
        seen.get("secret").is_none() && seen.get("callback_url").is_none(),
        "{seen}"
    );
    // A callback URL that is not http(s), or none: 422, nothing created.
    for bad in [
        json!({"callback_url": "ftp://bridge.example.com/in"}),
        json!({}),
    ] {
        let mut request = json!({"kind": "api", "name": "Bad"});
        request
            .as_object_mut()
            .expect("an object")
            .extend(bad.as_object().expect("an object").clone());
        let response = bridge.admin.post("/api/v1/integrations", &request).await;
        assert_eq!(
            expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid"
        );
    }
    let listed: Value = body(bridge.admin.get("/api/v1/integrations").await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

async fn unsigned_or_wrongly_signed_events_are_refused_and_a_rotated_secret_takes_over(
    backend: Backend,
) {
    let bridge = Bridge::connect(backend, json!({})).await;
    let event = text_event("ev-1", "m-1", "Hola");
    let bytes = serde_json::to_vec(&event).expect("JSON");
    let sign = |secret: &str| Some(tidings::channels::api::sign(secret, &bytes));
    for signature in [None, sign("another secret"), Some("sha256=00".into())] {
        let response = bridge.post_with(&event, signature).await;
        assert_eq!(
            expect_error(response, StatusCode::UNAUTHORIZED).await,
            "bad_signature"
        );
    }
    let bare = sign(&bridge.secret).map(|s| s.trim_start_matches("sha256=").to_owned());
    let response = bridge.post_with(&event, bare).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(bridge.chats().await.is_empty());

    let rotated: Value = body(
        bridge
            .admin
            .post(
                &format!("/api/v1/integrations/{}/secret", bridge.id),
                &json!({}),
            )
            .await,
    )
    .await;
    let new_secret = rotated["secret"].as_str().expect("a new secret").to_owned();
    assert_ne!(new_secret, bridge.secret);
    let response = bridge.post_with(&event, sign(&bridge.secret)).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "the old secret is refused"
    );
    let response = bridge.post_with(&event, sign(&new_secret)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(bridge.chats().await.len(), 1);
}

async fn a_customer_message_lands_in_a_chat_once_however_often_it_is_posted(backend: Backend) {
    let bridge = Bridge::connect(backend, json!({})).await;
    let event = text_event("ev-1", "m-1", "Hola, ¿tenéis talla M?");
    bridge.accept(&event).await;
    bridge.accept(&event).await;
    // Another event id for the same customer is another message.
    bridge
        .accept(&text_event("ev-2", "m-2", "¿Y en azul?"))
        .await;
    bridge
        .accept(&text_event("ev-2", "m-2", "¿Y en azul?"))
        .await;
    let chat = bridge.only_chat().await;
    assert_eq!(chat["channel"], "api");
    assert_eq!(chat["contact_name"], "Ana Ruiz");
    let chat_id = chat["id"].as_i64().expect("an id");
    let texts: Vec<Value> = bridge
        .messages(chat_id)
        .await
        .iter()
        .map(|item| item["text"].clone())
        .collect();
    assert_eq!(
        texts,
        vec![json!("Hola, ¿tenéis talla M?"), json!("¿Y en azul?")]
    );
    let contact: Value = body(
        bridge
            .admin
            .get(&format!("/api/v1/contacts/{}", chat["contact_id"]))
            .await,
    )
    .await;
    let contact = contact.get("contact").unwrap_or(&contact);
    assert_eq!(contact["phone"], "+34 600 000 001");
    assert_eq!(contact["email"], "ana@example.com");
}

async fn a_phone_the_contact_already_has_is_not_overwritten_by_the_messenger(backend: Backend) {
    let bridge = Bridge::connect(backend, json!({})).await;
    let mut first = text_event("ev-1", "m-1", "Hola");
    first["customer"] = json!({"id": "line-ana", "name": "Ana Ruiz"});
    bridge.accept(&first).await;
    let chat = bridge.only_chat().await;
    let contact_id = chat["contact_id"].as_i64().expect("a contact");
    // As a manager's edit would leave it.
    bridge
        .app
        .context()
        .store
        .run(move |conn| {
            use diesel::prelude::*;
            use tidings::store::schema::contacts;
            diesel::update(contacts::table.find(contact_id))
                .set(contacts::phone.eq("+34 911 111 111"))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("edited");
    bridge.accept(&text_event("ev-2", "m-2", "Otra vez")).await;
    let contact: Value = body(
        bridge
            .admin
            .get(&format!("/api/v1/contacts/{contact_id}"))
            .await,
    )
    .await;
    let contact = contact.get("contact").unwrap_or(&contact);
    assert_eq!(contact["phone"], "+34 911 111 111");
    assert_eq!(
        contact["email"], "ana@example.com",
        "an empty field is filled"
    );
}

async fn bodies_that_break_the_rules_are_422_naming_the_field_and_store_nothing(backend: Backend) {
    let bridge = Bridge::connect(backend, json!({})).await;
    let cases = [
        (
            json!({"type": "message", "customer": ana(), "message": {"id": "m", "text": "t"}}),
            "`id`",
        ),
        (
            json!({"type": "wave", "id": "e1", "customer": ana()}),
            "`type`",
        ),
        (
            json!({"type": "message", "id": "e2", "message": {"id": "m", "text": "t"}}),
            "`customer`",
        ),
        (
            json!({"type": "message", "id": "e3", "customer": {"name": "X"}, "message": {"id": "m", "text": "t"}}),
            "`customer.id`",
        ),
        (
            json!({"type": "message", "id": "e4", "customer": ana(), "message": {"id": "m"}}),
            "`text`",
        ),
        (
            json!({"type": "message", "id": "e5", "customer": ana(), "message": {"id": "m",
            "attachments": [{"url": "https://x.example/a", "name": "a", "kind": "hologram"}]}}),
            "`message.attachments[0].kind`",
        ),
        (
            json!({"type": "delivery", "id": "e6", "customer": ana(), "message_id": "p-1", "status": "read"}),
            "`status`",
        ),
        (
            json!({"type": "message_deleted", "id": "e7", "customer": ana()}),
            "`message_id`",
        ),
    ];
    for (event, field) in cases {
        let response = bridge.post(&event).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{event}"
        );
        let error: Value = body(response).await;
        assert_eq!(error["error"]["code"], "invalid", "{error}");
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{event}: {message}");
    }
    let not_json = bridge
        .admin
        .http
        .post(bridge.app.url(&format!("/hooks/api/{}", bridge.id)))
        .header(
            "X-Tidings-Signature",
            tidings::channels::api::sign(&bridge.secret, b"{oops"),
        )
        .body("{oops")
        .send()
        .await
        .expect("answers");
    assert_eq!(not_json.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bridge.chats().await.is_empty());
    // The refused ids were not remembered: a valid event with one is stored.
    bridge.accept(&text_event("e1", "m-1", "now valid")).await;
    assert_eq!(bridge.chats().await.len(), 1);
}

async fn edits_keep_earlier_versions_and_deletions_keep_the_message_marked(backend: Backend) {
    let bridge = Bridge::connect(backend, json!({})).await;
    bridge
        .accept(&text_event("ev-1", "m-1", "Quiero dos"))
        .await;
    bridge.accept(&text_event("ev-2", "m-2", "Gracias")).await;
    let edit = json!({"type": "message_edited", "id": "ev-3", "customer": ana(),
        "message": {"id": "m-1", "text": "Quiero tres"}});
    bridge.accept(&edit).await;
    bridge.accept(&edit).await;
    let delete =
        json!({"type": "message_deleted", "id": "ev-4", "customer": ana(), "message_id": "m-2"});
    bridge.accept(&delete).await;
    let chat_id = bridge.only_chat().await["id"].as_i64().expect("an id");
    let messages = bridge.messages(chat_id).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["text"], "Quiero tres");
    assert_eq!(messages[0]["versions"].as_array().map(Vec::len), Some(1));
    assert_eq!(messages[0]["versions"][0]["text"], "Quiero dos");
    assert!(messages[0]["edited_at"].is_string());
    assert!(messages[0]["deleted_at"].is_null());
    assert_eq!(messages[1]["text"], "Gracias", "a deleted message is kept");
    assert!(messages[1]["deleted_at"].is_string(), "{}", messages[1]);
}

async fn attachments_are_fetched_from_the_callback_host_and_refused_from_elsewhere(
    backend: Backend,
) {
    let bridge = Bridge::connect(backend, json!({})).await;
    let png = b"\x89PNG\r\n\x1a\n fake picture".to_vec();
    let allowed = bridge.receiver.host_file("photo.png", "image/png", &png);
    // Another port of the same host is not the callback URL's host and port.
    let other_port = allowed.replace(&bridge.receiver.url(""), "http://127.0.0.1:9");
    let event = json!({"type": "message", "id": "ev-1", "customer": ana(), "message": {"id": "m-1",
    "text": "Mira",
    "attachments": [
        {"url": allowed, "name": "photo.png", "kind": "image", "mime": "image/png"},
        {"url": "http://files.example.com/a.pdf", "name": "a.pdf", "kind": "document"},
        {"url": "https://10.1.2.3/b.pdf", "name": "b.pdf", "kind": "document"},
        {"url": other_port, "name": "c.png", "kind": "image"},
    ]}});
    bridge.accept(&event).await;
    let chat_id = bridge.only_chat().await["id"].as_i64().expect("an id");
    let attachments = eventually("every attachment fetched or refused", || async {
        let message = bridge.messages(chat_id).await.into_iter().next()?;
        let attachments = message["attachments"].as_array()?.clone();
        attachments
            .iter()
            .all(|a| a["url"].is_string() || a["error"].is_string())
            .then_some(attachments)
    })
    .await;
    assert_eq!(attachments.len(), 4);
    let url = attachments[0]["url"].as_str().expect("fetched");
    let fetched = bridge.admin.get(url).await;
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(fetched.bytes().await.expect("bytes").to_vec(), png);
    for refused in &attachments[1..] {
        assert!(refused["url"].is_null(), "{refused}");
        let error = refused["error"].as_str().unwrap_or_default();
        assert!(error.contains("refused"), "{refused}");
    }
}

async fn the_test_event_reaches_the_receiver_signed_and_health_reads_ok(backend: Backend) {
    let bridge = Bridge::connect(backend, json!({})).await;
    let result: Value = body(
        bridge
            .admin
            .post(
                &format!("/api/v1/integrations/{}/test-event", bridge.id),
                &json!({}),
            )
            .await,
    )
    .await;
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["status"], 200);
    let received = bridge.receiver.wait_for(1, WAIT).await;
    assert_eq!(received[0].body["type"], "ping");
    assert_eq!(received[0].body["id"], result["event_id"]);
    assert!(received[0].signed);
    bridge.receiver.answer_next(403, "bad bridge key");
    let refused: Value = body(
        bridge
            .admin
            .post(
                &format!("/api/v1/integrations/{}/test-event", bridge.id),
                &json!({}),
            )
            .await,
    )
    .await;
    assert_eq!(refused["ok"], false);
    assert_eq!(refused["status"], 403);
    assert_eq!(refused["detail"], "bad bridge key");

    let health: Value = body(
        bridge
            .admin
            .get(&format!("/api/v1/integrations/{}/health", bridge.id))
            .await,
    )
    .await;
    assert_eq!(health["state"], "ok", "{health}");
    assert_eq!(
        health["expected_webhook_url"],
        bridge.created["webhook_url"]
    );
    assert_eq!(health["webhook"]["url"], bridge.created["webhook_url"]);
}

on_both_backends!(
    creating_an_api_integration_answers_its_webhook_url_and_the_secret_to_admins_only,
    unsigned_or_wrongly_signed_events_are_refused_and_a_rotated_secret_takes_over,
    a_customer_message_lands_in_a_chat_once_however_often_it_is_posted,
    a_phone_the_contact_already_has_is_not_overwritten_by_the_messenger,
    bodies_that_break_the_rules_are_422_naming_the_field_and_store_nothing,
    edits_keep_earlier_versions_and_deletions_keep_the_message_marked,
    attachments_are_fetched_from_the_callback_host_and_refused_from_elsewhere,
    the_test_event_reaches_the_receiver_signed_and_health_reads_ok,
);
