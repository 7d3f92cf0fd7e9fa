//! The Reports screen: headline figures with their explanations, the charts,
//! the managers table and a CSV export, for an employee.

use serde_json::json;
use shared::api::users::Role;
use shared::api::Channel;
use tidings_tests::browser::Browser;
use tidings_tests::{Backend, TestApp, PASSWORD};

use super::base;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_reads_the_reports_and_exports_conversations() {
    let app = TestApp::start(Backend::Sqlite).await;
    let emma = app.create_user("Emma Employee", Role::Employee).await;
    let bot = app
        .integration(
            Channel::Telegram,
            &[emma.id],
            Some("Welcome!"),
            Some("Soon!"),
        )
        .await;
    let chat_id = app.new_chat(&bot, "Rita Report", "hello").await;
    let emma_api = app.login(&emma.email, PASSWORD).await;
    let response = emma_api
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({"text": "Hi Rita"}),
        )
        .await;
    assert!(response.status().is_success());

    let browser = Browser::start().await;
    browser.sign_in(&base(&app), &emma.email, PASSWORD).await;
    browser
        .wait_any_text("nav a", |t| t.ends_with("Reports"))
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_text("[data-test=\"figure-started\"]", |t| {
            t.contains('1') && t.contains("Conversations started")
        })
        .await;
    browser
        .wait_text("[data-test=\"figure-messages-out\"]", |t| {
            t.starts_with('1') && t.contains("Manager messages")
        })
        .await;
    browser
        .wait_text("[data-test=\"figure-auto\"]", |t| t.starts_with('2'))
        .await;
    let tooltip = browser
        .test_id("figure-first-response")
        .await
        .attr("title")
        .await
        .expect("a title");
    assert!(
        tooltip
            .as_deref()
            .is_some_and(|t| t.contains("automatic messages and comments do not count")),
        "{tooltip:?}"
    );
    assert!(
        browser
            .exists("svg[data-test=\"chart-activity\"] rect.chart-bar")
            .await
    );
    assert!(
        browser
            .exists("svg[data-test=\"chart-first-response\"]")
            .await
    );
    browser
        .wait_any_text("[data-test=\"report-manager-row\"]", |t| {
            t.contains("Emma Employee")
        })
        .await;
    browser.screenshot("reports").await;

    let export = browser
        .wait_any_text("a", |t| t == "Export conversations (CSV)")
        .await;
    let href = export.attr("href").await.expect("an href").expect("a link");
    let csv = browser
        .client
        .execute(
            "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text());",
            vec![json!(href)],
        )
        .await
        .expect("the export downloads");
    let csv = csv.as_str().unwrap_or_default();
    assert!(
        csv.starts_with("chat_id,integration,channel,contact,assignee,started_at,"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!(
            "{chat_id},telegram bot,telegram,Rita Report,Emma Employee,"
        )),
        "{csv}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_has_no_reports_entry() {
    let app = TestApp::start(Backend::Sqlite).await;
    let fred = app.create_user("Fred Follower", Role::Follower).await;
    let browser = Browser::start().await;
    browser.sign_in(&base(&app), &fred.email, PASSWORD).await;
    browser
        .wait_any_text("nav a", |t| t.ends_with("Archive"))
        .await;
    assert!(!browser.exists("[data-test=\"nav-reports\"]").await);
}
