//! The Telegram Bot API's side of the conversation: `{base}/bot{token}/{method}`
//! with method names matched ignoring case (teloxide sends `SendMessage`),
//! parameters as query, JSON, URL-encoded or multipart form, and every answer
//! `{"ok": true, "result": …}` or `{"ok": false, "error_code", "description"}`
//! with the same HTTP status.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::super::request::{percent_decode, Params, Upload};

/// The header Telegram sends the webhook's `secret_token` in.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";
/// The longest text of a message, in UTF-16 code units.
const TEXT_MAX: usize = 4096;
/// The longest caption of a photo or document, in UTF-16 code units.
const CAPTION_MAX: usize = 1024;

/// Method names as Telegram documents them; requests match them ignoring case.
pub const METHODS: &[&str] = &[
    "getMe",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "getUpdates",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendChatAction",
    "getFile",
    "setMessageReaction",
];

/// The documented name of a method (`sendMessage`), or the name as sent.
pub fn canonical(method: &str) -> String {
    METHODS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(method))
        .map_or_else(|| method.to_owned(), |known| (*known).to_owned())
}

/// Where a request under the API base goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// `/bot{token}/{method}`, the token decoded and the method canonical.
    Method {
        token: String,
        method: String,
    },
    /// `/file/bot{token}/{path}`; teloxide percent-encodes the path's `/`.
    File {
        token: String,
        path: String,
    },
    NotFound,
}

/// Routes a path relative to the API base (it starts with `/`).
pub fn route(path: &str) -> Route {
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return match rest.split_once('/') {
            Some((token, path)) => Route::File {
                token: percent_decode(token),
                path: percent_decode(path),
            },
            None => Route::NotFound,
        };
    }
    match path
        .strip_prefix("/bot")
        .and_then(|rest| rest.split_once('/'))
    {
        Some((token, method)) => Route::Method {
            token: percent_decode(token),
            method: canonical(method),
        },
        None => Route::NotFound,
    }
}

pub fn ok(result: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true, "result": result}))
}

/// An error answer; `parameters` carries `retry_after` and the like.
pub fn error_with(code: u16, description: &str, parameters: Option<Value>) -> HttpResponse {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(parameters) = parameters {
        body["parameters"] = parameters;
    }
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).json(body)
}

pub fn error(code: u16, description: &str) -> HttpResponse {
    error_with(code, description, None)
}

/// A call Telegram refuses: its `error_code` and `description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: u16,
    pub description: String,
}

impl Refusal {
    fn bad_request(description: impl Into<String>) -> Refusal {
        Refusal {
            code: 400,
            description: description.into(),
        }
    }

    pub fn response(&self) -> HttpResponse {
        error(self.code, &self.description)
    }
}

pub fn unauthorized() -> HttpResponse {
    error(401, "Unauthorized")
}

pub fn unknown_method() -> HttpResponse {
    error(404, "Not Found: method not found")
}

/// Flood control: 429 with how long to wait.
pub fn retry_after(seconds: u32) -> HttpResponse {
    error_with(
        429,
        &format!("Too Many Requests: retry after {seconds}"),
        Some(json!({ "retry_after": seconds })),
    )
}

pub fn blocked() -> HttpResponse {
    error(403, "Forbidden: bot was blocked by the user")
}

/// `getUpdates` while a webhook is set.
pub fn webhook_conflict() -> HttpResponse {
    error(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
}

/// A bot as Telegram describes it.
pub struct Bot<'a> {
    pub id: i64,
    pub first_name: &'a str,
    pub username: &'a str,
}

impl Bot<'_> {
    /// The bot as a `User` (a message's `from`).
    pub fn user(&self) -> Value {
        json!({"id": self.id, "is_bot": true, "first_name": self.first_name, "username": self.username})
    }

    /// What `getMe` answers.
    pub fn me(&self, can_join_groups: bool) -> Value {
        json!({
            "id": self.id, "is_bot": true, "first_name": self.first_name,
            "username": self.username, "can_join_groups": can_join_groups,
            "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false,
        })
    }
}

