//! The web app on a phone (390 x 844): the inbox list, the chat and its info panel are
//! screens of their own with Back buttons, the browser's back and forward buttons move
//! between them, the composer sits inside the viewport, the navigation (inbox groups
//! included) opens from the menu button, and no screen scrolls sideways.

use serde_json::{json, Value};
use shared::api::users::Role;
use shared::api::Channel;
use tidings_tests::browser::{Browser, UI_WAIT};
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::PASSWORD;

use super::{app_with_telegram, base, row};

const WIDTH: f64 = 390.0;
const HEIGHT: f64 = 844.0;

async fn script(browser: &Browser, code: &str, args: Vec<Value>) -> Value {
    browser
        .client
        .execute(code, args)
        .await
        .expect("the script runs")
}

/// The element's box in CSS pixels: `[left, top, right, bottom]`.
async fn rect(browser: &Browser, css: &str) -> [f64; 4] {
    browser.find(css).await;
    let value = script(
        browser,
        "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
         return [r.left, r.top, r.right, r.bottom];",
        vec![json!(css)],
    )
    .await;
    let number = |i: usize| value[i].as_f64().expect("a number");
    [number(0), number(1), number(2), number(3)]
}

/// Waits until the element is on screen, whole: not hidden, not cut off at any edge.
async fn assert_fully_visible(browser: &Browser, css: &str) {
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    loop {
        let shown = browser
            .find(css)
            .await
            .is_displayed()
            .await
            .unwrap_or(false);
        let [left, top, right, bottom] = rect(browser, css).await;
        let inside = left >= 0.0 && top >= 0.0 && right <= WIDTH && bottom <= HEIGHT;
        if shown && inside && right > left && bottom > top {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            browser.screenshot("phone-cut-off").await;
            panic!("{css} is not whole on a {WIDTH}x{HEIGHT} screen: shown {shown}, box {left},{top} to {right},{bottom}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn assert_hidden(browser: &Browser, css: &str) {
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    while browser.exists(css).await
        && browser
            .find(css)
            .await
            .is_displayed()
            .await
            .unwrap_or(false)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{css} is still shown on a phone"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Nothing on the screen is wider than the phone: the page never scrolls sideways.
async fn assert_no_sideways_scroll(browser: &Browser, screen: &str) {
    let widths = script(
        browser,
        "return [document.documentElement.scrollWidth, document.body.scrollWidth, \
         window.innerWidth];",
        Vec::new(),
    )
    .await;
    let width = |i: usize| widths[i].as_f64().expect("a number");
    assert_eq!(width(2), WIDTH, "the viewport is a phone's");
    assert!(
        width(0) <= WIDTH && width(1) <= WIDTH,
        "{screen} scrolls sideways: {widths}"
    );
}

async fn click(browser: &Browser, css: &str) {
    browser.find(css).await.click().await.expect("clicked");
}

async fn wait_path(browser: &Browser, want: &str) {
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    loop {
        let url = browser.client.current_url().await.expect("a URL");
        if url.path() == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the URL stayed {url}, not {want}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_works_a_chat_on_a_phone() {
    let fake = FakeTelegram::start().await;
    let app = app_with_telegram(&fake).await;
    let paula = app.create_user("Paula Pocket", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[paula.id], None, None)
        .await;
    let chat = app
        .customer_writes(&bot, "Milo Mobile", "Do you deliver on Sundays?")
        .await
        .chat_id
        .expect("a chat");

    let browser = Browser::start_phone().await;
    browser.sign_in(&base(&app), &paula.email, PASSWORD).await;
    let chat_path = format!("/chats/{chat}");
    let info_path = format!("/chats/{chat}/info");

    // The list screen: the list alone, the navigation behind the menu button.
    browser.find(&row(chat)).await;
    assert_fully_visible(&browser, &row(chat)).await;
    assert_fully_visible(&browser, "[data-test=\"nav-menu\"]").await;
    assert_fully_visible(&browser, "[data-test=\"logout\"]").await;
    assert_hidden(&browser, "[data-test=\"main-navigation\"]").await;
    assert_no_sideways_scroll(&browser, "the list").await;

    // The menu: inbox groups, contacts, deals; choosing one closes it.
    click(&browser, "[data-test=\"nav-menu\"]").await;
    for entry in [
        "nav-group-mine",
        "nav-group-unassigned",
        "nav-group-others",
        "nav-group-closed",
        "nav-group-snoozed",
        "nav-contacts",
        "nav-deals",
    ] {
        assert_fully_visible(&browser, &format!("[data-test=\"{entry}\"]")).await;
    }
    assert_no_sideways_scroll(&browser, "the menu").await;
    click(&browser, "[data-test=\"nav-contacts\"]").await;
    wait_path(&browser, "/contacts").await;
    assert_hidden(&browser, "[data-test=\"main-navigation\"]").await;
    assert_no_sideways_scroll(&browser, "the contacts").await;
    click(&browser, "[data-test=\"nav-menu\"]").await;
    click(&browser, "[data-test=\"nav-group-mine\"]").await;
    wait_path(&browser, "/").await;
    assert_hidden(&browser, "[data-test=\"main-navigation\"]").await;

    // The chat screen: the timeline and the composer whole, the list gone.
    click(&browser, &row(chat)).await;
    wait_path(&browser, &chat_path).await;
    browser
        .wait_any_text("[data-test=\"timeline-item\"]", |t| {
            t.contains("Do you deliver on Sundays?")
        })
        .await;
    assert_hidden(&browser, "[data-test=\"inbox-list\"]").await;
    for part in [
        "chat-back",
        "chat-title",
        "action-info",
        "composer",
        "composer-send",
    ] {
        assert_fully_visible(&browser, &format!("[data-test=\"{part}\"]")).await;
    }
    assert_fully_visible(&browser, ".timeline").await;
    let timeline = rect(&browser, ".timeline").await;
    let composer = rect(&browser, "[data-test=\"composer\"]").await;
    assert!(
        composer[1] >= timeline[3],
        "the composer sits below the timeline: {timeline:?} {composer:?}"
    );
    browser
        .wait_text("[data-test=\"chat-back\"]", |t| t.contains("Back"))
        .await;
    assert_no_sideways_scroll(&browser, "the chat").await;
    browser.screenshot("phone-chat").await;

    // A reply from the phone reaches the customer.
    browser
        .test_id("composer")
        .await
        .send_keys("Yes, from 10 to 14")
        .await
        .expect("typed");
    click(&browser, "[data-test=\"composer-send\"]").await;
    let sent = fake.wait_for_sent(1, UI_WAIT).await;
    assert_eq!(sent[0].text.as_deref(), Some("Yes, from 10 to 14"));
    browser
        .find("[data-test=\"timeline-item\"] [data-test=\"delivery-state\"][data-state=\"sent\"]")
        .await;
    assert_fully_visible(&browser, "[data-test=\"composer\"]").await;
    assert_no_sideways_scroll(&browser, "the chat after a reply").await;

    // The info screen, and back to the chat with its Back button.
    click(&browser, "[data-test=\"action-info\"]").await;
    wait_path(&browser, &info_path).await;
    assert_fully_visible(
        &browser,
        "[data-test=\"info-panel\"] [data-test=\"info-back\"]",
    )
    .await;
    assert_hidden(&browser, "[data-test=\"chat-view\"]").await;
    assert_no_sideways_scroll(&browser, "the info panel").await;
    browser.screenshot("phone-info").await;
    click(&browser, "[data-test=\"info-back\"]").await;
    wait_path(&browser, &chat_path).await;
    assert_fully_visible(&browser, "[data-test=\"composer\"]").await;
    assert_hidden(&browser, "[data-test=\"info-panel\"]").await;

    // The browser's own buttons move between the same screens.
    click(&browser, "[data-test=\"action-info\"]").await;
    wait_path(&browser, &info_path).await;
    browser.client.back().await.expect("back");
    wait_path(&browser, &chat_path).await;
    assert_fully_visible(&browser, "[data-test=\"composer\"]").await;
    assert_hidden(&browser, "[data-test=\"info-panel\"]").await;
    browser.client.forward().await.expect("forward");
    wait_path(&browser, &info_path).await;
    assert_fully_visible(&browser, "[data-test=\"info-back\"]").await;
    browser.client.back().await.expect("back");
    wait_path(&browser, &chat_path).await;

    // Back to the list.
    click(&browser, "[data-test=\"chat-back\"]").await;
    wait_path(&browser, "/").await;
    assert_fully_visible(&browser, &row(chat)).await;
    assert_hidden(&browser, "[data-test=\"chat-view\"]").await;
    assert_no_sideways_scroll(&browser, "the list again").await;
    // Back was a step back in the history: forward returns to the chat.
    browser.client.forward().await.expect("forward");
    wait_path(&browser, &chat_path).await;
    assert_fully_visible(&browser, "[data-test=\"composer\"]").await;
    browser.client.back().await.expect("back");
    wait_path(&browser, "/").await;
    assert_fully_visible(&browser, &row(chat)).await;
}
