//! The signed-in user's notification centre: the newest notifications and the
//! unread total (the bell's badge). Loaded after sign-in and on resync; live
//! through `notification` and `notifications_read` (another tab or device).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::notifications::Notification;
use shared::Id;

use crate::api::http;
use crate::state::session::SessionContext;

#[derive(Clone, Copy)]
pub struct Notifications {
    /// Newest first.
    pub items: RwSignal<Vec<Notification>>,
    pub unread: RwSignal<i64>,
    pub next_cursor: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
}

impl Notifications {
    pub fn new() -> Self {
        Notifications {
            items: RwSignal::new(Vec::new()),
            unread: RwSignal::new(0),
            next_cursor: RwSignal::new(None),
            loading: RwSignal::new(false),
        }
    }

    pub fn clear(&self) {
        self.items.set(Vec::new());
        self.unread.set(0);
        self.next_cursor.set(None);
    }

    /// (Re)loads the first page; a failure leaves what is shown in place.
    pub fn load(&self, session: SessionContext) {
        self.fetch(session, None);
    }

    /// Appends the next page, if there is one.
    pub fn load_more(&self, session: SessionContext) {
        if let Some(cursor) = self.next_cursor.get_untracked() {
            self.fetch(session, Some(cursor));
        }
    }

    fn fetch(&self, session: SessionContext, cursor: Option<String>) {
        let this = *self;
        this.loading.set(true);
        spawn_local(async move {
            let answer = http::notifications(cursor.as_deref()).await;
            this.loading.set(false);
            match answer {
                Ok(page) => {
                    if cursor.is_some() {
                        this.items.update(|items| {
                            let known: Vec<Id> = items.iter().map(|n| n.id).collect();
                            items.extend(page.items.into_iter().filter(|n| !known.contains(&n.id)));
                        });
                    } else {
                        this.items.set(page.items);
                    }
                    this.next_cursor.set(page.next_cursor);
                    this.unread.set(page.unread);
                }
                Err(error) => session.note(&error),
            }
        });
    }

    /// A new notification arrived live: one more unread, unless the list
    /// read over REST already held (and counted) it.
    pub fn arrived(&self, notification: Notification) {
        let unread = !notification.read;
        let new = self.items.try_update(|items| {
            let new = !items.iter().any(|n| n.id == notification.id);
            if new {
                items.insert(0, notification);
            }
            new
        });
        if new == Some(true) && unread {
            self.unread.update(|total| *total += 1);
        }
    }

    /// These (or all) were read, here or on another device.
    pub fn read_locally(&self, ids: &[Id], all: bool, unread: i64) {
        self.items.update(|items| {
            for notification in items.iter_mut() {
                if all || ids.contains(&notification.id) {
                    notification.read = true;
                }
            }
        });
        self.unread.set(unread);
    }

    /// Marks them read on the server (every device follows).
    pub fn mark_read(&self, session: SessionContext, ids: Vec<Id>, all: bool) {
        let this = *self;
        spawn_local(async move {
            match http::mark_notifications_read(ids.clone(), all).await {
                Ok(unread) => this.read_locally(&ids, all, unread),
                Err(error) => session.note(&error),
            }
        });
    }
}

impl Default for Notifications {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_notifications() -> Notifications {
    expect_context::<Notifications>()
}
