//! Every manager action on a chat (REST and socket alike): reply, assign,
//! followers, tags, close and reopen, own state, comments, deals and links.
//! Each runs in [`change_chat`] after the access check; rules come from
//! `domain::chat`, and the items an action appends are its live events.

use shared::api::chats::{Chat, ChatStatus, Comment, Item};
use shared::api::crm::{Deal, LinkKind};
use shared::api::timeline::{DealCreated, FollowersChanged, Link, TagsChanged, TimelineEvent};
use shared::ws::ServerMsg;
use shared::Id;

use super::{apply_transition, change_chat, summary};
use crate::channels::OutboundTemplate;
use crate::domain::account::User;
use crate::domain::chat::{self as rules, ChatState, Transition};
use crate::domain::notifications::{self as mentions, MentionError, Occurrence};
use crate::domain::policy::{may_hold_chats, ChatAction};
use crate::domain::text::{self, MAX_COMMENT_CHARS, MAX_REPLY_CHARS};
use crate::domain::upload;
use crate::domain::whatsapp::{check_parameters, is_window_closed, render_template};
use crate::realtime;
use crate::service::integrations::find_live;
use crate::service::reasons::SayReasons;
use crate::service::templates;
use crate::service::uploads::Upload;
use crate::service::{canned, live, notifications, views, Context, ServiceError};
use crate::store::chats as chat_store;
use crate::store::timeline::NewOutboundFile;
use crate::store::{crm, integrations, now, outbound, reactions, timeline};
use crate::texts::{self as texts, Says};
use shared::api::chats::SendTemplate;

/// A manager's reply: stored, queued for the messenger. A reply to a closed
/// chat reopens it (the conversation is active again); a reply to an
/// unassigned chat makes the replier its manager. `reply_to` is a message of
/// this chat the reply quotes (on the messenger too, where it has quotes).
pub async fn reply(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    text: &str,
    reply_to: Option<Id>,
) -> Result<Item, ServiceError> {
    let text = text::check_text(text, MAX_REPLY_CHARS)?;
    send_reply(ctx, caller, chat_id, ReplyText::Typed(text), None, reply_to).await
}

/// Sends a canned reply rendered for this chat and caller (like [`reply`]).
pub async fn reply_canned(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    canned_reply_id: Id,
    reply_to: Option<Id>,
) -> Result<Item, ServiceError> {
    send_reply(
        ctx,
        caller,
        chat_id,
        ReplyText::Canned(canned_reply_id),
        None,
        reply_to,
    )
    .await
}

/// Sends an approved WhatsApp template with its values (at any time, also
/// after the reply window closed); the timeline shows its rendered text.
/// The values are checked against the template before anything is stored.
pub async fn reply_template(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    request: SendTemplate,
) -> Result<Item, ServiceError> {
    authorize_reply(ctx, caller, chat_id).await?;
    let integration_id = ctx
        .store
        .run(move |conn| Ok(chat_store::find_chat(conn, chat_id)?.integration_id))
        .await?;
    let integration = find_live(ctx, integration_id).await?;
    let template = templates::find(
        ctx,
        &integration,
        request.name.trim(),
        request.language.trim(),
    )
    .await?;
    check_parameters(template.parameters, &request.parameters)
        .map_err(|err| ServiceError::Invalid(Says::Template(err)))?;
    let text = render_template(&template.text, &request.parameters);
    let template = OutboundTemplate {
        name: template.name,
        language: template.language,
        parameters: request.parameters,
    };
    send_reply(
        ctx,
        caller,
        chat_id,
        ReplyText::Template { text, template },
        None,
        None,
    )
    .await
}

/// What a reply says: typed (already checked), a canned reply to render, or
/// a template (checked and rendered).
enum ReplyText {
    Typed(String),
    Canned(Id),
    Template {
        text: String,
        template: OutboundTemplate,
    },
}

