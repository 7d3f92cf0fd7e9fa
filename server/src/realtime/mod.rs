//! Live updates over WebSockets. Changes append typed events to the durable
//! event log inside their own transaction ([`record`]); after commit the hub's
//! dispatcher reads the log in order and fans each event out to the sockets
//! whose user may see it. PostgreSQL NOTIFY wakes the dispatchers of every node.

pub mod hub;
pub mod session;

use serde::{Deserialize, Serialize};
use shared::ws::ServerMsg;
use shared::Id;

use crate::domain::account::User;
use crate::domain::policy::{decide, decide_on_chat, Action, ChatAction, ChatFacts};
use crate::store::{chats, events, DbConn, StoreError};

pub use hub::Hub;

/// Who may receive an event; decided per session by the access policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Audience {
    /// Everyone who may see the chat: admins, employees, and its followers as
    /// they were when the event happened.
    Chat { chat_id: Id, follower_ids: Vec<Id> },
    /// These users only (their own read state, a chat they stopped following).
    Users { user_ids: Vec<Id> },
    /// Those who manage integrations.
    Admins,
    /// Every signed-in user (presence).
    Everyone,
    /// Those who may see every deal (admins and employees): a deal with no chat.
    Staff,
}

/// One row of the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub audience: Audience,
    /// The event for the client; absent for control entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<ServerMsg>,
    /// Control: open sockets of these users re-check their session and role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refresh_users: Vec<Id>,
}

impl LogEntry {
    /// An event for the client, for `audience`.
    pub fn event(audience: Audience, msg: ServerMsg) -> LogEntry {
        LogEntry {
            audience,
            msg: Some(msg),
            refresh_users: Vec::new(),
        }
    }
}

impl Audience {
    /// Whether `user` may receive an event for this audience.
    pub fn includes(&self, user: &User) -> bool {
        match self {
            Audience::Chat { follower_ids, .. } => decide_on_chat(
                user.role,
                ChatAction::View,
                ChatFacts {
                    caller_follows: follower_ids.contains(&user.id),
                },
            )
            .is_allowed(),
            Audience::Users { user_ids } => user_ids.contains(&user.id),
            Audience::Admins => decide(user.role, Action::ManageIntegrations).is_allowed(),
            Audience::Everyone => true,
            Audience::Staff => decide(user.role, Action::EditDeal).is_allowed(),
        }
    }
}

fn append(conn: &mut DbConn, chat_id: Option<Id>, entry: &LogEntry) -> Result<(), StoreError> {
    events::append(conn, chat_id, &serialize(entry)?)?;
    Ok(())
}

fn serialize(entry: &LogEntry) -> Result<String, StoreError> {
    serde_json::to_string(entry)
        .map_err(|err| StoreError::Corrupt(format!("event does not serialize: {err}")))
}

/// Events of one change, gathered to be logged together (one statement), in
/// the order they were added.
#[derive(Default)]
pub struct Batch {
    rows: Vec<(Option<Id>, String)>,
}

impl Batch {
    /// [`record_for_chat_followers`], logged when the batch is.
    pub fn for_chat_followers(
        &mut self,
        chat_id: Id,
        follower_ids: Vec<Id>,
        msg: ServerMsg,
    ) -> Result<(), StoreError> {
        let audience = Audience::Chat {
            chat_id,
            follower_ids,
        };
        let entry = LogEntry::event(audience, msg);
        self.rows.push((Some(chat_id), serialize(&entry)?));
        Ok(())
    }

    /// [`record_for_users`], logged when the batch is.
    pub fn for_users(
        &mut self,
        chat_id: Option<Id>,
        user_ids: Vec<Id>,
        msg: ServerMsg,
    ) -> Result<(), StoreError> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let entry = LogEntry::event(Audience::Users { user_ids }, msg);
        self.rows.push((chat_id, serialize(&entry)?));
        Ok(())
    }

    /// Logs the gathered events, in order, in one statement.
    pub fn record(self, conn: &mut DbConn) -> Result<(), StoreError> {
        events::append_all(conn, &self.rows)
    }
}

/// Records an event about a chat for everyone who may see the chat now.
pub fn record_for_chat(conn: &mut DbConn, chat_id: Id, msg: ServerMsg) -> Result<(), StoreError> {
    let follower_ids = chats::followers(conn, chat_id)?;
    record_for_chat_followers(conn, chat_id, follower_ids, msg)
}

/// [`record_for_chat`] when the caller already read the chat's followers in
/// this transaction (several events of one change).
pub fn record_for_chat_followers(
    conn: &mut DbConn,
    chat_id: Id,
    follower_ids: Vec<Id>,
    msg: ServerMsg,
) -> Result<(), StoreError> {
    let audience = Audience::Chat {
        chat_id,
        follower_ids,
    };
    append(conn, Some(chat_id), &LogEntry::event(audience, msg))
}

/// Records an event for some users only.
pub fn record_for_users(
    conn: &mut DbConn,
    chat_id: Option<Id>,
    user_ids: Vec<Id>,
    msg: ServerMsg,
) -> Result<(), StoreError> {
    if user_ids.is_empty() {
        return Ok(());
    }
    append(
        conn,
        chat_id,
        &LogEntry::event(Audience::Users { user_ids }, msg),
    )
}

pub fn record_for_admins(conn: &mut DbConn, msg: ServerMsg) -> Result<(), StoreError> {
    append(conn, None, &LogEntry::event(Audience::Admins, msg))
}

/// Records an event for every signed-in user (presence).
pub fn record_for_everyone(conn: &mut DbConn, msg: ServerMsg) -> Result<(), StoreError> {
    append(conn, None, &LogEntry::event(Audience::Everyone, msg))
}

/// Records an event for admins and employees (a deal no chat holds).
pub fn record_for_staff(conn: &mut DbConn, msg: ServerMsg) -> Result<(), StoreError> {
    append(conn, None, &LogEntry::event(Audience::Staff, msg))
}

/// Makes the users' open sockets re-check their session and role now.
pub fn record_refresh(conn: &mut DbConn, user_ids: Vec<Id>) -> Result<(), StoreError> {
    append(
        conn,
        None,
        &LogEntry {
            audience: Audience::Users {
                user_ids: user_ids.clone(),
            },
            msg: None,
            refresh_users: user_ids,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::users::Role;

    fn user(id: Id, role: Role) -> User {
        User {
            id,
            email: format!("u{id}@x"),
            name: "U".into(),
            role,
            active: true,
            presence: shared::api::users::Presence::Offline,
            max_open_chats: None,
        }
    }

    #[test]
    fn followers_receive_only_events_of_chats_they_follow() {
        let chat = Audience::Chat {
            chat_id: 1,
            follower_ids: vec![5],
        };
        assert!(chat.includes(&user(5, Role::Follower)));
        assert!(!chat.includes(&user(6, Role::Follower)));
        assert!(chat.includes(&user(6, Role::Employee)));
        assert!(chat.includes(&user(7, Role::Admin)));
    }

    #[test]
    fn admin_events_reach_admins_only() {
        assert!(Audience::Admins.includes(&user(1, Role::Admin)));
        assert!(!Audience::Admins.includes(&user(2, Role::Employee)));
    }
}
