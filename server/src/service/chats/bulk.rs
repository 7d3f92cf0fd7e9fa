//! Bulk actions (`POST /api/v1/chats/bulk`): one action on up to
//! [`MAX_BULK_CHATS`] chats. The request is checked once (size, the fields
//! the action needs, a snooze time in the future); then each chat goes
//! through the same service function, access check and rules as the single
//! action, in its own transaction with its own live events, and gets its own
//! outcome: one chat's refusal never stops the others.

use shared::api::chats::{BulkAction, BulkChats, Chat, MAX_BULK_CHATS};
use shared::Id;

use super::actions::write_tags;
use super::{assign, change_chat, close, reopen, snooze, summary};
use crate::domain::account::User;
use crate::domain::policy::ChatAction;
use crate::domain::text;
use crate::service::{Context, ServiceError};
use crate::store::chats as chat_store;
use crate::texts::Says;

/// What to do to each chat, with its checked arguments.
enum Step {
    Assign(Option<Id>),
    Close,
    Reopen,
    AddTags(Vec<String>),
    RemoveTags(Vec<String>),
    Snooze(chrono::NaiveDateTime),
}

fn step(request: &BulkChats) -> Result<Step, ServiceError> {
    let tags = || -> Result<Vec<String>, ServiceError> {
        let tags = request
            .tags
            .as_deref()
            .filter(|tags| !tags.is_empty())
            .ok_or(ServiceError::Invalid(Says::BulkFieldMissing {
                field: "tags",
            }))?;
        Ok(text::normalize_tags(tags)?)
    };
    Ok(match request.action {
        BulkAction::Assign => Step::Assign(request.user_id),
        BulkAction::Close => Step::Close,
        BulkAction::Reopen => Step::Reopen,
        BulkAction::AddTags => Step::AddTags(tags()?),
        BulkAction::RemoveTags => Step::RemoveTags(tags()?),
        BulkAction::Snooze => {
            let until =
                request
                    .until
                    .as_deref()
                    .ok_or(ServiceError::Invalid(Says::BulkFieldMissing {
                        field: "until",
                    }))?;
            let until = snooze::parse_until(until)?;
            snooze::check_until(until)?;
            Step::Snooze(until)
        }
    })
}

/// Runs the action on each chat, in the order given (repeated ids once);
/// returns each chat's outcome. Fails as a whole only for a bad request.
pub async fn run(
    ctx: &Context,
    caller: &User,
    request: BulkChats,
) -> Result<Vec<(Id, Result<(), ServiceError>)>, ServiceError> {
    if request.chat_ids.len() > MAX_BULK_CHATS {
        return Err(ServiceError::Invalid(Says::TooManyChats {
            max: MAX_BULK_CHATS,
        }));
    }
    let step = step(&request)?;
    let mut chat_ids = request.chat_ids;
    let mut seen = std::collections::HashSet::new();
    chat_ids.retain(|id| seen.insert(*id));
    let mut outcomes = Vec::with_capacity(chat_ids.len());
    for chat_id in chat_ids {
        let outcome = match &step {
            Step::Assign(user_id) => assign(ctx, caller, chat_id, *user_id).await,
            Step::Close => close(ctx, caller, chat_id).await,
            Step::Reopen => reopen(ctx, caller, chat_id).await,
            Step::AddTags(tags) => edit_tags(ctx, caller, chat_id, tags.clone(), true).await,
            Step::RemoveTags(tags) => edit_tags(ctx, caller, chat_id, tags.clone(), false).await,
            Step::Snooze(until) => snooze::snooze(ctx, caller, chat_id, *until).await,
        };
        outcomes.push((chat_id, outcome.map(drop)));
    }
    Ok(outcomes)
}

/// Adds `tags` to the chat's tags, or removes them; the same checks and
/// events as setting the tags.
pub async fn edit_tags(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    tags: Vec<String>,
    add: bool,
) -> Result<Chat, ServiceError> {
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::SetTags,
        move |conn, caller, _, appended| {
            let before = chat_store::tags(conn, chat_id)?;
            let wanted: Vec<String> = if add {
                before.iter().chain(&tags).cloned().collect()
            } else {
                before
                    .iter()
                    .filter(|tag| !tags.contains(tag))
                    .cloned()
                    .collect()
            };
            let wanted = text::normalize_tags(&wanted)?;
            write_tags(conn, caller, chat_id, before, wanted, appended)
        },
    )
    .await?;
    summary(ctx, caller, chat_id).await
}