/// Whether `caller` may reply in the chat: asked before an upload is read, so
/// a caller who may not never gets to send its bytes.
pub async fn authorize_reply(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
) -> Result<(), ServiceError> {
    let caller = caller.clone();
    ctx.store
        .run(move |conn| Ok(super::authorize(conn, &caller, chat_id, ChatAction::Reply).map(drop)))
        .await?
}

/// A manager's file, with `caption` (may be empty) as its text; otherwise
/// like [`reply`]. The bytes are kept in the data directory under the
/// attachment's id; the uploader's name is only shown.
pub async fn reply_with_file(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    caption: &str,
    file: Upload,
) -> Result<Item, ServiceError> {
    let caption = if caption.trim().is_empty() {
        String::new()
    } else {
        text::check_text(caption, MAX_REPLY_CHARS)?
    };
    if file.size() == 0 {
        return Err(ServiceError::Invalid(Says::FileEmpty));
    }
    send_reply(
        ctx,
        caller,
        chat_id,
        ReplyText::Typed(caption),
        Some(file),
        None,
    )
    .await
}

async fn send_reply(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    text: ReplyText,
    file: Option<Upload>,
    reply_to: Option<Id>,
) -> Result<Item, ServiceError> {
    let data_dir = ctx.config.data_dir.clone();
    let item = change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::Reply,
        move |conn, caller, chat, appended| {
            let at = now();
            let business = crate::store::business::chat_connection_rights(conn, &chat)?;
            let window_closed = match business {
                Some(_) => !crate::domain::business::may_reply(chat.reply_window_ends_at, at),
                None => is_window_closed(chat.reply_window_ends_at, at),
            };
            if window_closed && !matches!(text, ReplyText::Template { .. }) {
                return Err(match business {
                    Some(_) => ServiceError::BusinessWindowClosed,
                    None => ServiceError::WindowClosed,
                });
            }
            if let Some(rights) = business {
                crate::domain::business::check_reply(rights)
                    .map_err(|_| ServiceError::BusinessConnectionDisabled)?;
            }
            let (text, data) = match text {
                ReplyText::Typed(text) => (text, None),
                ReplyText::Canned(id) => {
                    let rendered = canned::render_in(conn, caller, chat_id, id)?;
                    (text::check_text(&rendered.text, MAX_REPLY_CHARS)?, None)
                }
                ReplyText::Template { text, template } => {
                    (text, Some(serde_json::json!({ "template": template })))
                }
            };
            if let Some(quoted) = reply_to {
                if reactions::message_in_chat(conn, chat_id, quoted)?.is_none() {
                    return Err(ServiceError::Invalid(Says::QuoteNotInChat {
                        item_id: quoted,
                    }));
                }
            }
            let transition = rules::manager_replies(chat.state(), caller.id);
            apply_transition(conn, caller, &chat, &transition, appended)?;
            let item_id = timeline::insert_outbound(conn, chat_id, Some(caller.id), &text, data)?;
            if let Some(quoted) = reply_to {
                reactions::set_reply_to(conn, item_id, quoted)?;
            }
            appended.push(item_id);
            crate::store::routing::answered(conn, chat_id)?;
            let mut preview = text::preview(&text);
            if let Some(mut file) = file {
                let name = upload::safe_file_name(file.name());
                let mime = upload::sniff_mime(file.head());
                let new_file = NewOutboundFile {
                    kind: upload::attachment_kind(mime),
                    name: &name,
                    mime,
                    size: i64::try_from(file.size()).unwrap_or(i64::MAX),
                };
                let (_, path) = timeline::attach_outbound_file(conn, item_id, new_file)?;
                file.keep_blocking(&data_dir, &path)?;
                if preview.is_empty() {
                    preview = text::preview(&format!("📎 {name}"));
                }
            }
            outbound::enqueue(conn, chat.integration_id, chat_id, item_id)?;
            chat_store::touch(conn, chat_id, at, &preview)?;
            chat_store::mark_read(conn, chat_id, caller.id, Some(item_id))?;
            Ok(timeline::find_item(conn, item_id)?)
        },
    )
    .await?;
    ctx.outbound_ready.notify_one();
    Ok(views::item(item).in_readers_language())
}

