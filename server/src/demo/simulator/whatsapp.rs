//! The simulated WhatsApp Cloud API under `/whatsapp` (the server's
//! `whatsapp_api_url`) and its customers:
//!
//! - `GET /{phone_number_id}` — the number check (`verified_name`,
//!   `display_phone_number`); `GET /{media_id}` — where a medium is.
//! - `POST /{phone_number_id}/messages` — text, template, media by id,
//!   reaction, with an optional `context` (the quoted message). Answers
//!   `{messages: [{id: "wamid.…"}]}`, then posts signed `statuses`
//!   notifications: `sent`, `delivered`, `read`.
//! - `POST /{phone_number_id}/media` — a multipart upload, answered with a
//!   media id; `GET /{business_account_id}/message_templates` — the approved
//!   demo templates.
//! - `GET /whatsapp_business/attachments/?mid=…` — the media download, with
//!   the bearer token like Meta's `lookaside.fbsbx.com` links (it is on the
//!   API base's host and port, the one media host the server's channel
//!   allows besides Meta's CDN domains).
//!
//! Refusals use Graph's error shape (`{error: {message, type, code,
//! error_data: {details}}}`). Quirk kept on purpose: a free-form message
//! outside the 24-hour window is *accepted* (a `wamid` comes back) and then
//! fails with a `failed` status carrying error 131047 "Re-engagement
//! message", as the Cloud API does — that is how a business ends up showing
//! "sent" for a message that never arrives, and why the server refuses such a
//! reply before sending it. A number nobody has gets 131026 the same way.
//!
//! WhatsApp has no "set webhook" call: the callback URL and verify token are
//! pasted into Meta's dashboard, and Meta checks them with a `GET
//! …?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` that must echo
//! the challenge. The demo seeder plays the admin in the dashboard: it hands
//! the integration's `webhook_url` and `verify_token` to [`subscribe`], which
//! makes that check before using the URL (again at every start, as the
//! server's address may change). Customers' messages and statuses are signed
//! with the demo app's secret (`X-Hub-Signature-256`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::api::chats::Direction;
use shared::api::Channel;

use super::customers::{post_webhook, Content};
use super::png;
pub use super::protocol::whatsapp::wamid;
use super::protocol::whatsapp::{
    self as protocol, invalid, unknown_object, Business, Content as Request, GraphError, Number,
};
use super::request::read_params;
use super::state::{
    message, upload_name, Customer, MessageKind, Sim, Status, Upload, Webhook, WHATSAPP_APP_SECRET,
    WHATSAPP_BUSINESS_ACCOUNT_ID, WHATSAPP_DISPLAY_NUMBER, WHATSAPP_PHONE_NUMBER_ID,
    WHATSAPP_TOKEN,
};
use crate::channels::whatsapp::sign;
use crate::domain::whatsapp::{count_placeholders, render_template};

/// The business's verified name.
pub const VERIFIED_NAME: &str = "Tidings Demo Shop";
/// How long after a customer's message the business may answer freely.
const WINDOW: TimeDelta = TimeDelta::hours(24);
/// When `sent`, `delivered` and `read` follow an accepted message (each
/// after the one before).
const SENT_AFTER: Duration = Duration::from_millis(300);
const DELIVERED_AFTER: Duration = Duration::from_millis(700);
const READ_AFTER: Duration = Duration::from_millis(1_500);
/// Media ids of customers' pictures: this plus the picture's seed.
const PHOTO_MEDIA_BASE: u64 = 1_090_000_000_000_000;
const UPLOAD_MEDIA_BASE: u64 = 2_090_000_000_000_000;
/// [`WHATSAPP_DISPLAY_NUMBER`]'s digits, as notifications write it.
const DISPLAY_DIGITS: &str = "34930000123";

/// The approved templates: (name, language, category, body).
pub const TEMPLATES: [(&str, &str, &str, &str); 4] = [
    (
        "order_update",
        "en_US",
        "UTILITY",
        "Hi {{1}}, your order {{2}} is on its way. Reply here if you have any questions.",
    ),
    (
        "order_update",
        "es",
        "UTILITY",
        "Hola {{1}}, tu pedido {{2}} está en camino. Responde aquí si tienes alguna pregunta.",
    ),
    (
        "follow_up",
        "en_US",
        "MARKETING",
        "Hi {{1}}, we haven't heard from you in a while. Shall we pick up where we left off?",
    ),
    (
        "follow_up",
        "es",
        "MARKETING",
        "Hola {{1}}, hace tiempo que no hablamos. ¿Seguimos donde lo dejamos?",
    ),
];

