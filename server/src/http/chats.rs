//! `/api/v1/chats…`: the inbox groups, the archive, one chat with its timeline,
//! search and every manager action.

use actix_web::{guard, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use shared::api::chats::{
    AssignChat, BulkChats, BulkOutcome, Chat, ChatDetail, ChatGroup, ChatStatus, Comment,
    CreateComment, GroupCount, Item, MarkRead, SendFile, SendReply, SetFollowers, SetNotifications,
    SetTags, SnoozeChat,
};
use shared::api::crm::{CreateDeal, CreateLink, Deal, LinkKind};
use shared::api::reactions::SetReaction;
use shared::api::{Channel, Items, Page};
use shared::error::{ErrorBody, ErrorDetail};
use shared::Id;
use utoipa::IntoParams;

use super::error::AppError;
use super::extract::CurrentUser;
use super::upload;
use super::AppState;
use crate::service::chats::{self, ListRequest};
use crate::store::chats::ArchiveFilter;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/chats", web::get().to(list))
        .route("/api/v1/chats/archive", web::get().to(archive))
        .route("/api/v1/chats/counts", web::get().to(counts))
        .route("/api/v1/chats/bulk", web::post().to(bulk))
        .route("/api/v1/chats/{id}", web::get().to(detail))
        .route("/api/v1/chats/{id}/timeline", web::get().to(timeline))
        .route("/api/v1/chats/{id}/search", web::get().to(search))
        // Registered first: the guard sends multipart bodies here and
        // everything else to the JSON handler.
        .route(
            "/api/v1/chats/{id}/messages",
            web::post()
                .guard(guard::fn_guard(is_multipart))
                .to(reply_with_file),
        )
        .route("/api/v1/chats/{id}/messages", web::post().to(reply))
        .route(
            "/api/v1/chats/{id}/messages/{item_id}/retry",
            web::post().to(retry),
        )
        .route("/api/v1/chats/{id}/assign", web::post().to(assign))
        .route("/api/v1/chats/{id}/followers", web::put().to(followers))
        .route("/api/v1/chats/{id}/tags", web::put().to(tags))
        .route("/api/v1/chats/{id}/close", web::post().to(close))
        .route("/api/v1/chats/{id}/reopen", web::post().to(reopen))
        .route(
            "/api/v1/chats/{id}/notifications",
            web::put().to(notifications),
        )
        .route("/api/v1/chats/{id}/read", web::post().to(read))
        .route("/api/v1/chats/{id}/comments", web::get().to(comments))
        .route("/api/v1/chats/{id}/comments", web::post().to(comment))
        .route("/api/v1/chats/{id}/deals", web::post().to(create_deal))
        .route("/api/v1/chats/{id}/links", web::post().to(link))
        .route(
            "/api/v1/chats/{id}/links/{kind}/{target}",
            web::delete().to(unlink),
        )
        .route("/api/v1/chats/{id}/snooze", web::post().to(snooze))
        .route("/api/v1/chats/{id}/snooze", web::delete().to(unsnooze))
        .route(
            "/api/v1/chats/{id}/messages/{item_id}/reaction",
            web::put().to(reaction),
        );
}

#[derive(Deserialize, IntoParams)]
struct GroupQuery {
    /// `mine` (default), `unassigned`, `others`, `closed` or `snoozed`.
    group: Option<ChatGroup>,
    /// Page size, 1 or more; above 100 gives 100.
    #[param(minimum = 1)]
    limit: Option<i64>,
    cursor: Option<String>,
    // The archive's filters, with the same meaning, within the group.
    integration_id: Option<Id>,
    channel: Option<Channel>,
    tag: Option<String>,
    /// Words in the chat's messages or the contact's name.
    q: Option<String>,
}

