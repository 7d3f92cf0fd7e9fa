//! Browser tests: the real server and web app in headless Chromium, with the
//! fake Telegram Bot API where messages must leave the server.

mod canned;
mod channel_api;
mod contacts;
mod deals;
mod erasure;
mod funnels;
mod health;
mod inbox_filters;
mod notifications;
mod phone;
mod push;
mod quotes;
mod reasons;
mod reports;
mod routing;
mod snooze;
mod telegram_business;
mod whatsapp;

use std::time::Duration;

use serde_json::{json, Value};
use shared::api::users::Role;
use shared::api::Channel;
use tidings::channels::{InboundAttachment, InboundEvent};
use tidings::config::{Config, InitialAdmin, Secret};
use tidings_tests::browser::{Browser, UI_WAIT};
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::{
    body, text_message, Backend, TestApp, TestDatabase, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD,
};

fn base(app: &TestApp) -> String {
    format!("http://{}", app.addr)
}

/// A server whose Telegram calls go to `fake` (which knows the test bot token).
async fn app_with_telegram(fake: &FakeTelegram) -> TestApp {
    fake.add_bot("123:test-token", "acme_bot");
    let db = TestDatabase::migrated(Backend::Sqlite);
    let mut config = Config::for_database(db.url(), db.dir().join("data"));
    config.workers = 2;
    config.telegram_api_url = fake.url().parse().expect("a URL");
    config.viber_api_url = "http://127.0.0.1:9".parse().expect("a URL");
    config.admin = Some(InitialAdmin {
        email: ADMIN_EMAIL.into(),
        password: Secret(ADMIN_PASSWORD.into()),
    });
    TestApp::start_with(Backend::Sqlite, config, db).await
}

