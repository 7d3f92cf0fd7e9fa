//! Inbound Channel API events (docs/CHANNEL_API.md): the integrator's JSON
//! checked field by field, so a refusal names what is wrong (`422`), then
//! turned into normalized [`Inbound`] events. Unknown fields are ignored, so
//! integrators may send more than we read.

use chrono::Utc;
use serde_json::{Map, Value};

use crate::channels::{
    ChannelError, CustomerProfile, DeliveryReport, EditedMessage, Inbound, InboundAttachment,
    InboundEvent, InboundMessage,
};

/// The attachment kinds an integrator may send.
pub const ATTACHMENT_KINDS: [&str; 6] = ["image", "video", "audio", "voice", "document", "sticker"];
/// The event types an integrator may send.
pub const EVENT_TYPES: [&str; 4] = ["message", "message_edited", "message_deleted", "delivery"];

fn invalid(reason: impl Into<String>) -> ChannelError {
    ChannelError::Malformed(reason.into())
}

/// One JSON object with the path it was found at, for error messages.
struct Object<'a> {
    path: &'a str,
    fields: &'a Map<String, Value>,
}

impl<'a> Object<'a> {
    fn name(&self, field: &str) -> String {
        if self.path.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.path)
        }
    }

    /// A string field that may be absent (or null); present, it must be a string.
    fn optional_text(&self, field: &str) -> Result<Option<&'a str>, ChannelError> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(invalid(format!("`{}` must be a string", self.name(field)))),
        }
    }

    /// A string field that must be present and not blank.
    fn required_text(&self, field: &str) -> Result<&'a str, ChannelError> {
        match self.optional_text(field)? {
            Some(text) if !text.trim().is_empty() => Ok(text),
            Some(_) => Err(invalid(format!("`{}` must not be empty", self.name(field)))),
            None => Err(invalid(format!("`{}` is required", self.name(field)))),
        }
    }

    fn optional_object(&self, field: &str) -> Result<Option<&'a Map<String, Value>>, ChannelError> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(fields)) => Ok(Some(fields)),
            Some(_) => Err(invalid(format!("`{}` must be an object", self.name(field)))),
        }
    }
}

/// Parses and checks one event body.
pub fn parse(body: &[u8]) -> Result<Inbound, ChannelError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| invalid(format!("the body is not JSON: {err}")))?;
    let Value::Object(fields) = &value else {
        return Err(invalid("the body must be a JSON object"));
    };
    let event = Object { path: "", fields };
    let kind = event.required_text("type")?;
    if !EVENT_TYPES.contains(&kind) {
        return Err(invalid(format!(
            "`type` must be one of {}",
            EVENT_TYPES.join(", ")
        )));
    }
    let id = event.required_text("id")?;
    let customer = customer(&event)?;
    let inbound = match kind {
        "message" => InboundEvent::Message(message(&event, customer)?),
        "message_edited" => {
            let message = message_object(&event)?;
            let text = message.optional_text("text")?;
            InboundEvent::Edited(EditedMessage {
                customer,
                external_id: message.required_text("id")?.to_owned(),
                edited_at: Utc::now(),
                text: text.map(str::to_owned),
                details: Value::Null,
            })
        }
        "message_deleted" => InboundEvent::Deleted {
            customer,
            external_id: event.required_text("message_id")?.to_owned(),
            deleted_at: Utc::now(),
        },
        _ => InboundEvent::DeliveryReport {
            external_message_id: event.required_text("message_id")?.to_owned(),
            report: delivery_report(&event)?,
        },
    };
    Ok(Inbound {
        dedup_key: id.to_owned(),
        event: inbound,
    })
}

fn customer(event: &Object<'_>) -> Result<CustomerProfile, ChannelError> {
    let fields = event
        .optional_object("customer")?
        .ok_or_else(|| invalid("`customer` is required"))?;
    let customer = Object {
        path: "customer",
        fields,
    };
    let clean = |text: Option<&str>| {
        text.map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    Ok(CustomerProfile {
        external_id: customer.required_text("id")?.to_owned(),
        name: customer
            .optional_text("name")?
            .ok_or_else(|| invalid("`customer.name` is required"))?
            .trim()
            .to_owned(),
        phone: clean(customer.optional_text("phone")?),
        email: clean(customer.optional_text("email")?),
        ..CustomerProfile::default()
    })
}

fn message_object<'a>(event: &Object<'a>) -> Result<Object<'a>, ChannelError> {
    let fields = event.optional_object("message")?.ok_or_else(|| {
        invalid(format!(
            "`message` is required for `{}`",
            event
                .optional_text("type")
                .ok()
                .flatten()
                .unwrap_or_default()
        ))
    })?;
    Ok(Object {
        path: "message",
        fields,
    })
}

