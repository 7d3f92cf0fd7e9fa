//! One contact: editable fields (name, phone, e-mail, company, notes), who they are on each
//! messenger, links to their chats and deals, and possible duplicates (same phone or e-mail),
//! each mergeable after a preview of what moves. Followers read; the server decides.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::api::crm::{Contact, Deal, UpdateContact};
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

/// The contact's fields as the form edits them.
#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    phone: RwSignal<String>,
    email: RwSignal<String>,
    company: RwSignal<String>,
    notes: RwSignal<String>,
}

impl Form {
    fn new() -> Self {
        Form {
            name: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            company: RwSignal::new(String::new()),
            notes: RwSignal::new(String::new()),
        }
    }

    fn fill(&self, contact: &Contact) {
        self.name.set(contact.name.clone());
        self.phone.set(contact.phone.clone().unwrap_or_default());
        self.email.set(contact.email.clone().unwrap_or_default());
        self.company
            .set(contact.company.clone().unwrap_or_default());
        self.notes.set(contact.notes.clone().unwrap_or_default());
    }

    /// Every field, an empty one as `null` (cleared).
    fn change(&self) -> UpdateContact {
        let optional = |signal: RwSignal<String>| {
            let value = signal.get_untracked();
            Some((!value.trim().is_empty()).then_some(value))
        };
        UpdateContact {
            name: Some(self.name.get_untracked()),
            phone: optional(self.phone),
            email: optional(self.email),
            company: optional(self.company),
            notes: optional(self.notes),
        }
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|params| params.get("id").and_then(|id| id.parse::<Id>().ok()))
    });
    let contact = RwSignal::new(None::<Contact>);
    let deals = RwSignal::new(Vec::<Deal>::new());
    let duplicates = RwSignal::new(Vec::<Contact>::new());
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<Key>);
    let busy = RwSignal::new(false);
    let form = Form::new();

    let show = move |found: Contact| {
        form.fill(&found);
        contact.set(Some(found));
    };
    let fail = move |failure: ApiError| {
        session.note(&failure);
        error.set(Some(failure));
    };
    let reload = move |id: Id| {
        spawn_local(async move {
            match http::contact(id).await {
                Ok(found) => {
                    error.set(None);
                    show(found);
                }
                Err(failure) => fail(failure),
            }
            if let Ok(page) = http::deals(&[("contact_id", id.to_string())], None).await {
                deals.set(page.items);
            }
            match http::contact_duplicates(id).await {
                Ok(found) => duplicates.set(found),
                Err(failure) => fail(failure),
            }
        });
    };
    Effect::new(move |_| {
        if let Some(id) = id.get() {
            notice.set(None);
            reload(id);
        }
    });

    let save = move || {
        let Some(id) = id.get_untracked() else { return };
        let change = form.change();
        busy.set(true);
        spawn_local(async move {
            let answer = http::update_contact(id, &change).await;
            busy.set(false);
            match answer {
                Ok(saved) => {
                    error.set(None);
                    notice.set(Some(Key::Saved));
                    show(saved);
                    if let Ok(found) = http::contact_duplicates(id).await {
                        duplicates.set(found);
                    }
                }
                Err(failure) => fail(failure),
            }
        });
    };
    let merge = move |other_id: Id| {
        let Some(id) = id.get_untracked() else { return };
        busy.set(true);
        spawn_local(async move {
            let answer = http::merge_contacts(id, other_id).await;
            busy.set(false);
            match answer {
                Ok(_) => {
                    notice.set(Some(Key::Merged));
                    reload(id);
                }
                Err(failure) => fail(failure),
            }
        });
    };

    let can_write = move || session.can_write();
    let field = move |key: Key, test: &'static str, value: RwSignal<String>| {
        view! {
            <label class="field">
                <span>{move || i18n.tr(key)}</span>
                <input type="text" data-test=test bind:value=value disabled=move || !can_write()/>
            </label>
        }
    };

    view! {
        <section class="page contact-page" data-test="contact-page">
            <a href="/contacts" class="link-button">{move || i18n.tr(Key::BackToContacts)}</a>
            <ErrorLine error/>
            {move || notice.get().map(|key| view! {
                <p class="notice" data-test="contact-notice">{move || i18n.tr(key)}</p>
            })}
            {move || contact.get().map(|found| view! {
                <header class="page-header">
                    <h1 data-test="contact-title">{found.name.clone()}</h1>
                </header>
            })}
            <form class="contact-form" data-test="contact-form" on:submit=move |event| {
                event.prevent_default();
                save();
            }>
                {field(Key::Name, "contact-name-input", form.name)}
                {field(Key::Phone, "contact-phone-input", form.phone)}
                {field(Key::Email, "contact-email-input", form.email)}
                {field(Key::Company, "contact-company-input", form.company)}
                <label class="field">
                    <span>{move || i18n.tr(Key::Notes)}</span>
                    <textarea data-test="contact-notes-input" bind:value=form.notes
                        disabled=move || !can_write()></textarea>
                </label>
                <Show when=can_write>
                    <button type="submit" class="button" data-test="contact-save"
                        disabled=move || busy.get()>
                        {move || i18n.tr(Key::Save)}
                    </button>
                </Show>
            </form>
            {move || contact.get().map(|found| view! { <Links contact=found deals=deals.get()/> })}
            <Duplicates duplicates contact busy merge/>
        </section>
    }
}

