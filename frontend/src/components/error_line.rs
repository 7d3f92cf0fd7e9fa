//! How a failed request reads on screen.

use leptos::prelude::*;
use shared::error::ErrorCode;

use crate::api::http::ApiError;
use crate::i18n::{use_i18n, I18n, Key};

/// A person-readable sentence for an API error.
pub fn describe(i18n: I18n, error: &ApiError) -> String {
    if error.is_network() {
        i18n.tr(Key::NetworkError).to_owned()
    } else if error.is_server() {
        format!(
            "{} (HTTP {})",
            i18n.tr(Key::ServerError),
            error.status.unwrap_or_default()
        )
    } else if error.is_forbidden() {
        i18n.tr(Key::NotAllowed).to_owned()
    } else if error.is_not_found() {
        i18n.tr(Key::NotFoundOrHidden).to_owned()
    } else if error.is_rate_limited() {
        i18n.tr(Key::TooManyAttempts).to_owned()
    } else if error.code == Some(ErrorCode::NotAssignable) {
        i18n.tr(Key::NotAssignable).to_owned()
    } else if error.code == Some(ErrorCode::NotMentionable) {
        i18n.tr(Key::NotMentionable).to_owned()
    } else if error.code.is_some() && !error.message.is_empty() {
        // 409/422 messages are written for people (e.g. "the messenger refused the token").
        error.message.clone()
    } else {
        i18n.tr(Key::UnexpectedError).to_owned()
    }
}

/// An inline error message, shown while `error` holds one.
#[component]
pub fn ErrorLine(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().map(|error| {
            view! {
                <p class="form-error" role="alert" data-test="error">{describe(i18n, &error)}</p>
            }
        })
    }
}
