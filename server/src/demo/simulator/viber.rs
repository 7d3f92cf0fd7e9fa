//! The simulated Viber REST API under `/viber/pa` (the server's
//! `viber_api_url`): `get_account_info`, `set_webhook` (which first POSTs the
//! signed `webhook` verification callback to the URL, as Viber does),
//! `send_message` (followed a moment later by signed `delivered` and `seen`
//! callbacks), `get_user_details` and `get_online`. Errors are HTTP 200 with a
//! non-zero `status`, like Viber's. Customers' callbacks are signed with the
//! bot token (HMAC-SHA256 of the raw body).

use std::time::Duration;

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use shared::api::chats::Direction;
use shared::api::Channel;

use super::customers::{post_webhook, Content};
use super::png;
use super::state::{
    message, Customer, MessageKind, Sim, Status, Webhook, BOT_NAME, VIBER_TOKEN, VIBER_URI,
};
use crate::channels::viber::{sign, SIGNATURE_HEADER};

const CHAT_HOSTNAME: &str = "SN-CHAT-DEMO_";
/// When `delivered` and `seen` follow an accepted message.
const DELIVERED_AFTER: Duration = Duration::from_millis(1_000);
const SEEN_AFTER: Duration = Duration::from_millis(1500);

/// `POST {base}/{method}` with the token in `X-Viber-Auth-Token`.
pub async fn api(
    request: HttpRequest,
    method: web::Path<String>,
    body: Bytes,
    sim: web::Data<Sim>,
) -> HttpResponse {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let token = request
        .headers()
        .get("x-viber-auth-token")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            body.get("auth_token")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let answer = match token.as_deref() {
        None => json!({"status": 2, "status_message": "missing_auth_token"}),
        Some(token) if token != VIBER_TOKEN => refusal(2),
        Some(_) => match method.as_str() {
            "get_account_info" => account_info(&sim),
            "set_webhook" => set_webhook(&sim, &body).await,
            "send_message" => send_message(sim.clone().into_inner(), &body),
            "get_user_details" => user_details(&sim, &body),
            "get_online" => online(&sim, &body),
            _ => return HttpResponse::NotFound().body("no such method"),
        },
    };
    HttpResponse::Ok().json(answer)
}

fn status_name(code: i64) -> &'static str {
    match code {
        0 => "ok",
        1 => "invalidUrl",
        2 => "invalidAuthToken",
        3 => "badData",
        4 => "missingData",
        5 => "receiverNotRegistered",
        6 => "receiverNotSubscribed",
        10 => "webhookNotSet",
        _ => "General error",
    }
}

fn refusal(code: i64) -> Value {
    json!({"status": code, "status_message": status_name(code), "chat_hostname": CHAT_HOSTNAME})
}

fn account_info(sim: &Sim) -> Value {
    let webhook = sim.read(|state| {
        state
            .webhooks
            .get(&Channel::Viber)
            .map(|hook| hook.url.clone())
    });
    let subscribers = sim.read(|state| {
        state
            .saved
            .customers
            .iter()
            .filter(|c| c.channel == Channel::Viber && c.subscribed)
            .count()
    });
    json!({
        "status": 0, "status_message": "ok", "chat_hostname": CHAT_HOSTNAME,
        "id": format!("pa:{VIBER_URI}"), "name": BOT_NAME, "uri": VIBER_URI,
        "icon": sim.media_url("bot-icon.png"), "background": null,
        "category": "Companies", "subcategory": "Retail",
        "location": {"lon": 2.1734, "lat": 41.3851}, "country": "ES",
        "webhook": webhook.unwrap_or_default(),
        "event_types": ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"],
        "subscribers_count": subscribers, "members": [],
    })
}