/// Identities per messenger, chats and deals.
#[component]
fn Links(contact: Contact, deals: Vec<Deal>) -> impl IntoView {
    let i18n = use_i18n();
    let directory = use_directory();
    let identities = contact
        .identities
        .into_iter()
        .map(|identity| {
            let bot = identity
                .integration_id
                .and_then(|id| {
                    directory.integrations.with(|all| {
                        all.iter()
                            .find(|integration| integration.id == id)
                            .map(|integration| integration.name.clone())
                    })
                })
                .unwrap_or_default();
            view! {
                <li data-test="identity" data-channel=identity.channel.as_str()>
                    <strong>{format::channel_name(identity.channel)}</strong>
                    " · " {identity.name} " · " <code>{identity.external_id}</code>
                    {(!bot.is_empty()).then(|| view! { " · " {bot} })}
                </li>
            }
        })
        .collect_view();
    let chats = contact
        .chat_ids
        .into_iter()
        .map(|chat_id| {
            view! {
                <li>
                    <a href=format!("/chats/{chat_id}") data-test="contact-chat">
                        {move || i18n.fill(Key::OpenChat, &[("id", chat_id.to_string())])}
                    </a>
                </li>
            }
        })
        .collect_view();
    let no_deals = deals.is_empty();
    let deals = deals
        .into_iter()
        .map(|deal| {
            let href = deal
                .chat_id
                .map(|chat_id| format!("/chats/{chat_id}"))
                .unwrap_or_else(|| "/deals".to_owned());
            view! {
                <li>
                    <a href=href data-test="contact-deal">{deal.title}</a>
                    " · " {deal.stage_name}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="contact-links">
            <section data-test="contact-identities">
                <h2>{move || i18n.tr(Key::Identities)}</h2>
                <ul>{identities}</ul>
            </section>
            <section data-test="contact-chats">
                <h2>{move || i18n.tr(Key::ContactChats)}</h2>
                <ul>{chats}</ul>
            </section>
            <section data-test="contact-deals">
                <h2>{move || i18n.tr(Key::ContactDeals)}</h2>
                <ul>{deals}</ul>
                {no_deals.then(|| view! { <p class="muted">{move || i18n.tr(Key::NoContactDeals)}</p> })}
            </section>
        </div>
    }
}

/// Possible duplicates, each with "Merge": a preview of what moves, then "Confirm merge".
#[component]
fn Duplicates(
    duplicates: RwSignal<Vec<Contact>>,
    contact: RwSignal<Option<Contact>>,
    busy: RwSignal<bool>,
    merge: impl Fn(Id) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let previewing = RwSignal::new(None::<Id>);
    let rows = move || {
        duplicates
            .get()
            .into_iter()
            .map(|other| {
                let other_id = other.id;
                let preview = i18n.fill(
                    Key::MergePreview,
                    &[
                        ("name", other.name.clone()),
                        ("identities", other.identities.len().to_string()),
                        ("chats", other.chat_ids.len().to_string()),
                        ("deals", other.deal_ids.len().to_string()),
                    ],
                );
                let detail = [other.phone.clone(), other.email.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                view! {
                    <li class="duplicate" data-test="duplicate" data-id=other_id>
                        <a href=format!("/contacts/{other_id}")>{other.name.clone()}</a>
                        " " <span class="muted">{detail}</span>
                        <Show when=move || session.can_write() && previewing.get() != Some(other_id)>
                            <button type="button" class="button button-small" data-test="merge"
                                on:click=move |_| previewing.set(Some(other_id))>
                                {move || i18n.tr(Key::Merge)}
                            </button>
                        </Show>
                        <Show when=move || previewing.get() == Some(other_id)>
                            <div class="merge-preview" data-test="merge-preview">
                                <p>{preview.clone()}</p>
                                <button type="button" class="button button-primary" data-test="merge-confirm"
                                    disabled=move || busy.get()
                                    on:click=move |_| {
                                        previewing.set(None);
                                        merge(other_id);
                                    }>
                                    {move || i18n.tr(Key::ConfirmMerge)}
                                </button>
                                <button type="button" class="link-button"
                                    on:click=move |_| previewing.set(None)>
                                    {move || i18n.tr(Key::Cancel)}
                                </button>
                            </div>
                        </Show>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="contact-duplicates" data-test="contact-duplicates">
            <h2>{move || i18n.tr(Key::PossibleDuplicates)}</h2>
            <ul>{rows}</ul>
            <Show when=move || contact.with(Option::is_some) && duplicates.with(Vec::is_empty)>
                <p class="muted">{move || i18n.tr(Key::NoDuplicates)}</p>
            </Show>
        </section>
    }
}