/// The bearer token is the demo number's, or the Graph answer refusing it.
fn authorize(request: &HttpRequest) -> Result<(), GraphError> {
    let header = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok());
    match protocol::bearer(header) {
        Some(token) if token == WHATSAPP_TOKEN => Ok(()),
        Some(_) => Err(protocol::token_invalid()),
        None => Err(protocol::token_required()),
    }
}

/// `GET {base}/{object}`: the business number, or a medium.
pub async fn object(
    request: HttpRequest,
    id: web::Path<String>,
    sim: web::Data<Sim>,
) -> HttpResponse {
    if let Err(refused) = authorize(&request) {
        return refused.response();
    }
    let id = id.into_inner();
    if id == WHATSAPP_PHONE_NUMBER_ID {
        return HttpResponse::Ok().json(protocol::number(&Number {
            id: WHATSAPP_PHONE_NUMBER_ID,
            verified_name: VERIFIED_NAME,
            display_phone_number: WHATSAPP_DISPLAY_NUMBER,
        }));
    }
    match medium(&sim, &id) {
        Some((mime, bytes)) => HttpResponse::Ok().json(protocol::medium(
            &id,
            &format!("{}whatsapp_business/attachments/?mid={id}", sim.base),
            &mime,
            bytes.len(),
            &hex::encode(Sha256::digest(&bytes)),
        )),
        None => unknown_object(&id).response(),
    }
}

/// A medium by id: a customer's picture or an upload.
fn medium(sim: &Sim, id: &str) -> Option<(String, Vec<u8>)> {
    match photo_seed(id) {
        Some(seed) => Some(("image/png".to_owned(), png::photo(seed))),
        None => sim.upload(id),
    }
}

/// The media id of a customer's picture.
pub fn photo_media_id(seed: u64) -> String {
    PHOTO_MEDIA_BASE.saturating_add(seed).to_string()
}

/// The picture seed behind a customer's media id.
pub fn photo_seed(media_id: &str) -> Option<u64> {
    let id: u64 = media_id.parse().ok()?;
    let seed = id.checked_sub(PHOTO_MEDIA_BASE)?;
    (seed > 0 && seed < 1_000_000_000).then_some(seed)
}

#[derive(Deserialize)]
pub struct Download {
    mid: Option<String>,
}

/// The media download behind a `GET /{media_id}` URL; needs the token.
pub async fn download(
    request: HttpRequest,
    query: web::Query<Download>,
    sim: web::Data<Sim>,
) -> HttpResponse {
    if authorize(&request).is_err() {
        return HttpResponse::Unauthorized().body("Unauthorized");
    }
    match query.mid.as_deref().and_then(|id| medium(&sim, id)) {
        Some((mime, bytes)) => HttpResponse::Ok().content_type(mime).body(bytes),
        None => HttpResponse::NotFound().body("Not Found"),
    }
}

/// `GET|POST {base}/{object}/{edge}`: messages, media, templates.
pub async fn edge(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: Bytes,
    sim: web::Data<Sim>,
) -> HttpResponse {
    if let Err(refused) = authorize(&request) {
        return refused.response();
    }
    let (id, edge) = path.into_inner();
    let method = request.method().as_str();
    match (method, edge.as_str()) {
        ("GET", "message_templates") if id == WHATSAPP_BUSINESS_ACCOUNT_ID => templates(),
        ("POST", "messages") if id == WHATSAPP_PHONE_NUMBER_ID => {
            send_message(sim.into_inner(), &body)
        }
        ("POST", "media") if id == WHATSAPP_PHONE_NUMBER_ID => upload(&sim, &request, body).await,
        ("GET", "message_templates") | ("POST", "messages" | "media") => {
            unknown_object(&id).response()
        }
        _ => protocol::unknown_path(&edge).response(),
    }
}

fn templates() -> HttpResponse {
    let data: Vec<Value> = TEMPLATES
        .iter()
        .enumerate()
        .map(|(index, (name, language, category, text))| {
            json!({
                "name": name, "language": language, "category": category,
                "status": "APPROVED", "id": format!("{}", 880_000_000_000_000_u64 + index as u64),
                "components": [{"type": "BODY", "text": text}],
            })
        })
        .collect();
    HttpResponse::Ok().json(protocol::templates_page(data))
}

