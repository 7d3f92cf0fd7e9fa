//! The conversation rules, in one place. Each transition takes the facts it
//! needs and returns the chat's new state plus the timeline events (in order)
//! and the effects it implies; `store::conversation::apply` writes them, for
//! inbound processing, manager actions (REST and socket) and demo seeding
//! alike. Nothing here reads or writes storage.

use shared::api::chats::ChatStatus;
use shared::api::timeline::{
    Assigned, AssignmentReason, NoData, Opened, ReopenReason, Reopened, TimelineEvent, Unassigned,
};
use shared::Id;

/// What the rules need to know of a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatState {
    pub status: ChatStatus,
    pub assignee_id: Option<Id>,
}

/// What happens beyond the chat row and its timeline events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A deal in the integration's funnel, first stage, linked to the chat;
    /// its `deal_created` event follows the transition's events.
    CreateDeal,
    /// The greeting, if this customer was never greeted by this integration
    /// (the store keeps who was).
    Greet,
    /// The auto-reply (or, outside business hours, the away text): a
    /// conversation started.
    AutoReply,
    /// Nobody in the queue may take the chat now: it waits for the first
    /// manager who may (CONTRACT's waiting queue).
    Wait,
}

/// What the queue answers when a chat needs a manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// The next eligible manager.
    To(Id),
    /// Nobody is queued.
    QueueEmpty,
    /// Managers are queued, but none may take a chat now.
    NobodyEligible,
}

impl Turn {
    fn assignee(self) -> Option<Id> {
        match self {
            Turn::To(user_id) => Some(user_id),
            Turn::QueueEmpty | Turn::NobodyEligible => None,
        }
    }
}

/// A transition's outcome: the state to store, then the events to append
/// and the effects to carry out, in this order.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub state: ChatState,
    pub events: Vec<TimelineEvent>,
    pub effects: Vec<Effect>,
}

impl Transition {
    fn from(state: ChatState) -> Transition {
        Transition {
            state,
            events: Vec::new(),
            effects: Vec::new(),
        }
    }

    fn status(mut self, status: ChatStatus, event: TimelineEvent) -> Transition {
        self.state.status = status;
        self.events.push(event);
        self
    }

    fn assignee(mut self, to: Option<Id>, reason: AssignmentReason) -> Transition {
        let previous_user_id = self.state.assignee_id;
        self.state.assignee_id = to;
        self.events
            .push(assignment_event(to, reason, previous_user_id));
        self
    }

    pub fn has(&self, effect: Effect) -> bool {
        self.effects.contains(&effect)
    }
}

/// The `assigned` or `unassigned` event of an assignment.
pub fn assignment_event(
    to: Option<Id>,
    reason: AssignmentReason,
    previous_user_id: Option<Id>,
) -> TimelineEvent {
    match to {
        Some(user_id) => TimelineEvent::Assigned(Assigned {
            user_id,
            reason,
            previous_user_id,
            no_answer_after_s: None,
        }),
        None => TimelineEvent::Unassigned(Unassigned {
            reason,
            previous_user_id,
        }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("the chat is already closed")]
    AlreadyClosed,
    #[error("the chat is already open")]
    AlreadyOpen,
}

pub fn status_str(status: ChatStatus) -> &'static str {
    match status {
        ChatStatus::Open => "open",
        ChatStatus::Closed => "closed",
    }
}

pub fn parse_status(value: &str) -> Option<ChatStatus> {
    match value {
        "open" => Some(ChatStatus::Open),
        "closed" => Some(ChatStatus::Closed),
        _ => None,
    }
}

/// A manager closes the chat.
pub fn close(chat: ChatState) -> Result<Transition, LifecycleError> {
    match chat.status {
        ChatStatus::Open => {
            Ok(Transition::from(chat).status(ChatStatus::Closed, TimelineEvent::Closed(NoData {})))
        }
        ChatStatus::Closed => Err(LifecycleError::AlreadyClosed),
    }
}

