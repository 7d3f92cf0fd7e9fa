//! The timeline, windowed: only up to [`WINDOW`] items are in the DOM, so a 5,000-message
//! chat scrolls smoothly. Scrolling near an edge slides the window (and near the top of the
//! loaded history fetches an older page). The item under the viewport's top edge is the
//! anchor that keeps the view still when items come or go above it; new messages scroll
//! the view only when it already was at the bottom.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::Item;
use shared::Id;
use wasm_bindgen::JsCast;

use super::item::TimelineItem;
use super::ViewControl;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::open_chat::use_open_chat;

/// Items in the DOM at most.
const WINDOW: usize = 150;
/// Items added or dropped per slide.
const STEP: usize = 50;
/// How close to an edge (px) a slide starts.
const EDGE: i32 = 500;
/// Closer than this to the bottom counts as "at the bottom".
const BOTTOM_SLACK: i32 = 40;

/// Which part of the items is rendered.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Range {
    /// Glued to the newest item: new items join the window.
    follow_end: bool,
    /// First rendered item when not following the end.
    first: Option<Id>,
    count: usize,
}

fn bounds(items: &[Item], range: Range) -> (usize, usize) {
    let len = items.len();
    if range.follow_end {
        (len.saturating_sub(range.count), len)
    } else {
        let start = range
            .first
            .map(|first| items.partition_point(|item| item.id < first))
            .unwrap_or(0)
            .min(len);
        (start, (start + range.count).min(len))
    }
}

fn range_of(items: &[Item], start: usize, end: usize) -> Range {
    let len = items.len();
    Range {
        follow_end: end >= len,
        first: items.get(start).map(|item| item.id),
        count: end.saturating_sub(start),
    }
}

