//! An integration's channel health (admins): its state, how updates arrive, what the
//! messenger reports, the outbound queue and send errors, the updates kept as failed (with
//! "apply again"), and the actions "register webhook again" and "send test message". Read
//! again whenever the server says an integration's health changed.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::integrations::{Delivery, FailedUpdate, HealthState, IntegrationHealth};
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

/// The state as a coloured word.
#[component]
pub fn HealthBadge(state: HealthState) -> impl IntoView {
    let i18n = use_i18n();
    let (key, class, word) = match state {
        HealthState::Ok => (Key::HealthOk, "health-badge health-ok", "ok"),
        HealthState::Degraded => (
            Key::HealthDegraded,
            "health-badge health-degraded",
            "degraded",
        ),
        HealthState::Failing => (Key::HealthFailing, "health-badge health-failing", "failing"),
    };
    view! {
        <span class=class data-test="health-badge" data-state=word>{move || i18n.tr(key)}</span>
    }
}

/// One integration's badge for the list, kept current.
#[component]
pub fn IntegrationHealthBadge(id: Id) -> impl IntoView {
    let directory = use_directory();
    let state = RwSignal::new(None::<HealthState>);
    Effect::new(move |_| {
        directory.health_changed.track();
        spawn_local(async move {
            if let Ok(health) = http::integration_health(id).await {
                state.set(Some(health.state));
            }
        });
    });
    move || state.get().map(|state| view! { <HealthBadge state/> })
}

/// What the section's buttons do.
#[derive(Clone, Copy)]
enum HealthAction {
    ApplyAgain,
    RegisterWebhook,
    SendTestMessage,
}

