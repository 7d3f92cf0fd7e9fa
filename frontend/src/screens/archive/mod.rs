//! The Archive: every chat the user may see, filtered by channel, bot, manager, status, tag,
//! date range and text. Filters combine and live in the URL query string, so a filtered view
//! can be bookmarked or shared; results page in as the list scrolls.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use shared::api::users::Role;
use shared::api::Channel;
use shared::Id;

use crate::api::http::{self, encode_query, ApiError};
use crate::components::bulk::{BulkBar, SelectBox, Selection};
use crate::components::chat_row::ChatRow;
use crate::components::error_line::ErrorLine;
use crate::format::channel_name;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::inbox::use_inbox;
use crate::state::session::use_session;

/// The filters, in URL order.
const FILTERS: [&str; 8] = [
    "channel",
    "integration_id",
    "assignee_id",
    "status",
    "tag",
    "from",
    "to",
    "q",
];

#[component]
pub fn ArchiveScreen() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let inbox = use_inbox();
    let query = use_query_map();
    let navigate = use_navigate();

    let filters = Memo::new(move |_| {
        query.with(|query| {
            FILTERS
                .iter()
                .map(|name| (*name, query.get(name).unwrap_or_default()))
                .collect::<Vec<_>>()
        })
    });
    let value = move |name: &'static str| {
        filters.with(|filters| {
            filters
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        })
    };
    let set_filter = move |name: &'static str, new_value: String| {
        let pairs: Vec<(&str, String)> = filters
            .get_untracked()
            .into_iter()
            .map(|(key, old)| {
                (
                    key,
                    if key == name {
                        new_value.trim().to_owned()
                    } else {
                        old
                    },
                )
            })
            .filter(|(_, value)| !value.is_empty())
            .collect();
        let search = encode_query(&pairs);
        let url = if search.is_empty() {
            "/archive".to_owned()
        } else {
            format!("/archive?{search}")
        };
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..NavigateOptions::default()
            },
        );
    };
    let reset = {
        let navigate = use_navigate();
        move |_| navigate("/archive", NavigateOptions::default())
    };

    let ids = RwSignal::new(Vec::<Id>::new());
    let cursor = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let generation = StoredValue::new(0u32);

    let load = move |next: Option<String>| {
        let run = generation.get_value();
        let current = filters.get_untracked();
        loading.set(true);
        spawn_local(async move {
            let answer = http::archive(&current, next.as_deref()).await;
            if generation.get_value() != run {
                return;
            }
            loading.set(false);
            match answer {
                Ok(page) => {
                    error.set(None);
                    let mut new = Vec::with_capacity(page.items.len());
                    for chat in page.items {
                        new.push(chat.id);
                        inbox.remember(chat);
                    }
                    ids.update(|ids| {
                        for id in new {
                            if !ids.contains(&id) {
                                ids.push(id);
                            }
                        }
                    });
                    cursor.set(page.next_cursor);
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };

    // A new set of filters starts over.
    Effect::new(move |_| {
        filters.track();
        generation.update_value(|run| *run += 1);
        ids.set(Vec::new());
        cursor.set(None);
        load(None);
    });

    let more = move || {
        if !loading.get_untracked() {
            if let Some(next) = cursor.get_untracked() {
                load(Some(next));
            }
        }
    };
    let list_ref = NodeRef::<html::Div>::new();
    let on_scroll = move |_| {
        if let Some(list) = list_ref.get_untracked() {
            if list.scroll_height() - list.scroll_top() - list.client_height() < 300 {
                more();
            }
        }
    };

    let set_filter_for_select = set_filter.clone();
    let select =
        move |name: &'static str,
              label: Key,
              options: Box<dyn Fn() -> Vec<(String, String)> + Send + Sync>| {
            view! {
                <label class="field field-compact">
                    <span>{move || i18n.tr(label)}</span>
                    <select
                        data-test=format!("archive-filter-{}", short_name(name))
                        on:change={
                            let set_filter = set_filter_for_select.clone();
                            move |event| set_filter(name, event_target_value(&event))
                        }
                        prop:value=move || value(name)
                    >
                        <option value="">{move || i18n.tr(Key::Any)}</option>
                        {move || options().into_iter().map(|(option, text)| {
                            let selected = option.clone();
                            view! { <option value=option selected=move || value(name) == selected>{text}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
        };
    let input = move |name: &'static str, label: Key, kind: &'static str| {
        view! {
            <label class="field field-compact">
                <span>{move || i18n.tr(label)}</span>
                <input
                    type=kind
                    data-test=format!("archive-filter-{}", short_name(name))
                    prop:value=move || value(name)
                    on:change=move |event| set_filter(name, event_target_value(&event))
                />
            </label>
        }
    };

    let channel_filter = select.clone()(
        "channel",
        Key::Channel,
        Box::new(|| {
            Channel::ALL
                .into_iter()
                .map(|channel| {
                    (
                        channel.as_str().to_owned(),
                        channel_name(channel).to_owned(),
                    )
                })
                .collect()
        }),
    );
    let integration_filter = select.clone()(
        "integration_id",
        Key::SourceBot,
        Box::new(move || {
            directory
                .integrations
                .get()
                .into_iter()
                .map(|integration| (integration.id.to_string(), integration.name))
                .collect()
        }),
    );
    let manager_filter = select.clone()(
        "assignee_id",
        Key::Manager,
        Box::new(move || {
            directory
                .users
                .get()
                .into_iter()
                .filter(|user| user.role != Role::Follower)
                .map(|user| (user.id.to_string(), user.name))
                .collect()
        }),
    );
    let status_filter = select(
        "status",
        Key::Status,
        Box::new(move || {
            vec![
                ("open".into(), i18n.tr(Key::StatusOpen).into()),
                ("closed".into(), i18n.tr(Key::StatusClosed).into()),
            ]
        }),
    );
    let text_filter = input.clone()("q", Key::SearchText, "search");
    let tag_filter = input.clone()("tag", Key::Tag, "text");
    let from_filter = input.clone()("from", Key::FromDate, "date");
    let to_filter = input("to", Key::ToDate, "date");

    let can_write = session.can_write();
    let selection = Selection::default();

    view! {
        <section class="page archive" data-test="archive">
            <header class="page-header">
                <h1>{move || i18n.tr(Key::Archive)}</h1>
            </header>
            <form class="filters" data-test="archive-filters" on:submit=|event| event.prevent_default()>
                {text_filter}
                {channel_filter}
                {integration_filter}
                {manager_filter}
                {status_filter}
                {tag_filter}
                {from_filter}
                {to_filter}
                <button type="button" class="button button-quiet" data-test="archive-filter-reset" on:click=reset>
                    {move || i18n.tr(Key::ResetFilters)}
                </button>
            </form>
            <ErrorLine error/>
            {can_write.then(|| view! { <BulkBar selection order=ids/> })}
            <div class="chat-list archive-list" node_ref=list_ref on:scroll=on_scroll data-test="archive-results">
                <For each=move || ids.get() key=|id| *id children=move |id| {
                    inbox.chat(id).map(|chat| {
                        let name = {
                            let chat = chat.clone();
                            Signal::derive(move || chat.with(|chat| chat.contact_name.clone()))
                        };
                        view! {
                            <div class="selectable-row">
                                {can_write.then(|| view! { <SelectBox selection id order=ids name/> })}
                                <ChatRow chat active=Signal::derive(|| false)/>
                            </div>
                        }
                    })
                }/>
                <Show when=move || loading.get()>
                    <div class="list-note" aria-busy="true"><span class="spinner" aria-hidden="true"></span>{move || i18n.tr(Key::Loading)}</div>
                </Show>
                <Show when=move || !loading.get() && ids.with(Vec::is_empty) && error.with(Option::is_none)>
                    <div class="list-note" data-test="archive-empty">{move || i18n.tr(Key::NothingFound)}</div>
                </Show>
                <Show when=move || cursor.with(Option::is_some) && !loading.get()>
                    <button type="button" class="button button-quiet load-more" data-test="load-more" on:click=move |_| more()>
                        {move || i18n.tr(Key::LoadMore)}
                    </button>
                </Show>
            </div>
        </section>
    }
}

/// `integration_id` → `integration`, for `data-test` names.
fn short_name(name: &str) -> &str {
    name.strip_suffix("_id").unwrap_or(name)
}
