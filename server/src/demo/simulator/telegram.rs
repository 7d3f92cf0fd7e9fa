//! The simulated Telegram Bot API under `/telegram` (so the server's
//! `telegram_api_url` is `{simulator}/telegram`): `getMe`, `setWebhook`,
//! `deleteWebhook`, `getWebhookInfo`, `getUpdates`, `sendMessage`,
//! `sendPhoto`, `sendDocument`, `getFile` and file downloads, checked and
//! answered by the Bot API's rules in `protocol::telegram` (the test suite's
//! fake follows the same). Customers' updates go to the webhook with the
//! `secret_token` given in `setWebhook`, or wait for `getUpdates`.

use std::time::Duration;

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};
use shared::api::chats::Direction;
use shared::api::Channel;

use super::customers::{post_webhook, Content};
use super::png;
use super::protocol::telegram::{
    self as protocol, error, ok, route, Bot, Outgoing, Person, Route, SendKind, SECRET_HEADER,
};
use super::request::{read_params, Params};
use super::state::{
    message, upload_name, Customer, MessageKind, Sim, Status, Upload, Webhook, BOT_NAME,
    TELEGRAM_BOT_ID, TELEGRAM_TOKEN, TELEGRAM_USERNAME,
};

/// The longest `getUpdates` long poll held open.
const MAX_POLL: Duration = Duration::from_secs(25);
/// The demo's one bot.
const BOT: Bot = Bot {
    id: TELEGRAM_BOT_ID,
    first_name: BOT_NAME,
    username: TELEGRAM_USERNAME,
};

/// `{base}/bot{token}/{method}` and `{base}/file/bot{token}/{path}`.
pub async fn bot_api(request: HttpRequest, body: Bytes, sim: web::Data<Sim>) -> HttpResponse {
    let path = request.path().strip_prefix("/telegram").unwrap_or_default();
    let (token, method) = match route(path) {
        Route::File { token, path } => return download(&token, &path),
        Route::Method { token, method } => (token, method),
        Route::NotFound => return error(404, "Not Found"),
    };
    if token != TELEGRAM_TOKEN {
        return protocol::unauthorized();
    }
    let params = read_params(&request, body).await;
    match method.as_str() {
        "getMe" => ok(BOT.me(false)),
        "setWebhook" => {
            let asked = protocol::webhook_request(&params);
            sim.update(|state| {
                if asked.url.is_empty() {
                    state.webhooks.remove(&Channel::Telegram);
                } else {
                    let hook = Webhook {
                        url: asked.url,
                        secret: asked.secret,
                    };
                    state.webhooks.insert(Channel::Telegram, hook);
                }
            });
            ok(json!(true))
        }
        "deleteWebhook" => {
            sim.update(|state| state.webhooks.remove(&Channel::Telegram));
            ok(json!(true))
        }
        "getWebhookInfo" => sim.read(|state| {
            let hook = state.webhooks.get(&Channel::Telegram);
            ok(protocol::webhook_info(
                hook.map(|hook| hook.url.as_str()),
                state.pending_updates.len(),
                None,
                None,
            ))
        }),
        "getUpdates" => get_updates(&sim, &params).await,
        "getFile" => get_file(&params),
        "sendChatAction" => ok(json!(true)),
        // The simulated customer sees no reactions; the inbox shows them.
        "setMessageReaction" => protocol::set_message_reaction(&params),
        other => match SendKind::of(other) {
            Some(kind) => match protocol::outgoing(kind, &params) {
                Ok(outgoing) => send(&sim, &outgoing),
                Err(refused) => refused.response(),
            },
            None => protocol::unknown_method(),
        },
    }
}

async fn get_updates(sim: &Sim, params: &Params) -> HttpResponse {
    let poll = protocol::poll(params, MAX_POLL);
    let deadline = tokio::time::Instant::now() + poll.wait;
    let mut changes = sim.subscribe();
    loop {
        let answer = sim.update(|state| {
            if state.webhooks.contains_key(&Channel::Telegram) {
                return None;
            }
            Some(protocol::take_updates(&mut state.pending_updates, &poll))
        });
        match answer {
            None => return protocol::webhook_conflict(),
            Some(batch) if !batch.is_empty() || tokio::time::Instant::now() >= deadline => {
                return ok(Value::Array(batch))
            }
            Some(_) => {
                if tokio::time::timeout_at(deadline, changes.changed())
                    .await
                    .is_err()
                {
                    return ok(json!([]));
                }
            }
        }
    }
}

