//! The live connection (`GET /ws`, same session cookie): connects, decodes `ServerFrame`s and
//! dispatches them into the state contexts; after a drop it reconnects with exponential
//! backoff (showing "reconnecting…") and resumes from the last event id it saw; on `resync`
//! it refetches everything over REST. A heartbeat (`get_counts` every 25 s, which the server
//! answers) detects a dead connection that the browser has not noticed.
//!
//! Must not render anything: screens read `state::connection`.

use std::time::Duration;

use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::Direction;
use shared::api::timeline::TimelineEvent;
use shared::error::ErrorCode;
use shared::ws::{ClientMsg, ServerFrame, ServerMsg, PROTOCOL_VERSION};
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::alerts::{self, Alerts};
use crate::api::http::{self, ApiError};
use crate::state::connection::{ConnState, Connection};
use crate::state::directory::Directory;
use crate::state::inbox::Inbox;
use crate::state::notifications::Notifications;
use crate::state::open_chat::OpenChat;
use crate::state::session::SessionContext;

const HEARTBEAT: Duration = Duration::from_secs(25);
/// Nothing heard for this long (two missed heartbeats and then some): the link is dead.
const SILENCE_LIMIT_MS: f64 = 70_000.0;
const MAX_BACKOFF_SECS: u32 = 30;

/// The state contexts events are dispatched into.
#[derive(Clone, Copy)]
pub struct Targets {
    pub session: SessionContext,
    pub connection: Connection,
    pub inbox: Inbox,
    pub open_chat: OpenChat,
    pub directory: Directory,
    pub alerts: Alerts,
    pub notifications: Notifications,
}

#[derive(Default)]
struct Inner {
    ws: Option<WebSocket>,
    // The JS callbacks of the current socket; dropping them with it frees them.
    on_open: Option<Closure<dyn FnMut()>>,
    on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    on_close: Option<Closure<dyn FnMut(CloseEvent)>>,
    /// Bumped for every socket, so callbacks of an old one are ignored.
    generation: u32,
    attempt: u32,
    last_event_id: Option<i64>,
    last_heard: f64,
    heartbeat: Option<IntervalHandle>,
    retry: Option<TimeoutHandle>,
    running: bool,
    /// A hello arrived before on this run: the next one is a reconnect.
    greeted: bool,
    /// Everything was just refetched after a `resync`; the reconnect that follows need not.
    resynced: bool,
}

#[derive(Clone, Copy)]
pub struct Socket {
    inner: StoredValue<Inner, LocalStorage>,
    targets: Targets,
}

impl Socket {
    pub fn new(targets: Targets) -> Self {
        Socket {
            inner: StoredValue::new_local(Inner::default()),
            targets,
        }
    }

    /// Connects (after sign-in). Idempotent.
    pub fn start(&self) {
        let already = self.inner.try_update_value(|inner| {
            let was = inner.running;
            inner.running = true;
            was
        });
        if already != Some(false) {
            return;
        }
        self.targets.connection.state.set(ConnState::Connecting);
        self.connect();
    }

    /// Disconnects for good (sign-out).
    pub fn stop(&self) {
        let old = self.inner.try_update_value(|inner| {
            inner.running = false;
            inner.greeted = false;
            inner.resynced = false;
            inner.attempt = 0;
            inner.last_event_id = None;
            inner.generation += 1;
            Self::clear_timers(inner);
            inner.ws.take()
        });
        if let Some(Some(ws)) = old {
            detach(&ws);
        }
        self.targets.connection.state.set(ConnState::Idle);
    }

    /// Skips the backoff wait ("Retry now").
    pub fn reconnect_now(&self) {
        let waiting = self.inner.try_update_value(|inner| {
            if inner.running && inner.ws.is_none() {
                if let Some(retry) = inner.retry.take() {
                    retry.clear();
                }
                true
            } else {
                false
            }
        });
        if waiting == Some(true) {
            self.connect();
        }
    }

    /// Sends a command if connected; `false` when it could not be sent.
    pub fn send(&self, msg: &ClientMsg) -> bool {
        let Ok(text) = serde_json::to_string(msg) else {
            return false;
        };
        self.inner
            .try_with_value(|inner| match &inner.ws {
                Some(ws) if ws.ready_state() == WebSocket::OPEN => ws.send_with_str(&text).is_ok(),
                _ => false,
            })
            .unwrap_or(false)
    }

