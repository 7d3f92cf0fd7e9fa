//! Business hours of an integration: windows `[open, close)` per weekday in an
//! IANA time zone (CONTRACT.md "Business hours"). A window never crosses
//! midnight (use two), `close` may be `24:00`, and a day left out is closed.
//! Times are compared in the zone's local time, so a DST change moves the
//! windows with the clock on the wall, as the team would expect.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use shared::api::integrations::BusinessHours as HoursDto;

/// Minutes since local midnight, `0..=1440`.
type Minute = u16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    zone: Tz,
    /// Monday first; each day's windows sorted and disjoint.
    days: [Vec<(Minute, Minute)>; 7],
}

/// What is wrong with given hours; `field` names where, as the caller wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("business_hours.timezone: unknown time zone {0:?}")]
    UnknownZone(String),
    #[error("business_hours.days: unknown day {0:?} (use mon, tue, wed, thu, fri, sat, sun)")]
    UnknownDay(String),
    #[error("{field}: {value:?} is not a time (HH:MM, 00:00 to 24:00)")]
    NotATime { field: String, value: String },
    #[error("{field}: closes before it opens")]
    ClosesBeforeOpening { field: String },
    #[error("{field}: windows overlap")]
    Overlapping { field: String },
}

const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl BusinessHours {
    /// Checks hours as given by a client (or stored earlier).
    pub fn parse(dto: &HoursDto) -> Result<BusinessHours, HoursError> {
        let zone: Tz = dto
            .timezone
            .parse()
            .map_err(|_| HoursError::UnknownZone(dto.timezone.clone()))?;
        let mut days: [Vec<(Minute, Minute)>; 7] = Default::default();
        for (key, windows) in &dto.days {
            let index = DAY_KEYS
                .iter()
                .position(|day| day == key)
                .ok_or_else(|| HoursError::UnknownDay(key.clone()))?;
            let mut parsed = Vec::with_capacity(windows.len());
            for (n, [open, close]) in windows.iter().enumerate() {
                let field = format!("business_hours.days.{key}[{n}]");
                let open_at = minute(open).ok_or_else(|| HoursError::NotATime {
                    field: field.clone(),
                    value: open.clone(),
                })?;
                let close_at = minute(close).ok_or_else(|| HoursError::NotATime {
                    field: field.clone(),
                    value: close.clone(),
                })?;
                if close_at <= open_at {
                    return Err(HoursError::ClosesBeforeOpening { field });
                }
                parsed.push((open_at, close_at));
            }
            parsed.sort_unstable();
            if parsed.windows(2).any(|pair| pair[1].0 < pair[0].1) {
                return Err(HoursError::Overlapping {
                    field: format!("business_hours.days.{key}"),
                });
            }
            days[index] = parsed;
        }
        Ok(BusinessHours { zone, days })
    }

    /// Whether the team is in at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.zone);
        let minute = (local.hour() * 60 + local.minute()) as Minute;
        self.windows_on(local.weekday())
            .iter()
            .any(|&(open, close)| open <= minute && minute < close)
    }

    /// The open stretches of time between `from` and `to`, in order (for
    /// durations counted in business hours only).
    pub fn open_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut stretches = Vec::new();
        if to <= from {
            return stretches;
        }
        let first_day = from.with_timezone(&self.zone).date_naive().pred_opt();
        let last_day = to.with_timezone(&self.zone).date_naive();
        let mut day = first_day.unwrap_or(last_day);
        while day <= last_day {
            for &(open, close) in self.windows_on(day.weekday()) {
                let (Some(start), Some(end)) = (self.instant(day, open), self.instant(day, close))
                else {
                    continue;
                };
                let (start, end) = (start.max(from), end.min(to));
                if start < end {
                    stretches.push((start, end));
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        stretches
    }

    fn windows_on(&self, day: Weekday) -> &[(Minute, Minute)] {
        &self.days[day.num_days_from_monday() as usize]
    }

    /// The instant a local wall-clock time of `day` happens; a time skipped by
    /// a DST change counts from the moment the clock jumps.
    fn instant(&self, day: NaiveDate, minute: Minute) -> Option<DateTime<Utc>> {
        let midnight = day.and_hms_opt(0, 0, 0)?;
        let local: NaiveDateTime = midnight + chrono::TimeDelta::minutes(i64::from(minute));
        (0..=120)
            .step_by(15)
            .find_map(|shift| {
                self.zone
                    .from_local_datetime(&(local + chrono::TimeDelta::minutes(shift)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
    }
}

/// `HH:MM` from `00:00` to `24:00`.
fn minute(text: &str) -> Option<Minute> {
    let (hours, minutes) = text.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    match (hours, minutes) {
        (24, 0) => Some(1440),
        (0..=23, 0..=59) => Some(hours * 60 + minutes),
        _ => None,
    }
}

/// The hours as stored (JSON text) back into the API's shape.
pub fn to_dto(hours: &HoursDto) -> HoursDto {
    HoursDto {
        timezone: hours.timezone.clone(),
        days: hours
            .days
            .iter()
            .filter(|(_, windows)| !windows.is_empty())
            .map(|(day, windows)| (day.clone(), windows.clone()))
            .collect::<BTreeMap<_, _>>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(zone: &str, days: &[(&str, &[(&str, &str)])]) -> Result<BusinessHours, HoursError> {
        BusinessHours::parse(&HoursDto {
            timezone: zone.into(),
            days: days
                .iter()
                .map(|(day, windows)| {
                    (
                        day.to_string(),
                        windows
                            .iter()
                            .map(|(open, close)| [open.to_string(), close.to_string()])
                            .collect(),
                    )
                })
                .collect(),
        })
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn bad_hours_name_the_field() {
        let table = [
            (hours("Mars/Olympus", &[]), "business_hours.timezone"),
            (hours("UTC", &[("funday", &[])]), "business_hours.days"),
            (
                hours("UTC", &[("mon", &[("9:00", "18:00")])]),
                "business_hours.days.mon[0]",
            ),
            (
                hours("UTC", &[("mon", &[("09:00", "24:30")])]),
                "business_hours.days.mon[0]",
            ),
            (
                hours("UTC", &[("tue", &[("18:00", "09:00")])]),
                "business_hours.days.tue[0]",
            ),
            (
                hours("UTC", &[("tue", &[("09:00", "09:00")])]),
                "business_hours.days.tue[0]",
            ),
            (
                hours("UTC", &[("wed", &[("09:00", "13:00"), ("12:00", "18:00")])]),
                "business_hours.days.wed",
            ),
        ];
        for (result, field) in table {
            let err = result.expect_err(field);
            assert!(
                err.to_string().starts_with(field),
                "{err} should name {field}"
            );
        }
    }

    #[test]
    fn windows_are_half_open_in_the_zone_and_days_left_out_are_closed() {
        let madrid = hours(
            "Europe/Madrid",
            &[("mon", &[("09:00", "14:00"), ("16:00", "24:00")])],
        )
        .expect("valid hours");
        // Monday 2026-12-07, Madrid is UTC+1 in winter.
        let table = [
            ("2026-12-07T07:59:59Z", false),
            ("2026-12-07T08:00:00Z", true),
            ("2026-12-07T12:59:00Z", true),
            ("2026-12-07T13:00:00Z", false),
            ("2026-12-07T15:00:00Z", true),
            ("2026-12-07T22:59:00Z", true),
            ("2026-12-07T23:00:00Z", false),
            ("2026-12-08T10:00:00Z", false),
            ("2026-12-06T10:00:00Z", false),
        ];
        for (at, open) in table {
            assert_eq!(madrid.is_open(utc(at)), open, "{at}");
        }
    }

    #[test]
    fn windows_follow_the_wall_clock_across_a_dst_change() {
        let madrid = hours("Europe/Madrid", &[("sun", &[("09:00", "18:00")])]).expect("valid");
        // 2026-03-29 is a Sunday: clocks go from 02:00 to 03:00 (UTC+1 to UTC+2).
        assert!(madrid.is_open(utc("2026-03-29T07:00:00Z")));
        assert!(!madrid.is_open(utc("2026-03-29T06:59:00Z")));
        let stretches =
            madrid.open_between(utc("2026-03-28T00:00:00Z"), utc("2026-03-31T00:00:00Z"));
        assert_eq!(
            stretches,
            vec![(utc("2026-03-29T07:00:00Z"), utc("2026-03-29T16:00:00Z"))]
        );
    }

    #[test]
    fn open_stretches_across_a_weekend_are_clipped_to_the_range() {
        let weekdays: Vec<(&str, &[(&str, &str)])> = ["mon", "tue", "wed", "thu", "fri"]
            .into_iter()
            .map(|day| (day, &[("09:00", "17:00")][..]))
            .collect();
        let office = hours("UTC", &weekdays).expect("valid");
        // Friday 2026-12-04 16:00 to Monday 2026-12-07 10:00: one hour each side.
        let stretches =
            office.open_between(utc("2026-12-04T16:00:00Z"), utc("2026-12-07T10:00:00Z"));
        assert_eq!(
            stretches,
            vec![
                (utc("2026-12-04T16:00:00Z"), utc("2026-12-04T17:00:00Z")),
                (utc("2026-12-07T09:00:00Z"), utc("2026-12-07T10:00:00Z")),
            ]
        );
    }
}