/// One inbox group from the caller's point of view, newest activity first.
#[utoipa::path(get, path = "/api/v1/chats", tag = "chats", params(GroupQuery),
    responses((status = 200, body = Page<Chat>), (status = 401, body = ErrorBody)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<GroupQuery>,
) -> Result<web::Json<Page<Chat>>, AppError> {
    let GroupQuery {
        group,
        limit,
        cursor,
        integration_id,
        channel,
        tag,
        q,
    } = query.into_inner();
    let filter = ArchiveFilter {
        channel,
        integration_id,
        tag: tag.filter(|t| !t.trim().is_empty()),
        text: q.filter(|t| !t.trim().is_empty()),
        ..ArchiveFilter::default()
    };
    let request = ListRequest::Group(group.unwrap_or(ChatGroup::Mine), filter);
    let (items, next_cursor) = chats::list(&state, &user.0, request, limit, cursor).await?;
    Ok(web::Json(Page { items, next_cursor }))
}

#[derive(Deserialize, IntoParams)]
struct ArchiveQuery {
    channel: Option<Channel>,
    integration_id: Option<Id>,
    assignee_id: Option<Id>,
    status: Option<ChatStatus>,
    tag: Option<String>,
    /// Chats started on or after (`YYYY-MM-DD` or RFC 3339).
    from: Option<String>,
    /// Chats started on or before (`YYYY-MM-DD` or RFC 3339).
    to: Option<String>,
    /// Words in the chat's messages or the contact's name.
    q: Option<String>,
    /// Page size, 1 or more; above 100 gives 100.
    #[param(minimum = 1)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Every chat the caller may see, filtered; filters combine.
#[utoipa::path(get, path = "/api/v1/chats/archive", tag = "chats", params(ArchiveQuery),
    responses((status = 200, body = Page<Chat>), (status = 422, body = ErrorBody)))]
async fn archive(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ArchiveQuery>,
) -> Result<web::Json<Page<Chat>>, AppError> {
    let q = query.into_inner();
    let filter = ArchiveFilter {
        channel: q.channel,
        integration_id: q.integration_id,
        assignee_id: q.assignee_id,
        status: q.status,
        tag: q.tag.filter(|t| !t.trim().is_empty()),
        from: q
            .from
            .as_deref()
            .map(|d| chats::parse_date(d, false))
            .transpose()?,
        to: q
            .to
            .as_deref()
            .map(|d| chats::parse_date(d, true))
            .transpose()?,
        text: q.q.filter(|t| !t.trim().is_empty()),
    };
    let (items, next_cursor) = chats::list(
        &state,
        &user.0,
        ListRequest::Archive(filter),
        q.limit,
        q.cursor,
    )
    .await?;
    Ok(web::Json(Page { items, next_cursor }))
}

/// Chats and unread messages per group, for the caller.
#[utoipa::path(get, path = "/api/v1/chats/counts", tag = "chats",
    responses((status = 200, body = Items<GroupCount>)))]
async fn counts(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Items<GroupCount>>, AppError> {
    Ok(web::Json(Items {
        items: chats::counts(&state, &user.0).await?,
    }))
}

/// The chat with its contact, deals, tasks, projects and the caller's notification setting.
#[utoipa::path(get, path = "/api/v1/chats/{id}", tag = "chats", params(("id" = i64, Path)),
    responses((status = 200, body = ChatDetail), (status = 404, body = ErrorBody)))]
async fn detail(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<ChatDetail>, AppError> {
    Ok(web::Json(
        chats::detail(&state, &user.0, id.into_inner()).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
struct TimelineQuery {
    /// Items older than this item id (the newest page when absent).
    before: Option<Id>,
    /// Page size, 1 or more; above 100 gives 100.
    #[param(minimum = 1)]
    limit: Option<i64>,
}

/// Messages and events, oldest first.
#[utoipa::path(get, path = "/api/v1/chats/{id}/timeline", tag = "chats", params(("id" = i64, Path), TimelineQuery),
    responses((status = 200, body = Items<Item>), (status = 404, body = ErrorBody)))]
async fn timeline(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    query: web::Query<TimelineQuery>,
) -> Result<web::Json<Items<Item>>, AppError> {
    let TimelineQuery { before, limit } = query.into_inner();
    Ok(web::Json(Items {
        items: chats::timeline(&state, &user.0, id.into_inner(), before, limit).await?,
    }))
}

#[derive(Deserialize, IntoParams)]
struct SearchQuery {
    q: String,
}

/// Messages of this chat matching the words (case- and accent-insensitive, prefixes match).
#[utoipa::path(get, path = "/api/v1/chats/{id}/search", tag = "chats", params(("id" = i64, Path), SearchQuery),
    responses((status = 200, body = Items<Item>), (status = 404, body = ErrorBody)))]
