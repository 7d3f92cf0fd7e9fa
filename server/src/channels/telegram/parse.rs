//! Bot API `Update` JSON -> normalized [`Inbound`]. Hand-written serde
//! structs read only what the inbox uses and ignore every other field, so new
//! Bot API versions (new update kinds, new message kinds) never fail a
//! webhook: what we don't model becomes `Ignored` or an `unsupported` message.
//! Only a body that is not JSON or has no `update_id` is malformed.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::channels::{
    BusinessConnection, BusinessUpdate, BusinessUpdateKind, ChannelError, CustomerProfile,
    CustomerReaction, EditedMessage, Inbound, InboundAttachment, InboundEvent, InboundMessage,
    ReachabilityChange,
};

/// Message fields that describe a message rather than being its content.
/// A private message whose content we don't model is reported by the name of
/// its first field outside this list (and outside the typed fields).
const NOT_CONTENT: &[&str] = &[
    "message_thread_id",
    "direct_messages_topic",
    "sender_chat",
    "sender_boost_count",
    "sender_business_bot",
    "sender_tag",
    "guest_query_id",
    "business_connection_id",
    "forward_origin",
    "is_topic_message",
    "is_automatic_forward",
    "external_reply",
    "quote",
    "reply_to_story",
    "reply_to_checklist_task_id",
    "reply_to_poll_option_id",
    "via_bot",
    "guest_bot_caller_user",
    "guest_bot_caller_chat",
    "has_protected_content",
    "is_from_offline",
    "is_paid_post",
    "media_group_id",
    "author_signature",
    "paid_star_count",
    "entities",
    "link_preview_options",
    "suggested_post_info",
    "effect_id",
    "caption_entities",
    "show_caption_above_media",
    "has_media_spoiler",
    "reply_markup",
];

/// Media kinds with a downloadable file, in the order they are looked for:
/// `animation` first because Telegram also sets `document` on animations.
const MEDIA: &[&str] = &[
    "animation",
    "photo",
    "sticker",
    "video_note",
    "video",
    "voice",
    "audio",
    "document",
];

#[derive(Deserialize)]
struct RawMessage {
    message_id: i64,
    date: i64,
    chat: RawChat,
    from: Option<RawUser>,
    edit_date: Option<i64>,
    text: Option<String>,
    caption: Option<String>,
    reply_to_message: Option<RawReplied>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

#[derive(Deserialize)]
struct RawChat {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct RawUser {
    id: i64,
    first_name: String,
    last_name: Option<String>,
    username: Option<String>,
    language_code: Option<String>,
}

#[derive(Deserialize)]
struct RawReplied {
    message_id: i64,
    text: Option<String>,
    caption: Option<String>,
}

/// `MessageReactionUpdated`: a user's reactions to one message, as they are now.
#[derive(Deserialize)]
struct RawReactionUpdate {
    chat: RawChat,
    message_id: i64,
    user: Option<RawUser>,
    /// Empty when the reaction was removed (dumps may then leave it out).
    #[serde(default)]
    new_reaction: Vec<RawReaction>,
}

/// `ReactionType`: `emoji`, `custom_emoji` or `paid` (and kinds added later).
#[derive(Deserialize)]
struct RawReaction {
    #[serde(rename = "type")]
    kind: String,
    emoji: Option<String>,
}

/// `BusinessConnection`.
#[derive(Deserialize)]
struct RawBusinessConnection {
    id: String,
    user: RawUser,
    user_chat_id: i64,
    date: i64,
    rights: Option<RawBusinessRights>,
    /// Bot API 7.2–9.0 said this at the top level; `rights` replaced it.
    can_reply: Option<bool>,
    is_enabled: bool,
}

#[derive(Deserialize)]
struct RawBusinessRights {
    #[serde(default)]
    can_reply: bool,
}

/// `BusinessMessagesDeleted`.
#[derive(Deserialize)]
struct RawBusinessDeletion {
    business_connection_id: String,
    chat: RawChat,
    message_ids: Vec<i64>,
}

#[derive(Deserialize)]
struct RawMemberUpdate {
    chat: RawChat,
    from: RawUser,
    new_chat_member: RawMember,
}

#[derive(Deserialize)]
struct RawMember {
    status: String,
}

/// Turns one update's JSON into an [`Inbound`].
pub(super) fn parse_update(body: &[u8]) -> Result<Inbound, ChannelError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| ChannelError::Malformed(format!("the update is not JSON: {err}")))?;
    let Value::Object(mut fields) = value else {
        return Err(ChannelError::Malformed(
            "the update is not a JSON object".into(),
        ));
    };
    let update_id = fields
        .remove("update_id")
        .and_then(|id| id.as_i64())
        .ok_or_else(|| ChannelError::Malformed("the update has no integer update_id".into()))?;
    // An update carries at most one of its optional fields.
    let kind = fields
        .iter()
        .find(|(_, value)| !value.is_null())
        .map(|(name, _)| name.clone());
    let event = match kind {
        None => ignored("the update has no content".into()),
        Some(kind) => {
            let value = fields.remove(&kind).unwrap_or(Value::Null);
            let read = match kind.as_str() {
                "message" => message_event(value),
                "edited_message" => edited_event(value),
                "my_chat_member" => member_event(value),
                "message_reaction" => reaction_event(value),
                "business_connection" => business_connection_event(value),
                "business_message" => business_message_event(value),
                "edited_business_message" => business_edit_event(value),
                "deleted_business_messages" => business_deletion_event(value),
                other => Ok(ignored(format!("update kind `{other}` is not handled"))),
            };
            read.unwrap_or_else(|why| ignored(format!("unreadable {kind}: {why}")))
        }
    };
    Ok(Inbound {
        dedup_key: update_id.to_string(),
        event,
    })
}

