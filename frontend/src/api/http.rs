//! Typed REST client over the `shared` DTOs (CONTRACT.md). Owns URLs, JSON and error decoding;
//! must not touch UI state: callers decide what an error means for the screen they are on.
//!
//! Requests are same-origin, so the browser sends the HttpOnly session cookie by itself.

use std::fmt;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::auth::{Login, UserEnvelope};
use shared::api::canned::{CannedReply, CreateCannedReply, RenderedCannedReply, UpdateCannedReply};
use shared::api::chats::{
    AssignChat, BulkChats, BulkOutcome, Chat, ChatDetail, ChatGroup, Comment, CreateComment,
    GroupCount, Item, MarkRead, SendReply, SendTemplate, SetFollowers, SetNotifications, SetTags,
    SnoozeChat,
};
use shared::api::crm::{
    Board, Contact, CreateDeal, CreateLink, CreatePipeline, CreateProject, CreateTask, Deal,
    LinkKind, MergeContacts, Pipeline, Project, Task, UpdateContact, UpdateDeal, UpdatePipeline,
    UpdateTask,
};
use shared::api::integrations::{BusinessConnection, LinkBusinessConnection};
use shared::api::integrations::{
    CreateIntegration, FailedUpdate, FailedUpdatesRetried, Integration, IntegrationHealth,
    MessageTemplate, QueueView, SendTestMessage, TestEventResult, TestMessageSent,
    UpdateIntegration,
};
use shared::api::notifications::{MarkNotificationsRead, NotificationPage, UnreadNotifications};
use shared::api::reactions::SetReaction;
use shared::api::reports::{ManagerFigures, Overview};
use shared::api::users::{ChosenPresence, CreateUser, PresenceSet, SetPresence, UpdateUser, User};
use shared::api::{Items, Page};
use shared::error::{ErrorBody, ErrorCode};
use shared::Id;

const API: &str = "/api/v1";

/// A failed API call.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status, or `None` when no answer arrived (offline, server down).
    pub status: Option<u16>,
    /// The server's machine code, when the body had CONTRACT's error shape (a proxy's
    /// `502` page, for one, does not).
    pub code: Option<ErrorCode>,
    /// The server's message, or what went wrong locally; for logs and fallbacks, not
    /// translated.
    pub message: String,
}

impl ApiError {
    fn network(error: gloo_net::Error) -> Self {
        ApiError {
            status: None,
            code: None,
            message: error.to_string(),
        }
    }

    /// `401`: not signed in, or (at login) wrong credentials.
    pub fn is_unauthenticated(&self) -> bool {
        self.status == Some(401)
    }

    /// `429`: rate-limited.
    pub fn is_rate_limited(&self) -> bool {
        self.status == Some(429)
    }

    /// No HTTP answer at all.
    pub fn is_network(&self) -> bool {
        self.status.is_none()
    }

    /// `403`: the caller's role may not do this.
    pub fn is_forbidden(&self) -> bool {
        self.status == Some(403)
    }

    /// `404`: unknown, or not visible to the caller.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    /// `5xx`: failed on the server's side (or a proxy in front of it).
    pub fn is_server(&self) -> bool {
        self.status.is_some_and(|status| status >= 500)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "HTTP {status}: {}", self.message),
            None => write!(f, "network error: {}", self.message),
        }
    }
}

impl std::error::Error for ApiError {}

/// `POST /api/v1/auth/login`: on success the server also sets the session cookie.
pub async fn login(credentials: &Login) -> Result<User, ApiError> {
    let envelope: UserEnvelope = post_json("/auth/login", credentials).await?;
    Ok(envelope.user)
}

/// `POST /api/v1/auth/logout`.
pub async fn logout() -> Result<(), ApiError> {
    expect_ok(send(Request::post(&url("/auth/logout"))).await?).await
}

/// `GET /api/v1/info`: what the server is: version, and in demo mode the
/// customer simulator's URL.
pub async fn info() -> Result<shared::api::ServerInfo, ApiError> {
    get("/info").await
}

/// `GET /api/v1/me`: the signed-in user; a `401` means nobody is signed in.
pub async fn me() -> Result<User, ApiError> {
    let envelope: UserEnvelope = get("/me").await?;
    Ok(envelope.user)
}

