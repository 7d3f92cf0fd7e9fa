//! Search in this chat's history: matching messages with the words highlighted; a click
//! jumps to the message in the timeline.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::Item;
use shared::Id;

use super::ViewControl;
use crate::api::http;
use crate::components::error_line::ErrorLine;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::session::use_session;

#[component]
pub fn SearchPanel(chat_id: Id) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let control = expect_context::<ViewControl>();
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Vec<Item>>);
    let error = RwSignal::new(None);
    let searching = RwSignal::new(false);
    // The words the results were found for (the box may have changed since).
    let searched = RwSignal::new(String::new());

    let run = move || {
        let q = query.get_untracked().trim().to_owned();
        if q.is_empty() {
            results.set(None);
            return;
        }
        searching.set(true);
        spawn_local(async move {
            let answer = http::search(chat_id, &q).await;
            searching.set(false);
            match answer {
                Ok(items) => {
                    error.set(None);
                    searched.set(q);
                    results.set(Some(items));
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };

    let list = move || {
        results.get().map(|items| {
            if items.is_empty() {
                return view! { <p class="muted search-empty" data-test="search-empty">{move || i18n.tr(Key::NothingFound)}</p> }
                    .into_any();
            }
            let words = searched.get();
            items
                .into_iter()
                .map(|item| {
                    let id = item.id;
                    let text = item.text().unwrap_or_default().to_owned();
                    let at = item.at.clone();
                    view! {
                        <li>
                            <button
                                type="button"
                                class="search-result"
                                data-test="search-result"
                                data-item-id=id
                                on:click=move |_| control.jump.set(Some(id))
                            >
                                <time class="muted">{move || format::day_time(i18n.lang(), &at)}</time>
                                <span class="search-text">{highlight(&text, &words)}</span>
                            </button>
                        </li>
                    }
                })
                .collect_view()
                .into_any()
        })
    };

    view! {
        <div class="search-panel" role="search">
            <form
                class="search-form"
                on:submit=move |event| {
                    event.prevent_default();
                    run();
                }
            >
                <input
                    type="search"
                    data-test="search-input"
                    autofocus
                    aria-label=move || i18n.tr(Key::SearchInChat)
                    placeholder=move || i18n.tr(Key::SearchInChat)
                    bind:value=query
                />
                <button type="submit" class="button" data-test="search-submit" disabled=move || searching.get()>
                    {move || i18n.tr(Key::Search)}
                </button>
            </form>
            <ErrorLine error/>
            <ul class="search-results">{list}</ul>
        </div>
    }
}

/// The text with every occurrence of the query's words in `<mark>` (case-insensitive).
pub fn highlight(text: &str, query: &str) -> AnyView {
    let words: Vec<String> = query
        .split_whitespace()
        .map(str::to_lowercase)
        .filter(|word| !word.is_empty())
        .collect();
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths (rare scripts): then no highlighting.
    if words.is_empty() || lower.len() != text.len() {
        return text.to_owned().into_any();
    }
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for word in &words {
        let mut from = 0;
        while let Some(found) = lower[from..].find(word.as_str()) {
            let start = from + found;
            marks.push((start, start + word.len()));
            from = start + word.len();
        }
    }
    marks.sort_unstable();
    let mut parts = Vec::new();
    let mut cursor = 0;
    for (start, end) in marks {
        if start < cursor || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        parts.push(text[cursor..start].to_owned().into_any());
        parts.push(view! { <mark>{text[start..end].to_owned()}</mark> }.into_any());
        cursor = end;
    }
    parts.push(text[cursor..].to_owned().into_any());
    parts.into_any()
}
