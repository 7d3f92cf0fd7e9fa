//! The Channel API in the web app: an admin creates a Channel API integration
//! and sees its webhook URL and secret; a customer message posted to the hook
//! appears in the inbox, and the manager's reply reaches the bridge.

use std::time::Duration;

use serde_json::{json, Value};
use tidings_tests::browser::{Browser, UI_WAIT};
use tidings_tests::fake_receiver::FakeReceiver;
use tidings_tests::{body, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::base;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_connects_a_bridge_and_answers_its_customer_from_the_inbox() {
    let receiver = FakeReceiver::start().await;
    // Its public URL reaches it: the page's webhook URL is posted to as shown.
    let app = TestApp::start_with_fakes(Backend::Sqlite, None, None, None).await;
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
        .select_by_value("api")
        .await
        .expect("selected");
    browser
        .test_id("integration-name")
        .await
        .send_keys("LINE bridge")
        .await
        .expect("typed");
    browser
        .test_id("integration-callback-url")
        .await
        .send_keys(&receiver.url("/tidings"))
        .await
        .expect("typed");
    browser
        .test_id("integration-save")
        .await
        .click()
        .await
        .expect("clicked");

    // The new integration's page shows where to post and the secret.
    let panel = browser
        .wait_text("[data-test=\"channel-api-panel\"]", |t| {
            t.contains("Webhook address") && t.contains("Secret") && t.contains("Rotate secret")
        })
        .await;
    assert!(panel.contains("Send a test event"), "{panel}");
    let webhook_url = browser
        .wait_text("[data-test=\"channel-api-webhook-url\"]", |t| {
            t.contains("/hooks/api/")
        })
        .await;
    let secret = browser
        .wait_text("[data-test=\"channel-api-secret\"]", |t| t.len() >= 32)
        .await;
    receiver.set_secret(&secret);
    browser.screenshot("channel-api").await;

    // "Send a test event" reaches the bridge signed and shows its answer.
    browser
        .test_id("send-test-event")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_text("[data-test=\"test-event-result\"]", |t| {
            t.contains("HTTP 200")
        })
        .await;
    let ping = receiver.wait_for(1, UI_WAIT).await;
    assert_eq!(ping[0].body["type"], "ping");
    assert!(ping[0].signed);

    // A customer writes through the bridge.
    let event = json!({"type": "message", "id": "ev-1",
        "customer": {"id": "line-7", "name": "Kenji Sato"},
        "message": {"id": "m-1", "text": "Is the blue one in stock?"}});
    let bytes = serde_json::to_vec(&event).expect("JSON");
    let response = reqwest::Client::new()
        .post(webhook_url.trim())
        .header("content-type", "application/json")
        .header(
            "X-Tidings-Signature",
            tidings::channels::api::sign(&secret, &bytes),
        )
        .body(bytes)
        .send()
        .await
        .expect("the hook answers");
    assert_eq!(response.status(), 200);

    let admin = app.admin().await;
    let chats: Value = body(admin.get("/api/v1/chats?group=unassigned").await).await;
    let chat_id = chats["items"][0]["id"].as_i64().expect("a chat");
    browser.goto(&base(&app)).await;
    browser
        .test_id("group-unassigned")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_any_text("[data-test=\"chat-row\"]", |t| t.contains("Kenji Sato"))
        .await
        .click()
        .await
        .expect("opened");
    browser
        .wait_any_text("[data-test=\"message-text\"]", |t| {
            t == "Is the blue one in stock?"
        })
        .await;
    browser.wait_live().await;
    let composer = browser.test_id("composer").await;
    composer
        .send_keys("Yes, size M and L")
        .await
        .expect("typed");
    browser
        .test_id("composer-send")
        .await
        .click()
        .await
        .expect("clicked");
    let received = receiver
        .wait_for(2, UI_WAIT + Duration::from_secs(10))
        .await;
    let reply = &received[1];
    assert!(reply.signed);
    assert_eq!(reply.body["type"], "reply");
    assert_eq!(reply.body["chat_id"], chat_id);
    assert_eq!(reply.body["customer_id"], "line-7");
    assert_eq!(reply.body["message"]["text"], "Yes, size M and L");
}