/// `PUT /api/v1/me/presence`: the caller chooses away or online.
pub async fn set_presence(status: ChosenPresence) -> Result<User, ApiError> {
    let request = Request::put(&url("/me/presence"));
    let answer: PresenceSet = with_body(request, &SetPresence { status }).await?;
    Ok(answer.user)
}

// Users

pub async fn users() -> Result<Vec<User>, ApiError> {
    Ok(get::<Items<User>>("/users").await?.items)
}

pub async fn create_user(body: &CreateUser) -> Result<User, ApiError> {
    post_json::<User>("/users", body).await
}

pub async fn update_user(id: Id, body: &UpdateUser) -> Result<User, ApiError> {
    let request = Request::patch(&url(&format!("/users/{id}")));
    with_body::<User>(request, body).await
}

// Chats

/// One inbox group's page, narrowed by `filters` (`(name, value)` pairs, empty ones left out).
pub async fn chats(
    group: ChatGroup,
    filters: &[(&'static str, String)],
    cursor: Option<&str>,
) -> Result<Page<Chat>, ApiError> {
    let mut query = vec![
        ("group", group_str(group).to_owned()),
        ("limit", "50".into()),
    ];
    query.extend(
        filters
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .cloned(),
    );
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_owned()));
    }
    get(&format!("/chats?{}", encode_query(&query))).await
}

pub async fn counts() -> Result<Vec<GroupCount>, ApiError> {
    Ok(get::<Items<GroupCount>>("/chats/counts").await?.items)
}

/// `GET /api/v1/chats/archive` with the filters as `(name, value)` pairs.
pub async fn archive(
    filters: &[(&str, String)],
    cursor: Option<&str>,
) -> Result<Page<Chat>, ApiError> {
    let mut query: Vec<(&str, String)> = filters
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .cloned()
        .collect();
    query.push(("limit", "50".into()));
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_owned()));
    }
    get(&format!("/chats/archive?{}", encode_query(&query))).await
}

pub async fn chat(id: Id) -> Result<ChatDetail, ApiError> {
    get(&format!("/chats/{id}")).await
}

/// Oldest first; `before` pages back in history.
pub async fn timeline(id: Id, before: Option<Id>, limit: u32) -> Result<Vec<Item>, ApiError> {
    let mut path = format!("/chats/{id}/timeline?limit={limit}");
    if let Some(before) = before {
        path.push_str(&format!("&before={before}"));
    }
    Ok(get::<Items<Item>>(&path).await?.items)
}

pub async fn search(id: Id, q: &str) -> Result<Vec<Item>, ApiError> {
    let query = encode_query(&[("q", q.to_owned())]);
    Ok(get::<Items<Item>>(&format!("/chats/{id}/search?{query}"))
        .await?
        .items)
}

/// A reply; `reply_to` is the message of the chat it quotes.
pub async fn send_reply(id: Id, text: String, reply_to: Option<Id>) -> Result<Item, ApiError> {
    let body = SendReply {
        text,
        reply_to_item_id: reply_to,
        ..SendReply::default()
    };
    post_json(&format!("/chats/{id}/messages"), &body).await
}

/// Sets (or with `None` clears) the user's reaction to a message.
pub async fn set_reaction(id: Id, item_id: Id, emoji: Option<String>) -> Result<Item, ApiError> {
    let request = Request::put(&url(&format!("/chats/{id}/messages/{item_id}/reaction")));
    with_body(request, &SetReaction { emoji }).await
}

/// Sends an approved WhatsApp template with its values.
pub async fn send_template(id: Id, template: SendTemplate) -> Result<Item, ApiError> {
    let body = SendReply {
        template: Some(template),
        ..SendReply::default()
    };
    post_json(&format!("/chats/{id}/messages"), &body).await
}

/// The Telegram Business accounts connected to an integration's bot.
pub async fn business_connections(integration_id: Id) -> Result<Vec<BusinessConnection>, ApiError> {
    Ok(get::<Items<BusinessConnection>>(&format!(
        "/integrations/{integration_id}/business-connections"
    ))
    .await?
    .items)
}

/// Links a Telegram Business owner to a Tidings user (`None`: unlinks).
pub async fn link_business_connection(
    integration_id: Id,
    connection_id: &str,
    user_id: Option<Id>,
) -> Result<BusinessConnection, ApiError> {
    let connection = String::from(js_sys::encode_uri_component(connection_id));
    with_body(
        Request::patch(&url(&format!(
            "/integrations/{integration_id}/business-connections/{connection}"
        ))),
        &LinkBusinessConnection { user_id },
    )
    .await
}

