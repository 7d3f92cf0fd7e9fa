//! The "Clients" page: for now an empty placeholder inside the shell; the live inbox replaces
//! its body later.

use leptos::prelude::*;

use crate::i18n::{use_i18n, Key};

#[component]
pub fn ClientsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page" data-test="clients-page">
            <header class="page-header">
                <h1>{move || i18n.tr(Key::Clients)}</h1>
            </header>
            <div class="empty-state">
                <span class="empty-icon" aria-hidden="true">"✉"</span>
                <h2>{move || i18n.tr(Key::ClientsEmptyTitle)}</h2>
                <p class="muted">{move || i18n.tr(Key::ClientsEmptyText)}</p>
            </div>
        </section>
    }
}
