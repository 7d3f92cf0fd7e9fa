//! The chat on screen: its sidebar data (contact, deals, tasks, projects, notification
//! setting), its timeline (oldest first, older pages fetched on demand), its comments, and
//! who is typing. The chat's own fields live in the inbox store, so the header, the row and
//! the sidebar show the same live values.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::{Chat, ChatDetail, Comment, DeliveryState, Item, ItemBody};
use shared::api::crm::{Contact, Deal, Project, Task};
use shared::api::reactions::Reaction;
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::state::inbox::Inbox;
use crate::state::session::SessionContext;

/// How many items one timeline request asks for.
pub const PAGE: u32 = 100;

/// The parts of `ChatDetail` that are not the chat itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Extras {
    pub contact: Contact,
    pub deals: Vec<Deal>,
    pub tasks: Vec<Task>,
    pub projects: Vec<Project>,
    pub notifications_enabled: bool,
}

#[derive(Clone, Copy)]
pub struct OpenChat {
    pub chat_id: RwSignal<Option<Id>>,
    /// The chat's live signal from the inbox store, once known.
    pub chat: RwSignal<Option<ArcRwSignal<Chat>>>,
    pub extras: RwSignal<Option<Extras>>,
    pub error: RwSignal<Option<ApiError>>,
    pub items: RwSignal<Vec<Item>>,
    pub items_loaded: RwSignal<bool>,
    /// Whether older items exist on the server.
    pub has_older: RwSignal<bool>,
    pub loading_older: RwSignal<bool>,
    pub comments: RwSignal<Vec<Comment>>,
    /// Whether the info panel (right sidebar) is shown.
    pub info_visible: RwSignal<bool>,
    /// A teammate typing: (user, until when in ms).
    pub typing: RwSignal<Option<(Id, f64)>>,
    /// The timeline is scrolled to its newest item (new messages count as read).
    pub at_bottom: RwSignal<bool>,
    /// Somewhere outside the router (a notification click) asks to open a chat.
    pub open_request: RwSignal<Option<Id>>,
    /// The message the next reply quotes ("Reply" on a message), if any.
    pub quoting: RwSignal<Option<Item>>,
    inbox: StoredValue<Option<Inbox>>,
    session: StoredValue<Option<SessionContext>>,
    read_timer: StoredValue<Option<TimeoutHandle>>,
}

impl OpenChat {
    pub fn new() -> Self {
        OpenChat {
            chat_id: RwSignal::new(None),
            chat: RwSignal::new(None),
            extras: RwSignal::new(None),
            error: RwSignal::new(None),
            items: RwSignal::new(Vec::new()),
            items_loaded: RwSignal::new(false),
            has_older: RwSignal::new(false),
            loading_older: RwSignal::new(false),
            comments: RwSignal::new(Vec::new()),
            info_visible: RwSignal::new(is_wide()),
            typing: RwSignal::new(None),
            at_bottom: RwSignal::new(true),
            open_request: RwSignal::new(None),
            quoting: RwSignal::new(None),
            inbox: StoredValue::new(None),
            session: StoredValue::new(None),
            read_timer: StoredValue::new(None),
        }
    }

    pub fn wire(&self, inbox: Inbox, session: SessionContext) {
        self.inbox.set_value(Some(inbox));
        self.session.set_value(Some(session));
    }

    fn note(&self, error: &ApiError) {
        if let Some(session) = self.session.get_value() {
            session.note(error);
        }
    }

    fn is_current(&self, id: Id) -> bool {
        self.chat_id.get_untracked() == Some(id)
    }

    /// Shows chat `id`: fetches its detail, newest timeline page and comments, marks it read.
    pub fn open(&self, id: Id) {
        if self.is_current(id) {
            return;
        }
        self.chat_id.set(Some(id));
        self.chat
            .set(self.inbox.get_value().and_then(|inbox| inbox.chat(id)));
        self.extras.set(None);
        self.error.set(None);
        self.items.set(Vec::new());
        self.items_loaded.set(false);
        self.has_older.set(false);
        self.loading_older.set(false);
        self.comments.set(Vec::new());
        self.typing.set(None);
        self.at_bottom.set(true);
        self.quoting.set(None);
        self.reload_detail();
        self.reload_timeline();
        self.reload_comments();
    }

    pub fn close(&self) {
        self.chat_id.set(None);
        self.chat.set(None);
        self.extras.set(None);
        self.items.set(Vec::new());
        self.comments.set(Vec::new());
    }

