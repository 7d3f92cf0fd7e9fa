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
use super::protocol::viber::{self as protocol, refusal, Account, User};
use super::state::{
    message, Customer, MessageKind, Sim, Status, Webhook, BOT_NAME, VIBER_TOKEN, VIBER_URI,
};
use crate::channels::viber::{sign, SIGNATURE_HEADER};

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
    let header = request
        .headers()
        .get("x-viber-auth-token")
        .and_then(|value| value.to_str().ok());
    let answer = match protocol::auth_token(header, &body) {
        None => protocol::missing_auth_token(),
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
    protocol::account_info(&Account {
        name: BOT_NAME,
        uri: VIBER_URI,
        icon: &sim.media_url("bot-icon.png"),
        location: (2.1734, 41.3851),
        country: "ES",
        webhook: &webhook.unwrap_or_default(),
        subscribers,
    })
}

async fn set_webhook(sim: &Sim, body: &Value) -> Value {
    let url = match protocol::webhook_url(body) {
        Ok(url) => url,
        Err(refused) => return refused,
    };
    if url.is_empty() {
        sim.update(|state| state.webhooks.remove(&Channel::Viber));
        return protocol::webhook_answer(body, &Ok(200));
    }
    let token = sim.update(|state| state.take_viber_token());
    let outcome = protocol::check_webhook(
        &sim.http,
        url,
        VIBER_TOKEN,
        token,
        Utc::now().timestamp_millis(),
    )
    .await;
    if outcome == Ok(200) {
        sim.update(|state| {
            state.webhooks.insert(
                Channel::Viber,
                Webhook {
                    url: url.to_owned(),
                    secret: None,
                },
            )
        });
    }
    protocol::webhook_answer(body, &outcome)
}

fn send_message(sim: std::sync::Arc<Sim>, body: &Value) -> Value {
    let outgoing = match protocol::outgoing(body) {
        Ok(outgoing) => outgoing,
        Err(code) => return refusal(code),
    };
    let (kind, text, photo) = match outgoing.kind.as_str() {
        "text" => (MessageKind::Text, outgoing.text, None),
        "picture" => (
            MessageKind::Photo,
            outgoing.text.filter(|t| !t.is_empty()),
            outgoing.media,
        ),
        other => (
            MessageKind::Text,
            Some(format!(
                "[{other}] {}",
                outgoing.file_name.or(outgoing.media).unwrap_or_default()
            )),
            None,
        ),
    };
    let receiver = outgoing.receiver;
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
            actix_web::rt::spawn(async move {
                receipts(&sim, customer_id, message_id, token, &receiver).await;
            });
            protocol::sent(token)
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
        let body = protocol::receipt(event, token, user_id, None, Utc::now().timestamp_millis());
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
            "status": 0, "status_message": "ok", "chat_hostname": protocol::CHAT_HOSTNAME,
            "user": with_user(&customer, |user| user.json()),
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

/// A customer as Viber describes its users.
fn with_user<T>(customer: &Customer, describe: impl FnOnce(&User) -> T) -> T {
    let country = match customer.language.as_str() {
        "es" => "ES",
        "ru" => "RU",
        _ => "GB",
    };
    let name = customer.name();
    describe(&User {
        id: &customer.external_id,
        name: &name,
        avatar: None,
        language: &customer.language,
        country,
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
            return with_user(customer, |user| {
                protocol::conversation_started(
                    token,
                    user,
                    customer.subscribed,
                    context.as_deref(),
                    timestamp,
                )
            });
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
    with_user(customer, |user| {
        protocol::message(token, user, message, timestamp)
    })
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
        with_user(customer, |user| {
            protocol::subscribed(token, user, timestamp)
        })
    } else {
        protocol::unsubscribed(token, &customer.external_id, timestamp)
    }
}
