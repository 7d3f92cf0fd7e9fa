//! The canned-reply picker of the reply box: typing "/" at the start opens a list of the
//! team's and one's own replies, filtered by what follows (the server ranks them). Arrow keys
//! move, Enter (or a click) puts the reply, rendered by the server for this chat, into the box
//! for editing; Esc closes. From the picker a manager also saves a new personal reply.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::canned::{CannedReply, CannedScope, CreateCannedReply};
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::i18n::{use_i18n, Key};
use crate::state::session::{use_session, SessionContext};
use crate::state::stored;

/// What follows a leading "/" while it is one word: the picker's query.
pub fn slash_query(text: &str) -> Option<&str> {
    text.strip_prefix('/')
        .filter(|rest| !rest.contains(char::is_whitespace))
}

/// The picker's state, shared by the reply box (keys) and the list (view).
#[derive(Clone, Copy)]
pub struct CannedMenu {
    chat_id: Id,
    text: RwSignal<String>,
    query: Memo<Option<String>>,
    /// Esc closed the picker for this "/" (until the text stops starting with it).
    dismissed: RwSignal<bool>,
    /// The form for a new personal reply is open.
    adding: RwSignal<bool>,
    highlighted: RwSignal<usize>,
    replies: RwSignal<Vec<CannedReply>>,
    /// Bumped to fetch the list again (after saving a reply).
    reload: RwSignal<u32>,
    /// Placeholders the inserted reply left as typed (no such variable).
    pub unknown: RwSignal<Vec<String>>,
    pub error: RwSignal<Option<ApiError>>,
    session: SessionContext,
}

impl CannedMenu {
    pub fn new(chat_id: Id, text: RwSignal<String>) -> Self {
        let query = Memo::new(move |_| text.with(|text| slash_query(text).map(str::to_owned)));
        let menu = CannedMenu {
            chat_id,
            text,
            query,
            dismissed: RwSignal::new(false),
            adding: RwSignal::new(false),
            highlighted: RwSignal::new(0),
            replies: RwSignal::new(Vec::new()),
            reload: RwSignal::new(0),
            unknown: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            session: use_session(),
        };
        let session = menu.session;
        // Each change of the query asks the server; an older answer never overwrites a newer one.
        let asked = StoredValue::new(0u32);
        Effect::new(move |_| {
            menu.reload.track();
            let Some(q) = query.get() else {
                menu.dismissed.set(false);
                return;
            };
            asked.update_value(|n| *n += 1);
            let run = asked.get_value();
            spawn_local(async move {
                let answer = http::canned_replies(&q).await;
                if asked.get_value() != run {
                    return;
                }
                match answer {
                    Ok(list) => {
                        menu.highlighted.set(0);
                        menu.replies.set(list);
                    }
                    Err(failure) => {
                        session.note(&failure);
                        menu.error.set(Some(failure));
                    }
                }
            });
        });
        menu
    }

    pub fn is_open(&self) -> bool {
        self.query.with(Option::is_some) && !self.dismissed.get()
    }

    /// Handles a key of the reply box; `true` when the picker took it.
    pub fn on_key(&self, event: &KeyboardEvent) -> bool {
        let open = self.query.with_untracked(Option::is_some) && !self.dismissed.get_untracked();
        if !open || self.adding.get_untracked() {
            return false;
        }
        let count = self.replies.with_untracked(Vec::len);
        match event.key().as_str() {
            "ArrowDown" if count > 0 => {
                self.highlighted.update(|at| *at = (*at + 1) % count);
            }
            "ArrowUp" if count > 0 => {
                self.highlighted
                    .update(|at| *at = (*at + count - 1) % count);
            }
            "Enter" | "Tab" if count > 0 && !event.shift_key() => {
                let at = self.highlighted.get_untracked().min(count - 1);
                if let Some(reply) = self.replies.with_untracked(|list| list.get(at).cloned()) {
                    self.insert(reply.id);
                }
            }
            "Escape" => self.dismissed.set(true),
            _ => return false,
        }
        event.prevent_default();
        true
    }

