//! One timeline entry: a message (text, attachments, location, contact, edits, delivery
//! state with "Retry") or an event in plain words. Text is always a text node, never HTML.

use leptos::prelude::*;
use serde_json::Value;
use shared::api::chats::{DeliveryState, Direction, EventItem, Item, ItemBody, Message};
use shared::Id;

use super::attachments::{formatted, AttachmentView, Details};
use super::event_text::{describe_event, open_chat_names, str_field};
use super::quotes::{MessageActions, QuoteView, ReactionChips};
use crate::api::http;
use crate::components::error_line::describe;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::open_chat::use_open_chat;
use crate::state::session::use_session;

#[component]
pub fn TimelineItem(
    item: Item,
    day: Option<String>,
    #[prop(into)] highlighted: Signal<bool>,
) -> impl IntoView {
    let day = day.map(|day| {
        view! { <div class="tl-day" role="separator"><span>{day}</span></div> }
    });
    let body = match item.body {
        ItemBody::Message(message) => {
            view! { <MessageView id=item.id chat_id=item.chat_id at=item.at message highlighted/> }
                .into_any()
        }
        ItemBody::Event(event) => {
            view! { <EventView id=item.id at=item.at event highlighted/> }.into_any()
        }
    };
    view! { {day} {body} }
}

#[component]
fn EventView(id: Id, at: String, event: EventItem, highlighted: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let directory = use_directory();
    let open_chat = use_open_chat();
    let name = event.event.name();
    let clock_at = at.clone();
    let text = move || describe_event(i18n, directory, open_chat_names(open_chat), &event);
    view! {
        <div
            class="tl-item tl-event"
            class:highlight=move || highlighted.get()
            data-test="timeline-item"
            data-item-id=id
            data-kind="event"
            data-event=name
        >
            <span class="tl-event-text">{text}</span>
            <time class="tl-time" title=move || format::day_time(i18n.lang(), &at)>
                {move || format::clock(i18n.lang(), &clock_at)}
            </time>
        </div>
    }
}

