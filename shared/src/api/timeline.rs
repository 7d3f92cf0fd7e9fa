//! Timeline events: one variant per event of CONTRACT.md, each with its own
//! data. On the wire an event is `{"event": "<name>", "data": {...}}` beside
//! the item's `kind`, `actor_id`, `id` and `at`; the server stores the same two
//! parts (name and data JSON), so what is written is what is read back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::crm::LinkKind;
use crate::Id;

/// Why a chat got (or lost) its manager. Shown in plain words in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentReason {
    /// A new chat took the next manager of the queue.
    NextInQueue,
    /// A returning customer reopened the chat and got their previous manager.
    ReturningCustomer,
    /// The previous manager was deactivated, so the queue picked another.
    PreviousManagerInactive,
    /// The queue had nobody to take the chat.
    QueueEmpty,
    /// The queue has managers, but none may take a chat now.
    NoEligibleManager,
    /// A waiting chat went to a manager who became eligible.
    WaitingQueue,
    /// The manager did not answer in time, so the chat moved on.
    NoAnswer,
    /// A person assigned it.
    Manual,
    /// A manager answered an unassigned chat and took it.
    TookByReplying,
    /// A Telegram Business chat goes to the account's owner.
    BusinessOwner,
}

impl AssignmentReason {
    pub const ALL: [AssignmentReason; 10] = [
        AssignmentReason::NextInQueue,
        AssignmentReason::ReturningCustomer,
        AssignmentReason::PreviousManagerInactive,
        AssignmentReason::QueueEmpty,
        AssignmentReason::NoEligibleManager,
        AssignmentReason::WaitingQueue,
        AssignmentReason::NoAnswer,
        AssignmentReason::Manual,
        AssignmentReason::TookByReplying,
        AssignmentReason::BusinessOwner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentReason::NextInQueue => "next_in_queue",
            AssignmentReason::ReturningCustomer => "returning_customer",
            AssignmentReason::PreviousManagerInactive => "previous_manager_inactive",
            AssignmentReason::QueueEmpty => "queue_empty",
            AssignmentReason::NoEligibleManager => "no_eligible_manager",
            AssignmentReason::WaitingQueue => "waiting_queue",
            AssignmentReason::NoAnswer => "no_answer",
            AssignmentReason::Manual => "manual",
            AssignmentReason::TookByReplying => "took_by_replying",
            AssignmentReason::BusinessOwner => "business_owner",
        }
    }
}

/// Why a closed chat opened again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReopenReason {
    /// The customer wrote to the closed chat.
    CustomerWrote,
    /// A manager replied to the closed chat.
    ManagerReplied,
    /// A manager reopened it.
    #[default]
    Manual,
}

/// Why a snoozed chat came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnsnoozeReason {
    /// The time it was snoozed until came.
    Time,
    /// The customer wrote.
    CustomerWrote,
    /// A manager ended the snooze.
    Manual,
}

/// `opened`: a customer started a new chat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Opened {
    /// The deep-link payload the customer arrived with, if any.
    #[serde(default)]
    pub referral: Option<String>,
}

/// `assigned`: the chat has a new manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Assigned {
    /// The new assignee.
    pub user_id: Id,
    pub reason: AssignmentReason,
    /// The assignee before, whenever the chat had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_user_id: Option<Id>,
    /// For `no_answer`: how long the previous manager had to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_answer_after_s: Option<i64>,
}

/// `unassigned`: the chat has no manager (also a new chat that got none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Unassigned {
    pub reason: AssignmentReason,
    /// The assignee before, whenever the chat had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_user_id: Option<Id>,
}

/// `reopened`: a closed chat is open again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reopened {
    #[serde(default)]
    pub reason: ReopenReason,
}

/// `followers_changed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FollowersChanged {
    /// The followers now.
    pub follower_ids: Vec<Id>,
    #[serde(default)]
    pub added: Vec<Id>,
    #[serde(default)]
    pub removed: Vec<Id>,
}

/// `tags_changed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TagsChanged {
    /// The tags now.
    pub tags: Vec<String>,
    /// The tags before.
    #[serde(default)]
    pub previous: Vec<String>,
}

/// `deal_created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DealCreated {
    pub deal_id: Id,
    pub title: String,
}

/// `linked` / `unlinked`: a task or project linked to the chat, or no longer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Link {
    pub kind: LinkKind,
    pub id: Id,
}

/// Events that carry no data (`closed`, `blocked`, `unblocked`, `subscribed`,
/// `unsubscribed`): `data` is `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NoData {}

/// `snoozed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Snoozed {
    /// RFC 3339: when the chat comes back by itself.
    pub until: String,
}