/// An integration's approved WhatsApp templates.
pub async fn templates(integration_id: Id) -> Result<Vec<MessageTemplate>, ApiError> {
    Ok(
        get::<Items<MessageTemplate>>(&format!("/integrations/{integration_id}/templates"))
            .await?
            .items,
    )
}

// Canned replies

/// The team's and the user's own canned replies matching what is typed after "/".
pub async fn canned_replies(q: &str) -> Result<Vec<CannedReply>, ApiError> {
    let path = format!("/canned-replies?{}", encode_query(&[("q", q.to_owned())]));
    Ok(get::<Items<CannedReply>>(&path).await?.items)
}

pub async fn create_canned_reply(body: &CreateCannedReply) -> Result<CannedReply, ApiError> {
    post_json("/canned-replies", body).await
}

pub async fn update_canned_reply(
    id: Id,
    body: &UpdateCannedReply,
) -> Result<CannedReply, ApiError> {
    with_body(Request::patch(&url(&format!("/canned-replies/{id}"))), body).await
}

pub async fn delete_canned_reply(id: Id) -> Result<(), ApiError> {
    expect_ok(send(Request::delete(&url(&format!("/canned-replies/{id}")))).await?).await
}

/// The canned reply's text filled in for this chat and the user.
pub async fn render_canned_reply(
    chat_id: Id,
    canned_id: Id,
) -> Result<RenderedCannedReply, ApiError> {
    get(&format!("/chats/{chat_id}/canned-replies/{canned_id}")).await
}

/// The same endpoint as a `multipart/form-data` form: a file with an optional caption. The
/// browser sets the form's content type (with its boundary) itself.
pub async fn send_file(id: Id, text: String, file: web_sys::File) -> Result<Item, ApiError> {
    let local = |what: &str| ApiError {
        status: None,
        code: None,
        message: format!("could not {what}"),
    };
    let form = web_sys::FormData::new().map_err(|_| local("create a form"))?;
    form.append_with_str("text", &text)
        .map_err(|_| local("add the text to the form"))?;
    form.append_with_blob_and_filename("file", &file, &file.name())
        .map_err(|_| local("add the file to the form"))?;
    let request = Request::post(&url(&format!("/chats/{id}/messages")))
        .header("Accept", "application/json")
        .header("Accept-Language", &page_language())
        .body(form)
        .map_err(ApiError::network)?;
    decode(request.send().await.map_err(ApiError::network)?).await
}

pub async fn retry(id: Id, item_id: Id) -> Result<Item, ApiError> {
    post_empty(&format!("/chats/{id}/messages/{item_id}/retry")).await
}

pub async fn assign(id: Id, user_id: Option<Id>) -> Result<Chat, ApiError> {
    post_json(&format!("/chats/{id}/assign"), &AssignChat { user_id }).await
}

pub async fn set_followers(id: Id, user_ids: Vec<Id>) -> Result<Chat, ApiError> {
    let request = Request::put(&url(&format!("/chats/{id}/followers")));
    with_body(request, &SetFollowers { user_ids }).await
}

pub async fn set_tags(id: Id, tags: Vec<String>) -> Result<Chat, ApiError> {
    let request = Request::put(&url(&format!("/chats/{id}/tags")));
    with_body(request, &SetTags { tags }).await
}

pub async fn close(id: Id) -> Result<Chat, ApiError> {
    post_empty(&format!("/chats/{id}/close")).await
}

pub async fn reopen(id: Id) -> Result<Chat, ApiError> {
    post_empty(&format!("/chats/{id}/reopen")).await
}

/// Snoozes the chat until `until` (RFC 3339).
pub async fn snooze(id: Id, until: String) -> Result<Chat, ApiError> {
    post_json(&format!("/chats/{id}/snooze"), &SnoozeChat { until }).await
}

pub async fn unsnooze(id: Id) -> Result<Chat, ApiError> {
    decode(send(Request::delete(&url(&format!("/chats/{id}/snooze")))).await?).await
}

/// One action on many chats; each chat's outcome.
pub async fn bulk(body: &BulkChats) -> Result<Vec<BulkOutcome>, ApiError> {
    Ok(post_json::<Items<BulkOutcome>>("/chats/bulk", body)
        .await?
        .items)
}

