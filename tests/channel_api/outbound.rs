//! Replies posted to the callback URL: signed, the same id on every retry, in
//! order per chat, a 4xx as a permanent failure with the receiver's text, the
//! provider's id used by later deliveries, and the auto flag.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::Id;
use tidings_tests::{body, eventually, on_both_backends, Backend};

use crate::{ana, text_event, Bridge, WAIT};

async fn reply(bridge: &Bridge, chat_id: Id, text: &str) -> Id {
    let response = bridge
        .admin
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({"text": text}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let item: Value = body(response).await;
    item["id"].as_i64().expect("an item id")
}

async fn item(bridge: &Bridge, chat_id: Id, item_id: Id) -> Value {
    bridge
        .messages(chat_id)
        .await
        .into_iter()
        .find(|item| item["id"] == item_id)
        .expect("the item is in the timeline")
}

async fn wait_for_delivery(bridge: &Bridge, chat_id: Id, item_id: Id, state: &str) -> Value {
    eventually(&format!("item {item_id} {state}"), || async {
        let found = item(bridge, chat_id, item_id).await;
        (found["delivery"] == state).then_some(found)
    })
    .await
}

async fn replies_go_out_signed_with_the_same_id_on_every_retry_and_in_order(backend: Backend) {
    let bridge = Bridge::connect(backend, json!({})).await;
    bridge.accept(&text_event("ev-1", "m-1", "Hola")).await;
    let chat_id = bridge.only_chat().await["id"].as_i64().expect("an id");
    bridge.receiver.answer_next(500, "busy");
    bridge.receiver.answer_next(503, "still busy");
    let first = reply(&bridge, chat_id, "Buenos días").await;
    let second = reply(&bridge, chat_id, "¿En qué le ayudo?").await;
    let received = bridge.receiver.wait_for(4, WAIT).await;
    let ids: Vec<&Value> = received.iter().map(|post| &post.body["id"]).collect();
    let first_id = json!(format!("reply-{first}"));
    let second_id = json!(format!("reply-{second}"));
    assert_eq!(ids, vec![&first_id, &first_id, &first_id, &second_id]);
    for post in &received {
        assert!(post.signed, "{:?}", post.body);
        assert_eq!(post.path, "/tidings");
    }
    let sent = &received[2].body;
    assert_eq!(sent["type"], "reply");
    assert_eq!(sent["chat_id"], chat_id);
    assert_eq!(sent["customer_id"], "line-ana");
    assert_eq!(sent["auto"], false);
    assert_eq!(sent["message"]["id"], first.to_string());
    assert_eq!(sent["message"]["text"], "Buenos días");
    assert_eq!(sent["message"]["attachments"], json!([]));
    assert_eq!(sent["message"]["reply_to_id"], Value::Null);
    wait_for_delivery(&bridge, chat_id, first, "sent").await;
    wait_for_delivery(&bridge, chat_id, second, "sent").await;
}

async fn deliveries_follow_the_provider_id_the_receiver_answered(backend: Backend) {
    let bridge = Bridge::connect(backend, json!({})).await;
    bridge.accept(&text_event("ev-1", "m-1", "Hola")).await;
    let chat_id = bridge.only_chat().await["id"].as_i64().expect("an id");
    bridge
        .receiver
        .answer_next(200, r#"{"message_id": "line-77"}"#);
    let delivered = reply(&bridge, chat_id, "Uno").await;
    // Without a message_id, our own message id is the provider id.
    bridge.receiver.answer_next(200, "");
    let failing = reply(&bridge, chat_id, "Dos").await;
    wait_for_delivery(&bridge, chat_id, failing, "sent").await;
    let status = |id: &str, message_id: String, status: &str| json!({"type": "delivery", "id": id, "customer": ana(), "message_id": message_id, "status": status, "reason": "blocked by the user"});
    bridge
        .accept(&status("d-1", "line-77".into(), "delivered"))
        .await;
    wait_for_delivery(&bridge, chat_id, delivered, "delivered").await;
    bridge
        .accept(&status("d-2", "line-77".into(), "seen"))
        .await;
    wait_for_delivery(&bridge, chat_id, delivered, "seen").await;
    bridge
        .accept(&status("d-3", failing.to_string(), "failed"))
        .await;
    let failed = wait_for_delivery(&bridge, chat_id, failing, "failed").await;
    assert_eq!(failed["delivery_error"], "blocked by the user");
}

async fn a_4xx_answer_fails_the_message_for_good_with_the_receivers_text(backend: Backend) {
    let bridge = Bridge::connect(backend, json!({})).await;
    bridge.accept(&text_event("ev-1", "m-1", "Hola")).await;
    let chat_id = bridge.only_chat().await["id"].as_i64().expect("an id");
    bridge
        .receiver
        .answer_next(422, "customer line-ana left the group");
    let refused = reply(&bridge, chat_id, "¿Sigue ahí?").await;
    let failed = wait_for_delivery(&bridge, chat_id, refused, "failed").await;
    assert_eq!(failed["delivery_error"], "customer line-ana left the group");
    // The next message of the chat still goes out, once.
    let next = reply(&bridge, chat_id, "Hola de nuevo").await;
    wait_for_delivery(&bridge, chat_id, next, "sent").await;
    let posts: Vec<Value> = bridge
        .receiver
        .received()
        .into_iter()
        .map(|post| post.body["id"].clone())
        .collect();
    assert_eq!(
        posts,
        vec![
            json!(format!("reply-{refused}")),
            json!(format!("reply-{next}"))
        ]
    );
}

async fn greetings_and_auto_replies_are_flagged_auto_and_quotes_name_the_customers_message(
    backend: Backend,
) {
    let bridge = Bridge::connect(
        backend,
        json!({"greeting_text": "¡Bienvenida!", "auto_reply_text": "Le contestamos enseguida."}),
    )
    .await;
    bridge.accept(&text_event("ev-1", "m-1", "Hola")).await;
    let received = bridge.receiver.wait_for(2, crate::WAIT).await;
    let texts: Vec<(&Value, &Value)> = received
        .iter()
        .map(|post| (&post.body["message"]["text"], &post.body["auto"]))
        .collect();
    assert_eq!(
        texts,
        vec![
            (&json!("¡Bienvenida!"), &json!(true)),
            (&json!("Le contestamos enseguida."), &json!(true))
        ]
    );
    let chat_id = bridge.only_chat().await["id"].as_i64().expect("an id");
    let ours = reply(&bridge, chat_id, "Soy Marta").await;
    wait_for_delivery(&bridge, chat_id, ours, "sent").await;
    let received = bridge.receiver.wait_for(3, crate::WAIT).await;
    assert_eq!(received[2].body["auto"], false);
    // A customer's quote of our reply points at it by the provider id.
    let provider_id = format!("p-{}", 3);
    let quoting = json!({"type": "message", "id": "ev-2", "customer": ana(),
        "message": {"id": "m-2", "text": "¡Hola Marta!", "reply_to_id": provider_id}});
    bridge.accept(&quoting).await;
    let messages = bridge.messages(chat_id).await;
    let last = messages.last().expect("a message");
    assert_eq!(last["reply_to_id"], ours, "{last}");
}

on_both_backends!(
    replies_go_out_signed_with_the_same_id_on_every_retry_and_in_order,
    deliveries_follow_the_provider_id_the_receiver_answered,
    a_4xx_answer_fails_the_message_for_good_with_the_receivers_text,
    greetings_and_auto_replies_are_flagged_auto_and_quotes_name_the_customers_message,
);
