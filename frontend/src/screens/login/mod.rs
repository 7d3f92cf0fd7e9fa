//! The sign-in screen: e-mail and password, `POST /api/v1/auth/login`, then the shell at `/`.
//! Owns the form and how login failures read; the session itself lives in `state::session`.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;
use leptos_router::NavigateOptions;
use shared::api::auth::Login;

use crate::api::http::{self, ApiError};
use crate::i18n::{use_i18n, I18n, Key};
use crate::state::session::{use_session, Session};

/// `/login`. Someone already signed in goes straight to `/`, or back to `?next=` (where an
/// expired session left them).
#[component]
pub fn LoginScreen() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let next = move || {
        query
            .with_untracked(|query| query.get("next"))
            .filter(|next| next.starts_with('/') && !next.starts_with("//"))
            .unwrap_or_else(|| "/".to_owned())
    };
    // A memo, so that the start-up check settling (unknown -> signed out) does not rebuild
    // the form under someone who is already typing.
    let signed_in = Memo::new(move |_| matches!(session.get(), Session::SignedIn(_)));
    move || {
        if signed_in.get() {
            view! { <Redirect path=next() options=replace()/> }.into_any()
        } else {
            view! { <LoginForm/> }.into_any()
        }
    }
}

#[component]
fn LoginForm() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();

    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());

    let submit = Action::new_local(|credentials: &Login| {
        let credentials = credentials.clone();
        async move { http::login(&credentials).await }
    });
    let pending = submit.pending();

    // `LoginScreen` redirects to `/` once the session says signed in.
    Effect::new(move || {
        if let Some(Ok(user)) = submit.value().get() {
            session.signed_in(user);
        }
    });

    let error = move || match submit.value().get() {
        Some(Err(error)) if !pending.get() => Some(describe(i18n, &error)),
        _ => None,
    };

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        submit.dispatch(Login {
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        });
    };

    view! {
        <main class="login">
            <form class="login-card" on:submit=on_submit>
                <div class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true">"T"</span>
                    <span>{move || i18n.tr(Key::AppName)}</span>
                </div>
                <h1>{move || i18n.tr(Key::SignInTitle)}</h1>
                <p class="muted">{move || i18n.tr(Key::SignInSubtitle)}</p>

                <label class="field">
                    <span>{move || i18n.tr(Key::Email)}</span>
                    <input
                        type="email"
                        name="email"
                        autocomplete="username"
                        required
                        autofocus
                        data-test="login-email"
                        bind:value=email
                    />
                </label>
                <label class="field">
                    <span>{move || i18n.tr(Key::Password)}</span>
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        data-test="login-password"
                        bind:value=password
                    />
                </label>

                <Show when=move || error().is_some()>
                    <p class="form-error" role="alert" data-test="login-error">
                        {error}
                    </p>
                </Show>

                <button
                    type="submit"
                    class="button button-primary button-block"
                    data-test="login-submit"
                    disabled=move || pending.get()
                    aria-busy=move || pending.get().to_string()
                >
                    {move || {
                        if pending.get() { i18n.tr(Key::SigningIn) } else { i18n.tr(Key::SignIn) }
                    }}
                </button>
            </form>
        </main>
    }
}

/// How a failed sign-in reads: at login a `401` means the credentials were wrong.
fn describe(i18n: I18n, error: &ApiError) -> String {
    let text = if error.is_unauthenticated() {
        i18n.tr(Key::WrongCredentials)
    } else if error.is_rate_limited() {
        i18n.tr(Key::TooManyAttempts)
    } else if error.is_network() {
        i18n.tr(Key::NetworkError)
    } else if error.is_server() {
        i18n.tr(Key::ServerError)
    } else if error.code.is_some() && !error.message.is_empty() {
        // 400/403/422 carry a message meant for people (e.g. an invalid e-mail address).
        return error.message.clone();
    } else {
        i18n.tr(Key::UnexpectedError)
    };
    match error.status {
        Some(status) if error.is_server() => format!("{text} (HTTP {status})"),
        _ => text.to_owned(),
    }
}

fn replace() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..NavigateOptions::default()
    }
}
