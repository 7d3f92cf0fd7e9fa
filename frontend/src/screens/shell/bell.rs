//! The bell in the top bar: the unread count of the user's notifications and
//! a panel listing them in plain words, unread ones marked. A click opens the
//! chat and marks that notification read; "Mark all as read". Live.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use shared::api::notifications::{Notification, NotificationKind};
use shared::Id;

use crate::api::http;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::inbox::use_inbox;
use crate::state::notifications::use_notifications;
use crate::state::session::use_session;

#[component]
pub fn Bell() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let notifications = use_notifications();
    let inbox = use_inbox();
    let open = RwSignal::new(false);
    // Customers' names of chats the inbox does not hold, fetched once each.
    let names: RwSignal<HashMap<Id, String>> = RwSignal::new(HashMap::new());

    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let wanted: Vec<Id> = notifications.items.with(|items| {
            let mut ids: Vec<Id> = items.iter().map(|n| n.chat_id).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        });
        for chat_id in wanted {
            if names.with_untracked(|names| names.contains_key(&chat_id)) {
                continue;
            }
            if let Some(chat) = inbox.chat(chat_id) {
                let name = chat.with_untracked(|chat| chat.contact_name.clone());
                names.update(|names| {
                    names.insert(chat_id, name);
                });
                continue;
            }
            names.update(|names| {
                names.insert(chat_id, format!("#{chat_id}"));
            });
            spawn_local(async move {
                if let Ok(detail) = http::chat(chat_id).await {
                    names.update(|names| {
                        names.insert(chat_id, detail.chat.contact_name.clone());
                    });
                }
            });
        }
    });

    let count = move || notifications.unread.get();
    let label = move || i18n.fill(Key::NotificationsUnread, &[("count", count().to_string())]);
    view! {
        <div class="bell" data-test="bell"
            on:keydown=move |event| if event.key() == "Escape" { open.set(false) }>
            <button type="button" class="button button-quiet bell-button" data-test="bell-button"
                aria-haspopup="true" aria-expanded=move || open.get().to_string()
                aria-label=label title=label
                on:click=move |_| open.update(|open| *open = !*open)>
                <span aria-hidden="true">"🔔"</span>
                <Show when=move || { count() > 0 }>
                    <span class="bell-count" data-test="bell-count">{count}</span>
                </Show>
            </button>
            <Show when=move || open.get()>
                <div class="bell-panel" role="dialog" data-test="notification-panel"
                    aria-label=move || i18n.tr(Key::NotificationsTitle)>
                    <div class="bell-head">
                        <strong>{move || i18n.tr(Key::NotificationsTitle)}</strong>
                        <button type="button" class="link-button" data-test="notifications-read-all"
                            disabled=move || count() == 0
                            on:click=move |_| notifications.mark_read(session, Vec::new(), true)>
                            {move || i18n.tr(Key::MarkAllRead)}
                        </button>
                    </div>
                    <ul class="bell-list">
                        <For each=move || notifications.items.get()
                            key=|n| (n.id, n.read)
                            children=move |notification| view! {
                                <NotificationRow notification names open/>
                            }/>
                    </ul>
                    <Show when=move || notifications.items.with(Vec::is_empty)>
                        <p class="muted bell-empty">{move || i18n.tr(Key::NoNotifications)}</p>
                    </Show>
                    <Show when=move || notifications.next_cursor.with(Option::is_some)>
                        <button type="button" class="link-button" data-test="notifications-more"
                            disabled=move || notifications.loading.get()
                            on:click=move |_| notifications.load_more(session)>
                            {move || i18n.tr(Key::LoadMore)}
                        </button>
                    </Show>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn NotificationRow(
    notification: Notification,
    names: RwSignal<HashMap<Id, String>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let notifications = use_notifications();
    let navigate = use_navigate();
    let Notification {
        id,
        kind,
        chat_id,
        actor_id,
        read,
        at,
        ..
    } = notification;
    let text = move || {
        let customer = names.with(|names| names.get(&chat_id).cloned().unwrap_or_default());
        let actor = actor_id
            .map(|id| directory.user_name(id))
            .unwrap_or_default();
        let key = match (kind, actor_id) {
            (NotificationKind::Mention, _) => Key::NotifiedMention,
            (NotificationKind::Assigned, Some(_)) => Key::NotifiedAssignedBy,
            (NotificationKind::Assigned, None) => Key::NotifiedAssigned,
            (NotificationKind::CustomerMessage, _) => Key::NotifiedCustomerMessage,
            (NotificationKind::Waiting, _) => Key::NotifiedWaiting,
        };
        i18n.fill(key, &[("actor", actor), ("customer", customer)])
    };
    let open_it = move |_| {
        if !read {
            notifications.mark_read(session, vec![id], false);
        }
        open.set(false);
        navigate(&format!("/chats/{chat_id}"), NavigateOptions::default());
    };
    view! {
        <li class="bell-item" class:unread=!read data-test="notification"
            data-kind=kind.as_str() data-read=read.to_string()>
            <button type="button" class="bell-open" on:click=open_it>
                <span class="bell-dot" aria-hidden="true"></span>
                <span class="bell-text">{text}</span>
                <time class="muted">{move || format::day_time(i18n.lang(), &at)}</time>
            </button>
        </li>
    }
}
