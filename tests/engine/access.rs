//! CONTRACT.md "Roles" as one table: every REST endpoint, for admin, employee
//! and follower, on a chat the follower follows (X) and one they do not (Y).
//! Admin: everything. Employee: every chat action, not integrations or users.
//! Follower: reads the chats they follow (writes there are 403); a chat they
//! do not follow is a 404 everywhere. The socket commands, the leak checks
//! and deactivation are in `access_live`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::api::chats::Direction;
use shared::api::integrations::Integration;
use shared::api::users::{Role, User};
use shared::Id;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::inbox::{
    chat_detail, create_integration, messages, wait_for_attachments, wait_for_chats,
};
use tidings_tests::ItemFields;
use tidings_tests::{body, on_both_backends, ApiClient, Backend, TestApp};

pub const TOKEN: &str = "7100000001:AAaccess-matrix-main";
const SPARE_TOKEN: &str = "7100000002:AAaccess-matrix-spare";
const NEW_TOKEN: &str = "7100000003:AAaccess-matrix-new";
pub const CUSTOMER_X: i64 = 41_001;
pub const CUSTOMER_Y: i64 = 41_002;
/// Only ever written in chat Y: any body or frame holding it leaks Y.
pub const Y_MARKER: &str = "zebrafinch7731";

/// The server, its fake Bot API, four signed-in users and two chats.
pub struct World {
    pub app: TestApp,
    pub fake: FakeTelegram,
    pub bot: Integration,
    pub admin: ApiClient,
    pub employee: ApiClient,
    /// Follows X.
    pub follower_a: (User, ApiClient),
    /// Follows nothing.
    pub follower_b: (User, ApiClient),
    pub x: ChatRefs,
    pub y: ChatRefs,
    next_update: std::sync::atomic::AtomicI64,
}

/// A chat and what hangs off it.
pub struct ChatRefs {
    pub id: Id,
    pub contact_id: Id,
    pub deal_id: Id,
    /// The customer's document, downloaded.
    pub attachment_path: String,
    /// A customer message (never failed, so a retry is a conflict).
    pub inbound_item: Id,
}

