//! The right-hand info panel of the open chat: linked deals, the contact, chat details
//! (dates, bot, channel, responsible, followers, tags), relations to tasks and projects, and
//! teammates' comments (live). Write controls only for those who may; the server decides.

mod comments;
mod deals;
mod details;
mod duplicates;
mod erase;
mod mentions;
mod relations;

use leptos::prelude::*;
use shared::api::chats::Chat;

use crate::api::http::ApiError;
use crate::components::back::BackButton;
use crate::i18n::{use_i18n, Key};
use crate::state::open_chat::use_open_chat;
use crate::state::session::SessionContext;

use comments::Comments;
use deals::Deals;
use details::ChatDetails;
use duplicates::DuplicateHint;
use erase::EraseCustomer;
use relations::Relations;

#[component]
pub fn Sidebar() -> impl IntoView {
    let open_chat = use_open_chat();
    let shown = Memo::new(move |_| {
        open_chat.chat.with(|chat| {
            chat.as_ref()
                .map(|chat| chat.with_untracked(|chat| chat.id))
        })
    });
    move || {
        shown
            .get()
            .and_then(|_| open_chat.chat.get_untracked())
            .map(|chat| view! { <Panel chat=RwSignal::from(chat)/> })
    }
}

#[component]
fn Panel(chat: RwSignal<Chat>) -> impl IntoView {
    let i18n = use_i18n();
    let open_chat = use_open_chat();
    view! {
        <aside class="info-panel" data-test="info-panel" aria-label=move || i18n.tr(Key::ChatInfo)>
            <div class="info-back-row">
                <BackButton href=format!("/chats/{}", chat.with_untracked(|chat| chat.id))
                    label=Key::BackToChat class="info-back" data_test="info-back"/>
            </div>
            <button type="button" class="icon-button info-close" data-test="info-close"
                aria-label=move || i18n.tr(Key::ToggleInfo)
                on:click=move |_| open_chat.info_visible.set(false)>
                "×"
            </button>
            <Deals chat/>
            <ContactCard chat_id=chat.with_untracked(|chat| chat.id)/>
            <ChatDetails chat/>
            <Relations chat/>
            <Comments chat/>
        </aside>
    }
}

/// A mutation's error, noted for session expiry and kept for display.
pub(super) fn failed(
    session: SessionContext,
    error: RwSignal<Option<ApiError>>,
    failure: ApiError,
) {
    session.note(&failure);
    error.set(Some(failure));
}

#[component]
fn ContactCard(chat_id: shared::Id) -> impl IntoView {
    let i18n = use_i18n();
    let open_chat = use_open_chat();
    move || {
        open_chat.extras.with(|extras| {
            extras.as_ref().map(|extras| {
                let contact = extras.contact.clone();
                let (contact_id, contact_name) = (contact.id, contact.name.clone());
                let rows = [
                    (
                        Key::Username,
                        contact.username.map(|name| format!("@{name}")),
                    ),
                    (Key::Phone, contact.phone),
                    (Key::Email, contact.email),
                    (Key::Company, contact.company),
                    (Key::Language, contact.language),
                    (Key::Country, contact.country),
                ]
                .into_iter()
                .filter_map(|(key, value)| value.map(|value| (key, value)))
                .map(|(key, value)| view! { <dt>{move || i18n.tr(key)}</dt><dd>{value}</dd> })
                .collect_view();
                view! {
                    <section class="panel-section" data-test="contact">
                        <h2>{move || i18n.tr(Key::Contact)}</h2>
                        <a class="contact-name" data-test="contact-name"
                            href=format!("/contacts/{contact_id}")>{contact.name}</a>
                        <dl class="facts">{rows}</dl>
                        <DuplicateHint contact_id/>
                        <EraseCustomer contact_id contact_name chat_id/>
                    </section>
                }
            })
        })
    }
}
