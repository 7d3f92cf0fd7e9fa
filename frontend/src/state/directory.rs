//! Who and what the app refers to by id: users (names of assignees, authors, followers),
//! integrations (bots) and pipelines. Loaded once after sign-in and on resync; settings
//! screens refresh it after their changes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::crm::{Deal, Pipeline};
use shared::api::integrations::Integration;
use shared::api::users::{Presence, User};
use shared::Id;

use crate::api::http;
use crate::state::session::SessionContext;

#[derive(Clone, Copy)]
pub struct Directory {
    pub users: RwSignal<Vec<User>>,
    pub integrations: RwSignal<Vec<Integration>>,
    pub pipelines: RwSignal<Vec<Pipeline>>,
    /// Bumped when the server says an integration's health changed: health
    /// views read theirs again.
    pub health_changed: RwSignal<u64>,
    /// The last deal the server said changed (deal boards follow it).
    pub deal_changed: RwSignal<Option<Deal>>,
    /// Bumped when a deal appears (a new chat's, or one a manager added):
    /// deal boards read their columns again.
    pub deals_created: RwSignal<u64>,
}

impl Directory {
    pub fn new() -> Self {
        Directory {
            users: RwSignal::new(Vec::new()),
            integrations: RwSignal::new(Vec::new()),
            pipelines: RwSignal::new(Vec::new()),
            health_changed: RwSignal::new(0),
            deal_changed: RwSignal::new(None),
            deals_created: RwSignal::new(0),
        }
    }

    pub fn clear(&self) {
        self.users.set(Vec::new());
        self.integrations.set(Vec::new());
        self.pipelines.set(Vec::new());
    }

    /// (Re)loads all three lists; a failure leaves the previous lists in place.
    pub fn load(&self, session: SessionContext) {
        self.load_users(session);
        self.load_integrations(session);
        self.load_pipelines(session);
        // Health may have changed while the socket was away.
        self.health_changed.update(|count| *count += 1);
    }

    pub fn load_users(&self, session: SessionContext) {
        let users = self.users;
        spawn_local(async move {
            match http::users().await {
                Ok(list) => users.set(list),
                Err(error) => session.note(&error),
            }
        });
    }

    pub fn load_integrations(&self, session: SessionContext) {
        let integrations = self.integrations;
        spawn_local(async move {
            match http::integrations().await {
                Ok(list) => integrations.set(list),
                Err(error) => session.note(&error),
            }
        });
    }

    pub fn load_pipelines(&self, session: SessionContext) {
        let pipelines = self.pipelines;
        spawn_local(async move {
            match http::pipelines().await {
                Ok(list) => pipelines.set(list),
                Err(error) => session.note(&error),
            }
        });
    }

    /// The user's presence (tracks the list); offline while unknown.
    pub fn presence(&self, id: Id) -> Presence {
        self.users.with(|users| {
            users
                .iter()
                .find(|user| user.id == id)
                .map_or(Presence::Offline, |user| user.presence)
        })
    }

    /// A presence change the socket announced.
    pub fn set_presence(&self, id: Id, presence: Presence) {
        self.users.update(|users| {
            if let Some(user) = users.iter_mut().find(|user| user.id == id) {
                user.presence = presence;
            }
        });
    }

    /// The user's name (tracks the list), or `#id` while unknown.
    pub fn user_name(&self, id: Id) -> String {
        self.users.with(|users| {
            users
                .iter()
                .find(|user| user.id == id)
                .map(|user| user.name.clone())
                .unwrap_or_else(|| format!("#{id}"))
        })
    }
}

pub fn use_directory() -> Directory {
    expect_context::<Directory>()
}
