//! WhatsApp's rules for what a business may send: the 24-hour customer
//! service window (a free-form reply only within 24 hours of the customer's
//! last message; after it, only an approved template) and templates' `{{n}}`
//! placeholders. Pure: the store records the window, the service refuses.

use chrono::{NaiveDateTime, TimeDelta};
use shared::api::Channel;

use crate::config::Secret;

/// How long after the customer's last message a free-form reply may be sent.
pub const REPLY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// A WhatsApp integration's business number and its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsAppNumber {
    /// The Graph API id of the business phone number (messages are sent from it).
    pub phone_number_id: String,
    /// The WhatsApp Business Account id (templates belong to it).
    pub business_account_id: String,
    /// Meta's app secret: it signs webhook calls (`X-Hub-Signature-256`).
    pub app_secret: Secret,
    /// Ours: Meta echoes it in the webhook verification handshake.
    pub verify_token: String,
}

/// Until when a reply may be sent after a customer message sent at
/// `customer_wrote_at`, given the window so far (an older message, delivered
/// late, never shortens it); `None` for channels without a window.
pub fn reply_window_after(
    channel: Channel,
    current: Option<NaiveDateTime>,
    customer_wrote_at: NaiveDateTime,
) -> Option<NaiveDateTime> {
    match channel {
        Channel::Whatsapp => {
            let ends = customer_wrote_at + REPLY_WINDOW;
            Some(current.map_or(ends, |current| current.max(ends)))
        }
        Channel::Telegram | Channel::Viber | Channel::Api => current,
    }
}

/// Whether a free-form reply must be refused now.
pub fn is_window_closed(ends_at: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    ends_at.is_some_and(|ends_at| now >= ends_at)
}

/// The highest `{{n}}` in a template text: how many values it takes.
pub fn count_placeholders(text: &str) -> usize {
    placeholders(text).map(|(_, n, _)| n).max().unwrap_or(0)
}

/// The text with `{{n}}` replaced by the n-th value (1-based); placeholders
/// without a value stay as they are.
pub fn render_template(text: &str, values: &[String]) -> String {
    let mut rendered = String::with_capacity(text.len());
    let mut rest = 0;
    for (start, n, end) in placeholders(text) {
        if let Some(value) = values.get(n - 1) {
            rendered.push_str(&text[rest..start]);
            rendered.push_str(value);
            rest = end;
        }
    }
    rendered.push_str(&text[rest..]);
    rendered
}

/// Each `{{n}}` (n ≥ 1): its byte range and number.
fn placeholders(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    text.match_indices("{{").filter_map(move |(start, _)| {
        let inner = &text[start + 2..];
        let close = inner.find("}}")?;
        let number: usize = inner[..close].trim().parse().ok()?;
        (number >= 1).then_some((start, number, start + 2 + close + 2))
    })
}

/// Why template values cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template takes {expected} values, {given} were given")]
    WrongParameterCount { expected: usize, given: usize },
    #[error("template value {position} is empty")]
    EmptyParameter { position: usize },
}

/// Values must match the placeholders one to one, none empty (WhatsApp
/// refuses empty template parameters).
pub fn check_parameters(expected: usize, values: &[String]) -> Result<(), TemplateError> {
    if values.len() != expected {
        return Err(TemplateError::WrongParameterCount {
            expected,
            given: values.len(),
        });
    }
    match values.iter().position(|value| value.trim().is_empty()) {
        Some(index) => Err(TemplateError::EmptyParameter {
            position: index + 1,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_750_000_000, 0)
            .expect("a valid timestamp")
            .naive_utc()
            + TimeDelta::hours(hours)
    }

    #[test]
    fn a_whatsapp_message_opens_the_window_for_24_hours() {
        assert_eq!(
            reply_window_after(Channel::Whatsapp, None, at(0)),
            Some(at(24))
        );
    }

    #[test]
    fn a_newer_message_moves_the_window_and_an_older_one_never_shortens_it() {
        assert_eq!(
            reply_window_after(Channel::Whatsapp, Some(at(24)), at(5)),
            Some(at(29))
        );
        assert_eq!(
            reply_window_after(Channel::Whatsapp, Some(at(29)), at(1)),
            Some(at(29))
        );
    }

    #[test]
    fn other_channels_have_no_window() {
        assert_eq!(reply_window_after(Channel::Telegram, None, at(0)), None);
        assert_eq!(reply_window_after(Channel::Viber, None, at(0)), None);
    }

    #[test]
    fn the_window_is_closed_from_its_end_on() {
        assert!(!is_window_closed(None, at(100)));
        assert!(!is_window_closed(Some(at(24)), at(23)));
        assert!(is_window_closed(Some(at(24)), at(24)));
        assert!(is_window_closed(Some(at(24)), at(25)));
    }

    #[test]
    fn placeholders_are_counted_by_their_highest_number() {
        assert_eq!(count_placeholders("Hello"), 0);
        assert_eq!(count_placeholders("Hi {{1}}, order {{2}} ships {{2}}"), 2);
        assert_eq!(count_placeholders("{{3}} only"), 3);
        assert_eq!(count_placeholders("{{name}} and {{ 1 }}"), 1);
        assert_eq!(count_placeholders("broken {{1"), 0);
    }

    #[test]
    fn rendering_puts_each_value_in_its_placeholder() {
        let values = ["Ana".to_owned(), "#42".to_owned()];
        assert_eq!(
            render_template("Hi {{1}}, order {{2}} is ready, {{1}}!", &values),
            "Hi Ana, order #42 is ready, Ana!"
        );
        assert_eq!(render_template("{{3}} stays", &values), "{{3}} stays");
        assert_eq!(render_template("Ñandú {{1}} ü", &values), "Ñandú Ana ü");
    }

    #[test]
    fn values_must_match_the_placeholders_one_to_one() {
        let two = ["a".to_owned(), "b".to_owned()];
        assert_eq!(check_parameters(2, &two), Ok(()));
        assert_eq!(
            check_parameters(1, &two),
            Err(TemplateError::WrongParameterCount {
                expected: 1,
                given: 2
            })
        );
        assert_eq!(
            check_parameters(2, &["a".to_owned(), " ".to_owned()]),
            Err(TemplateError::EmptyParameter { position: 2 })
        );
        assert_eq!(check_parameters(0, &[]), Ok(()));
    }
}
