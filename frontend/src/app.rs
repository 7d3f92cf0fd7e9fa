//! The root component: provides the contexts (language, session, connection, directory,
//! inbox, open chat, socket) once, starts and stops the live state with the session, and
//! maps URLs to screens. Screens never import each other; they meet here.

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes, A};
use leptos_router::hooks::{use_location, use_params_map};
use leptos_router::path;
use shared::api::chats::ChatGroup;
use shared::api::users::Role;
use shared::Id;

use crate::alerts::Alerts;
use crate::api::ws::{Socket, Targets};
use crate::components::back::is_phone;
use crate::i18n::{detect_lang, use_i18n, I18n, Key};
use crate::screens::archive::ArchiveScreen;
use crate::screens::chat_view::ChatView;
use crate::screens::contacts::{ContactPage, ContactsScreen};
use crate::screens::deals::DealsScreen;
use crate::screens::inbox_list::InboxList;
use crate::screens::login::LoginScreen;
use crate::screens::reports::ReportsScreen;
use crate::screens::settings::{
    CannedRepliesSettings, IntegrationForm, IntegrationsSettings, PipelinesSettings,
    SettingsScreen, UsersSettings,
};
use crate::screens::shell::Shell;
use crate::screens::sidebar::Sidebar;
use crate::screens::tasks::MyTasksScreen;
use crate::state::connection::Connection;
use crate::state::directory::Directory;
use crate::state::inbox::Inbox;
use crate::state::notifications::Notifications;
use crate::state::open_chat::{use_open_chat, OpenChat};
use crate::state::session::SessionContext;

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::new(detect_lang());
    provide_context(i18n);
    let session = SessionContext::start();
    provide_context(session);
    let connection = Connection::new();
    provide_context(connection);
    let directory = Directory::new();
    provide_context(directory);
    let inbox = Inbox::new();
    provide_context(inbox);
    let open_chat = OpenChat::new();
    open_chat.wire(inbox, session);
    provide_context(open_chat);
    let alerts = Alerts::new();
    provide_context(alerts);
    let notifications = Notifications::new();
    provide_context(notifications);
    let socket = Socket::new(Targets {
        session,
        connection,
        inbox,
        open_chat,
        directory,
        alerts,
        notifications,
    });
    provide_context(socket);

    // Signing in starts the live state; signing out (or an expired session) ends it.
    let signed_in = Memo::new(move |_| session.user().map(|user| (user.id, user.role)));
    Effect::new(move |_| match signed_in.get() {
        Some((id, role)) => {
            inbox.reset(Some(id), session);
            inbox.selected.set(if role == Role::Follower {
                ChatGroup::Others
            } else {
                ChatGroup::Mine
            });
            directory.load(session);
            notifications.load(session);
            inbox.refresh_counts_now();
            socket.start();
        }
        None => {
            socket.stop();
            open_chat.close();
            inbox.reset(None, session);
            directory.clear();
            notifications.clear();
        }
    });
    // Unread messages in my and unassigned chats show in the tab title.
    Effect::new(move |_| {
        let unread: i64 = [ChatGroup::Mine, ChatGroup::Unassigned]
            .into_iter()
            .map(|group| inbox.group(group).unread.get())
            .sum();
        let name = i18n.tr(Key::AppName);
        let title = if unread > 0 {
            format!("({unread}) {name}")
        } else {
            name.to_owned()
        };
        document().set_title(&title);
    });
    // Browsers allow sound and the permission prompt only after a user gesture.
    let gesture = window_event_listener(leptos::ev::pointerdown, move |_| {
        if signed_in.get_untracked().is_some() {
            alerts.on_gesture();
        }
    });
    on_cleanup(move || gesture.remove());
    // Activity keeps the user from turning away by idleness: reported at most once a minute.
    let last_reported = StoredValue::new(0.0_f64);
    let report_activity = move || {
        let now = js_sys::Date::now();
        if signed_in.get_untracked().is_some()
            && now - last_reported.get_value() > 60_000.0
            && socket.send(&shared::ws::ClientMsg::Active)
        {
            last_reported.set_value(now);
        }
    };
    let keys = window_event_listener(leptos::ev::keydown, move |_| report_activity());
    let pointer = window_event_listener(leptos::ev::pointerdown, move |_| report_activity());
    let focus = window_event_listener(leptos::ev::focus, move |_| report_activity());
    on_cleanup(move || {
        keys.remove();
        pointer.remove();
        focus.remove();
    });
    // While the app is in front of the user, the server pushes nothing to their devices.
    let report_visibility = move || {
        socket.send(&shared::ws::ClientMsg::Visibility {
            visible_and_focused: crate::push::app_in_front(),
        });
    };
    let shown = window_event_listener(leptos::ev::visibilitychange, move |_| report_visibility());
    let focused = window_event_listener(leptos::ev::focus, move |_| report_visibility());
    let blurred = window_event_listener(leptos::ev::blur, move |_| report_visibility());
    on_cleanup(move || {
        shown.remove();
        focused.remove();
        blurred.remove();
    });
    // The service worker shows pushes and keeps the app for the next visit.
    if crate::push::supported() {
        crate::push::register();
    }

    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginScreen/>
                <ParentRoute path=path!("") view=Shell>
                    <ParentRoute path=path!("") view=ClientsLayout>
                        <Route path=path!("") view=NoChatSelected/>
                        <Route path=path!("chats/:id") view=ChatPage/>
                        <Route path=path!("chats/:id/info") view=ChatPage/>
                    </ParentRoute>
                    <Route path=path!("archive") view=ArchiveScreen/>
                    <Route path=path!("reports") view=ReportsScreen/>
                    <Route path=path!("deals") view=DealsScreen/>
                    <Route path=path!("contacts") view=ContactsScreen/>
                    <Route path=path!("contacts/:id") view=ContactPage/>
                    <Route path=path!("tasks") view=MyTasksScreen/>
                    <ParentRoute path=path!("settings") view=SettingsScreen>
                        <Route path=path!("") view=IntegrationsSettings/>
                        <Route path=path!("integrations/new") view=IntegrationForm/>
                        <Route path=path!("integrations/:id") view=IntegrationForm/>
                        <Route path=path!("users") view=UsersSettings/>
                        <Route path=path!("pipelines") view=PipelinesSettings/>
                        <Route path=path!("canned-replies") view=CannedRepliesSettings/>
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The Clients page: the inbox list beside the open chat (one column on phones).
#[component]
fn ClientsLayout() -> impl IntoView {
    let open_chat = use_open_chat();
    // Leaving the Clients page: no chat is being read any more.
    on_cleanup(move || open_chat.close());
    view! {
        <div
            class="clients"
            class:has-chat=move || open_chat.chat_id.get().is_some()
            class:info-hidden=move || !open_chat.info_visible.get()
        >
            <InboxList/>
            <Outlet/>
        </div>
    }
}

