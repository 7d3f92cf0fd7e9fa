//! WhatsApp Cloud API webhook notifications into normalized events.
//!
//! One notification (`{object: "whatsapp_business_account", entry: [{id,
//! changes: [{field: "messages", value: {metadata, contacts?, messages?,
//! statuses?, errors?}}]}]}`) may carry several messages and statuses, for
//! several customers. [`split`] turns it into one single-event notification
//! per message or status (the same shape, with only that event and its
//! customer's contact), each stored and deduplicated on its own; [`parse`]
//! reads such a single-event body. Unknown fields are ignored; unknown
//! message types become a message saying so, never dropped.
//! Payload shapes: <https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples>.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::channels::{
    ChannelError, CustomerProfile, CustomerReaction, DeliveryReport, Inbound, InboundAttachment,
    InboundEvent, InboundMessage,
};

type Object = Map<String, Value>;

const OBJECT: &str = "whatsapp_business_account";

fn malformed(why: &str) -> ChannelError {
    ChannelError::Malformed(format!("not a WhatsApp notification: {why}"))
}

/// One message or status of a notification, as its own notification body,
/// with the phone number id it was addressed to.
#[derive(Debug, Clone, PartialEq)]
pub struct SingleEvent {
    pub phone_number_id: Option<String>,
    pub body: String,
    /// `body` as JSON, so it need not be parsed again.
    pub value: Value,
}

/// Splits a notification into single-event notifications, in order (messages
/// before statuses within one change, as Meta lists them). A change with
/// neither becomes one body of its own (parsed as ignored).
pub fn split(body: &[u8]) -> Result<Vec<SingleEvent>, ChannelError> {
    let parsed: Value = serde_json::from_slice(body).map_err(|_| malformed("not JSON"))?;
    let root = parsed
        .as_object()
        .ok_or_else(|| malformed("not an object"))?;
    if root.get("object").and_then(Value::as_str) != Some(OBJECT) {
        return Err(malformed("`object` is not whatsapp_business_account"));
    }
    let entries = root
        .get("entry")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no `entry` list"))?;
    if let Some(phone_number_id) = only_event(entries) {
        // Nearly every notification carries one message or status: it is
        // its own single-event body, stored as Meta sent it.
        return Ok(vec![SingleEvent {
            phone_number_id,
            body: String::from_utf8_lossy(body).into_owned(),
            value: parsed,
        }]);
    }
    let mut events = Vec::new();
    for entry in entries {
        let entry = entry
            .as_object()
            .ok_or_else(|| malformed("an entry is not an object"))?;
        let entry_id = entry.get("id").cloned().unwrap_or(Value::Null);
        let changes = entry
            .get("changes")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed("an entry without `changes`"))?;
        for change in changes {
            let change = change
                .as_object()
                .ok_or_else(|| malformed("a change is not an object"))?;
            let field = change.get("field").cloned().unwrap_or(Value::Null);
            let value = change
                .get("value")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let phone_number_id = value
                .get("metadata")
                .and_then(|metadata| metadata.get("phone_number_id"))
                .and_then(text_of);
            let single = |value: Object| {
                let value = json!({
                    "object": OBJECT,
                    "entry": [{"id": entry_id, "changes": [{"field": field, "value": value}]}],
                });
                SingleEvent {
                    phone_number_id: phone_number_id.clone(),
                    body: value.to_string(),
                    value,
                }
            };
            let mut base = value.clone();
            let messages = list(base.remove("messages"));
            let statuses = list(base.remove("statuses"));
            let contacts = list(base.remove("contacts"));
            if messages.is_empty() && statuses.is_empty() {
                events.push(single(value));
                continue;
            }
            for message in messages {
                let from = message.get("from").and_then(text_of);
                let contact: Vec<Value> = contacts
                    .iter()
                    .filter(|contact| contact.get("wa_id").and_then(text_of) == from)
                    .take(1)
                    .cloned()
                    .collect();
                let mut one = base.clone();
                one.insert("contacts".into(), Value::Array(contact));
                one.insert("messages".into(), Value::Array(vec![message]));
                events.push(single(one));
            }
            for status in statuses {
                let mut one = base.clone();
                one.insert("statuses".into(), Value::Array(vec![status]));
                events.push(single(one));
            }
        }
    }
    Ok(events)
}

