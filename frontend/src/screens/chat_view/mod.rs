//! The open chat: a top bar with quick actions (close/reopen, search in history, details,
//! info panel, open in a new tab, close the window), the timeline, and the composer, which
//! followers do not get and which explains when the customer cannot receive messages.

mod attachments;
mod business;
mod canned;
mod composer;
mod event_text;
mod item;
mod quotes;
mod reply_window;
mod search;
mod snooze;
mod timeline;

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use shared::api::chats::{Chat, ChatStatus};
use shared::Id;

use crate::api::http;
use crate::components::back::{is_phone, BackButton};
use crate::components::error_line::{describe, ErrorLine};
use crate::components::icons::ChannelIcon;
use crate::components::people::{AssignSelect, FollowersEditor};
use crate::components::presence::presence_key;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::inbox::use_inbox;
use crate::state::open_chat::use_open_chat;
use crate::state::session::use_session;

use business::BusinessMark;
use composer::Composer;
use reply_window::{ticking_now, window_end, TemplatePicker, WindowLeft};
use search::SearchPanel;
use snooze::SnoozeControl;
use timeline::Timeline;

/// View state shared by the parts of the chat view.
#[derive(Clone, Copy)]
struct ViewControl {
    /// Scroll the timeline to this item (set by a search result).
    jump: RwSignal<Option<Id>>,
    /// The item to mark (the search result jumped to).
    highlight: RwSignal<Option<Id>>,
    search_open: RwSignal<bool>,
    details_open: RwSignal<bool>,
}

#[component]
pub fn ChatView() -> impl IntoView {
    let i18n = use_i18n();
    let open_chat = use_open_chat();
    let shown = Memo::new(move |_| {
        open_chat.chat.with(|chat| {
            chat.as_ref()
                .map(|chat| chat.with_untracked(|chat| chat.id))
        })
    });
    move || {
        if let Some(error) = open_chat.error.get() {
            let text = describe(i18n, &error);
            return view! {
                <section class="chat-view chat-missing" data-test="chat-error">
                    <div class="empty-state">
                        <h2>{move || i18n.tr(Key::ChatUnavailable)}</h2>
                        <p class="muted">{text}</p>
                        <a href="/" class="button">{move || i18n.tr(Key::BackHome)}</a>
                    </div>
                </section>
            }
            .into_any();
        }
        match shown.get().and_then(|_| open_chat.chat.get_untracked()) {
            Some(chat) => view! { <ChatScreen chat=RwSignal::from(chat)/> }.into_any(),
            None => view! {
                <section class="chat-view">
                    <div class="splash-inline" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        <span class="muted">{move || i18n.tr(Key::Loading)}</span>
                    </div>
                </section>
            }
            .into_any(),
        }
    }
}

