//! Quotes and reactions on a message: the quoted message above the text (a click jumps to
//! it and marks it), the reactions under it as chips (who reacted in each chip's title), and
//! the message's actions: "Reply" (the composer then quotes it) and a small reaction picker
//! offering a handful of emoji Telegram accepts. Viber has no reactions: the picker says so
//! instead. The server decides; this only asks.

use leptos::prelude::*;
use shared::api::chats::{Item, ItemBody, Message};
use shared::api::reactions::{display_emoji, Quote, Reaction, ReactionBy, COMMON_REACTIONS};
use shared::api::Channel;
use shared::Id;

use super::ViewControl;
use crate::api::http;
use crate::components::error_line::ErrorLine;
use crate::components::shortcuts::focus;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::open_chat::use_open_chat;
use crate::state::session::use_session;

/// The quoted message, above the quoting one's text.
#[component]
pub fn QuoteView(quote: Quote) -> impl IntoView {
    let i18n = use_i18n();
    let control = use_context::<ViewControl>();
    let Quote { item_id, text } = quote;
    let jump = move |_| {
        if let (Some(control), Some(id)) = (control, item_id) {
            control.jump.set(Some(id));
        }
    };
    match item_id {
        Some(id) => view! {
            <button
                type="button"
                class="msg-quote"
                data-test="message-quote"
                data-quoted-id=id
                title=move || i18n.tr(Key::ShowQuoted)
                on:click=jump
            >
                {text}
            </button>
        }
        .into_any(),
        None => view! {
            <div class="msg-quote msg-quote-unknown" data-test="message-quote">{text}</div>
        }
        .into_any(),
    }
}

/// One chip per emoji: the emoji, who chose it (names in the title).
#[component]
pub fn ReactionChips(reactions: Vec<Reaction>) -> impl IntoView {
    let i18n = use_i18n();
    let directory = use_directory();
    let open_chat = use_open_chat();
    let session = use_session();
    let me = session.user_id_untracked();
    let customer_name = move || {
        open_chat
            .chat
            .with_untracked(|chat| {
                chat.as_ref()
                    .map(|chat| chat.with_untracked(|c| c.contact_name.clone()))
            })
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| i18n.tr(Key::TheCustomer).to_owned())
    };
    let mut groups: Vec<(String, Vec<ReactionBy>)> = Vec::new();
    for reaction in reactions {
        match groups
            .iter_mut()
            .find(|(emoji, _)| *emoji == reaction.emoji)
        {
            Some((_, by)) => by.push(reaction.by),
            None => groups.push((reaction.emoji, vec![reaction.by])),
        }
    }
    let chips = groups
        .into_iter()
        .map(|(emoji, by)| {
            let names: Vec<String> = by
                .iter()
                .map(|who| match who.user_id() {
                    Some(id) => directory.user_name(id),
                    None => customer_name(),
                })
                .collect();
            let mine = by
                .iter()
                .any(|who| who.user_id().is_some() && who.user_id() == me);
            let from_customer = by.iter().any(|who| who.user_id().is_none());
            let who = names.join(", ");
            let title = who.clone();
            view! {
                <span
                    class="reaction-chip"
                    class:mine=mine
                    class:customer=from_customer
                    data-test="reaction"
                    data-emoji=emoji.clone()
                    title=title
                >
                    <span aria-hidden="true">{display_emoji(&emoji)}</span>
                    " "
                    <span class="reaction-who">{who}</span>
                </span>
            }
        })
        .collect_view();
    view! { <div class="msg-reactions" data-test="message-reactions">{chips}</div> }
}

