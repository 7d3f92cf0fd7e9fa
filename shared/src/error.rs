//! The error shape of CONTRACT.md: `{"error": {"code", "message"}}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Machine-readable error codes; each maps to one HTTP status on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request could not be parsed.
    Malformed,
    /// 401: not signed in, or bad credentials.
    Unauthenticated,
    /// 401: a webhook signature or secret did not match.
    BadSignature,
    /// 403: the caller's role may not do this.
    Forbidden,
    /// 404: unknown, or not visible to the caller.
    NotFound,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 409: conflicts with the current state (e.g. a duplicate e-mail).
    Conflict,
    /// 413: the body is too large.
    PayloadTooLarge,
    /// 422: well-formed but invalid values.
    Invalid,
    /// 422: a follower named in a queue or as an assignee (they cannot answer chats).
    NotAssignable,
    /// 409: a funnel stage that still holds deals cannot be removed (move them first).
    StageNotEmpty,
    /// 409: a funnel that has deals or feeds an integration cannot be deleted.
    PipelineInUse,
    /// 429: too many attempts; try again later.
    RateLimited,
    /// 502: a messenger failed or could not be reached.
    Upstream,
    /// 500: something failed on our side.
    Internal,
    /// 503: a dependency (the database) is unavailable.
    Unavailable,
    /// 422: the chat's messenger cannot do this (reactions on Viber).
    UnsupportedByChannel,
    /// 422: a mentioned follower does not follow the chat (they cannot see it).
    NotMentionable,
    /// 422: the messenger's reply window has closed (WhatsApp: 24 hours after
    /// the customer's last message); only a template may be sent.
    WindowClosed,
    /// 422: the Telegram Business connection of the chat is disabled, gone,
    /// or lacks the right to reply.
    BusinessConnectionDisabled,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}
