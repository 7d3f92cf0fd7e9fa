//! Report figures (CONTRACT "Reports"), computed from a chat's stored
//! timeline: conversations (start — new chat or reopen — to close), first
//! response (first customer message of the conversation to the first manager
//! message), resolution (start to close), messages by kind, per day in the
//! report's time zone and per manager. Auto-messages never count as responses
//! and comments are not part of the input at all. Pure: the store reads the
//! facts, the service turns the tally into DTOs.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use shared::Id;

use super::open_hours::{counted_seconds, OpenHours};

/// The longest range a report may cover, in days.
pub const MAX_RANGE_DAYS: i64 = 366;

/// What one timeline item means for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// `opened` (`reopen: false`) or `reopened`.
    Started {
        reopen: bool,
    },
    Closed,
    /// `assigned` (`Some`) or `unassigned` (`None`).
    Holder(Option<Id>),
    CustomerMessage,
    /// A manager's message; `None` when the author is unknown (a Telegram
    /// Business owner not linked to a user).
    ManagerMessage(Option<Id>),
    /// Greeting, auto-reply or away text.
    AutoMessage,
}

/// A fact and its time; a chat's items come in timeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub at: DateTime<Utc>,
    pub fact: Fact,
}

/// A report's days: `[from, to)` are the local midnights of the first day
/// and of the day after the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub tz: Tz,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeError {
    FromAfterTo,
    TooLong,
}

impl Range {
    /// The days `first_day..=last_day` in `tz`.
    pub fn new(tz: Tz, first_day: NaiveDate, last_day: NaiveDate) -> Result<Range, RangeError> {
        if first_day > last_day {
            return Err(RangeError::FromAfterTo);
        }
        if (last_day - first_day).num_days() >= MAX_RANGE_DAYS {
            return Err(RangeError::TooLong);
        }
        let after_last = last_day.succ_opt().ok_or(RangeError::TooLong)?;
        Ok(Range {
            tz,
            first_day,
            last_day,
            from: local_midnight(tz, first_day),
            to: local_midnight(tz, after_last),
        })
    }

    /// The last 30 days up to `today` (in `tz`).
    pub fn last_30_days(tz: Tz, now: DateTime<Utc>) -> Range {
        let today = now.with_timezone(&tz).date_naive();
        let first = today - Duration::days(29);
        Range::new(tz, first, today).expect("29 days back is a valid range")
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    pub fn days(&self) -> usize {
        ((self.last_day - self.first_day).num_days() + 1) as usize
    }

    /// The index of the day `at` falls on, if inside the range.
    pub fn day_index(&self, at: DateTime<Utc>) -> Option<usize> {
        if !self.contains(at) {
            return None;
        }
        let day = at.with_timezone(&self.tz).date_naive();
        usize::try_from((day - self.first_day).num_days()).ok()
    }
}

/// The first instant of a local date (a day starting inside a DST gap
/// starts when the gap ends).
fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let mut local = date.and_time(chrono::NaiveTime::MIN);
    loop {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(at) => return at.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => local += Duration::minutes(1),
        }
    }
}

/// One conversation that started in the range.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub chat_id: Id,
    pub started_at: DateTime<Utc>,
    pub reopen: bool,
    pub first_customer_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub first_responder: Option<Id>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Everyone who held it, in order of first holding.
    pub holders: Vec<Id>,
    /// Who held it at its close (or last seen, while open).
    pub holder: Option<Id>,
    pub messages_in: u64,
    pub messages_out: u64,
    /// Seconds that count (business hours, when asked for).
    pub first_response_s: Option<i64>,
    pub resolution_s: Option<i64>,
}

/// Figures of one day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayTally {
    pub started: u64,
    pub closed: u64,
    pub messages_in: u64,
    pub messages_out: u64,
    pub messages_auto: u64,
}

/// Counts per manager (besides those derived from conversations).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManagerTally {
    pub closed: u64,
    pub replies: u64,
}

/// Everything counted over a range.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub days: Vec<DayTally>,
    /// Conversations that started in the range, in the order added.
    pub conversations: Vec<Conversation>,
    pub reopened: u64,
    pub managers: BTreeMap<Id, ManagerTally>,
}

