//! Sign-in and the current user.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::User;

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub email: String,
    pub password: String,
}

/// `{user}`: the answer of login, `GET /api/v1/me` and user endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserEnvelope {
    pub user: User,
}