/// A manager reopens the chat.
pub fn reopen(chat: ChatState) -> Result<Transition, LifecycleError> {
    match chat.status {
        ChatStatus::Closed => Ok(Transition::from(chat).status(
            ChatStatus::Open,
            TimelineEvent::Reopened(Reopened {
                reason: ReopenReason::Manual,
            }),
        )),
        ChatStatus::Open => Err(LifecycleError::AlreadyOpen),
    }
}

/// A manager assigns the chat to `to` (nobody when `None`); `None` when it
/// already is.
pub fn assign(chat: ChatState, to: Option<Id>) -> Option<Transition> {
    (chat.assignee_id != to).then(|| Transition::from(chat).assignee(to, AssignmentReason::Manual))
}

/// The queue gives a waiting chat to a manager who became eligible.
pub fn from_waiting(chat: ChatState, to: Id) -> Transition {
    Transition::from(chat).assignee(Some(to), AssignmentReason::WaitingQueue)
}

/// Nobody answered within `after_s`: the chat goes to the next manager.
pub fn no_answer(chat: ChatState, to: Id, after_s: i64) -> Transition {
    let mut transition = Transition::from(chat).assignee(Some(to), AssignmentReason::NoAnswer);
    if let Some(TimelineEvent::Assigned(assigned)) = transition.events.last_mut() {
        assigned.no_answer_after_s = Some(after_s);
    }
    transition
}

/// A manager replies: a closed chat reopens (the customer sees an answer; the
/// team should too), and an unassigned one becomes the replier's.
pub fn manager_replies(chat: ChatState, replier: Id) -> Transition {
    let mut transition = Transition::from(chat);
    if chat.status == ChatStatus::Closed {
        transition = transition.status(
            ChatStatus::Open,
            TimelineEvent::Reopened(Reopened {
                reason: ReopenReason::ManagerReplied,
            }),
        );
    }
    if chat.assignee_id.is_none() {
        transition = transition.assignee(Some(replier), AssignmentReason::TookByReplying);
    }
    transition
}

/// What a customer's message does to the chat's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerWrote {
    /// No chat yet with this integration: a new conversation starts.
    NewChat,
    /// A closed chat: the conversation starts again.
    Reopens,
    /// The conversation goes on.
    Continues,
}

impl CustomerWrote {
    pub fn on(existing: Option<ChatStatus>) -> CustomerWrote {
        match existing {
            None => CustomerWrote::NewChat,
            Some(ChatStatus::Closed) => CustomerWrote::Reopens,
            Some(ChatStatus::Open) => CustomerWrote::Continues,
        }
    }

    /// The auto-reply goes out whenever a conversation starts.
    pub fn starts_conversation(self) -> bool {
        !matches!(self, CustomerWrote::Continues)
    }
}

/// The customer's chat as the rules see it when they write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingChat {
    pub state: ChatState,
    /// Whether its assignee (if any) is still an active user.
    pub assignee_active: bool,
}

/// A customer's message. `next_in_queue` hands out the queue's next turn; it
/// is asked only when the chat needs a manager from the queue (a new chat,
/// or a reopen whose manager is gone), because asking moves the rotation.
pub fn customer_writes<E>(
    existing: Option<ExistingChat>,
    referral: Option<String>,
    next_in_queue: impl FnOnce() -> Result<Turn, E>,
) -> Result<(CustomerWrote, Transition), E> {
    writes(existing, referral, None, next_in_queue)
}

/// A customer's message in a Telegram Business chat: like
/// [`customer_writes`], except that a new chat goes to the account's owner
/// (`owner`: the linked user, when active; else the queue decides) and no
/// greeting, auto-reply or away text is ever sent: the customer is writing
/// to a person's own account.
pub fn business_customer_writes<E>(
    existing: Option<ExistingChat>,
    owner: Option<Id>,
    next_in_queue: impl FnOnce() -> Result<Turn, E>,
) -> Result<(CustomerWrote, Transition), E> {
    let (wrote, mut transition) = writes(existing, None, owner, next_in_queue)?;
    transition
        .effects
        .retain(|effect| !matches!(effect, Effect::Greet | Effect::AutoReply));
    Ok((wrote, transition))
}

