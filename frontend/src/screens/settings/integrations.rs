//! The list of connected bots.

use leptos::prelude::*;
use shared::api::integrations::Delivery;
use shared::api::Channel;

use super::integration_health::IntegrationHealthBadge;
use crate::components::icons::ChannelIcon;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

#[component]
pub fn IntegrationsSettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    directory.load_integrations(session);

    let rows = move || {
        directory
            .integrations
            .get()
            .into_iter()
            .map(|integration| {
                let queue = integration
                    .queue
                    .iter()
                    .map(|id| directory.user_name(*id))
                    .collect::<Vec<_>>()
                    .join(" → ");
                let delivery = match (integration.kind, integration.delivery) {
                    (Channel::Viber | Channel::Whatsapp | Channel::Api, _) => Key::DeliveryWebhook,
                    (_, Delivery::Webhook) => Key::DeliveryWebhook,
                    (_, Delivery::Polling) => Key::DeliveryPolling,
                };
                let id = integration.id;
                view! {
                    <tr data-test="integration-row" data-integration-id=id>
                        <td><ChannelIcon channel=integration.kind/></td>
                        <td>
                            <a href=format!("/settings/integrations/{id}") data-test="integration-edit">{integration.name}</a>
                            {integration.bot_username.map(|name| view! { <div class="muted">"@"{name}</div> })}
                        </td>
                        <td>{move || i18n.tr(delivery)}</td>
                        <td data-test="integration-row-health"><IntegrationHealthBadge id/></td>
                        <td class="queue-cell">{queue}</td>
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <div class="settings-section" data-test="settings-integrations">
            <div class="section-head">
                <h2>{move || i18n.tr(Key::Integrations)}</h2>
                <a href="/settings/integrations/new" class="button button-primary" data-test="integration-new">
                    {move || i18n.tr(Key::AddIntegration)}
                </a>
            </div>
            <Show
                when=move || !directory.integrations.with(Vec::is_empty)
                fallback=move || view! { <p class="muted">{move || i18n.tr(Key::NoIntegrations)}</p> }
            >
                <table class="table">
                    <thead>
                        <tr>
                            <th><span class="sr-only">{move || i18n.tr(Key::Channel)}</span></th>
                            <th>{move || i18n.tr(Key::Name)}</th>
                            <th>{move || i18n.tr(Key::Delivery)}</th>
                            <th>{move || i18n.tr(Key::Health)}</th>
                            <th>{move || i18n.tr(Key::Queue)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </Show>
        </div>
    }
}
