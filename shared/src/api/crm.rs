//! Pipelines (sales funnels), deals, contacts, tasks and projects.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Id;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Stage {
    pub id: Id,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pipeline {
    pub id: Id,
    pub name: String,
    pub stages: Vec<Stage>,
}

/// `POST /api/v1/pipelines` (admin only): stages in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePipeline {
    pub name: String,
    pub stages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Deal {
    pub id: Id,
    pub title: String,
    pub pipeline_id: Id,
    pub stage_id: Id,
    pub stage_name: String,
    /// `null` once the contact was erased (the deal keeps its figures).
    pub contact_id: Option<Id>,
    pub chat_id: Option<Id>,
    pub amount: Option<f64>,
    pub created_at: String,
}

/// `POST /api/v1/chats/{id}/deals`: another deal for the chat's contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeal {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub pipeline_id: Option<Id>,
}

/// `PATCH /api/v1/deals/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDeal {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub stage_id: Option<Id>,
    #[serde(default)]
    pub amount: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub id: Id,
    pub name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub avatar_url: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    pub id: Id,
    pub title: String,
    pub done: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub id: Id,
    pub name: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    pub name: String,
}

/// What a chat can be linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Task,
    Project,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Task => "task",
            LinkKind::Project => "project",
        }
    }

    pub fn parse(value: &str) -> Option<LinkKind> {
        match value {
            "task" => Some(LinkKind::Task),
            "project" => Some(LinkKind::Project),
            _ => None,
        }
    }
}

/// `POST /api/v1/chats/{id}/links`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLink {
    pub kind: LinkKind,
    pub id: Id,
}