/// What `setWebhook` asks for; an empty `url` removes the webhook.
pub struct WebhookRequest {
    pub url: String,
    pub secret: Option<String>,
    pub allowed_updates: Option<Vec<String>>,
}

pub fn webhook_request(params: &Params) -> WebhookRequest {
    let allowed_updates = params.json("allowed_updates").and_then(|value| {
        value.as_array().map(|kinds| {
            kinds
                .iter()
                .filter_map(|kind| kind.as_str().map(str::to_owned))
                .collect()
        })
    });
    WebhookRequest {
        url: params.str("url").unwrap_or_default(),
        secret: params.str("secret_token"),
        allowed_updates,
    }
}

/// What `getWebhookInfo` answers.
pub fn webhook_info(
    url: Option<&str>,
    pending: usize,
    allowed_updates: Option<&[String]>,
    last_error: Option<&(i64, String)>,
) -> Value {
    let mut info = json!({
        "url": url.unwrap_or_default(),
        "has_custom_certificate": false,
        "pending_update_count": pending,
        "max_connections": 40,
    });
    if let Some(kinds) = allowed_updates {
        info["allowed_updates"] = json!(kinds);
    }
    if let Some((date, message)) = last_error {
        info["last_error_date"] = json!(date);
        info["last_error_message"] = json!(message);
    }
    info
}

/// What a `getUpdates` call asks for.
pub struct Poll {
    /// Confirms every update before it.
    pub offset: Option<i64>,
    pub limit: usize,
    /// How long to hold the call open while there is nothing, at most `max`.
    pub wait: Duration,
}

pub fn poll(params: &Params, max: Duration) -> Poll {
    let seconds = params.i64("timeout").unwrap_or(0).max(0);
    Poll {
        offset: params.i64("offset"),
        limit: params.i64("limit").unwrap_or(100).clamp(1, 100) as usize,
        wait: Duration::from_secs(seconds.unsigned_abs()).min(max),
    }
}

/// The queued updates a `getUpdates` call gets: confirms (drops) those before
/// its offset, then takes up to `limit` from the front.
pub fn take_updates(queue: &mut Vec<(i64, Value)>, poll: &Poll) -> Vec<Value> {
    if let Some(offset) = poll.offset {
        queue.retain(|(id, _)| *id >= offset);
    }
    queue
        .iter()
        .take(poll.limit)
        .map(|(_, update)| update.clone())
        .collect()
}

/// What a send method puts in a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendKind {
    Message,
    Photo,
    Document,
}

impl SendKind {
    pub fn of(method: &str) -> Option<SendKind> {
        match method {
            "sendMessage" => Some(SendKind::Message),
            "sendPhoto" => Some(SendKind::Photo),
            "sendDocument" => Some(SendKind::Document),
            _ => None,
        }
    }

    /// The parameter that names the file, if the kind carries one.
    fn file_field(self) -> Option<&'static str> {
        match self {
            SendKind::Message => None,
            SendKind::Photo => Some("photo"),
            SendKind::Document => Some("document"),
        }
    }
}

/// A send that Telegram's checks let through.
pub struct Outgoing<'p> {
    pub kind: SendKind,
    pub chat_id: i64,
    pub text: Option<String>,
    pub caption: Option<String>,
    /// The uploaded file, if the file came as a part.
    pub upload: Option<&'p Upload>,
    pub business_connection_id: Option<String>,
}

