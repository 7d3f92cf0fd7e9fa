//! The simulated Telegram Bot API under `/telegram` (so the server's
//! `telegram_api_url` is `{simulator}/telegram`): `getMe`, `setWebhook`,
//! `deleteWebhook`, `getWebhookInfo`, `getUpdates`, `sendMessage`, `getFile`
//! and file downloads, with method names matched ignoring case (teloxide sends
//! `SendMessage`). Customers' updates go to the webhook with the
//! `secret_token` given in `setWebhook`, or wait for `getUpdates`.

use std::time::Duration;

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};
use shared::api::chats::Direction;
use shared::api::Channel;

use super::customers::{post_webhook, Content};
use super::png;
use super::request::{percent_decode, read_params, Params};
use super::state::{
    message, Customer, MessageKind, Sim, Status, Webhook, BOT_NAME, TELEGRAM_BOT_ID,
    TELEGRAM_TOKEN, TELEGRAM_USERNAME,
};

const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";
/// The longest `getUpdates` long poll held open.
const MAX_POLL: Duration = Duration::from_secs(25);

/// `{base}/bot{token}/{method}` and `{base}/file/bot{token}/{path}`.
pub async fn bot_api(request: HttpRequest, body: Bytes, sim: web::Data<Sim>) -> HttpResponse {
    let path = request.path().to_owned();
    let rest = path.strip_prefix("/telegram/").unwrap_or_default();
    if let Some(file) = rest.strip_prefix("file/bot") {
        return download(file);
    }
    let Some((token, method)) = rest
        .strip_prefix("bot")
        .and_then(|rest| rest.split_once('/'))
    else {
        return error(404, "Not Found");
    };
    if percent_decode(token) != TELEGRAM_TOKEN {
        return error(401, "Unauthorized");
    }
    let params = read_params(&request, body).await;
    match method.to_ascii_lowercase().as_str() {
        "getme" => ok(json!({
            "id": TELEGRAM_BOT_ID, "is_bot": true, "first_name": BOT_NAME,
            "username": TELEGRAM_USERNAME, "can_join_groups": false,
            "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false,
        })),
        "setwebhook" => {
            let url = params.str("url").unwrap_or_default();
            sim.update(|state| {
                if url.is_empty() {
                    state.webhooks.remove(&Channel::Telegram);
                } else {
                    let secret = params.str("secret_token");
                    state
                        .webhooks
                        .insert(Channel::Telegram, Webhook { url, secret });
                }
            });
            ok(json!(true))
        }
        "deletewebhook" => {
            sim.update(|state| state.webhooks.remove(&Channel::Telegram));
            ok(json!(true))
        }
        "getwebhookinfo" => sim.read(|state| {
            ok(json!({
                "url": state.webhooks.get(&Channel::Telegram).map(|hook| hook.url.clone()).unwrap_or_default(),
                "has_custom_certificate": false,
                "pending_update_count": state.pending_updates.len(),
                "max_connections": 40,
                "allowed_updates": ["message", "edited_message", "my_chat_member", "message_reaction"],
            }))
        }),
        "getupdates" => get_updates(&sim, &params).await,
        "sendmessage" => send_message(&sim, &params),
        "getfile" => get_file(&params),
        "sendchataction" => ok(json!(true)),
        // The simulated customer sees no reactions; the inbox shows them.
        "setmessagereaction" => ok(json!(true)),
        _ => error(404, "Not Found: method not found"),
    }
}

fn ok(result: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true, "result": result}))
}

fn error(code: u16, description: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(code)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(status)
        .json(json!({"ok": false, "error_code": code, "description": description}))
}

