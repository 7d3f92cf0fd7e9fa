//! Canned replies: listing (filtered while the manager types), creating,
//! editing and deleting them under the policy, and rendering one for a chat.
//! The rules (shortcuts, variables, matching) live in `domain::canned`.

use shared::api::canned::{
    CannedReply, CannedScope, CreateCannedReply, RenderedCannedReply, UpdateCannedReply,
};
use shared::Id;

use super::{Context, ServiceError};
use crate::domain::account::User;
use crate::domain::canned::{self as rules, Scope, Variables, MAX_CANNED_CHARS};
use crate::domain::policy::{decide, decide_on_canned, Action, CannedFacts, ChatAction};
use crate::domain::text;
use crate::store::canned::{self as store, CannedRecord};
use crate::store::{write_transaction, DbConn, StoreError};
use crate::texts::Says;

const WHAT: &str = "canned reply";

fn view(record: CannedRecord) -> CannedReply {
    CannedReply {
        id: record.id,
        shortcut: record.shortcut,
        text: record.text,
        scope: match record.scope {
            Scope::Team => CannedScope::Team,
            Scope::Personal => CannedScope::Personal,
        },
        owner_id: record.owner_id,
    }
}

fn scope_of(scope: CannedScope) -> Scope {
    match scope {
        CannedScope::Team => Scope::Team,
        CannedScope::Personal => Scope::Personal,
    }
}

/// Whether `caller` may use (list, render, send) this reply: a team reply, or their own.
fn is_usable_by(record: &CannedRecord, caller: &User) -> bool {
    record.scope == Scope::Team || record.owner_id == caller.id
}

fn invalid(err: rules::CannedError) -> ServiceError {
    ServiceError::Invalid(Says::Canned(err))
}

/// A unique-index clash is the shortcut being taken (the only unique index).
fn taken(shortcut: &str) -> impl Fn(StoreError) -> ServiceError + '_ {
    move |err| match err {
        StoreError::Conflict(_) => ServiceError::Conflict(Says::ShortcutTaken {
            shortcut: shortcut.to_owned(),
        }),
        StoreError::NotFound => ServiceError::NotFound(WHAT),
        other => ServiceError::Store(other),
    }
}

/// Most replies a lookup while typing answers (the best ones) unless asked otherwise.
pub const DEFAULT_MATCHES: usize = 50;
pub const MAX_MATCHES: usize = 500;

/// The team's replies and the caller's own: all of them by shortcut when
/// `query` is empty, else the `limit` best matches of `query` (default
/// [`DEFAULT_MATCHES`]), best first.
pub async fn list(
    ctx: &Context,
    caller: &User,
    query: Option<String>,
    limit: Option<i64>,
) -> Result<Vec<CannedReply>, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListCannedReplies), WHAT)?;
    let limit = match limit {
        Some(limit) if limit < 1 => return Err(ServiceError::Invalid(Says::LimitTooSmall)),
        Some(limit) => usize::try_from(limit)
            .unwrap_or(MAX_MATCHES)
            .min(MAX_MATCHES),
        None => DEFAULT_MATCHES,
    };
    let owner = caller.id;
    let all = ctx
        .store
        .run(move |conn| store::list_canned(conn, owner))
        .await?;
    let query = query.unwrap_or_default();
    if query.trim().is_empty() {
        return Ok(all.into_iter().map(view).collect());
    }
    let matching = rules::filter_by_query(all, &query, |r| (r.shortcut.as_str(), r.text.as_str()));
    Ok(matching.into_iter().take(limit).map(view).collect())
}

