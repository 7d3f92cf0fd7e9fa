//! The two report charts, drawn as inline SVG (no scripts from elsewhere):
//! conversations started (bars) with messages in and out (lines) by day, and
//! first response by day (median and p90 lines). Each day has a `<title>`
//! with its numbers, which browsers show as a tooltip.

use leptos::prelude::*;
use shared::api::reports::DayFigures;

use super::duration_text;
use crate::i18n::{use_i18n, Key};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 20.0;
const TOP: f64 = 10.0;

fn x_of(index: usize, days: usize) -> f64 {
    let step = (WIDTH - LEFT) / days.max(1) as f64;
    LEFT + step * index as f64 + step / 2.0
}

fn y_of(value: f64, max: f64) -> f64 {
    let plot = HEIGHT - BOTTOM - TOP;
    TOP + plot - plot * (value / max.max(1.0))
}

fn polyline(points: impl Iterator<Item = (f64, f64)>) -> String {
    points
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn axis(max_label: String, first: String, last: String) -> impl IntoView {
    view! {
        <line x1=LEFT y1=HEIGHT - BOTTOM x2=WIDTH y2=HEIGHT - BOTTOM class="chart-axis"/>
        <line x1=LEFT y1=TOP x2=LEFT y2=HEIGHT - BOTTOM class="chart-axis"/>
        <text x=LEFT - 4.0 y=TOP + 4.0 text-anchor="end" class="chart-label">{max_label}</text>
        <text x=LEFT - 4.0 y=HEIGHT - BOTTOM text-anchor="end" class="chart-label">"0"</text>
        <text x=LEFT y=HEIGHT - 4.0 class="chart-label">{first}</text>
        <text x=WIDTH y=HEIGHT - 4.0 text-anchor="end" class="chart-label">{last}</text>
    }
}

#[component]
pub fn ActivityChart(days: Vec<DayFigures>) -> impl IntoView {
    let i18n = use_i18n();
    let n = days.len();
    let max = days
        .iter()
        .map(|d| d.started.max(d.messages_in).max(d.messages_out))
        .max()
        .unwrap_or(0) as f64;
    let step = (WIDTH - LEFT) / n.max(1) as f64;
    let bar = (step * 0.6).max(1.0);
    let first = days.first().map(|d| d.date.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.date.clone()).unwrap_or_default();
    let line_in = polyline(
        days.iter()
            .enumerate()
            .map(|(i, d)| (x_of(i, n), y_of(d.messages_in as f64, max))),
    );
    let line_out = polyline(
        days.iter()
            .enumerate()
            .map(|(i, d)| (x_of(i, n), y_of(d.messages_out as f64, max))),
    );
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let y = y_of(d.started as f64, max);
            let tip = format!(
                "{}: {} {}, {} {}, {} {}",
                d.date,
                d.started,
                i18n.tr(Key::ConversationsStarted),
                d.messages_in,
                i18n.tr(Key::MessagesIn),
                d.messages_out,
                i18n.tr(Key::MessagesOut)
            );
            view! {
                <g class="chart-day">
                    <rect x=x_of(i, n) - bar / 2.0 y=y width=bar height=(HEIGHT - BOTTOM - y).max(0.0) class="chart-bar"/>
                    <rect x=x_of(i, n) - step / 2.0 y=TOP width=step height=HEIGHT - BOTTOM - TOP class="chart-hover">
                        <title>{tip}</title>
                    </rect>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" data-test="chart-activity"
            aria-label=move || i18n.tr(Key::ChartActivity)>
            {axis(format!("{max}"), first, last)}
            {bars}
            <polyline points=line_in class="chart-line chart-line-in" fill="none"/>
            <polyline points=line_out class="chart-line chart-line-out" fill="none"/>
        </svg>
        <p class="chart-legend">
            <span class="legend legend-bar">{move || i18n.tr(Key::ConversationsStarted)}</span>
            <span class="legend legend-in">{move || i18n.tr(Key::MessagesIn)}</span>
            <span class="legend legend-out">{move || i18n.tr(Key::MessagesOut)}</span>
        </p>
    }
}

#[component]
pub fn FirstResponseChart(days: Vec<DayFigures>) -> impl IntoView {
    let i18n = use_i18n();
    let n = days.len();
    let max = days
        .iter()
        .filter_map(|d| d.first_response_s.p90)
        .max()
        .unwrap_or(0) as f64;
    let first = days.first().map(|d| d.date.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.date.clone()).unwrap_or_default();
    let line = |pick: fn(&DayFigures) -> Option<i64>| {
        polyline(
            days.iter()
                .enumerate()
                .filter_map(|(i, d)| pick(d).map(|v| (x_of(i, n), y_of(v as f64, max)))),
        )
    };
    let median = line(|d| d.first_response_s.median);
    let p90 = line(|d| d.first_response_s.p90);
    let step = (WIDTH - LEFT) / n.max(1) as f64;
    let points = days
        .iter()
        .enumerate()
        .filter(|(_, d)| d.first_response_s.count > 0)
        .map(|(i, d)| {
            let tip = format!(
                "{}: {} {}, {} {} ({})",
                d.date,
                i18n.tr(Key::MedianLabel),
                duration_text(d.first_response_s.median),
                i18n.tr(Key::P90Label),
                duration_text(d.first_response_s.p90),
                d.first_response_s.count
            );
            let y = y_of(d.first_response_s.median.unwrap_or(0) as f64, max);
            view! {
                <g class="chart-day">
                    <circle cx=x_of(i, n) cy=y r="3" class="chart-point"/>
                    <rect x=x_of(i, n) - step / 2.0 y=TOP width=step height=HEIGHT - BOTTOM - TOP class="chart-hover">
                        <title>{tip}</title>
                    </rect>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" data-test="chart-first-response"
            aria-label=move || i18n.tr(Key::ChartFirstResponse)>
            {axis(duration_text(Some(max as i64)), first, last)}
            <polyline points=p90 class="chart-line chart-line-p90" fill="none"/>
            <polyline points=median class="chart-line chart-line-median" fill="none"/>
            {points}
        </svg>
        <p class="chart-legend">
            <span class="legend legend-median">{move || i18n.tr(Key::MedianLabel)}</span>
            <span class="legend legend-p90">{move || i18n.tr(Key::P90Label)}</span>
        </p>
    }
}