#[component]
fn NoChatSelected() -> impl IntoView {
    let i18n = use_i18n();
    let open_chat = use_open_chat();
    open_chat.close();
    view! {
        <section class="chat-view chat-none" data-test="no-chat">
            <div class="empty-state">
                <span class="empty-icon" aria-hidden="true">"✉"</span>
                <h2>{move || i18n.tr(Key::ChooseChatTitle)}</h2>
                <p class="muted">{move || i18n.tr(Key::ChooseChatText)}</p>
            </div>
        </section>
    }
}

/// `/chats/{id}`: every chat has its own URL (it opens in a new tab too); `/chats/{id}/info`
/// is the same chat with its info panel.
#[component]
fn ChatPage() -> impl IntoView {
    let open_chat = use_open_chat();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|params| params.get("id").and_then(|id| id.parse::<Id>().ok()))
    });
    Effect::new(move |_| {
        if let Some(id) = id.get() {
            open_chat.open(id);
        }
    });
    // `/chats/{id}/info` shows the info panel; on phones it is the panel's screen, and
    // leaving it (the browser's back button too) shows the chat again.
    let pathname = use_location().pathname;
    let info_route = Memo::new(move |_| pathname.with(|path| path.ends_with("/info")));
    Effect::new(move |_| {
        if info_route.get() {
            open_chat.info_visible.set(true);
        } else if is_phone() {
            open_chat.info_visible.set(false);
        }
    });
    view! {
        <ChatView/>
        <Show when=move || open_chat.info_visible.get()>
            <Sidebar/>
        </Show>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="splash">
            <h1>{move || i18n.tr(Key::NotFoundTitle)}</h1>
            <p class="muted">{move || i18n.tr(Key::NotFoundText)}</p>
            <A href="/" attr:class="button">{move || i18n.tr(Key::BackHome)}</A>
        </main>
    }
}
