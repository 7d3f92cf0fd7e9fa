//! Who is notified of what (CONTRACT.md "Mentions and notifications"): pure
//! rules over plain facts. `service::notifications` loads the facts, writes
//! what these rules decide in the transaction of the change that caused it,
//! and records the live events; nothing here reads or writes storage.

use shared::api::chats::ChatStatus;
use shared::api::notifications::NotificationKind;
use shared::api::timeline::AssignmentReason;
use shared::api::users::Role;
use shared::Id;

use super::policy::{decide_on_chat, may_hold_chats, ChatAction, ChatFacts};

/// Something that happened in a chat that may concern someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Occurrence {
    /// A comment names these users.
    Mentioned {
        comment_id: Id,
        author_id: Id,
        mentioned: Vec<Id>,
    },
    /// An `assigned` event: the chat went to `user_id`.
    Assigned {
        item_id: Id,
        user_id: Id,
        previous_user_id: Option<Id>,
        actor_id: Option<Id>,
        reason: AssignmentReason,
    },
    /// A customer's message.
    CustomerWrote { item_id: Id },
    /// Nobody in the queue may take the chat now: it waits (the `unassigned`
    /// event with reason `no_eligible_manager`).
    StartedWaiting { item_id: Id },
}

/// What the rules need to know of the chat, as it is after the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatNow {
    pub status: ChatStatus,
    pub assignee_id: Option<Id>,
    /// The queue of the chat's integration.
    pub queue: Vec<Id>,
}

/// What the rules need to know of someone who may be notified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Id,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// Whether they follow the chat.
    pub follows: bool,
    /// Whether they turned this chat's notifications off (stops customer
    /// messages and waiting, never what is about them personally).
    pub muted: bool,
}

impl Person {
    /// Only someone who can see the chat is told about it.
    fn sees_chat(&self) -> bool {
        self.active
            && decide_on_chat(
                self.role,
                ChatAction::View,
                ChatFacts {
                    caller_follows: self.follows,
                },
            )
            .is_allowed()
    }
}

/// A notification to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub user_id: Id,
    pub kind: NotificationKind,
    pub item_id: Option<Id>,
    pub actor_id: Option<Id>,
}

/// The people whose facts [`notifications`] needs for this occurrence.
pub fn candidates(occurrence: &Occurrence, chat: &ChatNow) -> Vec<Id> {
    let mut ids = match occurrence {
        Occurrence::Mentioned { mentioned, .. } => mentioned.clone(),
        Occurrence::Assigned { user_id, .. } => vec![*user_id],
        Occurrence::CustomerWrote { .. } => chat.assignee_id.into_iter().collect(),
        Occurrence::StartedWaiting { .. } => chat.queue.clone(),
    };
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Whom to notify of `occurrence`, once each, given the facts of the
/// [`candidates`] (someone missing from `people` is not notified).
pub fn notifications(
    occurrence: &Occurrence,
    chat: &ChatNow,
    people: &[Person],
) -> Vec<NewNotification> {
    let person = |id: Id| people.iter().find(|p| p.id == id);
    let to =
        |user_id: Id, kind: NotificationKind, item_id: Id, actor_id: Option<Id>| NewNotification {
            user_id,
            kind,
            item_id: Some(item_id),
            actor_id,
        };
    match occurrence {
        Occurrence::Mentioned {
            comment_id,
            author_id,
            ..
        } => candidates(occurrence, chat)
            .into_iter()
            .filter(|id| id != author_id)
            .filter(|id| person(*id).is_some_and(Person::sees_chat))
            .map(|id| to(id, NotificationKind::Mention, *comment_id, Some(*author_id)))
            .collect(),
        Occurrence::Assigned {
            item_id,
            user_id,
            previous_user_id,
            actor_id,
            reason,
        } => {
            let taken_by_themselves = matches!(
                reason,
                AssignmentReason::TookByReplying | AssignmentReason::ReturningCustomer
            ) || *actor_id == Some(*user_id)
                || *previous_user_id == Some(*user_id);
            let told = !taken_by_themselves && person(*user_id).is_some_and(Person::sees_chat);
            told.then(|| to(*user_id, NotificationKind::Assigned, *item_id, *actor_id))
                .into_iter()
                .collect()
        }
        Occurrence::CustomerWrote { item_id } => match (chat.status, chat.assignee_id) {
            (ChatStatus::Open, Some(assignee)) => person(assignee)
                .filter(|p| p.sees_chat() && !p.muted)
                .map(|p| to(p.id, NotificationKind::CustomerMessage, *item_id, None))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        },
        Occurrence::StartedWaiting { item_id } => candidates(occurrence, chat)
            .into_iter()
            .filter_map(person)
            .filter(|p| may_hold_chats(p.role) && p.sees_chat() && !p.muted)
            .map(|p| to(p.id, NotificationKind::Waiting, *item_id, None))
            .collect(),
    }
}

/// Why someone cannot be mentioned in a chat's comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MentionError {
    Unknown {
        id: Id,
    },
    Inactive {
        id: Id,
    },
    /// A follower who does not follow the chat (they cannot see it).
    NotFollowing {
        name: String,
    },
}

