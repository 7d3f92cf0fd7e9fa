//! The notification centre: `GET /api/v1/me/notifications` and
//! `POST /api/v1/me/notifications/read`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Id;

/// Why a user was notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A teammate mentioned the user in a comment (`item_id`: the comment).
    Mention,
    /// A chat was given to the user by someone else, or by routing
    /// (`actor_id` null); `item_id`: the `assigned` event.
    Assigned,
    /// The customer wrote in an open chat assigned to the user (`item_id`:
    /// the message).
    CustomerMessage,
    /// A chat of an integration whose queue the user is in started waiting
    /// for an eligible manager (`item_id`: the `unassigned` event).
    Waiting,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 4] = [
        NotificationKind::Mention,
        NotificationKind::Assigned,
        NotificationKind::CustomerMessage,
        NotificationKind::Waiting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Mention => "mention",
            NotificationKind::Assigned => "assigned",
            NotificationKind::CustomerMessage => "customer_message",
            NotificationKind::Waiting => "waiting",
        }
    }

    pub fn parse(value: &str) -> Option<NotificationKind> {
        NotificationKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub id: Id,
    pub kind: NotificationKind,
    pub chat_id: Id,
    /// The comment of a mention; the chat's timeline item otherwise.
    pub item_id: Option<Id>,
    /// Who caused it; null for the customer and for routing.
    pub actor_id: Option<Id>,
    pub at: String,
    pub read: bool,
}

/// `GET /api/v1/me/notifications`: newest first, paginated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub next_cursor: Option<String>,
    /// The caller's unread notifications in all, whatever the filter.
    pub unread: i64,
}

/// `POST /api/v1/me/notifications/read`: `{ids}` or `{all: true}`. Ids that
/// are not the caller's are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkNotificationsRead {
    #[serde(default)]
    pub ids: Vec<Id>,
    #[serde(default)]
    pub all: bool,
}

/// The answer to marking notifications read: what is left unread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UnreadNotifications {
    pub unread: i64,
}
