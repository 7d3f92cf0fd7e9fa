//! The Viber REST API's side of the conversation (`POST {base}/{method}` with
//! the bot token in `X-Viber-Auth-Token`). Viber answers every call with HTTP
//! 200; an error is a non-zero `status` with its name in `status_message`.
//! Callbacks are compact JSON signed with the bot token (HMAC-SHA256 of the
//! raw body, lowercase hex, in `X-Viber-Content-Signature`).

use std::time::Duration;

use serde_json::{json, Value};

use crate::channels::viber::{sign, SIGNATURE_HEADER};

/// The host Viber names in every answer and callback.
pub const CHAT_HOSTNAME: &str = "SN-CHAT-05_";
/// What a bot receives when `set_webhook` names no `event_types`: every
/// event, the very list our channel asks for.
pub const EVENT_TYPES: [&str; 6] = crate::channels::viber::EVENT_TYPES;
/// The longest `sender.name` Viber accepts, in characters.
const SENDER_NAME_MAX: usize = 28;
/// The longest text, in UTF-16 code units (Viber counts them, not characters).
const TEXT_MAX: usize = 7000;
/// How long `set_webhook` waits for the webhook to answer its check.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// Viber's name for a `status` code.
pub fn status_name(code: i64) -> &'static str {
    match code {
        0 => "ok",
        1 => "invalidUrl",
        2 => "invalidAuthToken",
        3 => "badData",
        4 => "missingData",
        5 => "receiverNotRegistered",
        6 => "receiverNotSubscribed",
        7 => "publicAccountBlocked",
        8 => "publicAccountNotFound",
        9 => "publicAccountSuspended",
        10 => "webhookNotSet",
        11 => "receiverNoSuitableDevice",
        12 => "tooManyRequests",
        13 => "apiVersionNotSupported",
        14 => "incompatibleWithVersion",
        _ => "General error",
    }
}

/// A refused call.
pub fn refusal(code: i64) -> Value {
    json!({"status": code, "status_message": status_name(code), "chat_hostname": CHAT_HOSTNAME})
}

/// A call without a token: Viber's one answer that names no known status.
pub fn missing_auth_token() -> Value {
    json!({"status": 2, "status_message": "missing_auth_token"})
}

/// The bot token of a call: the header, or `auth_token` in the body.
pub fn auth_token<'a>(header: Option<&'a str>, body: &'a Value) -> Option<&'a str> {
    header.or_else(|| body.get("auth_token").and_then(Value::as_str))
}

/// What `get_account_info` tells about a bot.
pub struct Account<'a> {
    pub name: &'a str,
    pub uri: &'a str,
    pub icon: &'a str,
    /// Longitude, latitude.
    pub location: (f64, f64),
    pub country: &'a str,
    /// Empty when none is set.
    pub webhook: &'a str,
    pub subscribers: usize,
}

pub fn account_info(account: &Account) -> Value {
    let event_types: &[&str] = if account.webhook.is_empty() {
        &[]
    } else {
        &EVENT_TYPES
    };
    json!({
        "status": 0, "status_message": "ok", "chat_hostname": CHAT_HOSTNAME,
        "id": format!("pa:{}", account.uri), "name": account.name, "uri": account.uri,
        "icon": account.icon, "background": null,
        "category": "Companies", "subcategory": "Retail",
        "location": {"lon": account.location.0, "lat": account.location.1},
        "country": account.country,
        "webhook": account.webhook,
        "event_types": event_types,
        "subscribers_count": account.subscribers, "members": [],
    })
}

/// The URL of a `set_webhook` call (empty removes the webhook), or the refusal.
pub fn webhook_url(body: &Value) -> Result<&str, Value> {
    body.get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| refusal(4))
}

/// Viber calls a webhook before accepting it: POSTs the signed `webhook`
/// callback and wants a 200. Returns the status the URL answered with, or why
/// it gave none.
pub async fn check_webhook(
    http: &reqwest::Client,
    url: &str,
    bot_token: &str,
    callback_token: u64,
    now_millis: i64,
) -> Result<u16, String> {
    let check = webhook_verification(callback_token, now_millis);
    http.post(url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, sign(bot_token, &check))
        .timeout(VERIFY_TIMEOUT)
        .body(check)
        .send()
        .await
        .map(|response| response.status().as_u16())
        .map_err(|err| err.without_url().to_string())
}