impl World {
    pub async fn start(backend: Backend) -> World {
        let fake = FakeTelegram::start().await;
        for token in [TOKEN, SPARE_TOKEN, NEW_TOKEN] {
            fake.add_bot(token, "access_bot");
        }
        let api = fake.url().parse().expect("the fake's URL parses");
        let app = TestApp::start_with_fakes(backend, Some(api), None, None).await;
        let admin = app.admin().await;
        let bot = create_integration(
            &admin,
            json!({"kind": "telegram", "name": "Main", "token": TOKEN, "delivery": "webhook"}),
        )
        .await;
        let (_, employee) = app.login_as("Emma", Role::Employee).await;
        let follower_a = app.login_as("Fiona", Role::Follower).await;
        let follower_b = app.login_as("Boris", Role::Follower).await;
        let world = World {
            app,
            fake,
            bot,
            admin,
            employee,
            follower_a,
            follower_b,
            x: ChatRefs::unknown(0),
            y: ChatRefs::unknown(0),
            next_update: std::sync::atomic::AtomicI64::new(1),
        };
        world
            .customer_says(CUSTOMER_X, "Xena", "hello from x")
            .await;
        let first = wait_for_chats(&world.admin, 1).await.remove(0).id;
        world
            .customer_says(CUSTOMER_Y, "Yuri", &format!("hello {Y_MARKER}"))
            .await;
        let chats = wait_for_chats(&world.admin, 2).await;
        let second = chats
            .iter()
            .map(|c| c.id)
            .find(|id| *id != first)
            .expect("a second chat");
        let x = world.refs(first, CUSTOMER_X, "Xena", "x").await;
        let y = world.refs(second, CUSTOMER_Y, "Yuri", Y_MARKER).await;
        let response = world
            .admin
            .put(
                &format!("/api/v1/chats/{}/followers", x.id),
                &json!({"user_ids": [world.follower_a.0.id]}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "A follows X");
        World { x, y, ..world }
    }

    /// A customer writes through the webhook, as Telegram would.
    pub async fn customer_says(&self, customer: i64, name: &str, text: &str) {
        let update_id = self.next_update();
        let update = FakeTelegram::text_update(update_id, customer, name, text);
        assert_eq!(
            self.fake.deliver(TOKEN, &update).await,
            StatusCode::OK,
            "{update}"
        );
    }

    fn next_update(&self) -> i64 {
        self.next_update
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends the customer's document and collects the chat's ids.
    async fn refs(&self, chat_id: Id, customer: i64, name: &str, tag: &str) -> ChatRefs {
        let file_id = format!("doc-{customer}");
        self.fake.add_file(&file_id, b"price list".to_vec());
        let update = FakeTelegram::document_update(
            self.next_update(),
            customer,
            name,
            &file_id,
            &format!("{tag}.pdf"),
            10,
        );
        assert_eq!(self.fake.deliver(TOKEN, &update).await, StatusCode::OK);
        let inbound = tidings_tests::eventually("the document message", || async {
            let inbound = messages(&self.admin, chat_id, Direction::In).await;
            (inbound.len() == 2).then_some(inbound)
        })
        .await;
        let document = wait_for_attachments(&self.admin, chat_id, inbound[1].id).await;
        let url = document.attachments().expect("attachments")[0]
            .url
            .clone()
            .expect("a downloaded attachment");
        let detail = chat_detail(&self.admin, chat_id).await;
        ChatRefs {
            id: chat_id,
            contact_id: detail["contact_id"].as_i64().expect("contact_id"),
            deal_id: detail["deal_ids"][0].as_i64().expect("a deal"),
            attachment_path: url_path(&url),
            inbound_item: inbound[0].id,
        }
    }

    /// The four roles to check, followers first so they meet the setup state
    /// (their calls change nothing; the admin's last rows delete things).
    pub fn viewers(&self) -> [Viewer<'_>; 4] {
        [
            Viewer {
                name: "follower B",
                client: &self.follower_b.1,
                role: Role::Follower,
                follows_x: false,
            },
            Viewer {
                name: "follower A",
                client: &self.follower_a.1,
                role: Role::Follower,
                follows_x: true,
            },
            Viewer {
                name: "employee",
                client: &self.employee,
                role: Role::Employee,
                follows_x: false,
            },
            Viewer {
                name: "admin",
                client: &self.admin,
                role: Role::Admin,
                follows_x: false,
            },
        ]
    }

    /// Who follows the chat after setup: setting it again changes nothing.
    pub fn followers_of(&self, chat_id: Id) -> Vec<Id> {
        if chat_id == self.x.id {
            vec![self.follower_a.0.id]
        } else {
            Vec::new()
        }
    }
}

impl ChatRefs {
    /// A chat id nothing exists under (also what `World` holds until the
    /// customers have written).
    fn unknown(id: Id) -> ChatRefs {
        ChatRefs {
            id,
            contact_id: 0,
            deal_id: 0,
            attachment_path: String::new(),
            inbound_item: 0,
        }
    }
}

pub struct Viewer<'a> {
    pub name: &'static str,
    pub client: &'a ApiClient,
    pub role: Role,
    pub follows_x: bool,
}

/// Attachment URLs may be absolute; requests take the path.
fn url_path(url: &str) -> String {
    match url.find("/api/") {
        Some(start) => url[start..].to_owned(),
        None => url.to_owned(),
    }
}

/// The outcome CONTRACT.md gives a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Ok,
    Created,
    NoContent,
    /// Allowed, but refused by the state (retrying a message that never failed).
    Conflict,
    Forbidden,
    NotFound,
}

impl Want {
    fn status(self) -> StatusCode {
        match self {
            Want::Ok => StatusCode::OK,
            Want::Created => StatusCode::CREATED,
            Want::NoContent => StatusCode::NO_CONTENT,
            Want::Conflict => StatusCode::CONFLICT,
            Want::Forbidden => StatusCode::FORBIDDEN,
            Want::NotFound => StatusCode::NOT_FOUND,
        }
    }
}

