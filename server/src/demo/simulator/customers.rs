//! What a simulated customer does in their messenger app: open the bot, write
//! text, send a picture or a location, block or unsubscribe. Each action
//! becomes the provider's own webhook call (a Telegram `Update`, a signed Viber
//! callback, a signed WhatsApp notification) to whatever URL the bot
//! registered; its outcome is recorded on the
//! customer's message, never returned as an error (a refused webhook is part of
//! the simulation, not a failure of it).

use std::time::Duration;

use rand::seq::SliceRandom;
use rand::Rng;
use shared::api::chats::Direction;
use shared::api::Channel;

use super::state::{message, Customer, MessageKind, Sim, Status};
use super::{png, telegram, viber, whatsapp};

/// What a customer sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Text(String),
    Photo {
        seed: u64,
        caption: Option<String>,
    },
    Location {
        lat: f64,
        lon: f64,
    },
    /// Telegram `/start [payload]`; Viber `conversation_started [context]`.
    Start(Option<String>),
}

/// Why a customer action was refused (the page shows the message).
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no such customer")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
}

/// Someone new, about to open the bot.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    pub channel: Channel,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language: String,
    /// Telegram deep-link payload, Viber `context`.
    pub referral: Option<String>,
}

/// Adds the customer and opens the bot as they would (Telegram: presses
/// Start; Viber: opens the chat and sees the welcome message). A WhatsApp
/// customer just has the number: the business hears of them when they write.
pub async fn create(sim: &Sim, new: NewCustomer) -> Result<u64, ActionError> {
    let first_name = new.first_name.trim().to_owned();
    if first_name.is_empty() {
        return Err(ActionError::Invalid("the customer needs a name".into()));
    }
    let id = sim.update(|state| {
        let id = state.take_customer_id();
        let external_id = loop {
            let candidate = new_external_id(new.channel, &new.language);
            if !state
                .saved
                .customers
                .iter()
                .any(|c| c.external_id == candidate)
            {
                break candidate;
            }
        };
        state.saved.customers.push(Customer {
            id,
            channel: new.channel,
            first_name,
            last_name: new.last_name.filter(|last| !last.trim().is_empty()),
            // WhatsApp shows a profile name and a number, no username.
            username: new.username.filter(|_| new.channel != Channel::Whatsapp),
            language: new.language,
            external_id,
            blocked: false,
            subscribed: false,
            messages: Vec::new(),
        });
        id
    });
    if new.channel != Channel::Whatsapp {
        send(sim, id, Content::Start(new.referral)).await?;
    }
    Ok(id)
}

/// A messenger id no customer has yet: Telegram user ids are numbers, Viber's
/// opaque base64-looking strings, WhatsApp's the phone number's digits (a
/// mobile number of the customer's language's country).
pub fn new_external_id(channel: Channel, language: &str) -> String {
    let mut rng = rand::thread_rng();
    match channel {
        Channel::Telegram => rng.gen_range(200_000_000_i64..6_900_000_000).to_string(),
        Channel::Whatsapp => match language {
            "es" => format!("346{:08}", rng.gen_range(0..100_000_000)),
            "ru" => format!("79{:09}", rng.gen_range(0..1_000_000_000)),
            _ => format!("447{:09}", rng.gen_range(0..1_000_000_000)),
        },
        Channel::Viber | Channel::Api => {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut id: String = (0..22)
                .filter_map(|_| ALPHABET.choose(&mut rng).map(|b| char::from(*b)))
                .collect();
            id.push_str("==");
            id
        }
    }
}