fn ignored(reason: String) -> InboundEvent {
    InboundEvent::Ignored { reason }
}

fn message_event(value: Value) -> Result<InboundEvent, String> {
    let message: RawMessage = serde_json::from_value(value).map_err(|err| err.to_string())?;
    if message.chat.kind != "private" {
        return Ok(ignored("group messages are ignored".into()));
    }
    let customer = customer(message.from.as_ref(), &message.chat);
    let sent_at = timestamp(message.date)?;
    let mut details = common_details(&message);
    let mut attachments = Vec::new();
    let mut referral = None;
    let text = message.text.clone().or_else(|| message.caption.clone());

    let content_kind = if let Some((kind, media)) = find_media(&message.rest) {
        attachments.push(attachment(kind, media)?);
        media_details(kind, media, &mut details);
        kind.to_owned()
    } else if let Some(venue) = present(&message.rest, "venue") {
        details.insert("venue".into(), venue.clone());
        "venue".to_owned()
    } else if let Some(location) = present(&message.rest, "location") {
        details.insert("location".into(), location.clone());
        "location".to_owned()
    } else if let Some(contact) = present(&message.rest, "contact") {
        details.insert("contact".into(), contact.clone());
        "contact".to_owned()
    } else if let Some(body) = &message.text {
        match start_payload(body) {
            Some(payload) => {
                referral = payload;
                "start".to_owned()
            }
            None => "text".to_owned(),
        }
    } else {
        let kind = unsupported_kind(&message.rest);
        details.insert("kind".into(), Value::String(kind));
        "unsupported".to_owned()
    };

    Ok(InboundEvent::Message(InboundMessage {
        customer,
        external_id: message.message_id.to_string(),
        sent_at,
        content_kind,
        text,
        attachments,
        reply_to_external_id: message
            .reply_to_message
            .as_ref()
            .map(|replied| replied.message_id.to_string()),
        reply_to_text: message
            .reply_to_message
            .as_ref()
            .and_then(|replied| replied.text.clone().or_else(|| replied.caption.clone())),
        referral,
        details: Value::Object(details),
    }))
}

fn edited_event(value: Value) -> Result<InboundEvent, String> {
    let message: RawMessage = serde_json::from_value(value).map_err(|err| err.to_string())?;
    if message.chat.kind != "private" {
        return Ok(ignored("group messages are ignored".into()));
    }
    let mut details = common_details(&message);
    if let Some((kind, media)) = find_media(&message.rest) {
        media_details(kind, media, &mut details);
    }
    for kind in ["venue", "location"] {
        if let Some(value) = present(&message.rest, kind) {
            // Live locations arrive as edits; keep the new position.
            details.insert(kind.into(), value.clone());
            break;
        }
    }
    Ok(InboundEvent::Edited(EditedMessage {
        customer: customer(message.from.as_ref(), &message.chat),
        external_id: message.message_id.to_string(),
        edited_at: timestamp(message.edit_date.unwrap_or(message.date))?,
        text: message.text.clone().or_else(|| message.caption.clone()),
        details: Value::Object(details),
    }))
}