/// Sends a failed reply again.
pub async fn retry(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    item_id: Id,
) -> Result<Item, ServiceError> {
    let item = change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::Reply,
        move |conn, _, _, _| {
            let item = timeline::find_item(conn, item_id)
                .map_err(ServiceError::not_found_as("message"))?;
            if item.chat_id != chat_id {
                return Err(ServiceError::NotFound("message"));
            }
            if !outbound::retry_failed(conn, item_id)? {
                return Err(ServiceError::Conflict(Says::OnlyFailedCanBeResent));
            }
            Ok(timeline::find_item(conn, item_id)?)
        },
    )
    .await?;
    ctx.outbound_ready.notify_one();
    Ok(views::item(item).in_readers_language())
}

pub async fn assign(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    user_id: Option<Id>,
) -> Result<Chat, ServiceError> {
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::Assign,
        move |conn, caller, chat, appended| {
            if let Some(user_id) = user_id {
                let user = crate::store::users::find_user(conn, user_id)
                    .map_err(|_| ServiceError::Invalid(Says::UserMissing { id: user_id }))?;
                if !user.active {
                    return Err(ServiceError::Invalid(Says::UserDeactivated { id: user_id }));
                }
                if !may_hold_chats(user.role) {
                    return Err(ServiceError::NotAssignable(Says::FollowerNotAssignable {
                        name: user.name,
                    }));
                }
            }
            let Some(transition) = rules::assign(chat.state(), user_id) else {
                return Ok(());
            };
            apply_transition(conn, caller, &chat, &transition, appended)?;
            realtime::record_for_chat(
                conn,
                chat_id,
                ServerMsg::ChatAssigned {
                    chat_id,
                    assignee_id: user_id,
                    previous_assignee_id: chat.assignee_id,
                },
            )?;
            Ok(())
        },
    )
    .await?;
    summary(ctx, caller, chat_id).await
}

pub async fn set_followers(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    user_ids: Vec<Id>,
) -> Result<Chat, ServiceError> {
    let mut wanted = user_ids;
    wanted.sort_unstable();
    wanted.dedup();
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::SetFollowers,
        move |conn, caller, _, appended| {
            let unknown = integrations::unknown_users(conn, &wanted)?;
            if !unknown.is_empty() {
                return Err(ServiceError::Invalid(Says::UnknownUsers { ids: unknown }));
            }
            let before = chat_store::followers(conn, chat_id)?;
            if before == wanted {
                return Ok(());
            }
            chat_store::set_followers(conn, chat_id, &wanted)?;
            let added: Vec<Id> = wanted
                .iter()
                .copied()
                .filter(|u| !before.contains(u))
                .collect();
            let removed: Vec<Id> = before
                .iter()
                .copied()
                .filter(|u| !wanted.contains(u))
                .collect();
            appended.push(timeline::insert_event(
                conn,
                chat_id,
                Some(caller.id),
                &TimelineEvent::FollowersChanged(FollowersChanged {
                    follower_ids: wanted.clone(),
                    added: added.clone(),
                    removed: removed.clone(),
                }),
            )?);
            realtime::record_for_chat(
                conn,
                chat_id,
                ServerMsg::FollowersChanged {
                    chat_id,
                    follower_ids: wanted.clone(),
                },
            )?;
            // New followers see the chat appear; former ones see it go.
            let chat = live::chat_dto(conn, chat_id)?;
            realtime::record_for_users(
                conn,
                Some(chat_id),
                added,
                ServerMsg::ChatCreated { chat },
            )?;
            realtime::record_for_users(
                conn,
                Some(chat_id),
                removed,
                ServerMsg::ChatRemoved { chat_id },
            )?;
            Ok(())
        },
    )
    .await?;
    summary(ctx, caller, chat_id).await
}