pub async fn create(
    ctx: &Context,
    caller: &User,
    body: CreateCannedReply,
) -> Result<CannedReply, ServiceError> {
    let scope = scope_of(body.scope);
    let needed = match scope {
        Scope::Team => Action::ManageTeamCannedReplies,
        Scope::Personal => Action::KeepPersonalCannedReplies,
    };
    ServiceError::check(decide(caller.role, needed), WHAT)?;
    let shortcut = rules::normalize_shortcut(&body.shortcut).map_err(invalid)?;
    let text = text::check_text(&body.text, MAX_CANNED_CHARS)?;
    let owner = caller.id;
    let record = ctx
        .store
        .run(move |conn| {
            Ok(write_transaction(conn, |conn| {
                store::insert_canned(conn, scope, owner, &shortcut, &text).map_err(taken(&shortcut))
            }))
        })
        .await??;
    Ok(view(record))
}

/// Loads the reply and checks that the caller may change it.
fn authorize_change(
    conn: &mut DbConn,
    caller: &User,
    id: Id,
) -> Result<CannedRecord, ServiceError> {
    let record = store::find_canned(conn, id).map_err(ServiceError::not_found_as(WHAT))?;
    let facts = CannedFacts {
        is_team: record.scope == Scope::Team,
        caller_owns: record.owner_id == caller.id,
    };
    ServiceError::check(decide_on_canned(caller.role, facts), WHAT)?;
    Ok(record)
}

pub async fn update(
    ctx: &Context,
    caller: &User,
    id: Id,
    body: UpdateCannedReply,
) -> Result<CannedReply, ServiceError> {
    let shortcut = body
        .shortcut
        .as_deref()
        .map(rules::normalize_shortcut)
        .transpose()
        .map_err(invalid)?;
    let text = body
        .text
        .as_deref()
        .map(|t| text::check_text(t, MAX_CANNED_CHARS))
        .transpose()?;
    let caller = caller.clone();
    let record = ctx
        .store
        .run(move |conn| {
            Ok(write_transaction(conn, |conn| {
                authorize_change(conn, &caller, id)?;
                let clash = shortcut.clone().unwrap_or_default();
                store::update_canned(conn, id, shortcut.as_deref(), text.as_deref())
                    .map_err(taken(&clash))
            }))
        })
        .await??;
    Ok(view(record))
}

pub async fn delete(ctx: &Context, caller: &User, id: Id) -> Result<(), ServiceError> {
    let caller = caller.clone();
    ctx.store
        .run(move |conn| {
            Ok(write_transaction(conn, |conn| {
                authorize_change(conn, &caller, id)?;
                store::delete_canned(conn, id).map_err(ServiceError::not_found_as(WHAT))
            }))
        })
        .await?
}

/// The reply's text filled in for this chat (its contact and integration)
/// and the caller (the manager). The caller must be able to see the chat.
pub async fn render(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    canned_id: Id,
) -> Result<RenderedCannedReply, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListCannedReplies), WHAT)?;
    let caller = caller.clone();
    ctx.store
        .run(move |conn| {
            Ok((|| {
                super::chats::authorize(conn, &caller, chat_id, ChatAction::View)?;
                render_in(conn, &caller, chat_id, canned_id)
            })())
        })
        .await?
}

/// [`render`] inside a caller's transaction, after the caller checked the chat.
pub(crate) fn render_in(
    conn: &mut DbConn,
    caller: &User,
    chat_id: Id,
    canned_id: Id,
) -> Result<RenderedCannedReply, ServiceError> {
    let record = store::find_canned(conn, canned_id)
        .map_err(ServiceError::not_found_as(WHAT))
        .and_then(|r| {
            if is_usable_by(&r, caller) {
                Ok(r)
            } else {
                Err(ServiceError::NotFound(WHAT))
            }
        })?;
    let (contact_name, integration_name) = store::chat_names(conn, chat_id)?;
    let rendered = rules::render(
        &record.text,
        &Variables {
            contact_name: &contact_name,
            manager_name: &caller.name,
            integration_name: &integration_name,
        },
    );
    Ok(RenderedCannedReply {
        text: rendered.text,
        unknown: rendered.unknown,
    })
}
