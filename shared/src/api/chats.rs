//! Chats, their timeline and the actions managers take on them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::crm::{Contact, Deal, Project, Task};
use super::reactions::{Quote, Reaction};
use super::timeline::TimelineEvent;
use super::Channel;
use crate::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatStatus {
    Open,
    Closed,
}

/// The inbox groups, from the caller's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatGroup {
    /// Open, assigned to me.
    Mine,
    /// Open, assigned to nobody.
    Unassigned,
    /// Open, assigned to someone else.
    Others,
    /// Closed dialogs.
    Closed,
    /// Open chats put away until a time (or the customer's next message),
    /// whoever holds them.
    Snoozed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Chat {
    pub id: Id,
    pub status: ChatStatus,
    pub assignee_id: Option<Id>,
    pub integration_id: Id,
    pub integration_name: String,
    pub channel: Channel,
    pub contact_id: Id,
    pub contact_name: String,
    pub started_at: String,
    pub last_message_at: String,
    pub last_message_preview: Option<String>,
    pub follower_ids: Vec<Id>,
    pub tags: Vec<String>,
    pub deal_ids: Vec<Id>,
    pub unread_count: i64,
    pub referral: Option<String>,
    /// Why the customer cannot receive messages now, if they cannot.
    pub unreachable_reason: Option<String>,
    /// Since when the chat waits for an eligible manager (null: not waiting).
    pub waiting_since: Option<String>,
    /// RFC 3339: until when the chat is snoozed (null: it is not).
    #[serde(default)]
    pub snoozed_until: Option<String>,
    /// RFC 3339: until when a free-form reply may be sent (WhatsApp: 24 hours
    /// after the customer's last message); null: no such window.
    #[serde(default)]
    pub reply_window_ends_at: Option<String>,
    /// Telegram Business: the connection (Telegram's id) of the owner's
    /// account this chat belongs to; null for other chats.
    #[serde(default)]
    pub business_connection_id: Option<String>,
}

/// `GET /api/v1/chats/{id}`: the chat with its sidebar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatDetail {
    #[serde(flatten)]
    pub chat: Chat,
    pub contact: Contact,
    pub deals: Vec<Deal>,
    pub tasks: Vec<Task>,
    pub projects: Vec<Project>,
    pub notifications_enabled: bool,
}

/// Counts per group for the caller: chats and unread messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GroupCount {
    pub group: ChatGroup,
    pub chats: i64,
    pub unread: i64,
    /// Chats of the group waiting for an eligible manager (unassigned ones only).
    #[serde(default)]
    pub waiting: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Sent,
    Delivered,
    Seen,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub kind: String,
    pub name: String,
    /// Where to download it (only once fetched from the messenger).
    pub url: Option<String>,
    pub size: Option<i64>,
    pub mime: Option<String>,
    /// Why it could not be fetched (too large for the Bot API, link expired …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MessageVersion {
    pub text: String,
    pub at: String,
}

/// One timeline entry: a message or an event (`kind`), with the fields of its
/// kind beside the common ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Item {
    pub id: Id,
    pub chat_id: Id,
    pub at: String,
    #[serde(flatten)]
    pub body: ItemBody,
}

// Most items are messages, so boxing them would add an allocation to nearly
// every item for no gain: an item is built once and serialized.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemBody {
    Message(Message),
    Event(EventItem),
}

/// A message from the customer (`in`) or to them (`out`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub direction: Direction,
    /// The manager who wrote it; null for customers' and automatic messages.
    #[serde(default)]
    pub author_id: Option<Id>,
    /// `text`, `photo`, `document`, `location` … as the messenger sent it.
    pub content_kind: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    pub delivery: DeliveryState,
    /// Why the delivery failed, as the web app shows it.
    #[serde(default)]
    pub delivery_error: Option<String>,
    /// The item this message answers, when the messenger said so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_id: Option<Id>,
    #[serde(default)]
    pub edited_at: Option<String>,
    /// Earlier texts of an edited message, oldest first.
    #[serde(default)]
    pub versions: Vec<MessageVersion>,
    /// Message details: entities, location, contact card, `auto` for
    /// automatic messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// The message this one quotes (null: none).
    #[serde(default)]
    pub reply_to: Option<Quote>,
    /// The customer's and the managers' reactions, oldest first.
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// When the customer deleted it on their messenger (kept, shown as deleted).
    #[serde(default)]
    pub deleted_at: Option<String>,
}

/// A timeline event: who did it (null for the system or the customer) and the
/// event with its data (`event` + `data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventItem {
    #[serde(default)]
    pub actor_id: Option<Id>,
    #[serde(flatten)]
    pub event: TimelineEvent,
}

impl Item {
    pub fn message(&self) -> Option<&Message> {
        match &self.body {
            ItemBody::Message(message) => Some(message),
            ItemBody::Event(_) => None,
        }
    }

    pub fn event(&self) -> Option<&EventItem> {
        match &self.body {
            ItemBody::Event(event) => Some(event),
            ItemBody::Message(_) => None,
        }
    }

    pub fn is_message(&self) -> bool {
        matches!(self.body, ItemBody::Message(_))
    }

