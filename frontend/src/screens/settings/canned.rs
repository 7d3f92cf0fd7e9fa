//! The team's canned replies: the list, adding one, editing and deleting. Personal replies
//! are kept from the reply box ("/", then "New personal reply").

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::canned::{CannedReply, CannedScope, CreateCannedReply, UpdateCannedReply};

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::i18n::{use_i18n, Key};
use crate::state::session::use_session;

#[component]
pub fn CannedRepliesSettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let replies = RwSignal::new(Vec::<CannedReply>::new());
    let error = RwSignal::new(None::<ApiError>);
    let loaded = RwSignal::new(false);

    let load = move || {
        spawn_local(async move {
            match http::canned_replies("").await {
                Ok(list) => {
                    replies.set(
                        list.into_iter()
                            .filter(|reply| reply.scope == CannedScope::Team)
                            .collect(),
                    );
                    loaded.set(true);
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    load();

    let shortcut = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let body = CreateCannedReply {
            shortcut: shortcut.get_untracked(),
            text: text.get_untracked(),
            scope: CannedScope::Team,
        };
        saving.set(true);
        spawn_local(async move {
            let answer = http::create_canned_reply(&body).await;
            saving.set(false);
            match answer {
                Ok(_) => {
                    error.set(None);
                    shortcut.set(String::new());
                    text.set(String::new());
                    load();
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };

    let rows = move || {
        replies
            .get()
            .into_iter()
            .map(|reply| view! { <CannedRow reply reload=load/> })
            .collect_view()
    };

    view! {
        <section class="settings-section" data-test="canned-settings">
            <h2>{move || i18n.tr(Key::CannedReplies)}</h2>
            <p class="muted">{move || i18n.tr(Key::CannedRepliesHelp)}</p>
            <ErrorLine error/>
            <Show when=move || loaded.get() && replies.with(Vec::is_empty)>
                <p class="muted" data-test="canned-empty">{move || i18n.tr(Key::NoCannedReplies)}</p>
            </Show>
            <ul class="canned-list">{rows}</ul>
            <form class="form" data-test="canned-add-form" on:submit=add>
                <h3>{move || i18n.tr(Key::AddCannedReply)}</h3>
                <label class="field">
                    <span>{move || i18n.tr(Key::Shortcut)}</span>
                    <input type="text" data-test="canned-add-shortcut" placeholder="hello" bind:value=shortcut/>
                </label>
                <label class="field">
                    <span>{move || i18n.tr(Key::ReplyText)}</span>
                    <textarea rows="3" data-test="canned-add-text" bind:value=text></textarea>
                </label>
                <button type="submit" class="button button-primary" data-test="canned-add"
                    disabled=move || saving.get()>
                    {move || i18n.tr(Key::AddCannedReply)}
                </button>
            </form>
        </section>
    }
}

/// One team reply: shown, or edited in place.
#[component]
fn CannedRow(
    reply: CannedReply,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = reply.id;
    let editing = RwSignal::new(false);
    let shortcut = RwSignal::new(reply.shortcut.clone());
    let text = RwSignal::new(reply.text.clone());
    let error = RwSignal::new(None::<ApiError>);

    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let body = UpdateCannedReply {
            shortcut: Some(shortcut.get_untracked()),
            text: Some(text.get_untracked()),
        };
        spawn_local(async move {
            match http::update_canned_reply(id, &body).await {
                Ok(_) => {
                    editing.set(false);
                    reload();
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    let delete = move |_| {
        spawn_local(async move {
            match http::delete_canned_reply(id).await {
                Ok(()) => reload(),
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };

    view! {
        <li data-test="canned-row">
            <Show
                when=move || editing.get()
                fallback=move || view! {
                    <strong data-test="canned-row-shortcut">"/"{move || shortcut.get()}</strong>
                    <span data-test="canned-row-text">{move || text.get()}</span>
                    <span class="row-actions">
                        <button type="button" class="button button-small" data-test="canned-edit"
                            on:click=move |_| editing.set(true)>
                            {move || i18n.tr(Key::Edit)}
                        </button>
                        <button type="button" class="button button-small button-danger" data-test="canned-delete"
                            on:click=delete>
                            {move || i18n.tr(Key::Delete)}
                        </button>
                    </span>
                }
            >
                <form class="canned-edit" on:submit=save>
                    <input type="text" data-test="canned-edit-shortcut" aria-label=move || i18n.tr(Key::Shortcut)
                        bind:value=shortcut/>
                    <textarea rows="3" data-test="canned-edit-text" aria-label=move || i18n.tr(Key::ReplyText)
                        bind:value=text></textarea>
                    <button type="submit" class="button button-small button-primary" data-test="canned-save">
                        {move || i18n.tr(Key::Save)}
                    </button>
                </form>
            </Show>
            <ErrorLine error/>
        </li>
    }
}
