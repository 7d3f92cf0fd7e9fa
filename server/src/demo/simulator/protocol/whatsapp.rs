//! The WhatsApp Cloud (Graph) API's side of the conversation: the bearer
//! token, Graph's error shape (`{error: {message, type, code, error_data:
//! {details}}}`, with `(#code)` before the message), the number and media
//! objects, the checks a message request passes before Meta answers with a
//! `wamid`, and the webhook notifications Meta posts (signed with the app
//! secret in `X-Hub-Signature-256`).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};

/// The header Meta signs notifications in.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// The longest text body, in characters.
const TEXT_MAX: usize = 4096;
/// The media types a message can carry by id or link.
const MEDIA_KINDS: [&str; 5] = ["image", "document", "video", "audio", "sticker"];

/// A Graph API refusal: the HTTP status and Graph's error object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: u16,
    pub code: i64,
    pub message: String,
    pub details: String,
}

impl GraphError {
    pub fn new(status: u16, code: i64, message: &str, details: &str) -> GraphError {
        GraphError {
            status,
            code,
            message: message.to_owned(),
            details: details.to_owned(),
        }
    }

    pub fn json(&self) -> Value {
        json!({"error": {
            "message": format!("(#{}) {}", self.code, self.message),
            "type": "OAuthException",
            "code": self.code,
            "error_data": {"messaging_product": "whatsapp", "details": self.details},
            "fbtrace_id": "ATidingsSimulatedGraph",
        }})
    }

    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        HttpResponse::build(status).json(self.json())
    }
}

/// 100 "Invalid parameter" with what is wrong.
pub fn invalid(details: impl std::fmt::Display) -> GraphError {
    GraphError::new(400, 100, "Invalid parameter", &details.to_string())
}

pub fn unknown_object(id: &str) -> GraphError {
    GraphError::new(
        400,
        100,
        "Unsupported request",
        &format!("Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"),
    )
}

pub fn unknown_path(edge: &str) -> GraphError {
    GraphError::new(400, 100, "Unknown path components", &format!("/{edge}"))
}

pub fn token_required() -> GraphError {
    GraphError::new(
        401,
        190,
        "An active access token must be used to query information about the current user",
        "",
    )
}

pub fn token_invalid() -> GraphError {
    GraphError::new(
        401,
        190,
        "Invalid OAuth access token - Cannot parse access token",
        "",
    )
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(authorization: Option<&str>) -> Option<&str> {
    authorization.and_then(|value| value.strip_prefix("Bearer "))
}

/// A business phone number as `GET /{phone_number_id}` describes it.
pub struct Number<'a> {
    pub id: &'a str,
    pub verified_name: &'a str,
    pub display_phone_number: &'a str,
}

pub fn number(number: &Number) -> Value {
    json!({
        "verified_name": number.verified_name,
        "display_phone_number": number.display_phone_number,
        "id": number.id,
        "quality_rating": "GREEN",
        "code_verification_status": "VERIFIED",
        "platform_type": "CLOUD_API",
        "throughput": {"level": "STANDARD"},
    })
}

/// Where a medium is: `GET /{media_id}`; the URL needs the bearer token.
pub fn medium(id: &str, url: &str, mime: &str, size: usize, sha256: &str) -> Value {
    json!({
        "messaging_product": "whatsapp", "url": url, "mime_type": mime,
        "sha256": sha256, "file_size": size, "id": id,
    })
}

/// A page of `GET /{business_account_id}/message_templates`.
pub fn templates_page(templates: Vec<Value>) -> Value {
    json!({"data": templates, "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}}})
}

/// What a message request carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Text(String),
    Template {
        name: String,
        language: String,
        /// The body's parameters, in order.
        values: Vec<String>,
    },
    /// `image`, `document`, `video`, `audio` or `sticker`, by uploaded id or
    /// by link.
    Media {
        kind: String,
        id: Option<String>,
        link: Option<String>,
        caption: Option<String>,
        filename: Option<String>,
    },
    /// An empty emoji removes the reaction.
    Reaction {
        message_id: String,
        emoji: String,
    },
}

/// A message request that Graph's checks let through.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// `to` as written (a `+`, spaces or dashes allowed).
    pub to: String,
    /// The recipient's WhatsApp id: the digits of `to`.
    pub wa_id: String,
    /// `type` (`text` when absent).
    pub kind: String,
    pub content: Content,
    /// The quoted message (`context.message_id`).
    pub quoted: Option<String>,
}

