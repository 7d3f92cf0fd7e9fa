//! Canned replies: ready answers a manager inserts by typing "/" and a
//! shortcut. Their `{{variables}}` are filled in by the server for one chat.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Id;

/// Who sees a canned reply: the whole team, or only its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CannedScope {
    Team,
    Personal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CannedReply {
    pub id: Id,
    /// Typed after "/" in the composer; lower case, without the "/".
    pub shortcut: String,
    /// May hold `{{contact.name}}`, `{{contact.first_name}}`, `{{manager.name}}`,
    /// `{{manager.first_name}}` and `{{integration.name}}`.
    pub text: String,
    pub scope: CannedScope,
    /// The author (of team replies too).
    pub owner_id: Id,
}

/// `POST /api/v1/canned-replies`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCannedReply {
    pub shortcut: String,
    pub text: String,
    pub scope: CannedScope,
}

/// `PATCH /api/v1/canned-replies/{id}`: the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCannedReply {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcut: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `GET /api/v1/chats/{id}/canned-replies/{cid}`: the reply's text for that
/// chat and caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RenderedCannedReply {
    pub text: String,
    /// Placeholders naming no known variable, as typed (they stay in `text`).
    #[serde(default)]
    pub unknown: Vec<String>,
}