#[component]
fn MessageView(
    id: Id,
    chat_id: Id,
    at: String,
    message: Message,
    highlighted: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let directory = use_directory();
    let item = message;
    let outgoing = item.direction == Direction::Out;
    let show_versions = RwSignal::new(false);

    let author = outgoing.then(|| {
        let name = match item.author_id {
            Some(id) => directory.user_name(id),
            None => {
                let auto = item
                    .data
                    .as_ref()
                    .and_then(|data| str_field(data, "auto"))
                    .unwrap_or_default();
                match auto {
                    "greeting" => i18n.tr(Key::AutoGreeting).to_owned(),
                    "auto_reply" => i18n.tr(Key::AutoReply).to_owned(),
                    _ => i18n.tr(Key::AutomaticMessage).to_owned(),
                }
            }
        };
        view! { <div class="msg-author" data-test="message-author">{name}</div> }
    });

    let attachments = item
        .attachments
        .clone()
        .into_iter()
        .map(|attachment| view! { <AttachmentView attachment/> })
        .collect_view();
    let details = item.data.clone().map(|data| view! { <Details data/> });
    let text = item.text.clone().filter(|text| !text.is_empty()).map(|text| {
        let entities = item
            .data
            .as_ref()
            .and_then(|data| data.get("entities").or_else(|| data.get("caption_entities")))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        view! { <div class="msg-text" data-test="message-text">{formatted(&text, &entities)}</div> }
    });
    let versions = item.versions.clone();
    let edited = item.edited_at.is_some() || !versions.is_empty();
    let versions_view = move || {
        show_versions.get().then(|| {
            let rows = versions
                .iter()
                .map(|version| {
                    let at = version.at.clone();
                    view! {
                        <li>
                            <time>{move || format::day_time(i18n.lang(), &at)}</time>
                            <span class="version-text">{version.text.clone()}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="msg-versions" data-test="message-versions">
                    <span class="muted">{move || i18n.tr(Key::EarlierVersions)}</span>
                    <ol>{rows}</ol>
                </div>
            }
        })
    };
    let at_title = at.clone();
    let delivery = outgoing.then(|| {
        view! {
            <DeliveryView
                chat_id
                item_id=id
                state=item.delivery
                error=item.delivery_error.clone()
            />
        }
    });
    let data_direction = if outgoing { "out" } else { "in" };
    let quote = item
        .reply_to
        .clone()
        .map(|quote| view! { <QuoteView quote/> });
    let reactions = (!item.reactions.is_empty()).then(|| {
        let reactions = item.reactions.clone();
        view! { <ReactionChips reactions/> }
    });
    let actions_at = at.clone();
    let actions = view! { <MessageActions id chat_id at=actions_at message=item.clone()/> };
    let deleted = item.deleted_at.is_some();

    view! {
        <div
            class="tl-item tl-message"
            class:out=outgoing
            class:deleted=deleted
            class:highlight=move || highlighted.get()
            data-test="timeline-item"
            data-item-id=id
            data-kind="message"
            data-direction=data_direction
        >
            <div class="bubble">
                {author}
                {quote}
                {attachments}
                {details}
                {text}
                <div class="msg-meta">
                    <Show when=move || deleted>
                        <span class="msg-deleted" data-test="message-deleted">{move || i18n.tr(Key::DeletedByCustomer)}</span>
                    </Show>
                    <Show when=move || edited>
                        <button
                            type="button"
                            class="link-button"
                            data-test="message-edited"
                            aria-expanded=move || show_versions.get().to_string()
                            on:click=move |_| show_versions.update(|shown| *shown = !*shown)
                        >
                            {move || i18n.tr(Key::Edited)}
                        </button>
                    </Show>
                    <time title=move || format::day_time(i18n.lang(), &at_title)>
                        {move || format::clock(i18n.lang(), &at)}
                    </time>
                    {delivery}
                </div>
                {versions_view}
                {reactions}
            </div>
            {actions}
        </div>
    }
}

#[component]
fn DeliveryView(
    chat_id: Id,
    item_id: Id,
    state: DeliveryState,
    error: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let open_chat = use_open_chat();
    let retry = Action::new_local(move |_: &()| http::retry(chat_id, item_id));
    let retry_error = RwSignal::new(None);
    Effect::new(move || match retry.value().get() {
        Some(Ok(item)) => open_chat.put_item(item),
        Some(Err(failure)) => {
            session.note(&failure);
            retry_error.set(Some(describe(i18n, &failure)));
        }
        None => {}
    });
    let (key, name) = match state {
        DeliveryState::Pending => (Key::DeliveryPending, "pending"),
        DeliveryState::Sent => (Key::DeliverySent, "sent"),
        DeliveryState::Delivered => (Key::DeliveryDelivered, "delivered"),
        DeliveryState::Seen => (Key::DeliverySeen, "seen"),
        DeliveryState::Failed => (Key::DeliveryFailed, "failed"),
    };
    let mark = match state {
        DeliveryState::Pending => "◷",
        DeliveryState::Sent => "✓",
        DeliveryState::Delivered | DeliveryState::Seen => "✓✓",
        DeliveryState::Failed => "!",
    };
    let failed = state == DeliveryState::Failed;
    let can_retry = session.can_write();
    view! {
        <span class=format!("delivery delivery-{name}") data-test="delivery-state" data-state=name
            title=move || i18n.tr(key)>
            <span aria-hidden="true">{mark}</span>
            <span class="delivery-label">{move || i18n.tr(key)}</span>
        </span>
        <Show when=move || failed>
            <div class="delivery-failure" role="alert">
                <span data-test="delivery-error">{error.clone().unwrap_or_default()}</span>
                <Show when=move || can_retry>
                    <button type="button" class="button button-quiet button-small" data-test="retry"
                        disabled=move || retry.pending().get()
                        on:click=move |_| { retry.dispatch(()); }>
                        {move || i18n.tr(Key::RetrySend)}
                    </button>
                </Show>
                {move || retry_error.get()}
            </div>
        </Show>
    }
}