async fn upload(sim: &Sim, request: &HttpRequest, body: Bytes) -> HttpResponse {
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("multipart/form-data") {
        return invalid("the upload must be multipart/form-data").response();
    }
    let params = read_params(request, body).await;
    if params.str("messaging_product").as_deref() != Some("whatsapp") {
        return invalid("The parameter messaging_product is required.").response();
    }
    let declared = params.str("type");
    let Some(file) = params.files.into_iter().next() else {
        return invalid("The parameter file is required.").response();
    };
    let bytes = file.bytes;
    if bytes.is_empty() {
        return invalid("The file is empty.").response();
    }
    let mime = declared
        .or(file.content_type)
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let media_id = sim.update(|state| {
        state.next_upload += 1;
        let media_id = UPLOAD_MEDIA_BASE
            .saturating_add(state.next_upload)
            .to_string();
        state.keep_upload(Upload {
            media_id: media_id.clone(),
            mime,
            bytes,
        });
        media_id
    });
    HttpResponse::Ok().json(json!({"id": media_id}))
}

/// What the customer's phone shows for an accepted message.
struct Shown {
    kind: MessageKind,
    text: Option<String>,
    photo: Option<String>,
    /// A reaction to this message id rather than a message.
    reaction_to: Option<String>,
    /// Templates may be sent at any time; anything else needs the window.
    needs_window: bool,
}

/// What the customer sees of a request Graph's checks let through, or the
/// simulator's own refusal (an unknown template or medium).
fn shown(sim: &Sim, content: &Request) -> Result<Shown, GraphError> {
    let plain = |kind, text: Option<String>| Shown {
        kind,
        text,
        photo: None,
        reaction_to: None,
        needs_window: true,
    };
    match content {
        Request::Text(text) => Ok(plain(MessageKind::Text, Some(text.clone()))),
        Request::Template {
            name,
            language,
            values,
        } => {
            let Some((_, _, _, text)) = TEMPLATES
                .iter()
                .find(|(known, code, _, _)| known == name && code == language)
            else {
                return Err(GraphError::new(
                    404,
                    132001,
                    "Template name does not exist in the translation",
                    &format!("template name ({name}) does not exist in {language}"),
                ));
            };
            let expected = count_placeholders(text);
            if values.len() != expected {
                return Err(GraphError::new(
                    400,
                    132000,
                    "Number of parameters does not match the expected number of params",
                    &format!("body: number of localizable_params ({}) does not match the expected number of params ({expected})", values.len()),
                ));
            }
            Ok(Shown {
                kind: MessageKind::Template,
                text: Some(render_template(text, values)),
                photo: None,
                reaction_to: None,
                needs_window: false,
            })
        }
        Request::Media {
            kind,
            id,
            caption,
            filename,
            ..
        } => {
            let Some(id) = id else {
                return Err(invalid(format!(
                    "Param {kind}['id'] is required: the simulator takes uploaded media only"
                )));
            };
            let Some((mime, _)) = medium(sim, id) else {
                return Err(invalid(format!(
                    "Param {kind}['id'] is not a valid media id"
                )));
            };
            if kind == "image" && (mime == "image/png" || mime == "image/jpeg") {
                let mut shown = plain(MessageKind::Photo, caption.clone());
                shown.photo = Some(upload_name(id));
                return Ok(shown);
            }
            let name = filename.as_deref().unwrap_or(kind);
            let text = match caption {
                Some(caption) => format!("📎 {name}\n{caption}"),
                None => format!("📎 {name}"),
            };
            Ok(plain(MessageKind::Text, Some(text)))
        }
        Request::Reaction { message_id, emoji } => {
            let text = if emoji.is_empty() {
                format!("{VERIFIED_NAME} removed its reaction")
            } else {
                format!("{VERIFIED_NAME} reacted {emoji}")
            };
            Ok(Shown {
                kind: MessageKind::Event,
                text: Some(text),
                photo: None,
                reaction_to: Some(message_id.clone()),
                needs_window: true,
            })
        }
    }
}

/// How an accepted message ends.
enum Fate {
    /// Reaches the phone and is read.
    Read { customer_id: u64, message_id: u64 },
    /// Fails with this Graph error (code, title, details).
    Fails {
        sim_message: Option<(u64, u64)>,
        code: i64,
        title: &'static str,
        details: &'static str,
    },
}

