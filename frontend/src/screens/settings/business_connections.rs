//! A Telegram integration's Business connections: each account owner who
//! connected the bot, whether the connection is enabled and may reply, when
//! it was made, and (admins) a select linking the owner to their Tidings
//! user, whose the account's new chats become.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::integrations::BusinessConnection;
use shared::api::users::Role;
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

#[component]
pub fn BusinessConnections(integration_id: Id) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let connections = RwSignal::new(Vec::<BusinessConnection>::new());
    let error = RwSignal::new(None::<ApiError>);
    spawn_local(async move {
        match http::business_connections(integration_id).await {
            Ok(list) => connections.set(list),
            Err(failure) => {
                session.note(&failure);
                error.set(Some(failure));
            }
        }
    });
    let rows = move || {
        connections
            .get()
            .into_iter()
            .map(
                |connection| view! { <ConnectionRow integration_id connection connections error/> },
            )
            .collect_view()
    };
    view! {
        <section class="settings-section business-connections" data-test="business-connections">
            <h2>{move || i18n.tr(Key::BusinessConnections)}</h2>
            <p class="muted">{move || i18n.tr(Key::BusinessConnectionsHelp)}</p>
            <Show
                when=move || connections.with(|list| !list.is_empty())
                fallback=move || view! {
                    <p class="muted" data-test="no-business-connections">{move || i18n.tr(Key::NoBusinessConnections)}</p>
                }
            >
                <table class="table">
                    <thead>
                        <tr>
                            <th>{move || i18n.tr(Key::BusinessOwner)}</th>
                            <th>{move || i18n.tr(Key::BusinessEnabled)}</th>
                            <th>{move || i18n.tr(Key::BusinessCanReply)}</th>
                            <th>{move || i18n.tr(Key::BusinessConnectedOn)}</th>
                            <th>{move || i18n.tr(Key::BusinessLinkedUser)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </Show>
            <ErrorLine error/>
        </section>
    }
}

#[component]
fn ConnectionRow(
    integration_id: Id,
    connection: BusinessConnection,
    connections: RwSignal<Vec<BusinessConnection>>,
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let is_admin = session.user().is_some_and(|user| user.role == Role::Admin);
    let connection_id = StoredValue::new(connection.id.clone());
    let linked = connection.user_id;
    let enabled = connection.enabled;
    let can_reply = connection.can_reply;
    let date: String = connection.connected_at.chars().take(10).collect();
    let owner_name = connection.name.clone();
    let linked_name = move || match linked {
        Some(user) => directory.user_name(user),
        None => i18n.tr(Key::BusinessNotLinked).to_owned(),
    };
    let on_change = move |event: leptos::ev::Event| {
        let value = event_target_value(&event);
        let user_id = value.parse::<Id>().ok();
        let id = connection_id.get_value();
        spawn_local(async move {
            match http::link_business_connection(integration_id, &id, user_id).await {
                Ok(updated) => {
                    error.set(None);
                    connections.update(|list| {
                        if let Some(row) = list.iter_mut().find(|row| row.id == updated.id) {
                            *row = updated;
                        }
                    });
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    let options = move || {
        directory
            .users
            .get()
            .into_iter()
            .filter(|user| user.active && user.role != Role::Follower)
            .map(|user| {
                let selected = Some(user.id) == linked;
                view! { <option value=user.id.to_string() selected=selected>{user.name}</option> }
            })
            .collect_view()
    };
    let link_control = if is_admin {
        view! {
            <select data-test="business-connection-user" aria-label=move || i18n.tr(Key::BusinessLinkedUser)
                on:change=on_change>
                <option value="" selected=linked.is_none()>{move || i18n.tr(Key::BusinessNotLinked)}</option>
                {options}
            </select>
        }
        .into_any()
    } else {
        view! { <span data-test="business-connection-linked">{linked_name}</span> }.into_any()
    };
    view! {
        <tr data-test="business-connection" data-connection-id=connection.id.clone()
            data-linked=linked.map(|id| id.to_string()).unwrap_or_default()>
            <td data-test="business-connection-owner">{owner_name}</td>
            <td data-test="business-connection-enabled">
                {move || i18n.tr(if enabled { Key::BusinessEnabled } else { Key::BusinessDisabled })}
            </td>
            <td data-test="business-connection-can-reply">
                {move || i18n.tr(if can_reply { Key::BusinessCanReply } else { Key::BusinessCannotReply })}
            </td>
            <td>{date}</td>
            <td>{link_control}</td>
        </tr>
    }
}
