//! The signed-in frame around every page: top bar (who is signed in, connection state, user
//! menu, "Sign out"), navigation (Clients, Archive, Deals, Contacts; My tasks and Reports for
//! admins and employees; Settings for admins), and an `<Outlet/>`
//! for the page. Sends anyone not signed in to `/login`, remembering where they were.
//! On phones the navigation, with the inbox groups, is a menu behind the top bar's menu
//! button. Knows no page's content.

mod bell;
mod push;
mod topbar;

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::api::http::{encode_query, group_str};
use crate::components::back::Trail;
use crate::components::shortcuts::Shortcuts;
use crate::i18n::{group_key, use_i18n, Key};
use crate::state::inbox::{use_inbox, GROUPS};
use crate::state::open_chat::use_open_chat;
use crate::state::session::{use_session, Session};

use topbar::TopBar;

/// The route view for `/` and every page below it.
#[component]
pub fn Shell() -> impl IntoView {
    let session = use_session();
    move || match session.get() {
        Session::SignedIn(user) => view! { <Frame user/> }.into_any(),
        Session::SignedOut => {
            let options = NavigateOptions {
                replace: true,
                ..NavigateOptions::default()
            };
            let location = use_location();
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            let path = if here == "/" || here.is_empty() {
                "/login".to_owned()
            } else {
                format!("/login?{}", encode_query(&[("next", here)]))
            };
            view! { <Redirect path options/> }.into_any()
        }
        Session::Unknown => view! { <Checking/> }.into_any(),
    }
}

#[component]
fn Frame(user: shared::api::users::User) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let open_chat = use_open_chat();
    let navigate = use_navigate();
    let location = use_location();
    Trail::provide();
    // On phones the navigation is a menu that closes once the user goes somewhere.
    let nav_open = RwSignal::new(false);
    let pathname = location.pathname;
    Effect::new(move |_| {
        pathname.track();
        nav_open.set(false);
    });
    // A click on a browser notification asks for a chat from outside the router.
    Effect::new(move |_| {
        if let Some(id) = open_chat.open_request.get() {
            open_chat.open_request.set(None);
            navigate(&format!("/chats/{id}"), NavigateOptions::default());
        }
    });
    let in_clients = move || {
        let path = location.pathname.get();
        path == "/" || path.starts_with("/chats/")
    };
    view! {
        <div class="app" class:nav-open=move || nav_open.get()>
            <TopBar user nav_open/>
            <nav class="sidebar" id="main-navigation" data-test="main-navigation"
                aria-label=move || i18n.tr(Key::MainNavigation)>
                <InboxGroups nav_open/>
                <a href="/" class="nav-link" data-test="nav-clients"
                    aria-current=move || in_clients().then_some("page")>
                    <span class="nav-icon" aria-hidden="true">"◉"</span>
                    <span>{move || i18n.tr(Key::Clients)}</span>
                </a>
                <A href="/archive" attr:class="nav-link" attr:data-test="nav-archive">
                    <span class="nav-icon" aria-hidden="true">"▤"</span>
                    <span>{move || i18n.tr(Key::Archive)}</span>
                </A>
                <A href="/deals" attr:class="nav-link" attr:data-test="nav-deals">
                    <span class="nav-icon" aria-hidden="true">"▦"</span>
                    <span>{move || i18n.tr(Key::Deals)}</span>
                </A>
                <A href="/contacts" attr:class="nav-link" attr:data-test="nav-contacts">
                    <span class="nav-icon" aria-hidden="true">"☺"</span>
                    <span>{move || i18n.tr(Key::Contacts)}</span>
                </A>
                <Show when=move || session.can_write()>
                    <A href="/tasks" attr:class="nav-link" attr:data-test="nav-tasks">
                        <span class="nav-icon" aria-hidden="true">"✓"</span>
                        <span>{move || i18n.tr(Key::MyTasks)}</span>
                    </A>
                </Show>
                <Show when=move || session.can_write()>
                    <A href="/reports" attr:class="nav-link" attr:data-test="nav-reports">
                        <span class="nav-icon" aria-hidden="true">"▥"</span>
                        <span>{move || i18n.tr(Key::Reports)}</span>
                    </A>
                </Show>
                <Show when=move || session.is_admin()>
                    <A href="/settings" attr:class="nav-link" attr:data-test="nav-settings">
                        <span class="nav-icon" aria-hidden="true">"⚙"</span>
                        <span>{move || i18n.tr(Key::Settings)}</span>
                    </A>
                </Show>
            </nav>
            <main class="content">
                <Outlet/>
            </main>
            <Shortcuts/>
        </div>
    }
}

/// The inbox groups as menu entries; shown only in the phone menu (the list has its tabs).
#[component]
fn InboxGroups(nav_open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let inbox = use_inbox();
    let navigate = use_navigate();
    let pathname = use_location().pathname;
    let entries = GROUPS
        .into_iter()
        .map(|group| {
            let navigate = navigate.clone();
            let open = move |_| {
                inbox.selected.set(group);
                nav_open.set(false);
                if pathname.get_untracked() != "/" {
                    navigate("/", NavigateOptions::default());
                }
            };
            let list = inbox.group(group);
            view! {
                <button type="button" class="nav-link nav-group"
                    data-test=format!("nav-group-{}", group_str(group))
                    aria-pressed=move || (inbox.selected.get() == group).to_string()
                    on:click=open>
                    <span class="nav-icon" aria-hidden="true">"•"</span>
                    <span class="nav-group-name">{move || i18n.tr(group_key(group))}</span>
                    <span class="group-count">{move || list.chats.get()}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="nav-groups" role="group" aria-label=move || i18n.tr(Key::InboxGroups)>
            {entries}
        </div>
    }
}

/// While `GET /me` is in flight, or after it failed other than with `401`.
#[component]
fn Checking() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    move || match session.check_error() {
        None => view! {
            <div class="splash" aria-busy="true">
                <span class="spinner" aria-hidden="true"></span>
                <span class="muted">{move || i18n.tr(Key::Loading)}</span>
            </div>
        }
        .into_any(),
        Some(error) => {
            let detail = if error.is_network() {
                i18n.tr(Key::NetworkError).to_owned()
            } else {
                format!(
                    "{} (HTTP {})",
                    i18n.tr(Key::ServerError),
                    error.status.unwrap_or_default()
                )
            };
            view! {
                <div class="splash" role="alert" data-test="session-error">
                    <p><strong>{move || i18n.tr(Key::SessionCheckFailed)}</strong></p>
                    <p class="muted">{detail}</p>
                    <button
                        type="button"
                        class="button"
                        disabled=move || session.is_checking()
                        on:click=move |_| session.check()
                    >
                        {move || i18n.tr(Key::Retry)}
                    </button>
                </div>
            }
            .into_any()
        }
    }
}
