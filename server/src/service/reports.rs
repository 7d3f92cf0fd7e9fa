//! Reports (CONTRACT "Reports"): checks the parameters, reads the range's
//! facts once and turns `domain::reports`' tally into the overview, the
//! managers table and the conversation rows. Admin and employee only.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use futures_util::stream::{self, Stream, StreamExt};
use shared::api::reports::{
    ConversationCounts, ConversationRow, DayFigures, DealFigures, Durations, ManagerFigures,
    MedianDuration, MessageCounts, Overview, StageFigures,
};
use shared::api::users::Role;
use shared::Id;

use super::{Context, ServiceError};
use crate::domain::account::User;
use crate::domain::business_hours::BusinessHours;
use crate::domain::open_hours::OpenHours;
use crate::domain::policy::{decide, may_hold_chats, Action};
use crate::domain::report_records::{self, SlotDays};
use crate::domain::reports::{
    funnel, spread, Conversation, FunnelCount, Range, RangeError, Spread, StageDeals, Tally,
    MAX_RANGE_DAYS,
};
use crate::store::{
    report_records as records, reports as store, users as user_store, DbConn, StoreError,
};
use crate::texts::Says;

/// The query parameters every report takes, as given.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub from: Option<String>,
    pub to: Option<String>,
    pub tz: Option<String>,
    pub integration_id: Option<Id>,
    pub assignee_id: Option<Id>,
    pub business_hours: Option<bool>,
}

/// Checked parameters.
#[derive(Debug, Clone)]
pub struct Filters {
    pub range: Range,
    pub integration_id: Option<Id>,
    pub assignee_id: Option<Id>,
    pub business_hours: bool,
}

fn date(param: &'static str, value: &str) -> Result<NaiveDate, ServiceError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        ServiceError::Invalid(Says::ReportBadDate {
            param,
            value: value.to_owned(),
        })
    })
}

impl Params {
    /// Without `from`/`to`: the last 30 days up to today in `tz`; with one
    /// of them only, 30 days from or up to it.
    pub fn check(&self, now: DateTime<Utc>) -> Result<Filters, ServiceError> {
        let tz: Tz = match self.tz.as_deref().map(str::trim) {
            None | Some("") => chrono_tz::UTC,
            Some(name) => name.parse().map_err(|_| {
                ServiceError::Invalid(Says::UnknownTimeZone {
                    value: name.to_owned(),
                })
            })?,
        };
        let from = self.from.as_deref().filter(|v| !v.is_empty());
        let to = self.to.as_deref().filter(|v| !v.is_empty());
        let default = Range::last_30_days(tz, now);
        let span = default.last_day - default.first_day;
        let (first, last) = match (from, to) {
            (None, None) => (default.first_day, default.last_day),
            (Some(from), None) => {
                let first = date("from", from)?;
                (first, first + span)
            }
            (None, Some(to)) => {
                let last = date("to", to)?;
                (last - span, last)
            }
            (Some(from), Some(to)) => (date("from", from)?, date("to", to)?),
        };
        let range = Range::new(tz, first, last).map_err(|err| match err {
            RangeError::FromAfterTo => ServiceError::Invalid(Says::ReportFromAfterTo),
            RangeError::TooLong => ServiceError::Invalid(Says::ReportRangeTooLong {
                days: MAX_RANGE_DAYS,
            }),
        })?;
        Ok(Filters {
            range,
            integration_id: self.integration_id,
            assignee_id: self.assignee_id,
            business_hours: self.business_hours.unwrap_or(false),
        })
    }
}

/// The open hours of each integration, for `business_hours=true`; an
/// integration without hours (or without the switch) counts every second.
struct Hours {
    by_integration: HashMap<Id, Box<dyn OpenHours + Send>>,
}

impl Hours {
    fn of(&self, integration_id: Id) -> Option<&dyn OpenHours> {
        self.by_integration
            .get(&integration_id)
            .map(|h| h.as_ref() as &dyn OpenHours)
    }
}

/// Business hours of the integrations that have them (when asked for);
/// one without is always open.
fn load_hours(conn: &mut DbConn, wanted: bool) -> Result<Hours, StoreError> {
    let mut by_integration: HashMap<Id, Box<dyn OpenHours + Send>> = HashMap::new();
    if wanted {
        for integration in crate::store::integrations::list_integrations(conn)? {
            let Some(given) = &integration.business_hours else {
                continue;
            };
            // Stored hours were checked when they were saved.
            if let Ok(hours) = BusinessHours::parse(given) {
                by_integration.insert(integration.id, Box::new(hours));
            }
        }
    }
    Ok(Hours { by_integration })
}

