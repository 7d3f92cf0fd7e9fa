//! Domain and store values as the `shared` DTOs the API and the socket send.

use chrono::{NaiveDateTime, SecondsFormat};
use shared::api::chats::{
    Attachment, Chat, ChatDetail, Comment, EventItem, Item, ItemBody, Message, MessageVersion,
};
use shared::api::crm::{Contact, ContactIdentity, Deal, Pipeline, Project, Stage, Task};
use shared::api::integrations::Integration as IntegrationDto;
use shared::api::notifications::Notification;
use shared::api::reactions::{Quote, Reaction, ReactionBy};
use shared::api::users::User as UserDto;

use crate::domain::account::User;
use crate::domain::integration::Integration;
use crate::store::chats::ChatSummary;
use crate::store::crm::{
    CommentRecord, ContactCard, DealRecord, ListedTask, PipelineRecord, ProjectRecord,
};
use crate::store::notifications::NotificationRecord;
use crate::store::timeline::{ItemRecord, QuoteRecord, RecordBody};

/// RFC 3339, UTC, microseconds (what both databases store).
pub fn time(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn user(user: User) -> UserDto {
    UserDto {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        active: user.active,
        presence: user.presence,
        max_open_chats: user.max_open_chats,
    }
}

pub fn chat(summary: ChatSummary) -> Chat {
    let c = summary.chat;
    Chat {
        id: c.id,
        status: c.status,
        assignee_id: c.assignee_id,
        integration_id: c.integration_id,
        integration_name: summary.integration_name,
        channel: summary.channel,
        contact_id: c.contact_id,
        contact_name: summary.contact_name,
        started_at: time(c.started_at),
        last_message_at: time(c.last_message_at),
        last_message_preview: c.last_message_preview,
        follower_ids: summary.follower_ids,
        tags: summary.tags,
        deal_ids: summary.deal_ids,
        unread_count: summary.unread_count,
        referral: c.referral,
        unreachable_reason: c.unreachable_reason,
        waiting_since: c.waiting_since.map(time),
        snoozed_until: summary.snoozed_until.map(time),
        reply_window_ends_at: c.reply_window_ends_at.map(time),
        business_connection_id: c.business_connection_id,
    }
}

pub struct DetailParts {
    pub summary: ChatSummary,
    pub contact: ContactCard,
    pub deals: Vec<DealRecord>,
    pub tasks: Vec<ListedTask>,
    pub projects: Vec<ProjectRecord>,
    pub notifications_enabled: bool,
}

pub fn chat_detail(parts: DetailParts) -> ChatDetail {
    ChatDetail {
        chat: chat(parts.summary),
        contact: contact(parts.contact),
        deals: parts.deals.into_iter().map(deal).collect(),
        tasks: parts.tasks.into_iter().map(task).collect(),
        projects: parts.projects.into_iter().map(project).collect(),
        notifications_enabled: parts.notifications_enabled,
    }
}

pub fn item(record: ItemRecord) -> Item {
    let body = match record.body {
        RecordBody::Message(message) => ItemBody::Message(Message {
            direction: message.direction,
            author_id: message.author_id,
            content_kind: message.content_kind,
            text: message.text,
            attachments: message
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    url: a
                        .path
                        .as_ref()
                        .map(|_| format!("/api/v1/attachments/{}", a.id)),
                    kind: a.kind,
                    name: a.name,
                    size: a.size,
                    mime: a.mime,
                    error: a.fetch_error,
                })
                .collect(),
            delivery: message.delivery,
            delivery_error: message.delivery_error,
            reply_to_id: message.reply_to_id,
            edited_at: message.edited_at.map(time),
            versions: message
                .versions
                .into_iter()
                .map(|(text, at)| MessageVersion { text, at: time(at) })
                .collect(),
            data: message.data,
            reply_to: message.quote.map(|quote| {
                let QuoteRecord { item_id, text } = *quote;
                Quote { item_id, text }
            }),
            reactions: reactions(message.reactions),
            deleted_at: message.deleted_at.map(time),
        }),
        RecordBody::Event { actor_id, event } => ItemBody::Event(EventItem { actor_id, event }),
    };
    Item {
        id: record.id,
        chat_id: record.chat_id,
        at: time(record.at),
        body,
    }
}

