//! How times, sizes and amounts read in the interface, in the user's locale (through the
//! browser's `Intl`). Pure presentation: no state, no requests.

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::i18n::Lang;

fn date(at: &str) -> Date {
    Date::new(&JsValue::from_str(at))
}

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object.into()
}

/// The local calendar day of a timestamp, for grouping (`2026-11-24`).
pub fn day_key(at: &str) -> (u32, u32, u32) {
    let d = date(at);
    (d.get_full_year(), d.get_month(), d.get_date())
}

/// Seconds as minutes for a sentence: `5`, `0.5`.
pub fn minutes_text(seconds: i64) -> String {
    if seconds % 60 == 0 {
        (seconds / 60).to_string()
    } else {
        format!("{:.1}", seconds as f64 / 60.0)
    }
}

/// Whole minutes from a timestamp until now (0 for the future).
pub fn minutes_since(at: &str) -> i64 {
    let elapsed = Date::now() - date(at).get_time();
    (elapsed / 60_000.0).max(0.0).floor() as i64
}

/// Hours and minutes, e.g. `14:05`.
pub fn clock(lang: Lang, at: &str) -> String {
    date(at)
        .to_locale_time_string_with_options(
            lang.code(),
            &options(&[("hour", "2-digit"), ("minute", "2-digit")]),
        )
        .into()
}

/// A day, e.g. `24 Nov 2026`.
pub fn day(lang: Lang, at: &str) -> String {
    date(at)
        .to_locale_date_string(
            lang.code(),
            &options(&[("day", "numeric"), ("month", "short"), ("year", "numeric")]),
        )
        .into()
}

/// Day and time, e.g. `24 Nov 2026, 14:05`.
pub fn day_time(lang: Lang, at: &str) -> String {
    format!("{}, {}", day(lang, at), clock(lang, at))
}

/// Compact, for lists: the time today, the day and month this year, else the full date.
pub fn short(lang: Lang, at: &str) -> String {
    let then = date(at);
    if then.get_time().is_nan() {
        return String::new();
    }
    let now = Date::new_0();
    if day_key(at) == (now.get_full_year(), now.get_month(), now.get_date()) {
        clock(lang, at)
    } else if then.get_full_year() == now.get_full_year() {
        then.to_locale_date_string(
            lang.code(),
            &options(&[("day", "numeric"), ("month", "short")]),
        )
        .into()
    } else {
        then.to_locale_date_string(
            lang.code(),
            &options(&[
                ("day", "2-digit"),
                ("month", "2-digit"),
                ("year", "2-digit"),
            ]),
        )
        .into()
    }
}

pub fn file_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

pub fn amount(lang: Lang, value: f64) -> String {
    js_sys::Number::from(value)
        .to_locale_string(lang.code())
        .into()
}

/// A messenger's name as people write it.
pub fn channel_name(channel: shared::api::Channel) -> &'static str {
    match channel {
        shared::api::Channel::Telegram => "Telegram",
        shared::api::Channel::Viber => "Viber",
        shared::api::Channel::Whatsapp => "WhatsApp",
        shared::api::Channel::Api => "Channel API",
    }
}
