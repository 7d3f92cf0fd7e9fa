//! Bulk selection in a chat list (inbox groups, archive): a checkbox per row (shift-click
//! selects the range from the last one clicked), "select all on this page", and a bar with
//! assign, close, reopen, tag and snooze for the selected chats, then a summary of what
//! failed and why. The server checks each chat; live updates move the rows.

use leptos::prelude::*;
use shared::api::chats::{BulkAction, BulkChats, BulkOutcome, MAX_BULK_CHATS};
use shared::api::users::Role;
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::components::snooze_times::Preset;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::inbox::use_inbox;
use crate::state::session::use_session;

/// The chats ticked in one list.
#[derive(Clone, Copy)]
pub struct Selection {
    pub ids: RwSignal<Vec<Id>>,
    /// The row clicked last: a shift-click selects from here.
    anchor: RwSignal<Option<Id>>,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            ids: RwSignal::new(Vec::new()),
            anchor: RwSignal::new(None),
        }
    }
}

impl Selection {
    pub fn is_selected(&self, id: Id) -> bool {
        self.ids.with(|ids| ids.contains(&id))
    }

    /// A click on a row's checkbox; with shift, the rows between the last click and this
    /// one (in `order`) take this row's new state.
    pub fn click(&self, id: Id, shift: bool, order: &[Id]) {
        let on = !self.ids.with_untracked(|ids| ids.contains(&id));
        let rows = match self.anchor.get_untracked() {
            Some(anchor) if shift => range(order, anchor, id),
            _ => vec![id],
        };
        self.ids.update(|ids| {
            for row in rows {
                ids.retain(|other| *other != row);
                if on {
                    ids.push(row);
                }
            }
        });
        self.anchor.set(Some(id));
    }

    pub fn set_all(&self, order: &[Id], on: bool) {
        self.ids.set(if on { order.to_vec() } else { Vec::new() });
        self.anchor.set(None);
    }

    pub fn clear(&self) {
        self.set_all(&[], false);
    }
}

/// The ids from `from` to `to` in `order`, both included (just `to` if either is missing).
pub fn range(order: &[Id], from: Id, to: Id) -> Vec<Id> {
    let position = |id| order.iter().position(|other| *other == id);
    match (position(from), position(to)) {
        (Some(a), Some(b)) => order[a.min(b)..=a.max(b)].to_vec(),
        _ => vec![to],
    }
}

/// A row's checkbox.
#[component]
pub fn SelectBox(
    selection: Selection,
    id: Id,
    #[prop(into)] order: Signal<Vec<Id>>,
    #[prop(into)] name: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <input
            type="checkbox"
            class="select-box"
            data-test="select-chat"
            data-chat-id=id
            aria-label=move || i18n.fill(Key::SelectChat, &[("name", name.get())])
            prop:checked=move || selection.is_selected(id)
            on:click=move |event| {
                selection.click(id, event.shift_key(), &order.get_untracked());
                // The signal decides the box's state, not the browser's toggle.
                if let Some(target) = event
                    .target()
                    .and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(target).ok())
                {
                    target.set_checked(selection.is_selected(id));
                }
            }
        />
    }
}