pub async fn set_tags(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    tags: Vec<String>,
) -> Result<Chat, ServiceError> {
    let tags = text::normalize_tags(&tags)?;
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::SetTags,
        move |conn, caller, _, appended| {
            let before = chat_store::tags(conn, chat_id)?;
            write_tags(conn, caller, chat_id, before, tags, appended)
        },
    )
    .await?;
    summary(ctx, caller, chat_id).await
}

/// Replaces the chat's tags (`before`) with `tags`, normalized, recording
/// the change and its live event; nothing when they are the same.
pub(super) fn write_tags(
    conn: &mut crate::store::DbConn,
    caller: &User,
    chat_id: Id,
    before: Vec<String>,
    tags: Vec<String>,
    appended: &mut Vec<Id>,
) -> Result<(), ServiceError> {
    if before == tags {
        return Ok(());
    }
    chat_store::set_tags(conn, chat_id, &tags)?;
    appended.push(timeline::insert_event(
        conn,
        chat_id,
        Some(caller.id),
        &TimelineEvent::TagsChanged(TagsChanged {
            tags: tags.clone(),
            previous: before,
        }),
    )?);
    realtime::record_for_chat(conn, chat_id, ServerMsg::TagsChanged { chat_id, tags })?;
    Ok(())
}

async fn change_status(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    action: ChatAction,
    rule: fn(ChatState) -> Result<Transition, rules::LifecycleError>,
) -> Result<Chat, ServiceError> {
    change_chat(
        ctx,
        caller,
        chat_id,
        action,
        move |conn, caller, chat, appended| {
            let transition =
                rule(chat.state()).map_err(|err| ServiceError::Conflict(Says::Lifecycle(err)))?;
            apply_transition(conn, caller, &chat, &transition, appended)?;
            if transition.state.status == ChatStatus::Closed {
                super::snooze::end_on_close(conn, chat_id)?;
            }
            Ok(())
        },
    )
    .await?;
    summary(ctx, caller, chat_id).await
}

pub async fn close(ctx: &Context, caller: &User, chat_id: Id) -> Result<Chat, ServiceError> {
    change_status(ctx, caller, chat_id, ChatAction::Close, rules::close).await
}

pub async fn reopen(ctx: &Context, caller: &User, chat_id: Id) -> Result<Chat, ServiceError> {
    change_status(ctx, caller, chat_id, ChatAction::Reopen, rules::reopen).await
}

pub async fn set_notifications(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    enabled: bool,
) -> Result<(), ServiceError> {
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::SetOwnState,
        move |conn, caller, _, _| {
            Ok(chat_store::set_notifications(
                conn, chat_id, caller.id, enabled,
            )?)
        },
    )
    .await
}

pub async fn mark_read(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    item_id: Option<Id>,
) -> Result<Chat, ServiceError> {
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::SetOwnState,
        move |conn, caller, _, _| {
            chat_store::mark_read(conn, chat_id, caller.id, item_id)?;
            let read_up_to = item_id.unwrap_or(live::newest_item(conn, chat_id)?);
            realtime::record_for_users(
                conn,
                Some(chat_id),
                vec![caller.id],
                ServerMsg::ChatRead {
                    chat_id,
                    item_id: read_up_to,
                },
            )?;
            Ok(())
        },
    )
    .await?;
    ctx.hub.wake();
    summary(ctx, caller, chat_id).await
}

/// Most people one comment may mention.
pub const MAX_MENTIONS: usize = 100;

