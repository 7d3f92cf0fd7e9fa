//! Time that counts for reports with `business_hours=true`: only the part of
//! a duration inside an integration's open windows. Where the windows come
//! from is abstract ([`OpenHours`]): an integration's business hours
//! (`domain::business_hours`, DST-aware), always open, or any closure.

use chrono::{DateTime, Utc};

use super::business_hours::BusinessHours;

/// Something that knows when an integration is open.
pub trait OpenHours {
    /// The open windows overlapping `[from, to)`, in order, clipped to it,
    /// not overlapping each other.
    fn open_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Window>;
}

/// `[start, end)` in UTC.
pub type Window = (DateTime<Utc>, DateTime<Utc>);

/// Always open: what an integration without business hours has.
pub struct AlwaysOpen;

impl OpenHours for AlwaysOpen {
    fn open_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Window> {
        if from < to {
            vec![(from, to)]
        } else {
            Vec::new()
        }
    }
}

impl<F: Fn(DateTime<Utc>, DateTime<Utc>) -> Vec<Window>> OpenHours for F {
    fn open_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Window> {
        self(from, to)
    }
}

/// Seconds from `from` to `to` that count: all of them without `hours`,
/// otherwise only those inside the open windows. Never negative.
pub fn counted_seconds(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    hours: Option<&dyn OpenHours>,
) -> i64 {
    if to <= from {
        return 0;
    }
    match hours {
        None => (to - from).num_seconds(),
        Some(hours) => hours
            .open_between(from, to)
            .into_iter()
            .map(|(start, end)| (end.min(to) - start.max(from)).num_seconds().max(0))
            .sum(),
    }
}

impl OpenHours for BusinessHours {
    fn open_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Window> {
        BusinessHours::open_between(self, from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("a valid test time")
            .with_timezone(&Utc)
    }

    /// Business hours as an admin would give them: `(day, [(open, close)])`.
    fn hours(zone: &str, days: &[(&str, &[(&str, &str)])]) -> BusinessHours {
        BusinessHours::parse(&shared::api::integrations::BusinessHours {
            timezone: zone.into(),
            days: days
                .iter()
                .map(|(day, windows)| {
                    let windows = windows.iter().map(|(o, c)| [o.to_string(), c.to_string()]);
                    (day.to_string(), windows.collect())
                })
                .collect(),
        })
        .expect("valid test hours")
    }

    /// Madrid, weekdays 09:00–18:00, nothing at the weekend.
    fn madrid_office() -> BusinessHours {
        let weekday: &[(&str, &str)] = &[("09:00", "18:00")];
        hours(
            "Europe/Madrid",
            &[
                ("mon", weekday),
                ("tue", weekday),
                ("wed", weekday),
                ("thu", weekday),
                ("fri", weekday),
            ],
        )
    }

    #[test]
    fn without_business_hours_every_second_counts() {
        let cases = [
            ("2026-03-27T10:00:00Z", "2026-03-27T10:00:30Z", 30),
            ("2026-03-27T10:00:00Z", "2026-03-30T10:00:00Z", 3 * 86_400),
            ("2026-03-27T10:00:00Z", "2026-03-27T09:00:00Z", 0),
        ];
        for (from, to, want) in cases {
            assert_eq!(
                counted_seconds(utc(from), utc(to), None),
                want,
                "{from} → {to}"
            );
            assert_eq!(
                counted_seconds(utc(from), utc(to), Some(&AlwaysOpen)),
                want,
                "{from} → {to}"
            );
        }
    }

    /// Madrid is UTC+1 in winter and UTC+2 from 2026-03-29 02:00 local.
    #[test]
    fn only_open_time_counts_across_a_weekend_and_a_dst_change() {
        let office = madrid_office();
        let h = 3600;
        let cases = [
            // Friday 17:00 → Monday 10:00 local (winter → summer time):
            // one hour on Friday, one on Monday; the weekend and the lost
            // hour on Sunday night do not count.
            ("2026-03-27T16:00:00Z", "2026-03-30T08:00:00Z", 2 * h),
            // Within one open day.
            ("2026-03-26T09:30:00Z", "2026-03-26T10:15:00Z", 45 * 60),
            // Entirely at the weekend.
            ("2026-03-28T10:00:00Z", "2026-03-29T15:00:00Z", 0),
            // Friday 08:00 to Friday 20:00 local (winter): the 9 open hours.
            ("2026-03-27T07:00:00Z", "2026-03-27T19:00:00Z", 9 * h),
            // Monday 09:00 local after the change is 07:00 UTC.
            ("2026-03-30T06:30:00Z", "2026-03-30T07:30:00Z", 30 * 60),
            // A whole week across the change: five 9-hour days.
            ("2026-03-23T00:00:00Z", "2026-03-30T00:00:00Z", 45 * h),
            // Back to winter time (2026-10-25): Friday 17:30 → Monday 09:30 local.
            ("2026-10-23T15:30:00Z", "2026-10-26T08:30:00Z", h),
        ];
        for (from, to, want) in cases {
            assert_eq!(
                counted_seconds(utc(from), utc(to), Some(&office)),
                want,
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn a_window_may_close_at_midnight_and_several_windows_make_a_day() {
        // Saturday: 10:00–14:00 and 20:00–24:00 UTC.
        let hours = hours("UTC", &[("sat", &[("10:00", "14:00"), ("20:00", "24:00")])]);
        let got = counted_seconds(
            utc("2026-03-28T00:00:00Z"),
            utc("2026-03-29T12:00:00Z"),
            Some(&hours),
        );
        assert_eq!(got, 8 * 3600);
        let windows = OpenHours::open_between(
            &hours,
            utc("2026-03-28T12:00:00Z"),
            utc("2026-03-28T21:00:00Z"),
        );
        assert_eq!(
            windows,
            vec![
                (utc("2026-03-28T12:00:00Z"), utc("2026-03-28T14:00:00Z")),
                (utc("2026-03-28T20:00:00Z"), utc("2026-03-28T21:00:00Z")),
            ]
        );
    }

    #[test]
    fn a_window_opening_inside_the_spring_gap_opens_when_the_gap_ends() {
        // Sunday 02:30–04:00 Madrid; on 2026-03-29 02:30 does not exist.
        let hours = hours("Europe/Madrid", &[("sun", &[("02:30", "04:00")])]);
        // 03:00 CEST (01:00 UTC) to 04:00 CEST (02:00 UTC): one hour.
        let got = counted_seconds(
            utc("2026-03-28T12:00:00Z"),
            utc("2026-03-29T12:00:00Z"),
            Some(&hours),
        );
        assert_eq!(got, 3600);
    }

    #[test]
    fn a_closure_can_provide_the_windows() {
        let lunch_only = |from: DateTime<Utc>, to: DateTime<Utc>| -> Vec<Window> {
            let (open, close) = (utc("2026-01-05T12:00:00Z"), utc("2026-01-05T13:00:00Z"));
            if from < close && open < to {
                vec![(open.max(from), close.min(to))]
            } else {
                Vec::new()
            }
        };
        assert_eq!(
            counted_seconds(
                utc("2026-01-05T11:00:00Z"),
                utc("2026-01-05T12:30:00Z"),
                Some(&lunch_only)
            ),
            1800
        );
    }
}