fn message(event: &Object<'_>, customer: CustomerProfile) -> Result<InboundMessage, ChannelError> {
    let message = message_object(event)?;
    let text = message
        .optional_text("text")?
        .filter(|text| !text.trim().is_empty());
    let attachments = attachments(&message)?;
    if text.is_none() && attachments.is_empty() {
        return Err(invalid(
            "`message` needs a `text` or at least one of `attachments`",
        ));
    }
    let content_kind = match (&text, attachments.first()) {
        (_, Some(first)) => first.kind.clone(),
        _ => "text".to_owned(),
    };
    Ok(InboundMessage {
        customer,
        external_id: message.required_text("id")?.to_owned(),
        sent_at: Utc::now(),
        content_kind,
        text: text.map(str::to_owned),
        attachments,
        reply_to_external_id: message
            .optional_text("reply_to_id")?
            .filter(|id| !id.trim().is_empty())
            .map(str::to_owned),
        // The Channel API names the quoted message only.
        reply_to_text: None,
        referral: None,
        details: Value::Null,
    })
}

fn attachments(message: &Object<'_>) -> Result<Vec<InboundAttachment>, ChannelError> {
    let list = match message.fields.get("attachments") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid("`message.attachments` must be an array")),
    };
    list.iter()
        .enumerate()
        .map(|(index, value)| {
            let path = format!("message.attachments[{index}]");
            let Value::Object(fields) = value else {
                return Err(invalid(format!("`{path}` must be an object")));
            };
            let attachment = Object {
                path: &path,
                fields,
            };
            let url = attachment.required_text("url")?;
            let parsed = url::Url::parse(url)
                .map_err(|_| invalid(format!("`{path}.url` must be an absolute URL")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(invalid(format!("`{path}.url` must be http or https")));
            }
            let kind = attachment.required_text("kind")?;
            if !ATTACHMENT_KINDS.contains(&kind) {
                return Err(invalid(format!(
                    "`{path}.kind` must be one of {}",
                    ATTACHMENT_KINDS.join(", ")
                )));
            }
            Ok(InboundAttachment {
                kind: kind.to_owned(),
                name: attachment.required_text("name")?.to_owned(),
                mime: attachment.optional_text("mime")?.map(str::to_owned),
                size: None,
                external_ref: url.to_owned(),
            })
        })
        .collect()
}