/// The "Health" section of an integration's settings page.
#[component]
pub fn HealthSection(id: Id) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let health = RwSignal::new(None::<IntegrationHealth>);
    let failed = RwSignal::new(Vec::<FailedUpdate>::new());
    let next_cursor = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let show = move |answer: Result<(), ApiError>| match answer {
        Ok(()) => error.set(None),
        Err(failure) => {
            session.note(&failure);
            error.set(Some(failure));
        }
    };
    Effect::new(move |_| {
        directory.health_changed.track();
        spawn_local(async move {
            let answer = async {
                health.set(Some(http::integration_health(id).await?));
                let page = http::failed_updates(id, None).await?;
                failed.set(page.items);
                next_cursor.set(page.next_cursor);
                Ok(())
            };
            show(answer.await);
        });
    });
    let more = move |_| {
        let Some(cursor) = next_cursor.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let answer = http::failed_updates(id, Some(&cursor)).await.map(|page| {
                failed.update(|items| items.extend(page.items));
                next_cursor.set(page.next_cursor);
            });
            show(answer);
        });
    };
    // An action: its result is shown, then everything is read again.
    let act = move |action: HealthAction| {
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let answer = match action {
                HealthAction::ApplyAgain => http::retry_failed_updates(id).await.map(|done| {
                    i18n.fill(
                        Key::AppliedAgain,
                        &[
                            ("applied", done.applied.to_string()),
                            ("retried", done.retried.to_string()),
                        ],
                    )
                }),
                HealthAction::RegisterWebhook => http::register_webhook_again(id)
                    .await
                    .map(|_| i18n.tr(Key::WebhookRegistered).to_owned()),
                HealthAction::SendTestMessage => http::send_test_message(id)
                    .await
                    .map(|sent| i18n.fill(Key::TestMessageSent, &[("recipient", sent.recipient)])),
            };
            busy.set(false);
            show(answer.map(|text| notice.set(Some(text))));
            directory.health_changed.update(|count| *count += 1);
        });
    };

    let when = move |at: Option<String>| match at {
        Some(at) => format::day_time(i18n.lang(), &at),
        None => i18n.tr(Key::NoneYet).to_owned(),
    };
    let facts = move || {
        health.get().map(|report| {
            let delivery = match report.delivery {
                Delivery::Webhook => Key::DeliveryWebhook,
                Delivery::Polling => Key::DeliveryPolling,
            };
            let webhook = report.webhook.clone().unwrap_or_default();
            let messenger_error = webhook.last_error_message.map(|message| {
                format!("{message} ({})", when(webhook.last_error_at.clone()))
            });
            let send_error = report
                .last_error
                .clone()
                .map(|message| format!("{message} ({})", when(report.last_error_at.clone())));
            let none = move || i18n.tr(Key::NoneYet).to_owned();
            view! {
                <dl class="health-facts">
                    <dt>{move || i18n.tr(Key::HealthState)}</dt>
                    <dd><HealthBadge state=report.state/></dd>
                    <dt>{move || i18n.tr(Key::Delivery)}</dt>
                    <dd>{move || i18n.tr(delivery)}</dd>
                    <dt>{move || i18n.tr(Key::ExpectedWebhookUrl)}</dt>
                    <dd><code>{report.expected_webhook_url.clone()}</code></dd>
                    <dt>{move || i18n.tr(Key::ReportedWebhookUrl)}</dt>
                    <dd data-test="health-reported-url">
                        {webhook.url.clone().map_or_else(|| none().into_any(), |url| view! { <code>{url}</code> }.into_any())}
                    </dd>
                    {report.webhook_check_error.clone().map(|reason| view! {
                        <dd class="health-warning" role="alert">
                            {move || i18n.fill(Key::MessengerUnreachable, &[("error", reason.clone())])}
                        </dd>
                    })}
                    <dt>{move || i18n.tr(Key::PendingUpdates)}</dt>
                    <dd>{webhook.pending_update_count.map_or_else(none, |count| count.to_string())}</dd>
                    <dt>{move || i18n.tr(Key::MessengerLastError)}</dt>
                    <dd>{messenger_error.unwrap_or_else(none)}</dd>
                    <dt>{move || i18n.tr(Key::LastInbound)}</dt>
                    <dd>{when(report.last_inbound_at.clone())}</dd>
                    <dt>{move || i18n.tr(Key::OutboundQueue)}</dt>
                    <dd data-test="health-queue">{report.outbound_queue_length}</dd>
                    <dt>{move || i18n.tr(Key::LastSendError)}</dt>
                    <dd data-test="health-send-error">{send_error.unwrap_or_else(none)}</dd>
                    <dt>{move || i18n.tr(Key::FailedUpdates)}</dt>
                    <dd data-test="health-failed-count">{report.failed_updates}</dd>
                </dl>
            }
        })
    };
    let failed_rows = move || {
        failed
            .get()
            .into_iter()
            .map(|update| {
                view! {
                    <li data-test="failed-update" data-update-id=update.id>
                        <span class="muted">{when(Some(update.received_at))}</span>
                        " — "
                        <span>{update.error.unwrap_or_default()}</span>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <section class="settings-section integration-health" data-test="integration-health"
            aria-labelledby="integration-health-title">
            <h2 id="integration-health-title">{move || i18n.tr(Key::Health)}</h2>
            {facts}
            <h3>{move || i18n.tr(Key::FailedUpdates)}</h3>
            <p class="muted">{move || i18n.tr(Key::FailedUpdatesHelp)}</p>
            <ul class="failed-updates" data-test="failed-updates">{failed_rows}</ul>
            <Show when=move || next_cursor.with(Option::is_some)>
                <button type="button" class="button button-quiet" on:click=more>
                    {move || i18n.tr(Key::ShowMore)}
                </button>
            </Show>
            <div class="form-actions">
                <button type="button" class="button" data-test="failed-updates-retry"
                    disabled=move || busy.get() || failed.with(Vec::is_empty)
                    on:click=move |_| act(HealthAction::ApplyAgain)>
                    {move || i18n.tr(Key::ApplyAgain)}
                </button>
                <button type="button" class="button" data-test="webhook-register"
                    disabled=move || busy.get()
                    on:click=move |_| act(HealthAction::RegisterWebhook)>
                    {move || i18n.tr(Key::RegisterWebhookAgain)}
                </button>
                <button type="button" class="button" data-test="test-message"
                    disabled=move || busy.get()
                    on:click=move |_| act(HealthAction::SendTestMessage)>
                    {move || i18n.tr(Key::SendTestMessage)}
                </button>
            </div>
            {move || notice.get().map(|text| view! {
                <p class="notice notice-ok" role="status" data-test="health-notice">{text}</p>
            })}
            <ErrorLine error/>
        </section>
    }
}