#[component]
fn ChatScreen(chat: RwSignal<Chat>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let inbox = use_inbox();
    let open_chat = use_open_chat();
    let navigate = use_navigate();
    let control = ViewControl {
        jump: RwSignal::new(None),
        highlight: RwSignal::new(None),
        search_open: RwSignal::new(false),
        details_open: RwSignal::new(false),
    };
    provide_context(control);

    let (id, channel) = chat.with_untracked(|chat| (chat.id, chat.channel));
    // A memo: the user record changes with presence, which must not rebuild the composer.
    let can_write = Memo::new(move |_| session.can_write());
    let closed = move || chat.with(|chat| chat.status == ChatStatus::Closed);

    let change_status = Action::new_local(move |close: &bool| {
        let close = *close;
        async move {
            if close {
                http::close(id).await
            } else {
                http::reopen(id).await
            }
        }
    });
    let status_error = RwSignal::new(None);
    Effect::new(move || match change_status.value().get() {
        Some(Ok(updated)) => {
            status_error.set(None);
            inbox.upsert(updated, true);
        }
        Some(Err(failure)) => {
            session.note(&failure);
            status_error.set(Some(failure));
        }
        None => {}
    });

    let open_info = {
        let navigate = navigate.clone();
        // On phones the info panel is a screen of its own, with its own URL.
        move |_| {
            if is_phone() {
                navigate(&format!("/chats/{id}/info"), NavigateOptions::default());
            } else {
                open_chat.info_visible.update(|shown| *shown = !*shown);
            }
        }
    };
    let close_window = move |_| {
        navigate("/", NavigateOptions::default());
    };

    let subtitle = move || {
        let (bot, assignee, status) =
            chat.with(|chat| (chat.integration_name.clone(), chat.assignee_id, chat.status));
        let who = match assignee {
            Some(user) => format!(
                "{} ({})",
                directory.user_name(user),
                i18n.tr(presence_key(directory.presence(user)))
            ),
            None => i18n.tr(Key::Unassigned).to_owned(),
        };
        let status = match status {
            ChatStatus::Open => i18n.tr(Key::StatusOpen),
            ChatStatus::Closed => i18n.tr(Key::StatusClosed),
        };
        format!("{bot} · {status} · {who}")
    };

    let typing = move || {
        open_chat.typing.get().and_then(|(user, until)| {
            (js_sys::Date::now() < until)
                .then(|| i18n.fill(Key::IsTyping, &[("name", directory.user_name(user))]))
        })
    };
    // Hide "typing" once it is stale even if no event says so.
    Effect::new(move |_| {
        if open_chat.typing.get().is_some() {
            set_timeout(
                move || {
                    if open_chat
                        .typing
                        .get_untracked()
                        .is_some_and(|(_, until)| js_sys::Date::now() >= until)
                    {
                        open_chat.typing.set(None);
                    }
                },
                std::time::Duration::from_millis(5200),
            );
        }
    });

    // Only what decides between the composer and a notice is tracked: any other
    // change of the chat (a live update, a read marker) must not rebuild the
    // composer and lose what it is doing (a picked canned reply, a send).
    let unreachable = Memo::new(move |_| chat.with(|chat| chat.unreachable_reason.clone()));
    // WhatsApp's reply window: `None` without one; changes only when it opens or closes.
    let now = ticking_now();
    let window_closed = Memo::new(move |_| {
        chat.with(|chat| match window_end(chat) {
            Some(ends_at) => Some(ends_at <= now.get()),
            // Telegram lets a business bot write only where the customer wrote
            // in the last 24 hours: a chat the owner began waits for them.
            None if chat.business_connection_id.is_some() => Some(true),
            None => None,
        })
    });
    // Telegram Business: its own window text, and a connection that may refuse replies.
    let business_connection = business::connection_of(chat);
    let is_business = Memo::new(move |_| chat.with(|chat| chat.business_connection_id.is_some()));
    let business_refuses = Memo::new(move |_| business_connection.with(business::refuses_replies));
    let bottom = move || {
        if !can_write.get() {
            return view! {
                <p class="notice readonly-notice" data-test="readonly-notice">
                    {move || i18n.tr(Key::ReadOnlyNotice)}
                </p>
            }
            .into_any();
        }
        match unreachable.get() {
            Some(reason) => view! {
                <div class="notice unreachable-banner" role="status" data-test="unreachable-banner">
                    <strong>{move || i18n.tr(Key::CannotReceive)}</strong>
                    " "
                    <span data-test="unreachable-reason">{reason}</span>
                </div>
            }
            .into_any(),
            None => match window_closed.get() {
                Some(true) if is_business.get() => view! {
                    <p class="notice" role="status" data-test="business-window-closed">
                        {move || i18n.tr(Key::BusinessWindowClosedNotice)}
                    </p>
                }
                .into_any(),
                _ if business_refuses.get() => view! {
                    <p class="notice" role="status" data-test="business-connection-disabled">
                        {move || i18n.tr(Key::BusinessDisabledNotice)}
                    </p>
                }
                .into_any(),
                Some(true) => view! { <TemplatePicker chat/> }.into_any(),
                Some(false) => {
                    let ends_at = chat.with_untracked(window_end).unwrap_or_default();
                    view! { <WindowLeft ends_at now/> <Composer chat_id=id/> }.into_any()
                }
                None => view! { <Composer chat_id=id/> }.into_any(),
            },
        }
    };

    let details = move || {
        control
            .details_open
            .get()
            .then(|| view! { <DetailsPanel chat/> })
    };

    view! {
        <section class="chat-view" data-test="chat-view" data-chat-id=id>
            <header class="chat-header">
                <BackButton href="/".to_owned() label=Key::BackToList class="back-link" data_test="chat-back"/>
                <div class="chat-title">
                    <h1>
                        <ChannelIcon channel/>
                        <span data-test="chat-title">{move || chat.with(|chat| chat.contact_name.clone())}</span>
                    </h1>
                    <p class="muted chat-subtitle" data-test="chat-subtitle">{subtitle}</p>
                    <BusinessMark chat connection=business_connection/>
                </div>
                <div class="chat-actions" role="toolbar" aria-label=move || i18n.tr(Key::ChatActions)>
                    <Show when=move || can_write.get()>
                        <Show
                            when=closed
                            fallback=move || view! {
                                <SnoozeControl chat/>
                                <button type="button" class="button button-quiet" data-test="action-close"
                                    disabled=move || change_status.pending().get()
                                    on:click=move |_| { change_status.dispatch(true); }>
                                    {move || i18n.tr(Key::CloseChat)}
                                </button>
                            }
                        >
                            <button type="button" class="button button-quiet" data-test="action-reopen"
                                disabled=move || change_status.pending().get()
                                on:click=move |_| { change_status.dispatch(false); }>
                                {move || i18n.tr(Key::ReopenChat)}
                            </button>
                        </Show>
                    </Show>
                    <button type="button" class="icon-button" data-test="action-search"
                        aria-pressed=move || control.search_open.get().to_string()
                        aria-label=move || i18n.tr(Key::SearchInChat) title=move || i18n.tr(Key::SearchInChat)
                        on:click=move |_| control.search_open.update(|open| *open = !*open)>
                        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><circle cx="10.5" cy="10.5" r="6" fill="none" stroke="currentColor" stroke-width="2"/><path d="M15 15l5 5" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>
                    </button>
                    <button type="button" class="icon-button" data-test="action-details"
                        aria-pressed=move || control.details_open.get().to_string()
                        aria-label=move || i18n.tr(Key::Details) title=move || i18n.tr(Key::Details)
                        on:click=move |_| control.details_open.update(|open| *open = !*open)>
                        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M4 7h16M4 12h16M4 17h10" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>
                    </button>
                    <button type="button" class="icon-button" data-test="action-info"
                        aria-pressed=move || open_chat.info_visible.get().to_string()
                        aria-label=move || i18n.tr(Key::ToggleInfo) title=move || i18n.tr(Key::ToggleInfo)
                        on:click=open_info>
                        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><rect x="3" y="4" width="18" height="16" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><path d="M15 4v16" stroke="currentColor" stroke-width="2"/></svg>
                    </button>
                    <a class="icon-button" href=format!("/chats/{id}") target="_blank" rel="noopener"
                        data-test="action-new-tab"
                        aria-label=move || i18n.tr(Key::OpenInNewTab) title=move || i18n.tr(Key::OpenInNewTab)>
                        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>
                    </a>
                    <button type="button" class="icon-button" data-test="action-close-window"
                        aria-label=move || i18n.tr(Key::CloseWindow) title=move || i18n.tr(Key::CloseWindow)
                        on:click=close_window>
                        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>
                    </button>
                </div>
            </header>
            <ErrorLine error=status_error/>
            <Show when=move || control.search_open.get()>
                <SearchPanel chat_id=id/>
            </Show>
            {details}
            <Timeline/>
            <div class="typing muted" aria-live="polite" data-test="typing">{typing}</div>
            {bottom}
        </section>
    }
}

