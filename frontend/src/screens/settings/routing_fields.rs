//! The routing part of the integration form: "assign only to online managers", the
//! no-answer hand-off time, business hours per weekday in a time zone, and the away text.
//! Windows are typed as "09:00-14:00, 16:00-19:00" per day; the server checks them and names
//! the day and window it refuses.

use leptos::prelude::*;
use shared::api::integrations::{BusinessHours, Integration};
use std::collections::BTreeMap;

use crate::format;
use crate::i18n::{use_i18n, Key};

pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_KEYS: [Key; 7] = [
    Key::DayMon,
    Key::DayTue,
    Key::DayWed,
    Key::DayThu,
    Key::DayFri,
    Key::DaySat,
    Key::DaySun,
];

/// The form state of the routing settings.
#[derive(Clone, Copy)]
pub struct RoutingForm {
    pub only_online: RwSignal<bool>,
    /// Minutes, as typed; empty: never hand off.
    pub reassign_min: RwSignal<String>,
    pub hours_on: RwSignal<bool>,
    pub timezone: RwSignal<String>,
    pub days: [RwSignal<String>; 7],
    pub away_text: RwSignal<String>,
}

impl RoutingForm {
    pub fn new(existing: Option<&Integration>) -> RoutingForm {
        let hours = existing.and_then(|i| i.business_hours.clone());
        let browser_zone = browser_time_zone();
        RoutingForm {
            only_online: RwSignal::new(existing.is_some_and(|i| i.assign_only_online)),
            reassign_min: RwSignal::new(
                existing
                    .and_then(|i| i.reassign_after_s)
                    .map(format::minutes_text)
                    .unwrap_or_default(),
            ),
            hours_on: RwSignal::new(hours.is_some()),
            timezone: RwSignal::new(
                hours
                    .as_ref()
                    .map(|h| h.timezone.clone())
                    .or(browser_zone)
                    .unwrap_or_else(|| "UTC".into()),
            ),
            days: DAYS.map(|day| {
                RwSignal::new(match &hours {
                    Some(hours) => hours
                        .days
                        .get(day)
                        .map(|windows| {
                            windows
                                .iter()
                                .map(|[open, close]| format!("{open}-{close}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default(),
                    None if matches!(day, "sat" | "sun") => String::new(),
                    None => "09:00-18:00".into(),
                })
            }),
            away_text: RwSignal::new(
                existing
                    .and_then(|i| i.away_text.clone())
                    .unwrap_or_default(),
            ),
        }
    }

    /// Seconds for `reassign_after_s` (the server refuses fewer than 30).
    pub fn reassign_after_s(&self) -> Option<i64> {
        let typed = self.reassign_min.get_untracked();
        let minutes: f64 = typed.trim().replace(',', ".").parse().ok()?;
        Some((minutes * 60.0).round() as i64)
    }

    pub fn business_hours(&self) -> Option<BusinessHours> {
        if !self.hours_on.get_untracked() {
            return None;
        }
        let days: BTreeMap<String, Vec<[String; 2]>> = DAYS
            .iter()
            .zip(self.days)
            .map(|(day, text)| (day.to_string(), parse_windows(&text.get_untracked())))
            .filter(|(_, windows)| !windows.is_empty())
            .collect();
        Some(BusinessHours {
            timezone: self.timezone.get_untracked().trim().to_owned(),
            days,
        })
    }
}

/// "09:00-14:00, 16:00-19:00" as windows; what does not split is sent as typed for the
/// server to name.
fn parse_windows(text: &str) -> Vec<[String; 2]> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once(['-', '–']) {
            Some((open, close)) => [open.trim().to_owned(), close.trim().to_owned()],
            None => [part.to_owned(), String::new()],
        })
        .collect()
}

/// The browser's IANA time zone, a good first guess for the team's.
fn browser_time_zone() -> Option<String> {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|zone| zone.as_string())
}

#[component]
pub fn RoutingFields(form: RoutingForm) -> impl IntoView {
    let i18n = use_i18n();
    let day_rows = move || {
        DAYS.iter()
            .zip(DAY_KEYS)
            .zip(form.days)
            .map(|((day, key), text)| {
                view! {
                    <label class="field field-compact hours-day">
                        <span>{move || i18n.tr(key)}</span>
                        <input type="text" data-test=format!("hours-{day}") placeholder="09:00-18:00"
                            bind:value=text/>
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset class="routing-editor" data-test="routing-editor">
            <legend>{move || i18n.tr(Key::Routing)}</legend>
            <label class="field-check">
                <input type="checkbox" data-test="integration-only-online" bind:checked=form.only_online/>
                <span>{move || i18n.tr(Key::AssignOnlyOnline)}</span>
            </label>
            <label class="field field-compact">
                <span>{move || i18n.tr(Key::ReassignAfter)}</span>
                <input type="number" min="0.5" step="0.5" data-test="integration-reassign"
                    bind:value=form.reassign_min/>
                <small class="muted">{move || i18n.tr(Key::ReassignHelp)}</small>
            </label>
            <label class="field-check">
                <input type="checkbox" data-test="integration-hours-on" bind:checked=form.hours_on/>
                <span>{move || i18n.tr(Key::BusinessHours)}</span>
            </label>
            <Show when=move || form.hours_on.get()>
                <div class="hours-grid" data-test="business-hours">
                    <label class="field field-compact">
                        <span>{move || i18n.tr(Key::TimeZone)}</span>
                        <input type="text" data-test="hours-timezone" placeholder="Europe/Madrid"
                            bind:value=form.timezone/>
                    </label>
                    {day_rows}
                    <small class="muted">{move || i18n.tr(Key::HoursHelp)}</small>
                </div>
            </Show>
            <label class="field">
                <span>{move || i18n.tr(Key::AwayText)}</span>
                <textarea rows="2" data-test="integration-away-text" bind:value=form.away_text></textarea>
                <small class="muted">{move || i18n.tr(Key::AwayTextHelp)}</small>
            </label>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_split_on_commas_and_dashes() {
        assert_eq!(
            parse_windows("09:00-14:00, 16:00 – 19:00"),
            vec![
                ["09:00".to_owned(), "14:00".to_owned()],
                ["16:00".to_owned(), "19:00".to_owned()]
            ]
        );
        assert_eq!(parse_windows(" "), Vec::<[String; 2]>::new());
        assert_eq!(parse_windows("9"), vec![["9".to_owned(), String::new()]]);
    }
}