fn field<'a>(body: &'a Value, pointer: &str) -> Option<&'a str> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

/// Checks a `POST /{phone_number_id}/messages` body as Graph does.
pub fn outgoing(body: &[u8]) -> Result<Outgoing, GraphError> {
    let body: Value =
        serde_json::from_slice(body).map_err(|_| invalid("The request body is not JSON."))?;
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err(invalid("The parameter messaging_product is required."));
    }
    let Some(to) = field(&body, "/to") else {
        return Err(invalid("The parameter to is required."));
    };
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("text");
    let content = match kind {
        "text" => match field(&body, "/text/body") {
            Some(text) if text.chars().count() <= TEXT_MAX => Content::Text(text.to_owned()),
            Some(_) => {
                return Err(invalid(
                    "Param text['body'] must be at most 4096 characters long.",
                ))
            }
            None => return Err(invalid("The parameter text['body'] is required.")),
        },
        "template" => {
            let (Some(name), Some(language)) = (
                field(&body, "/template/name"),
                field(&body, "/template/language/code"),
            ) else {
                return Err(invalid("The parameters template['name'] and template['language']['code'] are required."));
            };
            Content::Template {
                name: name.to_owned(),
                language: language.to_owned(),
                values: template_values(&body),
            }
        }
        kind if MEDIA_KINDS.contains(&kind) => {
            let id = field(&body, &format!("/{kind}/id")).map(str::to_owned);
            let link = field(&body, &format!("/{kind}/link")).map(str::to_owned);
            if id.is_none() && link.is_none() {
                return Err(invalid(format!(
                    "Param {kind}['id'] or {kind}['link'] is required."
                )));
            }
            Content::Media {
                kind: kind.to_owned(),
                id,
                link,
                caption: field(&body, &format!("/{kind}/caption")).map(str::to_owned),
                filename: field(&body, &format!("/{kind}/filename")).map(str::to_owned),
            }
        }
        "reaction" => {
            let Some(message_id) = field(&body, "/reaction/message_id") else {
                return Err(invalid("The parameter reaction['message_id'] is required."));
            };
            let emoji = body.pointer("/reaction/emoji").and_then(Value::as_str);
            Content::Reaction {
                message_id: message_id.to_owned(),
                emoji: emoji.unwrap_or_default().to_owned(),
            }
        }
        other => return Err(invalid(format!(
            "Param type must be one of {{text, template, image, document, video, audio, sticker, reaction}}, got {other}"
        ))),
    };
    Ok(Outgoing {
        to: to.to_owned(),
        // Numbers may come with `+`, spaces or dashes; WhatsApp ids are digits.
        wa_id: to.chars().filter(char::is_ascii_digit).collect(),
        kind: kind.to_owned(),
        content,
        quoted: field(&body, "/context/message_id").map(str::to_owned),
    })
}