use Want::{Conflict, Created, Forbidden, NoContent, NotFound, Ok as Allowed};

/// A chat-scoped call: admin and employee get `staff` on any chat, a
/// follower `on_followed` on a chat they follow; any other chat is a 404.
struct ChatRow {
    method: Method,
    /// `{chat}` stands for the chat id.
    path: String,
    body: Option<Value>,
    staff: Want,
    on_followed: Want,
}

/// A call about no single chat: the outcome for admin, employee, follower.
struct GlobalRow {
    method: Method,
    path: String,
    body: Option<Value>,
    want: [Want; 3],
}

fn chat_rows(task_id: Id) -> Vec<ChatRow> {
    let row = |method: Method, path: &str, body: Option<Value>, staff, on_followed| ChatRow {
        method,
        path: format!("/api/v1/chats/{{chat}}{path}"),
        body,
        staff,
        on_followed,
    };
    let write =
        |method: Method, path: &str, body: Value| row(method, path, Some(body), Allowed, Forbidden);
    vec![
        row(Method::GET, "", None, Allowed, Allowed),
        row(Method::GET, "/timeline", None, Allowed, Allowed),
        row(Method::GET, "/search?q=hello", None, Allowed, Allowed),
        row(Method::GET, "/comments", None, Allowed, Allowed),
        row(
            Method::PUT,
            "/notifications",
            Some(json!({"enabled": true})),
            Allowed,
            Allowed,
        ),
        row(Method::POST, "/read", Some(json!({})), Allowed, Allowed),
        row(
            Method::POST,
            "/messages",
            Some(json!({"text": "a reply"})),
            Created,
            Forbidden,
        ),
        // Allowed for staff; the customer's message never failed.
        row(
            Method::POST,
            "/messages/{inbound}/retry",
            Some(json!({})),
            Conflict,
            Forbidden,
        ),
        // Each manager's own reaction on the customer's message.
        write(
            Method::PUT,
            "/messages/{inbound}/reaction",
            json!({"emoji": "👍"}),
        ),
        write(Method::POST, "/assign", json!({"user_id": null})),
        write(
            Method::PUT,
            "/followers",
            json!({"user_ids": "{followers}"}),
        ),
        write(Method::PUT, "/tags", json!({"tags": ["vip"]})),
        // Close then reopen: the chat is open again for the next role.
        write(Method::POST, "/close", json!({})),
        write(Method::POST, "/reopen", json!({})),
        // Snooze then unsnooze: the chat is awake again for the next role.
        write(
            Method::POST,
            "/snooze",
            json!({"until": "2099-01-01T09:00:00Z"}),
        ),
        row(Method::DELETE, "/snooze", None, Allowed, Forbidden),
        row(
            Method::POST,
            "/comments",
            Some(json!({"text": "a note"})),
            Created,
            Forbidden,
        ),
        row(
            Method::POST,
            "/deals",
            Some(json!({"title": "Another deal"})),
            Created,
            Forbidden,
        ),
        // Link then unlink: no link is left for the next role.
        row(
            Method::POST,
            "/links",
            Some(json!({"kind": "task", "id": task_id})),
            NoContent,
            Forbidden,
        ),
        row(
            Method::DELETE,
            &format!("/links/task/{task_id}"),
            None,
            NoContent,
            Forbidden,
        ),
    ]
}

/// What is read through one chat (its contact, a customer's file): open to
/// whoever may see the chat, a 404 to anyone else.
fn reached_through(chat: &ChatRefs) -> [String; 3] {
    [
        format!("/api/v1/contacts/{}", chat.contact_id),
        chat.attachment_path.clone(),
        format!("/api/v1/deals/{}", chat.deal_id),
    ]
}

