//! Mentions and the notification centre: a manager mentions a colleague with
//! the "@" picker; the colleague's bell counts it live, the panel says who
//! mentioned them where, and a click opens the chat and reads it.

use serde_json::Value;
use shared::api::users::Role;
use shared::api::Channel;
use tidings_tests::browser::Browser;
use tidings_tests::{body, Backend, TestApp, PASSWORD};

use super::base;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_rings_the_colleagues_bell_and_opens_the_chat() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (ana, _) = app.login_as("Ana Ruiz", Role::Employee).await;
    let (ben, ben_client) = app.login_as("Ben Ortiz", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat = app.new_chat(&bot, "Ivan Petrov", "is my order late?").await;

    let colleague = Browser::start().await;
    colleague.sign_in(&base(&app), &ben.email, PASSWORD).await;
    colleague.wait_live().await;
    assert!(
        !colleague.exists("[data-test=\"bell-count\"]").await,
        "nothing yet"
    );

    let manager = Browser::start().await;
    manager.sign_in(&base(&app), &ana.email, PASSWORD).await;
    manager.goto(&format!("{}/chats/{chat}", base(&app))).await;
    manager.wait_live().await;
    let comment_box = manager.test_id("comment-input").await;
    comment_box.send_keys("@be").await.expect("typed");
    manager
        .wait_text("[data-test=\"mention-picker\"]", |t| {
            t.contains("Ben Ortiz") && !t.contains("Ana Ruiz")
        })
        .await;
    comment_box.send_keys("\u{E007}").await.expect("Enter");
    tidings_tests::eventually("the name in the box", || async {
        let value = comment_box.prop("value").await.ok().flatten();
        (value.as_deref() == Some("@Ben Ortiz ")).then_some(())
    })
    .await;
    comment_box
        .send_keys("can you check the courier?")
        .await
        .expect("typed");
    manager
        .test_id("comment-submit")
        .await
        .click()
        .await
        .expect("clicked");
    manager
        .wait_text("[data-test=\"mention\"]", |t| t == "@Ben Ortiz")
        .await;

    // The colleague's bell rings, live.
    colleague
        .wait_text("[data-test=\"bell-count\"]", |t| t == "1")
        .await;
    colleague
        .test_id("bell-button")
        .await
        .click()
        .await
        .expect("clicked");
    let entry = colleague
        .wait_any_text("[data-test=\"notification\"]", |t| {
            t.contains("Ana Ruiz mentioned you in Ivan Petrov")
        })
        .await;
    assert_eq!(
        entry.attr("data-read").await.ok().flatten().as_deref(),
        Some("false"),
        "marked unread"
    );
    entry
        .find(fantoccini::Locator::Css("button"))
        .await
        .expect("the entry is a button")
        .click()
        .await
        .expect("clicked");
    colleague
        .wait_any_text("[data-test=\"comment\"]", |t| {
            t.contains("can you check the courier?")
        })
        .await;
    tidings_tests::eventually("the count to drop", || async {
        (!colleague.exists("[data-test=\"bell-count\"]").await).then_some(())
    })
    .await;
    let page: Value = body(ben_client.get("/api/v1/me/notifications").await).await;
    assert_eq!(page["unread"], 0);
    let url = colleague.client.current_url().await.expect("a URL");
    assert!(url.path().ends_with(&format!("/chats/{chat}")), "{url}");
}
