//! The "Backups" panel: when the scheduled backups last ran and why the last
//! one failed (from `GET /api/v1/info`, which fills these for admins only).

use leptos::prelude::*;

use crate::api::http;
use crate::format;
use crate::i18n::{use_i18n, Key};

#[component]
pub fn BackupsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let info = LocalResource::new(http::info);
    let when = move |at: Option<String>| match at {
        Some(at) => format::day_time(i18n.lang(), &at),
        None => i18n.tr(Key::NoneYet).to_owned(),
    };
    let facts = move || {
        let info = info.get().and_then(Result::ok)?;
        let view = if info.backups_scheduled == Some(true) {
            let error = info.last_backup_error.map(|error| {
                view! { <p class="health-warning" role="alert" data-test="backups-error">{error}</p> }
            });
            view! {
                <dl class="health-facts">
                    <dt>{move || i18n.tr(Key::LastBackup)}</dt>
                    <dd data-test="backups-last">{when(info.last_backup_at)}</dd>
                </dl>
                {error}
            }
            .into_any()
        } else {
            view! { <p class="muted" data-test="backups-off">{move || i18n.tr(Key::BackupsOff)}</p> }
                .into_any()
        };
        Some(view)
    };
    view! {
        <section class="settings-section" data-test="settings-backups">
            <h2>{move || i18n.tr(Key::Backups)}</h2>
            {facts}
        </section>
    }
}