    /// The message's direction (`None` for events).
    pub fn direction(&self) -> Option<Direction> {
        self.message().map(|m| m.direction)
    }

    /// The message's text (`None` for events and messages without text).
    pub fn text(&self) -> Option<&str> {
        self.message().and_then(|m| m.text.as_deref())
    }

    /// The event's name (`None` for messages).
    pub fn event_name(&self) -> Option<&'static str> {
        self.event().map(|e| e.event.name())
    }
}

/// A reply: its `text`, a canned reply (`canned_reply_id`) sent rendered
/// for this chat, or a WhatsApp message `template`; exactly one of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendReply {
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canned_reply_id: Option<Id>,
    /// A message of this chat the reply quotes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_item_id: Option<Id>,
    /// An approved WhatsApp template: may be sent at any time, also after the
    /// reply window closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<SendTemplate>,
}

/// A WhatsApp template with its `{{1}}`, `{{2}}` … values, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendTemplate {
    pub name: String,
    pub language: String,
    #[serde(default)]
    pub parameters: Vec<String>,
}

/// A reply with a file, sent as `multipart/form-data` (one file, up to 20 MB).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SendFile {
    /// The caption, if any.
    pub text: Option<String>,
    /// The file; its name is shown to the customer.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignChat {
    pub user_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetFollowers {
    pub user_ids: Vec<Id>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTags {
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetNotifications {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    pub id: Id,
    pub chat_id: Id,
    pub author_id: Id,
    pub text: String,
    pub at: String,
    /// The users the comment mentions ("@Name" in its text), in order.
    #[serde(default)]
    pub mention_ids: Vec<Id>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComment {
    pub text: String,
    /// Teammates to notify; each must see the chat (a follower must follow it).
    #[serde(default)]
    pub mention_ids: Option<Vec<Id>>,
}

/// `POST /api/v1/chats/{id}/read`: marks everything up to this item as read
/// (the newest item when absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    #[serde(default)]
    pub item_id: Option<Id>,
}

/// `POST /api/v1/chats/{id}/snooze`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnoozeChat {
    /// RFC 3339, in the future: when the chat comes back by itself.
    pub until: String,
}

/// At most this many chats in one bulk action.
pub const MAX_BULK_CHATS: usize = 100;

/// What a bulk action does to each chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// Assign to `user_id` (null: unassign).
    Assign,
    Close,
    Reopen,
    /// Add `tags` to each chat's tags.
    AddTags,
    /// Remove `tags` from each chat's tags.
    RemoveTags,
    /// Snooze until `until`.
    Snooze,
}

/// `POST /api/v1/chats/bulk`: one action on up to [`MAX_BULK_CHATS`] chats,
/// each through the same rules and checks as the single action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkChats {
    pub chat_ids: Vec<Id>,
    pub action: BulkAction,
    /// `assign`: the new assignee (null or absent: unassign).
    #[serde(default)]
    pub user_id: Option<Id>,
    /// `add_tags`, `remove_tags`.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// `snooze`: RFC 3339, in the future.
    #[serde(default)]
    pub until: Option<String>,
}

/// One chat's outcome in a bulk action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BulkOutcome {
    pub chat_id: Id,
    pub ok: bool,
    /// Why this chat was left as it was (null when `ok`).
    pub error: Option<crate::error::ErrorDetail>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::timeline::{Assigned, AssignmentReason};
    use serde_json::json;

    #[test]
    fn an_event_item_is_kind_event_with_event_actor_and_data() {
        let item = Item {
            id: 5,
            chat_id: 2,
            at: "2026-01-01T00:00:00.000000Z".into(),
            body: ItemBody::Event(EventItem {
                actor_id: Some(1),
                event: TimelineEvent::Assigned(Assigned {
                    user_id: 3,
                    reason: AssignmentReason::Manual,
                    previous_user_id: None,
                    no_answer_after_s: None,
                }),
            }),
        };
        let wire = json!({
            "id": 5, "chat_id": 2, "at": "2026-01-01T00:00:00.000000Z", "kind": "event",
            "actor_id": 1, "event": "assigned", "data": {"user_id": 3, "reason": "manual"}
        });
        assert_eq!(serde_json::to_value(&item).expect("serialises"), wire);
        assert_eq!(serde_json::from_value::<Item>(wire).expect("parses"), item);
        assert_eq!(item.event_name(), Some("assigned"));
        assert_eq!(item.message(), None);
    }

    #[test]
    fn a_message_item_is_kind_message_with_its_fields() {
        let wire = json!({
            "id": 6, "chat_id": 2, "at": "2026-01-01T00:00:00.000000Z", "kind": "message",
            "direction": "out", "author_id": 1, "content_kind": "text", "text": "Hi",
            "attachments": [], "delivery": "pending", "delivery_error": null,
            "edited_at": null, "versions": [], "reply_to": null, "reactions": [],
            "deleted_at": null
        });
        let item: Item = serde_json::from_value(wire.clone()).expect("parses");
        assert_eq!(item.direction(), Some(Direction::Out));
        assert_eq!(item.text(), Some("Hi"));
        assert_eq!(item.event(), None);
        assert_eq!(serde_json::to_value(&item).expect("serialises"), wire);
    }
}
