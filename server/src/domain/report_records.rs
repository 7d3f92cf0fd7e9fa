//! What reports keep of a chat's timeline so that a month of a busy team is
//! counted without reading every message again: one record per conversation
//! (start, close, holders, first customer message and first response) and
//! the chat's messages counted per 15-minute UTC slot and author.
//!
//! Both are a pure function of the chat's stored facts ([`summarize`]): the
//! store rebuilds them whenever the timeline of a chat changed (a database
//! trigger marks the chat in the same transaction), so they are never a
//! counter kept beside the events, and a rebuild from scratch gives the same.
//! A conversation's record is final once it is closed: later facts of its
//! chat belong to the next conversation.
//!
//! Why 15-minute slots: every time zone offset in use (and every DST shift)
//! is a multiple of 15 minutes, so each slot lies inside one local day of any
//! zone, and slot counts add up to exact per-day counts. [`SlotDays`] checks
//! that for the report's range and zone instead of assuming it.
//!
//! [`tally`] turns records of a range into the same [`Tally`] that
//! `reports::Tally::add_chat` computes from the facts (tests compare both).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use shared::Id;

use super::open_hours::{counted_seconds, OpenHours};
use super::reports::{Conversation, Fact, Item, Range, Tally};

/// Seconds per slot.
pub const SLOT_S: i64 = 900;

/// The slot an instant falls in (slots since the Unix epoch).
pub fn slot_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(SLOT_S)
}

/// Messages of one slot by one author.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlotCounts {
    pub messages_in: i64,
    pub messages_out: i64,
    pub messages_auto: i64,
}

impl SlotCounts {
    pub fn add(&mut self, other: SlotCounts, sign: i64) {
        self.messages_in += sign * other.messages_in;
        self.messages_out += sign * other.messages_out;
        self.messages_auto += sign * other.messages_auto;
    }

    pub fn is_zero(&self) -> bool {
        *self == SlotCounts::default()
    }
}

/// The author of a slot row: a manager's id for their messages, 0 for the
/// customer's, auto-messages and a manager message by nobody we know.
pub const NO_AUTHOR: Id = 0;

/// `(slot, author)` -> counts.
pub type Slots = BTreeMap<(i64, Id), SlotCounts>;

/// Everything reports keep of one chat.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatSummary {
    /// In order of their starts; durations without business hours.
    pub conversations: Vec<Conversation>,
    pub slots: Slots,
}