/// The phone number id of a notification's one event (`Some(None)` when it
/// names none); `None` when it holds several.
fn only_event(entries: &[Value]) -> Option<Option<String>> {
    let [entry] = entries else { return None };
    let changes = entry.get("changes").and_then(Value::as_array)?;
    let [change] = changes.as_slice() else {
        return None;
    };
    let value = change.get("value").and_then(Value::as_object)?;
    let count = |key: &str| value.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    if count("messages") + count("statuses") > 1 {
        return None;
    }
    Some(
        value
            .get("metadata")
            .and_then(|metadata| metadata.get("phone_number_id"))
            .and_then(text_of),
    )
}

fn list(value: Option<Value>) -> Vec<Value> {
    match value {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// A string, or a number as its decimal text (ids and timestamps arrive as
/// strings; be lenient).
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Reads a single-event notification (see [`split`]); a body with several
/// events yields its first.
pub fn parse(body: &[u8]) -> Result<Inbound, ChannelError> {
    let root: Value = serde_json::from_slice(body).map_err(|_| malformed("not JSON"))?;
    parse_value(&root, body)
}

/// [`parse`] of a body already read as JSON (`root`).
pub fn parse_value(root: &Value, body: &[u8]) -> Result<Inbound, ChannelError> {
    if root.get("object").and_then(Value::as_str) != Some(OBJECT) {
        return Err(malformed("`object` is not whatsapp_business_account"));
    }
    let change = root
        .pointer("/entry/0/changes/0")
        .and_then(Value::as_object)
        .ok_or_else(|| malformed("no change in the first entry"))?;
    let field = change
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let value = change.get("value").and_then(Value::as_object);
    let ignored = |reason: String| Inbound {
        dedup_key: format!("x:{}", hex::encode(Sha256::digest(body))),
        event: InboundEvent::Ignored { reason },
    };
    let Some(value) = value.filter(|_| field == "messages") else {
        return Ok(ignored(format!("a WhatsApp `{field}` notification")));
    };
    if let Some(message) = value
        .get("messages")
        .and_then(|messages| messages.get(0))
        .and_then(Value::as_object)
    {
        let contact = value.get("contacts").and_then(|contacts| contacts.get(0));
        return message_event(message, contact);
    }
    if let Some(status) = value
        .get("statuses")
        .and_then(|statuses| statuses.get(0))
        .and_then(Value::as_object)
    {
        return status_event(status);
    }
    let reason = match first_error_title(value.get("errors")) {
        Some(title) => format!("a WhatsApp error notification: {title}"),
        None => "a WhatsApp notification without messages or statuses".to_owned(),
    };
    Ok(ignored(reason))
}

fn first_error_title(errors: Option<&Value>) -> Option<String> {
    let error = errors?.get(0)?;
    let title = error
        .get("title")
        .or_else(|| error.get("message"))
        .and_then(Value::as_str)?;
    let details = error
        .pointer("/error_data/details")
        .and_then(Value::as_str)
        .filter(|details| !details.is_empty() && *details != title);
    Some(match details {
        Some(details) => format!("{title}: {details}"),
        None => title.to_owned(),
    })
}

fn timestamp(object: &Object) -> DateTime<Utc> {
    object
        .get("timestamp")
        .and_then(text_of)
        .and_then(|text| text.parse::<i64>().ok())
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .unwrap_or_else(Utc::now)
}

fn status_event(status: &Object) -> Result<Inbound, ChannelError> {
    let id = status
        .get("id")
        .and_then(text_of)
        .ok_or_else(|| malformed("a status without a message id"))?;
    let state = status
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let report = match state {
        "delivered" => Some(DeliveryReport::Delivered),
        "read" => Some(DeliveryReport::Seen),
        "failed" => Some(DeliveryReport::Failed(
            first_error_title(status.get("errors"))
                .unwrap_or_else(|| "WhatsApp could not deliver the message".to_owned()),
        )),
        _ => None,
    };
    let dedup_key = format!("s:{id}:{state}");
    Ok(match report {
        Some(report) => Inbound {
            dedup_key,
            event: InboundEvent::DeliveryReport {
                external_message_id: id,
                report,
            },
        },
        // `sent`: we marked it sent when the Graph API accepted it.
        None => Inbound {
            dedup_key,
            event: InboundEvent::Ignored {
                reason: format!("a WhatsApp `{state}` status"),
            },
        },
    })
}

fn customer(message: &Object, contact: Option<&Value>) -> Result<CustomerProfile, ChannelError> {
    let wa_id = contact
        .and_then(|contact| contact.get("wa_id"))
        .and_then(text_of)
        .or_else(|| message.get("from").and_then(text_of))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| malformed("a message without its sender (`from`)"))?;
    let name = contact
        .and_then(|contact| contact.pointer("/profile/name"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map_or_else(|| format!("+{wa_id}"), str::to_owned);
    Ok(CustomerProfile {
        external_id: wa_id,
        name,
        ..CustomerProfile::default()
    })
}

fn string(object: Option<&Value>, key: &str) -> Option<String> {
    object?
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// An attachment for the media object of a message (`image`, `audio` …).
fn media(kind: &str, media: Option<&Value>, fallback_name: &str) -> Option<InboundAttachment> {
    let media = media?;
    let id = media.get("id").and_then(text_of)?;
    let mime = string(Some(media), "mime_type");
    let name = string(Some(media), "filename").unwrap_or_else(|| {
        let extension = mime
            .as_deref()
            .and_then(extension_of)
            .map(|extension| format!(".{extension}"))
            .unwrap_or_default();
        format!("{fallback_name}{extension}")
    });
    Some(InboundAttachment {
        kind: kind.to_owned(),
        name,
        mime,
        size: media.get("file_size").and_then(Value::as_i64),
        external_ref: id,
    })
}

fn extension_of(mime: &str) -> Option<&'static str> {
    let essence = mime.split(';').next().unwrap_or_default().trim();
    Some(match essence {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "audio/aac" => "aac",
        "audio/amr" => "amr",
        "application/pdf" => "pdf",
        _ => return None,
    })
}

fn message_event(message: &Object, contact: Option<&Value>) -> Result<Inbound, ChannelError> {
    let id = message
        .get("id")
        .and_then(text_of)
        .ok_or_else(|| malformed("a message without an id"))?;
    let customer = customer(message, contact)?;
    let kind = message
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let body = message.get(kind);
    let mut details = Object::new();
    let mut attachments = Vec::new();
    let mut content_kind = kind.to_owned();
    let reply_to = message
        .get("context")
        .and_then(|context| context.get("id"))
        .and_then(text_of);
    let forwarded = message
        .get("context")
        .and_then(|context| context.get("forwarded"))
        .and_then(Value::as_bool);
    if forwarded == Some(true) {
        details.insert("forwarded".into(), Value::Bool(true));
    }
    if let Some(referral) = message.get("referral").filter(|value| value.is_object()) {
        // A click-to-WhatsApp ad: where the customer came from.
        details.insert("ad_referral".into(), referral.clone());
    }
    if kind == "reaction" {
        return Ok(Inbound {
            dedup_key: format!("m:{id}"),
            event: reaction_event(customer, body),
        });
    }
    let text = match kind {
        "text" => string(body, "body"),
        "image" | "video" | "document" | "sticker" => {
            let (attachment_kind, fallback) = match kind {
                "image" => ("photo", "photo"),
                "video" => ("video", "video"),
                "sticker" => ("sticker", "sticker"),
                _ => ("document", "document"),
            };
            content_kind = attachment_kind.to_owned();
            attachments.extend(media(attachment_kind, body, fallback));
            string(body, "caption")
        }
        "audio" => {
            let voice = body
                .and_then(|audio| audio.get("voice"))
                .and_then(Value::as_bool)
                == Some(true);
            let attachment_kind = if voice { "voice" } else { "audio" };
            content_kind = attachment_kind.to_owned();
            attachments.extend(media(attachment_kind, body, attachment_kind));
            None
        }
        "location" => {
            let location = body.and_then(Value::as_object);
            let latitude = location.and_then(|l| l.get("latitude")).cloned();
            let longitude = location.and_then(|l| l.get("longitude")).cloned();
            let point = json!({"latitude": latitude, "longitude": longitude});
            details.insert("location".into(), point.clone());
            let title = string(body, "name");
            let address = string(body, "address");
            if title.is_some() || address.is_some() {
                details.insert(
                    "venue".into(),
                    json!({"title": title, "address": address, "location": point}),
                );
            }
            None
        }
        "contacts" => {
            content_kind = "contact".to_owned();
            let cards = body.and_then(Value::as_array).cloned().unwrap_or_default();
            if let Some(card) = cards.first() {
                let name = card
                    .pointer("/name/formatted_name")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let phone = card
                    .pointer("/phones/0/phone")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                details.insert(
                    "contact".into(),
                    json!({"name": name, "phone_number": phone}),
                );
            }
            details.insert("contacts".into(), Value::Array(cards));
            None
        }
        "interactive" => {
            let reply_kind = body
                .and_then(|interactive| interactive.get("type"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let reply = body.and_then(|interactive| interactive.get(reply_kind));
            content_kind = match reply_kind {
                "button_reply" | "list_reply" => reply_kind.to_owned(),
                _ => "interactive".to_owned(),
            };
            if let Some(id) = reply.and_then(|reply| reply.get("id")).cloned() {
                details.insert("reply_id".into(), id);
            }
            if let Some(description) = string(reply, "description") {
                details.insert("description".into(), Value::String(description));
            }
            string(reply, "title")
        }
        "button" => {
            if let Some(payload) = body.and_then(|button| button.get("payload")).cloned() {
                details.insert("payload".into(), payload);
            }
            string(body, "text")
        }
        other => {
            content_kind = "unsupported".to_owned();
            details.insert("type".into(), Value::String(other.to_owned()));
            if let Some(title) = first_error_title(message.get("errors")) {
                details.insert("error".into(), Value::String(title));
            }
            let shown = if other.is_empty() { "unknown" } else { other };
            Some(format!(
                "The customer sent a WhatsApp message of a kind that cannot be shown here ({shown})"
            ))
        }
    };
    Ok(Inbound {
        dedup_key: format!("m:{id}"),
        event: InboundEvent::Message(InboundMessage {
            customer,
            external_id: id,
            sent_at: timestamp(message),
            content_kind,
            text,
            attachments,
            reply_to_external_id: reply_to,
            // WhatsApp's `context` names the quoted message only, never its text.
            reply_to_text: None,
            referral: None,
            details: Value::Object(details),
        }),
    })
}

/// A `reaction` message: the customer's reaction to one message (theirs or
/// ours) as it is now; an empty emoji removes it. One without the message it
/// reacts to is kept as ignored.
fn reaction_event(customer: CustomerProfile, body: Option<&Value>) -> InboundEvent {
    let Some(external_message_id) = body
        .and_then(|reaction| reaction.get("message_id"))
        .and_then(text_of)
    else {
        return InboundEvent::Ignored {
            reason: "a WhatsApp reaction without the message it reacts to".into(),
        };
    };
    InboundEvent::Reaction(CustomerReaction {
        customer,
        external_message_id,
        emoji: string(body, "emoji"),
    })
}