/// A comment for the team; the teammates in `mention_ids` are notified. Each
/// must be an active user who sees the chat (a follower must follow it).
pub async fn add_comment(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    text: &str,
    mention_ids: Vec<Id>,
) -> Result<Comment, ServiceError> {
    let text = text::check_text(text, MAX_COMMENT_CHARS)?;
    if mention_ids.len() > MAX_MENTIONS {
        return Err(ServiceError::Invalid(Says::TooManyMentions {
            max: MAX_MENTIONS,
        }));
    }
    let comment = change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::Comment,
        move |conn, caller, chat, _| {
            let people = crate::store::notifications::people(conn, chat_id, &mention_ids)?;
            let mention_ids =
                mentions::check_mentions(&mention_ids, &people).map_err(|err| match err {
                    MentionError::Unknown { id } => ServiceError::Invalid(Says::UserMissing { id }),
                    MentionError::Inactive { id } => {
                        ServiceError::Invalid(Says::UserDeactivated { id })
                    }
                    MentionError::NotFollowing { name } => {
                        ServiceError::NotMentionable(Says::NotMentionable { name })
                    }
                })?;
            let comment = crm::insert_comment(conn, chat_id, caller.id, &text, &mention_ids)?;
            realtime::record_for_chat(
                conn,
                chat_id,
                ServerMsg::CommentAdded {
                    comment: views::comment(comment.clone()),
                },
            )?;
            notifications::notify(
                conn,
                &chat,
                &Occurrence::Mentioned {
                    comment_id: comment.id,
                    author_id: caller.id,
                    mentioned: mention_ids,
                },
            )?;
            Ok(comment)
        },
    )
    .await?;
    Ok(views::comment(comment))
}

pub async fn create_deal(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    title: Option<String>,
    pipeline_id: Option<Id>,
) -> Result<Deal, ServiceError> {
    // The closure runs on a blocking thread, outside the request's language.
    let lang = texts::current();
    let deal = change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::CreateDeal,
        move |conn, caller, chat, appended| {
            let pipeline_id = match pipeline_id {
                Some(id) => {
                    crm::find_pipeline(conn, id).map_err(|_| {
                        ServiceError::Invalid(Says::PipelineMissing { id: Some(id) })
                    })?;
                    id
                }
                None => integrations::find_integration(conn, chat.integration_id)?.pipeline_id,
            };
            let contact = crm::find_contact(conn, chat.contact_id)?;
            let title = match title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(title) => title.to_owned(),
                None => Says::NewDealTitle {
                    contact: contact.name,
                }
                .to(lang),
            };
            let deal = crm::insert_deal(conn, pipeline_id, chat.contact_id, Some(chat_id), &title)?;
            appended.push(timeline::insert_event(
                conn,
                chat_id,
                Some(caller.id),
                &TimelineEvent::DealCreated(DealCreated {
                    deal_id: deal.id,
                    title: deal.facts.title.clone(),
                }),
            )?);
            Ok(deal)
        },
    )
    .await?;
    Ok(views::deal(deal))
}

pub async fn link(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    kind: LinkKind,
    target: Id,
) -> Result<(), ServiceError> {
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::Link,
        move |conn, caller, _, appended| {
            if !crm::link_target_exists(conn, kind, target)? {
                return Err(ServiceError::Invalid(Says::LinkTargetMissing {
                    kind: kind.as_str(),
                    id: target,
                }));
            }
            if crm::insert_link(conn, chat_id, kind, target)? {
                appended.push(timeline::insert_event(
                    conn,
                    chat_id,
                    Some(caller.id),
                    &TimelineEvent::Linked(Link { kind, id: target }),
                )?);
            }
            Ok(())
        },
    )
    .await
}

pub async fn unlink(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    kind: LinkKind,
    target: Id,
) -> Result<(), ServiceError> {
    change_chat(
        ctx,
        caller,
        chat_id,
        ChatAction::Link,
        move |conn, caller, _, appended| {
            if !crm::delete_link(conn, chat_id, kind, target)? {
                return Err(ServiceError::NotFound("link"));
            }
            appended.push(timeline::insert_event(
                conn,
                chat_id,
                Some(caller.id),
                &TimelineEvent::Unlinked(Link { kind, id: target }),
            )?);
            Ok(())
        },
    )
    .await
}
