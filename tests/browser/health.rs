//! Channel health in the web app (admins): the health section of an
//! integration's page, failed updates applied again, the badge in the list,
//! live changes; and signed-in pages logging no console errors.

use serde_json::json;
use shared::Id;
use tidings_tests::browser::Browser;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::inbox::{create_integration, keep_failed_updates, keep_unreadable_update};
use tidings_tests::{TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::{app_with_telegram, base, row};

/// A bot connected over REST (its webhook registered at the fake).
async fn connected_bot(app: &TestApp) -> Id {
    let admin = app.admin().await;
    create_integration(
        &admin,
        json!({"kind": "telegram", "name": "Acme", "token": "123:test-token", "delivery": "webhook"}),
    )
    .await
    .id
}

/// The badge in the list of integrations, and the one of the health section.
const LIST_BADGE: &str = "[data-test=\"integration-row-health\"] [data-test=\"health-badge\"]";
const SECTION_BADGE: &str = "[data-test=\"integration-health\"] [data-test=\"health-badge\"]";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_channel_health_and_applies_failed_updates_again() {
    let fake = FakeTelegram::start().await;
    let app = app_with_telegram(&fake).await;
    let id = connected_bot(&app).await;
    keep_failed_updates(&app, id, 555, &[1, 2]).await;

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser.goto(&format!("{}/settings", base(&app))).await;
    browser
        .wait_text(LIST_BADGE, |t| t.contains("Degraded"))
        .await;

    browser
        .goto(&format!("{}/settings/integrations/{id}", base(&app)))
        .await;
    browser.wait_live().await;
    let section = browser
        .wait_text("[data-test=\"integration-health\"]", |t| {
            t.contains("Health") && t.contains("Degraded")
        })
        .await;
    for fact in [
        "Webhook",
        "Expected webhook address",
        "Messages waiting to be sent",
        "Last send error",
        "Register webhook again",
        "Send test message",
    ] {
        assert!(section.contains(fact), "{fact:?} missing from {section}");
    }
    browser
        .wait_text("[data-test=\"health-failed-count\"]", |t| t == "2")
        .await;
    browser
        .wait_any_text("[data-test=\"failed-update\"]", |t| {
            t.contains("simulated failure")
        })
        .await;

    browser
        .wait_any_text("button", |t| t == "Apply again")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_text("[data-test=\"health-notice\"]", |t| {
            t.contains("Applied 2 of 2")
        })
        .await;
    browser.wait_text(SECTION_BADGE, |t| t == "OK").await;
    assert!(!browser.exists("[data-test=\"failed-update\"]").await);

    // An update kept as failed later shows without reloading the page.
    keep_unreadable_update(&app, id, "unreadable").await;
    browser
        .wait_text("[data-test=\"health-failed-count\"]", |t| t == "1")
        .await;
    browser.wait_text(SECTION_BADGE, |t| t == "Degraded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_pages_log_no_console_errors() {
    let fake = FakeTelegram::start().await;
    let app = app_with_telegram(&fake).await;
    let id = connected_bot(&app).await;
    let integration = app
        .context()
        .store
        .run(move |conn| tidings::store::integrations::find_integration(conn, id))
        .await
        .expect("the integration exists");
    let chat_id = app.new_chat(&integration, "Carl Customer", "hello").await;

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    // The check sees an error when there is one (and reading empties the log,
    // so what signing in logged is dropped too).
    browser
        .client
        .execute("console.error('probe')", Vec::new())
        .await
        .expect("the script runs");
    let probe = browser.console_errors().await;
    assert!(
        probe.iter().any(|line| line.contains("probe")),
        "console errors are read: {probe:?}"
    );

    browser.goto(&base(&app)).await;
    browser.wait_live().await;
    browser
        .test_id("group-unassigned")
        .await
        .click()
        .await
        .expect("clicked");
    browser.find(&row(chat_id)).await;
    browser
        .goto(&format!("{}/chats/{chat_id}", base(&app)))
        .await;
    browser
        .wait_any_text("[data-test=\"message-text\"]", |t| t.contains("hello"))
        .await;
    browser.goto(&format!("{}/settings", base(&app))).await;
    browser.wait_text(LIST_BADGE, |t| !t.is_empty()).await;
    browser
        .goto(&format!("{}/settings/integrations/{id}", base(&app)))
        .await;
    browser
        .wait_text("[data-test=\"integration-health\"]", |t| {
            t.contains("Health")
        })
        .await;
    browser.wait_live().await;

    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}