/// Checks a send as Telegram does: a chat, a non-empty text of at most 4,096
/// UTF-16 units, a caption of at most 1,024, and a file for a photo or
/// document (400 with Telegram's description when not).
pub fn outgoing(kind: SendKind, params: &Params) -> Result<Outgoing<'_>, Refusal> {
    let Some(chat_id) = params.i64("chat_id") else {
        return Err(Refusal::bad_request("Bad Request: chat_id is empty"));
    };
    let text = params.str("text");
    let caption = params.str("caption");
    if kind == SendKind::Message {
        let text = text.as_deref().unwrap_or_default();
        if text.trim().is_empty() {
            return Err(Refusal::bad_request("Bad Request: message text is empty"));
        }
        if text.encode_utf16().count() > TEXT_MAX {
            return Err(Refusal::bad_request("Bad Request: message is too long"));
        }
    }
    if caption
        .as_deref()
        .is_some_and(|caption| caption.encode_utf16().count() > CAPTION_MAX)
    {
        return Err(Refusal::bad_request(
            "Bad Request: message caption is too long",
        ));
    }
    let upload = match kind.file_field() {
        None => None,
        Some(field) => {
            // The file is a part named after the parameter, or a part the
            // parameter names as `attach://<part>` (teloxide does the latter).
            let named = params.str(field);
            let part = named
                .as_deref()
                .and_then(|value| value.strip_prefix("attach://"))
                .unwrap_or(field);
            let upload = params.files.iter().find(|upload| upload.field == part);
            if upload.is_none() && named.is_none() {
                return Err(Refusal::bad_request(format!(
                    "Bad Request: there is no {field} in the request"
                )));
            }
            upload
        }
    };
    Ok(Outgoing {
        kind,
        chat_id,
        text,
        caption,
        upload,
        business_connection_id: params.str("business_connection_id"),
    })
}

/// The `Message` Telegram answers a send with.
pub fn sent_message(
    outgoing: &Outgoing,
    message_id: i64,
    bot: &Bot,
    chat: Value,
    date: i64,
) -> Value {
    let mut message = json!({
        "message_id": message_id, "from": bot.user(), "chat": chat, "date": date,
    });
    let size = outgoing.upload.map_or(0, |upload| upload.bytes.len());
    match outgoing.kind {
        SendKind::Photo => {
            message["photo"] = json!([{
                "file_id": format!("photo-{message_id}"), "file_unique_id": format!("uphoto-{message_id}"),
                "width": 800, "height": 600, "file_size": size,
            }]);
        }
        SendKind::Document => {
            let name = outgoing.upload.and_then(|upload| upload.file_name.clone());
            message["document"] = json!({
                "file_id": format!("document-{message_id}"), "file_unique_id": format!("udocument-{message_id}"),
                "file_name": name, "file_size": size,
            });
        }
        SendKind::Message => message["text"] = json!(outgoing.text),
    }
    if let Some(caption) = &outgoing.caption {
        message["caption"] = json!(caption);
    }
    if let Some(connection) = &outgoing.business_connection_id {
        // Sent on behalf of the account owner: Telegram names the bot too.
        message["business_connection_id"] = json!(connection);
        message["sender_business_bot"] = bot.user();
    }
    message
}

/// Accepts one emoji reaction (or none), as Telegram does for bots.
pub fn set_message_reaction(params: &Params) -> HttpResponse {
    let reaction = params.json("reaction").unwrap_or(Value::Array(Vec::new()));
    match reaction.as_array().map(Vec::len) {
        Some(0 | 1) => ok(json!(true)),
        _ => error(400, "Bad Request: REACTIONS_TOO_MANY"),
    }
}

/// What `getFile` answers for a known file.
pub fn file(file_id: &str, size: usize, path: &str) -> Value {
    json!({
        "file_id": file_id, "file_unique_id": format!("u-{file_id}"),
        "file_size": size, "file_path": path,
    })
}

/// A customer in a private chat with the bot.
pub struct Person<'a> {
    pub id: i64,
    pub first_name: &'a str,
    pub last_name: Option<&'a str>,
    pub username: Option<&'a str>,
    pub language: &'a str,
}

