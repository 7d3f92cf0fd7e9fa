//! Teammates' internal comments on the chat (live through `comment_added`), and adding one;
//! "@" in the box mentions a teammate (`mentions.rs`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::Chat;

use super::failed;
use super::mentions::{CommentText, MentionMenu, MentionPicker};
use crate::api::http;
use crate::components::error_line::ErrorLine;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::open_chat::{use_open_chat, OpenChat};
use crate::state::session::use_session;

#[component]
pub fn Comments(chat: RwSignal<Chat>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let open_chat: OpenChat = use_open_chat();
    let id = chat.with_untracked(|chat| chat.id);
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None);
    let sending = RwSignal::new(false);
    let mentions = MentionMenu::new(chat, text);

    let submit = move || {
        let body = text.get_untracked().trim().to_owned();
        if body.is_empty() || sending.get_untracked() {
            return;
        }
        sending.set(true);
        let mention_ids = mentions.mention_ids();
        spawn_local(async move {
            let answer = http::add_comment(id, body, mention_ids).await;
            sending.set(false);
            match answer {
                Ok(comment) => {
                    error.set(None);
                    text.set(String::new());
                    mentions.reset();
                    open_chat.put_comment(comment);
                }
                Err(failure) => failed(session, error, failure),
            }
        });
    };

    view! {
        <section class="panel-section" data-test="comments">
            <h2>{move || i18n.tr(Key::Comments)}</h2>
            <ul class="comments">
                <For each=move || open_chat.comments.get() key=|comment| comment.id
                    children=move |comment| {
                        let at = comment.at.clone();
                        let mention_ids = comment.mention_ids.clone();
                        view! {
                            <li class="comment" data-test="comment" data-comment-id=comment.id>
                                <div class="comment-head">
                                    <strong>{move || directory.user_name(comment.author_id)}</strong>
                                    <time class="muted">{move || format::day_time(i18n.lang(), &at)}</time>
                                </div>
                                <p class="comment-text"><CommentText text=comment.text.clone() mention_ids/></p>
                            </li>
                        }
                    }/>
            </ul>
            <Show when=move || open_chat.comments.with(Vec::is_empty)>
                <p class="muted">{move || i18n.tr(Key::NoComments)}</p>
            </Show>
            <Show when=move || session.can_write()>
                <form class="comment-form" on:submit=move |event| { event.prevent_default(); submit(); }>
                    <textarea rows="2" data-test="comment-input" bind:value=text
                        aria-label=move || i18n.tr(Key::AddComment) placeholder=move || i18n.tr(Key::CommentPlaceholder)
                        aria-expanded=move || mentions.is_open().to_string()
                        on:keydown=move |event| {
                            if mentions.on_key(&event) {
                                return;
                            }
                            if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
                                event.prevent_default();
                                submit();
                            }
                        }></textarea>
                    <MentionPicker menu=mentions/>
                    <button type="submit" class="button button-small" data-test="comment-submit"
                        disabled=move || sending.get() || text.with(|t| t.trim().is_empty())>
                        {move || i18n.tr(Key::AddComment)}
                    </button>
                </form>
            </Show>
            <ErrorLine error/>
        </section>
    }
}
