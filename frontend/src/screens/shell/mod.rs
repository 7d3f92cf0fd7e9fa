//! The signed-in frame around every page: top bar (who is signed in, "Sign out"), sidebar
//! navigation, and an `<Outlet/>` for the page. Sends anyone not signed in to `/login`.
//! Knows no page's content.

mod topbar;

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::NavigateOptions;

use crate::i18n::{use_i18n, Key};
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
            view! { <Redirect path="/login" options/> }.into_any()
        }
        Session::Unknown => view! { <Checking/> }.into_any(),
    }
}

#[component]
fn Frame(user: shared::api::users::User) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="app">
            <TopBar user/>
            <nav class="sidebar" aria-label=move || i18n.tr(Key::MainNavigation)>
                <A href="/" exact=true attr:class="nav-link" attr:data-test="nav-clients">
                    <span class="nav-icon" aria-hidden="true">"◉"</span>
                    <span>{move || i18n.tr(Key::Clients)}</span>
                </A>
            </nav>
            <main class="content">
                <Outlet/>
            </main>
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
