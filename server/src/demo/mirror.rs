//! What a seeded customer's messenger shows: the conversation the engine
//! recorded, turned back into the simulator's view of it, so that picking a
//! seeded customer on the simulator page shows their history.

use shared::api::chats::{DeliveryState, Direction};
use shared::api::Channel as ChannelKind;

use super::simulator::customers::reachability_note;
use super::simulator::state::{message, Customer, MessageKind, SimMessage, Status};
use super::simulator::{png, whatsapp, Sim};
use shared::api::timeline::TimelineEvent;

use crate::store::timeline::{ItemRecord, RecordBody};

/// Adds the customer to the simulator with the conversation their messenger
/// shows (from the timeline the engine wrote, plus what only they saw).
pub fn join_simulator(
    sim: &Sim,
    mut customer: Customer,
    items: &[ItemRecord],
    notes: Vec<SimMessage>,
    reachable: bool,
) {
    let mut messages: Vec<SimMessage> = items
        .iter()
        .filter_map(|item| sim_message(customer.channel, item))
        .collect();
    messages.extend(notes);
    messages.sort_by_key(|message| message.at);
    let wrote = messages
        .iter()
        .any(|m| m.direction == Direction::In && m.kind != MessageKind::Opened);
    customer.blocked = !reachable;
    customer.subscribed = customer.channel == ChannelKind::Viber && reachable && wrote;
    sim.update(|state| {
        customer.id = state.take_customer_id();
        let id = customer.id;
        state.saved.customers.push(customer);
        for message in messages {
            state.push_message(id, message);
        }
    });
}

fn sim_message(channel: ChannelKind, item: &ItemRecord) -> Option<SimMessage> {
    let at = item.at.and_utc();
    let item = match &item.body {
        RecordBody::Message(message) => message,
        RecordBody::Event { event, .. } => {
            let reachable = match event {
                TimelineEvent::Blocked(_) | TimelineEvent::Unsubscribed(_) => false,
                TimelineEvent::Unblocked(_) | TimelineEvent::Subscribed(_) => true,
                _ => return None,
            };
            let mut note = message(Direction::In, MessageKind::Event, Status::Delivered);
            note.text = Some(reachability_note(channel, reachable).to_owned());
            note.at = at;
            return Some(note);
        }
    };
    let direction = item.direction;
    let mut entry = match direction {
        Direction::In => {
            let kind = match item.content_kind.as_str() {
                "start" => MessageKind::Start,
                "photo" => MessageKind::Photo,
                "location" => MessageKind::Location,
                _ => MessageKind::Text,
            };
            message(Direction::In, kind, Status::Delivered)
        }
        Direction::Out => {
            let status = match item.delivery {
                DeliveryState::Seen => Status::Seen,
                DeliveryState::Delivered => Status::Delivered,
                DeliveryState::Failed => Status::Failed,
                DeliveryState::Pending => Status::Sending,
                DeliveryState::Sent => Status::Sent,
            };
            message(Direction::Out, MessageKind::Text, status)
        }
    };
    entry.at = at;
    entry.text = item.text.clone();
    entry.error = item
        .delivery_error
        .clone()
        .filter(|_| direction == Direction::Out);
    entry.external_id = item.external_id.clone();
    entry.photo = item.attachments.first().and_then(|attachment| {
        let external_ref = attachment.external_ref.as_deref()?;
        if channel == ChannelKind::Whatsapp {
            // WhatsApp names a customer's picture by its media id.
            return whatsapp::photo_seed(external_ref).map(png::photo_name);
        }
        let name = external_ref.rsplit('/').next()?;
        png::parse_photo_name(name)
            .or_else(|| png::parse_photo_name(&format!("{name}.png")))
            .map(png::photo_name)
    });
    if let Some(location) = item.data.as_ref().and_then(|data| data.get("location")) {
        let number = |keys: [&str; 2]| keys.iter().find_map(|key| location.get(*key)?.as_f64());
        if let (Some(lat), Some(lon)) = (number(["latitude", "lat"]), number(["longitude", "lon"]))
        {
            entry.location = Some([lat, lon]);
        }
    }
    Some(entry)
}