fn row(chat_id: i64) -> String {
    format!("[data-test=\"chat-row\"][data-chat-id=\"{chat_id}\"]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_shows_the_user_and_a_wrong_password_says_so() {
    let app = TestApp::start(Backend::Sqlite).await;
    let browser = Browser::start().await;
    browser.goto(&base(&app)).await;
    // Signed out: the app sends us to the sign-in screen.
    browser
        .test_id("login-email")
        .await
        .send_keys(ADMIN_EMAIL)
        .await
        .expect("typed");
    browser
        .test_id("login-password")
        .await
        .send_keys("not the password")
        .await
        .expect("typed");
    browser
        .test_id("login-submit")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_text("[data-test=\"login-error\"]", |t| {
            t.contains("Wrong e-mail or password")
        })
        .await;

    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .wait_text("[data-test=\"current-user-name\"]", |t| {
            t.contains("Administrator")
        })
        .await;
    browser
        .test_id("logout")
        .await
        .click()
        .await
        .expect("clicked");
    browser.test_id("login-email").await;

    let employee = app.create_user("Emma Stone", Role::Employee).await;
    browser
        .sign_in(&base(&app), &employee.email, PASSWORD)
        .await;
    browser
        .wait_text("[data-test=\"current-user-name\"]", |t| {
            t.contains("Emma Stone")
        })
        .await;
}

/// A customer message shows up live — in Unassigned for a teammate, in My
/// chats for its manager; the reply reaches Telegram and shows as sent; close
/// moves the chat to Closed dialogs and the customer's next message brings it
/// back to the same manager.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_lives_and_replies_reach_telegram() {
    let fake = FakeTelegram::start().await;
    let app = app_with_telegram(&fake).await;
    let anna = app.create_user("Anna Manager", Role::Employee).await;
    let queued = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let unqueued = app.integration(Channel::Viber, &[], None, None).await;

    let anna_view = Browser::start().await;
    anna_view.sign_in(&base(&app), &anna.email, PASSWORD).await;
    let admin_view = Browser::start().await;
    admin_view
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    admin_view
        .test_id("group-unassigned")
        .await
        .click()
        .await
        .expect("clicked");
    anna_view
        .test_id("group-mine")
        .await
        .click()
        .await
        .expect("clicked");

    // Live, without reloads.
    let waiting = app
        .customer_writes(&unqueued, "Vera Viber", "anyone there?")
        .await
        .chat_id
        .expect("chat");
    admin_view.find(&row(waiting)).await;
    let chat_id = app
        .customer_writes(&queued, "Tom Telegram", "I need a quote")
        .await
        .chat_id
        .expect("chat");
    anna_view.find(&row(chat_id)).await;
    anna_view
        .wait_any_text("[data-test=\"chat-row-preview\"]", |t| {
            t.contains("I need a quote")
        })
        .await;
    anna_view.screenshot("inbox").await;

    // Reply from the chat view.
    anna_view
        .find(&row(chat_id))
        .await
        .click()
        .await
        .expect("clicked");
    let composer = anna_view.test_id("composer").await;
    composer
        .send_keys("Our price is 100 EUR")
        .await
        .expect("typed");
    anna_view
        .test_id("composer-send")
        .await
        .click()
        .await
        .expect("clicked");
    let sent = fake.wait_for_sent(1, UI_WAIT).await;
    assert!(
        sent.iter()
            .any(|m| m.text.as_deref() == Some("Our price is 100 EUR")),
        "{sent:?}"
    );
    anna_view
        .find("[data-test=\"timeline-item\"] [data-test=\"delivery-state\"][data-state=\"sent\"]")
        .await;
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    loop {
        let value = anna_view
            .test_id("composer")
            .await
            .prop("value")
            .await
            .expect("a value");
        if value.as_deref() == Some("") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the composer kept the sent text: {value:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anna_view.screenshot("chat").await;

    // Close, then the customer writes again: back to Anna.
    anna_view
        .test_id("action-close")
        .await
        .click()
        .await
        .expect("clicked");
    anna_view
        .test_id("group-closed")
        .await
        .click()
        .await
        .expect("clicked");
    anna_view.find(&row(chat_id)).await;
    app.customer_writes(&queued, "Tom Telegram", "one more question")
        .await;
    anna_view
        .test_id("group-mine")
        .await
        .click()
        .await
        .expect("clicked");
    anna_view.find(&row(chat_id)).await;
    let admin = app.admin().await;
    let detail: Value = body(admin.get(&format!("/api/v1/chats/{chat_id}")).await).await;
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["assignee_id"], json!(anna.id));
}

/// One user's comment appears live for another; a follower sees only the chat
/// they follow, read-only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_are_live_and_followers_read_only() {
    let app = TestApp::start(Backend::Sqlite).await;
    let emma = app.create_user("Emma Employee", Role::Employee).await;
    let fred = app.create_user("Fred Follower", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let followed = app
        .customer_writes(&bot, "Carl Customer", "hello")
        .await
        .chat_id
        .expect("chat");
    let hidden = app
        .customer_writes(&bot, "Dora Hidden", "secret stuff")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    admin
        .put(
            &format!("/api/v1/chats/{followed}/followers"),
            &json!({"user_ids": [fred.id]}),
        )
        .await;

    let emma_view = Browser::start().await;
    emma_view.sign_in(&base(&app), &emma.email, PASSWORD).await;
    let fred_view = Browser::start().await;
    fred_view.sign_in(&base(&app), &fred.email, PASSWORD).await;
    emma_view
        .goto(&format!("{}/chats/{followed}", base(&app)))
        .await;
    fred_view
        .goto(&format!("{}/chats/{followed}", base(&app)))
        .await;
    fred_view.test_id("timeline").await;
    fred_view.test_id("readonly-notice").await;
    assert!(
        !fred_view.exists("[data-test=\"composer\"]").await,
        "no composer for followers"
    );
    assert!(
        !fred_view.exists("[data-test=\"action-close\"]").await,
        "no close for followers"
    );

    emma_view
        .test_id("comment-input")
        .await
        .send_keys("Careful, VIP")
        .await
        .expect("typed");
    emma_view
        .test_id("comment-submit")
        .await
        .click()
        .await
        .expect("clicked");
    fred_view
        .wait_any_text("[data-test=\"comment\"]", |t| t.contains("Careful, VIP"))
        .await;

    // The other chat does not exist for the follower.
    fred_view.goto(&base(&app)).await;
    for group in ["mine", "unassigned", "others", "closed"] {
        fred_view
            .test_id(&format!("group-{group}"))
            .await
            .click()
            .await
            .expect("clicked");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !fred_view.exists(&row(hidden)).await,
            "follower sees {hidden} in {group}"
        );
    }
    fred_view
        .goto(&format!("{}/chats/{hidden}", base(&app)))
        .await;
    fred_view.test_id("chat-error").await;
    assert!(!fred_view.exists("[data-test=\"timeline-item\"]").await);
}

