//! The fake's server side: one handler per Bot API method.

use std::time::Duration;

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};
use tidings::demo::simulator::request::{percent_decode, read_params, Params};
use tokio::time::Instant;

use super::request::DroppedBody;
use super::*;

pub(super) async fn dispatch(
    request: HttpRequest,
    body: Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let path = request.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return download(&shared, rest);
    }
    let Some((token, method)) = path
        .strip_prefix("/bot")
        .and_then(|rest| rest.split_once('/'))
    else {
        return error(404, "Not Found", None);
    };
    let token = percent_decode(token);
    let method = canonical(method);
    let params = read_params(&request, body).await;

    let failure = {
        let mut state = shared.lock();
        state.calls.push(Call {
            token: token.clone(),
            method: method.clone(),
            params: Value::Object(params.fields.clone()),
            at: Instant::now(),
        });
        take_failure(&mut state, &method)
    };
    shared.bump();
    match failure {
        Some(Failure::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Failure::Stall(delay)) => {
            tokio::time::sleep(delay).await;
            return error(504, "Gateway Timeout", None);
        }
        Some(failure) => return fail(failure),
        None => {}
    }

    let bot = shared.lock().bots.get(&token).cloned();
    let Some(bot) = bot else {
        return error(401, "Unauthorized", None);
    };
    match method.as_str() {
        "getMe" => ok(json!({
            "id": bot.id, "is_bot": true, "first_name": bot.first_name, "username": bot.username,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false,
        })),
        "setWebhook" => set_webhook(&shared, &token, &params),
        "deleteWebhook" => {
            shared.lock().webhooks.remove(&token);
            shared.bump();
            ok(json!(true))
        }
        "getWebhookInfo" => webhook_info(&shared, &token),
        "getUpdates" => get_updates(&shared, &token, &params).await,
        "sendMessage" | "sendPhoto" | "sendDocument" => {
            send(&shared, &token, &bot, &method, params)
        }
        "getFile" => get_file(&shared, &params),
        "setMessageReaction" => set_message_reaction(&params),
        _ => error(404, "Not Found: method not found", None),
    }
}

/// Accepts one emoji reaction (or none) as Telegram does for bots; the call
/// itself is what tests read ([`FakeTelegram::bot_reactions`]).
fn set_message_reaction(params: &Params) -> HttpResponse {
    let reaction = params.json("reaction").unwrap_or(Value::Array(Vec::new()));
    match reaction.as_array().map(Vec::len) {
        Some(0 | 1) => ok(json!(true)),
        _ => error(400, "Bad Request: REACTIONS_TOO_MANY", None),
    }
}

pub(super) fn canonical(method: &str) -> String {
    METHODS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(method))
        .map_or_else(|| method.to_owned(), |known| (*known).to_owned())
}

fn take_failure(state: &mut State, method: &str) -> Option<Failure> {
    let index = state
        .failures
        .iter()
        .position(|rule| rule.method.eq_ignore_ascii_case(method))?;
    let rule = &mut state.failures[index];
    if rule.skip > 0 {
        rule.skip -= 1;
        return None;
    }
    let failure = rule.failure.clone();
    rule.times -= 1;
    if rule.times == 0 {
        state.failures.remove(index);
    }
    Some(failure)
}

fn fail(failure: Failure) -> HttpResponse {
    match failure {
        Failure::RetryAfter(seconds) => error(
            429,
            &format!("Too Many Requests: retry after {seconds}"),
            Some(json!({"retry_after": seconds})),
        ),
        Failure::ServerError => error(500, "Internal Server Error", None),
        Failure::Blocked => error(403, "Forbidden: bot was blocked by the user", None),
        Failure::BadRequest(description) if description.starts_with("Bad Request") => {
            error(400, &description, None)
        }
        Failure::BadRequest(description) => {
            error(400, &format!("Bad Request: {description}"), None)
        }
        Failure::Unauthorized => error(401, "Unauthorized", None),
        Failure::Drop => HttpResponse::Ok()
            .content_type("application/json")
            .body(DroppedBody),
        Failure::Delay(_) | Failure::Stall(_) => error(500, "Internal Server Error", None),
    }
}