/// Only conversations this manager held at any time (and the messages and
/// closes inside them).
pub type HolderFilter = Option<Id>;

/// The conversation being walked through.
struct Current {
    conversation: Conversation,
    /// Counted only when it started in the range.
    in_range: bool,
    holder_matches: bool,
}

impl Tally {
    pub fn new(range: &Range) -> Tally {
        Tally {
            days: vec![DayTally::default(); range.days()],
            conversations: Vec::new(),
            reopened: 0,
            managers: BTreeMap::new(),
        }
    }

    /// Adds one chat's items (in timeline order). Items before the range
    /// only set the scene (who holds the chat, when its conversation began);
    /// items after it only complete conversations that started inside it.
    pub fn add_chat(
        &mut self,
        range: &Range,
        chat_id: Id,
        items: &[Item],
        holder_filter: HolderFilter,
        hours: Option<&dyn OpenHours>,
    ) {
        let matching = matching_conversations(items, holder_filter);
        let mut started = 0;
        let mut holder: Option<Id> = None;
        let mut current: Option<Current> = None;
        for item in items {
            let day = range.day_index(item.at);
            match item.fact {
                Fact::Started { reopen } => {
                    if let Some(open) = current.take() {
                        self.finish(open, range, hours);
                    }
                    let in_range = range.contains(item.at);
                    let index = started;
                    started += 1;
                    let mut conversation = Conversation {
                        chat_id,
                        started_at: item.at,
                        reopen,
                        first_customer_at: None,
                        first_response_at: None,
                        first_responder: None,
                        closed_at: None,
                        holders: Vec::new(),
                        holder,
                        messages_in: 0,
                        messages_out: 0,
                        first_response_s: None,
                        resolution_s: None,
                    };
                    conversation.holders.extend(holder);
                    current = Some(Current {
                        holder_matches: matching.get(index).copied().unwrap_or(false),
                        conversation,
                        in_range,
                    });
                }
                Fact::Holder(to) => {
                    holder = to;
                    if let Some(open) = current.as_mut() {
                        open.conversation.holder = to;
                        if let Some(user) = to {
                            if !open.conversation.holders.contains(&user) {
                                open.conversation.holders.push(user);
                            }
                        }
                    }
                }
                Fact::Closed => {
                    let counts = (holder_filter.is_none() || holder_filter == holder)
                        && range.contains(item.at);
                    if counts {
                        if let Some(day) = day {
                            self.days[day].closed += 1;
                        }
                        if let Some(user) = holder {
                            self.managers.entry(user).or_default().closed += 1;
                        }
                    }
                    if let Some(mut open) = current.take() {
                        open.conversation.closed_at = Some(item.at);
                        open.conversation.holder = holder;
                        self.finish(open, range, hours);
                    }
                }
                Fact::CustomerMessage | Fact::ManagerMessage(_) | Fact::AutoMessage => {
                    if let Some(open) = current.as_mut() {
                        let c = &mut open.conversation;
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
                    let counts = match &current {
                        Some(open) => open.holder_matches,
                        None => holder_filter.is_none() || holder_filter == holder,
                    };
                    if let (Some(day), true) = (day, counts) {
                        let tally = &mut self.days[day];
                        match item.fact {
                            Fact::CustomerMessage => tally.messages_in += 1,
                            Fact::ManagerMessage(author) => {
                                tally.messages_out += 1;
                                if let Some(user) = author {
                                    self.managers.entry(user).or_default().replies += 1;
                                }
                            }
                            _ => tally.messages_auto += 1,
                        }
                    }
                }
            }
        }
        if let Some(open) = current.take() {
            self.finish(open, range, hours);
        }
    }

    fn finish(&mut self, open: Current, range: &Range, hours: Option<&dyn OpenHours>) {
        if !open.in_range || !open.holder_matches {
            return;
        }
        let mut c = open.conversation;
        if let Some(day) = range.day_index(c.started_at) {
            self.days[day].started += 1;
        }
        if let (Some(asked), Some(answered)) = (c.first_customer_at, c.first_response_at) {
            c.first_response_s = Some(counted_seconds(asked, answered, hours));
        }
        if let Some(closed) = c.closed_at {
            c.resolution_s = Some(counted_seconds(c.started_at, closed, hours));
        }
        if c.reopen {
            self.reopened += 1;
        }
        self.conversations.push(c);
    }

    pub fn started(&self) -> u64 {
        self.days.iter().map(|d| d.started).sum()
    }

    pub fn closed(&self) -> u64 {
        self.days.iter().map(|d| d.closed).sum()
    }

    /// Managers who appear anywhere in the tally.
    pub fn manager_ids(&self) -> BTreeSet<Id> {
        let mut ids: BTreeSet<Id> = self.managers.keys().copied().collect();
        for c in &self.conversations {
            ids.extend(c.holders.iter().copied());
            ids.extend(c.first_responder);
        }
        ids
    }
}

/// How a deal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealOutcome {
    Won,
    Lost,
}