fn business_connection_event(value: Value) -> Result<InboundEvent, String> {
    let raw: RawBusinessConnection =
        serde_json::from_value(value).map_err(|err| err.to_string())?;
    let can_reply = match &raw.rights {
        Some(rights) => rights.can_reply,
        None => raw.can_reply.unwrap_or(false),
    };
    Ok(InboundEvent::BusinessConnection(BusinessConnection {
        id: raw.id,
        owner: customer(Some(&raw.user), &private_chat(raw.user.id)),
        user_chat_id: raw.user_chat_id,
        connected_at: timestamp(raw.date)?,
        can_reply,
        enabled: raw.is_enabled,
    }))
}

fn private_chat(id: i64) -> RawChat {
    RawChat {
        id,
        kind: "private".into(),
        first_name: None,
        last_name: None,
        username: None,
    }
}

/// The connection id of a business message, and the customer of its chat
/// (business chats are private: the chat is the customer).
fn business_chat(message: &RawMessage) -> Result<(String, CustomerProfile), String> {
    let connection_id = message
        .rest
        .get("business_connection_id")
        .and_then(Value::as_str)
        .ok_or("the business message has no business_connection_id")?;
    let from_customer = message
        .from
        .as_ref()
        .filter(|from| from.id == message.chat.id);
    Ok((
        connection_id.to_owned(),
        customer(from_customer, &message.chat),
    ))
}

/// A message in a chat of a business account. The customer's own messages
/// come from the chat's user; anything else is the account owner's (typed in
/// their Telegram app, or sent by a bot for them: `sender_business_bot`).
fn business_message_event(value: Value) -> Result<InboundEvent, String> {
    let raw: RawMessage = serde_json::from_value(value.clone()).map_err(|err| err.to_string())?;
    if raw.chat.kind != "private" {
        return Ok(ignored("business messages in groups are ignored".into()));
    }
    let (connection_id, customer) = business_chat(&raw)?;
    let owner = raw
        .from
        .as_ref()
        .filter(|from| from.id != raw.chat.id)
        .map(|from| from.id.to_string());
    let by_bot = present(&raw.rest, "sender_business_bot").is_some();
    let InboundEvent::Message(mut message) = message_event(value)? else {
        return Ok(ignored("an unreadable business message".into()));
    };
    message.customer = customer.clone();
    // Only a customer's `/start` deep link is a referral.
    message.referral = None;
    if message.content_kind == "start" {
        message.content_kind = "text".into();
    }
    let kind = match owner {
        Some(owner_id) => BusinessUpdateKind::OwnerMessage {
            message,
            owner_id,
            by_bot,
        },
        None => BusinessUpdateKind::CustomerMessage(message),
    };
    Ok(InboundEvent::Business(Box::new(BusinessUpdate {
        connection_id,
        customer,
        kind,
    })))
}

fn business_edit_event(value: Value) -> Result<InboundEvent, String> {
    let raw: RawMessage = serde_json::from_value(value.clone()).map_err(|err| err.to_string())?;
    if raw.chat.kind != "private" {
        return Ok(ignored("business messages in groups are ignored".into()));
    }
    let (connection_id, customer) = business_chat(&raw)?;
    let InboundEvent::Edited(mut edit) = edited_event(value)? else {
        return Ok(ignored("an unreadable business message edit".into()));
    };
    edit.customer = customer.clone();
    Ok(InboundEvent::Business(Box::new(BusinessUpdate {
        connection_id,
        customer,
        kind: BusinessUpdateKind::Edited(edit),
    })))
}

fn business_deletion_event(value: Value) -> Result<InboundEvent, String> {
    let raw: RawBusinessDeletion = serde_json::from_value(value).map_err(|err| err.to_string())?;
    if raw.chat.kind != "private" {
        return Ok(ignored("business messages in groups are ignored".into()));
    }
    Ok(InboundEvent::Business(Box::new(BusinessUpdate {
        connection_id: raw.business_connection_id,
        customer: customer(None, &raw.chat),
        kind: BusinessUpdateKind::Deleted {
            external_ids: raw.message_ids.iter().map(i64::to_string).collect(),
        },
    })))
}

