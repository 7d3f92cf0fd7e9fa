//! CONTRACT.md "Notifications on devices (Web Push)" on both databases: the
//! VAPID key, subscriptions and their `422`s, and pushes checked at a fake
//! push service that verifies each VAPID signature and decrypts each payload
//! with the device's keys: customer messages, assignments, mentions, muted
//! chats, an app in front of the user, `410`, retried `500`s, a hanging push
//! service, and two nodes on PostgreSQL pushing once per event; the push
//! counters of `/metrics` follow what happened.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::push::{PushDevice, PushKey};
use shared::api::users::{Role, User};
use shared::api::{Channel, Items};
use shared::ws::{ClientMsg, ServerMsg};
use shared::Id;
use tidings::config::DeliveryTiming;
use tidings::domain::integration::Integration;
use tidings_tests::fake_push::{Answer, Device, FakePush};
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::live::LiveClient;
use tidings_tests::metrics::samples;
use tidings_tests::{body, eventually, on_both_backends, ApiClient, Backend, TestApp};

/// Retries 10x faster than production; a hanging push service is given up
/// on after 10 s.
const TIMING: DeliveryTiming = DeliveryTiming {
    request_timeout: Duration::from_secs(10),
    retry_first: Duration::from_millis(100),
    retry_max: Duration::from_millis(800),
};
const WAIT: Duration = Duration::from_secs(20);

/// A server whose pushes may go to the fake push service only.
struct Setup {
    app: TestApp,
    fake: FakePush,
    admin: ApiClient,
    key: String,
}

impl Setup {
    async fn start(backend: Backend) -> Setup {
        let fake = FakePush::start().await;
        let host = fake.host();
        let app = TestApp::start_with_fakes_and(backend, None, None, None, |config| {
            config.push_hosts = vec![host, "push.example.org".into()];
            config.delivery = TIMING;
        })
        .await;
        let admin = app.admin().await;
        let key = server_key(&admin).await;
        fake.expect_server_key(&key);
        Setup {
            app,
            fake,
            admin,
            key,
        }
    }

    /// A manager signed in, with one subscribed device per name.
    async fn manager(&self, name: &str, devices: &[&str]) -> (User, ApiClient) {
        let (user, client) = self.app.login_as(name, Role::Employee).await;
        for device in devices {
            subscribe(&client, &self.fake.device(device)).await;
        }
        (user, client)
    }

    /// A Telegram integration with an empty queue.
    async fn bot(&self) -> Integration {
        self.app
            .integration(Channel::Telegram, &[], None, None)
            .await
    }

    /// A chat of a new customer, assigned to `user_id` by the admin.
    async fn chat_of(&self, bot: &Integration, customer: &str, user_id: Id) -> Id {
        let chat_id = self.app.new_chat(bot, customer, "hello").await;
        assign(&self.admin, chat_id, user_id).await;
        chat_id
    }

    /// Waits until no push is left in the queue (sent or dropped).
    async fn wait_until_queue_empty(&self) {
        eventually("the push queue to empty", || async {
            let pending = self
                .app
                .context()
                .store
                .run(tidings::store::push::count_pending)
                .await
                .expect("the push queue reads");
            (pending == 0).then_some(())
        })
        .await;
    }
}

async fn server_key(client: &ApiClient) -> String {
    let response = client.get("/api/v1/push/key").await;
    assert_eq!(response.status(), StatusCode::OK);
    body::<PushKey>(response).await.public_key
}

async fn subscribe(client: &ApiClient, device: &Device) -> PushDevice {
    let response = client
        .post("/api/v1/push/subscriptions", &device.subscription())
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the device subscribes"
    );
    body(response).await
}

async fn devices(client: &ApiClient) -> Vec<PushDevice> {
    let response = client.get("/api/v1/push/subscriptions").await;
    assert_eq!(response.status(), StatusCode::OK);
    body::<Items<PushDevice>>(response).await.items
}