/// "Select all on this page" and, with something selected, the actions.
#[component]
pub fn BulkBar(selection: Selection, #[prop(into)] order: Signal<Vec<Id>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let inbox = use_inbox();
    let assignee = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Vec<BulkOutcome>>);
    let error = RwSignal::new(None::<ApiError>);

    let run = Action::new_local(move |request: &BulkChats| {
        let request = request.clone();
        async move { http::bulk(&request).await }
    });
    Effect::new(move || match run.value().get() {
        Some(Ok(items)) => {
            error.set(None);
            let done: Vec<Id> = items.iter().filter(|i| i.ok).map(|i| i.chat_id).collect();
            selection
                .ids
                .update(|ids| ids.retain(|id| !done.contains(id)));
            inbox.refresh_counts();
            outcome.set(Some(items));
        }
        Some(Err(failure)) => {
            session.note(&failure);
            error.set(Some(failure));
        }
        None => {}
    });
    let send = move |action: BulkAction,
                     user_id: Option<Id>,
                     tags: Option<Vec<String>>,
                     until: Option<String>| {
        let mut chat_ids = selection.ids.get_untracked();
        chat_ids.truncate(MAX_BULK_CHATS);
        outcome.set(None);
        run.dispatch(BulkChats {
            chat_ids,
            action,
            user_id,
            tags,
            until,
        });
    };
    let simple = move |action: BulkAction| move |_| send(action, None, None, None);
    let tags = move |action: BulkAction| {
        move |_| {
            let value = tag.get_untracked().trim().to_owned();
            if !value.is_empty() {
                send(action, None, Some(vec![value]), None);
            }
        }
    };

    let all_selected = move || {
        let order = order.get();
        !order.is_empty()
            && selection
                .ids
                .with(|ids| order.iter().all(|id| ids.contains(id)))
    };
    let count = move || selection.ids.with(Vec::len);
    let busy = move || run.pending().get();
    let managers = move || {
        directory
            .users
            .get()
            .into_iter()
            .filter(|user| user.active && user.role != Role::Follower)
            .map(|user| view! { <option value=user.id.to_string()>{user.name}</option> })
            .collect_view()
    };
    let snoozes = move || {
        Preset::ALL
            .into_iter()
            .map(|preset| {
                view! {
                    <button type="button" class="button button-quiet" data-test=format!("bulk-{}", preset.test())
                        disabled=busy
                        on:click=move |_| send(BulkAction::Snooze, None, None, Some(preset.until(js_sys::Date::now())))>
                        {move || format!("{} · {}", i18n.tr(Key::Snooze), i18n.tr(preset.key()))}
                    </button>
                }
            })
            .collect_view()
    };
    let summary = move || {
        outcome.get().map(|items| {
            let failed: Vec<BulkOutcome> = items.iter().filter(|i| !i.ok).cloned().collect();
            let ok = items.len() - failed.len();
            let headline = if failed.is_empty() {
                i18n.fill(Key::BulkAllDone, &[("count", ok.to_string())])
            } else {
                i18n.fill(
                    Key::BulkSomeFailed,
                    &[("ok", ok.to_string()), ("failed", failed.len().to_string())],
                )
            };
            let reasons = failed
                .into_iter()
                .map(|item| {
                    let chat = inbox
                        .chat(item.chat_id)
                        .map(|chat| chat.with_untracked(|chat| chat.contact_name.clone()))
                        .unwrap_or_else(|| format!("#{}", item.chat_id));
                    let reason = item.error.map(|e| e.message).unwrap_or_default();
                    view! {
                        <li data-test="bulk-failure">
                            {i18n.fill(Key::BulkChatFailed, &[("chat", chat), ("reason", reason)])}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="bulk-summary" role="status" data-test="bulk-summary">
                    <p>{headline}</p>
                    <ul>{reasons}</ul>
                </div>
            }
        })
    };

    view! {
        <div class="bulk-bar" data-test="bulk-bar">
            <label class="check">
                <input type="checkbox" data-test="select-all"
                    prop:checked=all_selected
                    on:change=move |event| selection.set_all(&order.get_untracked(), event_target_checked(&event))/>
                <span>{move || i18n.tr(Key::SelectAllOnPage)}</span>
            </label>
            <Show when=move || { count() > 0 }>
                <div class="bulk-actions" role="toolbar" aria-label=move || i18n.tr(Key::BulkActions)>
                    <span data-test="selected-count">
                        {move || i18n.fill(Key::SelectedCount, &[("count", count().to_string())])}
                    </span>
                    <select data-test="bulk-assign" aria-label=move || i18n.tr(Key::BulkAssign)
                        prop:value=move || assignee.get()
                        disabled=busy
                        on:change=move |event| {
                            let value = event_target_value(&event);
                            assignee.set(String::new());
                            match value.as_str() {
                                "" => {}
                                "none" => send(BulkAction::Assign, None, None, None),
                                id => if let Ok(id) = id.parse() {
                                    send(BulkAction::Assign, Some(id), None, None);
                                },
                            }
                        }>
                        <option value="">{move || i18n.tr(Key::BulkAssign)}</option>
                        <option value="none">{move || i18n.tr(Key::Nobody)}</option>
                        {managers}
                    </select>
                    <button type="button" class="button button-quiet" data-test="bulk-close"
                        disabled=busy on:click=simple(BulkAction::Close)>
                        {move || i18n.tr(Key::CloseChat)}
                    </button>
                    <button type="button" class="button button-quiet" data-test="bulk-reopen"
                        disabled=busy on:click=simple(BulkAction::Reopen)>
                        {move || i18n.tr(Key::ReopenChat)}
                    </button>
                    <input type="text" class="bulk-tag" data-test="bulk-tag"
                        aria-label=move || i18n.tr(Key::BulkTag) placeholder=move || i18n.tr(Key::BulkTag)
                        prop:value=move || tag.get()
                        on:input=move |event| tag.set(event_target_value(&event))/>
                    <button type="button" class="button button-quiet" data-test="bulk-add-tag"
                        disabled=busy on:click=tags(BulkAction::AddTags)>
                        {move || i18n.tr(Key::BulkAddTag)}
                    </button>
                    <button type="button" class="button button-quiet" data-test="bulk-remove-tag"
                        disabled=busy on:click=tags(BulkAction::RemoveTags)>
                        {move || i18n.tr(Key::BulkRemoveTag)}
                    </button>
                    {snoozes}
                    <button type="button" class="button button-quiet" data-test="bulk-clear"
                        on:click=move |_| selection.clear()>
                        {move || i18n.tr(Key::ClearSelection)}
                    </button>
                </div>
            </Show>
            <ErrorLine error/>
            {summary}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::range;

    #[test]
    fn a_shift_click_range_runs_either_way_and_needs_both_ends() {
        let order = [5, 4, 3, 2, 1];
        assert_eq!(range(&order, 4, 2), vec![4, 3, 2]);
        assert_eq!(range(&order, 2, 4), vec![4, 3, 2]);
        assert_eq!(range(&order, 3, 3), vec![3]);
        assert_eq!(range(&order, 9, 3), vec![3]);
    }
}
