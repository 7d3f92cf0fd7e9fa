//! Access rights (CONTRACT.md "Roles"), the one place that decides them.
//!
//! Admin: everything. Employee: every chat and every chat action, but not
//! integrations, users or pipelines. Follower: only chats they follow, read-only;
//! a chat they do not follow does not exist for them (404, never 403, so its id
//! is not confirmed).

use shared::api::users::Role;
use shared::Id;

/// The outcome of a check, mapped by HTTP to 2xx / 403 / 404.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Forbidden,
    NotVisible,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allowed
    }
}

/// Actions that are not about one chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ListUsers,
    ManageUsers,
    ListIntegrations,
    /// Create, edit, delete integrations; see tokens and channel health.
    ManageIntegrations,
    ListPipelines,
    ManagePipelines,
    /// List chats (groups, archive); what the list holds is narrowed by [`chat_scope`].
    ListChats,
    /// List and read deals; a follower's list holds the deals of the chats
    /// they follow ([`decide_on_deal`] for one deal).
    ListDeals,
    EditDeal,
    ListTasksAndProjects,
    CreateTasksAndProjects,
    /// See when the scheduled backups last ran and why one failed.
    ViewBackups,
    /// Erase a contact with all its chats and files (a customer's request).
    EraseContacts,
    /// List the team's canned replies and one's own (and preview them in a chat).
    ListCannedReplies,
    /// Create team canned replies (edit any canned reply).
    ManageTeamCannedReplies,
    /// Create, edit and delete one's own personal canned replies.
    KeepPersonalCannedReplies,
    /// Reports: figures over every chat, per manager and per conversation.
    ViewReports,
    /// An integration's WhatsApp message templates (to send one).
    ListTemplates,
    /// List and read contacts; a follower's list holds the contacts of the
    /// chats they follow ([`decide_on_contact`] for one contact).
    ListContacts,
    /// Edit a contact's fields, merge two contacts.
    EditContacts,
    /// Change a task (done, title, due date, assignee).
    EditTasks,
    /// See an integration's Telegram Business connections (linking one to a
    /// user is [`Action::ManageIntegrations`]).
    ListBusinessConnections,
}

impl Action {
    pub const ALL: [Action; 22] = [
        Action::ListUsers,
        Action::ManageUsers,
        Action::ListIntegrations,
        Action::ManageIntegrations,
        Action::ListPipelines,
        Action::ManagePipelines,
        Action::ListChats,
        Action::ListDeals,
        Action::EditDeal,
        Action::ListTasksAndProjects,
        Action::CreateTasksAndProjects,
        Action::ViewBackups,
        Action::EraseContacts,
        Action::ListCannedReplies,
        Action::ManageTeamCannedReplies,
        Action::KeepPersonalCannedReplies,
        Action::ViewReports,
        Action::ListTemplates,
        Action::ListContacts,
        Action::EditContacts,
        Action::EditTasks,
        Action::ListBusinessConnections,
    ];
}

/// Actions on one chat (or on something reached through it, such as its contact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatAction {
    /// The chat, its timeline, search, comments, deals, links and contact.
    View,
    /// The caller's own read marker and notification setting.
    SetOwnState,
    Reply,
    Assign,
    SetFollowers,
    SetTags,
    Close,
    Reopen,
    Comment,
    CreateDeal,
    Link,
    /// Put the chat away until a time, or bring it back.
    Snooze,
}

impl ChatAction {
    pub const ALL: [ChatAction; 12] = [
        ChatAction::View,
        ChatAction::SetOwnState,
        ChatAction::Reply,
        ChatAction::Assign,
        ChatAction::SetFollowers,
        ChatAction::SetTags,
        ChatAction::Close,
        ChatAction::Reopen,
        ChatAction::Comment,
        ChatAction::CreateDeal,
        ChatAction::Link,
        ChatAction::Snooze,
    ];

    /// Reading actions leave the chat as it is for everyone else.
    pub fn is_read_only(self) -> bool {
        matches!(self, ChatAction::View | ChatAction::SetOwnState)
    }
}

/// What the policy needs to know about a chat and the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatFacts {
    pub caller_follows: bool,
}

pub fn decide(role: Role, action: Action) -> Decision {
    use Action::*;
    match (role, action) {
        (Role::Admin, _) => Decision::Allowed,
        (
            _,
            ListUsers | ListIntegrations | ListPipelines | ListChats | ListCannedReplies
            | ListDeals | ListContacts,
        ) => Decision::Allowed,
        (
            Role::Employee,
            EditDeal
            | ListTasksAndProjects
            | CreateTasksAndProjects
            | KeepPersonalCannedReplies
            | ViewReports
            | ListTemplates
            | EditContacts
            | EditTasks
            | ListBusinessConnections,
        ) => Decision::Allowed,
        (
            Role::Employee,
            ManageUsers
            | ManageIntegrations
            | ManagePipelines
            | ViewBackups
            | EraseContacts
            | ManageTeamCannedReplies,
        ) => Decision::Forbidden,
        (Role::Follower, _) => Decision::Forbidden,
    }
}

