//! Users and their roles.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Id;

/// What a user may do: CONTRACT.md "Roles".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including integrations and users.
    Admin,
    /// Every chat: read, reply, assign, close, followers, tags, comments, deals, links.
    Employee,
    /// Only followed chats, read-only.
    Follower,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Employee, Role::Follower];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Employee => "employee",
            Role::Follower => "follower",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == value)
    }
}

/// Whether a user is there to take chats (rules: `domain::routing` on the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// A live socket, and not away.
    Online,
    /// Away by choice, or idle for `TIDINGS_IDLE_AWAY_S`.
    Away,
    /// No live socket for `TIDINGS_OFFLINE_AFTER_S` (or never connected).
    Offline,
}

impl Presence {
    pub const ALL: [Presence; 3] = [Presence::Online, Presence::Away, Presence::Offline];

    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    pub fn parse(value: &str) -> Option<Presence> {
        Presence::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Id,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub presence: Presence,
    /// Open chats the queue may give this user at most; null: no cap.
    pub max_open_chats: Option<i64>,
}

/// What a user may choose for themselves (`PUT /api/v1/me/presence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChosenPresence {
    Online,
    Away,
}

/// `PUT /api/v1/me/presence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPresence {
    pub status: ChosenPresence,
}

/// The answer of `PUT /api/v1/me/presence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PresenceSet {
    pub user: User,
}

/// `POST /api/v1/users` (admin only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
}

/// `PATCH /api/v1/users/{id}` (admin only); absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// `null` removes the cap.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::nullable::deserialize"
    )]
    #[schema(value_type = Option<i64>)]
    pub max_open_chats: Option<Option<i64>>,
}