fn send_message(sim: Arc<Sim>, body: &[u8]) -> HttpResponse {
    let outgoing = match protocol::outgoing(body) {
        Ok(outgoing) => outgoing,
        Err(refused) => return refused.response(),
    };
    let shown = match shown(&sim, &outgoing.content) {
        Ok(shown) => shown,
        Err(refused) => return refused.response(),
    };
    let wa_id = outgoing.wa_id.clone();
    let quoted = outgoing.quoted.clone();
    let now = Utc::now();
    let (wamid, fate) = sim.update(|state| {
        let wamid = wamid(state.take_wamid(), &wa_id);
        let Some(customer) = state.customer_by_external(Channel::Whatsapp, &wa_id) else {
            return (
                wamid,
                Fate::Fails {
                    sim_message: None,
                    code: 131026,
                    title: "Message undeliverable",
                    details: "Message Undeliverable.",
                },
            );
        };
        let customer_id = customer.id;
        let window_open = customer
            .messages
            .iter()
            .rev()
            .find(|m| {
                m.direction == Direction::In
                    && matches!(
                        m.kind,
                        MessageKind::Text | MessageKind::Photo | MessageKind::Location
                    )
            })
            .is_some_and(|last| now - last.at < WINDOW);
        let text_of = |id: &str| {
            customer
                .messages
                .iter()
                .find(|m| m.external_id.as_deref() == Some(id))
                .map(|m| {
                    m.text.clone().unwrap_or_else(|| match m.kind {
                        MessageKind::Photo => "📷 Photo".to_owned(),
                        MessageKind::Location => "📍 Location".to_owned(),
                        _ => String::new(),
                    })
                })
        };
        let quote = quoted.as_deref().and_then(&text_of);
        let mut text = shown.text.clone();
        if let Some(target) = shown.reaction_to.as_deref() {
            if let (Some(line), Some(target)) = (&text, text_of(target)) {
                text = Some(format!("{line} to “{target}”"));
            }
        }
        let mut entry = message(Direction::Out, shown.kind, Status::Sent);
        entry.text = text;
        entry.photo = shown.photo.clone();
        entry.external_id = Some(wamid.clone());
        entry.quote = quote;
        let message_id = state.push_message(customer_id, entry).unwrap_or_default();
        let fate = if shown.needs_window && !window_open {
            Fate::Fails {
                sim_message: Some((customer_id, message_id)),
                code: 131047,
                title: "Re-engagement message",
                details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            }
        } else {
            Fate::Read {
                customer_id,
                message_id,
            }
        };
        (wamid, fate)
    });
    let answer = protocol::accepted(&outgoing, &wamid);
    actix_web::rt::spawn(async move {
        statuses(&sim, &wamid, &wa_id, fate).await;
    });
    HttpResponse::Ok().json(answer)
}

/// Posts the statuses of an accepted message and shows them to the customer.
async fn statuses(sim: &Sim, wamid: &str, wa_id: &str, fate: Fate) {
    match fate {
        Fate::Read {
            customer_id,
            message_id,
        } => {
            for (wait, state, shown) in [
                (SENT_AFTER, "sent", Status::Sent),
                (DELIVERED_AFTER, "delivered", Status::Delivered),
                (READ_AFTER, "read", Status::Seen),
            ] {
                tokio::time::sleep(wait).await;
                let status = protocol::status(wamid, wa_id, state, Utc::now().timestamp(), None);
                let body = notification(json!({ "statuses": [status] }));
                if let Err(error) = deliver(sim, body).await {
                    tracing::debug!(%error, state, "the simulated WhatsApp could not post a status");
                    return;
                }
                sim.update(|st| {
                    if let Some(entry) = st.message_mut(customer_id, message_id) {
                        entry.status = shown;
                    }
                });
            }
        }
        Fate::Fails {
            sim_message,
            code,
            title,
            details,
        } => {
            tokio::time::sleep(SENT_AFTER).await;
            let errors = json!([{
                "code": code, "title": title, "message": title,
                "error_data": {"details": details},
            }]);
            let status =
                protocol::status(wamid, wa_id, "failed", Utc::now().timestamp(), Some(errors));
            let body = notification(json!({ "statuses": [status] }));
            let posted = deliver(sim, body).await;
            if let Some((customer_id, message_id)) = sim_message {
                sim.update(|st| {
                    if let Some(entry) = st.message_mut(customer_id, message_id) {
                        entry.status = Status::Failed;
                        entry.error = Some(format!("{title}: {details}"));
                    }
                });
            }
            if let Err(error) = posted {
                tracing::debug!(%error, "the simulated WhatsApp could not post a failed status");
            }
        }
    }
}