pub fn decide_on_chat(role: Role, action: ChatAction, chat: ChatFacts) -> Decision {
    match role {
        Role::Admin | Role::Employee => Decision::Allowed,
        Role::Follower if !chat.caller_follows => Decision::NotVisible,
        Role::Follower if action.is_read_only() => Decision::Allowed,
        Role::Follower => Decision::Forbidden,
    }
}

/// What the policy needs to know about a canned reply and the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CannedFacts {
    pub is_team: bool,
    pub caller_owns: bool,
}

/// Editing or deleting one canned reply: its owner (while their role may
/// keep replies of that scope) or an admin. Someone else's personal reply
/// does not exist for anyone else but admins (404); a team reply is visible
/// to all, so changing one that is not yours is 403.
pub fn decide_on_canned(role: Role, reply: CannedFacts) -> Decision {
    let needed = if reply.is_team {
        Action::ManageTeamCannedReplies
    } else {
        Action::KeepPersonalCannedReplies
    };
    match role {
        Role::Admin => Decision::Allowed,
        _ if !reply.is_team && !reply.caller_owns => Decision::NotVisible,
        Role::Employee if reply.caller_owns => Decision::Allowed,
        _ => match decide(role, needed) {
            Decision::Allowed => Decision::Allowed,
            _ => Decision::Forbidden,
        },
    }
}

/// One deal: `ListDeals` to read it, `EditDeal` to change it. A follower
/// sees only the deals of the chats they follow (`chat.caller_follows`:
/// they follow the deal's chat), read-only; any other deal is not there.
pub fn decide_on_deal(role: Role, action: Action, chat: ChatFacts) -> Decision {
    reached_through_chat(role, action, chat)
}

/// One contact: `ListContacts` to read it, `EditContacts` to change or
/// merge it. A follower sees only the contacts of the chats they follow
/// (`chat.caller_follows`: they follow one of its chats), read-only; any
/// other contact is not there.
pub fn decide_on_contact(role: Role, action: Action, chat: ChatFacts) -> Decision {
    reached_through_chat(role, action, chat)
}

/// One task: `ListTasksAndProjects` to read it, `EditTasks` to change it.
/// A follower may not change tasks; one linked to a chat they follow is
/// there for them (403), any other is not (404).
pub fn decide_on_task(role: Role, action: Action, chat: ChatFacts) -> Decision {
    reached_through_chat(role, action, chat)
}

/// Something a follower reaches only through a chat they follow.
fn reached_through_chat(role: Role, action: Action, chat: ChatFacts) -> Decision {
    match role {
        Role::Follower if !chat.caller_follows => Decision::NotVisible,
        _ => decide(role, action),
    }
}

/// Which chats a user's lists, counts, searches and socket events may include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatScope {
    All,
    FollowedBy(Id),
}

pub fn chat_scope(role: Role, user_id: Id) -> ChatScope {
    match role {
        Role::Admin | Role::Employee => ChatScope::All,
        Role::Follower => ChatScope::FollowedBy(user_id),
    }
}