/// "Reply" and the reaction picker of one message (for those who may write).
#[component]
pub fn MessageActions(id: Id, chat_id: Id, at: String, message: Message) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let open_chat = use_open_chat();
    let picker_open = RwSignal::new(false);
    let error = RwSignal::new(None);
    let channel = open_chat
        .chat
        .with_untracked(|chat| chat.as_ref().map(|chat| chat.with_untracked(|c| c.channel)));
    let unavailable = match channel {
        Some(Channel::Viber) => Some(Key::ReactionsUnavailableViber),
        Some(Channel::Api) => Some(Key::ReactionsUnavailableApi),
        _ => None,
    };
    let me = session.user_id_untracked();
    let my_reaction = message
        .reactions
        .iter()
        .find(|reaction| me.is_some() && reaction.by.user_id() == me)
        .map(|reaction| reaction.emoji.clone());
    let quoted = Item {
        id,
        chat_id,
        at,
        body: ItemBody::Message(message),
    };

    let react = Action::new_local(move |emoji: &Option<String>| {
        let emoji = emoji.clone();
        async move { http::set_reaction(chat_id, id, emoji).await }
    });
    Effect::new(move || match react.value().get() {
        Some(Ok(item)) => {
            error.set(None);
            open_chat.put_item(item);
        }
        Some(Err(failure)) => {
            session.note(&failure);
            error.set(Some(failure));
        }
        None => {}
    });
    let my_reaction = StoredValue::new(my_reaction);
    let choose = move |emoji: &str| {
        picker_open.set(false);
        // Choosing one's own reaction again takes it back.
        let again = my_reaction.with_value(|mine| mine.as_deref() == Some(emoji));
        react.dispatch((!again).then(|| emoji.to_owned()));
    };

    let options = move || {
        COMMON_REACTIONS
            .iter()
            .map(|emoji| {
                let emoji = *emoji;
                view! {
                    <button
                        type="button"
                        class="reaction-option"
                        data-test="reaction-option"
                        aria-label=emoji
                        title=emoji
                        on:click=move |_| choose(emoji)
                    >
                        {display_emoji(emoji)}
                    </button>
                }
            })
            .collect_view()
    };

    let picker = if let Some(unavailable) = unavailable {
        view! {
            <button
                type="button"
                class="link-button msg-action"
                data-test="message-react"
                disabled=true
                title=move || i18n.tr(unavailable)
                aria-label=move || i18n.tr(unavailable)
            >
                {move || i18n.tr(unavailable)}
            </button>
        }
        .into_any()
    } else {
        view! {
            <button
                type="button"
                class="link-button msg-action"
                data-test="message-react"
                aria-expanded=move || picker_open.get().to_string()
                disabled=move || react.pending().get()
                on:click=move |_| picker_open.update(|open| *open = !*open)
            >
                {move || i18n.tr(Key::React)}
            </button>
            <Show when=move || picker_open.get()>
                <div
                    class="reaction-picker"
                    role="group"
                    data-test="reaction-picker"
                    aria-label=move || i18n.tr(Key::ChooseReaction)
                >
                    {options}
                </div>
            </Show>
        }
        .into_any()
    };

    session.can_write().then(|| {
        view! {
            <div class="msg-actions">
                <button
                    type="button"
                    class="link-button msg-action"
                    data-test="message-reply"
                    on:click=move |_| {
                        open_chat.quoting.set(Some(quoted.clone()));
                        // The cursor goes where the quote now waits.
                        focus("composer");
                    }
                >
                    {move || i18n.tr(Key::Reply)}
                </button>
                {picker}
                <ErrorLine error/>
            </div>
        }
    })
}

/// The quote bar above the composer: what the next reply quotes, with × to cancel.
#[component]
pub fn QuoteBar() -> impl IntoView {
    let i18n = use_i18n();
    let open_chat = use_open_chat();
    move || {
        open_chat.quoting.get().map(|item| {
            let text = quoted_text(&item);
            view! {
                <div class="quote-bar" data-test="quote-bar">
                    <span class="muted">{move || i18n.tr(Key::ReplyingTo)}</span>
                    <span class="quote-bar-text" data-test="quote-bar-text">{text}</span>
                    <button
                        type="button"
                        class="button button-quiet"
                        data-test="quote-cancel"
                        aria-label=move || i18n.tr(Key::CancelReply)
                        title=move || i18n.tr(Key::CancelReply)
                        on:click=move |_| open_chat.quoting.set(None)
                    >
                        "×"
                    </button>
                </div>
            }
        })
    }
}

/// A message as a quote shows it: its text, or its kind ("[photo]").
pub fn quoted_text(item: &Item) -> String {
    match item.message() {
        Some(message) => match message.text.as_deref().filter(|text| !text.is_empty()) {
            Some(text) => text.to_owned(),
            None => format!("[{}]", message.content_kind),
        },
        None => String::new(),
    }
}