/// What the funnel counts of a range's deals, each by its own date: a deal
/// counts as created by the date it was created, and as won or lost by the
/// date it closed so. The store counts each of these per stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelCount {
    Created,
    Closed(DealOutcome),
}

impl FunnelCount {
    pub const ALL: [FunnelCount; 3] = [
        FunnelCount::Created,
        FunnelCount::Closed(DealOutcome::Won),
        FunnelCount::Closed(DealOutcome::Lost),
    ];
}

/// The deals of one stage that one [`FunnelCount`] counts in the range.
#[derive(Debug, Clone, PartialEq)]
pub struct StageDeals {
    pub pipeline_id: Id,
    pub pipeline_name: String,
    pub stage_id: Id,
    pub stage_name: String,
    pub stage_position: i32,
    pub count: FunnelCount,
    pub deals: u64,
    /// Their amounts summed (a deal without one adds nothing).
    pub amount: f64,
}

/// Funnel figures of one stage (or of all stages together).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunnelTally {
    pub created: u64,
    pub won: u64,
    pub lost: u64,
    pub won_amount: f64,
}

/// The funnel's totals and its figures per stage, in pipeline and stage
/// order; won amounts are what the won deals were worth.
pub fn funnel(counted: &[StageDeals]) -> (FunnelTally, Vec<(StageDeals, FunnelTally)>) {
    let mut total = FunnelTally::default();
    let mut stages: BTreeMap<(Id, i32, Id), (StageDeals, FunnelTally)> = BTreeMap::new();
    for row in counted {
        let key = (row.pipeline_id, row.stage_position, row.stage_id);
        let (_, tally) = stages
            .entry(key)
            .or_insert_with(|| (row.clone(), FunnelTally::default()));
        for tally in [&mut total, tally] {
            match row.count {
                FunnelCount::Created => tally.created += row.deals,
                FunnelCount::Closed(DealOutcome::Won) => {
                    tally.won += row.deals;
                    tally.won_amount += row.amount;
                }
                FunnelCount::Closed(DealOutcome::Lost) => tally.lost += row.deals,
            }
        }
    }
    (total, stages.into_values().collect())
}

/// Per conversation of a chat (in order of their starts), whether the
/// manager of the filter held it at some time (all do without a filter).
fn matching_conversations(items: &[Item], holder_filter: HolderFilter) -> Vec<bool> {
    let mut matching = Vec::new();
    let mut holder = None;
    // A closed conversation is final: who holds the chat afterwards did not
    // hold it.
    let mut open = false;
    for item in items {
        match item.fact {
            Fact::Started { .. } => {
                matching.push(holder_filter.is_none() || holder_filter == holder);
                open = true;
            }
            Fact::Closed => open = false,
            Fact::Holder(to) => {
                holder = to;
                if let (Some(last), Some(_), true) = (matching.last_mut(), to, open) {
                    *last |= holder_filter == to;
                }
            }
            _ => {}
        }
    }
    matching
}

/// The ⌈p·n⌉-th smallest value (nearest rank), `p` in percent.
pub fn nearest_rank(sorted: &[i64], percent: u64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (percent * n).div_ceil(100).max(1);
    sorted.get((rank - 1) as usize).copied()
}