fn delivery_report(event: &Object<'_>) -> Result<DeliveryReport, ChannelError> {
    match event.required_text("status")? {
        "delivered" => Ok(DeliveryReport::Delivered),
        "seen" => Ok(DeliveryReport::Seen),
        "failed" => Ok(DeliveryReport::Failed(
            event
                .optional_text("reason")?
                .map(str::trim)
                .filter(|reason| !reason.is_empty())
                .unwrap_or("the messenger reported a failure")
                .to_owned(),
        )),
        _ => Err(invalid("`status` must be one of delivered, seen, failed")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parsed(body: Value) -> Result<Inbound, String> {
        parse(body.to_string().as_bytes()).map_err(|err| match err {
            ChannelError::Malformed(reason) => reason,
            other => panic!("not a refusal of the body: {other:?}"),
        })
    }

    fn customer() -> Value {
        json!({"id": "c-1", "name": "Ana Ruiz", "phone": "+34 600 000 001", "email": "ana@example.com"})
    }

    #[test]
    fn a_text_message_becomes_a_customer_message_keyed_by_the_event_id() {
        let inbound = parsed(json!({
            "type": "message", "id": "ev-1", "customer": customer(),
            "message": {"id": "m-1", "text": "Hola", "reply_to_id": "r-9"}
        }))
        .expect("a valid event");
        assert_eq!(inbound.dedup_key, "ev-1");
        let InboundEvent::Message(message) = inbound.event else {
            panic!("not a message");
        };
        assert_eq!(message.customer.external_id, "c-1");
        assert_eq!(message.customer.name, "Ana Ruiz");
        assert_eq!(message.customer.phone.as_deref(), Some("+34 600 000 001"));
        assert_eq!(message.customer.email.as_deref(), Some("ana@example.com"));
        assert_eq!(message.external_id, "m-1");
        assert_eq!(message.text.as_deref(), Some("Hola"));
        assert_eq!(message.content_kind, "text");
        assert_eq!(message.reply_to_external_id.as_deref(), Some("r-9"));
    }

    #[test]
    fn attachments_keep_their_url_to_be_fetched_and_give_the_message_its_kind() {
        let inbound = parsed(json!({
            "type": "message", "id": "ev-2", "customer": customer(),
            "message": {"id": "m-2", "attachments": [
                {"url": "https://files.example.com/a.jpg", "name": "a.jpg", "kind": "image", "mime": "image/jpeg"}
            ]}
        }))
        .expect("a valid event");
        let InboundEvent::Message(message) = inbound.event else {
            panic!("not a message");
        };
        assert_eq!(message.content_kind, "image");
        assert_eq!(
            message.attachments,
            vec![InboundAttachment {
                kind: "image".into(),
                name: "a.jpg".into(),
                mime: Some("image/jpeg".into()),
                size: None,
                external_ref: "https://files.example.com/a.jpg".into(),
            }]
        );
    }

    #[test]
    fn edits_deletions_and_deliveries_are_normalized() {
        let edit = parsed(
            json!({"type": "message_edited", "id": "e", "customer": customer(),
            "message": {"id": "m-1", "text": "Hola!"}}),
        )
        .expect("valid");
        assert!(
            matches!(edit.event, InboundEvent::Edited(ref e) if e.external_id == "m-1" && e.text.as_deref() == Some("Hola!"))
        );
        let deleted = parsed(json!({"type": "message_deleted", "id": "d", "customer": customer(), "message_id": "m-1"}))
            .expect("valid");
        assert!(
            matches!(deleted.event, InboundEvent::Deleted { ref external_id, .. } if external_id == "m-1")
        );
        let failed = parsed(
            json!({"type": "delivery", "id": "f", "customer": customer(),
            "message_id": "p-7", "status": "failed", "reason": "blocked"}),
        )
        .expect("valid");
        assert_eq!(
            failed.event,
            InboundEvent::DeliveryReport {
                external_message_id: "p-7".into(),
                report: DeliveryReport::Failed("blocked".into())
            }
        );
        let seen = parsed(
            json!({"type": "delivery", "id": "s", "customer": customer(),
            "message_id": "p-7", "status": "seen"}),
        )
        .expect("valid");
        assert!(matches!(
            seen.event,
            InboundEvent::DeliveryReport {
                report: DeliveryReport::Seen,
                ..
            }
        ));
    }

    #[test]
    fn each_broken_rule_is_named() {
        let cases = [
            (json!([]), "JSON object"),
            (
                json!({"id": "x", "customer": customer()}),
                "`type` is required",
            ),
            (
                json!({"type": "hello", "id": "x", "customer": customer()}),
                "`type` must be one of",
            ),
            (
                json!({"type": "message", "customer": customer(), "message": {"id": "m", "text": "t"}}),
                "`id` is required",
            ),
            (
                json!({"type": "message", "id": 5, "customer": customer(), "message": {"id": "m", "text": "t"}}),
                "`id` must be a string",
            ),
            (
                json!({"type": "message", "id": "x", "message": {"id": "m", "text": "t"}}),
                "`customer` is required",
            ),
            (
                json!({"type": "message", "id": "x", "customer": {"name": "A"}, "message": {"id": "m", "text": "t"}}),
                "`customer.id` is required",
            ),
            (
                json!({"type": "message", "id": "x", "customer": {"id": "c"}, "message": {"id": "m", "text": "t"}}),
                "`customer.name` is required",
            ),
            (
                json!({"type": "message", "id": "x", "customer": customer()}),
                "`message` is required",
            ),
            (
                json!({"type": "message", "id": "x", "customer": customer(), "message": {"id": "m"}}),
                "needs a `text`",
            ),
            (
                json!({"type": "message", "id": "x", "customer": customer(), "message": {"text": "t"}}),
                "`message.id` is required",
            ),
            (
                json!({"type": "message", "id": "x", "customer": customer(), "message": {"id": "m",
                "attachments": [{"url": "ftp://x/y", "name": "y", "kind": "image"}]}}),
                "`message.attachments[0].url` must be http or https",
            ),
            (
                json!({"type": "message", "id": "x", "customer": customer(), "message": {"id": "m",
                "attachments": [{"url": "https://x/y", "name": "y", "kind": "gif"}]}}),
                "`message.attachments[0].kind` must be one of",
            ),
            (
                json!({"type": "message_deleted", "id": "x", "customer": customer()}),
                "`message_id` is required",
            ),
            (
                json!({"type": "delivery", "id": "x", "customer": customer(), "message_id": "p"}),
                "`status` is required",
            ),
            (
                json!({"type": "delivery", "id": "x", "customer": customer(), "message_id": "p", "status": "read"}),
                "`status` must be one of",
            ),
        ];
        for (body, expected) in cases {
            let reason = parsed(body.clone()).expect_err(&body.to_string());
            assert!(reason.contains(expected), "{body}: {reason}");
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_refused() {
        let reason = match parse(b"not json") {
            Err(ChannelError::Malformed(reason)) => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason.contains("not JSON"), "{reason}");
    }
}
