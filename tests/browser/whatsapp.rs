//! WhatsApp in the web app: an admin connects a business number in the
//! integration form and sees the webhook address and verify token to paste
//! into Meta's dashboard; in a chat whose 24-hour window has closed the
//! composer offers the approved templates, and one goes out with its values.

use serde_json::json;
use tidings_tests::browser::{Browser, UI_WAIT};
use tidings_tests::fake_whatsapp::FakeWhatsApp;
use tidings_tests::inbox::{integrations, wait_for_chats};
use tidings_tests::{Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::base;

const NUMBER: &str = "106540352242922";
const ACCOUNT: &str = "102290129340398";
const TOKEN: &str = "EAAJB3xZC0ZBoBO1Browser0Token";
const APP_SECRET: &str = "5e1f0a9d3c7b2e4f6a8c0d2e4f6a8b0c";

async fn app_with_whatsapp(fake: &FakeWhatsApp) -> TestApp {
    fake.add_number(NUMBER, TOKEN, "Acme Store");
    let url = fake.url();
    TestApp::start_with_fakes_and(Backend::Sqlite, None, None, None, move |config| {
        config.whatsapp_api_url = url;
    })
    .await
}

async fn type_into(browser: &Browser, field: &str, text: &str) {
    browser
        .test_id(field)
        .await
        .send_keys(text)
        .await
        .expect("typed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_connects_a_whatsapp_number_and_sees_what_to_paste_into_meta() {
    let fake = FakeWhatsApp::start().await;
    let app = app_with_whatsapp(&fake).await;
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
        .select_by_value("whatsapp")
        .await
        .expect("selected");
    type_into(&browser, "integration-name", "Acme WhatsApp").await;
    type_into(&browser, "integration-token", TOKEN).await;
    type_into(&browser, "integration-phone-number-id", NUMBER).await;
    type_into(&browser, "integration-business-account-id", ACCOUNT).await;
    type_into(&browser, "integration-app-secret", APP_SECRET).await;
    browser.screenshot("whatsapp-form").await;
    browser
        .test_id("integration-save")
        .await
        .click()
        .await
        .expect("clicked");
    let url = browser
        .wait_text("[data-test=\"integration-webhook-url\"]", |t| {
            t.contains("/hooks/whatsapp/")
        })
        .await;
    let admin = app.admin().await;
    let created = integrations(&admin).await.remove(0);
    assert_eq!(url, created.webhook_url);
    let token = created.verify_token.expect("the verify token");
    browser
        .wait_text("[data-test=\"integration-verify-token\"]", |t| t == token)
        .await;
    browser
        .wait_text("[data-test=\"whatsapp-webhook\"]", |t| {
            t.contains("Meta's dashboard") && t.contains("Copy")
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_whose_window_closed_offers_the_approved_templates() {
    let fake = FakeWhatsApp::start().await;
    fake.set_templates(
        ACCOUNT,
        vec![json!({
            "name": "order_update", "language": "en_US", "category": "UTILITY", "status": "APPROVED", "id": "1",
            "components": [{"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped."}]
        })],
    );
    let app = app_with_whatsapp(&fake).await;
    let admin = app.admin().await;
    let bot = tidings_tests::inbox::create_integration(
        &admin,
        json!({"kind": "whatsapp", "name": "Acme WhatsApp", "token": TOKEN,
               "phone_number_id": NUMBER, "business_account_id": ACCOUNT, "app_secret": APP_SECRET}),
    )
    .await;
    let written = chrono::Utc::now().timestamp() - 30 * 3600;
    let notification = FakeWhatsApp::text(
        NUMBER,
        "16315551181",
        "Kerry Fisher",
        "wamid.OLD1",
        written,
        "Where is my order?",
    );
    let (status, answer) = FakeWhatsApp::post(
        &app.url(&format!("/hooks/whatsapp/{}", bot.id)),
        APP_SECRET,
        notification,
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{answer}");
    let chat = wait_for_chats(&admin, 1).await.remove(0);

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/chats/{}", base(&app), chat.id))
        .await;
    browser
        .wait_text("[data-test=\"reply-window-closed\"]", |t| {
            t.contains("24 hours")
        })
        .await;
    assert!(
        !browser.exists("[data-test=\"composer\"]").await,
        "no free text"
    );
    browser
        .test_id("template-select")
        .await
        .select_by_value("order_update|en_US")
        .await
        .expect("selected");
    let values = browser
        .client
        .find_all(fantoccini::Locator::Css("[data-test=\"template-value\"]"))
        .await
        .expect("the value inputs");
    assert_eq!(values.len(), 2);
    assert_eq!(
        values[0].prop("value").await.expect("a value").as_deref(),
        Some("Kerry"),
        "prefilled with the contact's first name"
    );
    values[1].send_keys("#4521").await.expect("typed");
    browser
        .wait_text("[data-test=\"template-preview\"]", |t| {
            t == "Hi Kerry, your order #4521 has shipped."
        })
        .await;
    browser.screenshot("whatsapp-templates").await;
    browser
        .test_id("template-send")
        .await
        .click()
        .await
        .expect("clicked");
    let sent = fake.wait_for_sent(1, UI_WAIT).await;
    assert_eq!(sent[0].kind, "template");
    assert_eq!(
        sent[0].body["template"]["components"][0]["parameters"][1]["text"],
        "#4521"
    );
}