async fn get_updates(sim: &Sim, params: &Params) -> HttpResponse {
    let offset = params.i64("offset");
    let wait =
        Duration::from_secs(params.i64("timeout").unwrap_or(0).clamp(0, 60) as u64).min(MAX_POLL);
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = sim.subscribe();
    loop {
        let answer = sim.update(|state| {
            if state.webhooks.contains_key(&Channel::Telegram) {
                return Some(Err(()));
            }
            if let Some(offset) = offset {
                // An offset confirms every earlier update.
                state.pending_updates.retain(|(id, _)| *id >= offset);
            }
            let batch: Vec<Value> = state
                .pending_updates
                .iter()
                .take(100)
                .map(|(_, update)| update.clone())
                .collect();
            (!batch.is_empty()).then_some(Ok(batch))
        });
        match answer {
            Some(Err(())) => {
                return error(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                )
            }
            Some(Ok(batch)) => return ok(Value::Array(batch)),
            None if tokio::time::Instant::now() >= deadline => return ok(json!([])),
            None => {
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

fn send_message(sim: &Sim, params: &Params) -> HttpResponse {
    let Some(chat_id) = params.i64("chat_id") else {
        return error(400, "Bad Request: chat_id is empty");
    };
    let text = params.str("text").unwrap_or_default();
    if text.trim().is_empty() {
        return error(400, "Bad Request: message text is empty");
    }
    if text.encode_utf16().count() > 4096 {
        return error(400, "Bad Request: message is too long");
    }
    let outcome = sim.update(|state| {
        let external = chat_id.to_string();
        let (customer_id, blocked, chat) = {
            let customer = state.customer_by_external(Channel::Telegram, &external)?;
            (customer.id, customer.blocked, chat_json(customer))
        };
        if blocked {
            return Some(Err(()));
        }
        let message_id = state.take_telegram_message_id();
        let mut entry = message(Direction::Out, MessageKind::Text, Status::Sent);
        entry.text = Some(text.clone());
        entry.external_id = Some(message_id.to_string());
        let date = entry.at.timestamp();
        state.push_message(customer_id, entry);
        Some(Ok(json!({
            "message_id": message_id,
            "from": {"id": TELEGRAM_BOT_ID, "is_bot": true, "first_name": BOT_NAME, "username": TELEGRAM_USERNAME},
            "chat": chat,
            "date": date,
            "text": text,
        })))
    });
    match outcome {
        None => error(400, "Bad Request: chat not found"),
        Some(Err(())) => error(403, "Forbidden: bot was blocked by the user"),
        Some(Ok(sent)) => ok(sent),
    }
}

fn get_file(params: &Params) -> HttpResponse {
    let file_id = params.str("file_id").unwrap_or_default();
    match png::parse_photo_name(&format!("{file_id}.png")) {
        Some(seed) => ok(json!({
            "file_id": file_id,
            "file_unique_id": format!("u{seed}"),
            "file_size": png::photo(seed).len(),
            "file_path": format!("photos/{}", png::photo_name(seed)),
        })),
        None => error(400, "Bad Request: invalid file_id"),
    }
}

/// `GET {base}/file/bot{token}/{file_path}` (teloxide encodes the `/`).
fn download(rest: &str) -> HttpResponse {
    let Some((token, path)) = rest.split_once('/') else {
        return error(404, "Not Found");
    };
    if percent_decode(token) != TELEGRAM_TOKEN {
        return error(401, "Unauthorized");
    }
    let path = percent_decode(path);
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

fn user_json(customer: &Customer) -> Value {
    let mut user = json!({
        "id": customer_id(customer),
        "is_bot": false,
        "first_name": customer.first_name,
        "language_code": customer.language,
    });
    if let Some(last) = &customer.last_name {
        user["last_name"] = json!(last);
    }
    if let Some(username) = &customer.username {
        user["username"] = json!(username);
    }
    user
}

fn chat_json(customer: &Customer) -> Value {
    let mut chat = json!({
        "id": customer_id(customer),
        "type": "private",
        "first_name": customer.first_name,
    });
    if let Some(last) = &customer.last_name {
        chat["last_name"] = json!(last);
    }
    if let Some(username) = &customer.username {
        chat["username"] = json!(username);
    }
    chat
}

fn customer_id(customer: &Customer) -> i64 {
    customer.external_id.parse().unwrap_or_default()
}

/// A private message `Update` from the customer, as Telegram sends it.
pub fn message_update(
    update_id: i64,
    message_id: i64,
    customer: &Customer,
    date: i64,
    content: &Content,
) -> Value {
    let mut message = json!({
        "message_id": message_id,
        "from": user_json(customer),
        "chat": chat_json(customer),
        "date": date,
    });
    match content {
        Content::Text(text) => message["text"] = json!(text),
        Content::Start(payload) => {
            message["text"] = json!(match payload {
                Some(payload) => format!("/start {payload}"),
                None => "/start".to_owned(),
            });
            message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": 6}]);
        }
        Content::Photo { seed, caption } => {
            let file_id = png::photo_name(*seed).trim_end_matches(".png").to_owned();
            let size = png::photo(*seed).len();
            message["photo"] = json!([
                {"file_id": file_id, "file_unique_id": format!("t{seed}"), "width": 96, "height": 72, "file_size": size},
                {"file_id": file_id, "file_unique_id": format!("u{seed}"), "width": 192, "height": 144, "file_size": size},
            ]);
            if let Some(caption) = caption {
                message["caption"] = json!(caption);
            }
        }
        Content::Location { lat, lon } => {
            message["location"] = json!({"latitude": lat, "longitude": lon});
        }
    }
    json!({"update_id": update_id, "message": message})
}

/// The customer blocked (`kicked`) or unblocked (`member`) the bot.
pub fn member_update(update_id: i64, customer: &Customer, date: i64, blocked: bool) -> Value {
    let bot = json!({"id": TELEGRAM_BOT_ID, "is_bot": true, "first_name": BOT_NAME, "username": TELEGRAM_USERNAME});
    let member = |status: &str| {
        let mut member = json!({"status": status, "user": bot.clone()});
        if status == "kicked" {
            member["until_date"] = json!(0);
        }
        member
    };
    let (old, new) = if blocked {
        ("member", "kicked")
    } else {
        ("kicked", "member")
    };
    json!({
        "update_id": update_id,
        "my_chat_member": {
            "chat": chat_json(customer),
            "from": user_json(customer),
            "date": date,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        },
    })
}
