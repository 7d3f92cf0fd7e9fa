//! Choosing people for a chat: the responsible manager and the followers. Both save at once
//! over REST and put the answer into the inbox store; the socket echoes it to teammates.

use leptos::prelude::*;
use shared::api::chats::Chat;
use shared::api::users::Role;
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::components::presence::presence_key;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::inbox::use_inbox;
use crate::state::session::use_session;

/// A select of the responsible manager (or nobody).
#[component]
pub fn AssignSelect(
    chat_id: Id,
    #[prop(into)] assignee: Signal<Option<Id>>,
    #[prop(into)] enabled: Signal<bool>,
    /// The `data-test` name (two pickers may be on screen at once).
    #[prop(default = "assign-select")]
    test: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let directory = use_directory();
    let inbox = use_inbox();
    let session = use_session();

    let save = Action::new_local(move |user_id: &Option<Id>| http::assign(chat_id, *user_id));
    let error = RwSignal::new(None::<ApiError>);
    Effect::new(move || match save.value().get() {
        Some(Ok(chat)) => {
            error.set(None);
            inbox.upsert(chat, true);
        }
        Some(Err(failure)) => {
            session.note(&failure);
            error.set(Some(failure));
        }
        None => {}
    });

    let options = move || {
        directory
            .users
            .get()
            .into_iter()
            .filter(|user| user.active && user.role != Role::Follower)
            .map(|user| {
                let id = user.id;
                let label = format!("{} · {}", user.name, i18n.tr(presence_key(user.presence)));
                view! {
                    <option value=id.to_string() selected=move || assignee.get() == Some(id)>
                        {label}
                    </option>
                }
            })
            .collect_view()
    };

    view! {
        <label class="field field-inline">
            <span>{move || i18n.tr(Key::Responsible)}</span>
            <select
                data-test=test
                disabled=move || !enabled.get() || save.pending().get()
                on:change=move |event| {
                    let value = event_target_value(&event);
                    save.dispatch(value.parse::<Id>().ok());
                }
            >
                <option value="" selected=move || assignee.get().is_none()>
                    {move || i18n.tr(Key::Nobody)}
                </option>
                {options}
            </select>
        </label>
        <ErrorLine error/>
    }
}

/// Checkboxes of teammates following the chat; read-only without `enabled`.
#[component]
pub fn FollowersEditor(
    chat_id: Id,
    #[prop(into)] followers: Signal<Vec<Id>>,
    #[prop(into)] enabled: Signal<bool>,
    #[prop(default = "followers-editor")] test: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let directory = use_directory();
    let inbox = use_inbox();
    let session = use_session();

    let save = Action::new_local(move |ids: &Vec<Id>| http::set_followers(chat_id, ids.clone()));
    let error = RwSignal::new(None::<ApiError>);
    Effect::new(move || match save.value().get() {
        Some(Ok(chat)) => {
            error.set(None);
            let chat: Chat = chat;
            inbox.upsert(chat, true);
        }
        Some(Err(failure)) => {
            session.note(&failure);
            error.set(Some(failure));
        }
        None => {}
    });

    let toggle = move |id: Id, on: bool| {
        let mut ids = followers.get_untracked();
        ids.retain(|other| *other != id);
        if on {
            ids.push(id);
        }
        save.dispatch(ids);
    };

    let rows = move || {
        let current = followers.get();
        let editable = enabled.get();
        directory
            .users
            .get()
            .into_iter()
            .filter(|user| user.active || current.contains(&user.id))
            .filter(|user| editable || current.contains(&user.id))
            .map(|user| {
                let id = user.id;
                let checked = current.contains(&id);
                view! {
                    <label class="check" data-test="follower-option" data-user-id=id>
                        <input
                            type="checkbox"
                            checked=checked
                            disabled=move || !enabled.get() || save.pending().get()
                            on:change=move |event| toggle(id, event_target_checked(&event))
                        />
                        <span>{user.name}</span>
                    </label>
                }
            })
            .collect_view()
    };

    view! {
        <fieldset class="followers" data-test=test>
            <legend>{move || i18n.tr(Key::Followers)}</legend>
            <Show when=move || followers.with(Vec::is_empty) && !enabled.get()>
                <span class="muted">{move || i18n.tr(Key::NoFollowers)}</span>
            </Show>
            {rows}
        </fieldset>
        <ErrorLine error/>
    }
}
