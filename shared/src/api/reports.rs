//! Reports (CONTRACT "Reports"): conversations, response and resolution
//! times, load per manager, funnel results. Every figure is computed from the
//! stored timeline; docs/REPORTS.md says how each one is counted.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Id;

/// Conversations of the range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConversationCounts {
    /// Conversations that started in the range (new chats and reopens).
    pub started: u64,
    /// Of `started`, those that were reopens.
    pub reopened: u64,
    /// Conversations closed in the range.
    pub closed: u64,
}

/// Messages sent in the range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MessageCounts {
    /// From customers.
    #[serde(rename = "in")]
    pub inbound: u64,
    /// Managers' messages (auto-messages and comments not included).
    pub out: u64,
    /// Greetings, auto-replies and away texts.
    pub auto: u64,
}

/// Durations in seconds: nearest-rank median and p90, `null` when `count` is 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Durations {
    pub median: Option<i64>,
    pub p90: Option<i64>,
    pub count: u64,
}

/// A manager's resolution times: nearest-rank median, `null` when `count` is 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MedianDuration {
    pub median: Option<i64>,
    pub count: u64,
}

/// One stage of the funnel: deals created in the range now at this stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageFigures {
    pub pipeline_id: Id,
    pub pipeline_name: String,
    pub stage_id: Id,
    pub stage_name: String,
    pub created: u64,
    pub won: u64,
    pub lost: u64,
    pub won_amount: f64,
}

/// Deals: `created` by creation date, `won`/`lost` by their closing date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DealFigures {
    pub created: u64,
    pub won: u64,
    pub lost: u64,
    pub won_amount: f64,
    /// The same figures per stage (an addition to CONTRACT's shape).
    #[serde(default)]
    pub by_stage: Vec<StageFigures>,
}

/// One day of the range, in the report's time zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DayFigures {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub started: u64,
    pub closed: u64,
    pub messages_in: u64,
    pub messages_out: u64,
    /// Auto-messages of the day (an addition to CONTRACT's shape).
    #[serde(default)]
    pub messages_auto: u64,
    /// First responses of the conversations that started this day (an
    /// addition to CONTRACT's shape).
    #[serde(default)]
    pub first_response_s: Durations,
}

/// `GET /api/v1/reports/overview`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Overview {
    pub conversations: ConversationCounts,
    pub messages: MessageCounts,
    pub first_response_s: Durations,
    pub resolution_s: Durations,
    pub deals: DealFigures,
    pub by_day: Vec<DayFigures>,
}

/// One row of `GET /api/v1/reports/managers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ManagerFigures {
    pub user_id: Id,
    /// The manager's name (an addition to CONTRACT's shape).
    #[serde(default)]
    pub name: String,
    /// Conversations of the range this manager held at any time.
    pub assigned: u64,
    /// Conversations closed in the range while assigned to this manager.
    pub closed: u64,
    /// This manager's messages sent in the range.
    pub replies: u64,
    /// Conversations of the range whose first response was theirs.
    pub first_response_s: Durations,
    /// Conversations of the range closed while assigned to them.
    pub resolution_s: MedianDuration,
    /// Open chats assigned to them now, whatever the range.
    pub open_now: u64,
}

/// One row of `GET /api/v1/reports/conversations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConversationRow {
    pub chat_id: Id,
    pub integration: String,
    pub channel: String,
    pub contact: String,
    /// The manager holding it at its close (or now, while open); empty when none.
    pub assignee: String,
    pub started_at: String,
    pub first_response_at: Option<String>,
    pub closed_at: Option<String>,
    pub messages_in: u64,
    pub messages_out: u64,
}
