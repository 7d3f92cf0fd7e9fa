//! Inbox filters: a text filter narrows the shown group, lives in the URL, survives opening
//! a chat, and "Reset filters" brings every chat back.

use shared::api::Channel;
use tidings_tests::browser::Browser;
use tidings_tests::{Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::{base, row};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_filters_narrow_the_group_and_stay_in_the_url() {
    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let pizza = app.new_chat(&bot, "Pia Pizza", "one pizza please").await;
    let sushi = app.new_chat(&bot, "Sam Sushi", "sushi for two").await;
    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser.wait_live().await;
    browser
        .test_id("group-unassigned")
        .await
        .click()
        .await
        .expect("clicked");
    browser.find(&row(sushi)).await;
    browser
        .test_id("inbox-filter-q")
        .await
        .send_keys("pizza\u{E007}")
        .await
        .expect("typed");
    tidings_tests::eventually("the list to hold only the pizza chat", || async {
        (browser.exists(&row(pizza)).await && !browser.exists(&row(sushi)).await).then_some(())
    })
    .await;
    let url = browser.client.current_url().await.expect("a URL");
    assert_eq!(url.query(), Some("q=pizza"), "{url}");

    // Opening a chat keeps the filter in the URL and the list.
    browser
        .find(&row(pizza))
        .await
        .click()
        .await
        .expect("clicked");
    browser.test_id("chat-view").await;
    tidings_tests::eventually("the filter back in the URL", || async {
        let url = browser.client.current_url().await.ok()?;
        (url.path() == format!("/chats/{pizza}") && url.query() == Some("q=pizza")).then_some(())
    })
    .await;
    assert!(!browser.exists(&row(sushi)).await);

    browser
        .test_id("inbox-filter-reset")
        .await
        .click()
        .await
        .expect("clicked");
    browser.find(&row(sushi)).await;
}