/// History search, an archive filter, and a hostile message shown as text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_archive_and_hostile_text() {
    let app = TestApp::start(Backend::Sqlite).await;
    let telegram = app.integration(Channel::Telegram, &[], None, None).await;
    let viber = app.integration(Channel::Viber, &[], None, None).await;
    let chat_id = app
        .customer_writes(&telegram, "Ana García", "Nos vemos mañana")
        .await
        .chat_id
        .expect("chat");
    app.customer_writes(&telegram, "Ana García", "<img src=x onerror=alert(1)>")
        .await;
    let viber_chat = app
        .customer_writes(&viber, "Viktor", "hello from viber")
        .await
        .chat_id
        .expect("chat");

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/chats/{chat_id}", base(&app)))
        .await;
    browser
        .wait_any_text("[data-test=\"message-text\"]", |t| {
            t == "<img src=x onerror=alert(1)>"
        })
        .await;
    assert!(
        !browser
            .exists("[data-test=\"timeline\"] img[src=\"x\"]")
            .await,
        "markup was rendered"
    );

    browser.wait_live().await;
    browser
        .test_id("action-search")
        .await
        .click()
        .await
        .expect("clicked");
    let input = browser.test_id("search-input").await;
    input.send_keys("manana").await.expect("typed");
    assert_eq!(
        input
            .prop("value")
            .await
            .expect("the box's value")
            .as_deref(),
        Some("manana"),
        "the search box keeps what was typed"
    );
    browser
        .test_id("search-submit")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_any_text("[data-test=\"search-result\"]", |t| t.contains("mañana"))
        .await;

    browser
        .goto(&format!("{}/archive?channel=viber", base(&app)))
        .await;
    browser.find(&row(viber_chat)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !browser.exists(&row(chat_id)).await,
        "the Telegram chat is filtered out"
    );
    browser.screenshot("archive").await;
}

/// Markup from a customer — their name, their text, a file's name — is shown
/// as text in the inbox row, the chat header, the timeline and the sidebar,
/// and nothing of it runs (an `alert` would also fail the WebDriver calls).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_markup_is_shown_as_text_everywhere() {
    const MARKUP: &str = "<img src=x onerror=alert(1)><script>window.__xss=1</script>";
    const FILE_NAME: &str = "\"><svg onload=alert(1)>.html";
    let fake = FakeTelegram::start().await;
    let app = app_with_telegram(&fake).await;
    let integration = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&integration, MARKUP, MARKUP)
        .await
        .chat_id
        .expect("chat");

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .test_id("group-unassigned")
        .await
        .click()
        .await
        .expect("clicked");
    let row_css = row(chat_id);
    browser
        .wait_text(&format!("{row_css} [data-test=\"chat-row-name\"]"), |t| {
            t == MARKUP
        })
        .await;
    browser
        .wait_text(
            &format!("{row_css} [data-test=\"chat-row-preview\"]"),
            |t| t.contains(MARKUP),
        )
        .await;

    // A file whose name is markup, arriving while the chat is open.
    browser.find(&row_css).await.click().await.expect("clicked");
    fake.add_file("BQAChtml", b"<script>window.__xss=2</script>".to_vec());
    let InboundEvent::Message(mut message) = text_message(MARKUP, "") else {
        unreachable!("text_message makes a message")
    };
    message.text = None;
    message.content_kind = "document".into();
    message.attachments = vec![InboundAttachment {
        kind: "document".into(),
        name: FILE_NAME.into(),
        mime: Some("text/html".into()),
        size: Some(32),
        external_ref: "BQAChtml".into(),
    }];
    app.receive(&integration, InboundEvent::Message(message))
        .await;

    browser
        .wait_text("[data-test=\"chat-title\"]", |t| t == MARKUP)
        .await;
    browser
        .wait_any_text("[data-test=\"message-text\"]", |t| t == MARKUP)
        .await;
    browser
        .wait_any_text("[data-test=\"attachment\"]", |t| t.contains(FILE_NAME))
        .await;
    browser
        .wait_text("[data-test=\"contact-name\"]", |t| t == MARKUP)
        .await;
    browser.screenshot("hostile-markup").await;

    let injected = browser
        .client
        .execute(
            "return [typeof window.__xss, \
              document.querySelectorAll('img[src=\"x\"], svg[onload], body script').length];",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        injected,
        json!(["undefined", 0]),
        "customer markup became DOM"
    );
}