/// The tally of every chat with facts in the range, or of `only` those.
fn tally(conn: &mut DbConn, filters: &Filters, only: Option<&[Id]>) -> Result<Tally, StoreError> {
    let hours = load_hours(conn, filters.business_hours)?;
    let range = &filters.range;
    let chats = store::chat_facts(conn, range.from, range.to, filters.integration_id, only)?;
    let mut tally = Tally::new(range);
    for chat in &chats {
        tally.add_chat(
            range,
            chat.chat_id,
            &chat.items,
            filters.assignee_id,
            hours.of(chat.integration_id),
        );
    }
    Ok(tally)
}

/// The tally of the whole range for the overview and the managers table:
/// from the kept records (`domain::report_records`, rebuilt first for chats
/// whose timeline changed) when no manager filter is set and the range's
/// 15-minute slots fall on whole local days, otherwise from the facts. Both
/// give the same figures; the records read a month of a busy team in a few
/// queries instead of every message row.
///
/// `holders`: the managers table's reading (who held each conversation and
/// answered it first); the overview reads only each conversation's figures.
fn range_tally(conn: &mut DbConn, filters: &Filters, holders: bool) -> Result<Tally, StoreError> {
    let slot_days = match (filters.assignee_id, SlotDays::of(&filters.range)) {
        (None, Some(days)) => days,
        _ => return tally(conn, filters, None),
    };
    records::refresh(conn)?;
    let range = &filters.range;
    let hours = load_hours(conn, filters.business_hours)?;
    let started = records::started_in(
        conn,
        range.from,
        range.to,
        filters.integration_id,
        records::Wanted {
            exact_times: filters.business_hours,
            holders,
            in_chat_order: false,
        },
    )?;
    let conversations = started
        .into_iter()
        .map(|(integration_id, mut c)| {
            if let Some(hours) = hours.of(integration_id) {
                report_records::durations(&mut c, Some(hours));
            }
            c
        })
        .collect();
    let end = slot_days.first_slot + slot_days.days.len() as i64;
    let closes = records::closes_in(conn, slot_days.first_slot, end, filters.integration_id)?;
    let slots = records::slots_in(conn, slot_days.first_slot, end, filters.integration_id)?;
    Ok(report_records::tally(
        range,
        &slot_days,
        conversations,
        &closes,
        &slots,
    ))
}

fn allowed(caller: &User) -> Result<(), ServiceError> {
    ServiceError::check(decide(caller.role, Action::ViewReports), "report")
}

