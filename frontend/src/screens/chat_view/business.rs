//! Telegram Business chats: the "Telegram Business · owner" mark in the
//! header, and whether the owner's connection lets the bot reply (read from
//! the integration's connections; the server decides, this only explains).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::Chat;
use shared::api::integrations::BusinessConnection;

use crate::api::http;
use crate::i18n::{use_i18n, Key};

/// The connection of a business chat, once loaded (`None` for other chats,
/// and while loading or when the caller may not read it).
pub fn connection_of(chat: RwSignal<Chat>) -> RwSignal<Option<BusinessConnection>> {
    let connection = RwSignal::new(None);
    let (integration_id, connection_id) =
        chat.with_untracked(|chat| (chat.integration_id, chat.business_connection_id.clone()));
    if let Some(connection_id) = connection_id {
        spawn_local(async move {
            // A follower may not list connections: the mark then names no owner.
            if let Ok(list) = http::business_connections(integration_id).await {
                connection.set(list.into_iter().find(|c| c.id == connection_id));
            }
        });
    }
    connection
}

/// "Telegram Business · Olga" for business chats; nothing for others.
#[component]
pub fn BusinessMark(
    chat: RwSignal<Chat>,
    connection: RwSignal<Option<BusinessConnection>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let is_business = move || chat.with(|chat| chat.business_connection_id.is_some());
    let text = move || {
        let owner = connection.with(|c| c.as_ref().map(|c| c.name.clone()));
        let text = i18n.fill(Key::BusinessChat, &[("owner", owner.unwrap_or_default())]);
        text.trim_end_matches([' ', '·']).to_owned()
    };
    view! {
        <Show when=is_business>
            <p class="muted business-mark" data-test="business-mark">{text}</p>
        </Show>
    }
}

/// Whether the loaded connection refuses replies (disabled or may not reply).
pub fn refuses_replies(connection: &Option<BusinessConnection>) -> bool {
    connection
        .as_ref()
        .is_some_and(|c| !(c.enabled && c.can_reply))
}