/// The answer to `set_webhook` once the check came back as `outcome`.
pub fn webhook_answer(body: &Value, outcome: &Result<u16, String>) -> Value {
    let failed = match outcome {
        Ok(200) => {
            let event_types = body
                .get("event_types")
                .cloned()
                .unwrap_or_else(|| json!(EVENT_TYPES));
            return json!({"status": 0, "status_message": "ok", "chat_hostname": CHAT_HOSTNAME, "event_types": event_types});
        }
        Ok(code) => format!("Result[HttpResponse[{code}]]"),
        Err(err) => format!("Result[{err}]"),
    };
    json!({"status": 1, "status_message": format!("{failed}: invalidUrl"), "chat_hostname": CHAT_HOSTNAME})
}

/// A `send_message` call that Viber's checks let through.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub receiver: String,
    pub sender_name: String,
    /// `text`, `picture`, `file` …
    pub kind: String,
    pub text: Option<String>,
    pub media: Option<String>,
    pub file_name: Option<String>,
}

/// Checks a `send_message` body as Viber does: a receiver and a sender name
/// (4 when missing), a name of at most 28 characters and a message of a
/// known type with the fields that type needs (3 when not).
pub fn outgoing(body: &Value) -> Result<Outgoing, i64> {
    let field = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let receiver = field("receiver").filter(|receiver| !receiver.is_empty());
    let sender_name = body
        .pointer("/sender/name")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty());
    let (Some(receiver), Some(sender_name)) = (receiver, sender_name) else {
        return Err(4);
    };
    if sender_name.chars().count() > SENDER_NAME_MAX {
        return Err(3);
    }
    let kind = field("type").unwrap_or_default();
    let text = field("text");
    let media = field("media");
    let file_name = field("file_name");
    let has_size = body.get("size").is_some();
    let complete = match kind.as_str() {
        "text" => text
            .as_deref()
            .is_some_and(|text| !text.is_empty() && text.encode_utf16().count() <= TEXT_MAX),
        "picture" => media.is_some(),
        "file" => media.is_some() && file_name.is_some() && has_size,
        "video" => media.is_some() && has_size,
        "contact" | "location" | "url" | "sticker" | "rich_media" => true,
        _ => false,
    };
    if !complete {
        return Err(3);
    }
    Ok(Outgoing {
        receiver,
        sender_name: sender_name.to_owned(),
        kind,
        text,
        media,
        file_name,
    })
}

/// The answer to an accepted `send_message`.
pub fn sent(message_token: u64) -> Value {
    json!({
        "status": 0, "status_message": "ok", "message_token": message_token,
        "chat_hostname": CHAT_HOSTNAME, "billing_status": 1,
    })
}

// Callbacks, byte for byte as Viber sends them (compact JSON, raw UTF-8).

/// A Viber user as callbacks describe one.
pub struct User<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub avatar: Option<&'a str>,
    pub language: &'a str,
    pub country: &'a str,
}

impl User<'_> {
    pub fn json(&self) -> Value {
        let mut user = json!({
            "id": self.id, "name": self.name, "language": self.language,
            "country": self.country, "api_version": 10,
        });
        if let Some(avatar) = self.avatar {
            user["avatar"] = avatar.into();
        }
        user
    }
}

fn callback(body: &Value) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

/// A `message` callback carrying any message object.
pub fn message(message_token: u64, sender: &User, message: Value, at_millis: i64) -> Vec<u8> {
    callback(&json!({
        "event": "message", "timestamp": at_millis, "chat_hostname": CHAT_HOSTNAME,
        "message_token": message_token, "sender": sender.json(), "message": message,
        "silent": false,
    }))
}

/// The customer opened the chat (deep link `context`, if any).
pub fn conversation_started(
    message_token: u64,
    user: &User,
    subscribed: bool,
    context: Option<&str>,
    at_millis: i64,
) -> Vec<u8> {
    let mut body = json!({
        "event": "conversation_started", "timestamp": at_millis,
        "chat_hostname": CHAT_HOSTNAME, "message_token": message_token, "type": "open",
        "user": user.json(), "subscribed": subscribed,
    });
    if let Some(context) = context {
        body["context"] = context.into();
    }
    callback(&body)
}

pub fn subscribed(message_token: u64, user: &User, at_millis: i64) -> Vec<u8> {
    callback(&json!({
        "event": "subscribed", "timestamp": at_millis, "chat_hostname": CHAT_HOSTNAME,
        "message_token": message_token, "user": user.json(),
    }))
}

