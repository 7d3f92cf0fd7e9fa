//! Canned replies in the reply box ("/", arrows, Enter inserts the reply rendered for the
//! chat, then it is sent like any text) and the keyboard shortcuts' help ("?").

use serde_json::json;
use shared::api::chats::Item;
use shared::api::{Channel, Items};
use tidings_tests::browser::Browser;
use tidings_tests::{body, Backend, ItemFields, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::base;

/// Presses a key on the page as a user would with the focus on nothing in particular.
async fn press(browser: &Browser, key: &str) {
    browser
        .client
        .execute(
            "document.body.dispatchEvent(new KeyboardEvent('keydown', \
             {key: arguments[0], bubbles: true, cancelable: true}));",
            vec![json!(key)],
        )
        .await
        .expect("the key is pressed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canned_reply_is_inserted_with_slash_edited_and_sent() {
    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat = app.new_chat(&bot, "Ana López", "where is my parcel?").await;
    let admin = app.admin().await;
    for (shortcut, text) in [
        (
            "shipping",
            "Hi {{contact.first_name}}, your parcel ships today. {{manager.first_name}}",
        ),
        ("sorry", "Sorry for the wait"),
    ] {
        let response = admin
            .post(
                "/api/v1/canned-replies",
                &json!({"shortcut": shortcut, "text": text, "scope": "team"}),
            )
            .await;
        assert_eq!(response.status(), 201);
    }

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser.goto(&format!("{}/chats/{chat}", base(&app))).await;
    browser.wait_live().await;
    let composer = browser.test_id("composer").await;
    composer.send_keys("/s").await.expect("typed");
    browser
        .wait_text("[data-test=\"canned-picker\"]", |t| {
            t.contains("/shipping") && t.contains("/sorry")
        })
        .await;
    composer.send_keys("hi").await.expect("typed");
    browser
        .wait_text("[data-test=\"canned-picker\"]", |t| {
            t.contains("/shipping") && !t.contains("/sorry")
        })
        .await;
    composer.send_keys("\u{E007}").await.expect("Enter");
    let expected = "Hi Ana, your parcel ships today. Administrator";
    tidings_tests::eventually("the rendered reply in the box", || async {
        let value = composer.prop("value").await.ok().flatten();
        (value.as_deref() == Some(expected)).then_some(())
    })
    .await;
    assert!(!browser.exists("[data-test=\"canned-picker\"]").await);
    composer.send_keys(" :)").await.expect("typed");
    browser
        .test_id("composer-send")
        .await
        .click()
        .await
        .expect("clicked");

    let sent = format!("{expected} :)");
    browser
        .wait_any_text("[data-test=\"message-text\"]", |t| t == sent)
        .await;
    let timeline: Items<Item> =
        body(admin.get(&format!("/api/v1/chats/{chat}/timeline")).await).await;
    assert_eq!(
        timeline
            .items
            .last()
            .and_then(ItemFields::text_owned)
            .as_deref(),
        Some(sent.as_str())
    );

    // Esc closes the picker; the "/" text stays as typed.
    let composer = browser.test_id("composer").await;
    composer.send_keys("/sor").await.expect("typed");
    browser.test_id("canned-picker").await;
    composer.send_keys("\u{E00C}").await.expect("Escape");
    tidings_tests::eventually("the picker to close", || async {
        (!browser.exists("[data-test=\"canned-picker\"]").await).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn question_mark_shows_the_shortcuts_and_none_fire_while_typing() {
    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat = app.new_chat(&bot, "Kim Key", "hello").await;
    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser.goto(&format!("{}/chats/{chat}", base(&app))).await;
    browser.wait_live().await;

    // Typed into the reply box, "?" is text.
    let composer = browser.test_id("composer").await;
    composer.send_keys("why?").await.expect("typed");
    assert!(!browser.exists("[data-test=\"shortcuts-help\"]").await);

    press(&browser, "?").await;
    let help = browser
        .wait_text("[data-test=\"shortcuts-help\"]", |t| {
            t.contains("Keyboard shortcuts")
        })
        .await;
    for what in [
        "Next chat",
        "Write a reply",
        "Close the chat",
        "Go to the archive",
    ] {
        assert!(help.contains(what), "{what} in {help}");
    }
    press(&browser, "Escape").await;
    tidings_tests::eventually("the help to close", || async {
        (!browser.exists("[data-test=\"shortcuts-help\"]").await).then_some(())
    })
    .await;

    // g a goes to the archive, g i back to the inbox.
    press(&browser, "g").await;
    press(&browser, "a").await;
    browser.test_id("archive").await;
    press(&browser, "g").await;
    press(&browser, "i").await;
    browser.test_id("inbox-list").await;
}
