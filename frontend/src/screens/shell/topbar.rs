//! The top bar: product name, the signed-in user's name and role, and "Sign out".

use leptos::prelude::*;
use shared::api::users::User;

use crate::api::http;
use crate::i18n::{role_key, use_i18n, Key};
use crate::state::session::use_session;

#[component]
pub fn TopBar(user: User) -> impl IntoView {
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

    let role = user.role;
    let initial = user
        .name
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();

    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"T"</span>
                <span class="brand-name">{move || i18n.tr(Key::AppName)}</span>
            </div>
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
