//! The socket protocol of `GET /ws`: typed client commands and server events,
//! JSON with a `"type"` tag. Additive changes only within a protocol version.
//!
//! Flow: the client connects (session cookie), the server sends [`ServerMsg::Hello`];
//! the client may send [`ClientMsg::Resume`] with the last event id it saw to get
//! what it missed, or receives [`ServerMsg::Resync`] when that is too old (then it
//! refetches over REST). Every event the server pushes comes in a
//! [`ServerFrame`] whose `event_id` increases; commands carry a client-chosen
//! `request_ref` echoed in the [`ServerMsg::Ack`] or [`ServerMsg::Error`] reply.

use serde::{Deserialize, Serialize};

use crate::api::chats::{Chat, ChatGroup, Comment, DeliveryState, GroupCount, Item};
use crate::api::crm::Deal;
use crate::api::notifications::Notification;
use crate::api::reactions::Reaction;
use crate::api::users::{Presence, User};
use crate::error::ErrorCode;
use crate::Id;

/// Bumped on incompatible changes; the client refuses a server it does not speak.
pub const PROTOCOL_VERSION: u32 = 1;

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerFrame {
    /// Position in the durable event log (absent for replies and session messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<i64>,
    #[serde(flatten)]
    pub msg: ServerMsg,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// First frame of every connection.
    Hello {
        protocol_version: u32,
        user: User,
        /// The newest event id now; resume from here after a reconnect.
        last_event_id: i64,
    },
    /// A chat appeared for this user (new chat, or they started following it).
    ChatCreated {
        chat: Chat,
    },
    /// A chat changed (status, assignee, last message, tags …); the client
    /// recomputes its group (`mine`/`unassigned`/`others`/`closed`).
    /// `unread_count` is not per user here: clients count unread themselves.
    ChatUpdated {
        chat: Chat,
    },
    /// The user may no longer see this chat (no longer a follower).
    ChatRemoved {
        chat_id: Id,
    },
    /// A customer's message arrived.
    MessageReceived {
        item: Item,
    },
    /// A reply or automatic message was created (pending delivery).
    MessageSent {
        item: Item,
    },
    /// A message was edited by the customer; `item` has the new text and versions.
    MessageEdited {
        item: Item,
    },
    /// A message we sent changed delivery state.
    DeliveryChanged {
        chat_id: Id,
        item_id: Id,
        delivery: DeliveryState,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A timeline event (opened, assigned, closed, reopened, followers_changed …).
    ItemAdded {
        item: Item,
    },
    ChatAssigned {
        chat_id: Id,
        assignee_id: Option<Id>,
        previous_assignee_id: Option<Id>,
    },
    FollowersChanged {
        chat_id: Id,
        follower_ids: Vec<Id>,
    },
    TagsChanged {
        chat_id: Id,
        tags: Vec<String>,
    },
    CommentAdded {
        comment: Comment,
    },
    /// This user read the chat up to `item_id` (on any of their devices).
    ChatRead {
        chat_id: Id,
        item_id: Id,
    },
    /// Per-group counts for this user (sent on hello and when asked).
    UnreadCounts {
        counts: Vec<GroupCount>,
    },
    /// An integration's channel health may have changed (admins only): a send
    /// error noted or resolved, an update kept as failed, failed updates
    /// applied again, the webhook registered again. Clients read
    /// `GET /api/v1/integrations/{id}/health` again; `last_error` is the new
    /// send error when that is what changed.
    IntegrationHealthChanged {
        integration_id: Id,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_error: Option<String>,
    },
    /// A teammate is typing a reply (never sent to the customer).
    Typing {
        chat_id: Id,
        user_id: Id,
    },
    /// A user's presence changed (everyone receives it).
    PresenceChanged {
        user_id: Id,
        presence: Presence,
    },
    /// A deal was created or changed (stage, amount, status …): boards and
    /// sidebars show it as it is now. Sent to whoever may see the deal.
    DealUpdated {
        deal: Deal,
    },
    /// A command succeeded.
    Ack {
        request_ref: String,
    },
    /// A command was refused or failed; nothing changed.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_ref: Option<String>,
    },
    /// A new notification for this user: one more unread. It carries no
    /// total: counting a user's unread notifications costs as many as they
    /// left unread, on every customer message; the client adds it to the
    /// total it read over REST (the resync after a gap reads it afresh).
    Notification {
        notification: Notification,
    },
    /// This user marked notifications read (on any of their devices): these
    /// `ids`, or every one when `all`; `unread` is what is left.
    NotificationsRead {
        #[serde(default)]
        ids: Vec<Id>,
        #[serde(default)]
        all: bool,
        unread: i64,
    },
    /// The client missed too much (or fell behind): refetch over REST and
    /// reconnect; the server closes the socket after this frame.
    Resync {
        reason: String,
    },
    /// The reactions on a message changed (the customer's or a manager's):
    /// `reactions` is the message's whole list now.
    ReactionsChanged {
        chat_id: Id,
        item_id: Id,
        reactions: Vec<Reaction>,
    },
}