/// `unsnoozed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Unsnoozed {
    pub reason: UnsnoozeReason,
}

/// What a change did to each field: `{field: [old, new]}`, fields named as in
/// the changed object.
pub type FieldChanges = BTreeMap<String, (serde_json::Value, serde_json::Value)>;

/// `deal_changed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DealChanged {
    pub deal_id: Id,
    #[schema(value_type = Object, additional_properties = true)]
    pub changes: FieldChanges,
}

/// `task_changed`: a task linked to the chat changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaskChanged {
    pub task_id: Id,
    #[schema(value_type = Object, additional_properties = true)]
    pub changes: FieldChanges,
}

/// `contacts_merged`: the chat's contact absorbed another one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactsMerged {
    /// The contact that remains.
    pub contact_id: Id,
    /// The contact that was merged into it (now gone).
    pub merged_contact_id: Id,
    /// The merged contact's name, as it was.
    #[serde(default)]
    pub merged_name: String,
}

/// `window_closed`: the messenger's reply window ended; only templates may go
/// out until the customer writes again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WindowClosed {
    /// RFC 3339: when the window ended.
    pub ended_at: String,
}

/// A timeline event with its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum TimelineEvent {
    Opened(Opened),
    Assigned(Assigned),
    Unassigned(Unassigned),
    Closed(NoData),
    Reopened(Reopened),
    FollowersChanged(FollowersChanged),
    TagsChanged(TagsChanged),
    DealCreated(DealCreated),
    Linked(Link),
    Unlinked(Link),
    /// The customer blocked the Telegram bot.
    Blocked(NoData),
    /// The customer unblocked the Telegram bot.
    Unblocked(NoData),
    /// The customer subscribed to the Viber bot.
    Subscribed(NoData),
    /// The customer unsubscribed from the Viber bot.
    Unsubscribed(NoData),
    Snoozed(Snoozed),
    Unsnoozed(Unsnoozed),
    DealChanged(DealChanged),
    ContactsMerged(ContactsMerged),
    TaskChanged(TaskChanged),
    WindowClosed(WindowClosed),
}

/// The stored and wire parts of an event that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableEvent {
    pub name: String,
    pub reason: String,
}

impl std::fmt::Display for UnreadableEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "event {:?} does not read back: {}",
            self.name, self.reason
        )
    }
}

