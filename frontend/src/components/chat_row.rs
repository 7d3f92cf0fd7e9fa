//! One chat in a list (inbox groups, archive): customer, messenger, bot, last message, time,
//! assignee, unread badge. Reads the chat's own signal, so an update re-renders this row only.

use leptos::prelude::*;
use shared::api::chats::{Chat, ChatStatus};

use crate::components::icons::ChannelIcon;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;

#[component]
pub fn ChatRow(chat: ArcRwSignal<Chat>, #[prop(into)] active: Signal<bool>) -> impl IntoView {
    let chat = RwSignal::from(chat);
    let i18n = use_i18n();
    let directory = use_directory();
    let (id, channel) = chat.with_untracked(|chat| (chat.id, chat.channel));

    let name = move || chat.with(|chat| chat.contact_name.clone());
    let initial = move || {
        chat.with(|chat| {
            chat.contact_name
                .chars()
                .next()
                .map(|c| c.to_uppercase().collect::<String>())
                .unwrap_or_else(|| "?".into())
        })
    };
    let preview = move || chat.with(|chat| chat.last_message_preview.clone().unwrap_or_default());
    let time = move || chat.with(|chat| format::short(i18n.lang(), &chat.last_message_at));
    let full_time = move || chat.with(|chat| format::day_time(i18n.lang(), &chat.last_message_at));
    let assignee = move || match chat.with(|chat| chat.assignee_id) {
        Some(user) => directory.user_name(user),
        None => i18n.tr(Key::Unassigned).to_owned(),
    };
    let unread = move || chat.with(|chat| chat.unread_count);
    let closed = move || chat.with(|chat| chat.status == ChatStatus::Closed);
    let waiting = move || {
        chat.with(|chat| chat.waiting_since.clone()).map(|since| {
            let minutes = format::minutes_since(&since);
            i18n.fill(Key::WaitingFor, &[("minutes", minutes.to_string())])
        })
    };

    view! {
        <a
            class="chat-row"
            class:active=move || active.get()
            class:unread=move || chat.with(|chat| chat.unread_count > 0)
            href=format!("/chats/{id}")
            data-test="chat-row"
            data-chat-id=id
            aria-current=move || active.get().then_some("page")
        >
            <span class="avatar" aria-hidden="true">{initial}</span>
            <span class="chat-row-main">
                <span class="chat-row-line">
                    <span class="chat-row-name" data-test="chat-row-name">{name}</span>
                    <ChannelIcon channel/>
                    <time class="chat-row-time" title=full_time data-test="chat-row-time">{time}</time>
                </span>
                <span class="chat-row-line">
                    <span class="chat-row-preview" data-test="chat-row-preview">{preview}</span>
                    <Show when=move || { unread() > 0 }>
                        <span class="badge" data-test="chat-row-unread"
                            aria-label=move || format!("{} {}", unread(), i18n.tr(Key::UnreadMessages))>
                            {unread}
                        </span>
                    </Show>
                </span>
                <span class="chat-row-line chat-row-meta">
                    <span class="chat-row-bot" data-test="chat-row-bot">
                        {move || chat.with(|chat| chat.integration_name.clone())}
                    </span>
                    <Show when=closed>
                        <span class="pill">{move || i18n.tr(Key::StatusClosed)}</span>
                    </Show>
                    {move || waiting().map(|text| view! {
                        <span class="pill pill-warn" data-test="chat-row-waiting">{text}</span>
                    })}
                    <span class="chat-row-assignee" data-test="chat-row-assignee">{assignee}</span>
                </span>
            </span>
        </a>
    }
}