pub async fn set_notifications(id: Id, enabled: bool) -> Result<SetNotifications, ApiError> {
    let request = Request::put(&url(&format!("/chats/{id}/notifications")));
    with_body(request, &SetNotifications { enabled }).await
}

pub async fn mark_read(id: Id, item_id: Option<Id>) -> Result<Chat, ApiError> {
    post_json(&format!("/chats/{id}/read"), &MarkRead { item_id }).await
}

pub async fn comments(id: Id) -> Result<Vec<Comment>, ApiError> {
    Ok(get::<Items<Comment>>(&format!("/chats/{id}/comments"))
        .await?
        .items)
}

pub async fn add_comment(id: Id, text: String, mention_ids: Vec<Id>) -> Result<Comment, ApiError> {
    let mention_ids = (!mention_ids.is_empty()).then_some(mention_ids);
    post_json(
        &format!("/chats/{id}/comments"),
        &CreateComment { text, mention_ids },
    )
    .await
}

/// The caller's notifications, newest first, one page after `cursor`.
pub async fn notifications(cursor: Option<&str>) -> Result<NotificationPage, ApiError> {
    let mut query = Vec::new();
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_owned()));
    }
    get(&format!("/me/notifications?{}", encode_query(&query))).await
}

/// Marks the caller's notifications read (these ids, or all); the unread total left.
pub async fn mark_notifications_read(ids: Vec<Id>, all: bool) -> Result<i64, ApiError> {
    Ok(post_json::<UnreadNotifications>(
        "/me/notifications/read",
        &MarkNotificationsRead { ids, all },
    )
    .await?
    .unread)
}

/// The server's VAPID key, for subscribing this device.
pub async fn push_key() -> Result<String, ApiError> {
    Ok(get::<shared::api::push::PushKey>("/push/key")
        .await?
        .public_key)
}

/// Posts this device's push subscription (`PushSubscription.toJSON()`).
pub async fn subscribe_push(
    subscription: &serde_json::Value,
) -> Result<shared::api::push::PushDevice, ApiError> {
    post_json("/push/subscriptions", subscription).await
}

/// The caller's devices that receive pushes.
pub async fn push_devices() -> Result<Vec<shared::api::push::PushDevice>, ApiError> {
    Ok(
        get::<Items<shared::api::push::PushDevice>>("/push/subscriptions")
            .await?
            .items,
    )
}

pub async fn remove_push_device(id: Id) -> Result<(), ApiError> {
    expect_ok(send(Request::delete(&url(&format!("/push/subscriptions/{id}")))).await?).await
}

/// Queues a test push to each of the caller's devices; how many.
pub async fn test_push() -> Result<i64, ApiError> {
    Ok(
        post_empty::<shared::api::push::TestPushQueued>("/push/test")
            .await?
            .devices,
    )
}

pub async fn create_deal(id: Id, body: &CreateDeal) -> Result<Deal, ApiError> {
    post_json(&format!("/chats/{id}/deals"), body).await
}

pub async fn link(id: Id, kind: LinkKind, target: Id) -> Result<(), ApiError> {
    let request = Request::post(&url(&format!("/chats/{id}/links")))
        .header("Accept", "application/json")
        .header("Accept-Language", &page_language())
        .json(&CreateLink { kind, id: target })
        .map_err(ApiError::network)?;
    expect_ok(request.send().await.map_err(ApiError::network)?).await
}

pub async fn unlink(id: Id, kind: LinkKind, target: Id) -> Result<(), ApiError> {
    let path = format!("/chats/{id}/links/{}/{target}", kind.as_str());
    expect_ok(send(Request::delete(&url(&path))).await?).await
}

// CRM

/// The first page of every task (to link one to a chat).
pub async fn tasks() -> Result<Vec<Task>, ApiError> {
    Ok(get::<Page<Task>>("/tasks?limit=100").await?.items)
}

/// `GET /api/v1/tasks` with filters as `(name, value)` pairs: not done first, overdue first.
pub async fn task_page(
    filters: &[(&str, String)],
    cursor: Option<&str>,
) -> Result<Page<Task>, ApiError> {
    let mut query = filters.to_vec();
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_owned()));
    }
    get(&format!("/tasks?{}", encode_query(&query))).await
}

pub async fn update_task(id: Id, body: &UpdateTask) -> Result<Task, ApiError> {
    with_body(Request::patch(&url(&format!("/tasks/{id}"))), body).await
}

