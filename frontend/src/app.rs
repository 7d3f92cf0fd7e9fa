//! The root component: provides the contexts (language, session) once and maps URLs to
//! screens. Screens never import each other; they meet here.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes, A};
use leptos_router::path;

use crate::i18n::{use_i18n, I18n, Key, Lang};
use crate::screens::clients::ClientsPage;
use crate::screens::login::LoginScreen;
use crate::screens::shell::Shell;
use crate::state::session::SessionContext;

#[component]
pub fn App() -> impl IntoView {
    provide_context(I18n::new(Lang::default()));
    provide_context(SessionContext::start());

    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginScreen/>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=ClientsPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="splash">
            <h1>{move || i18n.tr(Key::NotFoundTitle)}</h1>
            <p class="muted">{move || i18n.tr(Key::NotFoundText)}</p>
            <A href="/" attr:class="button">{move || i18n.tr(Key::BackHome)}</A>
        </main>
    }
}