/// The owner of a Telegram Business account writes from their own Telegram
/// app (`owner`: the linked user, when active). In a chat Tidings knows this
/// is a manager's reply like any other ([`manager_replies`]; an owner Tidings
/// cannot name only reopens a closed chat). Sales reps often write first: a
/// chat with nobody yet starts a conversation as a customer's first message
/// would (the owner's, else the queue's; a deal), minus anything sent: the
/// owner has just written, and to their own contact.
pub fn business_owner_writes<E>(
    existing: Option<ChatState>,
    owner: Option<Id>,
    next_in_queue: impl FnOnce() -> Result<Turn, E>,
) -> Result<Transition, E> {
    match (existing, owner) {
        (None, _) => {
            let (_, mut transition) = writes(None, None, owner, next_in_queue)?;
            transition
                .effects
                .retain(|effect| matches!(effect, Effect::CreateDeal | Effect::Wait));
            Ok(transition)
        }
        (Some(chat), Some(owner)) => Ok(manager_replies(chat, owner)),
        (Some(chat), None) if chat.status == ChatStatus::Closed => Ok(Transition::from(chat)
            .status(
                ChatStatus::Open,
                TimelineEvent::Reopened(Reopened {
                    reason: ReopenReason::ManagerReplied,
                }),
            )),
        (Some(chat), None) => Ok(Transition::from(chat)),
    }
}

fn writes<E>(
    existing: Option<ExistingChat>,
    referral: Option<String>,
    owner: Option<Id>,
    next_in_queue: impl FnOnce() -> Result<Turn, E>,
) -> Result<(CustomerWrote, Transition), E> {
    let wrote = CustomerWrote::on(existing.map(|c| c.state.status));
    let transition = match existing {
        None => {
            let new_chat = ChatState {
                status: ChatStatus::Open,
                assignee_id: None,
            };
            let mut transition = Transition::from(new_chat);
            transition
                .events
                .push(TimelineEvent::Opened(Opened { referral }));
            let (turn, reason) = match owner {
                Some(owner) => (Turn::To(owner), AssignmentReason::BusinessOwner),
                None => {
                    let turn = next_in_queue()?;
                    let reason = match turn {
                        Turn::To(_) => AssignmentReason::NextInQueue,
                        Turn::QueueEmpty => AssignmentReason::QueueEmpty,
                        Turn::NobodyEligible => AssignmentReason::NoEligibleManager,
                    };
                    (turn, reason)
                }
            };
            let mut transition = transition.assignee(turn.assignee(), reason);
            transition.effects = vec![Effect::CreateDeal, Effect::Greet, Effect::AutoReply];
            if turn == Turn::NobodyEligible {
                transition.effects.push(Effect::Wait);
            }
            transition
        }
        Some(chat) if chat.state.status == ChatStatus::Closed => {
            let mut transition = Transition::from(chat.state).status(
                ChatStatus::Open,
                TimelineEvent::Reopened(Reopened {
                    reason: ReopenReason::CustomerWrote,
                }),
            );
            let previous = chat.state.assignee_id;
            if previous.is_some() && chat.assignee_active {
                // The same manager again: recorded, though nothing moves.
                transition.events.push(assignment_event(
                    previous,
                    AssignmentReason::ReturningCustomer,
                    previous,
                ));
            } else {
                let turn = next_in_queue()?;
                let reason = match (previous, turn) {
                    (_, Turn::QueueEmpty) => AssignmentReason::QueueEmpty,
                    (_, Turn::NobodyEligible) => AssignmentReason::NoEligibleManager,
                    (Some(_), Turn::To(_)) => AssignmentReason::PreviousManagerInactive,
                    (None, Turn::To(_)) => AssignmentReason::NextInQueue,
                };
                transition = transition.assignee(turn.assignee(), reason);
                if turn == Turn::NobodyEligible {
                    transition.effects.push(Effect::Wait);
                }
            }
            transition
                .effects
                .extend([Effect::Greet, Effect::AutoReply]);
            transition
        }
        Some(chat) => {
            let mut transition = Transition::from(chat.state);
            transition.effects = vec![Effect::Greet];
            transition
        }
    };
    Ok((wrote, transition))
}