/// Median, p90 and count of some durations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spread {
    pub median: Option<i64>,
    pub p90: Option<i64>,
    pub count: u64,
}

pub fn spread(values: impl IntoIterator<Item = i64>) -> Spread {
    let mut sorted: Vec<i64> = values.into_iter().collect();
    sorted.sort_unstable();
    Spread {
        median: nearest_rank(&sorted, 50),
        p90: nearest_rank(&sorted, 90),
        count: sorted.len() as u64,
    }
}

/// Times, dates and timeline items written as text, for the tests of the
/// counting and of the records made from it.
#[cfg(test)]
pub(crate) mod test_facts {
    use super::{Fact, Item};
    use chrono::{DateTime, NaiveDate, Utc};

    pub fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("a valid test time")
            .with_timezone(&Utc)
    }

    pub fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a valid test date")
    }

    pub fn item(at: &str, fact: Fact) -> Item {
        Item { at: utc(at), fact }
    }

    pub const NEW: Fact = Fact::Started { reopen: false };
    pub const REOPEN: Fact = Fact::Started { reopen: true };
}

#[cfg(test)]
mod tests {
    use super::test_facts::*;
    use super::*;
    use crate::domain::business_hours::BusinessHours;

    use Fact::*;

    #[test]
    fn nearest_rank_table() {
        let cases: [(&[i64], u64, Option<i64>); 8] = [
            (&[], 50, None),
            (&[7], 50, Some(7)),
            (&[7], 90, Some(7)),
            (&[1, 2], 50, Some(1)),
            (&[1, 2, 3, 4], 50, Some(2)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, Some(9)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90, Some(10)),
            (&[1, 2, 3, 4, 5], 90, Some(5)),
        ];
        for (values, p, want) in cases {
            assert_eq!(nearest_rank(values, p), want, "{values:?} p{p}");
        }
    }

    #[test]
    fn ranges_are_local_days_and_refuse_bad_bounds() {
        let madrid = chrono_tz::Europe::Madrid;
        let range = Range::new(madrid, date("2026-03-28"), date("2026-03-29")).expect("valid");
        assert_eq!(range.from, utc("2026-03-27T23:00:00Z"));
        // The day after the DST change starts at 00:00 CEST.
        assert_eq!(range.to, utc("2026-03-29T22:00:00Z"));
        assert_eq!(range.days(), 2);
        assert_eq!(
            Range::new(madrid, date("2026-03-29"), date("2026-03-28")),
            Err(RangeError::FromAfterTo)
        );
        assert_eq!(
            Range::new(chrono_tz::UTC, date("2025-01-01"), date("2026-01-02")),
            Err(RangeError::TooLong)
        );
        // 366 days, both ends included.
        assert!(Range::new(chrono_tz::UTC, date("2025-01-01"), date("2026-01-01")).is_ok());
        let last30 = Range::last_30_days(chrono_tz::UTC, utc("2026-12-05T21:00:00Z"));
        assert_eq!(
            (last30.first_day, last30.last_day),
            (date("2026-11-06"), date("2026-12-05"))
        );
    }

    /// A new chat with greeting and auto-reply, a comment-free answer, a
    /// close, then a reopen answered only by the auto-reply and still open.
    fn history() -> Vec<Item> {
        vec![
            item("2026-11-10T09:00:00Z", NEW),
            item("2026-11-10T09:00:00Z", Holder(Some(1))),
            item("2026-11-10T09:00:00Z", CustomerMessage),
            item("2026-11-10T09:00:01Z", AutoMessage),
            item("2026-11-10T09:00:02Z", AutoMessage),
            item("2026-11-10T09:05:00Z", CustomerMessage),
            item("2026-11-10T09:10:00Z", ManagerMessage(Some(1))),
            item("2026-11-10T09:20:00Z", ManagerMessage(Some(1))),
            item("2026-11-10T10:00:00Z", Closed),
            item("2026-11-11T08:00:00Z", REOPEN),
            item("2026-11-11T08:00:00Z", CustomerMessage),
            item("2026-11-11T08:00:02Z", AutoMessage),
            item("2026-11-11T08:30:00Z", Holder(Some(2))),
        ]
    }