/// An admin connects a Telegram bot with a two-manager queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_connects_a_telegram_bot_with_a_queue() {
    let fake = FakeTelegram::start().await;
    let app = app_with_telegram(&fake).await;
    fake.add_bot("999:new-bot-token", "shop_bot");
    let anna = app.create_user("Anna First", Role::Employee).await;
    let boris = app.create_user("Boris Second", Role::Employee).await;
    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/settings/integrations/new", base(&app)))
        .await;
    browser
        .test_id("integration-kind")
        .await
        .select_by_value("telegram")
        .await
        .expect("selected");
    browser
        .test_id("integration-name")
        .await
        .send_keys("Shop bot")
        .await
        .expect("typed");
    browser
        .test_id("integration-token")
        .await
        .send_keys("999:new-bot-token")
        .await
        .expect("typed");
    browser
        .test_id("queue-add")
        .await
        .select_by_value(&anna.id.to_string())
        .await
        .expect("added");
    browser
        .test_id("queue-add")
        .await
        .select_by_value(&boris.id.to_string())
        .await
        .expect("added");
    browser.screenshot("integration").await;
    browser
        .test_id("integration-save")
        .await
        .click()
        .await
        .expect("clicked");

    let admin = app.admin().await;
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    loop {
        let list: Value = body(admin.get("/api/v1/integrations").await).await;
        if let Some(created) = list["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["name"] == "Shop bot"))
        {
            assert_eq!(created["kind"], "telegram");
            assert_eq!(created["queue"], json!([anna.id, boris.id]));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the integration was not created"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !fake.calls_of("getMe").is_empty(),
        "the token was checked with getMe"
    );
}

/// `tidings demo`: a simulated customer writes, an employee answers from the
/// inbox, and the answer arrives in the simulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_works_end_to_end() {
    let data_dir = tempfile::tempdir().expect("a data directory");
    tidings::telemetry::init();
    let mut config = Config::for_database(
        // Never used: the demo runs on its own database.
        tidings::config::DatabaseUrl::Sqlite(data_dir.path().join("configured.db")),
        data_dir.path().to_owned(),
    );
    config.workers = 2;
    let demo = tidings::demo::start(config, false)
        .await
        .expect("the demo starts");
    let app_url = demo.app_url.as_str().trim_end_matches('/').to_owned();
    let employee = demo
        .logins
        .iter()
        .find(|login| login.role == Role::Employee)
        .expect("an employee login");

    let customer = Browser::start().await;
    customer.goto(demo.simulator_url.as_str()).await;
    customer
        .test_id("sim-customer-name")
        .await
        .send_keys("Browser Test Customer")
        .await
        .expect("typed");
    customer
        .test_id("sim-channel")
        .await
        .select_by_value("telegram")
        .await
        .expect("selected");
    customer
        .test_id("sim-text")
        .await
        .send_keys("Hello from the simulator")
        .await
        .expect("typed");
    customer
        .test_id("sim-send")
        .await
        .click()
        .await
        .expect("clicked");
    customer
        .wait_any_text("[data-test=\"sim-message\"][data-direction=\"in\"]", |t| {
            t.contains("Hello from the simulator")
        })
        .await;

    let manager = Browser::start().await;
    manager
        .sign_in(&app_url, employee.email, employee.password)
        .await;
    // The first thing a newcomer looks for: the way to write as a customer.
    let simulator_link = manager
        .wait_any_text("[data-test=\"demo-simulator\"]", |t| {
            t == "Customer simulator"
        })
        .await;
    let href = simulator_link.attr("href").await.expect("an href");
    assert_eq!(
        href.as_deref().map(|h| h.trim_end_matches('/')),
        Some(demo.simulator_url.as_str().trim_end_matches('/')),
        "the header links to the customer simulator"
    );
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    let chat_row = 'found: loop {
        for group in ["mine", "others", "unassigned"] {
            manager
                .test_id(&format!("group-{group}"))
                .await
                .click()
                .await
                .expect("clicked");
            tokio::time::sleep(Duration::from_millis(300)).await;
            if let Ok(rows) = manager
                .client
                .find_all(fantoccini::Locator::Css("[data-test=\"chat-row\"]"))
                .await
            {
                for row in rows {
                    if row
                        .text()
                        .await
                        .is_ok_and(|t| t.contains("Hello from the simulator"))
                    {
                        break 'found row;
                    }
                }
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the simulated customer's chat never showed"
        );
    };
    chat_row.click().await.expect("clicked");
    manager
        .test_id("composer")
        .await
        .send_keys("Hi! How can we help?")
        .await
        .expect("typed");
    manager
        .test_id("composer-send")
        .await
        .click()
        .await
        .expect("clicked");

    customer
        .wait_any_text("[data-test=\"sim-message\"][data-direction=\"out\"]", |t| {
            t.contains("Hi! How can we help?")
        })
        .await;
    customer.screenshot("simulator").await;
    demo.server.stop().await;
}