    /// Refetches everything of the open chat (after a resync).
    pub fn refresh(&self) {
        if self.chat_id.get_untracked().is_some() {
            self.reload_detail();
            self.reload_timeline();
            self.reload_comments();
        }
    }

    pub fn reload_detail(&self) {
        let Some(id) = self.chat_id.get_untracked() else {
            return;
        };
        let this = *self;
        spawn_local(async move {
            let answer = http::chat(id).await;
            if !this.is_current(id) {
                return;
            }
            match answer {
                Ok(detail) => this.apply_detail(detail),
                Err(error) => {
                    this.note(&error);
                    this.error.set(Some(error));
                }
            }
        });
        self.mark_read(None);
    }

    fn apply_detail(&self, detail: ChatDetail) {
        let ChatDetail {
            chat,
            contact,
            deals,
            tasks,
            projects,
            notifications_enabled,
        } = detail;
        let id = chat.id;
        if let Some(inbox) = self.inbox.get_value() {
            inbox.upsert(chat, false);
            inbox.set_notifications(id, notifications_enabled);
            // Setting it again would rebuild the whole chat view.
            if self.chat.with_untracked(Option::is_none) {
                self.chat.set(inbox.chat(id));
            }
        }
        self.extras.set(Some(Extras {
            contact,
            deals,
            tasks,
            projects,
            notifications_enabled,
        }));
    }

    fn reload_timeline(&self) {
        let Some(id) = self.chat_id.get_untracked() else {
            return;
        };
        let this = *self;
        spawn_local(async move {
            let answer = http::timeline(id, None, PAGE).await;
            if !this.is_current(id) {
                return;
            }
            match answer {
                Ok(items) => {
                    this.has_older.set(items.len() as u32 >= PAGE);
                    this.items.set(items);
                    this.items_loaded.set(true);
                }
                Err(error) => {
                    this.note(&error);
                    this.error.set(Some(error));
                }
            }
        });
    }

    fn reload_comments(&self) {
        let Some(id) = self.chat_id.get_untracked() else {
            return;
        };
        let this = *self;
        spawn_local(async move {
            match http::comments(id).await {
                Ok(comments) if this.is_current(id) => this.comments.set(comments),
                Ok(_) => {}
                Err(error) => this.note(&error),
            }
        });
    }

    /// Fetches the page before the oldest item; `done` gets how many items were prepended.
    pub fn load_older(&self, done: impl FnOnce(usize) + 'static) {
        let this = *self;
        spawn_local(async move {
            let count = this.fetch_older().await;
            done(count);
        });
    }

    /// Fetches the page before the oldest item and prepends it; answers how many items were
    /// added (0 when there is nothing older, a request is already running, or it failed).
    pub async fn fetch_older(&self) -> usize {
        let Some(id) = self.chat_id.get_untracked() else {
            return 0;
        };
        if self.loading_older.get_untracked() || !self.has_older.get_untracked() {
            return 0;
        }
        let Some(oldest) = self
            .items
            .with_untracked(|items| items.first().map(|item| item.id))
        else {
            return 0;
        };
        self.loading_older.set(true);
        let answer = http::timeline(id, Some(oldest), PAGE).await;
        if !self.is_current(id) {
            return 0;
        }
        self.loading_older.set(false);
        match answer {
            Ok(mut older) => {
                self.has_older.set(older.len() as u32 >= PAGE);
                let known = self
                    .items
                    .with_untracked(|items| items.iter().map(|item| item.id).collect::<Vec<_>>());
                older.retain(|item| !known.contains(&item.id));
                let count = older.len();
                self.items.update(|items| {
                    older.append(items);
                    *items = older;
                });
                count
            }
            Err(error) => {
                self.note(&error);
                0
            }
        }
    }

    /// Loads older pages until item `id` is loaded; whether it is.
    pub async fn load_until(&self, id: Id) -> bool {
        loop {
            let loaded = self
                .items
                .with_untracked(|items| items.first().is_some_and(|first| first.id <= id));
            if loaded {
                return self
                    .items
                    .with_untracked(|items| items.iter().any(|item| item.id == id));
            }
            if self.fetch_older().await == 0 {
                return false;
            }
        }
    }

