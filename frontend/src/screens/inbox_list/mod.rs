//! The Clients inbox list: five group tabs (My chats, Unassigned, Other chats, Closed
//! dialogs, Snoozed) with counts, unread badges and waiting chats, and the selected group's
//! chats, newest activity first, with endless scroll. Arrow keys move between rows; Enter
//! opens one. Filters above the tabs narrow every group (`filters.rs`); staff tick rows for
//! bulk actions.

mod filters;

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::http::group_str;
use crate::components::bulk::{BulkBar, SelectBox, Selection};
use crate::components::chat_row::ChatRow;
use crate::components::error_line::ErrorLine;
use crate::i18n::{group_key, use_i18n, Key};
use crate::state::inbox::{use_inbox, GROUPS};
use crate::state::open_chat::use_open_chat;
use crate::state::session::use_session;
use filters::InboxFilters;

#[component]
pub fn InboxList() -> impl IntoView {
    let i18n = use_i18n();
    let inbox = use_inbox();
    let open_id = use_open_chat().chat_id;

    Effect::new(move || inbox.ensure_loaded(inbox.selected.get()));
    let can_write = use_session().can_write();
    let selection = Selection::default();
    let order = Signal::derive(move || inbox.group(inbox.selected.get()).ids.get());
    // Another group: another page, nothing selected.
    Effect::new(move || {
        inbox.selected.track();
        selection.clear();
    });

    let list_ref = NodeRef::<html::Div>::new();
    let on_scroll = move |_| {
        if let Some(list) = list_ref.get_untracked() {
            let remaining = list.scroll_height() - list.scroll_top() - list.client_height();
            if remaining < 300 {
                inbox.load_more(inbox.selected.get_untracked());
            }
        }
    };

    let tabs = GROUPS
        .into_iter()
        .map(|group| {
            let list = inbox.group(group);
            let name = group_str(group);
            let selected = move || inbox.selected.get() == group;
            view! {
                <button
                    type="button"
                    role="tab"
                    class="group-tab"
                    class:selected=selected
                    aria-selected=move || selected().to_string()
                    data-test=format!("group-{name}")
                    on:click=move |_| inbox.selected.set(group)
                >
                    <span class="group-name">{move || i18n.tr(group_key(group))}</span>
                    <span class="group-count" data-test=format!("group-count-{name}")>
                        {move || list.chats.get()}
                    </span>
                    <Show when=move || { list.waiting.get() > 0 }>
                        <span
                            class="pill pill-warn"
                            data-test=format!("group-waiting-{name}")
                            title=move || i18n.fill(Key::WaitingCount, &[("count", list.waiting.get().to_string())])
                        >
                            {move || i18n.fill(Key::WaitingShort, &[("count", list.waiting.get().to_string())])}
                        </span>
                    </Show>
                    <Show when=move || { list.unread.get() > 0 }>
                        <span
                            class="badge"
                            data-test=format!("group-unread-{name}")
                            aria-label=move || format!("{} {}", list.unread.get(), i18n.tr(Key::UnreadMessages))
                        >
                            {move || list.unread.get()}
                        </span>
                    </Show>
                </button>
            }
        })
        .collect_view();

    let rows = move || {
        let list = inbox.group(inbox.selected.get());
        view! {
            <For
                each=move || list.ids.get()
                key=|id| *id
                children=move |id| {
                    inbox.chat(id).map(|chat| {
                        let active = Signal::derive(move || open_id.get() == Some(id));
                        let name = {
                            let chat = chat.clone();
                            Signal::derive(move || chat.with(|chat| chat.contact_name.clone()))
                        };
                        view! {
                            <div class="selectable-row">
                                {can_write.then(|| view! { <SelectBox selection id order name/> })}
                                <ChatRow chat active/>
                            </div>
                        }
                    })
                }
            />
        }
    };

    let state = move || {
        let list = inbox.group(inbox.selected.get());
        let empty = list.loaded.get() && list.ids.with(Vec::is_empty);
        view! {
            <ErrorLine error=list.error/>
            <Show when=move || list.loading.get()>
                <div class="list-note" aria-busy="true">
                    <span class="spinner" aria-hidden="true"></span>
                    {move || i18n.tr(Key::Loading)}
                </div>
            </Show>
            <Show when=move || empty>
                <div class="list-note" data-test="inbox-empty">{move || i18n.tr(Key::NoChatsInGroup)}</div>
            </Show>
            <Show when=move || list.cursor.with(Option::is_some) && !list.loading.get()>
                <button type="button" class="button button-quiet load-more" data-test="load-more"
                    on:click=move |_| inbox.load_more(list.group)>
                    {move || i18n.tr(Key::LoadMore)}
                </button>
            </Show>
        }
    };

    view! {
        <section class="inbox-list" aria-label=move || i18n.tr(Key::Clients) data-test="inbox-list">
            <InboxFilters/>
            <div class="group-tabs" role="tablist">{tabs}</div>
            {can_write.then(|| view! { <BulkBar selection order/> })}
            <div
                class="chat-list"
                node_ref=list_ref
                on:scroll=on_scroll
                on:keydown=move_focus
                data-test="chat-list"
            >
                {rows}
                {state}
            </div>
        </section>
    }
}

/// Arrow keys move focus between rows (Enter follows the focused row's link natively).
fn move_focus(event: KeyboardEvent) {
    let step: i32 = match event.key().as_str() {
        "ArrowDown" => 1,
        "ArrowUp" => -1,
        "Home" => i32::MIN,
        "End" => i32::MAX,
        _ => return,
    };
    let Some(list) = event
        .current_target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Ok(rows) = list.query_selector_all(".chat-row") else {
        return;
    };
    let count = rows.length() as i32;
    if count == 0 {
        return;
    }
    let focused = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.active_element());
    let current = (0..count).find(|index| {
        rows.item(*index as u32)
            .zip(focused.as_ref())
            .is_some_and(|(row, focused)| row.is_same_node(Some(focused)))
    });
    let next = match (step, current) {
        (i32::MIN, _) => 0,
        (i32::MAX, _) => count - 1,
        (_, None) => 0,
        (step, Some(index)) => (index + step).clamp(0, count - 1),
    };
    if let Some(row) = rows
        .item(next as u32)
        .and_then(|row| row.dyn_into::<web_sys::HtmlElement>().ok())
    {
        event.prevent_default();
        let _ = row.focus();
    }
}