/// The users a comment may mention: each known, active and able to see the
/// chat; duplicates dropped, order kept.
pub fn check_mentions(mention_ids: &[Id], people: &[Person]) -> Result<Vec<Id>, MentionError> {
    let mut checked = Vec::new();
    for &id in mention_ids {
        let person = people
            .iter()
            .find(|p| p.id == id)
            .ok_or(MentionError::Unknown { id })?;
        if !person.active {
            return Err(MentionError::Inactive { id });
        }
        if !person.sees_chat() {
            return Err(MentionError::NotFollowing {
                name: person.name.clone(),
            });
        }
        if !checked.contains(&id) {
            checked.push(id);
        }
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssignmentReason as R;
    use NotificationKind::{Assigned as A, CustomerMessage as C, Mention as M, Waiting as W};

    const ANA: Id = 1;
    const BEN: Id = 2;
    const FAY: Id = 3;
    const OLD: Id = 4;

    fn people(muted: bool, fay_follows: bool) -> Vec<Person> {
        let person = |id: Id, role: Role, active: bool, follows: bool| Person {
            id,
            name: format!("user {id}"),
            role,
            active,
            follows,
            muted,
        };
        vec![
            person(ANA, Role::Employee, true, false),
            person(BEN, Role::Admin, true, false),
            person(FAY, Role::Follower, true, fay_follows),
            person(OLD, Role::Employee, false, false),
        ]
    }

    fn open_chat(assignee_id: Option<Id>) -> ChatNow {
        ChatNow {
            status: ChatStatus::Open,
            assignee_id,
            queue: vec![ANA, BEN, OLD],
        }
    }

    fn assigned(user_id: Id, previous: Option<Id>, actor: Option<Id>, reason: R) -> Occurrence {
        Occurrence::Assigned {
            item_id: 10,
            user_id,
            previous_user_id: previous,
            actor_id: actor,
            reason,
        }
    }

    /// `(occurrence, chat, muted, follower follows) → (user, kind, actor)`,
    /// written out so a change of rule is a visible diff.
    #[test]
    fn who_is_notified_of_what() {
        let mention = |mentioned: Vec<Id>| Occurrence::Mentioned {
            comment_id: 7,
            author_id: BEN,
            mentioned,
        };
        let wrote = Occurrence::CustomerWrote { item_id: 10 };
        let waits = Occurrence::StartedWaiting { item_id: 10 };
        let closed = ChatNow {
            status: ChatStatus::Closed,
            ..open_chat(Some(ANA))
        };
        type Row = (
            Occurrence,
            ChatNow,
            bool,
            bool,
            Vec<(Id, NotificationKind, Option<Id>)>,
        );
        let table: Vec<Row> = vec![
            // Mentions: everyone named who sees the chat, never the author; mute does not stop them.
            (
                mention(vec![ANA, ANA, BEN]),
                open_chat(None),
                true,
                false,
                vec![(ANA, M, Some(BEN))],
            ),
            (
                mention(vec![FAY]),
                open_chat(None),
                false,
                true,
                vec![(FAY, M, Some(BEN))],
            ),
            (mention(vec![FAY]), open_chat(None), false, false, vec![]),
            (mention(vec![OLD]), open_chat(None), false, false, vec![]),
            // Assignments by someone else, or by routing (no actor).
            (
                assigned(ANA, None, Some(BEN), R::Manual),
                open_chat(Some(ANA)),
                true,
                false,
                vec![(ANA, A, Some(BEN))],
            ),
            (
                assigned(ANA, Some(BEN), None, R::NextInQueue),
                open_chat(Some(ANA)),
                false,
                false,
                vec![(ANA, A, None)],
            ),
            (
                assigned(ANA, None, None, R::WaitingQueue),
                open_chat(Some(ANA)),
                false,
                false,
                vec![(ANA, A, None)],
            ),
            (
                assigned(ANA, Some(BEN), None, R::NoAnswer),
                open_chat(Some(ANA)),
                false,
                false,
                vec![(ANA, A, None)],
            ),
            (
                assigned(ANA, None, None, R::BusinessOwner),
                open_chat(Some(ANA)),
                false,
                false,
                vec![(ANA, A, None)],
            ),
            // … never to oneself, by replying, or to the manager who already held it.
            (
                assigned(ANA, None, Some(ANA), R::Manual),
                open_chat(Some(ANA)),
                false,
                false,
                vec![],
            ),
            (
                assigned(ANA, None, Some(ANA), R::TookByReplying),
                open_chat(Some(ANA)),
                false,
                false,
                vec![],
            ),
            (
                assigned(ANA, Some(ANA), None, R::ReturningCustomer),
                open_chat(Some(ANA)),
                false,
                false,
                vec![],
            ),
            (
                assigned(OLD, None, Some(BEN), R::Manual),
                open_chat(Some(OLD)),
                false,
                false,
                vec![],
            ),
            // Customer messages: the assignee of an open chat, unless muted.
            (
                wrote.clone(),
                open_chat(Some(ANA)),
                false,
                false,
                vec![(ANA, C, None)],
            ),
            (wrote.clone(), open_chat(Some(ANA)), true, false, vec![]),
            (wrote.clone(), open_chat(None), false, false, vec![]),
            (wrote.clone(), closed, false, false, vec![]),
            (wrote, open_chat(Some(OLD)), false, false, vec![]),
            // Waiting: the active managers of the queue, unless muted.
            (
                waits.clone(),
                open_chat(None),
                false,
                false,
                vec![(ANA, W, None), (BEN, W, None)],
            ),
            (waits, open_chat(None), true, false, vec![]),
        ];
        for (n, (occurrence, chat, muted, fay_follows, expected)) in table.into_iter().enumerate() {
            let got: Vec<(Id, NotificationKind, Option<Id>)> =
                notifications(&occurrence, &chat, &people(muted, fay_follows))
                    .into_iter()
                    .map(|n| (n.user_id, n.kind, n.actor_id))
                    .collect();
            assert_eq!(got, expected, "row {n}: {occurrence:?}");
        }
    }

    #[test]
    fn a_notification_points_at_the_comment_or_item_that_caused_it() {
        let mention = Occurrence::Mentioned {
            comment_id: 7,
            author_id: BEN,
            mentioned: vec![ANA],
        };
        let made = notifications(&mention, &open_chat(None), &people(false, false));
        assert_eq!(made[0].item_id, Some(7));
        let made = notifications(
            &Occurrence::CustomerWrote { item_id: 12 },
            &open_chat(Some(ANA)),
            &people(false, false),
        );
        assert_eq!(made[0].item_id, Some(12));
    }

    #[test]
    fn someone_whose_facts_are_missing_is_not_notified() {
        let made = notifications(
            &assigned(ANA, None, Some(BEN), R::Manual),
            &open_chat(Some(ANA)),
            &[],
        );
        assert!(made.is_empty());
    }

    #[test]
    fn mentions_must_name_active_users_who_see_the_chat() {
        assert_eq!(
            check_mentions(&[ANA, BEN, ANA], &people(false, false)),
            Ok(vec![ANA, BEN])
        );
        assert_eq!(check_mentions(&[FAY], &people(false, true)), Ok(vec![FAY]));
        assert_eq!(
            check_mentions(&[FAY], &people(false, false)),
            Err(MentionError::NotFollowing {
                name: "user 3".into()
            })
        );
        assert_eq!(
            check_mentions(&[OLD], &people(false, false)),
            Err(MentionError::Inactive { id: OLD })
        );
        assert_eq!(
            check_mentions(&[ANA, 99], &people(false, false)),
            Err(MentionError::Unknown { id: 99 })
        );
        assert_eq!(check_mentions(&[], &[]), Ok(vec![]));
    }
}