#[component]
pub fn Timeline() -> impl IntoView {
    let i18n = use_i18n();
    let open_chat = use_open_chat();
    let control = expect_context::<ViewControl>();
    let items = open_chat.items;
    let range = RwSignal::new(Range {
        follow_end: true,
        first: None,
        count: WINDOW,
    });
    let container = NodeRef::<html::Div>::new();
    // (item id, its offset from the viewport top) as of the last scroll.
    let anchor = StoredValue::new(None::<(String, i32)>);

    let visible = Memo::new(move |_| {
        let range = range.get();
        items.with(|items| {
            let (start, end) = bounds(items, range);
            let mut previous_day = start
                .checked_sub(1)
                .and_then(|index| items.get(index))
                .map(|item| format::day_key(&item.at));
            items[start..end]
                .iter()
                .map(|item| {
                    let day = format::day_key(&item.at);
                    let new_day = previous_day != Some(day);
                    previous_day = Some(day);
                    (item.clone(), new_day)
                })
                .collect::<Vec<_>>()
        })
    });

    let capture = move || {
        let Some(element) = container.get_untracked() else {
            return;
        };
        let top = element.scroll_top();
        let children = element.children();
        let found = (0..children.length())
            .filter_map(|index| children.item(index))
            .filter_map(|child| child.dyn_into::<web_sys::HtmlElement>().ok())
            .filter_map(|child| child.get_attribute("data-item-id").map(|id| (id, child)))
            .find(|(_, child)| child.offset_top() + child.offset_height() > top)
            .map(|(id, child)| (id, child.offset_top() - top));
        anchor.set_value(found);
    };

    let scroll_to_bottom = move || {
        if let Some(element) = container.get_untracked() {
            element.set_scroll_top(element.scroll_height());
        }
    };

    // After every change of what is rendered: stay at the bottom if we were there, else
    // keep the anchor item where it was.
    Effect::new(move |_| {
        visible.track();
        let was_at_bottom = open_chat.at_bottom.get_untracked();
        request_animation_frame(move || {
            let Some(element) = container.get_untracked() else {
                return;
            };
            if was_at_bottom {
                element.set_scroll_top(element.scroll_height());
            } else if let Some((id, offset)) = anchor.get_value() {
                let selector = format!("[data-item-id=\"{id}\"]");
                if let Ok(Some(child)) = element.query_selector(&selector) {
                    if let Ok(child) = child.dyn_into::<web_sys::HtmlElement>() {
                        element.set_scroll_top(child.offset_top() - offset);
                    }
                }
            }
            capture();
        });
    });

    // A new chat starts at its newest items.
    Effect::new(move |_| {
        open_chat.chat_id.track();
        range.set(Range {
            follow_end: true,
            first: None,
            count: WINDOW,
        });
        open_chat.at_bottom.set(true);
    });

    let slide = move |start: usize, end: usize| {
        capture();
        let next = items.with_untracked(|items| range_of(items, start, end));
        range.set(next);
    };

    let on_scroll = move |_| {
        let Some(element) = container.get_untracked() else {
            return;
        };
        let top = element.scroll_top();
        let gap = element.scroll_height() - top - element.client_height();
        let (start, end, len) = items.with_untracked(|list| {
            let (start, end) = bounds(list, range.get_untracked());
            (start, end, list.len())
        });
        let at_bottom = gap < BOTTOM_SLACK && end >= len;
        if open_chat.at_bottom.get_untracked() != at_bottom {
            open_chat.at_bottom.set(at_bottom);
            let unread = open_chat
                .chat
                .get_untracked()
                .is_some_and(|chat| chat.with_untracked(|chat| chat.unread_count > 0));
            if at_bottom && unread {
                open_chat.mark_read(None);
            }
        }
        capture();
        if top < EDGE {
            if start > 0 {
                let new_start = start.saturating_sub(STEP);
                slide(new_start, end.min(new_start + WINDOW));
            } else if open_chat.has_older.get_untracked()
                && !open_chat.loading_older.get_untracked()
            {
                open_chat.load_older(move |added| {
                    if added > 0 {
                        let (start, end) =
                            items.with_untracked(|list| bounds(list, range.get_untracked()));
                        let new_start = start.saturating_sub(STEP);
                        slide(new_start, end.min(new_start + WINDOW));
                    }
                });
            }
        } else if gap < EDGE && end < len {
            let new_end = (end + STEP).min(len);
            slide(start.max(new_end.saturating_sub(WINDOW)), new_end);
        }
    };

    // Jump to an item (a search result): load history up to it, centre the window on it.
    Effect::new(move |_| {
        let Some(target) = control.jump.get() else {
            return;
        };
        control.jump.set(None);
        spawn_local(async move {
            if !open_chat.load_until(target).await {
                return;
            }
            let Some(index) =
                items.with_untracked(|list| list.iter().position(|item| item.id == target))
            else {
                return;
            };
            let len = items.with_untracked(Vec::len);
            let start = index.saturating_sub(WINDOW / 2);
            let end = (start + WINDOW).min(len);
            open_chat.at_bottom.set(false);
            range.set(items.with_untracked(|list| range_of(list, start, end)));
            control.highlight.set(Some(target));
            request_animation_frame(move || {
                request_animation_frame(move || {
                    let Some(element) = container.get_untracked() else {
                        return;
                    };
                    let selector = format!("[data-item-id=\"{target}\"]");
                    if let Ok(Some(child)) = element.query_selector(&selector) {
                        let options = web_sys::ScrollIntoViewOptions::new();
                        options.set_block(web_sys::ScrollLogicalPosition::Center);
                        child.scroll_into_view_with_scroll_into_view_options(&options);
                    }
                    capture();
                });
            });
        });
    });

    let jump_to_latest = move |_| {
        let len = items.with_untracked(Vec::len);
        range.set(items.with_untracked(|list| range_of(list, len.saturating_sub(WINDOW), len)));
        open_chat.at_bottom.set(true);
        request_animation_frame(scroll_to_bottom);
    };

    let key = |(item, new_day): &(Item, bool)| {
        let message = item.message();
        format!(
            "{}:{:?}:{:?}:{}:{}:{}:{:?}",
            item.id,
            message.map(|m| m.delivery),
            message.map(|m| &m.edited_at),
            message.map_or(0, |m| m.versions.len()),
            message.map_or(0, |m| m.attachments.len()),
            new_day,
            message.map(|m| &m.reactions)
        )
    };

    view! {
        <div class="timeline-wrap">
            <div
                class="timeline"
                node_ref=container
                on:scroll=on_scroll
                data-test="timeline"
                role="log"
                aria-live="polite"
                aria-label=move || i18n.tr(Key::Conversation)
                tabindex="0"
            >
                <Show when=move || open_chat.loading_older.get()>
                    <div class="tl-loading" aria-busy="true"><span class="spinner" aria-hidden="true"></span></div>
                </Show>
                <Show when=move || {
                    open_chat.items_loaded.get() && !open_chat.has_older.get()
                        && items.with(|list| bounds(list, range.get()).0 == 0)
                }>
                    <div class="tl-start muted" data-test="timeline-start">{move || i18n.tr(Key::StartOfConversation)}</div>
                </Show>
                <For
                    each=move || visible.get()
                    key=key
                    children=move |(item, new_day)| {
                        let id = item.id;
                        let day = new_day.then(|| format::day(i18n.lang(), &item.at));
                        let highlighted = Signal::derive(move || control.highlight.get() == Some(id));
                        view! { <TimelineItem item day highlighted/> }
                    }
                />
                <Show when=move || !open_chat.items_loaded.get()>
                    <div class="tl-loading" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        {move || i18n.tr(Key::Loading)}
                    </div>
                </Show>
            </div>
            <Show when=move || !open_chat.at_bottom.get() && open_chat.items_loaded.get()>
                <button type="button" class="jump-latest" data-test="jump-latest" on:click=jump_to_latest>
                    {move || i18n.tr(Key::JumpToLatest)}
                </button>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(ids: std::ops::RangeInclusive<Id>) -> Vec<Item> {
        ids.map(|id| {
            serde_json::from_value(serde_json::json!({
                "id": id, "chat_id": 1, "kind": "message", "at": "2026-01-01T00:00:00Z",
                "direction": "in", "content_kind": "text", "delivery": "delivered"
            }))
            .expect("a minimal message item parses")
        })
        .collect()
    }

    #[test]
    fn a_window_glued_to_the_end_takes_new_items_and_keeps_its_size() {
        let range = Range {
            follow_end: true,
            first: None,
            count: 3,
        };
        assert_eq!(bounds(&items(1..=10), range), (7, 10));
        assert_eq!(bounds(&items(1..=12), range), (9, 12));
    }

    #[test]
    fn a_window_anchored_on_an_item_stays_on_it_when_history_is_prepended() {
        let before = items(50..=60);
        let range = range_of(&before, 2, 5);
        assert!(!range.follow_end);
        let after = items(1..=60);
        let (start, end) = bounds(&after, range);
        assert_eq!(after[start].id, 52);
        assert_eq!(end - start, 3);
    }
}