async fn set_webhook(sim: &Sim, body: &Value) -> Value {
    let Some(url) = body.get("url").and_then(Value::as_str) else {
        return refusal(4);
    };
    if url.is_empty() {
        sim.update(|state| state.webhooks.remove(&Channel::Viber));
        return json!({"status": 0, "status_message": "ok", "chat_hostname": CHAT_HOSTNAME});
    }
    // Viber calls the URL before accepting it; only a 200 will do.
    let token = sim.update(|state| state.take_viber_token());
    let check = callback(json!({
        "event": "webhook", "timestamp": Utc::now().timestamp_millis(),
        "chat_hostname": CHAT_HOSTNAME, "message_token": token,
    }));
    let outcome = sim
        .http
        .post(url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, sign(VIBER_TOKEN, &check))
        .timeout(Duration::from_secs(10))
        .body(check)
        .send()
        .await;
    match outcome {
        Ok(response) if response.status().as_u16() == 200 => {}
        Ok(response) => {
            return json!({"status": 1, "status_message": format!("Result[HttpResponse[{}]]: invalidUrl", response.status().as_u16()), "chat_hostname": CHAT_HOSTNAME});
        }
        Err(err) => {
            return json!({"status": 1, "status_message": format!("Result[{}]: invalidUrl", err.without_url()), "chat_hostname": CHAT_HOSTNAME});
        }
    }
    sim.update(|state| {
        state.webhooks.insert(
            Channel::Viber,
            Webhook {
                url: url.to_owned(),
                secret: None,
            },
        )
    });
    let event_types = body.get("event_types").cloned().unwrap_or_else(|| {
        json!([
            "delivered",
            "seen",
            "failed",
            "subscribed",
            "unsubscribed",
            "conversation_started"
        ])
    });
    json!({"status": 0, "status_message": "ok", "chat_hostname": CHAT_HOSTNAME, "event_types": event_types})
}

fn send_message(sim: std::sync::Arc<Sim>, body: &Value) -> Value {
    let field = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let Some(receiver) = field("receiver").filter(|r| !r.is_empty()) else {
        return refusal(4);
    };
    match body.pointer("/sender/name").and_then(Value::as_str) {
        None | Some("") => return refusal(4),
        Some(name) if name.chars().count() > 28 => return refusal(3),
        Some(_) => {}
    }
    let kind = field("type").unwrap_or_default();
    let (kind, text, photo) = match kind.as_str() {
        "text" => match field("text") {
            Some(text) if !text.is_empty() && text.encode_utf16().count() <= 7000 => {
                (MessageKind::Text, Some(text), None)
            }
            _ => return refusal(3),
        },
        "picture" => (
            MessageKind::Photo,
            field("text").filter(|t| !t.is_empty()),
            field("media"),
        ),
        "file" | "video" | "url" | "contact" | "location" | "sticker" => (
            MessageKind::Text,
            Some(format!(
                "[{kind}] {}",
                field("file_name")
                    .or_else(|| field("media"))
                    .unwrap_or_default()
            )),
            None,
        ),
        _ => return refusal(3),
    };
    let accepted = sim.update(|state| {
        if !state.webhooks.contains_key(&Channel::Viber) {
            return Err(10);
        }
        let Some(customer) = state.customer_by_external(Channel::Viber, &receiver) else {
            return Err(5);
        };
        if customer.blocked || !customer.subscribed {
            return Err(6);
        }
        let customer_id = customer.id;
        let token = state.take_viber_token();
        let mut entry = message(Direction::Out, kind, Status::Sent);
        entry.text = text;
        entry.photo = photo.map(|url| url.rsplit('/').next().unwrap_or_default().to_owned());
        entry.external_id = Some(token.to_string());
        let message_id = state.push_message(customer_id, entry).unwrap_or_default();
        Ok((customer_id, message_id, token))
    });
    match accepted {
        Err(code) => refusal(code),
        Ok((customer_id, message_id, token)) => {
            let receiver_id = receiver.clone();
            actix_web::rt::spawn(async move {
                receipts(&sim, customer_id, message_id, token, &receiver_id).await;
            });
            json!({"status": 0, "status_message": "ok", "message_token": token, "chat_hostname": CHAT_HOSTNAME, "billing_status": 1})
        }
    }
}

/// The customer's phone receives the message, then the customer reads it.
async fn receipts(sim: &Sim, customer_id: u64, message_id: u64, token: u64, user_id: &str) {
    for (wait, event, status) in [
        (DELIVERED_AFTER, "delivered", Status::Delivered),
        (SEEN_AFTER, "seen", Status::Seen),
    ] {
        tokio::time::sleep(wait).await;
        let body = callback(json!({
            "event": event, "timestamp": Utc::now().timestamp_millis(),
            "chat_hostname": CHAT_HOSTNAME, "message_token": token, "user_id": user_id,
        }));
        match deliver(sim, body).await {
            Ok(_) => sim.update(|state| {
                if let Some(entry) = state.message_mut(customer_id, message_id) {
                    entry.status = status;
                }
            }),
            Err(error) => {
                tracing::debug!(%error, event, "the simulated Viber could not deliver a receipt");
                return;
            }
        }
    }
}

