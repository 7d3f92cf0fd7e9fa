//! Timeline events in plain words ("Assigned to Ana: next in the queue"), from the event
//! name and its `data`. Pure text: the caller renders it as a text node.

use leptos::prelude::*;
use serde_json::Value;
use shared::api::chats::Item;
use shared::Id;

use crate::i18n::{I18n, Key};
use crate::state::directory::Directory;
use crate::state::open_chat::OpenChat;

/// Names of the open chat's tasks and projects, for "linked" events.
pub fn open_chat_names(open_chat: OpenChat) -> Vec<(&'static str, Id, String)> {
    open_chat.extras.with(|extras| {
        extras
            .as_ref()
            .map(|extras| {
                extras
                    .tasks
                    .iter()
                    .map(|task| ("task", task.id, task.title.clone()))
                    .chain(
                        extras
                            .projects
                            .iter()
                            .map(|project| ("project", project.id, project.name.clone())),
                    )
                    .collect()
            })
            .unwrap_or_default()
    })
}

pub fn str_field<'a>(data: &'a Value, key: &str) -> Option<&'a str> {
    data.get(key).and_then(Value::as_str)
}

fn id_field(data: &Value, key: &str) -> Option<Id> {
    data.get(key).and_then(Value::as_i64)
}

fn names(directory: Directory, data: &Value, key: &str) -> String {
    data.get(key)
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_i64)
                .map(|id| directory.user_name(id))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The event in plain words, e.g. "Assigned to Ana: next in the queue".
pub fn describe_event(
    i18n: I18n,
    directory: Directory,
    linked: Vec<(&'static str, Id, String)>,
    item: &Item,
) -> String {
    let empty = Value::Null;
    let data = item.data.as_ref().unwrap_or(&empty);
    let actor = item
        .actor_id
        .map(|id| directory.user_name(id))
        .unwrap_or_else(|| i18n.tr(Key::System).to_owned());
    let user = |key: &str| {
        id_field(data, key)
            .map(|id| directory.user_name(id))
            .unwrap_or_default()
    };
    let reason = str_field(data, "reason").unwrap_or_default();
    let event = item.event.as_deref().unwrap_or_default();
    match event {
        "opened" => match str_field(data, "referral").filter(|r| !r.is_empty()) {
            Some(referral) => i18n.fill(Key::EvOpenedReferral, &[("referral", referral.into())]),
            None => i18n.tr(Key::EvOpened).to_owned(),
        },
        "assigned" => {
            let base = i18n.fill(Key::EvAssigned, &[("user", user("user_id"))]);
            let why = match reason {
                "next_in_queue" => i18n.tr(Key::ReasonNextInQueue).to_owned(),
                "returning_customer" => i18n.tr(Key::ReasonReturningCustomer).to_owned(),
                "previous_manager_inactive" => i18n.tr(Key::ReasonPreviousInactive).to_owned(),
                "took_by_replying" => i18n.tr(Key::ReasonTookByReplying).to_owned(),
                "manual" => i18n.fill(Key::ReasonManual, &[("actor", actor.clone())]),
                "" => String::new(),
                other => other.replace('_', " "),
            };
            join_reason(base, why)
        }
        "unassigned" => {
            let base = i18n.tr(Key::EvUnassigned).to_owned();
            let why = match reason {
                "queue_empty" => i18n.tr(Key::ReasonQueueEmpty).to_owned(),
                "manual" => i18n.fill(Key::ReasonManual, &[("actor", actor.clone())]),
                "" => String::new(),
                other => other.replace('_', " "),
            };
            join_reason(base, why)
        }
        "closed" => i18n.fill(Key::EvClosed, &[("actor", actor)]),
        "reopened" => match reason {
            "customer_wrote" => i18n.tr(Key::EvReopenedCustomer).to_owned(),
            "manager_replied" => i18n.fill(Key::EvReopenedReply, &[("actor", actor)]),
            _ => i18n.fill(Key::EvReopened, &[("actor", actor)]),
        },
        "followers_changed" => {
            let added = names(directory, data, "added");
            let removed = names(directory, data, "removed");
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(i18n.fill(Key::EvFollowersAdded, &[("names", added)]));
            }
            if !removed.is_empty() {
                parts.push(i18n.fill(Key::EvFollowersRemoved, &[("names", removed)]));
            }
            if parts.is_empty() {
                parts.push(names(directory, data, "follower_ids"));
            }
            i18n.fill(
                Key::EvFollowersChanged,
                &[("actor", actor), ("changes", parts.join("; "))],
            )
        }
        "tags_changed" => {
            let tags = data
                .get("tags")
                .and_then(Value::as_array)
                .map(|tags| {
                    tags.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            if tags.is_empty() {
                i18n.fill(Key::EvTagsCleared, &[("actor", actor)])
            } else {
                i18n.fill(Key::EvTagsChanged, &[("actor", actor), ("tags", tags)])
            }
        }
        "deal_created" => i18n.fill(
            Key::EvDealCreated,
            &[("title", str_field(data, "title").unwrap_or_default().into())],
        ),
        "linked" | "unlinked" => {
            let kind = str_field(data, "kind").unwrap_or_default();
            let id = id_field(data, "id").unwrap_or_default();
            let name = linked
                .iter()
                .find(|(k, i, _)| *k == kind && *i == id)
                .map(|(_, _, name)| format!("“{name}”"))
                .unwrap_or_else(|| format!("#{id}"));
            let what = if kind == "project" {
                i18n.fill(Key::LinkedProject, &[("name", name)])
            } else {
                i18n.fill(Key::LinkedTask, &[("name", name)])
            };
            let key = if event == "linked" {
                Key::EvLinked
            } else {
                Key::EvUnlinked
            };
            i18n.fill(key, &[("actor", actor), ("what", what)])
        }
        "blocked" => i18n.tr(Key::EvBlocked).to_owned(),
        "unblocked" => i18n.tr(Key::EvUnblocked).to_owned(),
        "subscribed" => i18n.tr(Key::EvSubscribed).to_owned(),
        "unsubscribed" => i18n.tr(Key::EvUnsubscribed).to_owned(),
        other => i18n.fill(Key::EvOther, &[("event", other.replace('_', " "))]),
    }
}

fn join_reason(base: String, why: String) -> String {
    if why.is_empty() {
        base
    } else {
        format!("{base}: {why}")
    }
}
