//! "Erase all data of this customer" (admins): a confirmation dialog that says
//! what goes and that it cannot be undone, then the erasure; the chat leaves
//! the lists at once (other apps hear `chat_removed`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use shared::Id;

use super::failed;
use crate::api::http;
use crate::components::error_line::ErrorLine;
use crate::i18n::{use_i18n, Key};
use crate::state::inbox::use_inbox;
use crate::state::session::use_session;

#[component]
pub fn EraseCustomer(contact_id: Id, contact_name: String, chat_id: Id) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let inbox = use_inbox();
    let navigate = use_navigate();
    let asking = RwSignal::new(false);
    let erasing = RwSignal::new(false);
    let error = RwSignal::new(None);
    let question = move || {
        i18n.fill(
            Key::EraseCustomerQuestion,
            &[("name", contact_name.clone())],
        )
    };

    let erase = move |_| {
        erasing.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let answer = http::erase_contact(contact_id).await;
            erasing.set(false);
            match answer {
                Ok(()) => {
                    asking.set(false);
                    inbox.remove(chat_id);
                    inbox.refresh_counts();
                    navigate("/", NavigateOptions::default());
                }
                Err(failure) => failed(session, error, failure),
            }
        });
    };

    view! {
        <Show when=move || session.is_admin()>
            <button type="button" class="button button-small button-danger" data-test="erase-customer"
                on:click=move |_| { error.set(None); asking.set(true); }>
                {move || i18n.tr(Key::EraseCustomer)}
            </button>
        </Show>
        <Show when=move || asking.get()>
            <div class="dialog-backdrop">
                <div class="dialog" role="alertdialog" aria-modal="true" data-test="erase-dialog"
                    aria-labelledby="erase-dialog-title" aria-describedby="erase-dialog-text">
                    <h2 id="erase-dialog-title">{question.clone()}</h2>
                    <div id="erase-dialog-text">
                        <p>{move || i18n.tr(Key::EraseCustomerWhat)}</p>
                        <p>{move || i18n.tr(Key::EraseCustomerKept)}</p>
                        <p><strong>{move || i18n.tr(Key::EraseCustomerFinal)}</strong></p>
                    </div>
                    <ErrorLine error/>
                    <div class="dialog-actions">
                        <button type="button" class="button" data-test="erase-cancel"
                            on:click=move |_| asking.set(false)>
                            {move || i18n.tr(Key::Cancel)}
                        </button>
                        <button type="button" class="button button-danger" data-test="erase-confirm"
                            disabled=move || erasing.get() on:click=erase.clone()>
                            {move || i18n.tr(Key::Erase)}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