/// Stored reactions (`(manager or None for the customer, emoji)`) as sent.
pub fn reactions(stored: Vec<(Option<shared::Id>, String)>) -> Vec<Reaction> {
    stored
        .into_iter()
        .map(|(user_id, emoji)| Reaction {
            emoji,
            by: user_id.map_or(ReactionBy::CUSTOMER, ReactionBy::User),
        })
        .collect()
}

pub fn comment(record: CommentRecord) -> Comment {
    Comment {
        id: record.id,
        chat_id: record.chat_id,
        author_id: record.author_id,
        text: record.text,
        at: time(record.at),
        mention_ids: record.mention_ids,
    }
}

pub fn contact(card: ContactCard) -> Contact {
    let record = card.record;
    Contact {
        id: record.id,
        name: record.name,
        username: record.username,
        phone: record.phone,
        language: record.language,
        country: record.country,
        avatar_url: record.avatar_url,
        email: record.email,
        company: record.company,
        notes: record.notes,
        identities: card
            .identities
            .into_iter()
            .map(|identity| ContactIdentity {
                channel: identity.channel,
                integration_id: identity.integration_id,
                external_id: identity.external_id,
                name: identity.name,
            })
            .collect(),
        chat_ids: card.chat_ids,
        deal_ids: card.deal_ids,
        created_at: time(record.created_at),
    }
}

pub fn deal(record: DealRecord) -> Deal {
    let facts = record.facts;
    Deal {
        id: record.id,
        title: facts.title,
        pipeline_id: facts.pipeline_id,
        stage_id: facts.stage_id,
        stage_name: record.stage_name,
        contact_id: record.contact_id,
        contact_name: record.contact_name,
        chat_id: record.chat_id,
        amount: facts.amount,
        currency: facts.currency,
        status: facts.status,
        responsible_id: facts.responsible_id,
        close_note: facts.close_note,
        created_at: time(record.created_at),
        updated_at: time(record.updated_at),
        closed_at: facts.closed_at.map(time),
    }
}

pub fn task((record, chat_ids): ListedTask) -> Task {
    Task {
        id: record.id,
        title: record.title,
        done: record.done,
        due_at: record.due_at.map(crate::domain::task::due_text),
        assignee_id: record.assignee_id,
        chat_ids,
        created_at: time(record.created_at),
    }
}

pub fn project(record: ProjectRecord) -> Project {
    Project {
        id: record.id,
        name: record.name,
        created_at: time(record.created_at),
    }
}

pub fn pipeline(record: PipelineRecord) -> Pipeline {
    Pipeline {
        id: record.id,
        name: record.name,
        stages: record
            .stages
            .into_iter()
            .map(|(id, name)| Stage { id, name })
            .collect(),
    }
}

/// An integration as the caller may see it: the token only for admins.
pub fn integration(record: Integration, webhook_url: String, with_token: bool) -> IntegrationDto {
    // The Channel API keeps its callback URL where bots keep their token
    // (see `domain::integration::Integration::callback_url`).
    let is_api = record.kind == shared::api::Channel::Api;
    let callback_url = (with_token && is_api).then(|| record.token.expose().to_owned());
    let secret = (with_token && is_api).then(|| record.webhook_secret.clone());
    IntegrationDto {
        id: record.id,
        kind: record.kind,
        name: record.name,
        queue: record.queue,
        pipeline_id: record.pipeline_id,
        greeting_text: record.greeting_text,
        auto_reply_text: record.auto_reply_text,
        webhook_url,
        delivery: record.delivery,
        bot_username: record.bot_username,
        bot_avatar_url: record.bot_avatar_url,
        token: (with_token && !is_api).then(|| record.token.expose().to_owned()),
        created_at: time(record.created_at),
        assign_only_online: record.assign_only_online,
        reassign_after_s: record.reassign_after_s,
        business_hours: record.business_hours,
        away_text: record.away_text,
        phone_number_id: record
            .whatsapp
            .as_ref()
            .map(|number| number.phone_number_id.clone()),
        business_account_id: record
            .whatsapp
            .as_ref()
            .map(|number| number.business_account_id.clone()),
        verify_token: record
            .whatsapp
            .filter(|_| with_token)
            .map(|number| number.verify_token),
        callback_url,
        secret,
    }
}

pub fn notification(record: NotificationRecord) -> Notification {
    Notification {
        id: record.id,
        kind: record.kind,
        chat_id: record.chat_id,
        item_id: record.item_id,
        actor_id: record.actor_id,
        at: time(record.at),
        read: record.read,
    }
}
