//! The deal board of a sales funnel: one column per stage with its deals (title, contact,
//! amount, responsible, age) and the column's count and totals; drag a card to another
//! column, or choose its stage on the card (the keyboard way). Filters by responsible and
//! status; a list view sorted by any column, exported as CSV. Live: the socket's deal
//! changes move cards, new deals reload the columns. Followers see, and change nothing.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::crm::{Deal, DealStatus, Pipeline, StageTotals, UpdateDeal};
use shared::api::users::Role;
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::format;
use crate::i18n::{use_i18n, I18n, Key};
use crate::state::directory::{use_directory, Directory};
use crate::state::session::use_session;

/// Deals loaded per column (more than a screen holds; the count says how many there are).
const PER_STAGE: &str = "100";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Board,
    List,
}

/// List columns, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Title,
    Contact,
    Stage,
    Amount,
    Responsible,
    Status,
    Age,
}

impl Column {
    const ALL: [Column; 7] = [
        Column::Title,
        Column::Contact,
        Column::Stage,
        Column::Amount,
        Column::Responsible,
        Column::Status,
        Column::Age,
    ];

    fn key(self) -> Key {
        match self {
            Column::Title => Key::DealTitle,
            Column::Contact => Key::Contact,
            Column::Stage => Key::Stage,
            Column::Amount => Key::Amount,
            Column::Responsible => Key::Responsible,
            Column::Status => Key::Status,
            Column::Age => Key::Age,
        }
    }
}

fn status_key(status: DealStatus) -> Key {
    match status {
        DealStatus::Open => Key::DealOpen,
        DealStatus::Won => Key::DealWon,
        DealStatus::Lost => Key::DealLost,
    }
}

/// Whole days since `at` (RFC 3339).
fn age_days(at: &str) -> i64 {
    let since = js_sys::Date::now() - js_sys::Date::parse(at);
    if since.is_finite() {
        (since / 86_400_000.0).floor().max(0.0) as i64
    } else {
        0
    }
}

fn amount_text(i18n: I18n, deal: &Deal) -> String {
    match (deal.amount, &deal.currency) {
        (Some(amount), Some(code)) => format!("{} {code}", format::amount(i18n.lang(), amount)),
        (Some(amount), None) => format::amount(i18n.lang(), amount),
        (None, _) => String::new(),
    }
}

fn totals_text(i18n: I18n, totals: &StageTotals) -> String {
    let sums = totals
        .totals
        .iter()
        .map(|total| {
            let amount = format::amount(i18n.lang(), total.amount);
            match &total.currency {
                Some(code) => format!("{amount} {code}"),
                None => amount,
            }
        })
        .collect::<Vec<_>>()
        .join(" + ");
    let count = i18n.fill(Key::DealCount, &[("count", totals.count.to_string())]);
    if sums.is_empty() {
        count
    } else {
        format!("{count} · {sums}")
    }
}