fn ok(result: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true, "result": result}))
}

fn error(code: u16, description: &str, parameters: Option<Value>) -> HttpResponse {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(parameters) = parameters {
        body["parameters"] = parameters;
    }
    let status = actix_web::http::StatusCode::from_u16(code)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).json(body)
}

fn set_webhook(shared: &Shared, token: &str, params: &Params) -> HttpResponse {
    let url = params.str("url").unwrap_or_default();
    {
        let mut state = shared.lock();
        if url.is_empty() {
            state.webhooks.remove(token);
        } else {
            let allowed_updates = params.json("allowed_updates").and_then(|value| {
                value.as_array().map(|kinds| {
                    kinds
                        .iter()
                        .filter_map(|kind| kind.as_str().map(str::to_owned))
                        .collect()
                })
            });
            state.webhooks.insert(
                token.to_owned(),
                Webhook {
                    url,
                    secret: params.str("secret_token"),
                    allowed_updates,
                },
            );
        }
    }
    shared.bump();
    ok(json!(true))
}

fn webhook_info(shared: &Shared, token: &str) -> HttpResponse {
    let state = shared.lock();
    let hook = state.webhooks.get(token);
    let mut info = json!({
        "url": hook.map(|hook| hook.url.clone()).unwrap_or_default(),
        "has_custom_certificate": false,
        "pending_update_count": state.updates.get(token).map_or(0, Vec::len),
        "max_connections": 40,
    });
    if let Some(kinds) = hook.and_then(|hook| hook.allowed_updates.clone()) {
        info["allowed_updates"] = json!(kinds);
    }
    if let Some((date, message)) = state.webhook_errors.get(token) {
        info["last_error_date"] = json!(date);
        info["last_error_message"] = json!(message);
    }
    ok(info)
}

