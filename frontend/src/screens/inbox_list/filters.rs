//! Filters over the inbox groups (text, messenger, bot, tag), the archive's own, kept in the
//! URL query string like the archive's so a filtered inbox can be bookmarked or reloaded.
//! Opening a chat changes the path; the filters come back into the URL by themselves.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use shared::api::Channel;

use crate::api::http::encode_query;
use crate::format::channel_name;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::inbox::{use_inbox, Filters, INBOX_FILTERS};

#[component]
pub fn InboxFilters() -> impl IntoView {
    let i18n = use_i18n();
    let inbox = use_inbox();
    let directory = use_directory();
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();

    let show_in_url = {
        let navigate = navigate.clone();
        move |filters: &Filters| {
            let path = location.pathname.get_untracked();
            let search = encode_query(filters);
            let url = if search.is_empty() {
                path
            } else {
                format!("{path}?{search}")
            };
            navigate(
                &url,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        }
    };

    // The URL decides; a URL without filters (a chat was opened) gets the current ones back.
    {
        let show_in_url = show_in_url.clone();
        Effect::new(move |_| {
            let from_url: Filters = query.with(|query| {
                INBOX_FILTERS
                    .iter()
                    .map(|name| (*name, query.get(name).unwrap_or_default()))
                    .filter(|(_, value)| !value.is_empty())
                    .collect()
            });
            if from_url.is_empty() {
                let current = inbox.filters.get_untracked();
                if !current.is_empty() {
                    show_in_url(&current);
                }
            } else {
                inbox.set_filters(from_url);
            }
        });
    }

    let value = move |name: &'static str| {
        inbox.filters.with(|filters| {
            filters
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        })
    };
    let set_filter = {
        let show_in_url = show_in_url.clone();
        move |name: &'static str, new_value: String| {
            let current = inbox.filters.get_untracked();
            let filters: Filters = INBOX_FILTERS
                .iter()
                .map(|key| {
                    let value = if *key == name {
                        new_value.trim().to_owned()
                    } else {
                        current
                            .iter()
                            .find(|(k, _)| k == key)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    };
                    (*key, value)
                })
                .filter(|(_, value)| !value.is_empty())
                .collect();
            inbox.set_filters(filters.clone());
            show_in_url(&filters);
        }
    };
    let reset = {
        let show_in_url = show_in_url.clone();
        move |_| {
            inbox.set_filters(Vec::new());
            show_in_url(&Vec::new());
        }
    };
    let active = move || inbox.filters.with(|filters| !filters.is_empty());

    let set_q = set_filter.clone();
    let set_channel = set_filter.clone();
    let set_integration = set_filter.clone();
    let set_tag = set_filter;

    view! {
        <form class="inbox-filters" data-test="inbox-filters" role="search"
            aria-label=move || i18n.tr(Key::FilterChats)
            on:submit=|event| event.prevent_default()>
            <input
                type="search"
                data-test="inbox-filter-q"
                aria-label=move || i18n.tr(Key::SearchChats)
                placeholder=move || i18n.tr(Key::SearchChats)
                prop:value=move || value("q")
                on:change=move |event| set_q("q", event_target_value(&event))
            />
            <select
                data-test="inbox-filter-channel"
                aria-label=move || i18n.tr(Key::Channel)
                prop:value=move || value("channel")
                on:change=move |event| set_channel("channel", event_target_value(&event))
            >
                <option value="">{move || format!("{}: {}", i18n.tr(Key::Channel), i18n.tr(Key::Any))}</option>
                {Channel::ALL
                    .into_iter()
                    .map(|channel| {
                        let code = channel.as_str();
                        view! {
                            <option value=code selected=move || value("channel") == code>
                                {channel_name(channel)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <select
                data-test="inbox-filter-integration"
                aria-label=move || i18n.tr(Key::SourceBot)
                prop:value=move || value("integration_id")
                on:change=move |event| set_integration("integration_id", event_target_value(&event))
            >
                <option value="">{move || format!("{}: {}", i18n.tr(Key::SourceBot), i18n.tr(Key::Any))}</option>
                {move || {
                    directory
                        .integrations
                        .get()
                        .into_iter()
                        .map(|integration| {
                            let id = integration.id.to_string();
                            let selected = id.clone();
                            view! {
                                <option value=id selected=move || value("integration_id") == selected>
                                    {integration.name}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
            <input
                type="text"
                data-test="inbox-filter-tag"
                aria-label=move || i18n.tr(Key::Tag)
                placeholder=move || i18n.tr(Key::Tag)
                prop:value=move || value("tag")
                on:change=move |event| set_tag("tag", event_target_value(&event))
            />
            <Show when=active>
                <button type="button" class="button button-quiet button-small" data-test="inbox-filter-reset"
                    on:click=reset.clone()>
                    {move || i18n.tr(Key::ResetFilters)}
                </button>
            </Show>
        </form>
    }
}