/// A customer's reaction. Telegram lists all of a user's reactions to the
/// message (premium users may set several); the inbox keeps one per customer:
/// the first emoji, else a paid star as ⭐. Custom emoji cannot be shown
/// outside Telegram: one alone counts as no reaction.
fn reaction_event(value: Value) -> Result<InboundEvent, String> {
    let update: RawReactionUpdate = serde_json::from_value(value).map_err(|err| err.to_string())?;
    if update.chat.kind != "private" {
        return Ok(ignored("reactions in groups are ignored".into()));
    }
    let emoji = update
        .new_reaction
        .iter()
        .filter(|reaction| reaction.kind == "emoji")
        .find_map(|reaction| reaction.emoji.clone())
        .or_else(|| {
            update
                .new_reaction
                .iter()
                .any(|reaction| reaction.kind == "paid")
                .then(|| "⭐".to_owned())
        });
    Ok(InboundEvent::Reaction(CustomerReaction {
        customer: customer(update.user.as_ref(), &update.chat),
        external_message_id: update.message_id.to_string(),
        emoji,
    }))
}

fn member_event(value: Value) -> Result<InboundEvent, String> {
    let update: RawMemberUpdate = serde_json::from_value(value).map_err(|err| err.to_string())?;
    if update.chat.kind != "private" {
        return Ok(ignored(
            "the bot's membership in a group changed; ignored".into(),
        ));
    }
    // In private chats Telegram sends this only when the user blocks
    // ("kicked") or unblocks/restarts ("member") the bot.
    let change = match update.new_chat_member.status.as_str() {
        "kicked" => ReachabilityChange::Blocked,
        "member" => ReachabilityChange::Unblocked,
        other => {
            return Ok(ignored(format!(
                "the bot's status `{other}` in a private chat is not acted on"
            )))
        }
    };
    Ok(InboundEvent::Reachability {
        customer: customer(Some(&update.from), &update.chat),
        change,
    })
}

/// The customer: the sender, or for a message without `from` the private
/// chat itself (same id, same names).
fn customer(from: Option<&RawUser>, chat: &RawChat) -> CustomerProfile {
    match from {
        Some(user) => CustomerProfile {
            external_id: user.id.to_string(),
            name: full_name(&user.first_name, user.last_name.as_deref()),
            username: user.username.clone(),
            language: user.language_code.clone(),
            ..CustomerProfile::default()
        },
        None => CustomerProfile {
            external_id: chat.id.to_string(),
            name: full_name(
                chat.first_name.as_deref().unwrap_or_default(),
                chat.last_name.as_deref(),
            ),
            username: chat.username.clone(),
            ..CustomerProfile::default()
        },
    }
}

fn full_name(first: &str, last: Option<&str>) -> String {
    format!("{first} {}", last.unwrap_or_default())
        .trim()
        .to_owned()
}

fn timestamp(seconds: i64) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| format!("date {seconds} is out of range"))
}

/// A field that is there and means something: PTB-style dumps and some
/// servers send `false` for service flags that did not happen.
fn present<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields
        .get(name)
        .filter(|value| !matches!(value, Value::Null | Value::Bool(false)))
}

fn find_media(fields: &Map<String, Value>) -> Option<(&'static str, &Value)> {
    MEDIA
        .iter()
        .find_map(|&kind| present(fields, kind).map(|value| (kind, value)))
}

fn unsupported_kind(fields: &Map<String, Value>) -> String {
    fields
        .iter()
        .find(|(name, value)| {
            !NOT_CONTENT.contains(&name.as_str())
                && !matches!(value, Value::Null | Value::Bool(false))
        })
        .map_or_else(|| "unknown".to_owned(), |(name, _)| name.clone())
}

/// `/start`, `/start PAYLOAD` or `/start@bot PAYLOAD` -> `Some(payload)`;
/// other texts -> `None`.
fn start_payload(text: &str) -> Option<Option<String>> {
    let rest = text.strip_prefix("/start")?;
    let rest = match rest.strip_prefix('@') {
        Some(mention) => mention.trim_start_matches(|ch: char| !ch.is_whitespace()),
        None => rest,
    };
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None; // "/started", "/startup"
    }
    let payload = rest.trim();
    Some((!payload.is_empty()).then(|| payload.to_owned()))
}