fn user_details(sim: &Sim, body: &Value) -> Value {
    let id = body.get("id").and_then(Value::as_str).unwrap_or_default();
    let customer = sim.read(|state| {
        state
            .saved
            .customers
            .iter()
            .find(|c| c.channel == Channel::Viber && c.external_id == id)
            .cloned()
    });
    match customer {
        Some(customer) => json!({
            "status": 0, "status_message": "ok", "chat_hostname": CHAT_HOSTNAME,
            "user": user_json(&customer),
        }),
        None => refusal(5),
    }
}

fn online(sim: &Sim, body: &Value) -> Value {
    let ids: Vec<String> = body
        .get("ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let users: Vec<Value> = ids
        .iter()
        .take(100)
        .map(|id| {
            let known = sim.read(|state| {
                state
                    .saved
                    .customers
                    .iter()
                    .any(|c| c.channel == Channel::Viber && &c.external_id == id)
            });
            json!({"id": id, "online_status": if known { 1 } else { 4 }, "online_status_message": if known { "offline" } else { "unavailable" }})
        })
        .collect();
    json!({"status": 0, "status_message": "ok", "users": users})
}

fn callback(body: Value) -> Vec<u8> {
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Signs and POSTs a callback to the bot's webhook; returns the text of the
/// welcome message if the answer carries one (`conversation_started`).
pub async fn deliver(sim: &Sim, body: Vec<u8>) -> Result<Option<String>, String> {
    let Some(hook) = sim.read(|state| state.webhooks.get(&Channel::Viber).cloned()) else {
        return Err("the bot has no webhook: Viber delivers nothing".into());
    };
    let headers = [(SIGNATURE_HEADER, sign(VIBER_TOKEN, &body))];
    let answer = post_webhook(sim, &hook.url, &headers, body).await?;
    Ok(serde_json::from_slice::<Value>(&answer)
        .ok()
        .and_then(|value| value.get("text").and_then(Value::as_str).map(str::to_owned)))
}

fn user_json(customer: &Customer) -> Value {
    let country = match customer.language.as_str() {
        "es" => "ES",
        "ru" => "RU",
        _ => "GB",
    };
    json!({
        "id": customer.external_id,
        "name": customer.name(),
        "language": customer.language,
        "country": country,
        "api_version": 10,
    })
}

/// The callback a customer's action produces, byte for byte as Viber sends it.
pub fn message_callback(
    sim: &Sim,
    token: u64,
    customer: &Customer,
    at: DateTime<Utc>,
    content: &Content,
) -> Vec<u8> {
    let timestamp = at.timestamp_millis();
    let message = match content {
        Content::Start(context) => {
            let mut body = json!({
                "event": "conversation_started", "timestamp": timestamp,
                "chat_hostname": CHAT_HOSTNAME, "message_token": token, "type": "open",
                "user": user_json(customer), "subscribed": customer.subscribed,
            });
            if let Some(context) = context {
                body["context"] = json!(context);
            }
            return callback(body);
        }
        Content::Text(text) => json!({"type": "text", "text": text}),
        Content::Photo { seed, caption } => {
            let name = png::photo_name(*seed);
            let url = sim.media_url(&name);
            json!({
                "type": "picture", "text": caption.clone().unwrap_or_default(),
                "media": url, "thumbnail": url, "file_name": name,
                "file_size": png::photo(*seed).len(),
            })
        }
        Content::Location { lat, lon } => {
            json!({"type": "location", "location": {"lat": lat, "lon": lon}})
        }
    };
    callback(json!({
        "event": "message", "timestamp": timestamp, "chat_hostname": CHAT_HOSTNAME,
        "message_token": token, "sender": user_json(customer), "message": message,
        "silent": false,
    }))
}

/// `subscribed` or `unsubscribed`.
pub fn subscription_callback(
    token: u64,
    customer: &Customer,
    at: DateTime<Utc>,
    subscribed: bool,
) -> Vec<u8> {
    let timestamp = at.timestamp_millis();
    if subscribed {
        callback(json!({
            "event": "subscribed", "timestamp": timestamp, "chat_hostname": CHAT_HOSTNAME,
            "message_token": token, "user": user_json(customer),
        }))
    } else {
        callback(json!({
            "event": "unsubscribed", "timestamp": timestamp, "chat_hostname": CHAT_HOSTNAME,
            "message_token": token, "user_id": customer.external_id,
        }))
    }
}
