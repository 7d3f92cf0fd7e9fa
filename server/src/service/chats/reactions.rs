//! A manager's reaction to a message (`PUT …/messages/{item_id}/reaction`).
//!
//! The reaction goes to the messenger directly, inside the request, and is
//! stored only once the messenger took it. Unlike a reply it is not queued:
//! a reaction is a small piece of state the manager is looking at, so a
//! failure is shown to them at once (the request fails with the messenger's
//! reason and the chip does not appear) and trying again is one click; a
//! queued reaction failing minutes later would leave the inbox showing a
//! reaction the customer never saw. Refusals we can predict never reach the
//! messenger: a channel without reactions (`unsupported_by_channel`) and an
//! emoji the messenger does not take (`invalid`). The bot has a single
//! reaction per message on the messenger while each manager has their own in
//! the inbox: the messenger shows the newest one still standing.

use shared::api::chats::Item;
use shared::api::reactions::accepted_reaction;
use shared::api::Channel as ChannelKind;
use shared::Id;

use super::authorize;
use crate::domain::account::User;
use crate::domain::policy::ChatAction;
use crate::service::integrations::bot;
use crate::service::reasons::{said, SayReasons};
use crate::service::{live, views, Context, ServiceError};
use crate::store::{integrations, outbound, reactions, timeline, write_transaction};
use crate::texts::Says;

/// Sets (or with `None` clears) the caller's reaction to a message of the
/// chat; answers the message with its reactions.
pub async fn set_reaction(
    ctx: &Context,
    caller: &User,
    chat_id: Id,
    item_id: Id,
    emoji: Option<String>,
) -> Result<Item, ServiceError> {
    let who = caller.clone();
    let (integration, external_id, recipient, others) = ctx
        .store
        .run(move |conn| {
            Ok((|| {
                let chat = authorize(conn, &who, chat_id, ChatAction::Reply)?;
                let external_id = reactions::message_in_chat(conn, chat_id, item_id)?
                    .ok_or(ServiceError::NotFound("message"))?;
                let integration = integrations::find_integration(conn, chat.integration_id)?;
                let recipient = outbound::recipient(conn, chat_id)?;
                let others: Vec<String> = reactions::reactions_of(conn, item_id)?
                    .into_iter()
                    .filter(|(user_id, _)| user_id.is_some_and(|id| id != who.id))
                    .map(|(_, emoji)| emoji)
                    .collect();
                Ok::<_, ServiceError>((integration, external_id, recipient, others))
            })())
        })
        .await??;
    let channel = ctx
        .channels
        .get(integration.kind)
        .filter(|channel| !channel.reactions().is_empty())
        .ok_or(ServiceError::UnsupportedByChannel(Says::NoReactionsOn {
            channel: channel_name(integration.kind),
        }))?
        .clone();
    let emoji = match emoji {
        Some(given) => Some(
            accepted_reaction(&given, channel.reactions())
                .ok_or(ServiceError::Invalid(Says::NotAReaction { emoji: given }))?,
        ),
        None => None,
    };
    let (Some(external_id), Some(recipient)) = (external_id, recipient) else {
        return Err(ServiceError::Invalid(Says::ReactionBeforeDelivery));
    };
    // The bot has one reaction per message on the messenger, shared by the
    // team: taking one's own back leaves the newest teammate's in place.
    let on_messenger = emoji.or_else(|| {
        others
            .last()
            .and_then(|other| accepted_reaction(other, channel.reactions()))
    });
    channel
        .set_reaction(&bot(&integration), &recipient, &external_id, on_messenger)
        .await
        .map_err(|err| {
            let reason = said(&err);
            tracing::warn!(chat_id, item_id, %reason, "the messenger refused a reaction");
            ServiceError::Upstream(Says::MessengerRefusedReaction { reason })
        })?;
    let user_id = caller.id;
    let item = ctx
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                if reactions::set_reaction(conn, item_id, Some(user_id), emoji)? {
                    live::reactions_changed(conn, chat_id, item_id)?;
                }
                timeline::find_item(conn, item_id)
            })
        })
        .await?;
    ctx.hub.wake();
    Ok(views::item(item).in_readers_language())
}

/// The messenger as people name it.
fn channel_name(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Telegram => "Telegram",
        ChannelKind::Viber => "Viber",
        ChannelKind::Whatsapp => "WhatsApp",
        ChannelKind::Api => "Channel API",
    }
}
