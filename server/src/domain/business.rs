//! Telegram Business rules: what a business chat's reply needs (a connection
//! that is enabled and allowed to reply, and the 24-hour window after the
//! customer's last message) and how that window moves. Pure: the store
//! records the connection and the window, the service refuses.

use chrono::NaiveDateTime;

use super::whatsapp::REPLY_WINDOW;

/// What the owner's connection allows now, as last reported by Telegram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionRights {
    pub enabled: bool,
    pub can_reply: bool,
}

/// Why a reply in a business chat is refused before it is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyRefusal {
    /// Disconnected, disabled, or without the right to reply (or unknown).
    ConnectionDisabled,
}

/// Until when a reply may be sent after a customer message sent at
/// `customer_wrote_at`: 24 hours, never shortened by an older message
/// delivered late.
pub fn reply_window_after(
    current: Option<NaiveDateTime>,
    customer_wrote_at: NaiveDateTime,
) -> NaiveDateTime {
    let ends = customer_wrote_at + REPLY_WINDOW;
    current.map_or(ends, |current| current.max(ends))
}

/// Whether a free-form reply may go out now: Telegram lets a business bot
/// write only in chats with a customer message in the last 24 hours, so a
/// chat the owner began (no window yet) waits for the customer.
pub fn may_reply(window_ends_at: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    window_ends_at.is_some_and(|ends_at| now < ends_at)
}

/// Whether the bot may reply through this connection (`None`: Tidings never
/// heard of it).
pub fn check_reply(connection: Option<ConnectionRights>) -> Result<(), ReplyRefusal> {
    match connection {
        Some(ConnectionRights {
            enabled: true,
            can_reply: true,
        }) => Ok(()),
        _ => Err(ReplyRefusal::ConnectionDisabled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("a valid time")
    }

    #[test]
    fn the_window_is_a_day_after_the_customers_latest_message() {
        assert_eq!(
            reply_window_after(None, at("2026-12-01 10:00")),
            at("2026-12-02 10:00")
        );
        assert_eq!(
            reply_window_after(Some(at("2026-12-02 10:00")), at("2026-12-01 09:00")),
            at("2026-12-02 10:00"),
            "an older message delivered late never shortens it"
        );
        assert_eq!(
            reply_window_after(Some(at("2026-12-02 10:00")), at("2026-12-01 12:00")),
            at("2026-12-02 12:00")
        );
    }

    #[test]
    fn a_reply_needs_a_customer_message_in_the_last_day() {
        let now = at("2026-12-02 10:00");
        assert!(may_reply(Some(at("2026-12-02 10:01")), now));
        assert!(!may_reply(Some(now), now), "the window ends at its end");
        assert!(
            !may_reply(None, now),
            "a chat the owner began has no window until the customer writes"
        );
    }

    #[test]
    fn only_an_enabled_connection_that_may_reply_lets_a_reply_through() {
        let rights = |enabled, can_reply| Some(ConnectionRights { enabled, can_reply });
        assert_eq!(check_reply(rights(true, true)), Ok(()));
        for refused in [
            rights(false, true),
            rights(true, false),
            rights(false, false),
            None,
        ] {
            assert_eq!(check_reply(refused), Err(ReplyRefusal::ConnectionDisabled));
        }
    }
}
