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

/// Where a deal stands: being worked, or closed as won or lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    #[default]
    Open,
    Won,
    Lost,
}

impl DealStatus {
    pub const ALL: [DealStatus; 3] = [DealStatus::Open, DealStatus::Won, DealStatus::Lost];

    pub fn as_str(self) -> &'static str {
        match self {
            DealStatus::Open => "open",
            DealStatus::Won => "won",
            DealStatus::Lost => "lost",
        }
    }

    pub fn parse(value: &str) -> Option<DealStatus> {
        DealStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Won or lost: the deal has a `closed_at`.
    pub fn is_closed(self) -> bool {
        self != DealStatus::Open
    }
}

/// One stage in `PATCH /api/v1/pipelines/{id}`: with `id`, an existing stage
/// (renamed to `name`); without, a new one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageEdit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    pub name: String,
}

/// `PATCH /api/v1/pipelines/{id}` (admin only): a new name, and/or the stages
/// in their new order; stages left out are removed (409 `stage_not_empty`
/// while one holds deals).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePipeline {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<StageEdit>>,
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
    /// The contact's name, for boards and lists (`null` with `contact_id`).
    #[serde(default)]
    pub contact_name: Option<String>,
    pub chat_id: Option<Id>,
    pub amount: Option<f64>,
    /// ISO 4217 code (`"EUR"`), upper case.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub status: DealStatus,
    #[serde(default)]
    pub responsible_id: Option<Id>,
    /// Why the deal was won or lost, as the manager put it.
    #[serde(default)]
    pub close_note: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    /// When it was won or lost; `null` while open.
    #[serde(default)]
    pub closed_at: Option<String>,
}

/// The amounts of a stage's deals in one currency (`null`: none given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CurrencyTotal {
    pub currency: Option<String>,
    pub amount: f64,
}

/// One column of a deal board: how many deals a stage holds and their totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageTotals {
    pub stage_id: Id,
    pub count: i64,
    pub totals: Vec<CurrencyTotal>,
}

/// `GET /api/v1/pipelines/{id}/board`: the columns' figures, in stage order
/// (the deals themselves come from `GET /api/v1/deals?stage_id=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Board {
    pub pipeline_id: Id,
    pub stages: Vec<StageTotals>,
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

/// `PATCH /api/v1/deals/{id}`: absent fields stay; `null` clears `amount`,
/// `currency`, `responsible_id` and `close_note`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDeal {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_id: Option<Id>,
    /// A non-negative number, or `null` to clear.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::amount"
    )]
    #[schema(value_type = Option<f64>, nullable)]
    pub amount: Option<Option<f64>>,
    /// An ISO 4217 code, or `null` to clear.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::currency"
    )]
    #[schema(value_type = Option<String>, nullable)]
    pub currency: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::status"
    )]
    pub status: Option<DealStatus>,
    /// A user who may hold chats, or `null` for nobody.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::responsible_id"
    )]
    #[schema(value_type = Option<i64>, nullable)]
    pub responsible_id: Option<Option<Id>>,
    /// Why it was won or lost (kept while the deal is closed), or `null`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::close_note"
    )]
    #[schema(value_type = Option<String>, nullable)]
    pub close_note: Option<Option<String>>,
}

/// Reading PATCH fields where absent, `null` and a value differ. Errors name
/// the field's expectation so a 422 says what was wrong.
pub mod patch {
    use serde::{Deserialize, Deserializer};

