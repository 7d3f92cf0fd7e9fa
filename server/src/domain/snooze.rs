//! Snooze rules (CONTRACT.md "Everyday inbox"): a manager puts an open chat
//! away until a time; it comes back at that time, when the customer writes,
//! or when a manager ends it, whichever is first, and the timeline says why.
//! Each rule takes the chat's snooze (if any) and returns the new one plus the
//! events it implies; `store::snoozes` writes them. Nothing here reads or
//! writes storage.

use chrono::{NaiveDateTime, SecondsFormat};
use shared::api::chats::ChatStatus;
use shared::api::timeline::{Snoozed, TimelineEvent, UnsnoozeReason, Unsnoozed};

/// A rule's outcome: the chat's snooze from now on (`None`: not snoozed) and
/// the timeline events to append, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SnoozeChange {
    pub until: Option<NaiveDateTime>,
    pub events: Vec<TimelineEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SnoozeError {
    /// `until` is now or already past.
    #[error("until must be in the future")]
    NotInFuture,
    /// Only open chats wait for an answer; a closed one has nothing to put off.
    #[error("a closed chat cannot be snoozed")]
    Closed,
}

/// A manager snoozes the chat until `until` (again: the new time replaces
/// the old one).
pub fn snooze(
    status: ChatStatus,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<SnoozeChange, SnoozeError> {
    if until <= now {
        return Err(SnoozeError::NotInFuture);
    }
    if status == ChatStatus::Closed {
        return Err(SnoozeError::Closed);
    }
    Ok(SnoozeChange {
        until: Some(until),
        events: vec![TimelineEvent::Snoozed(Snoozed {
            until: until.and_utc().to_rfc3339_opts(SecondsFormat::Micros, true),
        })],
    })
}

/// The snooze ends for `reason`; `None` when the chat is not snoozed (nothing
/// changes, no event).
pub fn unsnooze(current: Option<NaiveDateTime>, reason: UnsnoozeReason) -> Option<SnoozeChange> {
    current.map(|_| SnoozeChange {
        until: None,
        events: vec![TimelineEvent::Unsnoozed(Unsnoozed { reason })],
    })
}

/// The wake timer's check at `now`: a snooze whose time has come ends.
pub fn wake_if_due(current: Option<NaiveDateTime>, now: NaiveDateTime) -> Option<SnoozeChange> {
    current
        .filter(|until| *until <= now)
        .and_then(|_| unsnooze(current, UnsnoozeReason::Time))
}

/// The customer wrote: a snoozed chat comes back at once.
pub fn customer_wrote(current: Option<NaiveDateTime>) -> Option<SnoozeChange> {
    unsnooze(current, UnsnoozeReason::CustomerWrote)
}

/// The chat closes: a snooze ends without an event of its own (the `closed`
/// event already says why the chat left the working groups), so a closed
/// chat is never snoozed and never wakes.
pub fn chat_closes(current: Option<NaiveDateTime>) -> Option<SnoozeChange> {
    current.map(|_| SnoozeChange {
        until: None,
        events: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(minute: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .and_then(|d| d.and_hms_opt(10, minute, 0))
            .expect("a valid time")
    }

    fn unsnoozed(reason: UnsnoozeReason) -> Vec<TimelineEvent> {
        vec![TimelineEvent::Unsnoozed(Unsnoozed { reason })]
    }

    #[test]
    fn snoozing_an_open_chat_records_until() {
        let change = snooze(ChatStatus::Open, at(30), at(0)).expect("in the future");
        assert_eq!(change.until, Some(at(30)));
        assert_eq!(
            change.events,
            vec![TimelineEvent::Snoozed(Snoozed {
                until: "2026-12-06T10:30:00.000000Z".into()
            })]
        );
    }

    #[test]
    fn until_must_be_in_the_future_and_the_chat_open() {
        // (status, until, now) -> outcome
        let table = [
            (
                ChatStatus::Open,
                at(0),
                at(0),
                Err(SnoozeError::NotInFuture),
            ),
            (
                ChatStatus::Open,
                at(0),
                at(1),
                Err(SnoozeError::NotInFuture),
            ),
            (ChatStatus::Closed, at(5), at(1), Err(SnoozeError::Closed)),
            (
                ChatStatus::Closed,
                at(0),
                at(1),
                Err(SnoozeError::NotInFuture),
            ),
            (ChatStatus::Open, at(5), at(1), Ok(Some(at(5)))),
        ];
        for (status, until, now, want) in table {
            let got = snooze(status, until, now).map(|c| c.until);
            assert_eq!(got, want, "{status:?} until {until} at {now}");
        }
    }

    #[test]
    fn a_snooze_wakes_when_its_time_has_come_and_not_before() {
        assert_eq!(wake_if_due(Some(at(30)), at(29)), None);
        let woken = wake_if_due(Some(at(30)), at(30)).expect("due");
        assert_eq!(woken.until, None);
        assert_eq!(woken.events, unsnoozed(UnsnoozeReason::Time));
        assert_eq!(wake_if_due(None, at(30)), None);
        assert!(wake_if_due(Some(at(30)), at(30) + TimeDelta::days(1)).is_some());
    }

    #[test]
    fn the_customer_or_a_manager_ends_a_snooze_with_their_reason() {
        assert_eq!(
            customer_wrote(Some(at(30))).map(|c| c.events),
            Some(unsnoozed(UnsnoozeReason::CustomerWrote))
        );
        assert_eq!(
            unsnooze(Some(at(30)), UnsnoozeReason::Manual).map(|c| c.events),
            Some(unsnoozed(UnsnoozeReason::Manual))
        );
    }

    #[test]
    fn a_chat_that_is_not_snoozed_stays_as_it_is() {
        assert_eq!(customer_wrote(None), None);
        assert_eq!(unsnooze(None, UnsnoozeReason::Manual), None);
        assert_eq!(chat_closes(None), None);
    }

    #[test]
    fn closing_ends_a_snooze_quietly() {
        let change = chat_closes(Some(at(30))).expect("a change");
        assert_eq!(change.until, None);
        assert!(change.events.is_empty());
    }
}