async fn get_updates(shared: &Shared, token: &str, params: &Params) -> HttpResponse {
    let offset = params.i64("offset");
    let limit = params.i64("limit").unwrap_or(100).clamp(1, 100) as usize;
    let wait = Duration::from_secs(params.i64("timeout").unwrap_or(0).max(0) as u64).min(MAX_POLL);
    let deadline = Instant::now() + wait;
    let mut changes = shared.changed.subscribe();
    loop {
        {
            let mut state = shared.lock();
            if state.webhooks.contains_key(token) {
                return error(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                    None,
                );
            }
            let queue = state.updates.entry(token.to_owned()).or_default();
            if let Some(offset) = offset {
                // An offset confirms every earlier update.
                queue.retain(|(id, _)| *id >= offset);
            }
            let batch: Vec<Value> = queue
                .iter()
                .take(limit)
                .map(|(_, update)| update.clone())
                .collect();
            if !batch.is_empty() || Instant::now() >= deadline {
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, changes.changed())
            .await
            .is_err()
        {
            continue; // Deadline reached: answer with what there is.
        }
    }
}

fn send(shared: &Shared, token: &str, bot: &FakeBot, method: &str, params: Params) -> HttpResponse {
    let Some(chat_id) = params.i64("chat_id") else {
        return error(400, "Bad Request: chat_id is empty", None);
    };
    let text = params.str("text");
    let caption = params.str("caption");
    if method == "sendMessage" {
        let text = text.as_deref().unwrap_or_default();
        if text.trim().is_empty() {
            return error(400, "Bad Request: message text is empty", None);
        }
        if text.encode_utf16().count() > 4096 {
            return error(400, "Bad Request: message is too long", None);
        }
    }
    if caption
        .as_deref()
        .is_some_and(|caption| caption.encode_utf16().count() > 1024)
    {
        return error(400, "Bad Request: message caption is too long", None);
    }
    let field = if method == "sendPhoto" {
        "photo"
    } else {
        "document"
    };
    // The file is a part named after the parameter, or a part the parameter
    // names as `attach://<part>` (teloxide does the latter).
    let part = params
        .str(field)
        .and_then(|value| value.strip_prefix("attach://").map(str::to_owned))
        .unwrap_or_else(|| field.to_owned());
    let upload = params.files.iter().find(|upload| upload.field == part);
    if method != "sendMessage" && upload.is_none() && params.str(field).is_none() {
        return error(
            400,
            &format!("Bad Request: there is no {field} in the request"),
            None,
        );
    }

    let mut state = shared.lock();
    let at = Instant::now();
    if !state.admit_send(token, chat_id, at) {
        drop(state);
        return fail(Failure::RetryAfter(1));
    }
    state.last_message_id += 1;
    let message_id = state.last_message_id;
    let mut message = json!({
        "message_id": message_id,
        "from": {"id": bot.id, "is_bot": true, "first_name": bot.first_name, "username": bot.username},
        "chat": {"id": chat_id, "type": "private", "first_name": "Customer"},
        "date": now(),
    });
    match method {
        "sendPhoto" => {
            let size = upload.map_or(0, |upload| upload.bytes.len());
            message["photo"] = json!([{
                "file_id": format!("photo-{message_id}"), "file_unique_id": format!("uphoto-{message_id}"),
                "width": 800, "height": 600, "file_size": size,
            }]);
        }
        "sendDocument" => {
            let size = upload.map_or(0, |upload| upload.bytes.len());
            let name = upload.and_then(|upload| upload.file_name.clone());
            message["document"] = json!({
                "file_id": format!("document-{message_id}"), "file_unique_id": format!("udocument-{message_id}"),
                "file_name": name, "file_size": size,
            });
        }
        _ => message["text"] = json!(text),
    }
    if let Some(caption) = &caption {
        message["caption"] = json!(caption);
    }
    if let Some(connection) = params.str("business_connection_id") {
        // Sent on behalf of the account owner: Telegram names the bot too.
        message["business_connection_id"] = json!(connection);
        message["sender_business_bot"] = json!({
            "id": bot.id, "is_bot": true, "first_name": bot.first_name, "username": bot.username,
        });
    }
    state.sent.push(SentMessage {
        token: token.to_owned(),
        method: method.to_owned(),
        chat_id,
        message_id,
        text,
        caption,
        file_name: upload.and_then(|upload| upload.file_name.clone()),
        file: upload.map(|upload| upload.bytes.clone()),
        params: Value::Object(params.fields.clone()),
        business_connection_id: params.str("business_connection_id"),
        at,
    });
    drop(state);
    shared.bump();
    ok(message)
}

fn get_file(shared: &Shared, params: &Params) -> HttpResponse {
    let Some(file_id) = params.str("file_id") else {
        return error(400, "Bad Request: file_id not specified", None);
    };
    let state = shared.lock();
    match state.files.get(&file_id) {
        Some(file) => ok(json!({
            "file_id": file_id,
            "file_unique_id": format!("u-{file_id}"),
            "file_size": file.bytes.len(),
            "file_path": file.path,
        })),
        None => error(400, "Bad Request: invalid file_id", None),
    }
}

/// `GET /file/bot{token}/{file_path}`; the path may arrive percent-encoded
/// (teloxide sends `documents%2Ffile_1.bin`).
fn download(shared: &Shared, rest: &str) -> HttpResponse {
    let Some((token, file_path)) = rest.split_once('/') else {
        return error(404, "Not Found", None);
    };
    let token = percent_decode(token);
    let file_path = percent_decode(file_path);
    let mut state = shared.lock();
    state.calls.push(Call {
        token: token.clone(),
        method: "downloadFile".to_owned(),
        params: json!({ "file_path": file_path }),
        at: Instant::now(),
    });
    if !state.bots.contains_key(&token) {
        return error(401, "Unauthorized", None);
    }
    match state.files.values().find(|file| file.path == file_path) {
        Some(StoredFile {
            redirect_to: Some(location),
            ..
        }) => HttpResponse::Found()
            .insert_header(("Location", location.as_str()))
            .finish(),
        Some(file) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(file.bytes.clone()),
        None => error(404, "Not Found: file not found", None),
    }
}