/// The customer sends `content`; returns the simulator's id of the message.
pub async fn send(sim: &Sim, customer_id: u64, content: Content) -> Result<u64, ActionError> {
    let customer = sim
        .read(|state| state.customer(customer_id).cloned())
        .ok_or(ActionError::NotFound)?;
    if let Content::Text(text) = &content {
        if text.trim().is_empty() {
            return Err(ActionError::Invalid("the text is empty".into()));
        }
    }
    if customer.channel == Channel::Whatsapp && matches!(content, Content::Start(_)) {
        return Err(ActionError::Invalid(
            "a WhatsApp customer opens the chat by writing".into(),
        ));
    }
    if customer.channel == Channel::Telegram && customer.blocked {
        // Writing to a blocked bot means pressing "Restart" first.
        set_blocked(sim, customer_id, false).await?;
    }
    let mut entry = message(
        Direction::In,
        kind_of(&content, customer.channel),
        Status::Sending,
    );
    match &content {
        Content::Text(text) => entry.text = Some(text.clone()),
        Content::Photo { seed, caption } => {
            entry.photo = Some(png::photo_name(*seed));
            entry.text = caption.clone();
        }
        Content::Location { lat, lon } => entry.location = Some([*lat, *lon]),
        Content::Start(payload) => {
            entry.text = Some(match (customer.channel, payload) {
                (Channel::Telegram, Some(payload)) => format!("/start {payload}"),
                (Channel::Telegram, None) => "/start".to_owned(),
                (Channel::Viber | Channel::Whatsapp | Channel::Api, _) => {
                    "opened the chat".to_owned()
                }
            })
        }
    }
    let (message_id, outcome) = match customer.channel {
        Channel::Telegram => {
            let (update, external) = sim.update(|state| {
                let update_id = state.take_update_id();
                let message_id = state.take_telegram_message_id();
                let date = entry.at.timestamp();
                (
                    telegram::message_update(update_id, message_id, &customer, date, &content),
                    message_id.to_string(),
                )
            });
            entry.external_id = Some(external);
            let id = record(sim, customer_id, entry)?;
            (id, telegram::deliver(sim, update).await.map(|_| None))
        }
        Channel::Whatsapp => {
            let wamid =
                sim.update(|state| whatsapp::wamid(state.take_wamid(), &customer.external_id));
            let body = whatsapp::message_notification(&wamid, &customer, entry.at, &content)
                .ok_or_else(|| ActionError::Invalid("WhatsApp has no such message".into()))?;
            entry.external_id = Some(wamid);
            let id = record(sim, customer_id, entry)?;
            (id, whatsapp::deliver(sim, body).await.map(|()| None))
        }
        Channel::Viber | Channel::Api => {
            let writes = !matches!(content, Content::Start(_));
            let token = sim.update(|state| {
                // Viber: a customer's first message subscribes them (no event
                // is sent), before the bot hears of the message: its answer
                // may follow at once.
                if writes {
                    if let Some(customer) = state.customer_mut(customer_id) {
                        customer.subscribed = true;
                        customer.blocked = false;
                    }
                }
                state.take_viber_token()
            });
            let body = viber::message_callback(sim, token, &customer, entry.at, &content);
            entry.external_id = Some(token.to_string());
            let id = record(sim, customer_id, entry)?;
            (id, viber::deliver(sim, body).await)
        }
    };
    sim.update(|state| {
        if let Some(entry) = state.message_mut(customer_id, message_id) {
            match &outcome {
                Ok(_) => entry.status = Status::Delivered,
                Err(error) => {
                    entry.status = Status::Failed;
                    entry.error = Some(error.clone());
                }
            }
        }
    });
    if let Ok(Some(welcome)) = outcome {
        let mut entry = message(Direction::Out, MessageKind::Welcome, Status::Delivered);
        entry.text = Some(welcome);
        record(sim, customer_id, entry)?;
    }
    Ok(message_id)
}

fn kind_of(content: &Content, channel: Channel) -> MessageKind {
    match content {
        Content::Text(_) => MessageKind::Text,
        Content::Photo { .. } => MessageKind::Photo,
        Content::Location { .. } => MessageKind::Location,
        Content::Start(_) if channel == Channel::Viber => MessageKind::Opened,
        Content::Start(_) => MessageKind::Start,
    }
}

fn record(
    sim: &Sim,
    customer_id: u64,
    entry: super::state::SimMessage,
) -> Result<u64, ActionError> {
    sim.update(|state| state.push_message(customer_id, entry))
        .ok_or(ActionError::NotFound)
}

