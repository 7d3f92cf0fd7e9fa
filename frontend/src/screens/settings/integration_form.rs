//! Creating or editing one integration: messenger, name, token (or the Channel API's callback URL), delivery (Telegram), the
//! queue of managers in order (reorder, add, remove) with who gets the next chat, the sales
//! funnel, greeting and auto-reply texts; WhatsApp's number ids and app secret, with the
//! webhook address and verify token to paste into Meta's dashboard; and deleting it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;
use shared::api::integrations::{
    CreateIntegration, Delivery, Integration, QueueView, UpdateIntegration,
};
use shared::api::users::Role;
use shared::api::Channel;
use shared::Id;

use super::business_connections::BusinessConnections;
use super::channel_api_panel::ChannelApiPanel;
use super::integration_health::HealthSection;
use super::routing_fields::{RoutingFields, RoutingForm};
use super::whatsapp_fields::{WhatsAppFields, WhatsAppInputs, WhatsAppWebhook};
use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::components::presence::{why_not_key, PresenceDot};
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

/// `/settings/integrations/new` and `/settings/integrations/{id}`.
#[component]
pub fn IntegrationForm() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|params| params.get("id").and_then(|id| id.parse::<Id>().ok()))
    });
    let loaded = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => http::integration(id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    view! {
        <Suspense fallback=move || view! { <p class="muted">{move || i18n.tr(Key::Loading)}</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(existing) => {
                        let health = existing.as_ref().map(|integration| {
                            let id = integration.id;
                            view! { <HealthSection id/> }
                        });
                        // Admins get the secret; the panel is theirs.
                        let api_panel = existing
                            .as_ref()
                            .filter(|i| i.kind == Channel::Api && i.secret.is_some())
                            .cloned()
                            .map(|integration| view! { <ChannelApiPanel integration/> });
                        let business = existing
                            .as_ref()
                            .filter(|i| i.kind == Channel::Telegram)
                            .map(|integration| {
                                let integration_id = integration.id;
                                view! { <BusinessConnections integration_id/> }
                            });
                        view! { <Form existing/> {api_panel} {business} {health} }.into_any()
                    }
                    Err(error) => {
                        session.note(&error);
                        view! { <ErrorLine error=Signal::derive(move || Some(error.clone()))/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn Form(existing: Option<Integration>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let navigate = use_navigate();
    let editing = existing.as_ref().map(|integration| integration.id);

    let kind = RwSignal::new(existing.as_ref().map_or(Channel::Telegram, |i| i.kind));
    let name = RwSignal::new(
        existing
            .as_ref()
            .map(|i| i.name.clone())
            .unwrap_or_default(),
    );
    let original_token = existing
        .as_ref()
        .and_then(|i| i.token.clone())
        .unwrap_or_default();
    let token = RwSignal::new(original_token.clone());
    let original_callback = existing
        .as_ref()
        .and_then(|i| i.callback_url.clone())
        .unwrap_or_default();
    let callback = RwSignal::new(original_callback.clone());
    let show_token = RwSignal::new(false);
    // "" = let the server choose (webhook on https, else polling).
    let delivery = RwSignal::new(match existing.as_ref().map(|i| i.delivery) {
        Some(Delivery::Webhook) => "webhook".to_owned(),
        Some(Delivery::Polling) => "polling".to_owned(),
        None => String::new(),
    });
    let queue = RwSignal::new(
        existing
            .as_ref()
            .map(|i| i.queue.clone())
            .unwrap_or_default(),
    );
    let pipeline = RwSignal::new(
        existing
            .as_ref()
            .map(|i| i.pipeline_id.to_string())
            .unwrap_or_default(),
    );
    let greeting = RwSignal::new(
        existing
            .as_ref()
            .and_then(|i| i.greeting_text.clone())
            .unwrap_or_default(),
    );
    let auto_reply = RwSignal::new(
        existing
            .as_ref()
            .and_then(|i| i.auto_reply_text.clone())
            .unwrap_or_default(),
    );
    let webhook_url = existing.as_ref().map(|i| i.webhook_url.clone());
    let existing_verify_token = existing.as_ref().and_then(|i| i.verify_token.clone());
    let whatsapp = WhatsAppFields::new(existing.as_ref());
    let routing = RoutingForm::new(existing.as_ref());

    let error = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let next = RwSignal::new(None::<QueueView>);

    let load_next = move || {
        if let Some(id) = editing {
            spawn_local(async move {
                if let Ok(view) = http::queue(id).await {
                    next.set(Some(view));
                }
            });
        }
    };
    load_next();

    let save = {
        let navigate = navigate.clone();
        let original_token = original_token.clone();
        let original_callback = original_callback.clone();
        move || {
            saving.set(true);
            saved.set(false);
            let delivery_value = match delivery.get_untracked().as_str() {
                "webhook" => Some(Delivery::Webhook),
                "polling" => Some(Delivery::Polling),
                _ => None,
            };
            let delivery_value = (kind.get_untracked() == Channel::Telegram)
                .then_some(delivery_value)
                .flatten();
            let pipeline_id = pipeline.get_untracked().parse::<Id>().ok();
            let navigate = navigate.clone();
            let is_api = kind.get_untracked() == Channel::Api;
            let token_value = token.get_untracked().trim().to_owned();
            let token_changed = !is_api && token_value != original_token;
            let callback_value = callback.get_untracked().trim().to_owned();
            let callback_changed = is_api && callback_value != original_callback;
            spawn_local(async move {
                let answer = match editing {
                    Some(id) => {
                        let change = UpdateIntegration {
                            kind: None,
                            name: Some(name.get_untracked().trim().to_owned()),
                            token: token_changed.then_some(token_value),
                            queue: Some(queue.get_untracked()),
                            pipeline_id,
                            greeting_text: Some(greeting.get_untracked()),
                            auto_reply_text: Some(auto_reply.get_untracked()),
                            delivery: delivery_value,
                            assign_only_online: Some(routing.only_online.get_untracked()),
                            reassign_after_s: Some(routing.reassign_after_s()),
                            business_hours: Some(routing.business_hours()),
                            away_text: Some(routing.away_text.get_untracked()),
                            phone_number_id: whatsapp.phone_number_id(),
                            business_account_id: whatsapp.business_account_id(),
                            app_secret: whatsapp.app_secret(),
                            callback_url: callback_changed.then_some(callback_value),
                        };
                        http::update_integration(id, &change).await
                    }
                    None => {
                        let create = CreateIntegration {
                            kind: kind.get_untracked(),
                            name: name.get_untracked().trim().to_owned(),
                            token: token_value,
                            queue: queue.get_untracked(),
                            pipeline_id,
                            greeting_text: Some(greeting.get_untracked())
                                .filter(|t| !t.trim().is_empty()),
                            auto_reply_text: Some(auto_reply.get_untracked())
                                .filter(|t| !t.trim().is_empty()),
                            delivery: delivery_value,
                            assign_only_online: Some(routing.only_online.get_untracked()),
                            reassign_after_s: routing.reassign_after_s(),
                            business_hours: routing.business_hours(),
                            away_text: Some(routing.away_text.get_untracked())
                                .filter(|t| !t.trim().is_empty()),
                            phone_number_id: whatsapp.phone_number_id(),
                            business_account_id: whatsapp.business_account_id(),
                            app_secret: whatsapp.app_secret(),
                            callback_url: is_api.then_some(callback_value),
                        };
                        http::create_integration(&create).await
                    }
                };
                saving.set(false);
                match answer {
                    Ok(integration) => {
                        error.set(None);
                        saved.set(true);
                        directory.load_integrations(session);
                        if editing.is_none() {
                            navigate(
                                &format!("/settings/integrations/{}", integration.id),
                                NavigateOptions::default(),
                            );
                        } else {
                            load_next();
                        }
                    }
                    Err(failure) => {
                        session.note(&failure);
                        error.set(Some(failure));
                    }
                }
            });
        }
    };

    let delete = move |_| {
        let Some(id) = editing else {
            return;
        };
        let sure = window()
            .confirm_with_message(i18n.tr(Key::ConfirmDeleteIntegration))
            .unwrap_or(false);
        if !sure {
            return;
        }
        let navigate = navigate.clone();
        spawn_local(async move {
            match http::delete_integration(id).await {
                Ok(()) => {
                    directory.load_integrations(session);
                    navigate("/settings", NavigateOptions::default());
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };

    let move_item = move |index: usize, up: bool| {
        queue.update(|queue| {
            let other = if up {
                index.checked_sub(1)
            } else {
                Some(index + 1)
            };
            if let Some(other) = other.filter(|other| *other < queue.len()) {
                queue.swap(index, other);
            }
        });
    };

    let queue_rows = move || {
        let list = queue.get();
        let last = list.len().saturating_sub(1);
        list.into_iter()
            .enumerate()
            .map(|(index, user)| {
                view! {
                    <li class="queue-item" data-test="queue-item" data-user-id=user>
                        <span class="queue-position">{index + 1}"."</span>
                        <PresenceDot user_id=user/>
                        <span class="queue-name">{move || directory.user_name(user)}</span>
                        <button type="button" class="icon-button" data-test="queue-up"
                            aria-label=move || i18n.tr(Key::MoveUp) disabled=index == 0
                            on:click=move |_| move_item(index, true)>"↑"</button>
                        <button type="button" class="icon-button" data-test="queue-down"
                            aria-label=move || i18n.tr(Key::MoveDown) disabled=index == last
                            on:click=move |_| move_item(index, false)>"↓"</button>
                        <button type="button" class="icon-button" data-test="queue-remove"
                            aria-label=move || i18n.tr(Key::Remove)
                            on:click=move |_| queue.update(|queue| _ = queue.remove(index))>"×"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let addable = move || {
        let taken = queue.get();
        directory
            .users
            .get()
            .into_iter()
            .filter(|user| user.active && user.role != Role::Follower && !taken.contains(&user.id))
            .map(|user| view! { <option value=user.id.to_string()>{user.name}</option> })
            .collect_view()
    };
    let next_line = move || {
        next.get().map(|view| {
            let text = match view.next_user_id {
                Some(user) => i18n.fill(Key::NextInQueue, &[("name", directory.user_name(user))]),
                None => i18n.tr(Key::QueueNobodyNext).to_owned(),
            };
            let members = view
                .order
                .iter()
                .map(|member| {
                    let user = member.user_id;
                    let state = match member.why_not {
                        None => i18n.tr(Key::Eligible).to_owned(),
                        Some(why) => i18n.tr(why_not_key(why)).to_owned(),
                    };
                    let chats = i18n.fill(Key::OpenChatsCount, &[("count", member.open_chats.to_string())]);
                    view! {
                        <li data-test="queue-eligibility" data-user-id=user class:ineligible=!member.eligible>
                            <PresenceDot user_id=user/>
                            {move || directory.user_name(user)}": "{state}" · "{chats}
                        </li>
                    }
                })
                .collect_view();
            let waiting = i18n.fill(Key::WaitingCount, &[("count", view.waiting.to_string())]);
            view! {
                <p class="muted" data-test="queue-next">{text}</p>
                <ul class="queue-eligibility">{members}</ul>
                <p class="muted" data-test="queue-waiting">{waiting}</p>
            }
        })
    };
    let pipeline_value = pipeline;
    let pipelines = move || {
        directory
            .pipelines
            .get()
            .into_iter()
            .map(|pipeline| {
                let value = pipeline.id.to_string();
                let selected = value.clone();
                view! { <option value=value selected=move || pipeline_value.get() == selected>{pipeline.name}</option> }
            })
            .collect_view()
    };

    let save_click = save.clone();
    view! {
        <form
            class="settings-section integration-form"
            data-test="integration-form"
            on:submit=move |event| {
                event.prevent_default();
                save_click();
            }
        >
            <h2>{move || if editing.is_some() { i18n.tr(Key::EditIntegration) } else { i18n.tr(Key::AddIntegration) }}</h2>
            <div class="form-grid">
                <label class="field">
                    <span>{move || i18n.tr(Key::Messenger)}</span>
                    <select
                        data-test="integration-kind"
                        disabled=editing.is_some()
                        on:change=move |event| {
                            if let Some(channel) = Channel::parse(&event_target_value(&event)) {
                                kind.set(channel);
                            }
                        }
                    >
                        <option value="telegram" selected=move || kind.get() == Channel::Telegram>"Telegram"</option>
                        <option value="viber" selected=move || kind.get() == Channel::Viber>"Viber"</option>
                        <option value="whatsapp" selected=move || kind.get() == Channel::Whatsapp>"WhatsApp"</option>
                        <option value="api" selected=move || kind.get() == Channel::Api>{move || i18n.tr(Key::ChannelApi)}</option>
                    </select>
                </label>
                <label class="field">
                    <span>{move || i18n.tr(Key::Name)}</span>
                    <input type="text" required data-test="integration-name" bind:value=name/>
                </label>
                <Show when=move || kind.get() == Channel::Api>
                    <label class="field field-wide">
                        <span>{move || i18n.tr(Key::CallbackUrl)}</span>
                        <input type="url" required placeholder="https://bridge.example.com/tidings"
                            data-test="integration-callback-url" bind:value=callback/>
                        <small class="muted">{move || i18n.tr(Key::CallbackUrlHelp)}</small>
                    </label>
                </Show>
                <Show when=move || kind.get() != Channel::Api>
                <label class="field field-wide">
                    <span>{move || i18n.tr(Key::Token)}</span>
                    <span class="input-with-button">
                        <input
                            type=move || if show_token.get() { "text" } else { "password" }
                            required=editing.is_none()
                            autocomplete="off"
                            data-test="integration-token"
                            bind:value=token
                        />
                        <button type="button" class="button button-quiet" on:click=move |_| show_token.update(|s| *s = !*s)
                            aria-pressed=move || show_token.get().to_string()>
                            {move || if show_token.get() { i18n.tr(Key::Hide) } else { i18n.tr(Key::Show) }}
                        </button>
                    </span>
                </label>
                </Show>
                <Show when=move || kind.get() == Channel::Whatsapp>
                    <WhatsAppInputs fields=whatsapp editing=editing.is_some()/>
                </Show>
                <Show when=move || kind.get() == Channel::Telegram>
                    <label class="field">
                        <span>{move || i18n.tr(Key::Delivery)}</span>
                        <select data-test="integration-delivery" bind:value=delivery>
                            <option value="">{move || i18n.tr(Key::DeliveryAuto)}</option>
                            <option value="webhook">{move || i18n.tr(Key::DeliveryWebhook)}</option>
                            <option value="polling">{move || i18n.tr(Key::DeliveryPolling)}</option>
                        </select>
                    </label>
                </Show>
                <label class="field">
                    <span>{move || i18n.tr(Key::SalesFunnel)}</span>
                    <select data-test="integration-pipeline" on:change=move |event| pipeline.set(event_target_value(&event))>
                        <option value="" selected=move || pipeline.with(String::is_empty)>{move || i18n.tr(Key::DefaultPipeline)}</option>
                        {pipelines}
                    </select>
                </label>
            </div>

            <fieldset class="queue-editor" data-test="queue-editor">
                <legend>{move || i18n.tr(Key::Queue)}</legend>
                <p class="muted">{move || i18n.tr(Key::QueueHelp)}</p>
                <ol class="queue-list">{queue_rows}</ol>
                <Show when=move || queue.with(Vec::is_empty)>
                    <p class="muted">{move || i18n.tr(Key::QueueEmpty)}</p>
                </Show>
                <label class="field field-compact">
                    <span>{move || i18n.tr(Key::AddToQueue)}</span>
                    <select
                        data-test="queue-add"
                        prop:value=""
                        on:change=move |event| {
                            let select = event_target::<web_sys::HtmlSelectElement>(&event);
                            if let Ok(user) = select.value().parse::<Id>() {
                                queue.update(|queue| if !queue.contains(&user) { queue.push(user) });
                            }
                            select.set_value("");
                        }
                    >
                        <option value="">{move || i18n.tr(Key::ChooseManager)}</option>
                        {addable}
                    </select>
                </label>
                {next_line}
            </fieldset>

            <RoutingFields form=routing/>

            <label class="field">
                <span>{move || i18n.tr(Key::GreetingText)}</span>
                <textarea rows="3" data-test="integration-greeting" bind:value=greeting></textarea>
                <small class="muted">{move || i18n.tr(Key::GreetingHelp)}</small>
            </label>
            <label class="field">
                <span>{move || i18n.tr(Key::AutoReplyText)}</span>
                <textarea rows="3" data-test="integration-auto-reply" bind:value=auto_reply></textarea>
                <small class="muted">{move || i18n.tr(Key::AutoReplyHelp)}</small>
            </label>
            {match (webhook_url.filter(|_| kind.get_untracked() != Channel::Api), existing_verify_token) {
                (Some(url), Some(token)) => Some(view! { <WhatsAppWebhook url token/> }.into_any()),
                (Some(url), None) => Some(view! {
                    <p class="muted">{move || i18n.tr(Key::WebhookUrl)}": "<code data-test="integration-webhook-url">{url.clone()}</code></p>
                }.into_any()),
                _ => None,
            }}

            <ErrorLine error/>
            <Show when=move || saved.get()>
                <p class="notice notice-ok" role="status" data-test="integration-saved">{move || i18n.tr(Key::Saved)}</p>
            </Show>
            <div class="form-actions">
                <button type="submit" class="button button-primary" data-test="integration-save" disabled=move || saving.get()>
                    {move || if saving.get() { i18n.tr(Key::Saving) } else { i18n.tr(Key::Save) }}
                </button>
                <a href="/settings" class="button button-quiet">{move || i18n.tr(Key::Cancel)}</a>
                <Show when=move || editing.is_some()>
                    <button type="button" class="button button-danger" data-test="integration-delete" on:click=delete.clone()>
                        {move || i18n.tr(Key::Delete)}
                    </button>
                </Show>
            </div>
        </form>
    }
}