/// A message, photo or document from the bot reaches the customer's chat.
fn send(sim: &Sim, outgoing: &Outgoing) -> HttpResponse {
    let outcome = sim.update(|state| {
        let external = outgoing.chat_id.to_string();
        let (customer_id, blocked, chat) = {
            let customer = state.customer_by_external(Channel::Telegram, &external)?;
            (customer.id, customer.blocked, person(customer).chat())
        };
        if blocked {
            return Some(Err(()));
        }
        let message_id = state.take_telegram_message_id();
        let mut entry = match (outgoing.kind, outgoing.upload) {
            (SendKind::Photo, Some(upload)) => {
                let media_id = format!("tg-{message_id}");
                state.keep_upload(Upload {
                    media_id: media_id.clone(),
                    mime: upload
                        .content_type
                        .clone()
                        .unwrap_or_else(|| "image/jpeg".to_owned()),
                    bytes: upload.bytes.clone(),
                });
                let mut entry = message(Direction::Out, MessageKind::Photo, Status::Sent);
                entry.photo = Some(upload_name(&media_id));
                entry.text = outgoing.caption.clone();
                entry
            }
            (SendKind::Message, _) => {
                let mut entry = message(Direction::Out, MessageKind::Text, Status::Sent);
                entry.text = outgoing.text.clone();
                entry
            }
            (kind, upload) => {
                // A document (or a photo by file id): the phone shows its name.
                let name = upload
                    .and_then(|upload| upload.file_name.clone())
                    .unwrap_or_else(|| format!("{kind:?}").to_lowercase());
                let mut entry = message(Direction::Out, MessageKind::Text, Status::Sent);
                entry.text = Some(match &outgoing.caption {
                    Some(caption) => format!("📎 {name}\n{caption}"),
                    None => format!("📎 {name}"),
                });
                entry
            }
        };
        entry.external_id = Some(message_id.to_string());
        let date = entry.at.timestamp();
        state.push_message(customer_id, entry);
        Some(Ok(protocol::sent_message(
            outgoing, message_id, &BOT, chat, date,
        )))
    });
    match outcome {
        None => error(400, "Bad Request: chat not found"),
        Some(Err(())) => protocol::blocked(),
        Some(Ok(sent)) => ok(sent),
    }
}

fn get_file(params: &Params) -> HttpResponse {
    let file_id = params.str("file_id").unwrap_or_default();
    match png::parse_photo_name(&format!("{file_id}.png")) {
        Some(seed) => ok(protocol::file(
            &file_id,
            png::photo(seed).len(),
            &format!("photos/{}", png::photo_name(seed)),
        )),
        None => error(400, "Bad Request: invalid file_id"),
    }
}

/// `GET {base}/file/bot{token}/{file_path}`.
fn download(token: &str, path: &str) -> HttpResponse {
    if token != TELEGRAM_TOKEN {
        return protocol::unauthorized();
    }
    match path.strip_prefix("photos/").and_then(png::parse_photo_name) {
        Some(seed) => HttpResponse::Ok()
            .content_type("image/png")
            .body(png::photo(seed)),
        None => error(404, "Not Found: file not found"),
    }
}

/// Delivers an update: to the webhook if one is set, else queued for
/// `getUpdates`.
pub async fn deliver(sim: &Sim, update: Value) -> Result<(), String> {
    let hook = sim.read(|state| state.webhooks.get(&Channel::Telegram).cloned());
    let Some(hook) = hook else {
        let id = update.get("update_id").and_then(Value::as_i64).unwrap_or(0);
        sim.update(|state| state.pending_updates.push((id, update)));
        return Ok(());
    };
    let headers: Vec<(&str, String)> = hook
        .secret
        .iter()
        .map(|secret| (SECRET_HEADER, secret.clone()))
        .collect();
    let body = serde_json::to_vec(&update).map_err(|err| err.to_string())?;
    post_webhook(sim, &hook.url, &headers, body)
        .await
        .map(|_| ())
}

/// A customer as Telegram describes its users.
fn person(customer: &Customer) -> Person<'_> {
    Person {
        id: customer.external_id.parse().unwrap_or_default(),
        first_name: &customer.first_name,
        last_name: customer.last_name.as_deref(),
        username: customer.username.as_deref(),
        language: &customer.language,
    }
}

/// A private message `Update` from the customer, as Telegram sends it.
pub fn message_update(
    update_id: i64,
    message_id: i64,
    customer: &Customer,
    date: i64,
    content: &Content,
) -> Value {
    let content = match content {
        Content::Text(text) => json!({ "text": text }),
        Content::Start(payload) => json!({
            "text": match payload {
                Some(payload) => format!("/start {payload}"),
                None => "/start".to_owned(),
            },
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }),
        Content::Photo { seed, caption } => {
            let file_id = png::photo_name(*seed).trim_end_matches(".png").to_owned();
            let size = png::photo(*seed).len();
            let mut photo = json!({"photo": [
                {"file_id": file_id, "file_unique_id": format!("t{seed}"), "width": 96, "height": 72, "file_size": size},
                {"file_id": file_id, "file_unique_id": format!("u{seed}"), "width": 192, "height": 144, "file_size": size},
            ]});
            if let Some(caption) = caption {
                photo["caption"] = json!(caption);
            }
            photo
        }
        Content::Location { lat, lon } => {
            json!({"location": {"latitude": lat, "longitude": lon}})
        }
    };
    let message = protocol::private_message(message_id, &person(customer), date, content);
    json!({"update_id": update_id, "message": message})
}

/// The customer blocked (`kicked`) or unblocked (`member`) the bot.
pub fn member_update(update_id: i64, customer: &Customer, date: i64, blocked: bool) -> Value {
    protocol::member_update(update_id, &BOT, &person(customer), date, blocked)
}