/// The conversations and slot counts of a chat's facts (in timeline order),
/// by the same walk as `Tally::add_chat`.
pub fn summarize(chat_id: Id, items: &[Item]) -> ChatSummary {
    let mut summary = ChatSummary::default();
    let mut holder: Option<Id> = None;
    let mut current: Option<Conversation> = None;
    for item in items {
        match item.fact {
            Fact::Started { reopen } => {
                summary.conversations.extend(current.take().map(finished));
                current = Some(Conversation {
                    chat_id,
                    started_at: item.at,
                    reopen,
                    first_customer_at: None,
                    first_response_at: None,
                    first_responder: None,
                    closed_at: None,
                    holders: holder.into_iter().collect(),
                    holder,
                    messages_in: 0,
                    messages_out: 0,
                    first_response_s: None,
                    resolution_s: None,
                });
            }
            Fact::Holder(to) => {
                holder = to;
                if let Some(c) = current.as_mut() {
                    c.holder = to;
                    if let Some(user) = to {
                        if !c.holders.contains(&user) {
                            c.holders.push(user);
                        }
                    }
                }
            }
            Fact::Closed => {
                if let Some(mut c) = current.take() {
                    c.closed_at = Some(item.at);
                    c.holder = holder;
                    summary.conversations.push(finished(c));
                }
            }
            Fact::CustomerMessage | Fact::ManagerMessage(_) | Fact::AutoMessage => {
                let (author, counts) = match item.fact {
                    Fact::CustomerMessage => (
                        NO_AUTHOR,
                        SlotCounts {
                            messages_in: 1,
                            ..SlotCounts::default()
                        },
                    ),
                    Fact::ManagerMessage(author) => (
                        author.unwrap_or(NO_AUTHOR),
                        SlotCounts {
                            messages_out: 1,
                            ..SlotCounts::default()
                        },
                    ),
                    _ => (
                        NO_AUTHOR,
                        SlotCounts {
                            messages_auto: 1,
                            ..SlotCounts::default()
                        },
                    ),
                };
                summary
                    .slots
                    .entry((slot_of(item.at), author))
                    .or_default()
                    .add(counts, 1);
                if let Some(c) = current.as_mut() {
                    match item.fact {
                        Fact::CustomerMessage => {
                            c.messages_in += 1;
                            if c.first_customer_at.is_none() {
                                c.first_customer_at = Some(item.at);
                            }
                        }
                        Fact::ManagerMessage(author) => {
                            c.messages_out += 1;
                            if c.first_customer_at.is_some() && c.first_response_at.is_none() {
                                c.first_response_at = Some(item.at);
                                c.first_responder = author;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    summary.conversations.extend(current.map(finished));
    summary
}

/// Wall-clock durations (business hours are applied when a report asks).
fn finished(mut c: Conversation) -> Conversation {
    durations(&mut c, None);
    c
}

/// Sets the conversation's durations counting only `hours` (all the time
/// without).
pub fn durations(c: &mut Conversation, hours: Option<&dyn OpenHours>) {
    c.first_response_s = match (c.first_customer_at, c.first_response_at) {
        (Some(asked), Some(answered)) => Some(counted_seconds(asked, answered, hours)),
        _ => None,
    };
    c.resolution_s = c
        .closed_at
        .map(|closed| counted_seconds(c.started_at, closed, hours));
}

/// A chat's slot counts as kept with its record: `slot author in out auto`
/// per line.
pub fn encode_slots(slots: &Slots) -> String {
    let mut out = String::new();
    for ((slot, author), c) in slots {
        out.push_str(&format!(
            "{slot} {author} {} {} {}\n",
            c.messages_in, c.messages_out, c.messages_auto
        ));
    }
    out
}

/// Stored record text that [`encode_slots`] or [`encode_holders`] did not
/// write (nothing else writes those columns): the row is corrupt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("slot line {line:?} is not five integers")]
    SlotLine { line: String },
    #[error("holder {value:?} is not an id")]
    Holder { value: String },
}

/// The inverse of [`encode_slots`].
pub fn decode_slots(text: &str) -> Result<Slots, DecodeError> {
    let mut slots = Slots::new();
    for line in text.lines() {
        let bad = || DecodeError::SlotLine {
            line: line.to_owned(),
        };
        let numbers = line
            .split(' ')
            .map(|n| n.parse::<i64>().map_err(|_| bad()))
            .collect::<Result<Vec<i64>, DecodeError>>()?;
        let [slot, author, messages_in, messages_out, messages_auto] = numbers[..] else {
            return Err(bad());
        };
        slots.insert(
            (slot, author),
            SlotCounts {
                messages_in,
                messages_out,
                messages_auto,
            },
        );
    }
    Ok(slots)
}

/// Holders as kept with a record: ids separated by spaces, in order.
pub fn encode_holders(holders: &[Id]) -> String {
    holders
        .iter()
        .map(Id::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The inverse of [`encode_holders`] (an empty text: nobody held it).
pub fn decode_holders(text: &str) -> Result<Vec<Id>, DecodeError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(' ')
        .map(|n| {
            n.parse().map_err(|_| DecodeError::Holder {
                value: n.to_owned(),
            })
        })
        .collect()
}

/// Which report day each slot of a range falls on: `None` when some slot
/// would straddle a local midnight (an offset that is not a multiple of 15
/// minutes, as some zones had until the 1970s), in which case the report is
/// counted from the facts instead.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotDays {
    pub first_slot: i64,
    /// Day index per slot from `first_slot`.
    pub days: Vec<usize>,
}

impl SlotDays {
    pub fn of(range: &Range) -> Option<SlotDays> {
        let (from, to) = (range.from.timestamp(), range.to.timestamp());
        if from % SLOT_S != 0 || to % SLOT_S != 0 {
            return None;
        }
        let first_slot = from / SLOT_S;
        let mut days = Vec::with_capacity(((to - from) / SLOT_S) as usize);
        for slot in first_slot..to / SLOT_S {
            let start = DateTime::from_timestamp(slot * SLOT_S, 0)?;
            let last = DateTime::from_timestamp(slot * SLOT_S + SLOT_S - 1, 0)?;
            let day = range.day_index(start)?;
            if range.day_index(last) != Some(day) {
                return None;
            }
            days.push(day);
        }
        Some(SlotDays { first_slot, days })
    }

    pub fn day_of_slot(&self, slot: i64) -> Option<usize> {
        usize::try_from(slot - self.first_slot)
            .ok()
            .and_then(|i| self.days.get(i).copied())
    }
}

/// Conversations closed in one slot while one manager (or nobody) held them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotCloses {
    pub slot: i64,
    pub holder: Option<Id>,
    pub closes: u64,
}

/// The tally of a range from records: `started` are the conversations that
/// started in it (durations already counted as the report asks), `closes`
/// the closes of its slots, `slots` the message counts of its slots. The same
/// figures as `Tally::add_chat` over the facts, without a holder filter.
pub fn tally(
    range: &Range,
    slot_days: &SlotDays,
    started: Vec<Conversation>,
    closes: &[SlotCloses],
    slots: &[(i64, Id, SlotCounts)],
) -> Tally {
    let mut tally = Tally::new(range);
    for c in &started {
        if let Some(day) = range.day_index(c.started_at) {
            tally.days[day].started += 1;
        }
        if c.reopen {
            tally.reopened += 1;
        }
    }
    tally.conversations = started;
    for close in closes {
        if let Some(day) = slot_days.day_of_slot(close.slot) {
            tally.days[day].closed += close.closes;
            if let Some(user) = close.holder {
                tally.managers.entry(user).or_default().closed += close.closes;
            }
        }
    }
    for (slot, author, counts) in slots {
        let Some(day) = slot_days.day_of_slot(*slot) else {
            continue;
        };
        let figures = &mut tally.days[day];
        figures.messages_in += counts.messages_in.max(0) as u64;
        figures.messages_out += counts.messages_out.max(0) as u64;
        figures.messages_auto += counts.messages_auto.max(0) as u64;
        if *author != NO_AUTHOR && counts.messages_out > 0 {
            tally.managers.entry(*author).or_default().replies += counts.messages_out as u64;
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reports::test_facts::*;
    use crate::domain::reports::Fact::*;

    /// Two chats: reopenings, reassignments, auto-messages, an owner's reply
    /// by nobody we know, a close across midnight, messages after a close.
    fn chats() -> Vec<(Id, Vec<Item>)> {
        vec![
            (
                7,
                vec![
                    item("2026-11-10T09:00:00Z", NEW),
                    item("2026-11-10T09:00:00Z", Holder(Some(1))),
                    item("2026-11-10T09:00:00Z", CustomerMessage),
                    item("2026-11-10T09:00:01Z", AutoMessage),
                    item("2026-11-10T09:00:02Z", AutoMessage),
                    item("2026-11-10T09:05:00.700Z", CustomerMessage),
                    item("2026-11-10T09:10:00.200Z", ManagerMessage(Some(1))),
                    item("2026-11-10T09:20:00Z", ManagerMessage(Some(1))),
                    item("2026-11-10T10:00:00Z", Closed),
                    item("2026-11-10T10:05:00Z", ManagerMessage(Some(1))),
                    item("2026-11-10T10:06:00Z", Holder(Some(3))),
                    item("2026-11-11T08:00:00Z", REOPEN),
                    item("2026-11-11T08:00:00Z", CustomerMessage),
                    item("2026-11-11T08:00:02Z", AutoMessage),
                    item("2026-11-11T08:30:00Z", Holder(Some(2))),
                    item("2026-11-11T08:40:00Z", ManagerMessage(None)),
                    item("2026-11-11T23:59:59Z", ManagerMessage(Some(2))),
                    item("2026-11-12T00:00:01Z", Closed),
                ],
            ),
            (
                8,
                vec![
                    item("2026-11-09T23:30:00Z", NEW),
                    item("2026-11-09T23:30:00Z", Holder(None)),
                    item("2026-11-09T23:30:00Z", CustomerMessage),
                    item("2026-11-10T00:10:00Z", Holder(Some(2))),
                    item("2026-11-10T00:20:00Z", ManagerMessage(Some(2))),
                    item("2026-11-10T12:00:00Z", Closed),
                    item("2026-11-11T12:00:00Z", REOPEN),
                    item("2026-11-11T12:01:00Z", CustomerMessage),
                ],
            ),
        ]
    }

    /// The records' tally of a range, as the service computes it.
    fn from_records(range: &Range) -> Tally {
        let slot_days = SlotDays::of(range).expect("15-minute zone");
        let mut started = Vec::new();
        let mut closes: BTreeMap<(i64, Option<Id>), u64> = BTreeMap::new();
        let mut slots: Slots = Slots::new();
        for (chat_id, items) in chats() {
            let summary = summarize(chat_id, &items);
            for c in summary.conversations {
                if let Some(at) = c.closed_at.filter(|at| range.contains(*at)) {
                    *closes.entry((slot_of(at), c.holder)).or_default() += 1;
                }
                if range.contains(c.started_at) {
                    started.push(c);
                }
            }
            for (key, counts) in summary.slots {
                slots.entry(key).or_default().add(counts, 1);
            }
        }
        let slots: Vec<_> = slots.into_iter().map(|((s, a), c)| (s, a, c)).collect();
        let closes: Vec<_> = closes
            .into_iter()
            .map(|((slot, holder), closes)| SlotCloses {
                slot,
                holder,
                closes,
            })
            .collect();
        tally(range, &slot_days, started, &closes, &slots)
    }

    fn from_facts(range: &Range) -> Tally {
        let mut tally = Tally::new(range);
        for (chat_id, items) in chats() {
            tally.add_chat(range, chat_id, &items, None, None);
        }
        tally
    }

    #[test]
    fn records_give_the_figures_the_facts_give_in_any_zone() {
        for tz in [
            chrono_tz::UTC,
            chrono_tz::Europe::Madrid,
            chrono_tz::America::St_Johns,
            chrono_tz::Asia::Kathmandu,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Pacific::Kiritimati,
        ] {
            for (first, last) in [
                ("2026-11-10", "2026-11-11"),
                ("2026-11-11", "2026-11-11"),
                ("2026-11-01", "2026-11-30"),
            ] {
                let range = Range::new(tz, date(first), date(last)).expect("valid");
                let mut want = from_facts(&range);
                let mut got = from_records(&range);
                for t in [&mut want, &mut got] {
                    t.conversations.sort_by_key(|c| (c.chat_id, c.started_at));
                }
                assert_eq!(got, want, "{tz} {first}..{last}");
            }
        }
    }

    #[test]
    fn a_closed_conversation_keeps_its_record_whatever_comes_later() {
        let (chat_id, items) = chats().swap_remove(0);
        let closed_at = 9;
        let before = summarize(chat_id, &items[..closed_at]);
        let after = summarize(chat_id, &items);
        assert_eq!(before.conversations[0], after.conversations[0]);
        // The assignment after the close is not the closed one's holder.
        assert_eq!(after.conversations[0].holders, vec![1]);
        assert_eq!(after.conversations[1].holders, vec![3, 2]);
    }

    #[test]
    fn sub_second_times_keep_their_durations() {
        let (chat_id, items) = chats().swap_remove(0);
        let c = &summarize(chat_id, &items).conversations[0];
        // 09:00:00 to 09:10:00.2: the first customer message counts.
        assert_eq!(c.first_response_s, Some(600));
        assert_eq!(c.resolution_s, Some(3600));
    }

    #[test]
    fn slots_round_trip_and_sum_to_the_messages() {
        let (chat_id, items) = chats().swap_remove(0);
        let summary = summarize(chat_id, &items);
        assert_eq!(
            decode_slots(&encode_slots(&summary.slots)),
            Ok(summary.slots.clone())
        );
        let total: i64 = summary
            .slots
            .values()
            .map(|c| c.messages_in + c.messages_out + c.messages_auto)
            .sum();
        let messages = items
            .iter()
            .filter(|i| matches!(i.fact, CustomerMessage | ManagerMessage(_) | AutoMessage))
            .count();
        assert_eq!(total, messages as i64);
        assert_eq!(decode_holders(&encode_holders(&[3, 2])), Ok(vec![3, 2]));
        assert_eq!(decode_holders(""), Ok(Vec::<Id>::new()));
    }

    #[test]
    fn text_the_encoders_did_not_write_is_an_error_naming_it() {
        assert_eq!(decode_slots(""), Ok(Slots::new()));
        for line in [
            "1 2 3 4",
            "1 2 3 4 5 6",
            "1 2 x 4 5",
            "1  2 3 4 5",
            "1 2 3 4 5 ",
        ] {
            assert_eq!(
                decode_slots(&format!("7 0 1 0 0\n{line}\n")),
                Err(DecodeError::SlotLine {
                    line: line.to_owned()
                }),
                "{line:?}"
            );
        }
        for (text, value) in [("3 x", "x"), ("3  2", ""), (" 3", ""), ("3.5", "3.5")] {
            assert_eq!(
                decode_holders(text),
                Err(DecodeError::Holder {
                    value: value.to_owned()
                }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn slots_map_to_local_days_across_dst_and_odd_offsets() {
        // Madrid's DST ends on 2026-10-25: that day has 25 hours.
        let madrid = Range::new(
            chrono_tz::Europe::Madrid,
            date("2026-10-24"),
            date("2026-10-26"),
        )
        .expect("valid");
        let days = SlotDays::of(&madrid).expect("15-minute zone");
        let per_day = |d: usize| days.days.iter().filter(|x| **x == d).count();
        assert_eq!((per_day(0), per_day(1), per_day(2)), (96, 100, 96));
        let kathmandu = Range::new(
            chrono_tz::Asia::Kathmandu,
            date("2026-11-10"),
            date("2026-11-10"),
        )
        .expect("valid");
        let days = SlotDays::of(&kathmandu).expect("UTC+5:45 is 15-minute");
        assert_eq!(days.first_slot, slot_of(utc("2026-11-09T18:15:00Z")));
        // Liberia was UTC-0:44:30 until 1972: counted from the facts.
        let old = Range::new(
            chrono_tz::Africa::Monrovia,
            date("1971-06-01"),
            date("1971-06-02"),
        )
        .expect("valid");
        assert_eq!(SlotDays::of(&old), None);
    }
}
