//! An admin erases a customer from the chat's contact section: the dialog
//! says what goes and that it cannot be undone; after "Erase" the chat is
//! gone from the list and from the server.

use reqwest::StatusCode;
use shared::api::Channel;
use tidings_tests::browser::Browser;
use tidings_tests::{Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::{base, row};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_erases_a_customer_through_the_dialog_and_the_chat_disappears() {
    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let erased = app.new_chat(&bot, "Erin Quill", "please forget me").await;
    let kept = app.new_chat(&bot, "Kim Stay", "hello").await;

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/chats/{erased}", base(&app)))
        .await;
    browser.wait_live().await;
    browser
        .test_id("group-unassigned")
        .await
        .click()
        .await
        .expect("clicked");
    browser.find(&row(erased)).await;
    browser
        .wait_text("[data-test=\"contact-name\"]", |t| t == "Erin Quill")
        .await;
    browser
        .wait_any_text("button", |t| t == "Erase all data of this customer")
        .await
        .click()
        .await
        .expect("clicked");
    let dialog = browser
        .wait_text("[data-test=\"erase-dialog\"]", |t| {
            // Headings of the panel are shown in capitals.
            let t = t.to_lowercase();
            t.contains("erase all data of erin quill?") && t.contains("cannot be undone")
        })
        .await;
    assert!(dialog.contains("files"), "{dialog}");
    browser
        .test_id("erase-confirm")
        .await
        .click()
        .await
        .expect("clicked");

    tidings_tests::eventually("the erased chat to leave the list", || async {
        (!browser.exists(&row(erased)).await).then_some(())
    })
    .await;
    assert!(browser.exists(&row(kept)).await, "other chats stay");
    assert!(!browser.exists("[data-test=\"erase-dialog\"]").await);
    let admin = app.admin().await;
    assert_eq!(
        admin.get(&format!("/api/v1/chats/{erased}")).await.status(),
        StatusCode::NOT_FOUND
    );
}