    /// Puts the reply, rendered for this chat, into the box in place of the "/" word.
    fn insert(&self, canned_id: Id) {
        let menu = *self;
        let session = self.session;
        spawn_local(async move {
            match http::render_canned_reply(menu.chat_id, canned_id).await {
                Ok(rendered) => {
                    menu.error.set(None);
                    menu.unknown.set(rendered.unknown);
                    stored::save_draft(menu.chat_id, &rendered.text);
                    menu.text.set(rendered.text);
                }
                Err(failure) => {
                    session.note(&failure);
                    menu.error.set(Some(failure));
                }
            }
        });
    }
}

#[component]
pub fn CannedPicker(menu: CannedMenu) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let shortcut = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    let save_error = RwSignal::new(None::<ApiError>);

    let open_form = move |_| {
        shortcut.set(menu.query.get_untracked().unwrap_or_default());
        body.set(String::new());
        save_error.set(None);
        menu.adding.set(true);
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = CreateCannedReply {
            shortcut: shortcut.get_untracked(),
            text: body.get_untracked(),
            scope: CannedScope::Personal,
        };
        saving.set(true);
        spawn_local(async move {
            let answer = http::create_canned_reply(&request).await;
            saving.set(false);
            match answer {
                Ok(reply) => {
                    menu.adding.set(false);
                    menu.text.set(format!("/{}", reply.shortcut));
                    menu.reload.update(|n| *n += 1);
                }
                Err(failure) => {
                    session.note(&failure);
                    save_error.set(Some(failure));
                }
            }
        });
    };

    let options = move || {
        let highlighted = menu.highlighted.get();
        menu.replies
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, reply)| {
                let id = reply.id;
                let scope = match reply.scope {
                    CannedScope::Team => Key::ScopeTeam,
                    CannedScope::Personal => Key::ScopePersonal,
                };
                view! {
                    <li
                        class="canned-option"
                        class:highlighted=index == highlighted
                        role="option"
                        aria-selected=(index == highlighted).to_string()
                        data-test="canned-option"
                        on:mousedown=move |event| {
                            // Keep the focus in the reply box.
                            event.prevent_default();
                            menu.insert(id);
                        }
                    >
                        <span class="canned-shortcut">"/"{reply.shortcut}</span>
                        <span class="canned-text">{reply.text}</span>
                        <span class="pill">{move || i18n.tr(scope)}</span>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <Show when=move || menu.is_open()>
            <div class="canned-picker" data-test="canned-picker">
                <Show
                    when=move || menu.adding.get()
                    fallback=move || view! {
                        <ul role="listbox" aria-label=move || i18n.tr(Key::CannedReplies)>{options}</ul>
                        <Show when=move || menu.replies.with(Vec::is_empty)>
                            <p class="muted canned-new" data-test="canned-none">{move || i18n.tr(Key::NoCannedMatch)}</p>
                        </Show>
                        <div class="canned-picker-footer">
                            <span class="muted">{move || i18n.tr(Key::CannedPickerHint)}</span>
                            <button type="button" class="button button-quiet button-small"
                                data-test="canned-new-personal" on:click=open_form>
                                {move || i18n.tr(Key::NewPersonalReply)}
                            </button>
                        </div>
                    }
                >
                    <form class="canned-new" data-test="canned-new-form" on:submit=save>
                        <strong>{move || i18n.tr(Key::NewPersonalReply)}</strong>
                        <label class="field field-compact">
                            <span>{move || i18n.tr(Key::Shortcut)}</span>
                            <input type="text" data-test="canned-new-shortcut" bind:value=shortcut/>
                        </label>
                        <label class="field field-compact">
                            <span>{move || i18n.tr(Key::ReplyText)}</span>
                            <textarea rows="3" data-test="canned-new-text" bind:value=body></textarea>
                        </label>
                        <ErrorLine error=save_error/>
                        <div class="dialog-actions">
                            <button type="button" class="button" on:click=move |_| menu.adding.set(false)>
                                {move || i18n.tr(Key::Cancel)}
                            </button>
                            <button type="submit" class="button button-primary" data-test="canned-new-save"
                                disabled=move || saving.get()>
                                {move || i18n.tr(Key::Save)}
                            </button>
                        </div>
                    </form>
                </Show>
            </div>
        </Show>
        <Show when=move || menu.unknown.with(|unknown| !unknown.is_empty())>
            <p class="notice" data-test="canned-unknown">
                {move || i18n.fill(Key::UnknownVariables, &[("names", menu.unknown.get().join(", "))])}
            </p>
        </Show>
        <ErrorLine error=menu.error/>
    }
}
