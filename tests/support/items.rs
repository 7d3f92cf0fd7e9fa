//! Reading timeline items in assertions: a message's fields, or `None` for an
//! event (and the reverse), so a test compares against the value it expects
//! without matching on the item's kind each time.

use serde_json::Value;
use shared::api::chats::{Attachment, DeliveryState, Item, ItemBody, MessageVersion};
use shared::Id;

pub trait ItemFields {
    fn author_id(&self) -> Option<Id>;
    fn delivery(&self) -> Option<DeliveryState>;
    fn delivery_error(&self) -> Option<String>;
    fn attachments(&self) -> Option<Vec<Attachment>>;
    fn reply_to_id(&self) -> Option<Id>;
    fn versions(&self) -> Option<Vec<MessageVersion>>;
    fn edited_at(&self) -> Option<String>;
    /// A message's details, or an event's data.
    fn data(&self) -> Option<Value>;
    fn actor_id(&self) -> Option<Id>;
    /// The text, owned (`None` for events and messages without text).
    fn text_owned(&self) -> Option<String>;
}

impl ItemFields for Item {
    fn author_id(&self) -> Option<Id> {
        self.message().and_then(|m| m.author_id)
    }

    fn delivery(&self) -> Option<DeliveryState> {
        self.message().map(|m| m.delivery)
    }

    fn delivery_error(&self) -> Option<String> {
        self.message().and_then(|m| m.delivery_error.clone())
    }

    fn attachments(&self) -> Option<Vec<Attachment>> {
        self.message().map(|m| m.attachments.clone())
    }

    fn reply_to_id(&self) -> Option<Id> {
        self.message().and_then(|m| m.reply_to_id)
    }

    fn versions(&self) -> Option<Vec<MessageVersion>> {
        self.message().map(|m| m.versions.clone())
    }

    fn edited_at(&self) -> Option<String> {
        self.message().and_then(|m| m.edited_at.clone())
    }

    fn data(&self) -> Option<Value> {
        match &self.body {
            ItemBody::Message(m) => m.data.clone(),
            ItemBody::Event(e) => Some(e.event.data()),
        }
    }

    fn actor_id(&self) -> Option<Id> {
        self.event().and_then(|e| e.actor_id)
    }

    fn text_owned(&self) -> Option<String> {
        self.text().map(str::to_owned)
    }
}
