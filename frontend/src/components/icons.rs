//! Inline SVG icons (no asset files): the messengers and a few actions.

use leptos::prelude::*;
use shared::api::Channel;

/// The messenger's logo, with its name for screen readers.
#[component]
pub fn ChannelIcon(channel: Channel) -> impl IntoView {
    let (label, class) = match channel {
        Channel::Telegram => ("Telegram", "channel-icon channel-telegram"),
        Channel::Viber => ("Viber", "channel-icon channel-viber"),
        Channel::Whatsapp => ("WhatsApp", "channel-icon channel-whatsapp"),
        Channel::Api => ("Channel API", "channel-icon channel-api"),
    };
    let path = match channel {
        // A paper plane.
        Channel::Telegram => view! {
            <circle cx="12" cy="12" r="12" fill="#229ED9"/>
            <path fill="#fff" d="M5.4 11.6l11.1-4.3c.5-.2 1 .1.8.9l-1.9 8.9c-.1.6-.5.8-1 .5l-2.9-2.1-1.4 1.3c-.2.2-.3.3-.6.3l.2-2.9 5.4-4.9c.2-.2 0-.3-.3-.1l-6.7 4.2-2.9-.9c-.6-.2-.6-.6.2-.9z"/>
        }
        .into_any(),
        // A phone in a speech bubble.
        Channel::Viber => view! {
            <circle cx="12" cy="12" r="12" fill="#7360F2"/>
            <path fill="#fff" d="M9.3 6.6c-.3-.3-.8-.3-1.1 0l-.9.9c-.7.7-.7 1.9.1 3.4.9 1.6 2.2 3 3.8 3.9 1.5.8 2.7.8 3.4.1l.9-.9c.3-.3.3-.8 0-1.1l-1.4-1.2c-.3-.3-.8-.3-1.1 0l-.6.6c-.9-.4-2-1.5-2.4-2.4l.6-.6c.3-.3.3-.8 0-1.1z"/>
            <path fill="none" stroke="#fff" stroke-width="1" stroke-linecap="round" d="M13 6.5c2.4.2 4.3 2.1 4.5 4.5M13 8.3c1.4.2 2.5 1.3 2.7 2.7"/>
        }
        .into_any(),
        // A phone in a round speech bubble with a tail.
        Channel::Whatsapp => view! {
            <circle cx="12" cy="12" r="12" fill="#25D366"/>
            <path fill="none" stroke="#fff" stroke-width="1.3" d="M6.2 17.8l.9-2.9a6 6 0 1 1 2.1 2.1z"/>
            <path fill="#fff" d="M10 8.6c-.2-.2-.5-.2-.7 0l-.5.5c-.4.4-.4 1.1.1 2 .5.9 1.3 1.7 2.2 2.2.9.5 1.6.5 2 .1l.5-.5c.2-.2.2-.5 0-.7l-.8-.7c-.2-.2-.5-.2-.7 0l-.3.3c-.5-.2-1.1-.8-1.3-1.3l.3-.3c.2-.2.2-.5 0-.7z"/>
        }
        .into_any(),
        // Two plugs: any other messenger through a bridge.
        Channel::Api => view! {
            <circle cx="12" cy="12" r="12" fill="#475569"/>
            <path fill="none" stroke="#fff" stroke-width="1.6" stroke-linecap="round" d="M8 9l-3 3 3 3M16 9l3 3-3 3M13.5 7.5l-3 9"/>
        }
        .into_any(),
    };
    view! {
        <svg class=class viewBox="0 0 24 24" width="16" height="16" role="img" aria-label=label
            data-test="channel-icon" data-channel=channel.as_str()>
            <title>{label}</title>
            {path}
        </svg>
    }
}
