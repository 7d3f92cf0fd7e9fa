//! Stored reasons said in the reader's language. A failed delivery, a refused
//! download, an unreachable customer, a send error and an update kept as
//! failed are stored without a language (`crate::domain::reason`); the values
//! the API answers with and the socket events it sends carry them as stored,
//! and are said here, last, in the language of the request or socket that
//! reads them (rows written before codes existed read as their words).

use shared::api::chats::{Chat, ChatDetail, Item, ItemBody};
use shared::api::integrations::{FailedUpdate, IntegrationHealth};
use shared::ws::ServerMsg;

use crate::channels::ChannelError;
use crate::texts::{self, Lang, Says};

/// A value holding stored reasons, said in `lang`.
pub trait SayReasons {
    fn say_reasons(&mut self, lang: Lang);

    /// In the language of the request (or socket) being served.
    fn in_readers_language(mut self) -> Self
    where
        Self: Sized,
    {
        self.say_reasons(texts::current());
        self
    }
}

/// A messenger's refusal, in the language of the request being served.
pub fn said(err: &ChannelError) -> String {
    match err {
        ChannelError::Provider { reason, .. } => Says::Failure(reason.clone()).here(),
        other => other.to_string(),
    }
}

fn say(reason: &mut Option<String>, lang: Lang) {
    if let Some(stored) = reason {
        *stored = texts::stored_reason(stored, lang);
    }
}

impl SayReasons for Item {
    fn say_reasons(&mut self, lang: Lang) {
        match &mut self.body {
            ItemBody::Message(message) => {
                say(&mut message.delivery_error, lang);
                for attachment in &mut message.attachments {
                    say(&mut attachment.error, lang);
                }
            }
            ItemBody::Event(_) => {}
        }
    }
}

impl SayReasons for Chat {
    fn say_reasons(&mut self, lang: Lang) {
        say(&mut self.unreachable_reason, lang);
    }
}

impl SayReasons for ChatDetail {
    fn say_reasons(&mut self, lang: Lang) {
        self.chat.say_reasons(lang);
    }
}

impl SayReasons for IntegrationHealth {
    fn say_reasons(&mut self, lang: Lang) {
        say(&mut self.last_error, lang);
    }
}

impl SayReasons for FailedUpdate {
    fn say_reasons(&mut self, lang: Lang) {
        say(&mut self.error, lang);
    }
}

impl<T: SayReasons> SayReasons for Vec<T> {
    fn say_reasons(&mut self, lang: Lang) {
        for value in self {
            value.say_reasons(lang);
        }
    }
}

impl SayReasons for ServerMsg {
    fn say_reasons(&mut self, lang: Lang) {
        match self {
            ServerMsg::ChatCreated { chat } | ServerMsg::ChatUpdated { chat } => {
                chat.say_reasons(lang)
            }
            ServerMsg::MessageReceived { item }
            | ServerMsg::MessageSent { item }
            | ServerMsg::MessageEdited { item }
            | ServerMsg::ItemAdded { item } => item.say_reasons(lang),
            ServerMsg::DeliveryChanged { error, .. } => say(error, lang),
            ServerMsg::IntegrationHealthChanged { last_error, .. } => say(last_error, lang),
            ServerMsg::Hello { .. }
            | ServerMsg::ChatRemoved { .. }
            | ServerMsg::ChatAssigned { .. }
            | ServerMsg::FollowersChanged { .. }
            | ServerMsg::TagsChanged { .. }
            | ServerMsg::CommentAdded { .. }
            | ServerMsg::ChatRead { .. }
            | ServerMsg::UnreadCounts { .. }
            | ServerMsg::Typing { .. }
            | ServerMsg::PresenceChanged { .. }
            | ServerMsg::DealUpdated { .. }
            | ServerMsg::Ack { .. }
            | ServerMsg::Error { .. }
            | ServerMsg::Notification { .. }
            | ServerMsg::NotificationsRead { .. }
            | ServerMsg::Resync { .. }
            | ServerMsg::ReactionsChanged { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::api::chats::{DeliveryState, Direction};

    use super::*;
    use crate::domain::reason::Reason;

    fn failed_message(delivery_error: &str, attachment_error: &str) -> Item {
        let message = serde_json::json!({
            "id": 7, "chat_id": 3, "at": "2026-12-09T10:00:00.000000Z",
            "kind": "message", "direction": Direction::Out, "author_id": null,
            "content_kind": "file", "text": "hola",
            "attachments": [{"url": null, "kind": "document", "name": "a.pdf",
                             "size": null, "mime": null, "error": attachment_error}],
            "delivery": DeliveryState::Failed, "delivery_error": delivery_error,
        });
        serde_json::from_value(message).expect("an item")
    }

    #[test]
    fn an_item_says_its_reasons_in_the_readers_language_and_old_words_as_they_are() {
        let gave_up = Reason::CustomerBlockedBot.gave_up(12).stored();
        let mut item = failed_message(&gave_up, "refused to fetch media from x: old words");
        item.say_reasons(Lang::Es);
        let said = item.message().expect("a message");
        assert_eq!(
            said.delivery_error.as_deref(),
            Some("se abandonó tras 12 intentos: el cliente bloqueó al bot")
        );
        assert_eq!(
            said.attachments[0].error.as_deref(),
            Some("refused to fetch media from x: old words")
        );
        let mut event = ServerMsg::DeliveryChanged {
            chat_id: 3,
            item_id: 7,
            delivery: DeliveryState::Failed,
            error: Some(gave_up),
        };
        event.say_reasons(Lang::En);
        assert_eq!(
            event,
            ServerMsg::DeliveryChanged {
                chat_id: 3,
                item_id: 7,
                delivery: DeliveryState::Failed,
                error: Some("gave up after 12 attempts: the customer blocked the bot".into()),
            }
        );
    }
}
