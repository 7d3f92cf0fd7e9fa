//! Settings (admins only): integrations (bots with their queues and auto-messages), users,
//! pipelines and the team's canned replies. Each tab is its own route; the tabs and the admin check live here, and
//! the backups panel below every tab.

mod backups;
mod business_connections;
mod canned;
mod channel_api_panel;
mod integration_form;
mod integration_health;
mod integrations;
mod pipelines;
mod routing_fields;
mod users;
mod whatsapp_fields;

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;

use crate::i18n::{use_i18n, Key};
use crate::state::session::use_session;
use backups::BackupsPanel;

pub use canned::CannedRepliesSettings;
pub use integration_form::IntegrationForm;
pub use integrations::IntegrationsSettings;
pub use pipelines::PipelinesSettings;
pub use users::UsersSettings;

#[component]
pub fn SettingsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let location = use_location();
    let on_integrations = move || {
        let path = location.pathname.get();
        path.trim_end_matches('/') == "/settings" || path.starts_with("/settings/integrations")
    };
    view! {
        <section class="page settings" data-test="settings">
            <header class="page-header">
                <h1>{move || i18n.tr(Key::Settings)}</h1>
            </header>
            <Show
                when=move || session.is_admin()
                fallback=move || view! {
                    <p class="notice" data-test="settings-forbidden">{move || i18n.tr(Key::AdminsOnly)}</p>
                }
            >
                <nav class="tabs" aria-label=move || i18n.tr(Key::Settings)>
                    <a href="/settings" class="tab" data-test="settings-tab-integrations"
                        aria-current=move || on_integrations().then_some("page")>
                        {move || i18n.tr(Key::Integrations)}
                    </a>
                    <A href="/settings/users" attr:class="tab" attr:data-test="settings-tab-users">
                        {move || i18n.tr(Key::Users)}
                    </A>
                    <A href="/settings/pipelines" attr:class="tab" attr:data-test="settings-tab-pipelines">
                        {move || i18n.tr(Key::Pipelines)}
                    </A>
                    <A href="/settings/canned-replies" attr:class="tab" attr:data-test="settings-tab-canned">
                        {move || i18n.tr(Key::CannedReplies)}
                    </A>
                </nav>
                <Outlet/>
                <BackupsPanel/>
            </Show>
        </section>
    }
}