async fn assign(client: &ApiClient, chat_id: Id, user_id: Id) {
    let response = client
        .post(
            &format!("/api/v1/chats/{chat_id}/assign"),
            &json!({ "user_id": user_id }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the chat is assigned");
}

async fn my_name(client: &ApiClient) -> String {
    let me: Value = body(client.get("/api/v1/me").await).await;
    me["user"]["name"].as_str().expect("a name").to_owned()
}

fn kinds(pushes: &[tidings_tests::fake_push::Push]) -> Vec<String> {
    pushes
        .iter()
        .map(|p| p.payload["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

on_both_backends!(
    the_key_is_made_once_kept_across_restarts_and_the_same_for_racing_nodes,
    devices_subscribe_are_replaced_move_between_users_and_are_removed,
    malformed_keys_and_endpoints_off_the_allowed_hosts_are_refused,
    a_customer_message_pushes_the_customers_name_and_a_preview_to_each_device,
    an_assignment_by_someone_else_pushes_in_the_devices_language,
    a_mention_pushes_the_teammates_name_and_the_comment,
    a_muted_chat_pushes_nothing,
    a_user_whose_app_is_visible_and_focused_gets_no_push,
    a_410_removes_the_subscription,
    a_500_is_retried_and_then_delivered,
    a_hanging_push_service_does_not_delay_another_users_push,
    a_test_push_reaches_each_device,
    one_batch_records_a_410_a_retry_and_deliveries_each_as_its_own,
);

async fn the_key_is_made_once_kept_across_restarts_and_the_same_for_racing_nodes(backend: Backend) {
    let setup = Setup::start(backend).await;
    let key = tidings_tests::fake_push::decode(&setup.key);
    assert_eq!(key.len(), 65, "an uncompressed P-256 point");
    assert_eq!(key[0], 4);
    // Nodes starting at once each offer a key; all end up with the first one stored.
    let store = setup.app.context().store.clone();
    let racers = (0..8).map(|_| {
        let store = store.clone();
        async move {
            tidings::service::push::ensure_key(&store)
                .await
                .expect("the key is read")
                .public_key
        }
    });
    for raced in tidings_tests::join_all(racers).await {
        assert_eq!(raced, setup.key);
    }
    let app = setup.app.restart().await;
    let admin = app.admin().await;
    assert_eq!(server_key(&admin).await, setup.key, "kept across restarts");
    if backend == Backend::Postgres {
        let second = app.second_node().await;
        let client = second.admin().await;
        assert_eq!(server_key(&client).await, setup.key, "shared by every node");
    }
}

async fn devices_subscribe_are_replaced_move_between_users_and_are_removed(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (_, ana) = setup.manager("Ana", &[]).await;
    let (_, ben) = setup.manager("Ben", &[]).await;
    let phone = setup.fake.device("phone");
    let laptop = setup.fake.device("laptop");
    let first = subscribe(&ana, &phone).await;
    assert_eq!(first.endpoint_host, "127.0.0.1");
    assert!(first.last_success_at.is_none());
    subscribe(&ana, &laptop).await;
    assert_eq!(devices(&ana).await.len(), 2);

    // The same endpoint again: its keys are replaced, no second device.
    let renewed = setup.fake.device("phone");
    let response = ana
        .post("/api/v1/push/subscriptions", &renewed.subscription())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let again: PushDevice = body(response).await;
    assert_eq!(again.id, first.id);
    assert_eq!(devices(&ana).await.len(), 2);

    // Another user signs in on that browser: the endpoint moves to them.
    let response = ben
        .post("/api/v1/push/subscriptions", &renewed.subscription())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(devices(&ana).await.len(), 1);
    assert_eq!(devices(&ben).await[0].id, first.id);

    // Removing: by endpoint (only one's own), and by id.
    let by_endpoint = |endpoint: &str| json!({ "endpoint": endpoint });
    let response = ana
        .request(
            reqwest::Method::DELETE,
            "/api/v1/push/subscriptions",
            Some(&by_endpoint(&phone.endpoint)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "Ben's now");
    let response = ben
        .request(
            reqwest::Method::DELETE,
            "/api/v1/push/subscriptions",
            Some(&by_endpoint(&phone.endpoint)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(devices(&ben).await.is_empty());
    let laptop_id = devices(&ana).await[0].id;
    let path = format!("/api/v1/push/subscriptions/{laptop_id}");
    assert_eq!(ben.delete(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(ana.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert!(devices(&ana).await.is_empty());
    assert_eq!(ana.delete(&path).await.status(), StatusCode::NOT_FOUND);
}

async fn malformed_keys_and_endpoints_off_the_allowed_hosts_are_refused(backend: Backend) {
    let setup = Setup::start(backend).await;
    let device = setup.fake.device("phone");
    let with = |endpoint: &str, p256dh: &str, auth: &str| json!({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}});
    let short_auth = &device.auth[..device.auth.len() - 4];
    let cases = [
        (
            "a truncated key",
            with(&device.endpoint, &device.p256dh[..40], &device.auth),
        ),
        (
            "a key that is not base64",
            with(&device.endpoint, "%%%", &device.auth),
        ),
        (
            "a short auth secret",
            with(&device.endpoint, &device.p256dh, short_auth),
        ),
        (
            "a host that is not allowed",
            with("https://push.attacker.net/x", &device.p256dh, &device.auth),
        ),
        (
            "a browser push service not listed in TIDINGS_PUSH_HOSTS",
            with(
                "https://fcm.googleapis.com/fcm/send/x",
                &device.p256dh,
                &device.auth,
            ),
        ),
        (
            "plain http on a listed host that is not loopback",
            with("http://push.example.org/x", &device.p256dh, &device.auth),
        ),
        ("not a URL", with("push me", &device.p256dh, &device.auth)),
    ];
    for (what, request) in cases {
        let response = setup
            .admin
            .post("/api/v1/push/subscriptions", &request)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {request}"
        );
        let error: Value = body(response).await;
        assert_eq!(error["error"]["code"], "invalid", "{what}: {error}");
    }
    assert!(devices(&setup.admin).await.is_empty());
    // https on a listed host is fine.
    let ok = with("https://push.example.org/x", &device.p256dh, &device.auth);
    let response = setup.admin.post("/api/v1/push/subscriptions", &ok).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn a_customer_message_pushes_the_customers_name_and_a_preview_to_each_device(
    backend: Backend,
) {
    let setup = Setup::start(backend).await;
    let (ana, ana_client) = setup.manager("Ana", &["phone", "laptop"]).await;
    let bot = setup.bot().await;
    let chat_id = setup.chat_of(&bot, "Ivan Petrov", ana.id).await;
    setup.fake.wait_for(2, WAIT).await;

    let long = format!("are you there? {}", "x".repeat(200));
    setup.app.customer_writes(&bot, "Ivan Petrov", &long).await;
    for device in ["phone", "laptop"] {
        let pushes = setup.fake.wait_for_device(device, 2, WAIT).await;
        let message = pushes
            .iter()
            .find(|p| p.payload["kind"] == "customer_message")
            .unwrap_or_else(|| panic!("{device}: {pushes:?}"));
        assert_eq!(message.payload["title"], "Ivan Petrov");
        let preview = message.payload["body"].as_str().expect("a body");
        assert!(preview.starts_with("are you there? xxx"), "{preview}");
        assert!(preview.chars().count() <= 120, "{preview}");
        assert_eq!(message.payload["chat_id"], json!(chat_id));
        assert_eq!(
            message.payload["url"],
            json!(format!("{}chats/{chat_id}", setup.app.config.public_url))
        );
        assert_eq!(message.ttl.as_deref(), Some("86400"));
        assert_eq!(message.urgency.as_deref(), Some("high"));
        assert_eq!(message.topic, Some(format!("chat-{chat_id}")));
    }
    assert!(
        setup.fake.rejected().is_empty(),
        "{:?}",
        setup.fake.rejected()
    );
    let listed = eventually("the device's last success", || async {
        let listed = devices(&ana_client).await;
        listed
            .iter()
            .all(|d| d.last_success_at.is_some())
            .then_some(listed)
    })
    .await;
    assert_eq!(listed.len(), 2);
}

async fn an_assignment_by_someone_else_pushes_in_the_devices_language(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (ana, ana_client) = setup.manager("Ana", &[]).await;
    let phone = setup.fake.device("phone");
    let response = ana_client
        .post("/api/v1/push/subscriptions?lang=es", &phone.subscription())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let bot = setup.bot().await;
    let chat_id = setup.app.new_chat(&bot, "Ivan", "hello").await;
    // Taking a chat oneself notifies nobody, so pushes nothing.
    assign(&ana_client, chat_id, ana.id).await;
    let other = setup.app.new_chat(&bot, "Olga", "hi").await;
    assign(&setup.admin, other, ana.id).await;

    setup.fake.wait_for(1, WAIT).await;
    setup.wait_until_queue_empty().await;
    let pushes = setup.fake.pushes();
    assert_eq!(pushes.len(), 1, "only the admin's assignment: {pushes:?}");
    let assigned = &pushes[0].payload;
    assert_eq!(assigned["kind"], "assigned");
    assert_eq!(assigned["title"], json!(my_name(&setup.admin).await));
    assert_eq!(assigned["body"], "Se le asignó este chat");
    assert_eq!(assigned["chat_id"], json!(other));
    assert_eq!(pushes[0].urgency.as_deref(), Some("high"));
}

async fn a_mention_pushes_the_teammates_name_and_the_comment(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (ana, _) = setup.manager("Ana", &["phone"]).await;
    let (_, ben_client) = setup.manager("Ben", &[]).await;
    let bot = setup.bot().await;
    let chat_id = setup.app.new_chat(&bot, "Ivan", "hello").await;
    let response = ben_client
        .post(
            &format!("/api/v1/chats/{chat_id}/comments"),
            &json!({"text": "@Ana can you call him?", "mention_ids": [ana.id]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let pushes = setup.fake.wait_for(1, WAIT).await;
    assert_eq!(pushes[0].payload["kind"], "mention");
    assert_eq!(pushes[0].payload["title"], "Ben");
    assert_eq!(pushes[0].payload["body"], "@Ana can you call him?");
    assert_eq!(pushes[0].topic, Some(format!("chat-{chat_id}")));
}

async fn a_muted_chat_pushes_nothing(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (ana, ana_client) = setup.manager("Ana", &["phone"]).await;
    let (_, ben_client) = setup.manager("Ben", &[]).await;
    let bot = setup.bot().await;
    let chat_id = setup.chat_of(&bot, "Ivan", ana.id).await;
    setup.fake.wait_for(1, WAIT).await;
    let response = ana_client
        .put(
            &format!("/api/v1/chats/{chat_id}/notifications"),
            &json!({ "enabled": false }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    setup
        .app
        .customer_writes(&bot, "Ivan", "muted message")
        .await;
    // What is about Ana personally still pushes, after the message.
    let response = ben_client
        .post(
            &format!("/api/v1/chats/{chat_id}/comments"),
            &json!({"text": "@Ana look", "mention_ids": [ana.id]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    setup.fake.wait_for(2, WAIT).await;
    setup.wait_until_queue_empty().await;
    assert_eq!(kinds(&setup.fake.pushes()), ["assigned", "mention"]);
}

async fn a_user_whose_app_is_visible_and_focused_gets_no_push(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (ana, ana_client) = setup.manager("Ana", &["phone"]).await;
    let bot = setup.bot().await;
    let chat_id = setup.chat_of(&bot, "Ivan", ana.id).await;
    setup.fake.wait_for(1, WAIT).await;

    let mut tab = LiveClient::connect(&setup.app, &ana_client).await;
    let mut background_tab = LiveClient::connect(&setup.app, &ana_client).await;
    // Commands are handled in order: the counts' answer means it was heard.
    let say = |visible_and_focused| ClientMsg::Visibility {
        visible_and_focused,
    };
    background_tab.send(&say(false)).await;
    tab.send(&say(true)).await;
    tab.send(&ClientMsg::GetCounts).await;
    tab.wait_for(|m| matches!(m, ServerMsg::UnreadCounts { .. }))
        .await;
    setup
        .app
        .customer_writes(&bot, "Ivan", "seen in the app")
        .await;
    setup.wait_until_queue_empty().await;
    assert_eq!(kinds(&setup.fake.pushes()), ["assigned"]);

    tab.send(&say(false)).await;
    tab.send(&ClientMsg::GetCounts).await;
    tab.wait_for(|m| matches!(m, ServerMsg::UnreadCounts { .. }))
        .await;
    setup
        .app
        .customer_writes(&bot, "Ivan", "now in the pocket")
        .await;
    let pushes = setup.fake.wait_for(2, WAIT).await;
    assert_eq!(pushes[1].payload["body"], "now in the pocket");
    assert_eq!(pushes[1].payload["chat_id"], json!(chat_id));
}

async fn a_410_removes_the_subscription(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (ana, ana_client) = setup.manager("Ana", &["gone", "phone"]).await;
    setup.fake.answer("gone", Answer::Always(410));
    let bot = setup.bot().await;
    setup.chat_of(&bot, "Ivan", ana.id).await;
    setup.fake.wait_for_refused("gone", 1, WAIT).await;
    let left = eventually("the gone device to be removed", || async {
        let listed = devices(&ana_client).await;
        (listed.len() == 1).then_some(listed)
    })
    .await;
    assert!(left[0].endpoint_host.starts_with("127.0.0.1"));
    setup.fake.wait_for_device("phone", 1, WAIT).await;
    setup.wait_until_queue_empty().await;
    assert_eq!(setup.fake.refused("gone"), 1, "never tried again");
    let samples = samples(&setup.app, None).await;
    assert_eq!(samples["tidings_push_total{outcome=\"gone\"}"], 1.0);
    assert_eq!(samples["tidings_push_total{outcome=\"delivered\"}"], 1.0);
}

async fn a_500_is_retried_and_then_delivered(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (ana, ana_client) = setup.manager("Ana", &["phone"]).await;
    setup.fake.answer("phone", Answer::Times(500, 2));
    let bot = setup.bot().await;
    setup.chat_of(&bot, "Ivan", ana.id).await;
    let pushes = setup.fake.wait_for(1, WAIT).await;
    assert_eq!(pushes[0].payload["kind"], "assigned");
    assert_eq!(setup.fake.refused("phone"), 2);
    setup.wait_until_queue_empty().await;
    assert_eq!(setup.fake.pushes().len(), 1, "delivered once");
    assert_eq!(devices(&ana_client).await.len(), 1, "kept");
    let samples = samples(&setup.app, None).await;
    assert_eq!(samples["tidings_push_total{outcome=\"retried\"}"], 2.0);
    assert_eq!(samples["tidings_push_total{outcome=\"delivered\"}"], 1.0);
    assert_eq!(samples["tidings_push_total{outcome=\"dropped\"}"], 0.0);
    assert_eq!(samples["tidings_push_pending"], 0.0);
}

async fn a_hanging_push_service_does_not_delay_another_users_push(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (ana, _) = setup.manager("Ana", &["stuck"]).await;
    let (ben, _) = setup.manager("Ben", &["phone"]).await;
    setup.fake.answer("stuck", Answer::Hang);
    let bot = setup.bot().await;
    setup.chat_of(&bot, "Ivan", ana.id).await;
    setup.fake.wait_for_refused("stuck", 1, WAIT).await;

    let started = std::time::Instant::now();
    setup.chat_of(&bot, "Olga", ben.id).await;
    setup.fake.wait_for_device("phone", 1, WAIT).await;
    assert!(
        started.elapsed() < TIMING.request_timeout / 2,
        "Ben's push waited {:?} behind Ana's hanging push service",
        started.elapsed()
    );
    assert!(setup.fake.pushes_to("stuck").is_empty());
}

async fn a_test_push_reaches_each_device(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (_, ana_client) = setup.manager("Ana", &["phone", "laptop"]).await;
    let response = ana_client.post("/api/v1/push/test", &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let queued: Value = body(response).await;
    assert_eq!(queued["devices"], 2);
    let pushes = setup.fake.wait_for(2, WAIT).await;
    for push in &pushes {
        assert_eq!(push.payload["kind"], "test");
        assert_eq!(push.payload["title"], "Tidings");
        assert_eq!(
            push.payload["url"],
            json!(setup.app.config.public_url.to_string())
        );
    }
    let (_, ben_client) = setup.manager("Ben", &[]).await;
    let response = ben_client.post("/api/v1/push/test", &json!({})).await;
    let queued: Value = body(response).await;
    assert_eq!(queued["devices"], 0, "Ben has no device");
}

/// One event pushes to four devices at once, so they are claimed, sent and
/// recorded together: the one answering `410` is removed, the one answering
/// `500` once is tried again, the others are delivered once and their last
/// success is kept; each push is counted once.
async fn one_batch_records_a_410_a_retry_and_deliveries_each_as_its_own(backend: Backend) {
    let setup = Setup::start(backend).await;
    let (ana, ana_client) = setup
        .manager("Ana", &["gone", "flaky", "phone", "laptop"])
        .await;
    setup.fake.answer("gone", Answer::Always(410));
    setup.fake.answer("flaky", Answer::Times(500, 1));
    let bot = setup.bot().await;
    setup.chat_of(&bot, "Ivan", ana.id).await;
    setup.fake.wait_for(3, WAIT).await;
    setup.wait_until_queue_empty().await;
    let mut delivered: Vec<String> = setup.fake.pushes().into_iter().map(|p| p.device).collect();
    delivered.sort();
    assert_eq!(delivered, ["flaky", "laptop", "phone"], "each once");
    assert_eq!(setup.fake.refused("gone"), 1, "never tried again");
    assert_eq!(setup.fake.refused("flaky"), 1);
    let listed = devices(&ana_client).await;
    assert_eq!(listed.len(), 3, "only the gone device is removed");
    assert!(
        listed.iter().all(|device| device.last_success_at.is_some()),
        "{listed:#?}"
    );
    let samples = samples(&setup.app, None).await;
    assert_eq!(samples["tidings_push_total{outcome=\"gone\"}"], 1.0);
    assert_eq!(samples["tidings_push_total{outcome=\"retried\"}"], 1.0);
    assert_eq!(samples["tidings_push_total{outcome=\"delivered\"}"], 3.0);
    assert_eq!(samples["tidings_push_total{outcome=\"dropped\"}"], 0.0);
    assert_eq!(samples["tidings_push_pending"], 0.0);
}

/// SQLite only: a write lock held past the server's busy timeout is how that
/// database refuses a write (PostgreSQL waits instead).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_whose_outcome_the_database_refused_is_recorded_when_it_is_back_and_not_sent_again()
{
    let setup = Setup::start(Backend::Sqlite).await;
    let (ana, _) = setup.manager("Ana", &["phone"]).await;
    let bot = setup.bot().await;
    let chat_id = setup.app.new_chat(&bot, "Ivan", "hello").await;
    setup.fake.close_gate();
    assign(&setup.admin, chat_id, ana.id).await;
    setup.fake.wait_for_waiting(1, WAIT).await;

    // Another connection takes SQLite's write lock while the push is answered.
    let connector = tidings::store::Store::open(&setup.app.db.url())
        .expect("the database opens")
        .connector();
    let (locked, is_locked) = tokio::sync::oneshot::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        use diesel::r2d2::ManageConnection;
        use diesel::RunQueryDsl;
        let mut conn = connector.connect().expect("a connection");
        diesel::sql_query("BEGIN EXCLUSIVE")
            .execute(&mut conn)
            .expect("the write lock");
        locked.send(()).expect("the test waits for the lock");
        let _ = released.recv();
        diesel::sql_query("COMMIT")
            .execute(&mut conn)
            .expect("the lock is released");
    });
    is_locked.await.expect("the lock is taken");
    setup.fake.open_gate();
    setup.fake.wait_for_device("phone", 1, WAIT).await;
    // Held longer than the server's busy timeout (5 s): writing the
    // outcome fails at least once.
    tokio::time::sleep(Duration::from_secs(6)).await;
    release.send(()).expect("the holder waits");
    tokio::task::spawn_blocking(move || holder.join())
        .await
        .expect("the holder's thread ends")
        .expect("the holder does not panic");

    // Recorded within seconds, not sent again when its 60 s claim ran out.
    setup.wait_until_queue_empty().await;
    assert_eq!(setup.fake.pushes().len(), 1, "sent once");
}

/// Customers write through two nodes at once: each event reaches the
/// manager's device once, whichever node applied it and whichever sent it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_postgres_push_once_per_event() {
    let setup = Setup::start(Backend::Postgres).await;
    let second = setup.app.second_node().await;
    let (ana, _) = setup.manager("Ana", &["phone"]).await;
    let bot = setup
        .app
        .integration(Channel::Telegram, &[ana.id], None, None)
        .await;
    let customers = 10_i64;
    let hooks = [&setup.app, &second].map(|node| node.url(&format!("/hooks/telegram/{}", bot.id)));
    let arrivals = (0..customers * 2).map(|n| {
        let hook = hooks[(n % 2) as usize].clone();
        let secret = bot.webhook_secret.clone();
        let customer = n % customers;
        async move {
            let update = FakeTelegram::text_update(
                n + 1,
                9_000 + customer,
                &format!("Customer {customer}"),
                &format!("message {n}"),
            );
            let status = FakeTelegram::post_to_webhook(&hook, &secret, &update).await;
            assert_eq!(status, 200, "update {n} was accepted");
        }
    });
    tidings_tests::join_all(arrivals).await;
    setup.app.wait_until_applied().await;
    second.wait_until_applied().await;
    let customers = customers as usize;
    let expected = customers * 3;
    setup.fake.wait_for(expected, WAIT).await;
    setup.wait_until_queue_empty().await;
    let pushes = setup.fake.pushes();
    assert_eq!(pushes.len(), expected, "{pushes:#?}");
    let mut seen: Vec<String> = pushes.iter().map(|p| p.payload.to_string()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), expected, "no event pushed twice");
    let messages = pushes
        .iter()
        .filter(|p| p.payload["kind"] == "customer_message")
        .count();
    assert_eq!(messages, customers * 2);
    drop(second);
}