    /// Adds or replaces an item of the open chat (ordered by id).
    pub fn put_item(&self, item: Item) {
        if !self.is_current(item.chat_id) || !self.items_loaded.get_untracked() {
            return;
        }
        self.items.update(|items| {
            if let Some(existing) = items.iter_mut().find(|other| other.id == item.id) {
                let newer_delivery = delivery_of(existing)
                    .filter(|shown| delivery_of(&item).is_some_and(|copy| further(*shown, copy)))
                    .zip(message_of(existing).map(|message| message.delivery_error.clone()));
                *existing = item;
                // A reply's HTTP answer can arrive after the socket said it was sent: a copy
                // read earlier must not take a delivery step back.
                if let (Some((delivery, error)), ItemBody::Message(message)) =
                    (newer_delivery, &mut existing.body)
                {
                    message.delivery = delivery;
                    message.delivery_error = error;
                }
            } else {
                let position = items
                    .iter()
                    .rposition(|other| other.id < item.id)
                    .map_or(0, |p| p + 1);
                items.insert(position, item);
            }
        });
    }

    pub fn set_delivery(
        &self,
        chat_id: Id,
        item_id: Id,
        state: DeliveryState,
        error: Option<String>,
    ) {
        if !self.is_current(chat_id) {
            return;
        }
        self.items.update(|items| {
            let found = items.iter_mut().find(|item| item.id == item_id);
            if let Some(ItemBody::Message(message)) = found.map(|item| &mut item.body) {
                message.delivery = state;
                message.delivery_error = error;
            }
        });
    }

    /// A message's reactions changed (the customer's or a manager's).
    pub fn set_reactions(&self, chat_id: Id, item_id: Id, reactions: Vec<Reaction>) {
        if !self.is_current(chat_id) {
            return;
        }
        self.items.update(|items| {
            let found = items.iter_mut().find(|item| item.id == item_id);
            if let Some(ItemBody::Message(message)) = found.map(|item| &mut item.body) {
                message.reactions = reactions;
            }
        });
    }

    pub fn put_comment(&self, comment: Comment) {
        if !self.is_current(comment.chat_id) {
            return;
        }
        self.comments.update(|comments| {
            if !comments.iter().any(|other| other.id == comment.id) {
                comments.push(comment);
            }
        });
    }

    /// Whether the caller is looking at the newest messages of this chat right now.
    pub fn is_reading(&self, chat_id: Id) -> bool {
        let visible = web_sys::window()
            .and_then(|window| window.document())
            .is_some_and(|document| !document.hidden() && document.has_focus().unwrap_or(false));
        self.is_current(chat_id) && self.at_bottom.get_untracked() && visible
    }

    /// Marks the open chat read on the server (soon, once for a burst).
    pub fn mark_read(&self, item_id: Option<Id>) {
        let Some(id) = self.chat_id.get_untracked() else {
            return;
        };
        if let Some(handle) = self.read_timer.get_value() {
            handle.clear();
        }
        let this = *self;
        let handle = set_timeout_with_handle(
            move || {
                spawn_local(async move {
                    match http::mark_read(id, item_id).await {
                        Ok(_) => {
                            if let Some(inbox) = this.inbox.get_value() {
                                inbox.mark_read_locally(id);
                            }
                        }
                        Err(error) => this.note(&error),
                    }
                });
            },
            Duration::from_millis(250),
        )
        .ok();
        self.read_timer.set_value(handle);
    }

    pub fn set_extras(&self, change: impl FnOnce(&mut Extras)) {
        self.extras.update(|extras| {
            if let Some(extras) = extras {
                change(extras);
            }
        });
    }
}

/// Wide enough for the info panel as a third column (see `style.css`); narrower screens
/// show it on demand over the chat.
fn is_wide() -> bool {
    web_sys::window()
        .and_then(|window| window.inner_width().ok())
        .and_then(|width| width.as_f64())
        .is_some_and(|width| width > 1100.0)
}

pub fn use_open_chat() -> OpenChat {
    expect_context::<OpenChat>()
}

fn message_of(item: &Item) -> Option<&shared::api::chats::Message> {
    match &item.body {
        ItemBody::Message(message) => Some(message),
        _ => None,
    }
}

fn delivery_of(item: &Item) -> Option<DeliveryState> {
    message_of(item).map(|message| message.delivery)
}

/// Whether `shown` is a later step of one delivery than `copy`. Sending only moves
/// forward (pending, sent, delivered, seen); a failure and its retry are not ordered.
fn further(shown: DeliveryState, copy: DeliveryState) -> bool {
    let step = |state| match state {
        DeliveryState::Pending => Some(0),
        DeliveryState::Sent => Some(1),
        DeliveryState::Delivered => Some(2),
        DeliveryState::Seen => Some(3),
        DeliveryState::Failed => None,
    };
    matches!((step(shown), step(copy)), (Some(shown), Some(copy)) if shown > copy)
}