/// The "details" quick panel: my notifications for this chat, the responsible manager and
/// the followers.
#[component]
fn DetailsPanel(chat: RwSignal<Chat>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let inbox = use_inbox();
    let open_chat = use_open_chat();
    let id = chat.with_untracked(|chat| chat.id);
    // A memo: the user record changes with presence, which must not rebuild the composer.
    let can_write = Memo::new(move |_| session.can_write());
    let notifications = Signal::derive(move || {
        open_chat.extras.with(|extras| {
            extras
                .as_ref()
                .is_none_or(|extras| extras.notifications_enabled)
        })
    });
    let toggle = Action::new_local(move |on: &bool| http::set_notifications(id, *on));
    let error = RwSignal::new(None);
    Effect::new(move || match toggle.value().get() {
        Some(Ok(answer)) => {
            error.set(None);
            inbox.set_notifications(id, answer.enabled);
            open_chat.set_extras(|extras| extras.notifications_enabled = answer.enabled);
        }
        Some(Err(failure)) => {
            session.note(&failure);
            error.set(Some(failure));
        }
        None => {}
    });

    view! {
        <div class="details-panel" data-test="details-panel">
            <label class="check">
                <input
                    type="checkbox"
                    data-test="notifications-toggle"
                    prop:checked=move || notifications.get()
                    disabled=move || toggle.pending().get()
                    on:change=move |event| { toggle.dispatch(event_target_checked(&event)); }
                />
                <span>{move || i18n.tr(Key::NotificationsForChat)}</span>
            </label>
            <ErrorLine error/>
            <AssignSelect
                chat_id=id
                assignee=Signal::derive(move || chat.with(|chat| chat.assignee_id))
                enabled=can_write
            />
            <FollowersEditor
                chat_id=id
                followers=Signal::derive(move || chat.with(|chat| chat.follower_ids.clone()))
                enabled=can_write
            />
        </div>
    }
}