impl TimelineEvent {
    /// The event's name, as on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            TimelineEvent::Opened(_) => "opened",
            TimelineEvent::Assigned(_) => "assigned",
            TimelineEvent::Unassigned(_) => "unassigned",
            TimelineEvent::Closed(_) => "closed",
            TimelineEvent::Reopened(_) => "reopened",
            TimelineEvent::FollowersChanged(_) => "followers_changed",
            TimelineEvent::TagsChanged(_) => "tags_changed",
            TimelineEvent::DealCreated(_) => "deal_created",
            TimelineEvent::Linked(_) => "linked",
            TimelineEvent::Unlinked(_) => "unlinked",
            TimelineEvent::Blocked(_) => "blocked",
            TimelineEvent::Unblocked(_) => "unblocked",
            TimelineEvent::Subscribed(_) => "subscribed",
            TimelineEvent::Unsubscribed(_) => "unsubscribed",
            TimelineEvent::Snoozed(_) => "snoozed",
            TimelineEvent::Unsnoozed(_) => "unsnoozed",
            TimelineEvent::DealChanged(_) => "deal_changed",
            TimelineEvent::ContactsMerged(_) => "contacts_merged",
            TimelineEvent::TaskChanged(_) => "task_changed",
            TimelineEvent::WindowClosed(_) => "window_closed",
        }
    }

    /// The event's data object, as stored and sent.
    pub fn data(&self) -> serde_json::Value {
        fn value(data: &impl Serialize) -> serde_json::Value {
            // Plain structs of numbers, strings and lists: serialising cannot fail.
            serde_json::to_value(data).unwrap_or_else(|_| serde_json::json!({}))
        }
        match self {
            TimelineEvent::Opened(d) => value(d),
            TimelineEvent::Assigned(d) => value(d),
            TimelineEvent::Unassigned(d) => value(d),
            TimelineEvent::Closed(d)
            | TimelineEvent::Blocked(d)
            | TimelineEvent::Unblocked(d)
            | TimelineEvent::Subscribed(d)
            | TimelineEvent::Unsubscribed(d) => value(d),
            TimelineEvent::Reopened(d) => value(d),
            TimelineEvent::FollowersChanged(d) => value(d),
            TimelineEvent::TagsChanged(d) => value(d),
            TimelineEvent::DealCreated(d) => value(d),
            TimelineEvent::Linked(d) | TimelineEvent::Unlinked(d) => value(d),
            TimelineEvent::Snoozed(d) => value(d),
            TimelineEvent::Unsnoozed(d) => value(d),
            TimelineEvent::DealChanged(d) => value(d),
            TimelineEvent::ContactsMerged(d) => value(d),
            TimelineEvent::TaskChanged(d) => value(d),
            TimelineEvent::WindowClosed(d) => value(d),
        }
    }

    /// Reads an event back from its name and data (absent data reads as `{}`).
    pub fn from_parts(
        name: &str,
        data: Option<serde_json::Value>,
    ) -> Result<TimelineEvent, UnreadableEvent> {
        let data = data.unwrap_or_else(|| serde_json::json!({}));
        serde_json::from_value(serde_json::json!({"event": name, "data": data})).map_err(|err| {
            UnreadableEvent {
                name: name.to_owned(),
                reason: err.to_string(),
            }
        })
    }

    /// The assignment this event records, if it is one: (new assignee, reason).
    pub fn assignment(&self) -> Option<(Option<Id>, AssignmentReason)> {
        match self {
            TimelineEvent::Assigned(a) => Some((Some(a.user_id), a.reason)),
            TimelineEvent::Unassigned(u) => Some((None, u.reason)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_event_is_its_name_beside_its_data() {
        let event = TimelineEvent::Assigned(Assigned {
            user_id: 4,
            reason: AssignmentReason::Manual,
            previous_user_id: Some(2),
            no_answer_after_s: None,
        });
        assert_eq!(
            serde_json::to_value(&event).expect("serialises"),
            json!({"event": "assigned", "data": {"user_id": 4, "reason": "manual", "previous_user_id": 2}})
        );
        assert_eq!(event.name(), "assigned");
        assert_eq!(
            TimelineEvent::from_parts(event.name(), Some(event.data())),
            Ok(event)
        );
    }

    #[test]
    fn previous_user_id_is_absent_when_there_was_nobody() {
        let event = TimelineEvent::Unassigned(Unassigned {
            reason: AssignmentReason::QueueEmpty,
            previous_user_id: None,
        });
        assert_eq!(event.data(), json!({"reason": "queue_empty"}));
    }

    #[test]
    fn events_without_data_have_an_empty_object() {
        for event in [
            TimelineEvent::Closed(NoData {}),
            TimelineEvent::Blocked(NoData {}),
            TimelineEvent::Unsubscribed(NoData {}),
        ] {
            assert_eq!(event.data(), json!({}));
            assert_eq!(TimelineEvent::from_parts(event.name(), None), Ok(event));
        }
    }

    #[test]
    fn every_reason_has_the_contract_name() {
        for reason in AssignmentReason::ALL {
            assert_eq!(
                serde_json::to_value(reason).expect("serialises"),
                json!(reason.as_str())
            );
        }
        let names: Vec<&str> = AssignmentReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            names,
            [
                "next_in_queue",
                "returning_customer",
                "previous_manager_inactive",
                "queue_empty",
                "no_eligible_manager",
                "waiting_queue",
                "no_answer",
                "manual",
                "took_by_replying",
                "business_owner"
            ]
        );
    }

    #[test]
    fn field_changes_are_old_and_new_pairs() {
        let event = TimelineEvent::DealChanged(DealChanged {
            deal_id: 9,
            changes: BTreeMap::from([("stage_id".to_owned(), (json!(1), json!(2)))]),
        });
        assert_eq!(
            event.data(),
            json!({"deal_id": 9, "changes": {"stage_id": [1, 2]}})
        );
    }

    #[test]
    fn stored_events_of_the_first_wave_read_back() {
        // A manual reopen stored `{}`; assignments stored a null previous user.
        assert_eq!(
            TimelineEvent::from_parts("reopened", Some(json!({}))),
            Ok(TimelineEvent::Reopened(Reopened {
                reason: ReopenReason::Manual
            }))
        );
        assert_eq!(
            TimelineEvent::from_parts(
                "assigned",
                Some(json!({"user_id": 3, "reason": "next_in_queue", "previous_user_id": null}))
            ),
            Ok(TimelineEvent::Assigned(Assigned {
                user_id: 3,
                reason: AssignmentReason::NextInQueue,
                previous_user_id: None,
                no_answer_after_s: None,
            }))
        );
    }

    #[test]
    fn an_unknown_event_or_bad_data_is_an_error_not_a_guess() {
        assert!(TimelineEvent::from_parts("exploded", None).is_err());
        assert!(TimelineEvent::from_parts("assigned", Some(json!({"user_id": "x"}))).is_err());
    }
}