/// What the client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// After a reconnect: replay every event after `last_event_id`.
    Resume {
        last_event_id: i64,
    },
    SendReply {
        request_ref: String,
        chat_id: Id,
        text: String,
        /// A message of this chat the reply quotes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to_item_id: Option<Id>,
    },
    Assign {
        request_ref: String,
        chat_id: Id,
        user_id: Option<Id>,
    },
    Close {
        request_ref: String,
        chat_id: Id,
    },
    Reopen {
        request_ref: String,
        chat_id: Id,
    },
    SetFollowers {
        request_ref: String,
        chat_id: Id,
        user_ids: Vec<Id>,
    },
    SetTags {
        request_ref: String,
        chat_id: Id,
        tags: Vec<String>,
    },
    AddComment {
        request_ref: String,
        chat_id: Id,
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mention_ids: Vec<Id>,
    },
    MarkRead {
        request_ref: String,
        chat_id: Id,
        #[serde(default)]
        item_id: Option<Id>,
    },
    /// Ask for [`ServerMsg::UnreadCounts`].
    GetCounts,
    /// The user is typing in this chat (shown to teammates only).
    Typing {
        chat_id: Id,
    },
    /// The user is using the app (keys, pointer, focus): they are not idle.
    /// The web app sends it at most once a minute.
    Active,
    /// Whether this tab is visible and focused: while any of a user's
    /// sockets on a node says so, that node pushes nothing to their devices.
    Visibility {
        visible_and_focused: bool,
    },
}

impl ClientMsg {
    /// The reference the client will match the answer by, if the command has one.
    pub fn request_ref(&self) -> Option<&str> {
        match self {
            ClientMsg::SendReply { request_ref, .. }
            | ClientMsg::Assign { request_ref, .. }
            | ClientMsg::Close { request_ref, .. }
            | ClientMsg::Reopen { request_ref, .. }
            | ClientMsg::SetFollowers { request_ref, .. }
            | ClientMsg::SetTags { request_ref, .. }
            | ClientMsg::AddComment { request_ref, .. }
            | ClientMsg::MarkRead { request_ref, .. } => Some(request_ref),
            ClientMsg::Resume { .. }
            | ClientMsg::GetCounts
            | ClientMsg::Typing { .. }
            | ClientMsg::Active
            | ClientMsg::Visibility { .. } => None,
        }
    }
}