impl Person<'_> {
    /// The customer as a `User` (a message's `from`).
    pub fn user(&self) -> Value {
        let mut user = json!({
            "id": self.id, "is_bot": false, "first_name": self.first_name,
            "language_code": self.language,
        });
        self.add_names(&mut user);
        user
    }

    /// The private `Chat` with the customer (its id is the customer's).
    pub fn chat(&self) -> Value {
        let mut chat = json!({"id": self.id, "type": "private", "first_name": self.first_name});
        self.add_names(&mut chat);
        chat
    }

    fn add_names(&self, object: &mut Value) {
        if let Some(last) = self.last_name {
            object["last_name"] = json!(last);
        }
        if let Some(username) = self.username {
            object["username"] = json!(username);
        }
    }
}

/// A private `Message` from the customer; `content` (text, photo, caption …)
/// is merged in.
pub fn private_message(message_id: i64, from: &Person, date: i64, content: Value) -> Value {
    let mut message = json!({
        "message_id": message_id, "from": from.user(), "chat": from.chat(), "date": date,
    });
    if let (Some(message), Value::Object(content)) = (message.as_object_mut(), content) {
        message.extend(content);
    }
    message
}

/// The customer blocked the bot (`kicked`) or unblocked it (`member`): a
/// `my_chat_member` update.
pub fn member_update(
    update_id: i64,
    bot: &Bot,
    customer: &Person,
    date: i64,
    blocked: bool,
) -> Value {
    let member = |status: &str| {
        let mut member = json!({"status": status, "user": bot.user()});
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
            "chat": customer.chat(),
            "from": customer.user(),
            "date": date,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        },
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;

    fn params(fields: Value) -> Params {
        Params {
            fields: fields.as_object().cloned().unwrap_or_else(Map::new),
            files: Vec::new(),
        }
    }

    #[test]
    fn methods_and_files_are_routed_ignoring_the_methods_case() {
        assert_eq!(
            route("/bot1%3Aabc/SendMessage"),
            Route::Method {
                token: "1:abc".into(),
                method: "sendMessage".into()
            }
        );
        assert_eq!(
            route("/file/bot1:abc/documents%2Ffile_1.bin"),
            Route::File {
                token: "1:abc".into(),
                path: "documents/file_1.bin".into()
            }
        );
        assert_eq!(route("/elsewhere"), Route::NotFound);
        assert_eq!(canonical("GETME"), "getMe");
        assert_eq!(canonical("unknownThing"), "unknownThing");
    }

    #[test]
    fn a_send_is_checked_as_telegram_checks_it() {
        let cases = [
            (SendKind::Message, json!({"text": "hi"}), Some(400)),
            (
                SendKind::Message,
                json!({"chat_id": 1, "text": "  "}),
                Some(400),
            ),
            (
                SendKind::Message,
                json!({"chat_id": 1, "text": "😀".repeat(2049)}),
                Some(400),
            ),
            (
                SendKind::Message,
                json!({"chat_id": 1, "text": "😀".repeat(2048)}),
                None,
            ),
            (
                SendKind::Photo,
                json!({"chat_id": 1, "caption": "no file"}),
                Some(400),
            ),
            (
                SendKind::Photo,
                json!({"chat_id": 1, "photo": "file-id"}),
                None,
            ),
            (
                SendKind::Document,
                json!({"chat_id": 1, "document": "x", "caption": "c".repeat(1025)}),
                Some(400),
            ),
        ];
        for (kind, fields, refused) in cases {
            let params = params(fields.clone());
            let status = outgoing(kind, &params).err().map(|refused| refused.code);
            assert_eq!(status, refused, "{kind:?} {fields}");
        }
    }

    #[test]
    fn an_offset_confirms_the_updates_before_it() {
        let mut queue: Vec<(i64, Value)> =
            (1..=5).map(|id| (id, json!({"update_id": id}))).collect();
        let poll = Poll {
            offset: Some(3),
            limit: 2,
            wait: Duration::ZERO,
        };
        let taken = take_updates(&mut queue, &poll);
        assert_eq!(
            taken,
            vec![json!({"update_id": 3}), json!({"update_id": 4})]
        );
        assert_eq!(queue.len(), 3);
    }
}