/// An auto-message text counts only if it has something besides whitespace.
pub fn effective_text(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    const OPEN_TO_ANNA: ChatState = ChatState {
        status: ChatStatus::Open,
        assignee_id: Some(1),
    };
    const CLOSED_UNASSIGNED: ChatState = ChatState {
        status: ChatStatus::Closed,
        assignee_id: None,
    };

    fn assigned(user_id: Id, reason: AssignmentReason, previous: Option<Id>) -> TimelineEvent {
        assignment_event(Some(user_id), reason, previous)
    }

    fn queue(turn: Turn) -> impl FnOnce() -> Result<Turn, Infallible> {
        move || Ok(turn)
    }

    fn never_asked() -> impl FnOnce() -> Result<Turn, Infallible> {
        || panic!("the queue must not be asked: asking moves the rotation")
    }

    #[test]
    fn closing_an_open_chat_records_closed() {
        let t = close(OPEN_TO_ANNA).expect("an open chat closes");
        assert_eq!(t.state.status, ChatStatus::Closed);
        assert_eq!(t.state.assignee_id, Some(1), "closing keeps the manager");
        assert_eq!(t.events, vec![TimelineEvent::Closed(NoData {})]);
        assert_eq!(close(t.state), Err(LifecycleError::AlreadyClosed));
    }

    #[test]
    fn reopening_needs_a_closed_chat() {
        let t = reopen(CLOSED_UNASSIGNED).expect("a closed chat reopens");
        assert_eq!(t.state.status, ChatStatus::Open);
        assert_eq!(
            t.events,
            vec![TimelineEvent::Reopened(Reopened {
                reason: ReopenReason::Manual
            })]
        );
        assert_eq!(reopen(OPEN_TO_ANNA), Err(LifecycleError::AlreadyOpen));
    }

    #[test]
    fn a_manual_assignment_names_the_previous_manager_and_no_change_is_no_event() {
        let t = assign(OPEN_TO_ANNA, Some(2)).expect("a change");
        assert_eq!(t.state.assignee_id, Some(2));
        assert_eq!(
            t.events,
            vec![assigned(2, AssignmentReason::Manual, Some(1))]
        );
        let t = assign(OPEN_TO_ANNA, None).expect("a change");
        assert_eq!(
            t.events,
            vec![assignment_event(None, AssignmentReason::Manual, Some(1))]
        );
        assert_eq!(assign(OPEN_TO_ANNA, Some(1)), None);
    }

    #[test]
    fn replying_reopens_a_closed_chat_and_takes_an_unassigned_one() {
        // (chat, replier) -> (status, assignee, events)
        let table = [
            (OPEN_TO_ANNA, 2, ChatStatus::Open, Some(1), vec![]),
            (
                CLOSED_UNASSIGNED,
                2,
                ChatStatus::Open,
                Some(2),
                vec![
                    TimelineEvent::Reopened(Reopened {
                        reason: ReopenReason::ManagerReplied,
                    }),
                    assigned(2, AssignmentReason::TookByReplying, None),
                ],
            ),
            (
                ChatState {
                    status: ChatStatus::Closed,
                    assignee_id: Some(1),
                },
                2,
                ChatStatus::Open,
                Some(1),
                vec![TimelineEvent::Reopened(Reopened {
                    reason: ReopenReason::ManagerReplied,
                })],
            ),
        ];
        for (chat, replier, status, assignee, events) in table {
            let t = manager_replies(chat, replier);
            assert_eq!((t.state.status, t.state.assignee_id), (status, assignee));
            assert_eq!(t.events, events, "{chat:?}");
            assert!(t.effects.is_empty());
        }
    }

    #[test]
    fn a_first_message_opens_assigns_and_asks_for_deal_greeting_and_auto_reply() {
        let (wrote, t) =
            customer_writes(None, Some("ad".into()), queue(Turn::To(3))).expect("no error");
        assert_eq!(wrote, CustomerWrote::NewChat);
        assert_eq!(t.state.assignee_id, Some(3));
        assert_eq!(
            t.events,
            vec![
                TimelineEvent::Opened(Opened {
                    referral: Some("ad".into())
                }),
                assigned(3, AssignmentReason::NextInQueue, None),
            ]
        );
        assert_eq!(
            t.effects,
            vec![Effect::CreateDeal, Effect::Greet, Effect::AutoReply]
        );
    }

    #[test]
    fn a_new_chat_with_an_empty_queue_says_why_it_is_unassigned() {
        let (_, t) = customer_writes(None, None, queue(Turn::QueueEmpty)).expect("no error");
        assert_eq!(t.state.assignee_id, None);
        assert_eq!(
            t.events[1],
            assignment_event(None, AssignmentReason::QueueEmpty, None)
        );
        assert!(!t.has(Effect::Wait), "nobody to wait for");
    }

    #[test]
    fn a_new_chat_nobody_may_take_waits() {
        let (_, t) = customer_writes(None, None, queue(Turn::NobodyEligible)).expect("no error");
        assert_eq!(t.state.assignee_id, None);
        assert_eq!(
            t.events[1],
            assignment_event(None, AssignmentReason::NoEligibleManager, None)
        );
        assert!(t.has(Effect::Wait));
        assert!(t.has(Effect::AutoReply), "the customer still hears from us");
    }

    #[test]
    fn a_returning_customer_gets_their_manager_back_without_moving_the_queue() {
        let closed_to_anna = ExistingChat {
            state: ChatState {
                status: ChatStatus::Closed,
                assignee_id: Some(1),
            },
            assignee_active: true,
        };
        let (wrote, t) = customer_writes(Some(closed_to_anna), None, never_asked()).expect("ok");
        assert_eq!(wrote, CustomerWrote::Reopens);
        assert_eq!(t.state, OPEN_TO_ANNA);
        assert_eq!(
            t.events,
            vec![
                TimelineEvent::Reopened(Reopened {
                    reason: ReopenReason::CustomerWrote
                }),
                assigned(1, AssignmentReason::ReturningCustomer, Some(1)),
            ]
        );
        assert_eq!(t.effects, vec![Effect::Greet, Effect::AutoReply]);
    }

    #[test]
    fn a_reopen_whose_manager_is_gone_asks_the_queue() {
        // (previous assignee, queue's turn) -> reason
        let table = [
            (
                Some(1),
                Turn::To(2),
                AssignmentReason::PreviousManagerInactive,
            ),
            (Some(1), Turn::QueueEmpty, AssignmentReason::QueueEmpty),
            (
                Some(1),
                Turn::NobodyEligible,
                AssignmentReason::NoEligibleManager,
            ),
            (None, Turn::To(2), AssignmentReason::NextInQueue),
            (None, Turn::QueueEmpty, AssignmentReason::QueueEmpty),
            (
                None,
                Turn::NobodyEligible,
                AssignmentReason::NoEligibleManager,
            ),
        ];
        for (previous, turn, reason) in table {
            let pick = turn.assignee();
            let chat = ExistingChat {
                state: ChatState {
                    status: ChatStatus::Closed,
                    assignee_id: previous,
                },
                assignee_active: false,
            };
            let (_, t) = customer_writes(Some(chat), None, queue(turn)).expect("ok");
            assert_eq!(t.state.assignee_id, pick);
            assert_eq!(t.events[1], assignment_event(pick, reason, previous));
            assert_eq!(t.has(Effect::Wait), turn == Turn::NobodyEligible);
        }
    }

    #[test]
    fn a_message_in_an_open_chat_changes_nothing_but_may_greet() {
        let chat = ExistingChat {
            state: OPEN_TO_ANNA,
            assignee_active: true,
        };
        let (wrote, t) = customer_writes(Some(chat), None, never_asked()).expect("ok");
        assert_eq!(wrote, CustomerWrote::Continues);
        assert!(!wrote.starts_conversation());
        assert_eq!(t.state, OPEN_TO_ANNA);
        assert!(t.events.is_empty());
        assert_eq!(t.effects, vec![Effect::Greet]);
    }

    #[test]
    fn blank_auto_messages_are_disabled() {
        assert_eq!(effective_text(Some("  ")), None);
        assert_eq!(effective_text(None), None);
        assert_eq!(effective_text(Some(" Hi ")), Some("Hi"));
    }

    #[test]
    fn a_new_business_chat_goes_to_the_owner_without_asking_the_queue_or_auto_messages() {
        let (_, transition) =
            business_customer_writes(None, Some(7), || -> Result<Turn, Infallible> {
                panic!("the queue must not be asked")
            })
            .expect("infallible");
        assert_eq!(transition.state.assignee_id, Some(7));
        assert!(transition
            .events
            .contains(&assigned(7, AssignmentReason::BusinessOwner, None)));
        assert!(transition.has(Effect::CreateDeal));
        assert!(!transition.has(Effect::Greet));
        assert!(!transition.has(Effect::AutoReply));
    }

    #[test]
    fn a_business_chat_without_an_owner_follows_the_queue_and_still_sends_nothing() {
        let (_, transition) =
            business_customer_writes(None, None, queue(Turn::To(3))).expect("infallible");
        assert_eq!(transition.state.assignee_id, Some(3));
        assert!(transition
            .events
            .contains(&assigned(3, AssignmentReason::NextInQueue, None)));
        assert!(!transition.has(Effect::Greet) && !transition.has(Effect::AutoReply));
        let closed = ExistingChat {
            state: CLOSED_UNASSIGNED,
            assignee_active: false,
        };
        let (_, reopened) =
            business_customer_writes(Some(closed), None, queue(Turn::To(3))).expect("infallible");
        assert!(!reopened.has(Effect::Greet) && !reopened.has(Effect::AutoReply));
    }

    #[test]
    fn the_owner_writing_first_opens_a_chat_of_theirs_that_sends_nothing() {
        let transition = business_owner_writes(None, Some(7), never_asked()).expect("infallible");
        assert_eq!(
            transition.state,
            ChatState {
                status: ChatStatus::Open,
                assignee_id: Some(7)
            }
        );
        assert_eq!(
            transition.events,
            vec![
                TimelineEvent::Opened(Opened { referral: None }),
                assigned(7, AssignmentReason::BusinessOwner, None),
            ]
        );
        assert_eq!(transition.effects, vec![Effect::CreateDeal]);

        // An owner Tidings cannot name: the queue decides, and may make it wait.
        let transition =
            business_owner_writes(None, None, queue(Turn::NobodyEligible)).expect("infallible");
        assert_eq!(transition.state.assignee_id, None);
        assert_eq!(transition.effects, vec![Effect::CreateDeal, Effect::Wait]);
    }

    #[test]
    fn the_owner_writing_in_a_known_chat_is_a_managers_reply() {
        // (chat, owner) -> (status, assignee, events)
        let reopened = TimelineEvent::Reopened(Reopened {
            reason: ReopenReason::ManagerReplied,
        });
        let table = [
            (OPEN_TO_ANNA, Some(7), ChatStatus::Open, Some(1), vec![]),
            (
                CLOSED_UNASSIGNED,
                Some(7),
                ChatStatus::Open,
                Some(7),
                vec![
                    reopened.clone(),
                    assigned(7, AssignmentReason::TookByReplying, None),
                ],
            ),
            (OPEN_TO_ANNA, None, ChatStatus::Open, Some(1), vec![]),
            (
                CLOSED_UNASSIGNED,
                None,
                ChatStatus::Open,
                None,
                vec![reopened.clone()],
            ),
        ];
        for (chat, owner, status, assignee, events) in table {
            let t = business_owner_writes(Some(chat), owner, never_asked()).expect("infallible");
            assert_eq!(t.state.status, status, "{chat:?} {owner:?}");
            assert_eq!(t.state.assignee_id, assignee, "{chat:?} {owner:?}");
            assert_eq!(t.events, events, "{chat:?} {owner:?}");
            assert!(t.effects.is_empty(), "{chat:?} {owner:?}");
        }
    }
}
