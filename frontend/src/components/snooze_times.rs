//! Snooze times the user picks: presets in their local time (in 1 hour, tomorrow 9:00,
//! next Monday 9:00) and a custom `datetime-local`, as the RFC 3339 UTC the server takes.
//! Shared by the chat's snooze control and the bulk bar.

use wasm_bindgen::JsValue;

use crate::i18n::Key;

/// A preset snooze time, as an RFC 3339 UTC string, computed in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    InOneHour,
    TomorrowMorning,
    NextWeek,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::InOneHour, Preset::TomorrowMorning, Preset::NextWeek];

    pub fn key(self) -> Key {
        match self {
            Preset::InOneHour => Key::SnoozeOneHour,
            Preset::TomorrowMorning => Key::SnoozeTomorrow,
            Preset::NextWeek => Key::SnoozeNextWeek,
        }
    }

    pub fn test(self) -> &'static str {
        match self {
            Preset::InOneHour => "snooze-1h",
            Preset::TomorrowMorning => "snooze-tomorrow",
            Preset::NextWeek => "snooze-next-week",
        }
    }

    /// When this preset ends, from `now` (milliseconds since the epoch).
    pub fn until(self, now: f64) -> String {
        let date = js_sys::Date::new(&JsValue::from_f64(now));
        match self {
            Preset::InOneHour => date.set_time(now + 3_600_000.0),
            Preset::TomorrowMorning => {
                date.set_date(date.get_date() + 1);
                date.set_hours(9);
                date.set_minutes(0);
                date.set_seconds(0);
                date.set_milliseconds(0)
            }
            Preset::NextWeek => {
                date.set_date(date.get_date() + days_to_next_monday(date.get_day()));
                date.set_hours(9);
                date.set_minutes(0);
                date.set_seconds(0);
                date.set_milliseconds(0)
            }
        };
        String::from(date.to_iso_string())
    }
}

/// Days from a weekday (0 Sunday … 6 Saturday) to the next Monday (a Monday: the next one).
pub fn days_to_next_monday(weekday: u32) -> u32 {
    match (8 - weekday % 7) % 7 {
        0 => 7,
        days => days,
    }
}

/// A `datetime-local` value (`YYYY-MM-DDTHH:MM`, local time) as RFC 3339 UTC.
pub fn local_input_to_utc(value: &str) -> Option<String> {
    if value.trim().is_empty() {
        return None;
    }
    let date = js_sys::Date::new(&JsValue::from_str(value));
    (!date.get_time().is_nan()).then(|| String::from(date.to_iso_string()))
}

#[cfg(test)]
mod tests {
    use super::days_to_next_monday;

    #[test]
    fn next_week_is_the_coming_monday() {
        // Sunday … Saturday
        let days: Vec<u32> = (0..7).map(days_to_next_monday).collect();
        assert_eq!(days, [1, 7, 6, 5, 4, 3, 2]);
    }
}
