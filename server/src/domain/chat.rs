//! The chat lifecycle: open ⇄ closed, and the timeline events each change implies.

use shared::api::chats::ChatStatus;

/// Timeline event names (CONTRACT.md), stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatEvent {
    Opened,
    Assigned,
    Unassigned,
    Closed,
    Reopened,
    FollowersChanged,
    TagsChanged,
    DealCreated,
    Linked,
    Unlinked,
    Blocked,
    Unblocked,
    Subscribed,
    Unsubscribed,
}

impl ChatEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatEvent::Opened => "opened",
            ChatEvent::Assigned => "assigned",
            ChatEvent::Unassigned => "unassigned",
            ChatEvent::Closed => "closed",
            ChatEvent::Reopened => "reopened",
            ChatEvent::FollowersChanged => "followers_changed",
            ChatEvent::TagsChanged => "tags_changed",
            ChatEvent::DealCreated => "deal_created",
            ChatEvent::Linked => "linked",
            ChatEvent::Unlinked => "unlinked",
            ChatEvent::Blocked => "blocked",
            ChatEvent::Unblocked => "unblocked",
            ChatEvent::Subscribed => "subscribed",
            ChatEvent::Unsubscribed => "unsubscribed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("the chat is already closed")]
    AlreadyClosed,
    #[error("the chat is already open")]
    AlreadyOpen,
}

pub fn status_str(status: ChatStatus) -> &'static str {
    match status {
        ChatStatus::Open => "open",
        ChatStatus::Closed => "closed",
    }
}

pub fn parse_status(value: &str) -> Option<ChatStatus> {
    match value {
        "open" => Some(ChatStatus::Open),
        "closed" => Some(ChatStatus::Closed),
        _ => None,
    }
}

/// A manager closes the chat.
pub fn close(status: ChatStatus) -> Result<(ChatStatus, ChatEvent), LifecycleError> {
    match status {
        ChatStatus::Open => Ok((ChatStatus::Closed, ChatEvent::Closed)),
        ChatStatus::Closed => Err(LifecycleError::AlreadyClosed),
    }
}

/// A manager reopens the chat.
pub fn reopen(status: ChatStatus) -> Result<(ChatStatus, ChatEvent), LifecycleError> {
    match status {
        ChatStatus::Closed => Ok((ChatStatus::Open, ChatEvent::Reopened)),
        ChatStatus::Open => Err(LifecycleError::AlreadyOpen),
    }
}

/// What a customer's message does to the chat's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerWrote {
    /// No chat yet with this integration: a new conversation starts.
    NewChat,
    /// A closed chat: the conversation starts again.
    Reopens,
    /// The conversation goes on.
    Continues,
}

impl CustomerWrote {
    pub fn on(existing: Option<ChatStatus>) -> CustomerWrote {
        match existing {
            None => CustomerWrote::NewChat,
            Some(ChatStatus::Closed) => CustomerWrote::Reopens,
            Some(ChatStatus::Open) => CustomerWrote::Continues,
        }
    }

    /// The auto-reply goes out whenever a conversation starts.
    pub fn starts_conversation(self) -> bool {
        !matches!(self, CustomerWrote::Continues)
    }
}

/// What a manager's reply does to a closed chat: the conversation is active
/// again, so it reopens (the customer sees an answer; the team should too).
pub fn reply_reopens(status: ChatStatus) -> bool {
    status == ChatStatus::Closed
}

/// An auto-message text counts only if it has something besides whitespace.
pub fn effective_text(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_an_open_chat_records_closed() {
        assert_eq!(
            close(ChatStatus::Open),
            Ok((ChatStatus::Closed, ChatEvent::Closed))
        );
        assert_eq!(
            close(ChatStatus::Closed),
            Err(LifecycleError::AlreadyClosed)
        );
    }

    #[test]
    fn reopening_needs_a_closed_chat() {
        assert_eq!(
            reopen(ChatStatus::Closed),
            Ok((ChatStatus::Open, ChatEvent::Reopened))
        );
        assert_eq!(reopen(ChatStatus::Open), Err(LifecycleError::AlreadyOpen));
    }

    #[test]
    fn a_customer_message_starts_a_conversation_on_new_or_closed_chats() {
        assert!(CustomerWrote::on(None).starts_conversation());
        assert!(CustomerWrote::on(Some(ChatStatus::Closed)).starts_conversation());
        assert!(!CustomerWrote::on(Some(ChatStatus::Open)).starts_conversation());
    }

    #[test]
    fn blank_auto_messages_are_disabled() {
        assert_eq!(effective_text(Some("  ")), None);
        assert_eq!(effective_text(None), None);
        assert_eq!(effective_text(Some(" Hi ")), Some("Hi"));
    }
}
