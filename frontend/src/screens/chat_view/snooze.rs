//! The chat's snooze control: "Snooze" opens presets (in 1 hour, tomorrow 9:00, next
//! Monday 9:00, all in the user's local time) and a custom date-time; a snoozed chat shows
//! until when and an "Unsnooze" button. The server decides; this only asks.

use leptos::prelude::*;
use shared::api::chats::Chat;

use crate::api::http;
use crate::components::error_line::ErrorLine;
use crate::components::snooze_times::{local_input_to_utc, Preset};
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::inbox::use_inbox;
use crate::state::session::use_session;

#[component]
pub fn SnoozeControl(chat: RwSignal<Chat>) -> impl IntoView {
    let i18n = use_i18n();
    let inbox = use_inbox();
    let session = use_session();
    let id = chat.with_untracked(|chat| chat.id);
    let menu_open = RwSignal::new(false);
    let custom = RwSignal::new(String::new());

    // `Some(until)`: snooze; `None`: unsnooze.
    let save = Action::new_local(move |until: &Option<String>| {
        let until = until.clone();
        async move {
            match until {
                Some(until) => http::snooze(id, until).await,
                None => http::unsnooze(id).await,
            }
        }
    });
    let error = RwSignal::new(None);
    Effect::new(move || match save.value().get() {
        Some(Ok(updated)) => {
            error.set(None);
            menu_open.set(false);
            inbox.upsert(updated, true);
        }
        Some(Err(failure)) => {
            session.note(&failure);
            error.set(Some(failure));
        }
        None => {}
    });

    let snoozed_until = move || chat.with(|chat| chat.snoozed_until.clone());
    let presets = move || {
        Preset::ALL
        .into_iter()
        .map(|preset| {
            view! {
                <button type="button" class="button button-quiet" data-test=preset.test()
                    disabled=move || save.pending().get()
                    on:click=move |_| { save.dispatch(Some(preset.until(js_sys::Date::now()))); }>
                    {move || i18n.tr(preset.key())}
                </button>
            }
        })
        .collect_view()
    };

    view! {
        <span class="snooze-control" data-test="snooze-control">
            {move || match snoozed_until() {
                Some(until) => view! {
                    <span class="pill" data-test="snoozed-until">
                        {move || i18n.fill(Key::SnoozedUntil, &[("until", format::day_time(i18n.lang(), &until))])}
                    </span>
                    <button type="button" class="button button-quiet" data-test="action-unsnooze"
                        disabled=move || save.pending().get()
                        on:click=move |_| { save.dispatch(None); }>
                        {move || i18n.tr(Key::Unsnooze)}
                    </button>
                }
                .into_any(),
                None => view! {
                    <button type="button" class="button button-quiet" data-test="action-snooze"
                        aria-expanded=move || menu_open.get().to_string()
                        on:click=move |_| menu_open.update(|open| *open = !*open)>
                        {move || i18n.tr(Key::Snooze)}
                    </button>
                }
                .into_any(),
            }}
            <Show when=move || menu_open.get() && snoozed_until().is_none()>
                <div class="snooze-menu" role="group" data-test="snooze-menu"
                    aria-label=move || i18n.tr(Key::Snooze)>
                    {presets}
                    <label class="snooze-custom">
                        <span>{move || i18n.tr(Key::SnoozeCustom)}</span>
                        <input type="datetime-local" data-test="snooze-custom-input"
                            prop:value=move || custom.get()
                            on:input=move |event| custom.set(event_target_value(&event))/>
                    </label>
                    <button type="button" class="button" data-test="snooze-custom"
                        disabled=move || save.pending().get() || local_input_to_utc(&custom.get()).is_none()
                        on:click=move |_| {
                            if let Some(until) = local_input_to_utc(&custom.get_untracked()) {
                                save.dispatch(Some(until));
                            }
                        }>
                        {move || i18n.tr(Key::Snooze)}
                    </button>
                </div>
            </Show>
            <ErrorLine error/>
        </span>
    }
}
