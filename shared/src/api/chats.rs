//! Chats, their timeline and the actions managers take on them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::crm::{Contact, Deal, Project, Task};
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Message,
    Event,
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

/// One timeline entry: a message or an event. Fields of the other kind are null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Item {
    pub id: Id,
    pub chat_id: Id,
    pub kind: ItemKind,
    pub at: String,
    // message fields
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_kind: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_id: Option<Id>,
    #[serde(default)]
    pub edited_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<MessageVersion>>,
    // event fields
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default)]
    pub actor_id: Option<Id>,
    /// Event data, or message details (entities, location, contact …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendReply {
    pub text: String,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComment {
    pub text: String,
}

/// `POST /api/v1/chats/{id}/read`: marks everything up to this item as read
/// (the newest item when absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    #[serde(default)]
    pub item_id: Option<Id>,
}