/// The demo's business account and number.
fn business() -> Business<'static> {
    Business {
        account_id: WHATSAPP_BUSINESS_ACCOUNT_ID,
        phone_number_id: WHATSAPP_PHONE_NUMBER_ID,
        display_phone_number: DISPLAY_DIGITS,
    }
}

/// A `messages` notification to the demo number with `value`'s events.
fn notification(value: Value) -> Vec<u8> {
    protocol::notification(&business(), value)
}

/// The notification a customer's message produces, byte for byte as Meta
/// sends it; `None` for what a WhatsApp customer cannot do (open the chat
/// without writing).
pub fn message_notification(
    wamid: &str,
    customer: &Customer,
    at: DateTime<Utc>,
    content: &Content,
) -> Option<Vec<u8>> {
    let message = match content {
        Content::Start(_) => return None,
        Content::Text(text) => json!({"type": "text", "text": {"body": text}}),
        Content::Photo { seed, caption } => {
            let mut image = json!({
                "mime_type": "image/png",
                "sha256": hex::encode(Sha256::digest(png::photo(*seed))),
                "id": photo_media_id(*seed),
            });
            if let Some(caption) = caption {
                image["caption"] = json!(caption);
            }
            json!({"type": "image", "image": image})
        }
        Content::Location { lat, lon } => {
            json!({"type": "location", "location": {"latitude": lat, "longitude": lon}})
        }
    };
    Some(protocol::message_notification(
        &business(),
        &customer.external_id,
        &customer.name(),
        wamid,
        at.timestamp(),
        message,
    ))
}

/// Signs and POSTs a notification to the callback URL.
pub async fn deliver(sim: &Sim, body: Vec<u8>) -> Result<(), String> {
    let Some(hook) = sim.read(|state| state.webhooks.get(&Channel::Whatsapp).cloned()) else {
        return Err("no callback URL is verified for the number: WhatsApp delivers nothing".into());
    };
    let headers = [(protocol::SIGNATURE_HEADER, sign(WHATSAPP_APP_SECRET, &body))];
    post_webhook(sim, &hook.url, &headers, body)
        .await
        .map(|_| ())
}

/// Meta's "Verify and save": checks that `url` answers the verification
/// with the challenge for `verify_token`, then posts the number's
/// notifications there.
pub async fn subscribe(sim: &Sim, url: &str, verify_token: &str) -> Result<(), String> {
    let challenge = rand::thread_rng()
        .gen_range(100_000_000_u64..999_999_999)
        .to_string();
    let mut check =
        url::Url::parse(url).map_err(|err| format!("the callback URL is not a URL: {err}"))?;
    check
        .query_pairs_mut()
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.verify_token", verify_token)
        .append_pair("hub.challenge", &challenge);
    let response = sim
        .http
        .get(check)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|err| format!("the callback URL cannot be reached: {}", err.without_url()))?;
    let status = response.status();
    let answer = response.text().await.unwrap_or_default();
    if !status.is_success() || answer.trim() != challenge {
        return Err(format!(
            "the callback URL or verify token couldn't be validated (HTTP {status})"
        ));
    }
    sim.update(|state| {
        state.webhooks.insert(
            Channel::Whatsapp,
            Webhook {
                url: url.to_owned(),
                secret: None,
            },
        )
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_write_the_display_number_as_digits() {
        let digits: String = WHATSAPP_DISPLAY_NUMBER
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        assert_eq!(DISPLAY_DIGITS, digits);
    }

    #[test]
    fn a_pictures_media_id_leads_back_to_the_picture() {
        assert_eq!(photo_seed(&photo_media_id(4711)), Some(4711));
        assert_eq!(photo_seed("2090000000000001"), None);
        assert_eq!(photo_seed("not a number"), None);
        assert_eq!(photo_seed("12"), None);
    }

    #[test]
    fn every_demo_template_has_english_and_spanish_and_a_placeholder() {
        for (name, _, _, text) in TEMPLATES {
            assert!(count_placeholders(text) >= 1, "{name}");
            for language in ["en_US", "es"] {
                assert!(
                    TEMPLATES
                        .iter()
                        .any(|(n, l, _, _)| *n == name && *l == language),
                    "{name} {language}"
                );
            }
        }
    }
}
