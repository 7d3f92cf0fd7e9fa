//! The reply box: Enter sends, Shift+Enter starts a new line; the paper clip attaches one file,
//! sent with the text as its caption. The half-written text is kept per chat in local storage,
//! so neither a reload nor an expired session loses it (a chosen file is not kept). Typing "/"
//! at the start opens the canned-reply picker (`canned.rs`).

use std::time::Duration;

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use shared::ws::ClientMsg;
use shared::Id;

use super::canned::{CannedMenu, CannedPicker};
use super::quotes::QuoteBar;
use crate::api::http;
use crate::api::ws::Socket;
use crate::components::error_line::ErrorLine;
use crate::i18n::{use_i18n, Key};
use crate::state::inbox::use_inbox;
use crate::state::open_chat::use_open_chat;
use crate::state::session::use_session;
use crate::state::stored;

/// How often "typing" is told to teammates at most.
const TYPING_EVERY_MS: f64 = 3000.0;

#[component]
pub fn Composer(chat_id: Id) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let inbox = use_inbox();
    let open_chat = use_open_chat();
    let socket = use_context::<Socket>();

    let text = RwSignal::new(stored::draft(chat_id));
    let menu = CannedMenu::new(chat_id, text);
    // A browser `File` is not `Send`: it lives in local (this-thread) storage.
    let file = RwSignal::new_local(None::<web_sys::File>);
    let last_typing = StoredValue::new(0.0_f64);
    let sent_body = StoredValue::new(String::new());
    let sent_file = StoredValue::new_local(None::<web_sys::File>);
    let input_ref = NodeRef::<leptos::html::Textarea>::new();
    let file_ref = NodeRef::<leptos::html::Input>::new();

    let sent_quote = StoredValue::new(None::<shared::api::chats::Item>);
    type Outgoing = (String, Option<web_sys::File>, Option<Id>);
    let send = Action::new_local(move |(body, file, reply_to): &Outgoing| {
        let (body, file, reply_to) = (body.clone(), file.clone(), *reply_to);
        async move {
            match file {
                Some(file) => http::send_file(chat_id, body, file).await,
                None => http::send_reply(chat_id, body, reply_to).await,
            }
        }
    });
    let error = RwSignal::new(None);
    Effect::new(move || match send.value().get() {
        Some(Ok(item)) => {
            error.set(None);
            open_chat.at_bottom.set(true);
            inbox.message_added(&item, false);
            open_chat.put_item(item);
        }
        Some(Err(failure)) => {
            // Give the unsent text back, unless something new was typed meanwhile.
            if text.get_untracked().is_empty() {
                let body = sent_body.get_value();
                stored::save_draft(chat_id, &body);
                text.set(body);
            }
            if file.with_untracked(Option::is_none) {
                file.set(sent_file.get_value());
            }
            if open_chat.quoting.with_untracked(Option::is_none) {
                open_chat.quoting.set(sent_quote.get_value());
            }
            session.note(&failure);
            error.set(Some(failure));
        }
        None => {}
    });

    let clear_file = move || {
        file.set(None);
        if let Some(input) = file_ref.get_untracked() {
            input.set_value("");
        }
    };

    let submit = move || {
        let body = text.get_untracked();
        let chosen = file.get_untracked();
        if (body.trim().is_empty() && chosen.is_none()) || send.pending().get_untracked() {
            return;
        }
        sent_body.set_value(body.clone());
        sent_file.set_value(chosen.clone());
        let quoting = open_chat.quoting.get_untracked();
        let reply_to = quoting.as_ref().map(|item| item.id);
        sent_quote.set_value(quoting);
        open_chat.quoting.set(None);
        menu.unknown.set(Vec::new());
        clear_file();
        // Cleared at once (and in the stored draft): the chat view may be
        // rebuilt by the live update of this very reply before its answer comes.
        text.set(String::new());
        stored::save_draft(chat_id, "");
        send.dispatch((body, chosen, reply_to));
    };

    let on_file_chosen = move |event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        file.set(input.files().and_then(|files| files.get(0)));
    };

    let on_input = move |event| {
        let value = event_target_value(&event);
        stored::save_draft(chat_id, &value);
        text.set(value);
        let now = js_sys::Date::now();
        if now - last_typing.get_value() > TYPING_EVERY_MS {
            last_typing.set_value(now);
            if let Some(socket) = socket {
                socket.send(&ClientMsg::Typing { chat_id });
            }
        }
    };

    let on_keydown = move |event: KeyboardEvent| {
        if menu.on_key(&event) {
            return;
        }
        if event.key() == "Escape" && open_chat.quoting.with_untracked(Option::is_some) {
            event.prevent_default();
            open_chat.quoting.set(None);
            return;
        }
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            submit();
        }
    };

    // Focus the box when the chat opens (not on phones, where it would pop the keyboard),
    // unless the user already went to another field meanwhile (the search box, say): the
    // keys they type must land where they are typing.
    Effect::new(move |_| {
        if let Some(input) = input_ref.get() {
            let wide = window()
                .inner_width()
                .ok()
                .and_then(|w| w.as_f64())
                .unwrap_or(0.0)
                > 720.0;
            if wide {
                set_timeout(
                    move || {
                        let document = document();
                        let elsewhere = document
                            .active_element()
                            .is_some_and(|active| Some(&active) != document.body().as_deref());
                        if !elsewhere {
                            _ = input.focus();
                        }
                    },
                    Duration::from_millis(50),
                );
            }
        }
    });

    view! {
        <form
            class="composer"
            on:submit=move |event| {
                event.prevent_default();
                submit();
            }
        >
            <ErrorLine error/>
            <CannedPicker menu/>
            <QuoteBar/>
            {move || {
                file.with(|chosen| {
                    chosen.as_ref().map(|chosen| {
                        view! {
                            <p class="composer-file" data-test="composer-file-name">
                                "📎 "
                                {chosen.name()}
                                <button
                                    type="button"
                                    class="button button-quiet"
                                    data-test="composer-file-remove"
                                    aria-label=move || i18n.tr(Key::RemoveFile)
                                    title=move || i18n.tr(Key::RemoveFile)
                                    on:click=move |_| clear_file()
                                >
                                    "×"
                                </button>
                            </p>
                        }
                    })
                })
            }}
            <div class="composer-row">
                <label
                    class="button composer-attach"
                    data-test="composer-attach"
                    title=move || i18n.tr(Key::AttachFile)
                >
                    "📎"
                    <span class="sr-only">{move || i18n.tr(Key::AttachFile)}</span>
                    <input
                        type="file"
                        class="sr-only"
                        node_ref=file_ref
                        data-test="composer-file"
                        on:change=on_file_chosen
                    />
                </label>
                <textarea
                    node_ref=input_ref
                    rows="2"
                    data-test="composer"
                    aria-label=move || i18n.tr(Key::ReplyLabel)
                    placeholder=move || i18n.tr(Key::ReplyPlaceholder)
                    prop:value=move || text.get()
                    on:input=on_input
                    on:keydown=on_keydown
                ></textarea>
                <button
                    type="submit"
                    class="button button-primary"
                    data-test="composer-send"
                    disabled=move || {
                        send.pending().get()
                            || (text.with(|t| t.trim().is_empty()) && file.with(Option::is_none))
                    }
                >
                    {move || if send.pending().get() { i18n.tr(Key::Sending) } else { i18n.tr(Key::Send) }}
                </button>
            </div>
            <p class="composer-hint muted">{move || i18n.tr(Key::ComposerHint)}</p>
        </form>
    }
}
