//! The top bar: product name, the live connection's state, the signed-in user's name and
//! role, the user menu (language, notifications) and "Sign out".

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::users::{ChosenPresence, Presence, User};

use super::bell::Bell;
use super::push::PushSection;
use crate::alerts;
use crate::api::http;
use crate::api::ws::Socket;
use crate::components::presence::{presence_key, PresenceDot};
use crate::i18n::{role_key, use_i18n, Key, Lang};
use crate::state::connection::{use_connection, ConnState};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

#[component]
pub fn TopBar(
    user: User,
    /// The phone menu (the navigation), opened by the menu button.
    nav_open: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();

    let sign_out = Action::new_local(|_: &()| http::logout());
    let pending = sign_out.pending();
    // The shell redirects to `/login` once the session says signed out.
    Effect::new(move || match sign_out.value().get() {
        Some(Ok(())) => session.signed_out(),
        // The cookie is already gone or expired: we are signed out all the same.
        Some(Err(error)) if error.is_unauthenticated() => session.signed_out(),
        _ => {}
    });
    let failed = move || matches!(sign_out.value().get(), Some(Err(_))) && !pending.get();

    // In demo mode the header links to the customer simulator.
    let info = LocalResource::new(http::info);
    let simulator_url = move || {
        info.get()
            .and_then(Result::ok)
            .and_then(|info| info.simulator_url)
    };

    let role = user.role;
    let initial = user
        .name
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();

    view! {
        <header class="topbar">
            <button type="button" class="icon-button menu-button" data-test="nav-menu"
                aria-controls="main-navigation"
                aria-expanded=move || nav_open.get().to_string()
                aria-label=move || i18n.tr(Key::Menu) title=move || i18n.tr(Key::Menu)
                on:click=move |_| nav_open.update(|open| *open = !*open)>
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M4 6h16M4 12h16M4 18h16" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>
            </button>
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"T"</span>
                <span class="brand-name">{move || i18n.tr(Key::AppName)}</span>
            </div>
            <ConnectionState/>
            {move || {
                simulator_url()
                    .map(|url| {
                        view! {
                            <a
                                class="button button-quiet demo-link"
                                data-test="demo-simulator"
                                href=url
                                target="_blank"
                                rel="noopener"
                            >
                                {move || i18n.tr(Key::CustomerSimulator)}
                            </a>
                        }
                    })
            }}
            <div class="topbar-user">
                <Show when=failed>
                    <span class="topbar-error" role="alert" data-test="logout-error">
                        {move || i18n.tr(Key::SignOutFailed)}
                    </span>
                </Show>
                <span class="avatar" aria-hidden="true">{initial}</span>
                <span class="user-text">
                    <span class="user-name" data-test="current-user-name" title=user.email.clone()>
                        {user.name.clone()}
                    </span>
                    <span
                        class="role-badge"
                        class:role-admin=move || role == shared::api::users::Role::Admin
                        data-test="current-user-role"
                        data-role=role.as_str()
                    >
                        {move || i18n.tr(role_key(role))}
                    </span>
                </span>
                <Bell/>
                <UserMenu/>
                <button
                    type="button"
                    class="button button-quiet"
                    data-test="logout"
                    disabled=move || pending.get()
                    on:click=move |_| {
                        sign_out.dispatch(());
                    }
                >
                    {move || i18n.tr(Key::SignOut)}
                </button>
            </div>
        </header>
    }
}