/// `GET /api/v1/contacts?q=`: one page, newest first.
pub async fn contacts(q: &str, cursor: Option<&str>) -> Result<Page<Contact>, ApiError> {
    let mut query = vec![("q", q.to_owned())];
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_owned()));
    }
    get(&format!("/contacts?{}", encode_query(&query))).await
}

pub async fn contact(id: Id) -> Result<Contact, ApiError> {
    get(&format!("/contacts/{id}")).await
}

pub async fn update_contact(id: Id, body: &UpdateContact) -> Result<Contact, ApiError> {
    with_body(Request::patch(&url(&format!("/contacts/{id}"))), body).await
}

/// Contacts with the same phone digits or e-mail.
pub async fn contact_duplicates(id: Id) -> Result<Vec<Contact>, ApiError> {
    Ok(get::<Items<Contact>>(&format!("/contacts/{id}/duplicates"))
        .await?
        .items)
}

/// Merges `other_id` into `id`; the answer is the kept contact.
pub async fn merge_contacts(id: Id, other_id: Id) -> Result<Contact, ApiError> {
    post_json(
        &format!("/contacts/{id}/merge"),
        &MergeContacts { other_id },
    )
    .await
}

pub async fn create_task(title: String) -> Result<Task, ApiError> {
    post_json("/tasks", &CreateTask { title }).await
}

pub async fn projects() -> Result<Vec<Project>, ApiError> {
    Ok(get::<Items<Project>>("/projects").await?.items)
}

pub async fn create_project(name: String) -> Result<Project, ApiError> {
    post_json("/projects", &CreateProject { name }).await
}

pub async fn update_deal(id: Id, body: &UpdateDeal) -> Result<Deal, ApiError> {
    with_body(Request::patch(&url(&format!("/deals/{id}"))), body).await
}

/// `GET /api/v1/deals` with the filters as `(name, value)` pairs (empty values dropped).
pub async fn deals(
    filters: &[(&str, String)],
    cursor: Option<&str>,
) -> Result<Page<Deal>, ApiError> {
    let mut query: Vec<(&str, String)> = filters
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .cloned()
        .collect();
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_owned()));
    }
    get(&format!("/deals?{}", encode_query(&query))).await
}

/// `GET /api/v1/pipelines/{id}/board`: per stage, the count and totals.
pub async fn board(id: Id, filters: &[(&str, String)]) -> Result<Board, ApiError> {
    let query: Vec<(&str, String)> = filters
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .cloned()
        .collect();
    get(&format!("/pipelines/{id}/board?{}", encode_query(&query))).await
}

pub async fn update_pipeline(id: Id, body: &UpdatePipeline) -> Result<Pipeline, ApiError> {
    with_body(Request::patch(&url(&format!("/pipelines/{id}"))), body).await
}

pub async fn delete_pipeline(id: Id) -> Result<(), ApiError> {
    expect_ok(send(Request::delete(&url(&format!("/pipelines/{id}")))).await?).await
}

pub async fn pipelines() -> Result<Vec<Pipeline>, ApiError> {
    Ok(get::<Items<Pipeline>>("/pipelines").await?.items)
}

pub async fn create_pipeline(body: &CreatePipeline) -> Result<Pipeline, ApiError> {
    post_json("/pipelines", body).await
}

// Integrations

pub async fn integrations() -> Result<Vec<Integration>, ApiError> {
    Ok(get::<Items<Integration>>("/integrations").await?.items)
}

pub async fn integration(id: Id) -> Result<Integration, ApiError> {
    get(&format!("/integrations/{id}")).await
}

pub async fn create_integration(body: &CreateIntegration) -> Result<Integration, ApiError> {
    post_json("/integrations", body).await
}

pub async fn update_integration(id: Id, body: &UpdateIntegration) -> Result<Integration, ApiError> {
    with_body(Request::patch(&url(&format!("/integrations/{id}"))), body).await
}

pub async fn delete_integration(id: Id) -> Result<(), ApiError> {
    expect_ok(send(Request::delete(&url(&format!("/integrations/{id}")))).await?).await
}

/// Erases a contact with all its chats, messages and files (admins).
pub async fn erase_contact(id: Id) -> Result<(), ApiError> {
    expect_ok(send(Request::delete(&url(&format!("/contacts/{id}?erase=true")))).await?).await
}

/// Channel API: a new secret (admins).
pub async fn rotate_secret(id: Id) -> Result<Integration, ApiError> {
    post_empty(&format!("/integrations/{id}/secret")).await
}

