//! The reply box: Enter sends, Shift+Enter starts a new line. The half-written text is kept
//! per chat in local storage, so neither a reload nor an expired session loses it.

use std::time::Duration;

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use shared::ws::ClientMsg;
use shared::Id;

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
    let last_typing = StoredValue::new(0.0_f64);
    let sent_body = StoredValue::new(String::new());
    let input_ref = NodeRef::<leptos::html::Textarea>::new();

    let send = Action::new_local(move |body: &String| http::send_reply(chat_id, body.clone()));
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
            session.note(&failure);
            error.set(Some(failure));
        }
        None => {}
    });

    let submit = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() || send.pending().get_untracked() {
            return;
        }
        sent_body.set_value(body.clone());
        // Cleared at once (and in the stored draft): the chat view may be
        // rebuilt by the live update of this very reply before its answer comes.
        text.set(String::new());
        stored::save_draft(chat_id, "");
        send.dispatch(body);
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
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            submit();
        }
    };

    // Focus the box when the chat opens (not on phones, where it would pop the keyboard).
    Effect::new(move |_| {
        if let Some(input) = input_ref.get() {
            let wide = window()
                .inner_width()
                .ok()
                .and_then(|w| w.as_f64())
                .unwrap_or(0.0)
                > 720.0;
            if wide {
                set_timeout(move || _ = input.focus(), Duration::from_millis(50));
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
            <div class="composer-row">
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
                    disabled=move || send.pending().get() || text.with(|t| t.trim().is_empty())
                >
                    {move || if send.pending().get() { i18n.tr(Key::Sending) } else { i18n.tr(Key::Send) }}
                </button>
            </div>
            <p class="composer-hint muted">{move || i18n.tr(Key::ComposerHint)}</p>
        </form>
    }
}
