//! Viber callback bodies -> normalized [`Inbound`] events
//! (shared/protocols/viber.md §3). Works on a `serde_json::Value`, never on
//! floats, so a `message_token` above 2^53 keeps every digit, and tolerates
//! missing or null optional fields: a customer message is never dropped because
//! of a field we do not need. Pure: no I/O, nothing logged above `debug`.
//!
//! Dedup keys: a `message` is keyed by its bare `message_token`; every other
//! event by `{event}:{message_token}`, and receipts by
//! `{event}:{message_token}:{user_id}`, because `delivered` and `seen` of one
//! message share its token (protocol notes §3, "Retries, duplicates").

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::channels::{
    ChannelError, CustomerProfile, DeliveryReport, Inbound, InboundAttachment, InboundEvent,
    InboundMessage, ReachabilityChange,
};

type Object = Map<String, Value>;

pub(super) fn parse(body: &[u8]) -> Result<Inbound, ChannelError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| malformed(format!("the callback is not JSON: {err}")))?;
    let callback = value
        .as_object()
        .ok_or_else(|| malformed("the callback is not a JSON object"))?;
    let event = callback
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("the callback has no event"))?;
    let token = match callback.get("message_token") {
        None | Some(Value::Null) => None,
        Some(value) => {
            Some(integer_text(value).ok_or_else(|| malformed("message_token is not an integer"))?)
        }
    };
    match event {
        "message" => message(callback, token),
        "conversation_started" => Ok(Inbound {
            dedup_key: event_key(event, token.as_deref(), callback),
            event: InboundEvent::ConversationStarted {
                customer: customer(callback.get("user"), "user")?,
                referral: string(callback, "context"),
            },
        }),
        "subscribed" => Ok(Inbound {
            dedup_key: event_key(event, token.as_deref(), callback),
            event: InboundEvent::Reachability {
                customer: customer(callback.get("user"), "user")?,
                change: ReachabilityChange::Subscribed,
            },
        }),
        "unsubscribed" => {
            let user_id = string(callback, "user_id")
                .ok_or_else(|| malformed("unsubscribed without user_id"))?;
            Ok(Inbound {
                dedup_key: event_key(event, token.as_deref(), callback),
                event: InboundEvent::Reachability {
                    customer: CustomerProfile {
                        external_id: user_id,
                        ..CustomerProfile::default()
                    },
                    change: ReachabilityChange::Unsubscribed,
                },
            })
        }
        "delivered" | "seen" | "failed" => {
            let token = token.ok_or_else(|| malformed(format!("{event} without message_token")))?;
            let user_id = string(callback, "user_id").unwrap_or_default();
            let report = match event {
                "delivered" => DeliveryReport::Delivered,
                "seen" => DeliveryReport::Seen,
                _ => DeliveryReport::Failed(
                    string(callback, "desc")
                        .unwrap_or_else(|| "the message failed on the customer's device".into()),
                ),
            };
            Ok(Inbound {
                dedup_key: format!("{event}:{token}:{user_id}"),
                event: InboundEvent::DeliveryReport {
                    external_message_id: token,
                    report,
                },
            })
        }
        "webhook" => Ok(Inbound {
            dedup_key: event_key(event, token.as_deref(), callback),
            event: InboundEvent::Ignored {
                reason: "webhook verification".into(),
            },
        }),
        other => Ok(Inbound {
            dedup_key: event_key(other, token.as_deref(), callback),
            event: InboundEvent::Ignored {
                reason: format!("unhandled Viber event: {other}"),
            },
        }),
    }
}

/// A JSON integer (or a string of digits) as exact decimal text; `None` for
/// floats and anything else.
pub(super) fn integer_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => number
            .as_u64()
            .map(|n| n.to_string())
            .or_else(|| number.as_i64().map(|n| n.to_string())),
        Value::String(text)
            if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) =>
        {
            Some(text.clone())
        }
        _ => None,
    }
}

fn malformed(why: impl Into<String>) -> ChannelError {
    ChannelError::Malformed(why.into())
}

