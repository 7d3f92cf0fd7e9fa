//! The contact book: a search box (name, phone digits, e-mail, company) over the paginated
//! list, each contact opening its page (`page.rs`): editable fields, identities per
//! messenger, chats and deals, duplicate suggestions with a merge preview.

mod page;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::crm::Contact;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::session::use_session;

pub use page::ContactPage;

#[component]
pub fn ContactsScreen() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let query = RwSignal::new(String::new());
    let contacts = RwSignal::new(Vec::<Contact>::new());
    let next = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let loading = RwSignal::new(false);
    // Answers to older searches are dropped: only the latest one shows.
    let generation = StoredValue::new(0_u64);

    let load = move |more: bool| {
        let q = query.get_untracked();
        let cursor = if more { next.get_untracked() } else { None };
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        loading.set(true);
        spawn_local(async move {
            let answer = http::contacts(q.trim(), cursor.as_deref()).await;
            if generation.get_value() != mine {
                return;
            }
            loading.set(false);
            match answer {
                Ok(page) => {
                    error.set(None);
                    next.set(page.next_cursor);
                    if more {
                        contacts.update(|list| list.extend(page.items));
                    } else {
                        contacts.set(page.items);
                    }
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    load(false);

    let rows = move || {
        contacts
            .get()
            .into_iter()
            .map(|contact| {
                let channels = contact
                    .identities
                    .iter()
                    .map(|identity| format::channel_name(identity.channel))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ");
                view! {
                    <tr data-test="contact-row" data-id=contact.id>
                        <td>
                            <a href=format!("/contacts/{}", contact.id) data-test="contact-link">
                                {contact.name.clone()}
                            </a>
                        </td>
                        <td>{contact.phone.clone().unwrap_or_default()}</td>
                        <td>{contact.email.clone().unwrap_or_default()}</td>
                        <td>{contact.company.clone().unwrap_or_default()}</td>
                        <td>{channels}</td>
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <section class="page contacts-screen" data-test="contacts-screen">
            <header class="page-header">
                <h1>{move || i18n.tr(Key::Contacts)}</h1>
            </header>
            <form class="inline-form" role="search" on:submit=move |event| {
                event.prevent_default();
                load(false);
            }>
                <input type="search" data-test="contact-search" bind:value=query
                    aria-label=move || i18n.tr(Key::SearchContacts)
                    placeholder=move || i18n.tr(Key::SearchContacts)
                    on:input=move |_| load(false)/>
            </form>
            <ErrorLine error/>
            <table class="report-table" data-test="contacts-table">
                <thead>
                    <tr>
                        <th>{move || i18n.tr(Key::Name)}</th>
                        <th>{move || i18n.tr(Key::Phone)}</th>
                        <th>{move || i18n.tr(Key::Email)}</th>
                        <th>{move || i18n.tr(Key::Company)}</th>
                        <th>{move || i18n.tr(Key::Identities)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <Show when=move || !loading.get() && contacts.with(Vec::is_empty)>
                <p class="muted">{move || i18n.tr(Key::NoContacts)}</p>
            </Show>
            <Show when=move || next.with(Option::is_some)>
                <button type="button" class="button" data-test="contacts-more"
                    disabled=move || loading.get() on:click=move |_| load(true)>
                    {move || i18n.tr(Key::LoadMore)}
                </button>
            </Show>
        </section>
    }
}