    fn clear_timers(inner: &mut Inner) {
        if let Some(heartbeat) = inner.heartbeat.take() {
            heartbeat.clear();
        }
        if let Some(retry) = inner.retry.take() {
            retry.clear();
        }
    }

    fn connect(&self) {
        let Some(url) = socket_url() else {
            return;
        };
        let ws = match WebSocket::new(&url) {
            Ok(ws) => ws,
            Err(error) => {
                warn!("cannot open the socket: {error:?}");
                let generation = self.inner.with_value(|inner| inner.generation);
                self.on_close(generation);
                return;
            }
        };
        let this = *self;
        let generation = self.inner.with_value(|inner| inner.generation) + 1;
        let on_open = Closure::<dyn FnMut()>::new(move || this.on_open(generation));
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            this.on_message(generation, event)
        });
        let on_close =
            Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| this.on_close(generation));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.inner.update_value(|inner| {
            inner.generation = generation;
            inner.ws = Some(ws);
            inner.on_open = Some(on_open);
            inner.on_message = Some(on_message);
            inner.on_close = Some(on_close);
        });
    }

    fn is_current(&self, generation: u32) -> bool {
        self.inner
            .try_with_value(|inner| inner.running && inner.generation == generation)
            .unwrap_or(false)
    }

    fn on_open(&self, generation: u32) {
        if !self.is_current(generation) {
            return;
        }
        let this = *self;
        let heartbeat = set_interval_with_handle(move || this.beat(generation), HEARTBEAT).ok();
        self.inner.update_value(|inner| {
            inner.last_heard = js_sys::Date::now();
            inner.heartbeat = heartbeat;
        });
    }

    fn beat(&self, generation: u32) {
        if !self.is_current(generation) {
            return;
        }
        let silent = self
            .inner
            .with_value(|inner| js_sys::Date::now() - inner.last_heard > SILENCE_LIMIT_MS);
        if silent {
            warn!("socket silent for too long; reconnecting");
            let ws = self.inner.with_value(|inner| inner.ws.clone());
            if let Some(ws) = ws {
                detach(&ws);
            }
            self.on_close(generation);
        } else {
            self.send(&ClientMsg::GetCounts);
        }
    }

    fn on_close(&self, generation: u32) {
        let plan = self.inner.try_update_value(|inner| {
            if !inner.running || inner.generation != generation {
                return None;
            }
            // Later callbacks of this socket (a close after our own close) are stale.
            inner.generation += 1;
            inner.ws = None;
            Self::clear_timers(inner);
            inner.attempt += 1;
            Some(inner.attempt)
        });
        let Some(Some(attempt)) = plan else {
            return;
        };
        let base = 1u32 << (attempt - 1).min(5);
        let secs = base.min(MAX_BACKOFF_SECS);
        // Jitter, so that a restarted server is not hit by every client at once.
        let delay_ms = f64::from(secs) * 1000.0 * (0.8 + 0.4 * js_sys::Math::random());
        self.targets.connection.state.set(ConnState::Reconnecting {
            attempt,
            retry_in: secs,
        });
        let this = *self;
        let retry = set_timeout_with_handle(
            move || {
                let waiting = this
                    .inner
                    .try_update_value(|inner| inner.running && inner.retry.take().is_some())
                    .unwrap_or(false);
                if waiting {
                    this.connect();
                }
            },
            Duration::from_millis(delay_ms as u64),
        )
        .ok();
        self.inner.update_value(|inner| inner.retry = retry);
        // A refused upgrade looks like any other drop: ask whether the session ended.
        if attempt >= 2 {
            let session = self.targets.session;
            spawn_local(async move {
                if let Err(error) = http::me().await {
                    session.note(&error);
                }
            });
        }
    }

    fn on_message(&self, generation: u32, event: MessageEvent) {
        if !self.is_current(generation) {
            return;
        }
        let Some(text) = event.data().as_string() else {
            return;
        };
        let frame: ServerFrame = match serde_json::from_str(&text) {
            Ok(frame) => frame,
            Err(error) => {
                // A newer server may send events this client does not know: skip them.
                warn!("unknown socket frame ({error}): {text:.200}");
                return;
            }
        };
        self.inner.update_value(|inner| {
            inner.last_heard = js_sys::Date::now();
            if let Some(id) = frame.event_id {
                inner.last_event_id = Some(inner.last_event_id.map_or(id, |last| last.max(id)));
            }
        });
        match frame.msg {
            ServerMsg::Hello {
                protocol_version,
                last_event_id,
                ..
            } => self.on_hello(protocol_version, last_event_id),
            ServerMsg::Resync { reason } => {
                warn!("socket resync: {reason}");
                self.inner.update_value(|inner| {
                    inner.last_event_id = None;
                    inner.resynced = true;
                });
                self.refresh_all();
            }
            msg => dispatch(self.targets, msg),
        }
    }

    fn on_hello(&self, protocol_version: u32, server_last: i64) {
        let connection = self.targets.connection;
        if protocol_version != PROTOCOL_VERSION {
            warn!("server speaks protocol {protocol_version}, this page {PROTOCOL_VERSION}");
            self.stop();
            connection.state.set(ConnState::Incompatible);
            return;
        }
        let (resume_from, reconnect, resynced) = self.inner.update_value_returning(|inner| {
            let resume_from = inner.last_event_id;
            let reconnect = inner.greeted;
            let resynced = std::mem::take(&mut inner.resynced);
            inner.greeted = true;
            inner.attempt = 0;
            if resume_from.is_none() {
                inner.last_event_id = Some(server_last);
            }
            (resume_from, reconnect, resynced)
        });
        connection.state.set(ConnState::Live);
        if reconnect {
            match resume_from {
                Some(last_event_id) => {
                    self.send(&ClientMsg::Resume { last_event_id });
                }
                None if resynced => {}
                None => self.refresh_all(),
            }
        }
        self.targets.inbox.refresh_counts();
        // The server counts a socket as out of sight until it says otherwise.
        self.send(&ClientMsg::Visibility {
            visible_and_focused: crate::push::app_in_front(),
        });
    }

    fn refresh_all(&self) {
        let Targets {
            session,
            inbox,
            open_chat,
            directory,
            notifications,
            ..
        } = self.targets;
        directory.load(session);
        notifications.load(session);
        inbox.refresh();
        open_chat.refresh();
    }
}

