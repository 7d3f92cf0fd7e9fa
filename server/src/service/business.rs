//! Telegram Business connections of an integration: listing them (admins and
//! employees) and linking an owner to the Tidings user they are (admins).

use shared::api::integrations::BusinessConnection;
use shared::Id;

use super::integrations::find_live;
use super::{views, Context, ServiceError};
use crate::domain::account::User;
use crate::domain::policy::{decide, may_hold_chats, Action};
use crate::store::business::{self as store, ConnectionRecord};
use crate::store::StoreError;
use crate::texts::Says;

pub async fn list(
    ctx: &Context,
    caller: &User,
    integration_id: Id,
) -> Result<Vec<BusinessConnection>, ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::ListBusinessConnections),
        "integration",
    )?;
    find_live(ctx, integration_id).await?;
    let connections = ctx
        .store
        .run(move |conn| store::list_connections(conn, integration_id))
        .await?;
    connections.into_iter().map(view).collect()
}

/// Links the connection's owner to `user_id` (an active admin or employee;
/// `None` unlinks). Chats opened from then on go to them.
pub async fn link(
    ctx: &Context,
    caller: &User,
    integration_id: Id,
    connection_id: String,
    user_id: Option<Id>,
) -> Result<BusinessConnection, ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::ManageIntegrations),
        "integration",
    )?;
    find_live(ctx, integration_id).await?;
    let linked = ctx
        .store
        .run(move |conn| {
            if let Some(user_id) = user_id {
                let may_own = match crate::store::users::find_user(conn, user_id) {
                    Ok(user) => user.active && may_hold_chats(user.role),
                    Err(StoreError::NotFound) => false,
                    Err(other) => return Err(other),
                };
                if !may_own {
                    return Ok(Err(ServiceError::Invalid(Says::BusinessOwnerInvalid)));
                }
            }
            match store::set_connection_user(conn, integration_id, &connection_id, user_id) {
                Ok(record) => Ok(Ok(record)),
                Err(StoreError::NotFound) => Ok(Err(ServiceError::NotFound("business connection"))),
                Err(other) => Err(other),
            }
        })
        .await??;
    view(linked)
}

/// The wire shape: the owner's Telegram user id is a JSON integer (only the
/// connection's own id is a string), kept as the customer-key text it also is.
fn view(record: ConnectionRecord) -> Result<BusinessConnection, ServiceError> {
    let telegram_user_id = record.telegram_user_id.parse().map_err(|_| {
        StoreError::Corrupt(format!(
            "business connection {}: the owner's Telegram id is not a number",
            record.id
        ))
    })?;
    Ok(BusinessConnection {
        id: record.id,
        telegram_user_id,
        name: record.name,
        user_id: record.user_id,
        enabled: record.enabled,
        can_reply: record.can_reply,
        connected_at: views::time(record.connected_at),
    })
}