/// The inbox group a chat belongs to from one user's point of view.
pub fn group_of(chat: &Chat, user_id: Id) -> ChatGroup {
    use crate::api::chats::ChatStatus;
    match (chat.status, chat.assignee_id) {
        (ChatStatus::Closed, _) => ChatGroup::Closed,
        (ChatStatus::Open, _) if chat.snoozed_until.is_some() => ChatGroup::Snoozed,
        (ChatStatus::Open, None) => ChatGroup::Unassigned,
        (ChatStatus::Open, Some(id)) if id == user_id => ChatGroup::Mine,
        (ChatStatus::Open, Some(_)) => ChatGroup::Others,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_tagged_snake_case_with_the_event_id_beside() {
        let frame = ServerFrame {
            event_id: Some(7),
            msg: ServerMsg::ChatRemoved { chat_id: 3 },
        };
        let json = serde_json::to_value(&frame).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"event_id": 7, "type": "chat_removed", "chat_id": 3})
        );
        let back: ServerFrame = serde_json::from_value(json).expect("parses");
        assert_eq!(back, frame);
    }

    #[test]
    fn commands_parse_from_their_json() {
        let msg: ClientMsg = serde_json::from_str(
            r#"{"type":"send_reply","request_ref":"r1","chat_id":5,"text":"hi"}"#,
        )
        .expect("parses");
        assert_eq!(
            msg,
            ClientMsg::SendReply {
                request_ref: "r1".into(),
                chat_id: 5,
                text: "hi".into(),
                reply_to_item_id: None,
            }
        );
    }

    /// Hostile socket frames: arbitrary text, and real commands with one field
    /// swapped for an arbitrary value, decode to a command or a typed error,
    /// never a panic; what decodes survives a round trip. CI runs 256 cases;
    /// longer: `PROPTEST_CASES=100000 cargo test -p shared client_msg`.
    mod fuzz {
        use proptest::prelude::*;
        use serde_json::{json, Value};

        use super::super::ClientMsg;

        fn commands() -> Vec<Value> {
            vec![
                json!({"type": "resume", "last_event_id": 1}),
                json!({"type": "send_reply", "request_ref": "r", "chat_id": 1, "text": "hi"}),
                json!({"type": "assign", "request_ref": "r", "chat_id": 1, "user_id": 2}),
                json!({"type": "close", "request_ref": "r", "chat_id": 1}),
                json!({"type": "reopen", "request_ref": "r", "chat_id": 1}),
                json!({"type": "set_followers", "request_ref": "r", "chat_id": 1, "user_ids": [2]}),
                json!({"type": "set_tags", "request_ref": "r", "chat_id": 1, "tags": ["vip"]}),
                json!({"type": "add_comment", "request_ref": "r", "chat_id": 1, "text": "note"}),
                json!({"type": "mark_read", "request_ref": "r", "chat_id": 1, "item_id": 3}),
                json!({"type": "get_counts"}),
                json!({"type": "typing", "chat_id": 1}),
            ]
        }

        fn any_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                any::<String>().prop_map(Value::String),
            ];
            leaf.prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    proptest::collection::hash_map(any::<String>(), inner, 0..4)
                        .prop_map(|fields| Value::Object(fields.into_iter().collect())),
                ]
            })
        }

        /// A real command with one field replaced (or a new one added).
        fn mutated_command() -> impl Strategy<Value = String> {
            (
                proptest::sample::select(commands()),
                any::<proptest::sample::Index>(),
                any_json(),
                any::<String>(),
            )
                .prop_map(|(mut command, which, value, new_field)| {
                    if let Value::Object(fields) = &mut command {
                        let mut names: Vec<String> = fields.keys().cloned().collect();
                        names.push(new_field);
                        fields.insert(which.get(&names).clone(), value);
                    }
                    command.to_string()
                })
        }

        fn decodes_or_fails_cleanly(text: &str) -> Result<(), TestCaseError> {
            if let Ok(command) = serde_json::from_str::<ClientMsg>(text) {
                let again = serde_json::to_string(&command).expect("serializes");
                let back: ClientMsg = serde_json::from_str(&again).expect("round trips");
                prop_assert_eq!(back, command);
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn client_msg_survives_arbitrary_text(text in any::<String>()) {
                decodes_or_fails_cleanly(&text)?;
            }

            #[test]
            fn client_msg_survives_mutated_commands(text in mutated_command()) {
                decodes_or_fails_cleanly(&text)?;
            }
        }

        #[test]
        fn client_msg_refuses_deep_nesting_and_huge_numbers() {
            for text in [
                "[".repeat(100_000),
                "{\"type\":".repeat(100_000),
                r#"{"type":"close","request_ref":"r","chat_id":99999999999999999999999}"#.into(),
                r#"{"type":"resume","last_event_id":1e999}"#.into(),
            ] {
                assert!(serde_json::from_str::<ClientMsg>(&text).is_err());
            }
        }
    }
}