fn durations(s: Spread) -> Durations {
    Durations {
        median: s.median,
        p90: s.p90,
        count: s.count,
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `GET /api/v1/reports/overview`.
pub async fn overview(
    ctx: &Context,
    caller: &User,
    filters: Filters,
) -> Result<Overview, ServiceError> {
    allowed(caller)?;
    let (tally, deals, filters) = ctx
        .store
        .run(move |conn| {
            let tally = range_tally(conn, &filters, false)?;
            let mut deals = Vec::new();
            for count in FunnelCount::ALL {
                deals.extend(store::stage_deals(
                    conn,
                    filters.range.from,
                    filters.range.to,
                    filters.integration_id,
                    count,
                )?);
            }
            Ok((tally, deals, filters))
        })
        .await?;
    Ok(build_overview(&filters.range, &tally, &deals))
}

fn build_overview(range: &Range, tally: &Tally, deals: &[StageDeals]) -> Overview {
    let conversations = &tally.conversations;
    let mut by_day: Vec<DayFigures> = tally
        .days
        .iter()
        .enumerate()
        .map(|(n, day)| DayFigures {
            date: (range.first_day + chrono::Duration::days(n as i64))
                .format("%Y-%m-%d")
                .to_string(),
            started: day.started,
            closed: day.closed,
            messages_in: day.messages_in,
            messages_out: day.messages_out,
            messages_auto: day.messages_auto,
            first_response_s: Durations::default(),
        })
        .collect();
    let mut per_day: Vec<Vec<i64>> = vec![Vec::new(); by_day.len()];
    for c in conversations {
        let day = (c.started_at.with_timezone(&range.tz).date_naive() - range.first_day).num_days();
        if let (Some(s), Ok(day)) = (c.first_response_s, usize::try_from(day)) {
            if let Some(values) = per_day.get_mut(day) {
                values.push(s);
            }
        }
    }
    for (day, values) in by_day.iter_mut().zip(per_day) {
        day.first_response_s = durations(spread(values));
    }
    let (total, stages) = funnel(deals);
    Overview {
        conversations: ConversationCounts {
            started: tally.started(),
            reopened: tally.reopened,
            closed: tally.closed(),
        },
        messages: MessageCounts {
            inbound: tally.days.iter().map(|d| d.messages_in).sum(),
            out: tally.days.iter().map(|d| d.messages_out).sum(),
            auto: tally.days.iter().map(|d| d.messages_auto).sum(),
        },
        first_response_s: durations(spread(
            conversations.iter().filter_map(|c| c.first_response_s),
        )),
        resolution_s: durations(spread(conversations.iter().filter_map(|c| c.resolution_s))),
        deals: DealFigures {
            created: total.created,
            won: total.won,
            lost: total.lost,
            won_amount: total.won_amount,
            by_stage: stages
                .into_iter()
                .map(|(deal, t)| StageFigures {
                    pipeline_id: deal.pipeline_id,
                    pipeline_name: deal.pipeline_name,
                    stage_id: deal.stage_id,
                    stage_name: deal.stage_name,
                    created: t.created,
                    won: t.won,
                    lost: t.lost,
                    won_amount: t.won_amount,
                })
                .collect(),
        },
        by_day,
    }
}

/// `GET /api/v1/reports/managers`: every active user who may hold chats,
/// and anyone else who appears in the range; with `assignee_id`, that one.
pub async fn managers(
    ctx: &Context,
    caller: &User,
    filters: Filters,
) -> Result<Vec<ManagerFigures>, ServiceError> {
    allowed(caller)?;
    let (tally, users, open_now, filters) = ctx
        .store
        .run(move |conn| {
            let tally = range_tally(conn, &filters, true)?;
            let users = user_store::list_users(conn)?;
            let open_now = store::open_chats_by_assignee(conn, filters.integration_id)?;
            Ok((tally, users, open_now, filters))
        })
        .await?;
    let mut ids: BTreeSet<Id> = tally.manager_ids();
    ids.extend(
        users
            .iter()
            .filter(|u| u.active && may_hold_chats(u.role))
            .map(|u| u.id),
    );
    ids.extend(open_now.keys().copied());
    if let Some(only) = filters.assignee_id {
        ids.retain(|id| *id == only);
    }
    let names: HashMap<Id, &User> = users.iter().map(|u| (u.id, u)).collect();
    let mut held = held_by_manager(&tally.conversations);
    let rows = ids
        .into_iter()
        .filter(|id| names.get(id).is_none_or(|u| u.role != Role::Follower))
        .map(|id| {
            manager_row(
                id,
                held.remove(&id).unwrap_or_default(),
                &tally,
                names.get(&id).map(|u| u.name.as_str()),
                &open_now,
            )
        })
        .collect();
    Ok(rows)
}

/// What the conversations of the range say of one manager.
#[derive(Debug, Default)]
struct Held {
    /// Conversations they held at any time.
    assigned: u64,
    /// Of the conversations they answered first.
    first_response_s: Vec<i64>,
    /// Of the closed conversations they held at the close.
    resolution_s: Vec<i64>,
}

/// Every manager's [`Held`], in one pass over the conversations (a month of
/// a busy team has some 100,000).
fn held_by_manager(conversations: &[Conversation]) -> HashMap<Id, Held> {
    let mut held: HashMap<Id, Held> = HashMap::new();
    for c in conversations {
        for (n, id) in c.holders.iter().enumerate() {
            // Counted once per conversation, however often it came back.
            if !c.holders[..n].contains(id) {
                held.entry(*id).or_default().assigned += 1;
            }
        }
        if let (Some(id), Some(s)) = (c.first_responder, c.first_response_s) {
            held.entry(id).or_default().first_response_s.push(s);
        }
        if let (Some(_), Some(id), Some(s)) = (c.closed_at, c.holder, c.resolution_s) {
            held.entry(id).or_default().resolution_s.push(s);
        }
    }
    held
}

fn manager_row(
    id: Id,
    held: Held,
    tally: &Tally,
    name: Option<&str>,
    open_now: &HashMap<Id, u64>,
) -> ManagerFigures {
    let counts = tally.managers.get(&id).cloned().unwrap_or_default();
    let resolution = spread(held.resolution_s);
    ManagerFigures {
        user_id: id,
        name: name.unwrap_or_default().to_owned(),
        assigned: held.assigned,
        closed: counts.closed,
        replies: counts.replies,
        first_response_s: durations(spread(held.first_response_s)),
        resolution_s: MedianDuration {
            median: resolution.median,
            count: resolution.count,
        },
        open_now: open_now.get(&id).copied().unwrap_or(0),
    }
}

/// `GET /api/v1/reports/conversations`: the conversations that started in
/// the range, oldest first.
pub async fn conversations(
    ctx: &Context,
    caller: &User,
    filters: Filters,
) -> Result<Vec<ConversationRow>, ServiceError> {
    allowed(caller)?;
    let (mut tally, names, users) = ctx
        .store
        .run(move |conn| {
            let tally = tally(conn, &filters, None)?;
            let ids: Vec<Id> = tally.conversations.iter().map(|c| c.chat_id).collect();
            let names = store::chat_names(conn, &ids)?;
            let users = user_store::list_users(conn)?;
            Ok((tally, names, users))
        })
        .await?;
    let user_names: HashMap<Id, String> = users.into_iter().map(|u| (u.id, u.name)).collect();
    tally
        .conversations
        .sort_by_key(|c| (c.started_at, c.chat_id));
    Ok(conversation_rows(tally, &names, &user_names))
}

/// The same rows as [`conversations`], a chunk of chats at a time, in chat
/// order (each chat's conversations oldest first): a CSV of a long range is
/// written as it is read, never held whole. The chats are listed before this
/// returns, so a failing database is still an error response.
pub async fn conversations_in_chunks(
    ctx: &Context,
    caller: &User,
    filters: Filters,
) -> Result<impl Stream<Item = Result<Vec<ConversationRow>, ServiceError>>, ServiceError> {
    allowed(caller)?;
    let range = filters.range.clone();
    let integration_id = filters.integration_id;
    let (chunks, users) = ctx
        .store
        .run(move |conn| {
            let chunks = store::chats_with_facts(conn, range.from, range.to, integration_id)?;
            Ok((chunks, user_store::list_users(conn)?))
        })
        .await?;
    let user_names: Arc<HashMap<Id, String>> =
        Arc::new(users.into_iter().map(|u| (u.id, u.name)).collect());
    let store = ctx.store.clone();
    let filters = Arc::new(filters);
    Ok(stream::iter(chunks).then(move |chunk| {
        let (store, filters, user_names) = (store.clone(), filters.clone(), user_names.clone());
        async move {
            let (tally, names) = store
                .run(move |conn| {
                    let tally = tally(conn, &filters, Some(&chunk))?;
                    let names = store::chat_names(conn, &chunk)?;
                    Ok((tally, names))
                })
                .await?;
            Ok(conversation_rows(tally, &names, &user_names))
        }
    }))
}

fn conversation_rows(
    tally: Tally,
    names: &HashMap<Id, store::ChatNames>,
    user_names: &HashMap<Id, String>,
) -> Vec<ConversationRow> {
    tally
        .conversations
        .into_iter()
        .map(|c| {
            let chat = names.get(&c.chat_id);
            ConversationRow {
                chat_id: c.chat_id,
                integration: chat.map(|n| n.integration.clone()).unwrap_or_default(),
                channel: chat.map(|n| n.channel.clone()).unwrap_or_default(),
                contact: chat.map(|n| n.contact.clone()).unwrap_or_default(),
                assignee: c
                    .holder
                    .and_then(|id| user_names.get(&id).cloned())
                    .unwrap_or_default(),
                started_at: rfc3339(c.started_at),
                first_response_at: c.first_response_at.map(rfc3339),
                closed_at: c.closed_at.map(rfc3339),
                messages_in: c.messages_in,
                messages_out: c.messages_out,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-05T21:00:00Z")
            .expect("valid")
            .with_timezone(&Utc)
    }

    fn params(from: Option<&str>, to: Option<&str>, tz: Option<&str>) -> Params {
        Params {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            tz: tz.map(str::to_owned),
            ..Params::default()
        }
    }

    #[test]
    fn bad_parameters_are_refused_naming_the_parameter() {
        let cases = [
            (params(Some("2026-12-05"), Some("2026-12-01"), None), "from"),
            (params(Some("2025-01-01"), Some("2026-01-02"), None), "to"),
            (params(None, None, Some("Mars/Olympus")), "tz"),
            (params(Some("yesterday"), None, None), "from"),
            (params(None, Some("2026-13-01"), None), "to"),
        ];
        for (params, param) in cases {
            match params.check(now()) {
                Err(ServiceError::Invalid(says)) => {
                    let text = says.to(crate::texts::Lang::En);
                    assert!(text.starts_with(&format!("{param}:")), "{text}");
                }
                other => panic!("{params:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_default_range_is_the_last_30_days_up_to_today_in_the_time_zone() {
        let filters = params(None, None, Some("Pacific/Kiritimati"))
            .check(now())
            .expect("valid");
        // 21:00 UTC is already the 6th at UTC+14.
        assert_eq!(filters.range.last_day.to_string(), "2026-12-06");
        assert_eq!(filters.range.days(), 30);
        let filters = params(Some("2026-11-01"), None, None)
            .check(now())
            .expect("valid");
        assert_eq!(filters.range.last_day.to_string(), "2026-11-30");
    }
}