fn global_rows(world: &World, spare: &Integration, spare_user: &User) -> Vec<GlobalRow> {
    let row = |method: Method, path: String, body: Option<Value>, want: [Want; 3]| GlobalRow {
        method,
        path,
        body,
        want,
    };
    let bot = world.bot.id;
    let all = [Allowed, Allowed, Allowed];
    let admin_only = |ok: Want| [ok, Forbidden, Forbidden];
    let staff = |ok: Want| [ok, ok, Forbidden];
    vec![
        row(Method::GET, "/api/v1/me".into(), None, all),
        row(Method::GET, "/api/v1/users".into(), None, all),
        row(
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"email": "new@example.com", "name": "New", "password": "a-long-password", "role": "employee"}),
            ),
            admin_only(Created),
        ),
        row(
            Method::PATCH,
            format!("/api/v1/users/{}", spare_user.id),
            Some(json!({"name": "Renamed"})),
            admin_only(Allowed),
        ),
        row(Method::GET, "/api/v1/pipelines".into(), None, all),
        row(
            Method::POST,
            "/api/v1/pipelines".into(),
            Some(json!({"name": "Wholesale", "stages": ["Lead", "Won"]})),
            admin_only(Created),
        ),
        row(Method::GET, "/api/v1/integrations".into(), None, all),
        row(
            Method::GET,
            format!("/api/v1/integrations/{bot}"),
            None,
            all,
        ),
        row(
            Method::POST,
            "/api/v1/integrations".into(),
            Some(
                json!({"kind": "telegram", "name": "New", "token": NEW_TOKEN, "delivery": "webhook"}),
            ),
            admin_only(Created),
        ),
        row(
            Method::GET,
            format!("/api/v1/integrations/{bot}/queue"),
            None,
            admin_only(Allowed),
        ),
        row(
            Method::GET,
            format!("/api/v1/integrations/{bot}/health"),
            None,
            admin_only(Allowed),
        ),
        row(
            Method::POST,
            format!("/api/v1/integrations/{bot}/webhook"),
            Some(json!({})),
            admin_only(Allowed),
        ),
        row(
            Method::POST,
            format!("/api/v1/integrations/{bot}/test-message"),
            Some(json!({"recipient": CUSTOMER_X.to_string(), "text": "test"})),
            admin_only(Allowed),
        ),
        row(
            Method::PATCH,
            format!("/api/v1/integrations/{}", spare.id),
            Some(json!({"name": "Spare renamed"})),
            admin_only(Allowed),
        ),
        row(
            Method::DELETE,
            format!("/api/v1/integrations/{}", spare.id),
            None,
            admin_only(NoContent),
        ),
        // A follower's list holds the deals of followed chats; writing a deal
        // (403 on a followed chat's, 404 on any other) is in `deals`.
        row(Method::GET, "/api/v1/deals".into(), None, all),
        row(Method::GET, "/api/v1/tasks".into(), None, staff(Allowed)),
        row(
            Method::POST,
            "/api/v1/tasks".into(),
            Some(json!({"title": "Call back"})),
            staff(Created),
        ),
        row(Method::GET, "/api/v1/projects".into(), None, staff(Allowed)),
        row(
            Method::POST,
            "/api/v1/projects".into(),
            Some(json!({"name": "Spring sale"})),
            staff(Created),
        ),
        row(Method::GET, "/api/v1/chats?group=mine".into(), None, all),
        row(Method::GET, "/api/v1/chats/archive".into(), None, all),
        row(Method::GET, "/api/v1/chats/counts".into(), None, all),
        row(Method::GET, "/api/v1/chats?group=snoozed".into(), None, all),
        // Each chat's refusal is in the answer's items, never the status.
        row(
            Method::POST,
            "/api/v1/chats/bulk".into(),
            Some(json!({"chat_ids": [], "action": "close"})),
            all,
        ),
    ]
}