    fn value<'de, D: Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
        serde_json::Value::deserialize(d)
    }

    /// `amount`: a non-negative number or `null`.
    pub fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
        match value(d)? {
            serde_json::Value::Null => Ok(Some(None)),
            serde_json::Value::Number(n) => match n.as_f64() {
                Some(amount) if amount.is_finite() && amount >= 0.0 => Ok(Some(Some(amount))),
                _ => Err(serde::de::Error::custom(
                    "amount must be a non-negative number or null",
                )),
            },
            _ => Err(serde::de::Error::custom(
                "amount must be a non-negative number or null",
            )),
        }
    }

    fn text<'de, D: Deserializer<'de>>(
        d: D,
        field: &str,
    ) -> Result<Option<Option<String>>, D::Error> {
        match value(d)? {
            serde_json::Value::Null => Ok(Some(None)),
            serde_json::Value::String(s) => Ok(Some(Some(s))),
            _ => Err(serde::de::Error::custom(format!(
                "{field} must be a string or null"
            ))),
        }
    }

    fn id<'de, D: Deserializer<'de>>(d: D, field: &str) -> Result<Option<Option<i64>>, D::Error> {
        match value(d)? {
            serde_json::Value::Null => Ok(Some(None)),
            serde_json::Value::Number(n) if n.as_i64().is_some() => Ok(Some(n.as_i64())),
            _ => Err(serde::de::Error::custom(format!(
                "{field} must be an id (integer) or null"
            ))),
        }
    }

    pub fn status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<super::DealStatus>, D::Error> {
        let found = match value(d)? {
            serde_json::Value::String(s) => super::DealStatus::parse(&s),
            _ => None,
        };
        found.map(Some).ok_or_else(|| {
            serde::de::Error::custom("status must be one of \"open\", \"won\", \"lost\"")
        })
    }

    pub fn currency<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        text(d, "currency")
    }

    pub fn close_note<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        text(d, "close_note")
    }

    pub fn responsible_id<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<i64>>, D::Error> {
        id(d, "responsible_id")
    }

    pub fn phone<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        text(d, "phone")
    }

    pub fn email<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        text(d, "email")
    }

    pub fn company<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        text(d, "company")
    }

    pub fn notes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        text(d, "notes")
    }

    pub fn due_at<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        text(d, "due_at")
    }

    pub fn assignee_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        id(d, "assignee_id")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub id: Id,
    pub name: String,
    pub username: Option<String>,
    /// As given (by the customer or a manager); compared by its digits.
    pub phone: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Who the contact is on each messenger (one per bot they wrote to).
    #[serde(default)]
    pub identities: Vec<ContactIdentity>,
    #[serde(default)]
    pub chat_ids: Vec<Id>,
    #[serde(default)]
    pub deal_ids: Vec<Id>,
    pub created_at: String,
}

/// The contact on one messenger: its id there and the name it goes by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactIdentity {
    pub channel: crate::api::Channel,
    /// The bot they wrote to (`null`: none yet, e.g. a Viber subscriber).
    pub integration_id: Option<Id>,
    pub external_id: String,
    pub name: String,
}

/// `PATCH /api/v1/contacts/{id}`: absent fields stay; `null` clears phone,
/// e-mail, company and notes (the name cannot be empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::phone"
    )]
    #[schema(value_type = Option<String>, nullable)]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::email"
    )]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::company"
    )]
    #[schema(value_type = Option<String>, nullable)]
    pub company: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::notes"
    )]
    #[schema(value_type = Option<String>, nullable)]
    pub notes: Option<Option<String>>,
}

/// `POST /api/v1/contacts/{id}/merge`: the other contact moves into this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeContacts {
    pub other_id: Id,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    pub id: Id,
    pub title: String,
    pub done: bool,
    /// RFC 3339.
    #[serde(default)]
    pub due_at: Option<String>,
    #[serde(default)]
    pub assignee_id: Option<Id>,
    /// The chats the task is linked to.
    #[serde(default)]
    pub chat_ids: Vec<Id>,
    pub created_at: String,
}

/// `PATCH /api/v1/tasks/{id}`: absent fields stay; `null` clears the due date
/// and the assignee.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<bool>,
    /// RFC 3339, or `null` to clear.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::due_at"
    )]
    #[schema(value_type = Option<String>, nullable)]
    pub due_at: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "patch::assignee_id"
    )]
    #[schema(value_type = Option<i64>, nullable)]
    pub assignee_id: Option<Option<Id>>,
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