    #[test]
    fn a_scripted_history_gives_exact_figures() {
        let range =
            Range::new(chrono_tz::UTC, date("2026-11-10"), date("2026-11-11")).expect("valid");
        let mut tally = Tally::new(&range);
        tally.add_chat(&range, 7, &history(), None, None);
        assert_eq!(tally.started(), 2);
        assert_eq!(tally.reopened, 1);
        assert_eq!(tally.closed(), 1);
        assert_eq!(
            tally.days[0],
            DayTally {
                started: 1,
                closed: 1,
                messages_in: 2,
                messages_out: 2,
                messages_auto: 2
            }
        );
        assert_eq!(
            tally.days[1],
            DayTally {
                started: 1,
                closed: 0,
                messages_in: 1,
                messages_out: 0,
                messages_auto: 1
            }
        );
        let first = &tally.conversations[0];
        // From the first customer message, not the auto-reply.
        assert_eq!(first.first_response_s, Some(600));
        assert_eq!(first.resolution_s, Some(3600));
        assert_eq!((first.messages_in, first.messages_out), (2, 2));
        let second = &tally.conversations[1];
        assert_eq!(second.first_response_s, None);
        assert_eq!(second.resolution_s, None);
        assert_eq!(second.holders, vec![1, 2]);
        assert_eq!(second.holder, Some(2));
        assert_eq!(
            tally.managers[&1],
            ManagerTally {
                closed: 1,
                replies: 2
            }
        );
    }

    #[test]
    fn days_follow_the_time_zone() {
        // 23:30 UTC on the 10th is the 11th in Madrid.
        let madrid = Range::new(
            chrono_tz::Europe::Madrid,
            date("2026-11-10"),
            date("2026-11-11"),
        )
        .expect("valid");
        let items = [
            item("2026-11-10T23:30:00Z", NEW),
            item("2026-11-10T23:30:00Z", CustomerMessage),
        ];
        let mut tally = Tally::new(&madrid);
        tally.add_chat(&madrid, 1, &items, None, None);
        assert_eq!((tally.days[0].started, tally.days[1].started), (0, 1));
        let utc_range =
            Range::new(chrono_tz::UTC, date("2026-11-10"), date("2026-11-11")).expect("valid");
        let mut tally = Tally::new(&utc_range);
        tally.add_chat(&utc_range, 1, &items, None, None);
        assert_eq!((tally.days[0].started, tally.days[1].started), (1, 0));
    }

    #[test]
    fn a_conversation_before_the_range_counts_only_its_close_and_messages_inside() {
        let range =
            Range::new(chrono_tz::UTC, date("2026-11-11"), date("2026-11-11")).expect("valid");
        let mut tally = Tally::new(&range);
        tally.add_chat(&range, 7, &history(), None, None);
        assert_eq!(tally.conversations.len(), 1);
        assert!(tally.conversations[0].reopen);
        assert_eq!(tally.closed(), 0);
        let range =
            Range::new(chrono_tz::UTC, date("2026-11-09"), date("2026-11-09")).expect("valid");
        let mut tally = Tally::new(&range);
        tally.add_chat(&range, 7, &history(), None, None);
        assert_eq!((tally.started(), tally.conversations.len()), (0, 0));
    }

    #[test]
    fn the_holder_filter_keeps_conversations_the_manager_held() {
        let range =
            Range::new(chrono_tz::UTC, date("2026-11-10"), date("2026-11-11")).expect("valid");
        let mut tally = Tally::new(&range);
        tally.add_chat(&range, 7, &history(), Some(2), None);
        assert_eq!(tally.conversations.len(), 1);
        assert_eq!(
            tally.conversations[0].started_at,
            utc("2026-11-11T08:00:00Z")
        );
        assert_eq!(tally.closed(), 0);
        let mut tally = Tally::new(&range);
        tally.add_chat(&range, 7, &history(), Some(3), None);
        assert!(tally.conversations.is_empty());
    }

