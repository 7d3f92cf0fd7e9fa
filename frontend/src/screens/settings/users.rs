//! Users: create one with a role, change roles, deactivate or reactivate.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::users::{CreateUser, Role, UpdateUser};
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::components::presence::PresenceDot;
use crate::i18n::{role_key, use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

#[component]
pub fn UsersSettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    directory.load_users(session);
    let error = RwSignal::new(None::<ApiError>);

    let update = move |id: Id, change: UpdateUser| {
        spawn_local(async move {
            match http::update_user(id, &change).await {
                Ok(updated) => {
                    error.set(None);
                    directory.users.update(|users| {
                        if let Some(user) = users.iter_mut().find(|user| user.id == id) {
                            *user = updated;
                        }
                    });
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                    // Put the controls back to what the server has.
                    directory.load_users(session);
                }
            }
        });
    };

    let rows = move || {
        let me = session.user_id_untracked();
        directory
            .users
            .get()
            .into_iter()
            .map(|user| {
                let id = user.id;
                let active = user.active;
                let role = user.role;
                let is_me = me == Some(id);
                let cap = user.max_open_chats.map(|cap| cap.to_string()).unwrap_or_default();
                let name = user.name.clone();
                view! {
                    <tr data-test="user-row" data-user-id=id class:inactive=!active>
                        <td><PresenceDot user_id=id/>" "{user.name}</td>
                        <td>{user.email}</td>
                        <td>
                            <select
                                data-test="user-role-select"
                                aria-label=move || i18n.tr(Key::Role)
                                disabled=is_me
                                on:change=move |event| {
                                    if let Some(role) = Role::parse(&event_target_value(&event)) {
                                        update(id, UpdateUser { role: Some(role), ..UpdateUser::default() });
                                    }
                                }
                            >
                                {Role::ALL.into_iter().map(|option| view! {
                                    <option value=option.as_str() selected=option == role>{move || i18n.tr(role_key(option))}</option>
                                }).collect_view()}
                            </select>
                        </td>
                        <td>
                            <span class="pill" class:pill-muted=!active data-test="user-status">
                                {move || if active { i18n.tr(Key::Active) } else { i18n.tr(Key::Inactive) }}
                            </span>
                        </td>
                        <td>
                            <input
                                type="number"
                                min="0"
                                class="input-narrow"
                                data-test="user-max-open-chats"
                                aria-label=move || format!("{} — {}", i18n.tr(Key::MaxOpenChats), name)
                                placeholder=move || i18n.tr(Key::NoCap)
                                prop:value=cap
                                on:change=move |event| {
                                    let typed = event_target_value(&event);
                                    let cap = typed.trim().parse::<i64>().ok();
                                    update(id, UpdateUser { max_open_chats: Some(cap), ..UpdateUser::default() });
                                }
                            />
                        </td>
                        <td>
                            <Show when=move || !is_me>
                                <button
                                    type="button"
                                    class="button button-quiet button-small"
                                    data-test=if active { "user-deactivate" } else { "user-activate" }
                                    on:click=move |_| update(id, UpdateUser { active: Some(!active), ..UpdateUser::default() })
                                >
                                    {move || if active { i18n.tr(Key::Deactivate) } else { i18n.tr(Key::Activate) }}
                                </button>
                            </Show>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <div class="settings-section" data-test="settings-users">
            <h2>{move || i18n.tr(Key::Users)}</h2>
            <ErrorLine error/>
            <table class="table">
                <thead>
                    <tr>
                        <th>{move || i18n.tr(Key::Name)}</th>
                        <th>{move || i18n.tr(Key::Email)}</th>
                        <th>{move || i18n.tr(Key::Role)}</th>
                        <th>{move || i18n.tr(Key::Status)}</th>
                        <th>{move || i18n.tr(Key::MaxOpenChats)}</th>
                        <th><span class="sr-only">{move || i18n.tr(Key::Actions)}</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <NewUser/>
        </div>
    }
}

#[component]
fn NewUser() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("employee".to_owned());
    let error = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(role_value) = Role::parse(&role.get_untracked()) else {
            return;
        };
        let body = CreateUser {
            email: email.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            role: role_value,
        };
        saving.set(true);
        spawn_local(async move {
            let answer = http::create_user(&body).await;
            saving.set(false);
            match answer {
                Ok(user) => {
                    error.set(None);
                    directory.users.update(|users| users.push(user));
                    name.set(String::new());
                    email.set(String::new());
                    password.set(String::new());
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };

    view! {
        <form class="inline-card" data-test="user-create" on:submit=submit>
            <h3>{move || i18n.tr(Key::AddUser)}</h3>
            <div class="form-grid">
                <label class="field">
                    <span>{move || i18n.tr(Key::Name)}</span>
                    <input type="text" required data-test="user-create-name" bind:value=name/>
                </label>
                <label class="field">
                    <span>{move || i18n.tr(Key::Email)}</span>
                    <input type="email" required data-test="user-create-email" bind:value=email/>
                </label>
                <label class="field">
                    <span>{move || i18n.tr(Key::Password)}</span>
                    <input type="password" required autocomplete="new-password" data-test="user-create-password" bind:value=password/>
                </label>
                <label class="field">
                    <span>{move || i18n.tr(Key::Role)}</span>
                    <select data-test="user-create-role" bind:value=role>
                        {Role::ALL.into_iter().map(|option| view! {
                            <option value=option.as_str()>{move || i18n.tr(role_key(option))}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <ErrorLine error/>
            <button type="submit" class="button button-primary" data-test="user-create-submit" disabled=move || saving.get()>
                {move || i18n.tr(Key::AddUser)}
            </button>
        </form>
    }
}
