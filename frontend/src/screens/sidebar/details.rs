//! Chat details: dates, source bot, channel, referral, the responsible manager, followers
//! and tags.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::Chat;

use super::failed;
use crate::api::http;
use crate::components::error_line::ErrorLine;
use crate::components::people::{AssignSelect, FollowersEditor};
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::inbox::use_inbox;
use crate::state::session::use_session;

#[component]
pub fn ChatDetails(chat: RwSignal<Chat>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = chat.with_untracked(|chat| chat.id);
    let can_write = Signal::derive(move || session.can_write());
    let started = move || chat.with(|chat| format::day_time(i18n.lang(), &chat.started_at));
    let last = move || chat.with(|chat| format::day_time(i18n.lang(), &chat.last_message_at));
    let bot = move || chat.with(|chat| chat.integration_name.clone());
    let channel = move || chat.with(|chat| chat.channel.as_str());
    let referral = move || chat.with(|chat| chat.referral.clone());

    view! {
        <section class="panel-section" data-test="chat-details">
            <h2>{move || i18n.tr(Key::ChatDetails)}</h2>
            <dl class="facts">
                <dt>{move || i18n.tr(Key::Started)}</dt><dd data-test="chat-started">{started}</dd>
                <dt>{move || i18n.tr(Key::LastMessage)}</dt><dd data-test="chat-last-message">{last}</dd>
                <dt>{move || i18n.tr(Key::SourceBot)}</dt><dd data-test="chat-bot">{bot}</dd>
                <dt>{move || i18n.tr(Key::Channel)}</dt><dd class="capitalize" data-test="chat-channel">{channel}</dd>
                {move || referral().map(|referral| view! {
                    <dt>{move || i18n.tr(Key::Referral)}</dt><dd>{referral}</dd>
                })}
            </dl>
            <AssignSelect
                chat_id=id
                assignee=Signal::derive(move || chat.with(|chat| chat.assignee_id))
                enabled=can_write
                test="sidebar-assign-select"
            />
            <FollowersEditor
                chat_id=id
                followers=Signal::derive(move || chat.with(|chat| chat.follower_ids.clone()))
                enabled=can_write
                test="sidebar-followers-editor"
            />
            <TagsEditor chat can_write/>
        </section>
    }
}

#[component]
fn TagsEditor(chat: RwSignal<Chat>, can_write: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let inbox = use_inbox();
    let id = chat.with_untracked(|chat| chat.id);
    let input = RwSignal::new(String::new());
    let error = RwSignal::new(None);
    let saving = RwSignal::new(false);

    let save = move |tags: Vec<String>| {
        saving.set(true);
        spawn_local(async move {
            let answer = http::set_tags(id, tags).await;
            saving.set(false);
            match answer {
                Ok(updated) => {
                    error.set(None);
                    inbox.upsert(updated, true);
                }
                Err(failure) => failed(session, error, failure),
            }
        });
    };

    let add = move || {
        let tag = input.get_untracked().trim().to_owned();
        if tag.is_empty() {
            return;
        }
        let mut tags = chat.with_untracked(|chat| chat.tags.clone());
        if !tags.contains(&tag) {
            tags.push(tag);
            save(tags);
        }
        input.set(String::new());
    };

    let chips = move || {
        chat.with(|chat| chat.tags.clone())
            .into_iter()
            .map(|tag| {
                let removed = tag.clone();
                view! {
                    <li class="tag" data-test="tag">
                        <span>{tag.clone()}</span>
                        <Show when=move || can_write.get()>
                            <TagRemove tag=removed.clone() chat saving save/>
                        </Show>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <div class="tags-editor" data-test="tags-editor">
            <span class="label">{move || i18n.tr(Key::Tags)}</span>
            <ul class="tags">{chips}</ul>
            <Show when=move || chat.with(|chat| chat.tags.is_empty())>
                <span class="muted">{move || i18n.tr(Key::NoTags)}</span>
            </Show>
            <Show when=move || can_write.get()>
                <form class="inline-form" on:submit=move |event| { event.prevent_default(); add(); }>
                    <input type="text" data-test="tag-input" bind:value=input
                        aria-label=move || i18n.tr(Key::AddTag) placeholder=move || i18n.tr(Key::AddTag)/>
                    <button type="submit" class="button button-small" data-test="tag-add" disabled=move || saving.get()>
                        {move || i18n.tr(Key::Add)}
                    </button>
                </form>
            </Show>
            <ErrorLine error/>
        </div>
    }
}

#[component]
fn TagRemove(
    tag: String,
    chat: RwSignal<Chat>,
    saving: RwSignal<bool>,
    save: impl Fn(Vec<String>) + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let label = tag.clone();
    view! {
        <button type="button" class="tag-remove" data-test="tag-remove"
            aria-label=move || i18n.fill(Key::RemoveTag, &[("tag", label.clone())])
            disabled=move || saving.get()
            on:click=move |_| {
                let tags = chat.with_untracked(|chat| {
                    chat.tags.iter().filter(|other| **other != tag).cloned().collect()
                });
                save(tags);
            }>
            "×"
        </button>
    }
}