async fn status_of(
    client: &ApiClient,
    method: &Method,
    path: &str,
    body: &Option<Value>,
) -> (StatusCode, String) {
    let response = client.request(method.clone(), path, body.as_ref()).await;
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// Fills a chat row's placeholders for one chat.
fn for_chat(world: &World, row: &ChatRow, chat: &ChatRefs) -> (String, Option<Value>) {
    let path = row
        .path
        .replace("{chat}", &chat.id.to_string())
        .replace("{inbound}", &chat.inbound_item.to_string());
    let body = row.body.as_ref().map(|body| {
        if body["user_ids"] == "{followers}" {
            json!({"user_ids": world.followers_of(chat.id)})
        } else {
            body.clone()
        }
    });
    (path, body)
}

async fn every_endpoint_answers_each_role_as_the_contract_says(backend: Backend) {
    let world = World::start(backend).await;
    let admin = &world.admin;
    let task: Value = body(admin.post("/api/v1/tasks", &json!({"title": "T"})).await).await;
    let task_id = task["id"].as_i64().expect("task id");
    let spare = create_integration(
        admin,
        json!({"kind": "telegram", "name": "Spare", "token": SPARE_TOKEN, "delivery": "webhook"}),
    )
    .await;
    let spare_user = world.app.create_user("Sam", Role::Employee).await;
    let mut mismatches = Vec::new();
    let chat_rows = chat_rows(task_id);
    let global_rows = global_rows(&world, &spare, &spare_user);
    // A chat that does not exist answers like one a follower may not see, so
    // a 404 confirms nothing.
    let ghost = ChatRefs::unknown(999_999);
    for viewer in world.viewers() {
        for row in &chat_rows {
            for chat in [&world.x, &world.y, &ghost] {
                let follows = viewer.follows_x && chat.id == world.x.id;
                let want = match viewer.role {
                    _ if chat.id == ghost.id => NotFound,
                    Role::Admin | Role::Employee => row.staff,
                    Role::Follower if follows => row.on_followed,
                    Role::Follower => NotFound,
                };
                let (path, body) = for_chat(&world, row, chat);
                let (status, text) = status_of(viewer.client, &row.method, &path, &body).await;
                if status != want.status() {
                    mismatches.push(format!(
                        "{} {} {path}: want {want:?}, got {status} {text}",
                        viewer.name, row.method
                    ));
                }
            }
        }
        for chat in [&world.x, &world.y] {
            let follows = viewer.follows_x && chat.id == world.x.id;
            let want = match viewer.role {
                Role::Admin | Role::Employee => Allowed,
                Role::Follower if follows => Allowed,
                Role::Follower => NotFound,
            };
            for path in reached_through(chat) {
                let (status, text) = status_of(viewer.client, &Method::GET, &path, &None).await;
                if status != want.status() {
                    mismatches.push(format!(
                        "{} GET {path}: want {want:?}, got {status} {text}",
                        viewer.name
                    ));
                }
            }
        }
        for row in &global_rows {
            let want = match viewer.role {
                Role::Admin => row.want[0],
                Role::Employee => row.want[1],
                Role::Follower => row.want[2],
            };
            let (status, text) = status_of(viewer.client, &row.method, &row.path, &row.body).await;
            if status != want.status() {
                mismatches.push(format!(
                    "{} {} {}: want {want:?}, got {status} {text}",
                    viewer.name, row.method, row.path
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));

    // Only admins see bot tokens.
    for viewer in world.viewers() {
        let listed: Value = body(viewer.client.get("/api/v1/integrations").await).await;
        let token = &listed["items"][0]["token"];
        if viewer.role == Role::Admin {
            assert_eq!(token, TOKEN);
        } else {
            assert!(token.is_null(), "{}: {listed}", viewer.name);
        }
    }

    // The refused calls left no trace: nothing in either chat's timeline or
    // comments is by a follower.
    let followers = [world.follower_a.0.id, world.follower_b.0.id];
    for chat in [world.x.id, world.y.id] {
        for path in [
            format!("/api/v1/chats/{chat}/timeline?limit=200"),
            format!("/api/v1/chats/{chat}/comments"),
        ] {
            let listed: Value = body(admin.get(&path).await).await;
            let by_a_follower = listed["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter(|item| {
                    let author = item["author_id"].as_i64().or(item["actor_id"].as_i64());
                    author.is_some_and(|id| followers.contains(&id))
                })
                .count();
            assert_eq!(by_a_follower, 0, "{path}: {listed}");
        }
    }
}

on_both_backends!(every_endpoint_answers_each_role_as_the_contract_says);
