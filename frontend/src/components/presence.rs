//! Who is there: a presence dot beside a user's name (online, away, offline), live from the
//! socket, and the words for why a queued user cannot take a chat now.

use leptos::prelude::*;
use shared::api::integrations::WhyNotEligible;
use shared::api::users::Presence;
use shared::Id;

use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;

pub fn presence_key(presence: Presence) -> Key {
    match presence {
        Presence::Online => Key::PresenceOnline,
        Presence::Away => Key::PresenceAway,
        Presence::Offline => Key::PresenceOffline,
    }
}

pub fn why_not_key(why: WhyNotEligible) -> Key {
    match why {
        WhyNotEligible::Inactive => Key::WhyNotInactive,
        WhyNotEligible::Offline => Key::WhyNotOffline,
        WhyNotEligible::Away => Key::WhyNotAway,
        WhyNotEligible::AtCapacity => Key::WhyNotAtCapacity,
        WhyNotEligible::NotAssignable => Key::WhyNotAssignable,
    }
}

/// A coloured dot with the presence in words for screen readers and on hover.
#[component]
pub fn PresenceDot(user_id: Id) -> impl IntoView {
    let i18n = use_i18n();
    let directory = use_directory();
    let presence = move || directory.presence(user_id);
    view! {
        <span
            class="presence-dot"
            data-test="presence"
            data-presence=move || presence_class(presence())
            role="img"
            aria-label=move || i18n.tr(presence_key(presence()))
            title=move || i18n.tr(presence_key(presence()))
        ></span>
    }
}

fn presence_class(presence: Presence) -> &'static str {
    presence.as_str()
}
