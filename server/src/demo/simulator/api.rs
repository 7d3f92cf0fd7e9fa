//! The customer simulator's page and its JSON API (what the page polls and
//! posts). Several pages may be open at once: everything lives server-side.
//!
//! - `GET /` — the page.
//! - `GET /api/state?customer=ID&version=V` — bots, customers, the chosen
//!   customer's conversation; `{"unchanged": true}` while `version` is current.
//! - `POST /api/customers` `{name?, channel, language?, referral?}` — a new
//!   customer opens the bot (Telegram `/start`, Viber `conversation_started`;
//!   a WhatsApp customer only gets a number and is heard of when writing).
//! - `POST /api/customers/{id}/messages` `{kind: "text", text}` |
//!   `{kind: "photo", caption?}` | `{kind: "location"}`.
//! - `POST /api/customers/{id}/{block|unblock|subscribe|unsubscribe}`.
//! - `PUT /api/traffic` `{on}` — the live-traffic switch.
//! - `GET /media/{name}` — pictures (Viber media links, the page's images,
//!   files the server uploaded to WhatsApp as `wa-<media id>`).

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::api::Channel;

use super::customers::{self, ActionError, Content, NewCustomer};
use super::state::{
    Customer, Sim, SimMessage, BOT_NAME, TELEGRAM_USERNAME, VIBER_URI, WHATSAPP_DISPLAY_NUMBER,
};
use super::{png, traffic};
use crate::demo::corpus;

const PAGE: &str = include_str!("page.html");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(page))
        .route("/api/state", web::get().to(state))
        .route("/api/customers", web::post().to(create))
        .route("/api/customers/{id}/messages", web::post().to(send))
        .route("/api/customers/{id}/{action}", web::post().to(act))
        .route("/api/traffic", web::put().to(set_traffic))
        .route("/media/{name}", web::get().to(media));
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(PAGE)
}

fn error(status: StatusCode, code: &str, message: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::build(status)
        .json(json!({"error": {"code": code, "message": message.to_string()}}))
}

fn action_error(err: ActionError) -> HttpResponse {
    match err {
        ActionError::NotFound => error(StatusCode::NOT_FOUND, "not_found", err),
        ActionError::Invalid(_) => error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", err),
    }
}

/// The request body, or why it is not what the endpoint takes.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|err| format!("bad JSON: {err}"))
}

fn malformed(why: String) -> HttpResponse {
    error(StatusCode::BAD_REQUEST, "malformed", why)
}

#[derive(Serialize)]
struct CustomerView {
    id: u64,
    name: String,
    channel: Channel,
    language: String,
    username: Option<String>,
    external_id: String,
    blocked: bool,
    subscribed: bool,
    last_text: Option<String>,
    last_at: Option<DateTime<Utc>>,
}

fn customer_view(customer: &Customer) -> CustomerView {
    let last = customer.messages.last();
    CustomerView {
        id: customer.id,
        name: customer.name(),
        channel: customer.channel,
        language: customer.language.clone(),
        username: customer.username.clone(),
        external_id: customer.external_id.clone(),
        blocked: customer.blocked,
        subscribed: customer.subscribed,
        last_text: last.and_then(|m| m.text.clone()).or_else(|| {
            last.map(|m| {
                if m.photo.is_some() {
                    "📷 Photo".to_owned()
                } else {
                    "📍 Location".to_owned()
                }
            })
        }),
        last_at: customer.last_activity(),
    }
}

#[derive(Serialize)]
struct BotView {
    channel: Channel,
    name: &'static str,
    username: &'static str,
    webhook: Option<String>,
}

#[derive(Serialize)]
struct Selected {
    customer: CustomerView,
    messages: Vec<SimMessage>,
}

#[derive(Deserialize)]
struct StateQuery {
    customer: Option<u64>,
    version: Option<u64>,
}

async fn state(sim: web::Data<Sim>, query: web::Query<StateQuery>) -> HttpResponse {
    let app_url = sim.app_url();
    sim.read(|state| {
        if query.version == Some(state.version) {
            return HttpResponse::Ok().json(json!({"version": state.version, "unchanged": true}));
        }
        let mut customers: Vec<&Customer> = state.saved.customers.iter().collect();
        customers.sort_by_key(|customer| std::cmp::Reverse(customer.last_activity()));
        let selected = query
            .customer
            .and_then(|id| state.customer(id))
            .map(|customer| Selected {
                customer: customer_view(customer),
                messages: customer.messages.clone(),
            });
        let bot = |channel: Channel, username: &'static str| BotView {
            channel,
            name: BOT_NAME,
            username,
            webhook: state.webhooks.get(&channel).map(|hook| hook.url.clone()),
        };
        HttpResponse::Ok().json(json!({
            "version": state.version,
            "unchanged": false,
            "traffic": state.saved.traffic,
            "app_url": app_url,
            "bots": [
                bot(Channel::Telegram, TELEGRAM_USERNAME),
                bot(Channel::Viber, VIBER_URI),
                bot(Channel::Whatsapp, WHATSAPP_DISPLAY_NUMBER),
            ],
            "customers": customers.into_iter().map(customer_view).collect::<Vec<_>>(),
            "selected": selected,
        }))
    })
}

