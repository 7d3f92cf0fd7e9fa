//! A Channel API integration's connection details (admins): the webhook URL
//! the integrator posts to and the secret both sides sign with, each with a
//! copy button; "Rotate secret"; and "Send a test event", which posts a signed
//! `{"type": "ping"}` to the callback URL and shows what it answered.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::integrations::Integration;
use wasm_bindgen::JsCast;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::i18n::{use_i18n, Key};
use crate::state::session::use_session;

/// Puts `text` on the clipboard (the Clipboard API, where the browser has it).
fn copy_to_clipboard(text: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &"clipboard".into()) else {
        return;
    };
    let write = js_sys::Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|write| write.dyn_into::<js_sys::Function>().ok());
    if let Some(write) = write {
        // The promise is the browser's to settle; copying is a convenience.
        _ = write.call1(&clipboard, &text.into());
    }
}

/// A value with its copy button.
#[component]
fn CopyRow(label: Key, value: Signal<String>, test: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    view! {
        <div class="field">
            <span>{move || i18n.tr(label)}</span>
            <span class="copy-row">
                <code data-test=test>{move || value.get()}</code>
                <button type="button" class="button button-quiet" data-test=format!("{test}-copy")
                    on:click=move |_| {
                        copy_to_clipboard(&value.get_untracked());
                        copied.set(true);
                    }>
                    {move || if copied.get() { i18n.tr(Key::CopiedValue) } else { i18n.tr(Key::CopyValue) }}
                </button>
            </span>
        </div>
    }
}

#[component]
pub fn ChannelApiPanel(integration: Integration) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = integration.id;
    let secret = RwSignal::new(integration.secret.unwrap_or_default());
    let url = integration.webhook_url;
    let webhook_url = Signal::derive(move || url.clone());
    let error = RwSignal::new(None::<ApiError>);
    let rotated = RwSignal::new(false);
    let testing = RwSignal::new(false);
    let test_answer = RwSignal::new(None::<(bool, String)>);

    let rotate = move |_| {
        let sure = window()
            .confirm_with_message(i18n.tr(Key::ConfirmRotateSecret))
            .unwrap_or(false);
        if !sure {
            return;
        }
        spawn_local(async move {
            match http::rotate_secret(id).await {
                Ok(updated) => {
                    secret.set(updated.secret.unwrap_or_default());
                    rotated.set(true);
                    error.set(None);
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    let send_test = move |_| {
        testing.set(true);
        test_answer.set(None);
        spawn_local(async move {
            let answer = http::send_test_event(id).await;
            testing.set(false);
            match answer {
                Ok(result) => {
                    error.set(None);
                    let text = i18n.fill(
                        Key::TestEventAnswered,
                        &[
                            ("status", result.status.to_string()),
                            ("detail", result.detail),
                        ],
                    );
                    test_answer.set(Some((result.ok, text)));
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };

    view! {
        <section class="settings-section channel-api-panel" data-test="channel-api-panel">
            <h2>{move || i18n.tr(Key::ChannelApi)}</h2>
            <CopyRow label=Key::WebhookUrl value=webhook_url test="channel-api-webhook-url"/>
            <CopyRow label=Key::ChannelApiSecret value=secret.into() test="channel-api-secret"/>
            <p class="muted">{move || i18n.tr(Key::ChannelApiSecretHelp)}</p>
            <Show when=move || rotated.get()>
                <p class="notice notice-ok" role="status" data-test="secret-rotated">{move || i18n.tr(Key::SecretRotated)}</p>
            </Show>
            <p class="muted">{move || i18n.tr(Key::TestEventHelp)}</p>
            <div class="form-actions">
                <button type="button" class="button" data-test="rotate-secret" on:click=rotate>
                    {move || i18n.tr(Key::RotateSecret)}
                </button>
                <button type="button" class="button" data-test="send-test-event" disabled=move || testing.get() on:click=send_test>
                    {move || if testing.get() { i18n.tr(Key::SendingTestEvent) } else { i18n.tr(Key::SendTestEvent) }}
                </button>
            </div>
            {move || test_answer.get().map(|(ok, text)| view! {
                <p class=if ok { "notice notice-ok test-event-result" } else { "notice test-event-result test-event-failed" }
                    role="status" data-test="test-event-result">{text}</p>
            })}
            <ErrorLine error/>
        </section>
    }
}