/// Channel API: posts a signed ping to the callback URL (admins).
pub async fn send_test_event(id: Id) -> Result<TestEventResult, ApiError> {
    post_empty(&format!("/integrations/{id}/test-event")).await
}

pub async fn queue(id: Id) -> Result<QueueView, ApiError> {
    get(&format!("/integrations/{id}/queue")).await
}

pub async fn integration_health(id: Id) -> Result<IntegrationHealth, ApiError> {
    get(&format!("/integrations/{id}/health")).await
}

pub async fn failed_updates(id: Id, cursor: Option<&str>) -> Result<Page<FailedUpdate>, ApiError> {
    let query = cursor
        .map(|cursor| format!("?{}", encode_query(&[("cursor", cursor.to_owned())])))
        .unwrap_or_default();
    get(&format!("/integrations/{id}/failed-updates{query}")).await
}

pub async fn retry_failed_updates(id: Id) -> Result<FailedUpdatesRetried, ApiError> {
    post_empty(&format!("/integrations/{id}/failed-updates/retry")).await
}

pub async fn register_webhook_again(id: Id) -> Result<IntegrationHealth, ApiError> {
    post_empty(&format!("/integrations/{id}/webhook")).await
}

/// To the customer of the bot's latest chat.
pub async fn send_test_message(id: Id) -> Result<TestMessageSent, ApiError> {
    post_json(
        &format!("/integrations/{id}/test-message"),
        &SendTestMessage::default(),
    )
    .await
}

/// The query-string word for a group.
pub fn group_str(group: ChatGroup) -> &'static str {
    match group {
        ChatGroup::Mine => "mine",
        ChatGroup::Unassigned => "unassigned",
        ChatGroup::Others => "others",
        ChatGroup::Closed => "closed",
        ChatGroup::Snoozed => "snoozed",
    }
}

/// `a=1&b=x%20y`, values percent-encoded.
/// `GET /reports/overview` with the report's query string.
pub async fn report_overview(query: &str) -> Result<Overview, ApiError> {
    get(&format!("/reports/overview?{query}")).await
}

/// `GET /reports/managers` with the report's query string.
pub async fn report_managers(query: &str) -> Result<Vec<ManagerFigures>, ApiError> {
    Ok(
        get::<Items<ManagerFigures>>(&format!("/reports/managers?{query}"))
            .await?
            .items,
    )
}

/// Where a report's CSV is downloaded from (same origin, session cookie).
pub fn report_csv_url(report: &str, query: &str) -> String {
    url(&format!("/reports/{report}?{query}&format=csv"))
}

pub fn encode_query(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| {
            format!(
                "{key}={}",
                String::from(js_sys::encode_uri_component(value))
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn url(path: &str) -> String {
    format!("{API}{path}")
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(send(Request::get(&url(path))).await?).await
}

async fn post_json<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    with_body(Request::post(&url(path)), body).await
}

async fn post_empty<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(send(Request::post(&url(path))).await?).await
}

async fn with_body<T: DeserializeOwned>(
    request: RequestBuilder,
    body: &impl Serialize,
) -> Result<T, ApiError> {
    let request = request
        .header("Accept", "application/json")
        .header("Accept-Language", &page_language())
        .json(body)
        .map_err(ApiError::network)?;
    let response = request.send().await.map_err(ApiError::network)?;
    decode(response).await
}

/// The language the user chose (the page's `lang`): the server writes its
/// messages in it.
pub(crate) fn page_language() -> String {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
        .and_then(|root| root.get_attribute("lang"))
        .unwrap_or_else(|| "en".to_owned())
}

async fn send(request: RequestBuilder) -> Result<Response, ApiError> {
    request
        .header("Accept", "application/json")
        .header("Accept-Language", &page_language())
        .send()
        .await
        .map_err(ApiError::network)
}

async fn expect_ok(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        Err(error_from(response).await)
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if !response.ok() {
        return Err(error_from(response).await);
    }
    let status = response.status();
    response.json::<T>().await.map_err(|error| ApiError {
        status: Some(status),
        code: None,
        message: format!("unexpected response body: {error}"),
    })
}

async fn error_from(response: Response) -> ApiError {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => ApiError {
            status: Some(status),
            code: Some(body.error.code),
            message: body.error.message,
        },
        Err(_) => ApiError {
            status: Some(status),
            code: None,
            message: response.status_text(),
        },
    }
}
