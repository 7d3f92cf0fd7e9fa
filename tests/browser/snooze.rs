//! Snooze and bulk actions in the web app: a manager snoozes a chat for an
//! hour and finds it under Snoozed; ticks two chats and closes both at once.

use serde_json::Value;
use shared::api::Channel;
use tidings_tests::browser::Browser;
use tidings_tests::{body, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::{base, row};

/// Clicks the button whose text is `text`.
async fn click_button(browser: &Browser, text: &str) {
    let button = browser.wait_any_text("button", |t| t == text).await;
    button.click().await.expect("clicked");
}

async fn click_test_id(browser: &Browser, name: &str) {
    browser.test_id(name).await.click().await.expect("clicked");
}

/// A signed-in admin's browser at `path`, live.
async fn admin_at(app: &TestApp, path: &str) -> Browser {
    let browser = Browser::start().await;
    browser
        .sign_in(&base(app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser.goto(&format!("{}{path}", base(app))).await;
    browser.wait_live().await;
    browser
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_snoozes_a_chat_and_finds_it_in_snoozed() {
    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Sonia Later", "call me next week").await;

    let browser = admin_at(&app, &format!("/chats/{chat_id}")).await;
    click_button(&browser, "Snooze").await;
    click_button(&browser, "In 1 hour").await;
    browser
        .wait_text("[data-test=\"snoozed-until\"]", |t| {
            t.starts_with("Snoozed until")
        })
        .await;
    click_test_id(&browser, "group-snoozed").await;
    browser.find(&row(chat_id)).await;
    browser
        .wait_text("[data-test=\"group-count-snoozed\"]", |t| t == "1")
        .await;
    let admin = app.admin().await;
    let chat: Value = body(admin.get(&format!("/api/v1/chats/{chat_id}")).await).await;
    assert!(chat["snoozed_until"].is_string(), "{chat}");

    // Unsnooze: the timeline says why it came back, and it leaves Snoozed.
    click_button(&browser, "Unsnooze").await;
    browser
        .wait_any_text("[data-test=\"chat-view\"] *", |t| {
            t.contains("ended the snooze")
        })
        .await;
    tidings_tests::eventually("the chat to leave Snoozed", || async {
        (!browser.exists(&row(chat_id)).await).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_close_of_two_chats() {
    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let first = app.new_chat(&bot, "Bea One", "hello").await;
    let second = app.new_chat(&bot, "Bo Two", "hi").await;
    let kept = app.new_chat(&bot, "Kit Three", "hey").await;

    let browser = admin_at(&app, "/").await;
    click_test_id(&browser, "group-unassigned").await;
    for chat_id in [first, second] {
        browser
            .find(&format!(
                "[data-test=\"select-chat\"][data-chat-id=\"{chat_id}\"]"
            ))
            .await
            .click()
            .await
            .expect("clicked");
    }
    browser
        .wait_text("[data-test=\"selected-count\"]", |t| t == "2 selected")
        .await;
    click_test_id(&browser, "bulk-close").await;
    browser
        .wait_text("[data-test=\"bulk-summary\"]", |t| {
            t.contains("Done: 2 chats.")
        })
        .await;
    tidings_tests::eventually("the closed chats to leave Unassigned", || async {
        (!browser.exists(&row(first)).await && !browser.exists(&row(second)).await).then_some(())
    })
    .await;
    assert!(browser.exists(&row(kept)).await, "the unticked chat stays");
    let admin = app.admin().await;
    for chat_id in [first, second] {
        let chat: Value = body(admin.get(&format!("/api/v1/chats/{chat_id}")).await).await;
        assert_eq!(chat["status"], "closed", "{chat}");
    }
}
