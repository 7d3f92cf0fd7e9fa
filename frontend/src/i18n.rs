//! Every user-facing string of the web app, per language. Screens ask for a [`Key`]; they never
//! hold literal text. Adding a language: a [`Lang`] variant plus one `fn xx(key) -> &str`;
//! the exhaustive matches make the compiler list every missing string.

use leptos::prelude::*;
use shared::api::users::Role;

/// A language the interface is available in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
}

/// One piece of interface text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    AppName,
    Loading,
    // Sign-in screen.
    SignInTitle,
    SignInSubtitle,
    Email,
    Password,
    SignIn,
    SigningIn,
    WrongCredentials,
    TooManyAttempts,
    // Errors shared by screens.
    NetworkError,
    ServerError,
    UnexpectedError,
    SessionCheckFailed,
    Retry,
    // Shell.
    MainNavigation,
    SignOut,
    SignOutFailed,
    RoleAdmin,
    RoleEmployee,
    RoleFollower,
    // Pages.
    Clients,
    ClientsEmptyTitle,
    ClientsEmptyText,
    NotFoundTitle,
    NotFoundText,
    BackHome,
}

/// The text for `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    match lang {
        Lang::En => en(key),
    }
}

/// The label of a role.
pub fn role_key(role: Role) -> Key {
    match role {
        Role::Admin => Key::RoleAdmin,
        Role::Employee => Key::RoleEmployee,
        Role::Follower => Key::RoleFollower,
    }
}

fn en(key: Key) -> &'static str {
    match key {
        Key::AppName => "Tidings",
        Key::Loading => "Loading…",
        Key::SignInTitle => "Sign in",
        Key::SignInSubtitle => "Your team's shared inbox for Telegram and Viber.",
        Key::Email => "E-mail",
        Key::Password => "Password",
        Key::SignIn => "Sign in",
        Key::SigningIn => "Signing in…",
        Key::WrongCredentials => "Wrong e-mail or password.",
        Key::TooManyAttempts => "Too many attempts. Try again in a minute.",
        Key::NetworkError => "Cannot reach the server. Check your connection and try again.",
        Key::ServerError => "The server ran into a problem. Try again shortly.",
        Key::UnexpectedError => "Something went wrong.",
        Key::SessionCheckFailed => "Could not check whether you are signed in.",
        Key::Retry => "Try again",
        Key::MainNavigation => "Main navigation",
        Key::SignOut => "Sign out",
        Key::SignOutFailed => "Could not sign out. Try again.",
        Key::RoleAdmin => "Admin",
        Key::RoleEmployee => "Employee",
        Key::RoleFollower => "Follower",
        Key::Clients => "Clients",
        Key::ClientsEmptyTitle => "No conversations yet",
        Key::ClientsEmptyText => "New chats from your Telegram and Viber bots will appear here.",
        Key::NotFoundTitle => "Page not found",
        Key::NotFoundText => "There is nothing at this address.",
        Key::BackHome => "Back to the inbox",
    }
}

/// The interface language, provided once by `app.rs`. Reading through it is reactive, so
/// switching the language later re-renders the text in place.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    pub fn new(lang: Lang) -> Self {
        I18n {
            lang: RwSignal::new(lang),
        }
    }

    /// The text for `key` in the current language (tracks the language signal).
    pub fn tr(&self, key: Key) -> &'static str {
        t(self.lang.get(), key)
    }
}

/// The [`I18n`] provided by `app.rs`.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_errors_read_as_specified() {
        assert_eq!(
            t(Lang::En, Key::WrongCredentials),
            "Wrong e-mail or password."
        );
        assert_eq!(
            t(Lang::En, Key::TooManyAttempts),
            "Too many attempts. Try again in a minute."
        );
    }
}