/// A non-empty string field.
fn string(object: &Object, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn event_key(event: &str, token: Option<&str>, callback: &Object) -> String {
    match token {
        Some(token) => format!("{event}:{token}"),
        // Viber documents a token on every event; without one, the same
        // redelivery still has the same user and timestamp.
        None => {
            let user = string(callback, "user_id")
                .or_else(|| {
                    callback
                        .get("user")
                        .and_then(Value::as_object)
                        .and_then(|user| string(user, "id"))
                })
                .unwrap_or_default();
            let timestamp = callback
                .get("timestamp")
                .and_then(integer_text)
                .unwrap_or_default();
            format!("{event}:{user}:{timestamp}")
        }
    }
}

fn customer(value: Option<&Value>, field: &str) -> Result<CustomerProfile, ChannelError> {
    let user = value
        .and_then(Value::as_object)
        .ok_or_else(|| malformed(format!("the callback has no {field}")))?;
    Ok(CustomerProfile {
        external_id: string(user, "id").ok_or_else(|| malformed(format!("{field} has no id")))?,
        name: string(user, "name").unwrap_or_default(),
        username: None,
        language: string(user, "language"),
        country: string(user, "country"),
        avatar_url: string(user, "avatar"),
        ..CustomerProfile::default()
    })
}

/// `timestamp` is epoch milliseconds. One out of range does not cost the
/// customer's message: it is dated on receipt instead.
fn sent_at(callback: &Object) -> DateTime<Utc> {
    callback
        .get("timestamp")
        .and_then(Value::as_i64)
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or_else(|| {
            tracing::debug!("Viber callback without a usable timestamp, dated on receipt");
            Utc::now()
        })
}

fn message(callback: &Object, token: Option<String>) -> Result<Inbound, ChannelError> {
    let token = token.ok_or_else(|| malformed("a message without message_token"))?;
    let customer = customer(callback.get("sender"), "sender")?;
    let body = callback
        .get("message")
        .and_then(Value::as_object)
        .ok_or_else(|| malformed("a message event without a message object"))?;
    let kind = body.get("type").and_then(Value::as_str).unwrap_or_default();

    let mut details = Object::new();
    if let Some(tracking) = body.get("tracking_data").filter(|value| !value.is_null()) {
        details.insert("tracking_data".into(), tracking.clone());
    }
    if callback.get("silent").and_then(Value::as_bool) == Some(true) {
        // A keyboard button with `Silent: true` was tapped.
        details.insert("silent".into(), Value::Bool(true));
    }
    let media = string(body, "media");
    let mut attachments = Vec::new();
    let mut content_kind = kind.to_owned();
    let text = match kind {
        "text" => string(body, "text"),
        "picture" | "video" | "file" | "sticker" => {
            if let Some(url) = media {
                attachments.push(attachment(kind, body, url));
            }
            copy(body, &mut details, &["thumbnail", "duration", "sticker_id"]);
            // Only pictures and videos carry a caption.
            matches!(kind, "picture" | "video")
                .then(|| string(body, "text"))
                .flatten()
        }
        "contact" => {
            if let Some(contact) = body.get("contact").and_then(Value::as_object) {
                let mut cleaned = Object::new();
                copy(contact, &mut cleaned, &["name", "phone_number", "avatar"]);
                details.insert("contact".into(), Value::Object(cleaned));
            }
            None
        }
        "location" => {
            if let Some(location) = body.get("location").and_then(Value::as_object) {
                let mut cleaned = Object::new();
                copy(location, &mut cleaned, &["lat", "lon"]);
                details.insert("location".into(), Value::Object(cleaned));
            }
            None
        }
        "url" => {
            if let Some(url) = &media {
                details.insert("url".into(), Value::String(url.clone()));
            }
            media
        }
        _ => {
            content_kind = "unsupported".into();
            details.insert(
                "type".into(),
                body.get("type").cloned().unwrap_or(Value::Null),
            );
            if let Some(url) = media {
                details.insert("media".into(), Value::String(url));
            }
            string(body, "text")
        }
    };

    Ok(Inbound {
        dedup_key: token.clone(),
        event: InboundEvent::Message(InboundMessage {
            customer,
            external_id: token,
            sent_at: sent_at(callback),
            content_kind,
            text,
            attachments,
            reply_to_external_id: None,
            reply_to_text: None,
            referral: None,
            details: Value::Object(details),
        }),
    })
}

/// Copies the listed fields that are present and not null.
fn copy(from: &Object, to: &mut Object, keys: &[&str]) {
    for key in keys {
        if let Some(value) = from.get(*key).filter(|value| !value.is_null()) {
            to.insert((*key).to_owned(), value.clone());
        }
    }
}

fn attachment(kind: &str, body: &Object, url: String) -> InboundAttachment {
    let (normalized, stem) = match kind {
        "picture" => ("photo", "photo"),
        "video" => ("video", "video"),
        "sticker" => ("sticker", "sticker"),
        _ => ("document", "file"),
    };
    let name = string(body, "file_name").unwrap_or_else(|| {
        let extension = url_extension(&url).unwrap_or(match kind {
            "picture" => "jpg".into(),
            "video" => "mp4".into(),
            "sticker" => "png".into(),
            _ => String::new(),
        });
        if extension.is_empty() {
            stem.to_owned()
        } else {
            format!("{stem}.{extension}")
        }
    });
    // Callbacks say `file_size`; the SDK's classes (outbound shape) say `size`.
    let size = body
        .get("file_size")
        .or_else(|| body.get("size"))
        .and_then(Value::as_i64);
    InboundAttachment {
        kind: normalized.into(),
        mime: guess_mime(&name).map(str::to_owned),
        name,
        size,
        external_ref: url,
    }
}

/// The extension of the URL's last path segment, if it looks like one.
fn url_extension(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let segment = parsed.path_segments()?.next_back()?;
    let (_, extension) = segment.rsplit_once('.')?;
    let plausible = (1..=5).contains(&extension.len())
        && extension.bytes().all(|byte| byte.is_ascii_alphanumeric());
    plausible.then(|| extension.to_ascii_lowercase())
}

fn guess_mime(name: &str) -> Option<&'static str> {
    let (_, extension) = name.rsplit_once('.')?;
    Some(match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => return None,
    })
}

#[cfg(test)]
#[path = "parse_tests.rs"]
pub(super) mod tests;
