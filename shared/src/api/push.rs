//! Notifications on devices (Web Push): the server's VAPID key and the
//! caller's push subscriptions, `/api/v1/push/…`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Id;

/// `GET /api/v1/push/key`: the key browsers subscribe with
/// (`applicationServerKey`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushKey {
    /// The server's VAPID public key: an uncompressed P-256 point (65 bytes),
    /// base64url without padding.
    pub public_key: String,
}

/// A browser's `PushSubscription.keys`, base64url.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushKeys {
    /// The browser's P-256 public key (65 bytes, uncompressed).
    pub p256dh: String,
    /// The authentication secret (16 bytes).
    pub auth: String,
}

/// `POST /api/v1/push/subscriptions`: what `PushSubscription.toJSON()` gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Subscribe {
    pub endpoint: String,
    pub keys: PushKeys,
}

/// `DELETE /api/v1/push/subscriptions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Unsubscribe {
    pub endpoint: String,
}

/// One of the caller's devices that receive pushes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushDevice {
    pub id: Id,
    /// The push service's host (which browser family it is).
    pub endpoint_host: String,
    /// The browser that subscribed, as it named itself.
    pub user_agent: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When a push last reached the push service; null before the first.
    pub last_success_at: Option<String>,
}

/// `POST /api/v1/push/test`: how many of the caller's devices a test push
/// was queued for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestPushQueued {
    pub devices: i64,
}

/// The JSON a device receives (encrypted) in a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushPayload {
    /// A notification kind (`customer_message`, `mention`, `assigned`,
    /// `waiting`), or `test`.
    pub kind: String,
    /// The customer's name, or the teammate's who acted.
    pub title: String,
    /// A short preview (at most 120 characters).
    pub body: String,
    pub chat_id: Option<Id>,
    /// Where a click leads: `{PUBLIC_URL}/chats/{id}`.
    pub url: String,
}
