//! Reports: a date range (7/30/90 days or custom), integration and manager
//! filters and the business-hours switch; headline figures, two SVG charts
//! drawn here (activity by day, first response by day), a sortable table per
//! manager, the funnel, and CSV exports. Every figure says how it is counted
//! (its tooltip); the server computes them all.

mod chart;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::reports::{Durations, ManagerFigures, Overview};
use shared::api::users::Role;

use crate::api::http::{self, encode_query, ApiError};
use crate::components::error_line::ErrorLine;
use crate::i18n::{use_i18n, I18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

use chart::{ActivityChart, FirstResponseChart};

/// `YYYY-MM-DD` of today minus `back` days, in the browser's time zone.
fn local_date(back: u32) -> String {
    let today = js_sys::Date::new_0();
    let day = js_sys::Date::new_with_year_month_day(
        today.get_full_year(),
        today.get_month() as i32,
        today.get_date() as i32 - back as i32,
    );
    format!(
        "{:04}-{:02}-{:02}",
        day.get_full_year(),
        day.get_month() + 1,
        day.get_date()
    )
}

/// The browser's IANA time zone (days are counted in it).
fn browser_time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|zone| zone.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// `1h 05m`, `12m 30s`, `45s`; `—` without a value.
pub fn duration_text(seconds: Option<i64>) -> String {
    let Some(s) = seconds else {
        return "—".into();
    };
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s:02}s"),
        _ => format!("{h}h {m:02}m"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Name,
    Assigned,
    Closed,
    Replies,
    FirstResponse,
    Resolution,
    OpenNow,
}

#[component]
pub fn ReportsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();

    let preset = RwSignal::new("30".to_owned());
    let from = RwSignal::new(local_date(29));
    let to = RwSignal::new(local_date(0));
    let integration = RwSignal::new(String::new());
    let manager = RwSignal::new(String::new());
    let business_hours = RwSignal::new(false);
    let tz = browser_time_zone();

    let query = Memo::new(move |_| {
        let mut pairs = vec![("from", from.get()), ("to", to.get()), ("tz", tz.clone())];
        if !integration.get().is_empty() {
            pairs.push(("integration_id", integration.get()));
        }
        if !manager.get().is_empty() {
            pairs.push(("assignee_id", manager.get()));
        }
        if business_hours.get() {
            pairs.push(("business_hours", "true".into()));
        }
        encode_query(&pairs)
    });

    let overview = RwSignal::new(None::<Overview>);
    let managers = RwSignal::new(Vec::<ManagerFigures>::new());
    let error = RwSignal::new(None::<ApiError>);
    let loading = RwSignal::new(false);
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let current = query.get();
        generation.update_value(|run| *run += 1);
        let run = generation.get_value();
        loading.set(true);
        spawn_local(async move {
            let figures = http::report_overview(&current).await;
            let rows = http::report_managers(&current).await;
            if generation.get_value() != run {
                return;
            }
            loading.set(false);
            match (figures, rows) {
                (Ok(figures), Ok(rows)) => {
                    error.set(None);
                    overview.set(Some(figures));
                    managers.set(rows);
                }
                (Err(failure), _) | (_, Err(failure)) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    });

    let choose_preset = move |value: String| {
        if let Ok(days) = value.parse::<u32>() {
            from.set(local_date(days - 1));
            to.set(local_date(0));
        }
        preset.set(value);
    };

    let sort = RwSignal::new((SortBy::Assigned, true));
    let sorted = Memo::new(move |_| {
        let mut rows = managers.get();
        let (by, descending) = sort.get();
        let key = |m: &ManagerFigures| -> (i64, String) {
            let n = match by {
                SortBy::Name => 0,
                SortBy::Assigned => m.assigned as i64,
                SortBy::Closed => m.closed as i64,
                SortBy::Replies => m.replies as i64,
                SortBy::FirstResponse => m.first_response_s.median.unwrap_or(i64::MAX),
                SortBy::Resolution => m.resolution_s.median.unwrap_or(i64::MAX),
                SortBy::OpenNow => m.open_now as i64,
            };
            (n, m.name.to_lowercase())
        };
        rows.sort_by_key(key);
        if descending {
            rows.reverse();
        }
        rows
    });
    let header = move |by: SortBy, label: Key, help: Key| {
        view! {
            <th scope="col" title=move || i18n.tr(help)
                aria-sort=move || match sort.get() {
                    (current, true) if current == by => "descending",
                    (current, false) if current == by => "ascending",
                    _ => "none",
                }>
                <button type="button" class="sort-button"
                    on:click=move |_| sort.update(|(current, descending)| {
                        if *current == by {
                            *descending = !*descending;
                        } else {
                            *current = by;
                            *descending = by != SortBy::Name;
                        }
                    })>
                    {move || i18n.tr(label)}
                    {move || match sort.get() {
                        (current, true) if current == by => " ▼",
                        (current, false) if current == by => " ▲",
                        _ => "",
                    }}
                </button>
            </th>
        }
    };

    let csv = move |report: &'static str, label: Key| {
        view! {
            <a class="button button-quiet" data-test=format!("export-{report}")
                href=move || http::report_csv_url(report, &query.get()) download=format!("{report}.csv")>
                {move || i18n.tr(label)}
            </a>
        }
    };

    view! {
        <section class="page reports" data-test="reports">
            <header class="page-header">
                <h1>{move || i18n.tr(Key::Reports)}</h1>
            </header>
            <form class="filters" on:submit=|event| event.prevent_default()>
                <label class="field field-compact">
                    <span>{move || i18n.tr(Key::ReportPeriod)}</span>
                    <select data-test="report-preset" prop:value=move || preset.get()
                        on:change=move |event| choose_preset(event_target_value(&event))>
                        <option value="7">{move || i18n.tr(Key::Last7Days)}</option>
                        <option value="30">{move || i18n.tr(Key::Last30Days)}</option>
                        <option value="90">{move || i18n.tr(Key::Last90Days)}</option>
                        <option value="custom">{move || i18n.tr(Key::CustomRange)}</option>
                    </select>
                </label>
                <label class="field field-compact">
                    <span>{move || i18n.tr(Key::FromDate)}</span>
                    <input type="date" data-test="report-from" prop:value=move || from.get()
                        on:change=move |event| { preset.set("custom".into()); from.set(event_target_value(&event)); }/>
                </label>
                <label class="field field-compact">
                    <span>{move || i18n.tr(Key::ToDate)}</span>
                    <input type="date" data-test="report-to" prop:value=move || to.get()
                        on:change=move |event| { preset.set("custom".into()); to.set(event_target_value(&event)); }/>
                </label>
                <label class="field field-compact">
                    <span>{move || i18n.tr(Key::SourceBot)}</span>
                    <select data-test="report-integration" prop:value=move || integration.get()
                        on:change=move |event| integration.set(event_target_value(&event))>
                        <option value="">{move || i18n.tr(Key::Any)}</option>
                        {move || directory.integrations.get().into_iter().map(|i| {
                            view! { <option value=i.id.to_string()>{i.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field field-compact">
                    <span>{move || i18n.tr(Key::Manager)}</span>
                    <select data-test="report-manager" prop:value=move || manager.get()
                        on:change=move |event| manager.set(event_target_value(&event))>
                        <option value="">{move || i18n.tr(Key::Any)}</option>
                        {move || directory.users.get().into_iter().filter(|u| u.role != Role::Follower).map(|u| {
                            view! { <option value=u.id.to_string()>{u.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field field-compact field-check" title=move || i18n.tr(Key::BusinessHoursOnlyHelp)>
                    <input type="checkbox" data-test="report-business-hours" prop:checked=move || business_hours.get()
                        on:change=move |event| business_hours.set(event_target_checked(&event))/>
                    <span>{move || i18n.tr(Key::BusinessHoursOnly)}</span>
                </label>
            </form>
            <ErrorLine error/>
            <Show when=move || loading.get() && overview.with(Option::is_none)>
                <div class="list-note" aria-busy="true"><span class="spinner" aria-hidden="true"></span>{move || i18n.tr(Key::Loading)}</div>
            </Show>
            {move || overview.get().map(|o| view! {
                <Headline o=o.clone() i18n/>
                <div class="report-charts">
                    <figure class="report-chart" title=move || i18n.tr(Key::ChartActivityHelp)>
                        <figcaption>{move || i18n.tr(Key::ChartActivity)}</figcaption>
                        <ActivityChart days=o.by_day.clone()/>
                    </figure>
                    <figure class="report-chart" title=move || i18n.tr(Key::ChartFirstResponseHelp)>
                        <figcaption>{move || i18n.tr(Key::ChartFirstResponse)}</figcaption>
                        <FirstResponseChart days=o.by_day.clone()/>
                    </figure>
                </div>
                <Funnel o i18n/>
            })}
            <h2>{move || i18n.tr(Key::ManagersTable)}</h2>
            <div class="table-wrap">
                <table class="report-table" data-test="report-managers">
                    <thead><tr>
                        {header(SortBy::Name, Key::Manager, Key::Manager)}
                        {header(SortBy::Assigned, Key::ColAssigned, Key::ColAssignedHelp)}
                        {header(SortBy::Closed, Key::ColClosed, Key::ColClosedHelp)}
                        {header(SortBy::Replies, Key::ColReplies, Key::ColRepliesHelp)}
                        {header(SortBy::FirstResponse, Key::ColFirstResponse, Key::ColFirstResponseHelp)}
                        {header(SortBy::Resolution, Key::ColResolution, Key::ColResolutionHelp)}
                        {header(SortBy::OpenNow, Key::ColOpenNow, Key::ColOpenNowHelp)}
                    </tr></thead>
                    <tbody>
                        <For each=move || sorted.get() key=|m| (m.user_id, m.assigned, m.closed, m.replies, m.open_now, m.first_response_s.median, m.resolution_s.median) children=move |m| view! {
                            <tr data-test="report-manager-row">
                                <th scope="row">{m.name.clone()}</th>
                                <td>{m.assigned}</td>
                                <td>{m.closed}</td>
                                <td>{m.replies}</td>
                                <td>{duration_text(m.first_response_s.median)}" / "{duration_text(m.first_response_s.p90)}</td>
                                <td>{duration_text(m.resolution_s.median)}</td>
                                <td>{m.open_now}</td>
                            </tr>
                        }/>
                    </tbody>
                </table>
            </div>
            <div class="report-exports">
                {csv("overview", Key::ExportOverview)}
                {csv("managers", Key::ExportManagers)}
                {csv("conversations", Key::ExportConversations)}
            </div>
        </section>
    }
}

#[component]
fn Figure(label: Key, help: Key, value: String, test: &'static str, i18n: I18n) -> impl IntoView {
    view! {
        <div class="report-figure" title=move || i18n.tr(help) data-test=test>
            <span class="report-figure-value">{value}</span>
            <span class="report-figure-label">{move || i18n.tr(label)}</span>
        </div>
    }
}

fn spread(d: &Durations) -> (String, String) {
    (duration_text(d.median), duration_text(d.p90))
}

#[component]
fn Headline(o: Overview, i18n: I18n) -> impl IntoView {
    let (fr_median, fr_p90) = spread(&o.first_response_s);
    let (res_median, res_p90) = spread(&o.resolution_s);
    view! {
        <div class="report-figures" data-test="report-headline">
            <Figure label=Key::ConversationsStarted help=Key::ConversationsStartedHelp value=o.conversations.started.to_string() test="figure-started" i18n/>
            <Figure label=Key::Reopened help=Key::ReopenedHelp value=o.conversations.reopened.to_string() test="figure-reopened" i18n/>
            <Figure label=Key::ConversationsClosed help=Key::ConversationsClosedHelp value=o.conversations.closed.to_string() test="figure-closed" i18n/>
            <Figure label=Key::MessagesIn help=Key::MessagesInHelp value=o.messages.inbound.to_string() test="figure-messages-in" i18n/>
            <Figure label=Key::MessagesOut help=Key::MessagesOutHelp value=o.messages.out.to_string() test="figure-messages-out" i18n/>
            <Figure label=Key::AutoMessages help=Key::AutoMessagesHelp value=o.messages.auto.to_string() test="figure-auto" i18n/>
            <Figure label=Key::FirstResponseMedian help=Key::FirstResponseMedianHelp value=fr_median test="figure-first-response" i18n/>
            <Figure label=Key::FirstResponseP90 help=Key::FirstResponseP90Help value=fr_p90 test="figure-first-response-p90" i18n/>
            <Figure label=Key::ResolutionMedian help=Key::ResolutionMedianHelp value=res_median test="figure-resolution" i18n/>
            <Figure label=Key::ResolutionP90 help=Key::ResolutionP90Help value=res_p90 test="figure-resolution-p90" i18n/>
        </div>
    }
}

#[component]
fn Funnel(o: Overview, i18n: I18n) -> impl IntoView {
    let d = o.deals;
    view! {
        <h2>{move || i18n.tr(Key::Funnel)}</h2>
        <div class="report-figures" data-test="report-funnel">
            <Figure label=Key::DealsCreated help=Key::DealsCreatedHelp value=d.created.to_string() test="figure-deals-created" i18n/>
            <Figure label=Key::DealsWon help=Key::DealsWonHelp value=d.won.to_string() test="figure-deals-won" i18n/>
            <Figure label=Key::DealsLost help=Key::DealsLostHelp value=d.lost.to_string() test="figure-deals-lost" i18n/>
            <Figure label=Key::WonAmount help=Key::WonAmountHelp value=format!("{:.2}", d.won_amount) test="figure-won-amount" i18n/>
        </div>
        <div class="table-wrap">
            <table class="report-table" data-test="report-stages">
                <thead><tr>
                    <th scope="col">{move || i18n.tr(Key::Stage)}</th>
                    <th scope="col" title=move || i18n.tr(Key::DealsCreatedHelp)>{move || i18n.tr(Key::DealsCreated)}</th>
                    <th scope="col" title=move || i18n.tr(Key::DealsWonHelp)>{move || i18n.tr(Key::DealsWon)}</th>
                    <th scope="col" title=move || i18n.tr(Key::DealsLostHelp)>{move || i18n.tr(Key::DealsLost)}</th>
                    <th scope="col" title=move || i18n.tr(Key::WonAmountHelp)>{move || i18n.tr(Key::WonAmount)}</th>
                </tr></thead>
                <tbody>
                    {d.by_stage.into_iter().map(|s| view! {
                        <tr>
                            <th scope="row">{format!("{} · {}", s.pipeline_name, s.stage_name)}</th>
                            <td>{s.created}</td>
                            <td>{s.won}</td>
                            <td>{s.lost}</td>
                            <td>{format!("{:.2}", s.won_amount)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