pub fn unsubscribed(message_token: u64, user_id: &str, at_millis: i64) -> Vec<u8> {
    callback(&json!({
        "event": "unsubscribed", "timestamp": at_millis, "chat_hostname": CHAT_HOSTNAME,
        "message_token": message_token, "user_id": user_id,
    }))
}

/// `delivered`, `seen` or `failed` (with its `desc`) for our message
/// `message_token`.
pub fn receipt(
    event: &str,
    message_token: u64,
    user_id: &str,
    desc: Option<&str>,
    at_millis: i64,
) -> Vec<u8> {
    let mut body = json!({
        "event": event, "timestamp": at_millis, "chat_hostname": CHAT_HOSTNAME,
        "message_token": message_token, "user_id": user_id,
    });
    if let Some(desc) = desc {
        body["desc"] = desc.into();
    }
    callback(&body)
}

/// The handshake `set_webhook` sends.
pub fn webhook_verification(message_token: u64, at_millis: i64) -> Vec<u8> {
    callback(&json!({
        "event": "webhook", "timestamp": at_millis, "chat_hostname": CHAT_HOSTNAME,
        "message_token": message_token,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(extra: Value) -> Value {
        let mut body = json!({"receiver": "u1", "sender": {"name": "Shop"}});
        for (key, value) in extra.as_object().into_iter().flatten() {
            body[key] = value.clone();
        }
        body
    }

    #[test]
    fn a_message_needs_a_receiver_and_a_sender_name() {
        let text = json!({"type": "text", "text": "hi"});
        assert_eq!(outgoing(&text), Err(4));
        let no_name =
            json!({"receiver": "u1", "sender": {"name": ""}, "type": "text", "text": "hi"});
        assert_eq!(outgoing(&no_name), Err(4));
        let long_name = "n".repeat(SENDER_NAME_MAX + 1);
        let named =
            json!({"receiver": "u1", "sender": {"name": long_name}, "type": "text", "text": "hi"});
        assert_eq!(outgoing(&named), Err(3));
    }

    #[test]
    fn each_type_needs_its_fields() {
        let cases = [
            (json!({"type": "text", "text": "hi"}), true),
            (json!({"type": "text", "text": ""}), false),
            (json!({"type": "text", "text": "😀".repeat(3501)}), false),
            (json!({"type": "text", "text": "😀".repeat(3500)}), true),
            (json!({"type": "picture", "media": "http://m/p.jpg"}), true),
            (json!({"type": "picture", "text": "no media"}), false),
            (
                json!({"type": "file", "media": "http://m/f", "file_name": "f.pdf", "size": 3}),
                true,
            ),
            (
                json!({"type": "file", "media": "http://m/f", "file_name": "f.pdf"}),
                false,
            ),
            (
                json!({"type": "video", "media": "http://m/v", "size": 3}),
                true,
            ),
            (
                json!({"type": "location", "location": {"lat": 1, "lon": 2}}),
                true,
            ),
            (json!({"type": "hologram"}), false),
        ];
        for (message, accepted) in cases {
            let answer = outgoing(&body(message.clone()));
            assert_eq!(answer.is_ok(), accepted, "{message}");
            if !accepted {
                assert_eq!(answer, Err(3), "{message}");
            }
        }
    }

    #[test]
    fn set_webhook_answers_by_what_the_check_got() {
        let ok = webhook_answer(&json!({"url": "http://h"}), &Ok(200));
        assert_eq!(ok["status"], 0);
        assert_eq!(ok["event_types"], json!(EVENT_TYPES));
        let refused = webhook_answer(&json!({"url": "http://h"}), &Ok(500));
        assert_eq!(refused["status"], 1);
        assert_eq!(
            refused["status_message"],
            "Result[HttpResponse[500]]: invalidUrl"
        );
        let unreachable = webhook_answer(&json!({}), &Err("refused".into()));
        assert_eq!(unreachable["status_message"], "Result[refused]: invalidUrl");
    }

    #[test]
    fn a_receipt_names_its_message_and_user() {
        let failed = receipt("failed", 7, "u1", Some("gone"), 1_000);
        let failed: Value = serde_json::from_slice(&failed).expect("a callback is JSON");
        assert_eq!(
            failed,
            json!({"event": "failed", "timestamp": 1_000, "chat_hostname": CHAT_HOSTNAME,
                   "message_token": 7, "user_id": "u1", "desc": "gone"})
        );
    }
}