/// Details every message kind may carry: formatting, forward origin, album,
/// quote.
fn common_details(message: &RawMessage) -> Map<String, Value> {
    let mut details = Map::new();
    for name in ["entities", "caption_entities", "media_group_id", "quote"] {
        if let Some(value) = present(&message.rest, name) {
            details.insert(name.into(), value.clone());
        }
    }
    if let Some(origin) = present(&message.rest, "forward_origin") {
        details.insert("forward_origin".into(), origin.clone());
        if let Some(name) = origin_name(origin) {
            details.insert("forwarded_from".into(), Value::String(name));
        }
    }
    details
}

/// Who a forwarded message came from, as a person would say it.
fn origin_name(origin: &Value) -> Option<String> {
    let text = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    match origin.get("type").and_then(Value::as_str)? {
        "user" => {
            let user = origin.get("sender_user")?;
            Some(full_name(
                &text(user, "first_name")?,
                text(user, "last_name").as_deref(),
            ))
        }
        "hidden_user" => text(origin, "sender_user_name"),
        "chat" => text(origin.get("sender_chat")?, "title"),
        "channel" => text(origin.get("chat")?, "title"),
        _ => None,
    }
}

/// The file of a media message. `photo` lists sizes of one picture: the
/// largest is kept.
fn attachment(kind: &str, media: &Value) -> Result<InboundAttachment, String> {
    let file = if kind == "photo" {
        largest_photo(media).ok_or("photo has no sizes")?
    } else {
        media
    };
    let file_id = file
        .get("file_id")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{kind} has no file_id"))?;
    let field = |name: &str| file.get(name).and_then(Value::as_str).map(str::to_owned);
    let flag = |name: &str| file.get(name).and_then(Value::as_bool).unwrap_or(false);
    let (default_name, default_mime) = match kind {
        "photo" => ("photo.jpg", Some("image/jpeg")),
        "voice" => ("voice.ogg", Some("audio/ogg")),
        "video_note" => ("video_note.mp4", Some("video/mp4")),
        "video" => ("video.mp4", None),
        "animation" => ("animation.mp4", None),
        "audio" => ("audio.mp3", None),
        "sticker" if flag("is_video") => ("sticker.webm", Some("video/webm")),
        "sticker" if flag("is_animated") => ("sticker.tgs", Some("application/x-tgsticker")),
        "sticker" => ("sticker.webp", Some("image/webp")),
        _ => ("document", None),
    };
    Ok(InboundAttachment {
        kind: kind.to_owned(),
        name: field("file_name").unwrap_or_else(|| default_name.to_owned()),
        mime: field("mime_type").or_else(|| default_mime.map(str::to_owned)),
        size: file.get("file_size").and_then(Value::as_i64),
        external_ref: file_id.to_owned(),
    })
}

fn largest_photo(sizes: &Value) -> Option<&Value> {
    let dimension = |size: &Value, key: &str| size.get(key).and_then(Value::as_i64).unwrap_or(0);
    // Telegram lists the largest last; `max_by_key` keeps the last of equals.
    sizes
        .as_array()?
        .iter()
        .max_by_key(|size| dimension(size, "width").saturating_mul(dimension(size, "height")))
}

/// What a media item says about itself besides the file handle (duration,
/// dimensions, performer …), under `media`; a sticker's emoji also on top.
fn media_details(kind: &str, media: &Value, details: &mut Map<String, Value>) {
    let described = if kind == "photo" {
        largest_photo(media).unwrap_or(&Value::Null)
    } else {
        media
    };
    if let Value::Object(fields) = described {
        let info: Map<String, Value> = fields
            .iter()
            .filter(|(name, _)| {
                !matches!(
                    name.as_str(),
                    "file_id" | "file_unique_id" | "thumbnail" | "thumb" | "premium_animation"
                )
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        details.insert("media".into(), Value::Object(info));
    }
    if kind == "sticker" {
        if let Some(emoji) = media.get("emoji").filter(|emoji| emoji.is_string()) {
            details.insert("emoji".into(), emoji.clone());
        }
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
