//! Deals linked to the chat: stage and amount (editable by those who may), and "create
//! another deal" for the same contact.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::Chat;
use shared::api::crm::{CreateDeal, Deal, UpdateDeal};
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
            <For each=deals key=|deal| (deal.id, deal.stage_id, deal.amount.map(f64::to_bits), deal.title.clone())
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

#[component]
fn DealCard(deal: Deal) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let open_chat = use_open_chat();
    let error = RwSignal::new(None);
    let Deal {
        id,
        title,
        pipeline_id,
        stage_id,
        stage_name,
        amount,
        ..
    } = deal;

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
    let amount_text = amount.map(|value| format::amount(i18n.lang(), value));
    let amount_value = amount.map(|value| value.to_string()).unwrap_or_default();

    view! {
        <div class="deal-card" data-test="deal" data-deal-id=id>
            <div class="deal-title">{title}</div>
            <Show
                when=move || session.can_write() && !stages().is_empty()
                fallback=move || view! {
                    <div class="deal-line">
                        <span class="pill" data-test="deal-stage">{stage_name.clone()}</span>
                        <span data-test="deal-amount">{amount_text.clone()}</span>
                    </div>
                }
            >
                <div class="deal-line">
                    <select
                        data-test="deal-stage-select"
                        aria-label=move || i18n.tr(Key::Stage)
                        on:change=move |event| {
                            if let Ok(stage) = event_target_value(&event).parse::<Id>() {
                                save(UpdateDeal { stage_id: Some(stage), ..UpdateDeal::default() });
                            }
                        }
                    >
                        {stages().into_iter().map(|stage| view! {
                            <option value=stage.id.to_string() selected=stage.id == stage_id>{stage.name}</option>
                        }).collect_view()}
                    </select>
                    <input
                        type="number"
                        step="0.01"
                        min="0"
                        class="amount-input"
                        data-test="deal-amount-input"
                        aria-label=move || i18n.tr(Key::Amount)
                        placeholder=move || i18n.tr(Key::Amount)
                        value=amount_value.clone()
                        on:change=move |event| {
                            if let Ok(value) = event_target_value(&event).trim().parse::<f64>() {
                                save(UpdateDeal { amount: Some(value), ..UpdateDeal::default() });
                            }
                        }
                    />
                </div>
            </Show>
            <ErrorLine error/>
        </div>
    }
}
