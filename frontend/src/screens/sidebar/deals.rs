//! Deals linked to the chat: every field (title, stage, amount, currency, status with its
//! note, responsible) editable by those who may, read-only for followers; and "create
//! another deal" for the same contact. Live: the socket replaces a deal that changed.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::Chat;
use shared::api::crm::{CreateDeal, Deal, DealStatus, UpdateDeal};
use shared::api::users::Role;
use shared::Id;

use super::failed;
use crate::api::http;
use crate::components::error_line::ErrorLine;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::open_chat::use_open_chat;
use crate::state::session::use_session;

#[component]
pub fn Deals(chat: RwSignal<Chat>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let open_chat = use_open_chat();
    let id = chat.with_untracked(|chat| chat.id);
    let error = RwSignal::new(None);
    let creating = RwSignal::new(false);

    let create = move |_| {
        creating.set(true);
        spawn_local(async move {
            let answer = http::create_deal(id, &CreateDeal::default()).await;
            creating.set(false);
            match answer {
                Ok(deal) => {
                    error.set(None);
                    open_chat.set_extras(|extras| {
                        if !extras.deals.iter().any(|other| other.id == deal.id) {
                            extras.deals.push(deal);
                        }
                    });
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };

    let deals = move || {
        open_chat
            .extras
            .with(|extras| extras.as_ref().map(|extras| extras.deals.clone()))
            .unwrap_or_default()
    };

    view! {
        <section class="panel-section" data-test="deals">
            <h2>{move || i18n.tr(Key::Deals)}</h2>
            <For each=deals key=|deal| (deal.id, deal.updated_at.clone())
                children=move |deal| view! { <DealCard deal/> }/>
            <Show when=move || deals().is_empty()>
                <p class="muted">{move || i18n.tr(Key::NoDeals)}</p>
            </Show>
            <ErrorLine error/>
            <Show when=move || session.can_write()>
                <button type="button" class="button button-quiet button-small" data-test="deal-create"
                    disabled=move || creating.get() on:click=create>
                    {move || i18n.tr(Key::CreateAnotherDeal)}
                </button>
            </Show>
        </section>
    }
}

/// Currencies offered first; any ISO 4217 code may be typed.
const COMMON_CURRENCIES: [&str; 8] = ["EUR", "USD", "GBP", "UAH", "PLN", "MXN", "ARS", "COP"];

pub(super) fn status_key(status: DealStatus) -> Key {
    match status {
        DealStatus::Open => Key::DealOpen,
        DealStatus::Won => Key::DealWon,
        DealStatus::Lost => Key::DealLost,
    }
}

#[component]
fn DealCard(deal: Deal) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let open_chat = use_open_chat();
    let error = RwSignal::new(None);
    let id = deal.id;
    let pipeline_id = deal.pipeline_id;

    let save = move |change: UpdateDeal| {
        spawn_local(async move {
            match http::update_deal(id, &change).await {
                Ok(updated) => {
                    error.set(None);
                    open_chat.set_extras(|extras| {
                        if let Some(deal) = extras.deals.iter_mut().find(|deal| deal.id == id) {
                            *deal = updated;
                        }
                    });
                }
                Err(failure) => failed(session, error, failure),
            }
        });
    };

    let stages = move || {
        directory.pipelines.with(|pipelines| {
            pipelines
                .iter()
                .find(|pipeline| pipeline.id == pipeline_id)
                .map(|pipeline| pipeline.stages.clone())
                .unwrap_or_default()
        })
    };
    let managers = move || {
        directory.users.with(|users| {
            users
                .iter()
                .filter(|user| user.active && user.role != Role::Follower)
                .map(|user| (user.id, user.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let amount_text = deal.amount.map(|value| {
        let number = format::amount(i18n.lang(), value);
        match &deal.currency {
            Some(code) => format!("{number} {code}"),
            None => number,
        }
    });
    let responsible_name = deal.responsible_id.map(|user| directory.user_name(user));
    let read_only = {
        let deal = deal.clone();
        move || {
            let deal = deal.clone();
            view! {
                <div class="deal-title" data-test="deal-title">{deal.title.clone()}</div>
                <div class="deal-line">
                    <span class="pill" data-test="deal-stage">{deal.stage_name.clone()}</span>
                    <span class="pill" data-test="deal-status">{move || i18n.tr(status_key(deal.status))}</span>
                    <span data-test="deal-amount">{amount_text.clone()}</span>
                </div>
                <dl class="facts">
                    <dt>{move || i18n.tr(Key::Responsible)}</dt>
                    <dd data-test="deal-responsible">
                        {responsible_name.clone().unwrap_or_else(|| i18n.tr(Key::Nobody).to_owned())}
                    </dd>
                    {deal.close_note.clone().map(|note| view! {
                        <dt>{move || i18n.tr(Key::CloseNote)}</dt>
                        <dd data-test="deal-note">{note}</dd>
                    })}
                </dl>
            }
        }
    };

    let Deal {
        title,
        stage_id,
        amount,
        currency,
        status,
        responsible_id,
        close_note,
        ..
    } = deal;
    let amount_value = StoredValue::new(amount.map(|value| value.to_string()).unwrap_or_default());
    let list_id = StoredValue::new(format!("currencies-{id}"));
    let title = StoredValue::new(title);
    let currency = StoredValue::new(currency.unwrap_or_default());
    let close_note = StoredValue::new(close_note.unwrap_or_default());

    view! {
        <div class="deal-card" data-test="deal" data-deal-id=id data-status=status.as_str()>
            <Show when=move || session.can_write() && !stages().is_empty() fallback=read_only.clone()>
                <label class="field field-compact">
                    <span>{move || i18n.tr(Key::DealTitle)}</span>
                    <input type="text" class="deal-title-input" data-test="deal-title-input"
                        value=title.get_value()
                        on:change=move |event| {
                            save(UpdateDeal { title: Some(event_target_value(&event)), ..UpdateDeal::default() });
                        }/>
                </label>
                <div class="deal-line">
                    <label class="field field-compact">
                        <span>{move || i18n.tr(Key::Stage)}</span>
                        <select data-test="deal-stage-select"
                            on:change=move |event| {
                                if let Ok(stage) = event_target_value(&event).parse::<Id>() {
                                    save(UpdateDeal { stage_id: Some(stage), ..UpdateDeal::default() });
                                }
                            }>
                            {stages().into_iter().map(|stage| view! {
                                <option value=stage.id.to_string() selected=stage.id == stage_id>{stage.name}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field field-compact">
                        <span>{move || i18n.tr(Key::Status)}</span>
                        <select data-test="deal-status-select"
                            on:change=move |event| {
                                if let Some(status) = DealStatus::parse(&event_target_value(&event)) {
                                    save(UpdateDeal { status: Some(status), ..UpdateDeal::default() });
                                }
                            }>
                            {DealStatus::ALL.into_iter().map(|option| view! {
                                <option value=option.as_str() selected=option == status>
                                    {move || i18n.tr(status_key(option))}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <div class="deal-line">
                    <label class="field field-compact">
                        <span>{move || i18n.tr(Key::Amount)}</span>
                        <input type="number" step="0.01" min="0" class="amount-input"
                            data-test="deal-amount-input"
                            value=amount_value.get_value()
                            on:change=move |event| {
                                let text = event_target_value(&event);
                                let text = text.trim();
                                if text.is_empty() {
                                    save(UpdateDeal { amount: Some(None), ..UpdateDeal::default() });
                                } else if let Ok(value) = text.parse::<f64>() {
                                    save(UpdateDeal { amount: Some(Some(value)), ..UpdateDeal::default() });
                                }
                            }/>
                    </label>
                    <label class="field field-compact">
                        <span>{move || i18n.tr(Key::Currency)}</span>
                        <input type="text" maxlength="3" class="currency-input" data-test="deal-currency-input"
                            list=list_id.get_value()
                            value=currency.get_value()
                            on:change=move |event| {
                                let code = event_target_value(&event).trim().to_uppercase();
                                let code = (!code.is_empty()).then_some(code);
                                save(UpdateDeal { currency: Some(code), ..UpdateDeal::default() });
                            }/>
                        <datalist id=list_id.get_value()>
                            {COMMON_CURRENCIES.map(|code| view! { <option value=code></option> }).collect_view()}
                        </datalist>
                    </label>
                </div>
                <label class="field field-compact">
                    <span>{move || i18n.tr(Key::Responsible)}</span>
                    <select data-test="deal-responsible-select"
                        on:change=move |event| {
                            let value = event_target_value(&event);
                            let user = value.parse::<Id>().ok();
                            save(UpdateDeal { responsible_id: Some(user), ..UpdateDeal::default() });
                        }>
                        <option value="" selected=responsible_id.is_none()>{move || i18n.tr(Key::Nobody)}</option>
                        {move || managers().into_iter().map(|(user, name)| view! {
                            <option value=user.to_string() selected=Some(user) == responsible_id>{name}</option>
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || status.is_closed()>
                    <label class="field field-compact">
                        <span>{move || i18n.tr(Key::CloseNote)}</span>
                        <input type="text" data-test="deal-note-input"
                            value=close_note.get_value()
                            on:change=move |event| {
                                let note = event_target_value(&event);
                                let note = (!note.trim().is_empty()).then_some(note);
                                save(UpdateDeal { close_note: Some(note), ..UpdateDeal::default() });
                            }/>
                    </label>
                </Show>
            </Show>
            <ErrorLine error/>
        </div>
    }
}