#[derive(Deserialize)]
struct CreateCustomer {
    #[serde(default)]
    name: Option<String>,
    channel: Channel,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    referral: Option<String>,
}

async fn create(sim: web::Data<Sim>, body: Bytes) -> HttpResponse {
    let request: CreateCustomer = match parse(&body) {
        Ok(request) => request,
        Err(why) => return malformed(why),
    };
    // A Channel API customer lives in an integrator's bridge, not here.
    if request.channel == Channel::Api {
        return malformed("the simulator has Telegram, Viber and WhatsApp customers only".into());
    }
    let new = {
        let mut rng = rand::thread_rng();
        let language = match request.language.as_deref() {
            Some(code) => corpus::language(code),
            None => corpus::pick_language(&mut rng),
        };
        let name = request.name.as_deref().map(str::trim).unwrap_or_default();
        let (first_name, last_name, username) = if name.is_empty() {
            corpus::pick_name(&mut rng, language)
        } else {
            let (first, last) = match name.split_once(char::is_whitespace) {
                Some((first, last)) => (first, Some(last.trim().to_owned())),
                None => (name, None),
            };
            (first.chars().take(64).collect(), last, None)
        };
        NewCustomer {
            channel: request.channel,
            first_name,
            last_name,
            username,
            language: language.code.to_owned(),
            referral: request.referral.filter(|r| !r.trim().is_empty()),
        }
    };
    match customers::create(&sim, new).await {
        Ok(id) => match sim.read(|state| state.customer(id).map(customer_view)) {
            Some(view) => HttpResponse::Created().json(view),
            None => error(StatusCode::NOT_FOUND, "not_found", "no such customer"),
        },
        Err(err) => action_error(err),
    }
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SendRequest {
    Text {
        text: String,
    },
    Photo {
        #[serde(default)]
        caption: Option<String>,
    },
    Location,
}

async fn send(sim: web::Data<Sim>, id: web::Path<u64>, body: Bytes) -> HttpResponse {
    let request: SendRequest = match parse(&body) {
        Ok(request) => request,
        Err(why) => return malformed(why),
    };
    let id = id.into_inner();
    let Some(language) = sim.read(|state| state.customer(id).map(|c| c.language.clone())) else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such customer");
    };
    let content = {
        let mut rng = rand::thread_rng();
        match request {
            SendRequest::Text { text } => Content::Text(text),
            SendRequest::Photo { caption } => Content::Photo {
                seed: rng.gen_range(1..1_000_000),
                caption: caption.filter(|c| !c.trim().is_empty()),
            },
            SendRequest::Location => {
                match traffic::random_content(&mut rng, corpus::language(&language)) {
                    location @ Content::Location { .. } => location,
                    _ => {
                        let city = corpus::language(&language).city;
                        Content::Location {
                            lat: city.0,
                            lon: city.1,
                        }
                    }
                }
            }
        }
    };
    match customers::send(&sim, id, content).await {
        Ok(message_id) => sim.read(|state| {
            let message = state
                .customer(id)
                .and_then(|c| c.messages.iter().find(|m| m.id == message_id));
            HttpResponse::Created().json(json!({"message": message}))
        }),
        Err(err) => action_error(err),
    }
}

async fn act(sim: web::Data<Sim>, path: web::Path<(u64, String)>) -> HttpResponse {
    let (id, action) = path.into_inner();
    let done = match action.as_str() {
        "block" => customers::set_blocked(&sim, id, true).await,
        "unblock" => customers::set_blocked(&sim, id, false).await,
        "subscribe" => customers::set_subscribed(&sim, id, true).await,
        "unsubscribe" => customers::set_subscribed(&sim, id, false).await,
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no action {action:?}"),
            )
        }
    };
    match done {
        Ok(()) => match sim.read(|state| state.customer(id).map(customer_view)) {
            Some(view) => HttpResponse::Ok().json(view),
            None => error(StatusCode::NOT_FOUND, "not_found", "no such customer"),
        },
        Err(err) => action_error(err),
    }
}

#[derive(Deserialize)]
struct TrafficRequest {
    on: bool,
}

async fn set_traffic(sim: web::Data<Sim>, body: Bytes) -> HttpResponse {
    let request: TrafficRequest = match parse(&body) {
        Ok(request) => request,
        Err(why) => return malformed(why),
    };
    sim.update(|state| state.saved.traffic = request.on);
    HttpResponse::Ok().json(json!({"on": request.on}))
}

async fn media(sim: web::Data<Sim>, name: web::Path<String>) -> HttpResponse {
    if let Some((mime, bytes)) = sim.uploaded(&name) {
        return HttpResponse::Ok()
            .content_type(mime)
            .insert_header(("cache-control", "max-age=86400"))
            .body(bytes);
    }
    let seed = match name.as_str() {
        "bot-icon.png" => Some(1),
        other => png::parse_photo_name(other),
    };
    match seed {
        Some(seed) => HttpResponse::Ok()
            .content_type("image/png")
            .insert_header(("cache-control", "max-age=86400"))
            .body(png::photo(seed)),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such picture"),
    }
}