/// Telegram: the customer blocks (or unblocks) the bot: `my_chat_member`.
pub async fn set_blocked(sim: &Sim, customer_id: u64, blocked: bool) -> Result<(), ActionError> {
    let customer = sim
        .read(|state| state.customer(customer_id).cloned())
        .ok_or(ActionError::NotFound)?;
    if customer.channel != Channel::Telegram {
        return Err(ActionError::Invalid(
            "blocking is Telegram's; Viber customers unsubscribe".into(),
        ));
    }
    let update = sim.update(|state| {
        if let Some(customer) = state.customer_mut(customer_id) {
            customer.blocked = blocked;
        }
        let update_id = state.take_update_id();
        telegram::member_update(
            update_id,
            &customer,
            chrono::Utc::now().timestamp(),
            blocked,
        )
    });
    let text = reachability_note(Channel::Telegram, !blocked);
    note(
        sim,
        customer_id,
        text,
        telegram::deliver(sim, update).await.map(|_| ()),
    )
}

/// Viber: the customer unsubscribes (or subscribes again).
pub async fn set_subscribed(
    sim: &Sim,
    customer_id: u64,
    subscribed: bool,
) -> Result<(), ActionError> {
    let customer = sim
        .read(|state| state.customer(customer_id).cloned())
        .ok_or(ActionError::NotFound)?;
    if customer.channel != Channel::Viber {
        return Err(ActionError::Invalid(
            "subscribing is Viber's; Telegram customers block the bot".into(),
        ));
    }
    let token = sim.update(|state| {
        if let Some(customer) = state.customer_mut(customer_id) {
            customer.subscribed = subscribed;
            customer.blocked = !subscribed;
        }
        state.take_viber_token()
    });
    let body = viber::subscription_callback(token, &customer, chrono::Utc::now(), subscribed);
    let text = reachability_note(Channel::Viber, subscribed);
    note(
        sim,
        customer_id,
        text,
        viber::deliver(sim, body).await.map(|_| ()),
    )
}

/// How the customer's app notes that they blocked, unblocked, unsubscribed or
/// subscribed.
pub fn reachability_note(channel: Channel, reachable: bool) -> &'static str {
    match (channel, reachable) {
        (Channel::Telegram, false) => "You blocked the bot",
        (Channel::Telegram, true) => "You unblocked the bot",
        (Channel::Viber | Channel::Whatsapp | Channel::Api, false) => {
            "You unsubscribed from the bot"
        }
        (Channel::Viber | Channel::Whatsapp | Channel::Api, true) => "You subscribed to the bot",
    }
}

/// Records an action as a note in the customer's conversation.
fn note(
    sim: &Sim,
    customer_id: u64,
    text: &str,
    outcome: Result<(), String>,
) -> Result<(), ActionError> {
    let mut entry = message(Direction::In, MessageKind::Event, Status::Delivered);
    entry.text = Some(text.to_owned());
    if let Err(error) = outcome {
        entry.status = Status::Failed;
        entry.error = Some(error);
    }
    record(sim, customer_id, entry).map(|_| ())
}

/// POSTs a webhook call, retrying (like the messengers) while the server
/// answers 5xx or cannot be reached; returns the answer's body on a 2xx.
pub async fn post_webhook(
    sim: &Sim,
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<Vec<u8>, String> {
    const ATTEMPTS: u32 = 4;
    let mut last_error = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(400 << attempt)).await;
        }
        let mut request = sim
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body.clone());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                return Ok(response
                    .bytes()
                    .await
                    .map(|bytes| bytes.to_vec())
                    .unwrap_or_default());
            }
            Ok(response) if response.status().is_server_error() => {
                last_error = format!("the webhook answered {}", response.status());
            }
            Ok(response) => return Err(format!("the webhook answered {}", response.status())),
            Err(err) => {
                last_error = format!("the webhook cannot be reached: {}", err.without_url())
            }
        }
    }
    Err(last_error)
}