trait UpdateReturning<T> {
    fn update_value_returning<R: Default>(&self, f: impl FnOnce(&mut T) -> R) -> R;
}

impl<T: 'static> UpdateReturning<T> for StoredValue<T, LocalStorage> {
    fn update_value_returning<R: Default>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.try_update_value(f).unwrap_or_default()
    }
}

/// Closes a socket we are done with. Its handlers go first: their closures are freed with
/// the next socket, and the close event arrives later.
fn detach(ws: &WebSocket) {
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    let _ = ws.close();
}

/// `ws://host/ws` or `wss://host/ws`, beside the page, in the user's language
/// (a browser cannot set headers on a socket).
fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}/ws?lang={}",
        location.host().ok()?,
        super::http::page_language()
    ))
}

/// Applies one server event to the state.
fn dispatch(targets: Targets, msg: ServerMsg) {
    let Targets {
        session,
        inbox,
        open_chat,
        alerts: sound,
        directory,
        notifications,
        ..
    } = targets;
    match msg {
        ServerMsg::ChatCreated { chat } => {
            inbox.upsert(chat, false);
            inbox.refresh_counts();
        }
        ServerMsg::ChatUpdated { chat } => {
            inbox.upsert(chat, true);
            inbox.refresh_counts();
        }
        ServerMsg::ChatRemoved { chat_id } => {
            inbox.remove(chat_id);
            if open_chat.chat_id.get_untracked() == Some(chat_id) {
                open_chat.error.set(Some(ApiError {
                    status: Some(404),
                    code: Some(ErrorCode::NotFound),
                    message: "chat removed".into(),
                }));
            }
        }
        ServerMsg::MessageReceived { item } => {
            let chat_id = item.chat_id;
            let incoming = item.direction() == Some(Direction::In);
            let reading = open_chat.is_reading(chat_id);
            open_chat.put_item(item.clone());
            inbox.message_added(&item, incoming && !reading);
            if reading {
                open_chat.mark_read(Some(item.id));
            } else if incoming && inbox.notifications_on(chat_id) {
                sound.beep();
                let title = inbox
                    .chat(chat_id)
                    .map(|chat| chat.with_untracked(|chat| chat.contact_name.clone()))
                    .unwrap_or_default();
                let body = item.text().unwrap_or_default().to_owned();
                alerts::notify(&title, &body, &format!("chat-{chat_id}"), move || {
                    open_chat.open_request.set(Some(chat_id));
                });
            }
        }
        ServerMsg::MessageSent { item } => {
            open_chat.put_item(item.clone());
            inbox.message_added(&item, false);
        }
        ServerMsg::MessageEdited { item } => open_chat.put_item(item),
        ServerMsg::DeliveryChanged {
            chat_id,
            item_id,
            delivery,
            error,
        } => open_chat.set_delivery(chat_id, item_id, delivery, error),
        ServerMsg::ItemAdded { item } => {
            // The sidebar lists the chat's deals and links: read it again.
            let refetch = item.event().is_some_and(|event| {
                matches!(
                    event.event,
                    TimelineEvent::DealCreated(_)
                        | TimelineEvent::Linked(_)
                        | TimelineEvent::Unlinked(_)
                )
            });
            let chat_id = item.chat_id;
            let created = item
                .event()
                .is_some_and(|event| matches!(event.event, TimelineEvent::DealCreated(_)));
            open_chat.put_item(item);
            if refetch && open_chat.chat_id.get_untracked() == Some(chat_id) {
                open_chat.reload_detail();
            }
            if created {
                directory.deals_created.update(|count| *count += 1);
            }
        }
        ServerMsg::ChatAssigned {
            chat_id,
            assignee_id,
            ..
        } => {
            inbox.modify(chat_id, |chat| chat.assignee_id = assignee_id);
            inbox.refresh_counts();
        }
        ServerMsg::FollowersChanged {
            chat_id,
            follower_ids,
        } => inbox.modify(chat_id, |chat| chat.follower_ids = follower_ids),
        ServerMsg::TagsChanged { chat_id, tags } => inbox.modify(chat_id, |chat| chat.tags = tags),
        ServerMsg::CommentAdded { comment } => open_chat.put_comment(comment),
        ServerMsg::ChatRead { chat_id, .. } => inbox.mark_read_locally(chat_id),
        ServerMsg::UnreadCounts { counts } => inbox.set_counts(&counts),
        ServerMsg::Typing { chat_id, user_id } => {
            let me = session.user_id_untracked();
            if open_chat.chat_id.get_untracked() == Some(chat_id) && me != Some(user_id) {
                open_chat
                    .typing
                    .set(Some((user_id, js_sys::Date::now() + 5000.0)));
            }
        }
        ServerMsg::PresenceChanged { user_id, presence } => {
            directory.set_presence(user_id, presence)
        }
        ServerMsg::IntegrationHealthChanged { .. } => {
            directory.health_changed.update(|count| *count += 1)
        }
        ServerMsg::DealUpdated { deal } => {
            open_chat.set_extras(|extras| {
                if let Some(shown) = extras.deals.iter_mut().find(|shown| shown.id == deal.id) {
                    *shown = deal.clone();
                }
            });
            directory.deal_changed.set(Some(deal));
        }
        ServerMsg::Ack { .. } => {}
        ServerMsg::Error { code, message, .. } => warn!("socket error {code:?}: {message}"),
        ServerMsg::Notification { notification } => notifications.arrived(notification),
        ServerMsg::NotificationsRead { ids, all, unread } => {
            notifications.read_locally(&ids, all, unread)
        }
        ServerMsg::Hello { .. } | ServerMsg::Resync { .. } => {}
        ServerMsg::ReactionsChanged {
            chat_id,
            item_id,
            reactions,
        } => open_chat.set_reactions(chat_id, item_id, reactions),
    }
}
