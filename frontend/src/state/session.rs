//! Who is signed in. Provided once by `app.rs`; the login screen and the shell update it, the
//! rest only read it. Hiding things by role is cosmetic: the server decides what is allowed.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::users::{Role, User};

use crate::api::http::{self, ApiError};

/// What the app knows about the current user.
#[derive(Debug, Clone, PartialEq)]
pub enum Session {
    /// `GET /api/v1/me` has not answered yet (or failed other than with `401`).
    Unknown,
    SignedOut,
    SignedIn(User),
}

/// The session context: the state plus the `GET /me` check that settles it at start-up.
#[derive(Clone, Copy)]
pub struct SessionContext {
    state: RwSignal<Session>,
    checking: RwSignal<bool>,
    check_error: RwSignal<Option<ApiError>>,
}

impl SessionContext {
    /// Creates the context and starts the `GET /me` check. Call once, in `App`.
    pub fn start() -> Self {
        let context = SessionContext {
            state: RwSignal::new(Session::Unknown),
            checking: RwSignal::new(false),
            check_error: RwSignal::new(None),
        };
        context.check();
        context
    }

    pub fn get(&self) -> Session {
        self.state.get()
    }

    /// Whether the `GET /me` check is in flight.
    pub fn is_checking(&self) -> bool {
        self.checking.get()
    }

    /// Why the last check failed, when it failed other than with `401`.
    pub fn check_error(&self) -> Option<ApiError> {
        self.check_error.get()
    }

    /// Asks `GET /me` who is signed in; a `401` means nobody. Other failures leave the
    /// session unknown and are kept in [`Self::check_error`] so the shell can offer a retry.
    pub fn check(&self) {
        if self.checking.get_untracked() {
            return;
        }
        let context = *self;
        context.checking.set(true);
        context.check_error.set(None);
        spawn_local(async move {
            let answer = http::me().await;
            context.checking.set(false);
            // A sign-in that finished while the check was in flight knows better.
            if context.state.get_untracked() != Session::Unknown {
                return;
            }
            match answer {
                Ok(user) => context.state.set(Session::SignedIn(user)),
                Err(error) if error.is_unauthenticated() => context.state.set(Session::SignedOut),
                Err(error) => context.check_error.set(Some(error)),
            }
        });
    }

    /// The signed-in user, if any (tracks the session).
    pub fn user(&self) -> Option<User> {
        match self.state.get() {
            Session::SignedIn(user) => Some(user),
            _ => None,
        }
    }

    /// The signed-in user's id, without tracking.
    pub fn user_id_untracked(&self) -> Option<shared::Id> {
        match &*self.state.read_untracked() {
            Session::SignedIn(user) => Some(user.id),
            _ => None,
        }
    }

    /// Whether the user may write (reply, assign, close, comment …): admins and employees.
    /// Cosmetic only: the server decides.
    pub fn can_write(&self) -> bool {
        self.user().is_some_and(|user| user.role != Role::Follower)
    }

    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|user| user.role == Role::Admin)
    }

    /// Every failed call passes through here: a `401` means the session expired, so the app
    /// returns to sign-in (half-written replies are kept in local storage by the composer).
    pub fn note(&self, error: &ApiError) {
        if error.is_unauthenticated() && self.user_id_untracked().is_some() {
            self.state.set(Session::SignedOut);
        }
    }

    pub fn signed_in(&self, user: User) {
        self.check_error.set(None);
        self.state.set(Session::SignedIn(user));
    }

    pub fn signed_out(&self) {
        self.state.set(Session::SignedOut);
    }
}

/// The [`SessionContext`] provided by `app.rs`.
pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}
