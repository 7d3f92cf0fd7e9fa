//! Deals in the web app: a manager edits a deal's fields in the chat's info
//! panel and a teammate sees the change live (fields and the timeline's plain
//! words); on the deal board a card moves to another stage with the stage
//! select (the keyboard way of dragging) and the server agrees.

use serde_json::json;
use shared::api::crm::{Deal, DealStatus, Pipeline};
use shared::api::users::Role;
use shared::api::Channel;
use tidings_tests::browser::Browser;
use tidings_tests::{body, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};

use super::base;

async fn the_deal(app: &TestApp, chat_id: i64) -> Deal {
    let admin = app.admin().await;
    let detail: serde_json::Value =
        body(admin.get(&format!("/api/v1/chats/{chat_id}")).await).await;
    body(
        admin
            .get(&format!("/api/v1/deals/{}", detail["deals"][0]["id"]))
            .await,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_edited_in_the_sidebar_changes_live_for_a_teammate() {
    let app = TestApp::start(Backend::Sqlite).await;
    let sam = app.create_user("Sam Seller", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carla Buyer", "I want ten chairs").await;
    let url = format!("{}/chats/{chat_id}", base(&app));

    let admin_view = Browser::start().await;
    admin_view
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    admin_view.goto(&url).await;
    admin_view.wait_live().await;
    let sam_view = Browser::start().await;
    sam_view.sign_in(&base(&app), &sam.email, PASSWORD).await;
    sam_view.goto(&url).await;
    sam_view.wait_live().await;
    sam_view.test_id("deal-amount-input").await;

    // Each saved change redraws the card: find each field afresh, after the last one is saved.
    let saved = |what: &'static str, check: fn(&Deal) -> bool| {
        let app = &app;
        async move {
            tidings_tests::eventually(what, || async {
                check(&the_deal(app, chat_id).await).then_some(())
            })
            .await
        }
    };
    admin_view
        .test_id("deal-amount-input")
        .await
        .send_keys("1250\t")
        .await
        .expect("typed");
    saved("the amount", |d| d.amount == Some(1250.0)).await;
    admin_view
        .test_id("deal-currency-input")
        .await
        .send_keys("eur\t")
        .await
        .expect("typed");
    saved("the currency", |d| d.currency.as_deref() == Some("EUR")).await;
    admin_view
        .test_id("deal-status-select")
        .await
        .select_by_value("won")
        .await
        .expect("chosen");
    saved("the status", |d| d.status == DealStatus::Won).await;
    let sam_id = sam.id.to_string();
    admin_view
        .test_id("deal-responsible-select")
        .await
        .select_by_value(&sam_id)
        .await
        .expect("chosen");
    tidings_tests::eventually("the responsible", || async {
        (the_deal(&app, chat_id).await.responsible_id == Some(sam.id)).then_some(())
    })
    .await;
    // The teammate's panel follows, and the timeline says it in words.
    sam_view.wait_text("[data-test=\"deal\"]", |_| true).await;
    tidings_tests::eventually("the teammate's panel to show the change", || async {
        let status = sam_view
            .find("[data-test=\"deal\"]")
            .await
            .attr("data-status")
            .await
            .ok()
            .flatten();
        (status.as_deref() == Some("won")).then_some(())
    })
    .await;
    sam_view
        .wait_any_text("[data-test=\"timeline-item\"]", |t| {
            t.contains("changed the deal") && t.contains("status Open → Won")
        })
        .await;
    sam_view
        .wait_any_text("[data-test=\"timeline-item\"]", |t| {
            t.contains("responsible Nobody → Sam Seller")
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_moves_to_another_stage_on_the_board() {
    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Dora Board", "hello").await;
    let deal = the_deal(&app, chat_id).await;
    let admin = app.admin().await;
    let moved = admin
        .patch(
            &format!("/api/v1/deals/{}", deal.id),
            &json!({"amount": 300, "currency": "USD"}),
        )
        .await;
    assert!(moved.status().is_success());
    let pipelines: shared::api::Items<Pipeline> = body(admin.get("/api/v1/pipelines").await).await;
    let stages = &pipelines.items[0].stages;
    let target = &stages[1];

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .test_id("nav-deals")
        .await
        .click()
        .await
        .expect("clicked");
    browser.wait_live().await;
    let first_column = format!(
        "[data-test=\"board-column\"][data-stage-id=\"{}\"]",
        stages[0].id
    );
    let card = format!("[data-test=\"board-card\"][data-deal-id=\"{}\"]", deal.id);
    browser
        .wait_text(&format!("{first_column} {card}"), |t| {
            t.contains("Dora Board") && t.contains("300")
        })
        .await;
    browser
        .wait_text(
            &format!("{first_column} [data-test=\"column-total\"]"),
            |t| t.contains("1 deals") && t.contains("USD"),
        )
        .await;
    browser
        .find(&format!("{card} [data-test=\"board-card-stage\"]"))
        .await
        .select_by_value(&target.id.to_string())
        .await
        .expect("chosen");

    let second_column = format!(
        "[data-test=\"board-column\"][data-stage-id=\"{}\"]",
        target.id
    );
    browser
        .wait_text(&format!("{second_column} {card}"), |t| {
            t.contains("Dora Board")
        })
        .await;
    tidings_tests::eventually("the server to hold the new stage", || async {
        (the_deal(&app, chat_id).await.stage_id == target.id).then_some(())
    })
    .await;
    // The list view shows it too, with its stage.
    browser
        .test_id("board-mode-list")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_text(
            &format!("[data-test=\"deal-row\"][data-deal-id=\"{}\"]", deal.id),
            |t| t.contains(&target.name),
        )
        .await;
}