/// Whether a user of this role may hold chats: be in an integration's queue or
/// be a chat's assignee. A follower could not answer the chats they got.
pub fn may_hold_chats(role: Role) -> bool {
    match role {
        Role::Admin | Role::Employee => true,
        Role::Follower => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allowed as A, Forbidden as F, NotVisible as N};

    /// The full table for global actions, written out so a change is a visible diff.
    #[test]
    fn global_action_table() {
        use Action::*;
        let expected: [(Action, [Decision; 3]); 22] = [
            //                        admin employee follower
            (ListUsers, [A, A, A]),
            (ManageUsers, [A, F, F]),
            (ListIntegrations, [A, A, A]),
            (ManageIntegrations, [A, F, F]),
            (ListPipelines, [A, A, A]),
            (ManagePipelines, [A, F, F]),
            (ListChats, [A, A, A]),
            (ListDeals, [A, A, A]),
            (EditDeal, [A, A, F]),
            (ListTasksAndProjects, [A, A, F]),
            (CreateTasksAndProjects, [A, A, F]),
            (ViewBackups, [A, F, F]),
            (EraseContacts, [A, F, F]),
            (ListCannedReplies, [A, A, A]),
            (ManageTeamCannedReplies, [A, F, F]),
            (KeepPersonalCannedReplies, [A, A, F]),
            (ViewReports, [A, A, F]),
            (ListTemplates, [A, A, F]),
            (ListContacts, [A, A, A]),
            (EditContacts, [A, A, F]),
            (EditTasks, [A, A, F]),
            (ListBusinessConnections, [A, A, F]),
        ];
        assert_eq!(expected.len(), Action::ALL.len());
        for (action, decisions) in expected {
            for (role, want) in Role::ALL.into_iter().zip(decisions) {
                assert_eq!(decide(role, action), want, "{role:?} {action:?}");
            }
        }
    }

    /// The full table for chat actions: [followed chat, unfollowed chat] per role.
    #[test]
    fn chat_action_table() {
        use ChatAction::*;
        let expected: [(ChatAction, [[Decision; 2]; 3]); 12] = [
            //                admin    employee  follower (follows, does not)
            (View, [[A, A], [A, A], [A, N]]),
            (SetOwnState, [[A, A], [A, A], [A, N]]),
            (Reply, [[A, A], [A, A], [F, N]]),
            (Assign, [[A, A], [A, A], [F, N]]),
            (SetFollowers, [[A, A], [A, A], [F, N]]),
            (SetTags, [[A, A], [A, A], [F, N]]),
            (Close, [[A, A], [A, A], [F, N]]),
            (Reopen, [[A, A], [A, A], [F, N]]),
            (Comment, [[A, A], [A, A], [F, N]]),
            (CreateDeal, [[A, A], [A, A], [F, N]]),
            (Link, [[A, A], [A, A], [F, N]]),
            (Snooze, [[A, A], [A, A], [F, N]]),
        ];
        assert_eq!(expected.len(), ChatAction::ALL.len());
        for (action, per_role) in expected {
            for (role, [when_following, when_not]) in Role::ALL.into_iter().zip(per_role) {
                let follows = ChatFacts {
                    caller_follows: true,
                };
                let not = ChatFacts {
                    caller_follows: false,
                };
                assert_eq!(
                    decide_on_chat(role, action, follows),
                    when_following,
                    "{role:?} {action:?} following"
                );
                assert_eq!(
                    decide_on_chat(role, action, not),
                    when_not,
                    "{role:?} {action:?} not following"
                );
            }
        }
    }

    /// Editing a canned reply: [team own, team other's, personal own, personal other's] per role.
    #[test]
    fn canned_reply_table() {
        let facts = [(true, true), (true, false), (false, true), (false, false)];
        let expected: [[Decision; 4]; 3] = [
            [A, A, A, A], // admin
            [A, F, A, N], // employee (owns a team reply made while admin)
            [F, F, F, N], // follower: changes nothing
        ];
        for (role, row) in Role::ALL.into_iter().zip(expected) {
            for ((is_team, caller_owns), want) in facts.into_iter().zip(row) {
                let reply = CannedFacts {
                    is_team,
                    caller_owns,
                };
                assert_eq!(decide_on_canned(role, reply), want, "{role:?} {reply:?}");
            }
        }
    }

    /// One deal: [deal of a followed chat, any other deal] per role.
    #[test]
    fn deal_table() {
        let expected: [(Action, [[Decision; 2]; 3]); 2] = [
            //                  admin    employee  follower
            (Action::ListDeals, [[A, A], [A, A], [A, N]]),
            (Action::EditDeal, [[A, A], [A, A], [F, N]]),
        ];
        for (action, per_role) in expected {
            for (role, [when_following, when_not]) in Role::ALL.into_iter().zip(per_role) {
                let facts = |caller_follows| ChatFacts { caller_follows };
                assert_eq!(decide_on_deal(role, action, facts(true)), when_following);
                assert_eq!(decide_on_deal(role, action, facts(false)), when_not);
            }
        }
    }

    /// One contact: [contact of a followed chat, any other contact] per role.
    #[test]
    fn contact_table() {
        let expected: [(Action, [[Decision; 2]; 3]); 2] = [
            //                     admin    employee  follower
            (Action::ListContacts, [[A, A], [A, A], [A, N]]),
            (Action::EditContacts, [[A, A], [A, A], [F, N]]),
        ];
        for (action, per_role) in expected {
            for (role, [when_following, when_not]) in Role::ALL.into_iter().zip(per_role) {
                let facts = |caller_follows| ChatFacts { caller_follows };
                assert_eq!(decide_on_contact(role, action, facts(true)), when_following);
                assert_eq!(decide_on_contact(role, action, facts(false)), when_not);
            }
        }
    }

    /// One task: [task linked to a followed chat, any other task] per role.
    #[test]
    fn task_table() {
        let expected: [(Action, [[Decision; 2]; 3]); 2] = [
            //                             admin    employee  follower
            (Action::ListTasksAndProjects, [[A, A], [A, A], [F, N]]),
            (Action::EditTasks, [[A, A], [A, A], [F, N]]),
        ];
        for (action, per_role) in expected {
            for (role, [when_following, when_not]) in Role::ALL.into_iter().zip(per_role) {
                let facts = |caller_follows| ChatFacts { caller_follows };
                assert_eq!(decide_on_task(role, action, facts(true)), when_following);
                assert_eq!(decide_on_task(role, action, facts(false)), when_not);
            }
        }
    }

    #[test]
    fn followers_see_only_followed_chats() {
        assert_eq!(chat_scope(Role::Follower, 7), ChatScope::FollowedBy(7));
        assert_eq!(chat_scope(Role::Employee, 7), ChatScope::All);
        assert_eq!(chat_scope(Role::Admin, 7), ChatScope::All);
    }

    #[test]
    fn only_admins_and_employees_may_hold_chats() {
        assert!(may_hold_chats(Role::Admin));
        assert!(may_hold_chats(Role::Employee));
        assert!(!may_hold_chats(Role::Follower));
    }
}