/// The texts of a template's `body` parameters, in order.
fn template_values(body: &Value) -> Vec<String> {
    body.pointer("/template/components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|component| component.get("type").and_then(Value::as_str) == Some("body"))
        .flat_map(|component| {
            component
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .map(|parameter| {
            parameter
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// The answer to an accepted message: its `wamid`. Meta answers this even
/// when the message will fail (outside the window, a number nobody has); the
/// failure comes later as a `failed` status.
pub fn accepted(outgoing: &Outgoing, wamid: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": outgoing.to, "wa_id": outgoing.wa_id}],
        "messages": [{"id": wamid}],
    })
}

/// A WhatsApp message id: opaque to everyone, unique per message.
pub fn wamid(counter: u64, wa_id: &str) -> String {
    format!("wamid.HBgL{wa_id}FQIAEhgU{counter:020X}")
}

/// The business account and number notifications are about.
pub struct Business<'a> {
    pub account_id: &'a str,
    pub phone_number_id: &'a str,
    /// Digits only, as notifications write it.
    pub display_phone_number: &'a str,
}

/// A `messages` notification to the business number with `value`'s events,
/// byte for byte as Meta sends it.
pub fn notification(business: &Business, value: Value) -> Vec<u8> {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({
        "display_phone_number": business.display_phone_number,
        "phone_number_id": business.phone_number_id,
    });
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": business.account_id, "changes": [{"value": value, "field": "messages"}]}],
    }))
    .unwrap_or_default()
}

/// A customer's message (`message` holds `type` and its object).
pub fn message_notification(
    business: &Business,
    wa_id: &str,
    name: &str,
    id: &str,
    timestamp: i64,
    message: Value,
) -> Vec<u8> {
    let mut message = message;
    message["from"] = json!(wa_id);
    message["id"] = json!(id);
    message["timestamp"] = json!(timestamp.to_string());
    notification(
        business,
        json!({
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [message],
        }),
    )
}

/// A status of our message `wamid` (`sent`, `delivered`, `read`, `failed`
/// with its `errors`). Sent and delivered ones carry the conversation and
/// its pricing, as Meta's do.
pub fn status(
    wamid: &str,
    wa_id: &str,
    state: &str,
    timestamp: i64,
    errors: Option<Value>,
) -> Value {
    let mut status = json!({
        "id": wamid, "status": state, "timestamp": timestamp.to_string(), "recipient_id": wa_id,
    });
    if state == "sent" || state == "delivered" {
        status["conversation"] = json!({"id": format!("c{wa_id}"), "origin": {"type": "service"}});
        status["pricing"] =
            json!({"billable": false, "pricing_model": "CBP", "category": "service"});
    }
    if let Some(errors) = errors {
        status["errors"] = errors;
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: Value) -> Result<Outgoing, GraphError> {
        outgoing(&serde_json::to_vec(&body).expect("JSON serializes"))
    }

    #[test]
    fn a_message_request_is_checked_as_graph_checks_it() {
        let base = |extra: Value| {
            let mut body = json!({"messaging_product": "whatsapp", "to": "+34 600-000-001"});
            for (key, value) in extra.as_object().into_iter().flatten() {
                body[key] = value.clone();
            }
            body
        };
        let refused = [
            json!({"to": "1", "type": "text", "text": {"body": "hi"}}),
            json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "hi"}}),
            base(json!({"type": "text", "text": {"body": ""}})),
            base(json!({"type": "text", "text": {"body": "a".repeat(TEXT_MAX + 1)}})),
            base(json!({"type": "template", "template": {"name": "x"}})),
            base(json!({"type": "image", "image": {"caption": "no id"}})),
            base(json!({"type": "reaction", "reaction": {"emoji": "👍"}})),
            base(json!({"type": "hologram"})),
        ];
        for body in refused {
            let error = check(body.clone()).expect_err("refused");
            assert_eq!((error.status, error.code), (400, 100), "{body}");
        }
        let text = check(base(
            json!({"text": {"body": "hi"}, "context": {"message_id": "wamid.Q"}}),
        ))
        .expect("a text without a type is text");
        assert_eq!(text.wa_id, "34600000001");
        assert_eq!(text.content, Content::Text("hi".into()));
        assert_eq!(text.quoted.as_deref(), Some("wamid.Q"));
    }

    #[test]
    fn a_templates_body_values_are_read_in_order() {
        let body = json!({"messaging_product": "whatsapp", "to": "1", "type": "template",
        "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "no"}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "#42"}]},
        ]}});
        let Content::Template { values, .. } = check(body).expect("accepted").content else {
            panic!("a template");
        };
        assert_eq!(values, ["Ana", "#42"]);
    }
}
