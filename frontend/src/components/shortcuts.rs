//! Keyboard shortcuts of the whole app and the "?" dialog listing them. One key listener on
//! the window; it acts through the controls the screens already show (found by their
//! `data-test` names), so no screen depends on another. Nothing fires while the user types in
//! a field, or with Ctrl, Alt or Meta held.
//!
//! Snooze hook: `s` presses a `data-test="action-snooze"` button when one is on screen; the
//! screen that adds snoozing names its button so and adds a row to [`SHORTCUTS`].

use std::time::Duration;

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use wasm_bindgen::JsCast;

use crate::i18n::{use_i18n, Key};

/// How long after `g` the second key of `g i` / `g a` may come (milliseconds).
const CHORD_MS: f64 = 1500.0;

/// What the help dialog lists: the keys, and what they do.
pub const SHORTCUTS: [(&str, Key); 10] = [
    ("j  ↓", Key::ShortcutNextChat),
    ("k  ↑", Key::ShortcutPreviousChat),
    ("Enter", Key::ShortcutOpenChat),
    ("r", Key::ShortcutReply),
    ("e", Key::ShortcutCloseChat),
    ("a", Key::ShortcutAssign),
    ("/", Key::ShortcutSearch),
    ("g i", Key::ShortcutInbox),
    ("g a", Key::ShortcutArchive),
    ("?", Key::ShortcutHelp),
];

/// Whether the key was typed into something that takes text.
fn is_typing(event: &KeyboardEvent) -> bool {
    let Some(element) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return false;
    };
    matches!(
        element.tag_name().to_ascii_lowercase().as_str(),
        "input" | "textarea" | "select"
    ) || element.is_content_editable()
}

fn find(test: &str) -> Option<web_sys::HtmlElement> {
    document()
        .query_selector(&format!("[data-test=\"{test}\"]"))
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
}

/// Focuses the element marked `data-test="{test}"`; whether there was one.
pub fn focus(test: &str) -> bool {
    find(test).is_some_and(|element| element.focus().is_ok())
}

fn click(test: &str) -> bool {
    find(test).map(|element| element.click()).is_some()
}

/// Focuses `test` now, or after `opener` was pressed and the screen drew it.
fn open_then_focus(opener: &'static str, test: &'static str) -> bool {
    if focus(test) {
        return true;
    }
    if !click(opener) {
        return false;
    }
    set_timeout(move || _ = focus(test), Duration::from_millis(60));
    true
}

/// Moves the focus `step` rows through the inbox list, from the focused or open chat.
fn move_through_chats(step: i32) -> bool {
    let Ok(rows) = document().query_selector_all("[data-test=\"chat-list\"] .chat-row") else {
        return false;
    };
    let count = rows.length() as i32;
    if count == 0 {
        return false;
    }
    let row = |index: i32| {
        rows.item(index as u32)
            .and_then(|row| row.dyn_into::<web_sys::HtmlElement>().ok())
    };
    let focused = document().active_element();
    let current = (0..count)
        .find(|index| {
            row(*index)
                .zip(focused.as_ref())
                .is_some_and(|(row, focused)| row.is_same_node(Some(focused)))
        })
        .or_else(|| {
            (0..count)
                .find(|index| row(*index).is_some_and(|row| row.class_list().contains("active")))
        });
    let next = match current {
        None => 0,
        Some(index) => (index + step).clamp(0, count - 1),
    };
    row(next).is_some_and(|row| {
        row.scroll_into_view_with_bool(false);
        row.focus().is_ok()
    })
}

#[component]
pub fn Shortcuts() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let help_open = RwSignal::new(false);
    let chord_at = StoredValue::new(None::<f64>);

    let on_key = move |event: KeyboardEvent| {
        if event.default_prevented() || event.ctrl_key() || event.alt_key() || event.meta_key() {
            return;
        }
        let key = event.key();
        if help_open.get_untracked() {
            if key == "Escape" || key == "?" {
                event.prevent_default();
                help_open.set(false);
            }
            return;
        }
        if is_typing(&event) || event.is_composing() {
            return;
        }
        let now = js_sys::Date::now();
        let after_g = chord_at.get_value().is_some_and(|at| now - at < CHORD_MS);
        chord_at.set_value(None);
        let go = |path: &str| {
            navigate(path, NavigateOptions::default());
            true
        };
        let handled = match key.as_str() {
            "i" if after_g => go("/"),
            "a" if after_g => go("/archive"),
            "g" => {
                chord_at.set_value(Some(now));
                true
            }
            "?" => {
                help_open.set(true);
                true
            }
            "j" | "ArrowDown" => move_through_chats(1),
            "k" | "ArrowUp" => move_through_chats(-1),
            "r" => focus("composer"),
            "e" => click("action-close"),
            "a" => open_then_focus("action-details", "assign-select"),
            "s" => click("action-snooze"),
            "/" => open_then_focus("action-search", "search-input") || focus("inbox-filter-q"),
            _ => false,
        };
        if handled {
            event.prevent_default();
        }
    };
    let listener = window_event_listener(leptos::ev::keydown, on_key);
    on_cleanup(move || listener.remove());

    let rows = move || {
        SHORTCUTS
            .into_iter()
            .map(|(keys, what)| {
                view! {
                    <tr data-test="shortcut-row">
                        <td>
                            {keys
                                .split("  ")
                                .map(|key| view! { <kbd>{key}</kbd>" " })
                                .collect_view()}
                        </td>
                        <td>{move || i18n.tr(what)}</td>
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <Show when=move || help_open.get()>
            <div class="dialog-backdrop" on:click=move |_| help_open.set(false)>
                <div
                    class="dialog shortcuts-dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="shortcuts-title"
                    data-test="shortcuts-help"
                    on:click=|event| event.stop_propagation()
                >
                    <h2 id="shortcuts-title">{move || i18n.tr(Key::KeyboardShortcuts)}</h2>
                    <table class="shortcuts-table">
                        <tbody>{rows()}</tbody>
                    </table>
                    <p class="muted">{move || i18n.tr(Key::ShortcutsNotInFields)}</p>
                    <div class="dialog-actions">
                        <button type="button" class="button" data-test="shortcuts-close"
                            on:click=move |_| help_open.set(false)>
                            {move || i18n.tr(Key::Close)}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
