//! The fake's server side: one handler per Bot API method, over the Bot API's
//! rules in `tidings::demo::simulator::protocol::telegram`.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};
use tidings::demo::simulator::protocol::telegram::{
    self as protocol, error, ok, route, Bot, Route, SendKind,
};
use tidings::demo::simulator::request::{read_params, Params};
use tokio::time::Instant;

use super::request::DroppedBody;
use super::*;

pub(super) async fn dispatch(
    request: HttpRequest,
    body: Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let (token, method) = match route(request.uri().path()) {
        Route::File { token, path } => return download(&shared, token, path),
        Route::Method { token, method } => (token, method),
        Route::NotFound => return error(404, "Not Found"),
    };
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
            return error(504, "Gateway Timeout");
        }
        Some(failure) => return fail(failure),
        None => {}
    }

    let bot = shared.lock().bots.get(&token).cloned();
    let Some(bot) = bot else {
        return protocol::unauthorized();
    };
    let described = Bot {
        id: bot.id,
        first_name: &bot.first_name,
        username: &bot.username,
    };
    match method.as_str() {
        "getMe" => ok(described.me(true)),
        "setWebhook" => set_webhook(&shared, &token, &params),
        "deleteWebhook" => {
            shared.lock().webhooks.remove(&token);
            shared.bump();
            ok(json!(true))
        }
        "getWebhookInfo" => webhook_info(&shared, &token),
        "getUpdates" => get_updates(&shared, &token, &params).await,
        "getFile" => get_file(&shared, &params),
        // The call itself is what tests read ([`FakeTelegram::bot_reactions`]).
        "setMessageReaction" => protocol::set_message_reaction(&params),
        other => match SendKind::of(other) {
            Some(kind) => send(&shared, &token, &described, kind, &method, &params),
            None => protocol::unknown_method(),
        },
    }
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
        Failure::RetryAfter(seconds) => protocol::retry_after(seconds),
        Failure::ServerError => error(500, "Internal Server Error"),
        Failure::Blocked => protocol::blocked(),
        Failure::BadRequest(description) if description.starts_with("Bad Request") => {
            error(400, &description)
        }
        Failure::BadRequest(description) => error(400, &format!("Bad Request: {description}")),
        Failure::Unauthorized => protocol::unauthorized(),
        Failure::Drop => HttpResponse::Ok()
            .content_type("application/json")
            .body(DroppedBody),
        Failure::Delay(_) | Failure::Stall(_) => error(500, "Internal Server Error"),
    }
}

fn set_webhook(shared: &Shared, token: &str, params: &Params) -> HttpResponse {
    let request = protocol::webhook_request(params);
    {
        let mut state = shared.lock();
        if request.url.is_empty() {
            state.webhooks.remove(token);
        } else {
            state.webhooks.insert(
                token.to_owned(),
                Webhook {
                    url: request.url,
                    secret: request.secret,
                    allowed_updates: request.allowed_updates,
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
    ok(protocol::webhook_info(
        hook.map(|hook| hook.url.as_str()),
        state.updates.get(token).map_or(0, Vec::len),
        hook.and_then(|hook| hook.allowed_updates.as_deref()),
        state.webhook_errors.get(token),
    ))
}

async fn get_updates(shared: &Shared, token: &str, params: &Params) -> HttpResponse {
    let poll = protocol::poll(params, MAX_POLL);
    let deadline = Instant::now() + poll.wait;
    let mut changes = shared.changed.subscribe();
    loop {
        {
            let mut state = shared.lock();
            if state.webhooks.contains_key(token) {
                return protocol::webhook_conflict();
            }
            let queue = state.updates.entry(token.to_owned()).or_default();
            let batch = protocol::take_updates(queue, &poll);
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

fn send(
    shared: &Shared,
    token: &str,
    bot: &Bot,
    kind: SendKind,
    method: &str,
    params: &Params,
) -> HttpResponse {
    let outgoing = match protocol::outgoing(kind, params) {
        Ok(outgoing) => outgoing,
        Err(refused) => return refused.response(),
    };
    let mut state = shared.lock();
    let at = Instant::now();
    if !state.admit_send(token, outgoing.chat_id, at) {
        drop(state);
        return fail(Failure::RetryAfter(1));
    }
    state.last_message_id += 1;
    let message_id = state.last_message_id;
    let chat = json!({"id": outgoing.chat_id, "type": "private", "first_name": "Customer"});
    let message = protocol::sent_message(&outgoing, message_id, bot, chat, now());
    let upload = outgoing.upload;
    state.sent.push(SentMessage {
        token: token.to_owned(),
        method: method.to_owned(),
        chat_id: outgoing.chat_id,
        message_id,
        text: outgoing.text,
        caption: outgoing.caption,
        file_name: upload.and_then(|upload| upload.file_name.clone()),
        file: upload.map(|upload| upload.bytes.clone()),
        params: Value::Object(params.fields.clone()),
        business_connection_id: outgoing.business_connection_id,
        at,
    });
    drop(state);
    shared.bump();
    ok(message)
}

fn get_file(shared: &Shared, params: &Params) -> HttpResponse {
    let Some(file_id) = params.str("file_id") else {
        return error(400, "Bad Request: file_id not specified");
    };
    let state = shared.lock();
    match state.files.get(&file_id) {
        Some(file) => ok(protocol::file(&file_id, file.bytes.len(), &file.path)),
        None => error(400, "Bad Request: invalid file_id"),
    }
}

/// `GET /file/bot{token}/{file_path}`.
fn download(shared: &Shared, token: String, file_path: String) -> HttpResponse {
    let mut state = shared.lock();
    state.calls.push(Call {
        token: token.clone(),
        method: "downloadFile".to_owned(),
        params: json!({ "file_path": file_path }),
        at: Instant::now(),
    });
    if !state.bots.contains_key(&token) {
        return protocol::unauthorized();
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
        None => error(404, "Not Found: file not found"),
    }
}
