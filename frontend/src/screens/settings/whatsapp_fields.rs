//! The WhatsApp part of the integration form: the business number's phone number id and
//! business account id and the Meta app's secret (never shown again once saved), and for a
//! saved integration the webhook address and verify token to paste into Meta's dashboard,
//! each with a copy button.

use leptos::prelude::*;
use shared::api::integrations::Integration;
use wasm_bindgen::JsCast;

use crate::i18n::{use_i18n, Key};

/// The form state of the WhatsApp fields.
#[derive(Clone, Copy)]
pub struct WhatsAppFields {
    pub phone_number_id: RwSignal<String>,
    pub business_account_id: RwSignal<String>,
    /// Empty while editing: the stored secret stays.
    pub app_secret: RwSignal<String>,
}

impl WhatsAppFields {
    pub fn new(existing: Option<&Integration>) -> WhatsAppFields {
        let text = |value: Option<&String>| RwSignal::new(value.cloned().unwrap_or_default());
        WhatsAppFields {
            phone_number_id: text(existing.and_then(|i| i.phone_number_id.as_ref())),
            business_account_id: text(existing.and_then(|i| i.business_account_id.as_ref())),
            app_secret: RwSignal::new(String::new()),
        }
    }

    fn value(signal: RwSignal<String>) -> Option<String> {
        Some(signal.get_untracked().trim().to_owned()).filter(|value| !value.is_empty())
    }

    pub fn phone_number_id(&self) -> Option<String> {
        Self::value(self.phone_number_id)
    }

    pub fn business_account_id(&self) -> Option<String> {
        Self::value(self.business_account_id)
    }

    pub fn app_secret(&self) -> Option<String> {
        Self::value(self.app_secret)
    }
}

#[component]
pub fn WhatsAppInputs(fields: WhatsAppFields, editing: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="field">
            <span>{move || i18n.tr(Key::PhoneNumberId)}</span>
            <input type="text" inputmode="numeric" required=!editing autocomplete="off"
                data-test="integration-phone-number-id" bind:value=fields.phone_number_id/>
        </label>
        <label class="field">
            <span>{move || i18n.tr(Key::BusinessAccountId)}</span>
            <input type="text" inputmode="numeric" required=!editing autocomplete="off"
                data-test="integration-business-account-id" bind:value=fields.business_account_id/>
        </label>
        <label class="field">
            <span>{move || i18n.tr(Key::AppSecret)}</span>
            <input type="password" required=!editing autocomplete="off"
                data-test="integration-app-secret" bind:value=fields.app_secret/>
        </label>
    }
}

/// Writes `text` to the clipboard, where the browser allows it.
fn copy(text: &str) {
    let navigator = window().navigator();
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &"clipboard".into()) else {
        return;
    };
    let write = js_sys::Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|write| write.dyn_into::<js_sys::Function>().ok());
    if let Some(write) = write {
        _ = write.call1(&clipboard, &text.into());
    }
}

/// A value to paste elsewhere, with its copy button.
#[component]
fn CopyLine(label: Key, value: String, test: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let shown = value.clone();
    view! {
        <p class="copy-line">
            <span class="muted">{move || i18n.tr(label)}": "</span>
            <code data-test=test>{shown}</code>
            " "
            <button type="button" class="button button-quiet" data-test=format!("{test}-copy")
                on:click=move |_| copy(&value)>
                {move || i18n.tr(Key::CopyValue)}
            </button>
        </p>
    }
}

/// What to paste into Meta's dashboard.
#[component]
pub fn WhatsAppWebhook(url: String, token: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="whatsapp-webhook" data-test="whatsapp-webhook">
            <p class="muted">{move || i18n.tr(Key::WhatsAppSetupHelp)}</p>
            <CopyLine label=Key::WebhookUrl value=url test="integration-webhook-url"/>
            <CopyLine label=Key::VerifyToken value=token test="integration-verify-token"/>
        </section>
    }
}
