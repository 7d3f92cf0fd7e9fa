//! WhatsApp's 24-hour window in the composer: while it is open, the time left; once it has
//! closed, free text is off and the approved templates are offered, each with inputs for its
//! `{{n}}` values (the first prefilled with the contact's first name) and a preview.

use std::time::Duration;

use leptos::prelude::*;
use shared::api::chats::{Chat, SendTemplate};
use shared::api::integrations::MessageTemplate;

use crate::api::http;
use crate::components::error_line::ErrorLine;
use crate::i18n::{use_i18n, Key};
use crate::state::inbox::use_inbox;
use crate::state::open_chat::use_open_chat;
use crate::state::session::use_session;

/// Milliseconds since 1970 when the chat's window ends, if it has one.
pub fn window_end(chat: &Chat) -> Option<f64> {
    let ends = chat.reply_window_ends_at.as_deref()?;
    let millis = js_sys::Date::parse(ends);
    (!millis.is_nan()).then_some(millis)
}

/// The current time, refreshed every 30 seconds while the chat is open.
pub fn ticking_now() -> ReadSignal<f64> {
    let (now, set_now) = signal(js_sys::Date::now());
    if let Ok(handle) = set_interval_with_handle(
        move || set_now.set(js_sys::Date::now()),
        Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }
    now
}

/// "5 h 12 min" left of the window.
#[component]
pub fn WindowLeft(ends_at: f64, now: ReadSignal<f64>) -> impl IntoView {
    let i18n = use_i18n();
    let left = move || {
        let minutes = ((ends_at - now.get()) / 60_000.0).max(0.0) as i64;
        let time = format!("{} h {} min", minutes / 60, minutes % 60);
        i18n.fill(Key::WindowLeft, &[("time", time)])
    };
    view! { <p class="composer-window muted" data-test="reply-window-left">{left}</p> }
}

/// The text with `{{n}}` replaced by the n-th value, for the preview.
fn render(text: &str, values: &[String]) -> String {
    let mut rendered = text.to_owned();
    for (index, value) in values.iter().enumerate().rev() {
        if !value.is_empty() {
            rendered = rendered.replace(&format!("{{{{{}}}}}", index + 1), value);
        }
    }
    rendered
}

/// The closed-window notice and template picker.
#[component]
pub fn TemplatePicker(chat: RwSignal<Chat>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let inbox = use_inbox();
    let open_chat = use_open_chat();
    let (chat_id, integration_id, first_name) = chat.with_untracked(|chat| {
        let first = chat
            .contact_name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        (chat.id, chat.integration_id, StoredValue::new(first))
    });
    let templates = LocalResource::new(move || http::templates(integration_id));
    let chosen = RwSignal::new(None::<MessageTemplate>);
    let values = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None);

    let choose = move |template: Option<MessageTemplate>| {
        let count = template
            .as_ref()
            .map_or(0, |t| usize::try_from(t.parameters).unwrap_or(0));
        let mut prefilled = vec![String::new(); count];
        if let Some(first) = prefilled.first_mut() {
            *first = first_name.get_value();
        }
        values.set(prefilled);
        chosen.set(template);
    };

    let send = Action::new_local(move |request: &SendTemplate| {
        let request = request.clone();
        async move { http::send_template(chat_id, request).await }
    });
    Effect::new(move || match send.value().get() {
        Some(Ok(item)) => {
            error.set(None);
            choose(None);
            open_chat.at_bottom.set(true);
            inbox.message_added(&item, false);
            open_chat.put_item(item);
        }
        Some(Err(failure)) => {
            session.note(&failure);
            error.set(Some(failure));
        }
        None => {}
    });

    let options = move || {
        templates.get().map(|loaded| match loaded {
            Ok(list) if list.is_empty() => view! {
                <p class="muted" data-test="no-templates">{move || i18n.tr(Key::NoTemplates)}</p>
            }
            .into_any(),
            Ok(list) => {
                let all = list.clone();
                let select = move |event| {
                    let key = event_target_value(&event);
                    choose(all.iter().find(|t| format!("{}|{}", t.name, t.language) == key).cloned());
                };
                let items = list
                    .into_iter()
                    .map(|t| {
                        let key = format!("{}|{}", t.name, t.language);
                        view! { <option value=key>{format!("{} ({})", t.name, t.language)}</option> }
                    })
                    .collect_view();
                view! {
                    <label class="field">
                        <span>{move || i18n.tr(Key::Template)}</span>
                        <select data-test="template-select" on:change=select>
                            <option value="">{move || i18n.tr(Key::ChooseTemplate)}</option>
                            {items}
                        </select>
                    </label>
                }
                .into_any()
            }
            Err(failure) => view! { <ErrorLine error=Signal::derive(move || Some(failure.clone()))/> }.into_any(),
        })
    };

    let inputs = move || {
        let count = values.with(Vec::len);
        (0..count)
            .map(|index| {
                let label = i18n.fill(Key::TemplateValue, &[("n", (index + 1).to_string())]);
                view! {
                    <label class="field">
                        <span>{label}</span>
                        <input
                            type="text"
                            data-test="template-value"
                            prop:value=move || values.with(|v| v.get(index).cloned().unwrap_or_default())
                            on:input=move |event| {
                                let value = event_target_value(&event);
                                values.update(|v| if let Some(slot) = v.get_mut(index) { *slot = value });
                            }
                        />
                    </label>
                }
            })
            .collect_view()
    };
    let preview = move || {
        chosen.get().map(|template| {
            let text = values.with(|v| render(&template.text, v));
            view! { <p class="template-preview" data-test="template-preview">{text}</p> }
        })
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(template) = chosen.get_untracked() {
            send.dispatch(SendTemplate {
                name: template.name,
                language: template.language,
                parameters: values.get_untracked(),
            });
        }
    };

    view! {
        <form class="composer template-picker" data-test="template-picker" on:submit=submit>
            <p class="notice" role="status" data-test="reply-window-closed">{move || i18n.tr(Key::WindowClosedNotice)}</p>
            <ErrorLine error/>
            <Suspense fallback=move || view! { <p class="muted">{move || i18n.tr(Key::Loading)}</p> }>
                {options}
            </Suspense>
            {inputs}
            {preview}
            <div class="composer-row">
                <button
                    type="submit"
                    class="button button-primary"
                    data-test="template-send"
                    disabled=move || send.pending().get() || chosen.with(Option::is_none)
                >
                    {move || if send.pending().get() { i18n.tr(Key::Sending) } else { i18n.tr(Key::SendTemplate) }}
                </button>
            </div>
        </form>
    }
}