async fn search(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<Items<Item>>, AppError> {
    Ok(web::Json(Items {
        items: chats::search(&state, &user.0, id.into_inner(), query.into_inner().q).await?,
    }))
}

/// Replies to the customer; the message is queued and sent reliably. Replying
/// to a closed chat reopens it; replying to an unassigned chat takes it. A
/// `multipart/form-data` body sends a file (`file`, up to 20 MB) with an
/// optional caption (`text`).
#[utoipa::path(post, path = "/api/v1/chats/{id}/messages", tag = "chats", params(("id" = i64, Path)),
    request_body(content(
        (SendReply = "application/json"),
        (SendFile = "multipart/form-data"),
    )),
    responses((status = 201, body = Item), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reply(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<SendReply>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let item = match body.into_inner() {
        SendReply {
            text,
            canned_reply_id: None,
            template: Some(template),
            reply_to_item_id: None,
        } if text.is_empty() => chats::reply_template(&state, &user.0, id, template).await?,
        SendReply {
            text,
            canned_reply_id: Some(canned_id),
            template: None,
            reply_to_item_id,
        } if text.is_empty() => {
            chats::reply_canned(&state, &user.0, id, canned_id, reply_to_item_id).await?
        }
        SendReply {
            text,
            canned_reply_id: None,
            template: None,
            reply_to_item_id,
        } => chats::reply(&state, &user.0, id, &text, reply_to_item_id).await?,
        _ => {
            return Err(crate::service::ServiceError::Invalid(
                crate::texts::Says::ReplyTextOrCanned,
            )
            .into())
        }
    };
    Ok(HttpResponse::Created().json(item))
}

fn is_multipart(context: &guard::GuardContext<'_>) -> bool {
    context
        .head()
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The multipart form of `POST /api/v1/chats/{id}/messages` (documented on
/// [`reply`]): fields `text` (optional caption) and `file` (one file).
async fn reply_with_file(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let chat_id = id.into_inner();
    // Before a byte of the body is read: a caller who may not reply here
    // never gets to stream a file at the server.
    chats::authorize_reply(&state, &user.0, chat_id).await?;
    let form = upload::read_reply_form(&request, payload, &state.config.data_dir).await?;
    let item = chats::reply_with_file(&state, &user.0, chat_id, &form.text, form.file).await?;
    Ok(HttpResponse::Created().json(item))
}

/// Sends a failed reply again.
#[utoipa::path(post, path = "/api/v1/chats/{id}/messages/{item_id}/retry", tag = "chats",
    params(("id" = i64, Path), ("item_id" = i64, Path)),
    responses((status = 200, body = Item), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn retry(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Id, Id)>,
) -> Result<web::Json<Item>, AppError> {
    let (chat_id, item_id) = path.into_inner();
    Ok(web::Json(
        chats::retry(&state, &user.0, chat_id, item_id).await?,
    ))
}

/// Assigns the chat to a manager, or unassigns it with `null`.
#[utoipa::path(post, path = "/api/v1/chats/{id}/assign", tag = "chats", params(("id" = i64, Path)),
    request_body = AssignChat,
    responses((status = 200, body = Chat), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn assign(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<AssignChat>,
) -> Result<web::Json<Chat>, AppError> {
    Ok(web::Json(
        chats::assign(&state, &user.0, id.into_inner(), body.user_id).await?,
    ))
}

/// Replaces the chat's followers.
#[utoipa::path(put, path = "/api/v1/chats/{id}/followers", tag = "chats", params(("id" = i64, Path)),
    request_body = SetFollowers,
    responses((status = 200, body = Chat), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn followers(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<SetFollowers>,
) -> Result<web::Json<Chat>, AppError> {
    let user_ids = body.into_inner().user_ids;
    Ok(web::Json(
        chats::set_followers(&state, &user.0, id.into_inner(), user_ids).await?,
    ))
}

/// Replaces the chat's tags.
#[utoipa::path(put, path = "/api/v1/chats/{id}/tags", tag = "chats", params(("id" = i64, Path)),
    request_body = SetTags,
    responses((status = 200, body = Chat), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn tags(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<SetTags>,
) -> Result<web::Json<Chat>, AppError> {
    let tags = body.into_inner().tags;
    Ok(web::Json(
        chats::set_tags(&state, &user.0, id.into_inner(), tags).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/chats/{id}/close", tag = "chats", params(("id" = i64, Path)),
    responses((status = 200, body = Chat), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Chat>, AppError> {
    Ok(web::Json(
        chats::close(&state, &user.0, id.into_inner()).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/chats/{id}/reopen", tag = "chats", params(("id" = i64, Path)),
    responses((status = 200, body = Chat), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reopen(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Chat>, AppError> {
    Ok(web::Json(
        chats::reopen(&state, &user.0, id.into_inner()).await?,
    ))
}

/// The caller's own notification setting for this chat, kept by the server
/// (every device): `false` stops `customer_message` and `waiting`
/// notifications about it; mentions and assignments still arrive.
#[utoipa::path(put, path = "/api/v1/chats/{id}/notifications", tag = "chats", params(("id" = i64, Path)),
    request_body = SetNotifications,
    responses((status = 200, body = SetNotifications), (status = 404, body = ErrorBody)))]
async fn notifications(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<SetNotifications>,
) -> Result<web::Json<SetNotifications>, AppError> {
    let enabled = body.enabled;
    chats::set_notifications(&state, &user.0, id.into_inner(), enabled).await?;
    Ok(web::Json(SetNotifications { enabled }))
}

/// Marks the chat read for the caller (up to an item, or all of it).
#[utoipa::path(post, path = "/api/v1/chats/{id}/read", tag = "chats", params(("id" = i64, Path)),
    request_body = MarkRead,
    responses((status = 200, body = Chat), (status = 404, body = ErrorBody)))]
async fn read(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: Option<web::Json<MarkRead>>,
) -> Result<web::Json<Chat>, AppError> {
    let item_id = body.and_then(|b| b.item_id);
    Ok(web::Json(
        chats::mark_read(&state, &user.0, id.into_inner(), item_id).await?,
    ))
}

/// Teammates' internal comments, oldest first.
#[utoipa::path(get, path = "/api/v1/chats/{id}/comments", tag = "chats", params(("id" = i64, Path)),
    responses((status = 200, body = Items<Comment>), (status = 404, body = ErrorBody)))]
async fn comments(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Items<Comment>>, AppError> {
    Ok(web::Json(Items {
        items: chats::comments(&state, &user.0, id.into_inner()).await?,
    }))
}

/// A comment for the team (never sent to the customer). Each user in
/// `mention_ids` is notified (`mention`); an unknown or deactivated user is
/// `422` (`invalid`), a follower who does not follow the chat `422`
/// (`not_mentionable`).
#[utoipa::path(post, path = "/api/v1/chats/{id}/comments", tag = "chats", params(("id" = i64, Path)),
    request_body = CreateComment,
    responses((status = 201, body = Comment), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn comment(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<CreateComment>,
) -> Result<HttpResponse, AppError> {
    let CreateComment { text, mention_ids } = body.into_inner();
    let mention_ids = mention_ids.unwrap_or_default();
    let comment = chats::add_comment(&state, &user.0, id.into_inner(), &text, mention_ids).await?;
    Ok(HttpResponse::Created().json(comment))
}

/// Another deal for the chat's contact (first stage of the pipeline).
#[utoipa::path(post, path = "/api/v1/chats/{id}/deals", tag = "chats", params(("id" = i64, Path)),
    request_body = CreateDeal,
    responses((status = 201, body = Deal), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_deal(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: Option<web::Json<CreateDeal>>,
) -> Result<HttpResponse, AppError> {
    let CreateDeal { title, pipeline_id } = body.map(|b| b.into_inner()).unwrap_or_default();
    let deal = chats::create_deal(&state, &user.0, id.into_inner(), title, pipeline_id).await?;
    Ok(HttpResponse::Created().json(deal))
}

/// Links the chat to an existing task or project.
#[utoipa::path(post, path = "/api/v1/chats/{id}/links", tag = "chats", params(("id" = i64, Path)),
    request_body = CreateLink,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn link(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<CreateLink>,
) -> Result<HttpResponse, AppError> {
    let CreateLink { kind, id: target } = body.into_inner();
    chats::link(&state, &user.0, id.into_inner(), kind, target).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(delete, path = "/api/v1/chats/{id}/links/{kind}/{target}", tag = "chats",
    params(("id" = i64, Path), ("kind" = LinkKind, Path), ("target" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unlink(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Id, LinkKind, Id)>,
) -> Result<HttpResponse, AppError> {
    let (chat_id, kind, target) = path.into_inner();
    chats::unlink(&state, &user.0, chat_id, kind, target).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Snoozes the chat until `until` (RFC 3339, in the future): it leaves
/// mine/unassigned/others for `snoozed` until then or the customer's next
/// message, whichever is first. Snoozing again replaces the time.
#[utoipa::path(post, path = "/api/v1/chats/{id}/snooze", tag = "chats", params(("id" = i64, Path)),
    request_body = SnoozeChat,
    responses((status = 200, body = Chat), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn snooze(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Json<SnoozeChat>,
) -> Result<web::Json<Chat>, AppError> {
    let until = chats::snooze::parse_until(&body.until)?;
    chats::snooze::check_until(until)?;
    Ok(web::Json(
        chats::snooze::snooze(&state, &user.0, id.into_inner(), until).await?,
    ))
}

/// Ends the chat's snooze (`unsnoozed`, reason `manual`); a chat that is not
/// snoozed stays as it is.
#[utoipa::path(delete, path = "/api/v1/chats/{id}/snooze", tag = "chats", params(("id" = i64, Path)),
    responses((status = 200, body = Chat), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unsnooze(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Id>,
) -> Result<web::Json<Chat>, AppError> {
    Ok(web::Json(
        chats::snooze::unsnooze(&state, &user.0, id.into_inner()).await?,
    ))
}

/// Sets the caller's reaction to a message of the chat (`emoji: null` clears
/// it), on the messenger too; answers the message with its reactions. The
/// emoji must be one the messenger accepts as a reaction (Telegram's list),
/// else `422`; a messenger without reactions (Viber): `422`
/// `unsupported_by_channel`. The messenger failing: `502`, nothing changes.
#[utoipa::path(put, path = "/api/v1/chats/{id}/messages/{item_id}/reaction", tag = "chats",
    params(("id" = i64, Path), ("item_id" = i64, Path)),
    request_body = SetReaction,
    responses((status = 200, body = Item), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn reaction(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Id, Id)>,
    body: web::Json<SetReaction>,
) -> Result<web::Json<Item>, AppError> {
    let (chat_id, item_id) = path.into_inner();
    Ok(web::Json(
        chats::reactions::set_reaction(&state, &user.0, chat_id, item_id, body.into_inner().emoji)
            .await?,
    ))
}

/// One action on up to 100 chats, each through the same rules and checks as
/// the single action; each chat gets its outcome (a chat the caller cannot
/// see: `not_found`). More than 100 ids, a missing `tags`/`until`, or a
/// snooze time not in the future: `422`, and no chat changes.
#[utoipa::path(post, path = "/api/v1/chats/bulk", tag = "chats",
    request_body = BulkChats,
    responses((status = 200, body = Items<BulkOutcome>), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn bulk(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<BulkChats>,
) -> Result<web::Json<Items<BulkOutcome>>, AppError> {
    let outcomes = chats::bulk::run(&state, &user.0, body.into_inner()).await?;
    let items = outcomes
        .into_iter()
        .map(|(chat_id, outcome)| match outcome {
            Ok(()) => BulkOutcome {
                chat_id,
                ok: true,
                error: None,
            },
            Err(err) => {
                let err = AppError::from(err);
                BulkOutcome {
                    chat_id,
                    ok: false,
                    error: Some(ErrorDetail {
                        code: err.code,
                        message: err.message,
                    }),
                }
            }
        })
        .collect();
    Ok(web::Json(Items { items }))
}
