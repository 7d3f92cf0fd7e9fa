//! Why a reply failed, in the web app's language: a manager who reads Spanish
//! sees the reason a reply to a customer who blocked the bot failed, and why
//! the customer cannot receive messages, in Spanish, live and after a reload.

use serde_json::json;
use shared::api::Channel;
use tidings_tests::browser::Browser;
use tidings_tests::fake_telegram::{Failure, FakeTelegram};
use tidings_tests::{text_message, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::{app_with_telegram, base};

const BLOCKED_ES: &str = "el cliente bloqueó al bot";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reply_says_why_in_the_managers_language() {
    let fake = FakeTelegram::start().await;
    let app = app_with_telegram(&fake).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat = app
        .receive(&bot, text_message("Rosa Razón", "hola"))
        .await
        .chat_id
        .expect("the chat");
    let admin = app.admin().await;

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .client
        .execute("localStorage.setItem('tidings.lang', 'es')", Vec::new())
        .await
        .expect("the script runs");
    let chat_page = format!("{}/chats/{chat}", base(&app));
    browser.goto(&chat_page).await;
    browser.wait_live().await;

    fake.fail_next("sendMessage", Failure::Blocked, 1);
    let sent = admin
        .post(
            &format!("/api/v1/chats/{chat}/messages"),
            &json!({"text": "¿sigue ahí?"}),
        )
        .await;
    assert!(sent.status().is_success(), "the reply is queued");
    // Live, over the socket.
    browser
        .wait_text("[data-test=\"delivery-error\"]", |t| t == BLOCKED_ES)
        .await;
    browser
        .wait_text("[data-test=\"unreachable-reason\"]", |t| t == BLOCKED_ES)
        .await;
    // And read again over REST.
    browser.goto(&chat_page).await;
    browser
        .wait_text("[data-test=\"delivery-error\"]", |t| t == BLOCKED_ES)
        .await;
    browser
        .wait_text("[data-test=\"unreachable-reason\"]", |t| t == BLOCKED_ES)
        .await;
}
