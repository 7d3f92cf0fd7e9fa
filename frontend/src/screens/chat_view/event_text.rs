//! Timeline events in plain words ("Assigned to Ana: next in the queue"), from the typed
//! event and its data. Pure text: the caller renders it as a text node.

use leptos::prelude::*;
use serde_json::Value;
use shared::api::chats::EventItem;
use shared::api::crm::LinkKind;
use shared::api::timeline::{
    AssignmentReason, FieldChanges, ReopenReason, TimelineEvent, UnsnoozeReason,
};
use shared::Id;

use crate::format;
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

fn names(directory: Directory, ids: &[Id]) -> String {
    ids.iter()
        .map(|id| directory.user_name(*id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A deal's `{field: [old, new]}` in the reader's words: stage and user names,
/// statuses translated ("stage New → Won; amount — → 1,500.5").
fn deal_changes_text(i18n: I18n, directory: Directory, changes: &FieldChanges) -> String {
    let plain = |value: &Value| match value {
        Value::Null => "—".to_owned(),
        Value::String(text) => text.clone(),
        Value::Number(number) => number
            .as_f64()
            .map(|n| format::amount(i18n.lang(), n))
            .unwrap_or_else(|| number.to_string()),
        other => other.to_string(),
    };
    let stage = |value: &Value| {
        value
            .as_i64()
            .and_then(|id| {
                directory.pipelines.with(|pipelines| {
                    pipelines
                        .iter()
                        .flat_map(|pipeline| pipeline.stages.iter())
                        .find(|stage| stage.id == id)
                        .map(|stage| stage.name.clone())
                })
            })
            .unwrap_or_else(|| plain(value))
    };
    let user = |value: &Value| {
        value
            .as_i64()
            .map(|id| directory.user_name(id))
            .unwrap_or_else(|| i18n.tr(Key::Nobody).to_owned())
    };
    let status = |value: &Value| match value.as_str() {
        Some("open") => i18n.tr(Key::DealOpen).to_owned(),
        Some("won") => i18n.tr(Key::DealWon).to_owned(),
        Some("lost") => i18n.tr(Key::DealLost).to_owned(),
        _ => plain(value),
    };
    changes
        .iter()
        .filter(|(field, (_, new))| field.as_str() != "close_note" || !new.is_null())
        .map(|(field, (old, new))| {
            let (key, old, new) = match field.as_str() {
                "title" => (Key::DealTitleChange, plain(old), plain(new)),
                "stage_id" => (Key::DealStageChange, stage(old), stage(new)),
                "amount" => (Key::DealAmountChange, plain(old), plain(new)),
                "currency" => (Key::DealCurrencyChange, plain(old), plain(new)),
                "status" => (Key::DealStatusChange, status(old), status(new)),
                "responsible_id" => (Key::DealResponsibleChange, user(old), user(new)),
                "close_note" => (Key::DealNoteChange, plain(old), plain(new)),
                other => {
                    return format!(
                        "{}: {} → {}",
                        other.replace('_', " "),
                        plain(old),
                        plain(new)
                    )
                }
            };
            i18n.fill(key, &[("old", old), ("new", new)])
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A task's `{field: [old, new]}` in the reader's words: "marked it done",
/// due dates in the reader's format, user names.
fn task_changes_text(i18n: I18n, directory: Directory, changes: &FieldChanges) -> String {
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        _ => "—".to_owned(),
    };
    let due = |value: &Value| match value.as_str() {
        Some(at) => format::day_time(i18n.lang(), at),
        None => i18n.tr(Key::NoDueDate).to_owned(),
    };
    let user = |value: &Value| {
        value
            .as_i64()
            .map(|id| directory.user_name(id))
            .unwrap_or_else(|| i18n.tr(Key::Nobody).to_owned())
    };
    changes
        .iter()
        .map(|(field, (old, new))| match field.as_str() {
            "done" if new.as_bool() == Some(true) => i18n.tr(Key::TaskMarkedDone).to_owned(),
            "done" => i18n.tr(Key::TaskMarkedUndone).to_owned(),
            "title" => i18n.fill(
                Key::DealTitleChange,
                &[("old", text(old)), ("new", text(new))],
            ),
            "due_at" => i18n.fill(Key::TaskDueChange, &[("old", due(old)), ("new", due(new))]),
            "assignee_id" => i18n.fill(
                Key::TaskAssigneeChange,
                &[("old", user(old)), ("new", user(new))],
            ),
            _ => changes_text(&FieldChanges::from([(
                field.clone(),
                (old.clone(), new.clone()),
            )])),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `{field: [old, new]}` as "field: old → new; …".
fn changes_text(changes: &FieldChanges) -> String {
    let shown = |value: &Value| match value {
        Value::Null => "—".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    changes
        .iter()
        .map(|(field, (old, new))| {
            format!(
                "{}: {} → {}",
                field.replace('_', " "),
                shown(old),
                shown(new)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why a chat got (or lost) its manager, in words; `actor` did it by hand.
fn reason_text(
    i18n: I18n,
    directory: Directory,
    reason: AssignmentReason,
    actor: &str,
    previous: Option<Id>,
    no_answer_after_s: Option<i64>,
) -> String {
    match reason {
        AssignmentReason::NextInQueue => i18n.tr(Key::ReasonNextInQueue).to_owned(),
        AssignmentReason::ReturningCustomer => i18n.tr(Key::ReasonReturningCustomer).to_owned(),
        AssignmentReason::PreviousManagerInactive => {
            i18n.tr(Key::ReasonPreviousInactive).to_owned()
        }
        AssignmentReason::QueueEmpty => i18n.tr(Key::ReasonQueueEmpty).to_owned(),
        AssignmentReason::NoEligibleManager => i18n.tr(Key::ReasonNoEligible).to_owned(),
        AssignmentReason::WaitingQueue => i18n.tr(Key::ReasonWaitingQueue).to_owned(),
        AssignmentReason::NoAnswer => {
            let previous = previous
                .map(|id| directory.user_name(id))
                .unwrap_or_default();
            match no_answer_after_s {
                Some(seconds) => i18n.fill(
                    Key::ReasonNoAnswerWithin,
                    &[
                        ("previous", previous),
                        ("minutes", format::minutes_text(seconds)),
                    ],
                ),
                None => i18n.fill(Key::ReasonNoAnswer, &[("previous", previous)]),
            }
        }
        AssignmentReason::Manual => i18n.fill(Key::ReasonManual, &[("actor", actor.to_owned())]),
        AssignmentReason::TookByReplying => i18n.tr(Key::ReasonTookByReplying).to_owned(),
        AssignmentReason::BusinessOwner => i18n.tr(Key::ReasonBusinessOwner).to_owned(),
    }
}

/// The event in plain words, e.g. "Assigned to Ana: next in the queue".
pub fn describe_event(
    i18n: I18n,
    directory: Directory,
    linked: Vec<(&'static str, Id, String)>,
    item: &EventItem,
) -> String {
    let actor = item
        .actor_id
        .map(|id| directory.user_name(id))
        .unwrap_or_else(|| i18n.tr(Key::System).to_owned());
    match &item.event {
        TimelineEvent::Opened(data) => match data.referral.as_deref().filter(|r| !r.is_empty()) {
            Some(referral) => i18n.fill(Key::EvOpenedReferral, &[("referral", referral.into())]),
            None => i18n.tr(Key::EvOpened).to_owned(),
        },
        TimelineEvent::Assigned(data) => {
            let base = i18n.fill(
                Key::EvAssigned,
                &[("user", directory.user_name(data.user_id))],
            );
            let why = reason_text(
                i18n,
                directory,
                data.reason,
                &actor,
                data.previous_user_id,
                data.no_answer_after_s,
            );
            format!("{base}: {why}")
        }
        TimelineEvent::Unassigned(data) => {
            let base = i18n.tr(Key::EvUnassigned).to_owned();
            let why = reason_text(
                i18n,
                directory,
                data.reason,
                &actor,
                data.previous_user_id,
                None,
            );
            format!("{base}: {why}")
        }
        TimelineEvent::Closed(_) => i18n.fill(Key::EvClosed, &[("actor", actor)]),
        TimelineEvent::Reopened(data) => match data.reason {
            ReopenReason::CustomerWrote => i18n.tr(Key::EvReopenedCustomer).to_owned(),
            ReopenReason::ManagerReplied => i18n.fill(Key::EvReopenedReply, &[("actor", actor)]),
            ReopenReason::Manual => i18n.fill(Key::EvReopened, &[("actor", actor)]),
        },
        TimelineEvent::FollowersChanged(data) => {
            let added = names(directory, &data.added);
            let removed = names(directory, &data.removed);
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(i18n.fill(Key::EvFollowersAdded, &[("names", added)]));
            }
            if !removed.is_empty() {
                parts.push(i18n.fill(Key::EvFollowersRemoved, &[("names", removed)]));
            }
            if parts.is_empty() {
                parts.push(names(directory, &data.follower_ids));
            }
            i18n.fill(
                Key::EvFollowersChanged,
                &[("actor", actor), ("changes", parts.join("; "))],
            )
        }
        TimelineEvent::TagsChanged(data) => {
            if data.tags.is_empty() {
                i18n.fill(Key::EvTagsCleared, &[("actor", actor)])
            } else {
                i18n.fill(
                    Key::EvTagsChanged,
                    &[("actor", actor), ("tags", data.tags.join(", "))],
                )
            }
        }
        TimelineEvent::DealCreated(data) => {
            i18n.fill(Key::EvDealCreated, &[("title", data.title.clone())])
        }
        TimelineEvent::Linked(link) | TimelineEvent::Unlinked(link) => {
            let kind = link.kind.as_str();
            let name = linked
                .iter()
                .find(|(k, i, _)| *k == kind && *i == link.id)
                .map(|(_, _, name)| format!("“{name}”"))
                .unwrap_or_else(|| format!("#{}", link.id));
            let what = match link.kind {
                LinkKind::Project => i18n.fill(Key::LinkedProject, &[("name", name)]),
                LinkKind::Task => i18n.fill(Key::LinkedTask, &[("name", name)]),
            };
            let key = match item.event {
                TimelineEvent::Linked(_) => Key::EvLinked,
                _ => Key::EvUnlinked,
            };
            i18n.fill(key, &[("actor", actor), ("what", what)])
        }
        TimelineEvent::Blocked(_) => i18n.tr(Key::EvBlocked).to_owned(),
        TimelineEvent::Unblocked(_) => i18n.tr(Key::EvUnblocked).to_owned(),
        TimelineEvent::Subscribed(_) => i18n.tr(Key::EvSubscribed).to_owned(),
        TimelineEvent::Unsubscribed(_) => i18n.tr(Key::EvUnsubscribed).to_owned(),
        TimelineEvent::Snoozed(data) => i18n.fill(
            Key::EvSnoozed,
            &[
                ("actor", actor),
                ("until", format::day_time(i18n.lang(), &data.until)),
            ],
        ),
        TimelineEvent::Unsnoozed(data) => match data.reason {
            UnsnoozeReason::Time => i18n.tr(Key::EvUnsnoozedTime).to_owned(),
            UnsnoozeReason::CustomerWrote => i18n.tr(Key::EvUnsnoozedCustomer).to_owned(),
            UnsnoozeReason::Manual => i18n.fill(Key::EvUnsnoozedManual, &[("actor", actor)]),
        },
        TimelineEvent::DealChanged(data) => i18n.fill(
            Key::EvDealChanged,
            &[
                ("actor", actor),
                ("changes", deal_changes_text(i18n, directory, &data.changes)),
            ],
        ),
        TimelineEvent::TaskChanged(data) => {
            let changes = task_changes_text(i18n, directory, &data.changes);
            let title = linked
                .iter()
                .find(|(kind, id, _)| *kind == "task" && *id == data.task_id)
                .map(|(_, _, title)| title.clone());
            match title {
                Some(title) => i18n.fill(
                    Key::EvTaskChangedNamed,
                    &[("actor", actor), ("title", title), ("changes", changes)],
                ),
                None => i18n.fill(
                    Key::EvTaskChanged,
                    &[("actor", actor), ("changes", changes)],
                ),
            }
        }
        TimelineEvent::ContactsMerged(data) if !data.merged_name.is_empty() => i18n.fill(
            Key::EvContactsMergedNamed,
            &[("actor", actor), ("name", data.merged_name.clone())],
        ),
        TimelineEvent::ContactsMerged(_) => i18n.fill(Key::EvContactsMerged, &[("actor", actor)]),
        TimelineEvent::WindowClosed(_) => i18n.tr(Key::EvWindowClosed).to_owned(),
    }
}