/// One CSV field, quoted when it must be (RFC 4180).
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn csv(deals: &[Deal], directory: Directory) -> String {
    let mut out = String::from(
        "id,title,contact,stage,amount,currency,status,responsible,created_at,updated_at,closed_at\n",
    );
    for deal in deals {
        let row = [
            deal.id.to_string(),
            deal.title.clone(),
            deal.contact_name.clone().unwrap_or_default(),
            deal.stage_name.clone(),
            deal.amount.map(|a| a.to_string()).unwrap_or_default(),
            deal.currency.clone().unwrap_or_default(),
            deal.status.as_str().to_owned(),
            deal.responsible_id
                .map(|id| directory.user_name(id))
                .unwrap_or_default(),
            deal.created_at.clone(),
            deal.updated_at.clone(),
            deal.closed_at.clone().unwrap_or_default(),
        ];
        out.push_str(
            &row.iter()
                .map(|field| csv_field(field))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

#[derive(Clone, Copy)]
struct BoardState {
    pipeline_id: RwSignal<Option<Id>>,
    status: RwSignal<Option<DealStatus>>,
    responsible: RwSignal<Option<Id>>,
    deals: RwSignal<Vec<Deal>>,
    totals: RwSignal<Vec<StageTotals>>,
    error: RwSignal<Option<ApiError>>,
    loading: RwSignal<bool>,
    /// The card being dragged.
    dragged: RwSignal<Option<Id>>,
    /// Each load's number: an older load's answer is dropped.
    generation: StoredValue<u64>,
}

impl BoardState {
    fn filters(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "status",
                self.status
                    .get_untracked()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            (
                "responsible_id",
                self.responsible
                    .get_untracked()
                    .map(|id| id.to_string())
                    .unwrap_or_default(),
            ),
        ]
    }

    fn matches(&self, deal: &Deal) -> bool {
        Some(deal.pipeline_id) == self.pipeline_id.get_untracked()
            && self.status.get_untracked().is_none_or(|s| s == deal.status)
            && self
                .responsible
                .get_untracked()
                .is_none_or(|id| deal.responsible_id == Some(id))
    }

    /// Reads every column and the totals again.
    fn load(&self, pipeline: Pipeline, session: crate::state::session::SessionContext) {
        let state = *self;
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        self.loading.set(true);
        spawn_local(async move {
            let filters = state.filters();
            let mut all = Vec::new();
            let mut failure = None;
            for stage in &pipeline.stages {
                let mut query = filters.clone();
                query.push(("pipeline_id", pipeline.id.to_string()));
                query.push(("stage_id", stage.id.to_string()));
                query.push(("limit", PER_STAGE.to_owned()));
                match http::deals(&query, None).await {
                    Ok(page) => all.extend(page.items),
                    Err(error) => {
                        failure = Some(error);
                        break;
                    }
                }
            }
            if state.generation.get_value() != generation {
                return;
            }
            state.loading.set(false);
            match failure {
                Some(error) => {
                    session.note(&error);
                    state.error.set(Some(error));
                }
                None => {
                    state.error.set(None);
                    state.deals.set(all);
                    state.load_totals(pipeline.id);
                }
            }
        });
    }

    fn load_totals(&self, pipeline_id: Id) {
        let state = *self;
        spawn_local(async move {
            if let Ok(board) = http::board(pipeline_id, &state.filters()).await {
                if state.pipeline_id.get_untracked() == Some(pipeline_id) {
                    state.totals.set(board.stages);
                }
            }
        });
    }

    /// A deal as it is now (from the server): placed, moved, or dropped by the filters.
    fn put(&self, deal: Deal) {
        let keep = self.matches(&deal);
        self.deals.update(|deals| {
            deals.retain(|shown| shown.id != deal.id);
            if keep {
                deals.insert(0, deal.clone());
            }
        });
        if let Some(pipeline_id) = self.pipeline_id.get_untracked() {
            if pipeline_id == deal.pipeline_id {
                self.load_totals(pipeline_id);
            }
        }
    }

    /// Moves a card to another stage: shown at once, then as the server answers.
    fn move_to(&self, deal_id: Id, stage_id: Id, session: crate::state::session::SessionContext) {
        let state = *self;
        let before = self.deals.get_untracked();
        let Some(deal) = before.iter().find(|deal| deal.id == deal_id).cloned() else {
            return;
        };
        if deal.stage_id == stage_id {
            return;
        }
        self.deals.update(|deals| {
            if let Some(shown) = deals.iter_mut().find(|shown| shown.id == deal_id) {
                shown.stage_id = stage_id;
            }
        });
        spawn_local(async move {
            let change = UpdateDeal {
                stage_id: Some(stage_id),
                ..UpdateDeal::default()
            };
            match http::update_deal(deal_id, &change).await {
                Ok(updated) => {
                    state.error.set(None);
                    state.put(updated);
                }
                Err(error) => {
                    session.note(&error);
                    state.error.set(Some(error));
                    state.deals.set(before);
                }
            }
        });
    }
}

#[component]
pub fn DealsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    directory.load_pipelines(session);
    let state = BoardState {
        pipeline_id: RwSignal::new(None),
        status: RwSignal::new(Some(DealStatus::Open)),
        responsible: RwSignal::new(None),
        deals: RwSignal::new(Vec::new()),
        totals: RwSignal::new(Vec::new()),
        error: RwSignal::new(None),
        loading: RwSignal::new(false),
        dragged: RwSignal::new(None),
        generation: StoredValue::new(0),
    };
    let mode = RwSignal::new(Mode::Board);

    let pipeline = Memo::new(move |_| {
        let chosen = state.pipeline_id.get();
        directory.pipelines.with(|pipelines| {
            chosen
                .and_then(|id| pipelines.iter().find(|p| p.id == id))
                .or_else(|| pipelines.first())
                .cloned()
        })
    });
    // The first funnel until one is chosen; then (re)load on any filter change or new deal.
    Effect::new(move |_| {
        let Some(pipeline) = pipeline.get() else {
            return;
        };
        if state.pipeline_id.get_untracked() != Some(pipeline.id) {
            state.pipeline_id.set(Some(pipeline.id));
        }
        state.status.track();
        state.responsible.track();
        directory.deals_created.track();
        state.load(pipeline, session);
    });
    // Live changes from the socket.
    Effect::new(move |_| {
        if let Some(deal) = directory.deal_changed.get() {
            state.put(deal);
        }
    });

    let managers = move || {
        directory.users.with(|users| {
            users
                .iter()
                .filter(|user| user.role != Role::Follower)
                .map(|user| (user.id, user.name.clone()))
                .collect::<Vec<_>>()
        })
    };

    view! {
        <section class="deals-screen" data-test="deals-screen">
            <header class="deals-head">
                <h1>{move || i18n.tr(Key::DealBoard)}</h1>
                <div class="deals-filters">
                    <label class="field field-compact">
                        <span>{move || i18n.tr(Key::SalesFunnel)}</span>
                        <select data-test="board-pipeline" on:change=move |event| {
                            if let Ok(id) = event_target_value(&event).parse::<Id>() {
                                state.pipeline_id.set(Some(id));
                            }
                        }>
                            {move || directory.pipelines.get().into_iter().map(|p| {
                                let selected = Some(p.id) == state.pipeline_id.get();
                                view! { <option value=p.id.to_string() selected=selected>{p.name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field field-compact">
                        <span>{move || i18n.tr(Key::Responsible)}</span>
                        <select data-test="board-responsible" on:change=move |event| {
                            state.responsible.set(event_target_value(&event).parse::<Id>().ok());
                        }>
                            <option value="">{move || i18n.tr(Key::AnyoneResponsible)}</option>
                            {move || managers().into_iter().map(|(id, name)| view! {
                                <option value=id.to_string() selected=Some(id) == state.responsible.get_untracked()>{name}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field field-compact">
                        <span>{move || i18n.tr(Key::Status)}</span>
                        <select data-test="board-status" on:change=move |event| {
                            state.status.set(DealStatus::parse(&event_target_value(&event)));
                        }>
                            <option value="">{move || i18n.tr(Key::Any)}</option>
                            {DealStatus::ALL.into_iter().map(|status| view! {
                                <option value=status.as_str() selected=Some(status) == state.status.get_untracked()>
                                    {move || i18n.tr(status_key(status))}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                    <div class="segmented" role="group">
                        <button type="button" class="button button-small" data-test="board-mode-board"
                            aria-pressed=move || (mode.get() == Mode::Board).to_string()
                            on:click=move |_| mode.set(Mode::Board)>
                            {move || i18n.tr(Key::BoardView)}
                        </button>
                        <button type="button" class="button button-small" data-test="board-mode-list"
                            aria-pressed=move || (mode.get() == Mode::List).to_string()
                            on:click=move |_| mode.set(Mode::List)>
                            {move || i18n.tr(Key::ListView)}
                        </button>
                    </div>
                </div>
            </header>
            <ErrorLine error=state.error/>
            {move || match pipeline.get() {
                None => view! { <p class="muted">{move || i18n.tr(Key::NoPipelines)}</p> }.into_any(),
                Some(pipeline) => match mode.get() {
                    Mode::Board => view! { <BoardColumns state pipeline/> }.into_any(),
                    Mode::List => view! { <DealList state/> }.into_any(),
                },
            }}
        </section>
    }
}

#[component]
fn BoardColumns(state: BoardState, pipeline: Pipeline) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let stages = pipeline.stages.clone();
    let all_stages = StoredValue::new(pipeline.stages.clone());
    view! {
        <Show when=move || session.can_write()>
            <p class="muted small">{move || i18n.tr(Key::DragHint)}</p>
        </Show>
        <div class="board" data-test="board">
            {stages.into_iter().map(|stage| {
                let stage_id = stage.id;
                let cards = move || {
                    state.deals.with(|deals| {
                        deals.iter().filter(|deal| deal.stage_id == stage_id).cloned().collect::<Vec<_>>()
                    })
                };
                let totals = move || {
                    state.totals.with(|totals| {
                        totals.iter().find(|t| t.stage_id == stage_id).map(|t| totals_text(i18n, t))
                    })
                };
                view! {
                    <section class="board-column" data-test="board-column" data-stage-id=stage_id
                        aria-label=stage.name.clone()
                        on:dragover=move |event: web_sys::DragEvent| {
                            if state.dragged.get_untracked().is_some() {
                                event.prevent_default();
                            }
                        }
                        on:drop=move |event: web_sys::DragEvent| {
                            event.prevent_default();
                            if let Some(deal_id) = state.dragged.get_untracked() {
                                state.dragged.set(None);
                                state.move_to(deal_id, stage_id, session);
                            }
                        }>
                        <header class="board-column-head">
                            <h2>{stage.name.clone()}</h2>
                            <span class="muted small" data-test="column-total">{totals}</span>
                        </header>
                        <For each=cards key=|deal| (deal.id, deal.stage_id, deal.updated_at.clone())
                            children=move |deal| view! { <DealCard state deal stages=all_stages/> }/>
                    </section>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
fn DealCard(
    state: BoardState,
    deal: Deal,
    stages: StoredValue<Vec<shared::api::crm::Stage>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let id = deal.id;
    let stage_id = deal.stage_id;
    let amount = amount_text(i18n, &deal);
    let responsible = deal
        .responsible_id
        .map(|user| directory.user_name(user))
        .unwrap_or_default();
    let age = i18n.fill(
        Key::AgeDays,
        &[("days", age_days(&deal.created_at).to_string())],
    );
    let title = match deal.chat_id {
        Some(chat_id) => view! {
            <a class="deal-card-title" href=format!("/chats/{chat_id}") data-test="board-card-title">{deal.title.clone()}</a>
        }
        .into_any(),
        None => view! { <span class="deal-card-title" data-test="board-card-title">{deal.title.clone()}</span> }.into_any(),
    };
    view! {
        <article class="board-card" data-test="board-card" data-deal-id=id data-status=deal.status.as_str()
            draggable=move || if session.can_write() { "true" } else { "false" }
            on:dragstart=move |event: web_sys::DragEvent| {
                state.dragged.set(Some(id));
                if let Some(transfer) = event.data_transfer() {
                    // Firefox starts a drag only with some data set.
                    let _ = transfer.set_data("text/plain", &id.to_string());
                }
            }
            on:dragend=move |_| state.dragged.set(None)>
            {title}
            <div class="muted small" data-test="board-card-contact">{deal.contact_name.clone()}</div>
            <div class="board-card-line">
                <span data-test="board-card-amount">{amount}</span>
                <span class="muted small" title=move || i18n.tr(Key::Age)>{age}</span>
            </div>
            <div class="muted small" data-test="board-card-responsible">{responsible}</div>
            <Show when=move || session.can_write()>
                <label class="field field-compact">
                    <span class="visually-hidden">{move || i18n.tr(Key::MoveToStage)}</span>
                    <select data-test="board-card-stage" aria-label=move || i18n.tr(Key::MoveToStage)
                        on:change=move |event| {
                            if let Ok(stage) = event_target_value(&event).parse::<Id>() {
                                state.move_to(id, stage, session);
                            }
                        }>
                        {stages.get_value().into_iter().map(|stage| view! {
                            <option value=stage.id.to_string() selected=stage.id == stage_id>{stage.name}</option>
                        }).collect_view()}
                    </select>
                </label>
            </Show>
        </article>
    }
}

#[component]
fn DealList(state: BoardState) -> impl IntoView {
    let i18n = use_i18n();
    let directory = use_directory();
    let sort = RwSignal::new((Column::Age, false));

    let sorted = move || {
        let (column, ascending) = sort.get();
        let mut deals = state.deals.get();
        let name = |deal: &Deal| {
            deal.responsible_id
                .map(|id| directory.user_name(id))
                .unwrap_or_default()
        };
        deals.sort_by(|a, b| {
            let order = match column {
                Column::Title => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
                Column::Contact => a.contact_name.cmp(&b.contact_name),
                Column::Stage => a.stage_name.cmp(&b.stage_name),
                Column::Amount => a
                    .amount
                    .unwrap_or(-1.0)
                    .total_cmp(&b.amount.unwrap_or(-1.0)),
                Column::Responsible => name(a).cmp(&name(b)),
                Column::Status => a.status.as_str().cmp(b.status.as_str()),
                // Older deals have the smaller creation time: "age ascending" is newest first.
                Column::Age => b.created_at.cmp(&a.created_at),
            };
            if ascending {
                order
            } else {
                order.reverse()
            }
        });
        deals
    };
    let export_href = move || {
        let text = csv(&sorted(), directory);
        format!(
            "data:text/csv;charset=utf-8,{}",
            String::from(js_sys::encode_uri_component(&text))
        )
    };

    view! {
        <div class="deal-list-tools">
            <a class="button button-small" data-test="deals-export" download="deals.csv" href=export_href>
                {move || i18n.tr(Key::ExportCsv)}
            </a>
        </div>
        <table class="deal-list" data-test="deal-list">
            <thead>
                <tr>
                    {Column::ALL.into_iter().map(|column| view! {
                        <th aria-sort=move || match sort.get() {
                            (c, true) if c == column => "ascending",
                            (c, false) if c == column => "descending",
                            _ => "none",
                        }>
                            <button type="button" class="link-button" data-test="deal-list-sort"
                                title=move || i18n.fill(Key::SortBy, &[("column", i18n.tr(column.key()).to_owned())])
                                on:click=move |_| sort.update(|(c, ascending)| {
                                    if *c == column {
                                        *ascending = !*ascending;
                                    } else {
                                        *c = column;
                                        *ascending = true;
                                    }
                                })>
                                {move || i18n.tr(column.key())}
                            </button>
                        </th>
                    }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {move || sorted().into_iter().map(|deal| {
                    let amount = amount_text(i18n, &deal);
                    let responsible = deal.responsible_id.map(|id| directory.user_name(id)).unwrap_or_default();
                    let age = i18n.fill(Key::AgeDays, &[("days", age_days(&deal.created_at).to_string())]);
                    let status = deal.status;
                    view! {
                        <tr data-test="deal-row" data-deal-id=deal.id>
                            <td>{match deal.chat_id {
                                Some(chat_id) => view! { <a href=format!("/chats/{chat_id}")>{deal.title.clone()}</a> }.into_any(),
                                None => view! { <span>{deal.title.clone()}</span> }.into_any(),
                            }}</td>
                            <td>{deal.contact_name.clone()}</td>
                            <td>{deal.stage_name.clone()}</td>
                            <td class="numeric">{amount}</td>
                            <td>{responsible}</td>
                            <td>{move || i18n.tr(status_key(status))}</td>
                            <td>{age}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