    #[test]
    fn an_assignment_after_a_close_does_not_reach_back_into_the_closed_conversation() {
        let range =
            Range::new(chrono_tz::UTC, date("2026-11-10"), date("2026-11-11")).expect("valid");
        let items = [
            item("2026-11-10T09:00:00Z", NEW),
            item("2026-11-10T09:00:00Z", Holder(Some(1))),
            item("2026-11-10T10:00:00Z", Closed),
            item("2026-11-10T10:05:00Z", Holder(Some(3))),
        ];
        let mut tally = Tally::new(&range);
        tally.add_chat(&range, 7, &items, Some(3), None);
        assert!(tally.conversations.is_empty());
        let mut tally = Tally::new(&range);
        tally.add_chat(&range, 7, &items, Some(1), None);
        assert_eq!(tally.conversations.len(), 1);
    }

    #[test]
    fn business_hours_shorten_the_durations() {
        // Friday 2026-03-27 and Monday 2026-03-30, 09:00–18:00 Madrid.
        let office = BusinessHours::parse(&shared::api::integrations::BusinessHours {
            timezone: "Europe/Madrid".into(),
            days: [("mon", ()), ("fri", ())]
                .into_iter()
                .map(|(day, ())| {
                    (
                        day.to_owned(),
                        vec![["09:00".to_owned(), "18:00".to_owned()]],
                    )
                })
                .collect(),
        })
        .expect("valid hours");
        let items = [
            item("2026-03-27T16:00:00Z", NEW),
            item("2026-03-27T16:00:00Z", CustomerMessage),
            item("2026-03-27T16:00:02Z", AutoMessage),
            item("2026-03-30T07:30:00Z", ManagerMessage(Some(1))),
            item("2026-03-30T08:00:00Z", Closed),
        ];
        let range = Range::new(
            chrono_tz::Europe::Madrid,
            date("2026-03-27"),
            date("2026-03-30"),
        )
        .expect("valid");
        let mut tally = Tally::new(&range);
        tally.add_chat(&range, 1, &items, None, Some(&office));
        let c = &tally.conversations[0];
        // One hour on Friday, then Monday 09:00–09:30 CEST.
        assert_eq!(c.first_response_s, Some(3600 + 1800));
        assert_eq!(c.resolution_s, Some(2 * 3600));
        let mut tally = Tally::new(&range);
        tally.add_chat(&range, 1, &items, None, None);
        assert_eq!(tally.conversations[0].first_response_s, Some(228_600));
    }

    #[test]
    fn the_funnel_sums_each_stages_counts_in_pipeline_and_stage_order() {
        use DealOutcome::*;
        use FunnelCount::*;
        let row = |pipeline_id: Id, stage_id: Id, position: i32, count, deals, amount| StageDeals {
            pipeline_id,
            pipeline_name: format!("pipeline {pipeline_id}"),
            stage_id,
            stage_name: format!("stage {stage_id}"),
            stage_position: position,
            count,
            deals,
            amount,
        };
        let counted = [
            row(1, 2, 1, Created, 2, 12.0),
            row(2, 9, 0, Closed(Lost), 1, 7.0),
            row(1, 1, 0, Created, 1, 100.0),
            row(1, 1, 0, Closed(Won), 2, 150.0),
            row(1, 2, 1, Closed(Lost), 3, 0.0),
        ];
        let (total, stages) = funnel(&counted);
        let tally = |created, won, lost, won_amount| FunnelTally {
            created,
            won,
            lost,
            won_amount,
        };
        // Amounts of created and lost deals are not won amounts.
        assert_eq!(total, tally(3, 2, 4, 150.0));
        let figures: Vec<(Id, FunnelTally)> =
            stages.into_iter().map(|(s, t)| (s.stage_id, t)).collect();
        assert_eq!(
            figures,
            vec![
                (1, tally(1, 2, 0, 150.0)),
                (2, tally(2, 0, 3, 0.0)),
                (9, tally(0, 0, 1, 0.0)),
            ]
        );
    }

    #[test]
    fn spread_of_nothing_is_null() {
        assert_eq!(spread([]), Spread::default());
        assert_eq!(
            spread([30, 10, 20]),
            Spread {
                median: Some(20),
                p90: Some(30),
                count: 3
            }
        );
    }
}