/// "Live", "Connecting…" or "Reconnecting…" (with "Retry now").
#[component]
fn ConnectionState() -> impl IntoView {
    let i18n = use_i18n();
    let connection = use_connection();
    let socket = use_context::<Socket>();
    let state = move || match connection.state.get() {
        ConnState::Idle | ConnState::Connecting => "connecting",
        ConnState::Live => "live",
        ConnState::Reconnecting { .. } => "reconnecting",
        ConnState::Incompatible => "incompatible",
    };
    let label = move || match connection.state.get() {
        ConnState::Idle | ConnState::Connecting => i18n.tr(Key::Connecting),
        ConnState::Live => i18n.tr(Key::Live),
        ConnState::Reconnecting { .. } => i18n.tr(Key::Reconnecting),
        ConnState::Incompatible => i18n.tr(Key::ReloadNeeded),
    };
    view! {
        <div class="connection" data-test="connection-state" data-state=state role="status" aria-live="polite">
            <span class="connection-dot" aria-hidden="true"></span>
            <span class="connection-label">{label}</span>
            <Show when=move || matches!(connection.state.get(), ConnState::Reconnecting { .. })>
                <button type="button" class="link-button" data-test="reconnect-now"
                    on:click=move |_| if let Some(socket) = socket { socket.reconnect_now() }>
                    {move || i18n.tr(Key::RetryNow)}
                </button>
            </Show>
            <Show when=move || connection.state.get() == ConnState::Incompatible>
                <button type="button" class="link-button" on:click=move |_| { let _ = window().location().reload(); }>
                    {move || i18n.tr(Key::Reload)}
                </button>
            </Show>
        </div>
    }
}

/// Language and notification settings of this browser.
#[component]
fn UserMenu() -> impl IntoView {
    let i18n = use_i18n();
    // Re-read after asking: the answer arrives later and is not observable here.
    let permission_tick = RwSignal::new(0u32);
    let permission = move || {
        permission_tick.track();
        if alerts::permission_granted() {
            Key::NotificationsOn
        } else if alerts::permission_undecided() {
            Key::NotificationsAsk
        } else {
            Key::NotificationsBlocked
        }
    };
    view! {
        <details class="user-menu" data-test="user-menu">
            <summary class="button button-quiet" aria-label=move || i18n.tr(Key::UserMenu)
                on:click=move |_| permission_tick.update(|tick| *tick += 1)>
                <span aria-hidden="true">"⋯"</span>
            </summary>
            <div class="menu-panel">
                <PresenceChoice/>
                <label class="field field-compact">
                    <span>{move || i18n.tr(Key::LanguageLabel)}</span>
                    <select
                        data-test="language-select"
                        on:change=move |event| {
                            if let Some(lang) = Lang::parse(&event_target_value(&event)) {
                                i18n.set_lang(lang);
                            }
                        }
                    >
                        {Lang::ALL.into_iter().map(|lang| view! {
                            <option value=lang.code() selected=move || i18n.lang() == lang>{lang.name()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <div class="menu-row">
                    <span class="muted" data-test="notifications-permission">{move || i18n.tr(permission())}</span>
                    <Show when=move || {
                        permission_tick.track();
                        alerts::permission_undecided()
                    }>
                        <button type="button" class="button button-small" data-test="notifications-enable"
                            on:click=move |_| {
                                alerts::ask_permission();
                                permission_tick.update(|tick| *tick += 1);
                            }>
                            {move || i18n.tr(Key::EnableNotifications)}
                        </button>
                    </Show>
                </div>
                <PushSection/>
            </div>
        </details>
    }
}

/// "I'm away" / "I'm back": the user's own presence, kept by the server across reconnects.
#[component]
fn PresenceChoice() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let me = move || session.user_id_untracked();
    let presence = move || me().map_or(Presence::Offline, |id| directory.presence(id));
    let choose = move |status: ChosenPresence| {
        spawn_local(async move {
            match http::set_presence(status).await {
                Ok(user) => directory.set_presence(user.id, user.presence),
                Err(error) => session.note(&error),
            }
        });
    };
    view! {
        <div class="menu-row" data-test="presence-choice">
            {move || me().map(|id| view! { <PresenceDot user_id=id/> })}
            <span data-test="my-presence">{move || i18n.tr(presence_key(presence()))}</span>
            {move || if presence() == Presence::Away {
                view! {
                    <button type="button" class="button button-small" data-test="presence-online"
                        on:click=move |_| choose(ChosenPresence::Online)>{move || i18n.tr(Key::SetOnline)}</button>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="button button-small" data-test="presence-away"
                        on:click=move |_| choose(ChosenPresence::Away)>{move || i18n.tr(Key::SetAway)}</button>
                }.into_any()
            }}
        </div>
    }
}
