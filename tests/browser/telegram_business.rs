//! Telegram Business in the web app: an admin opens a Telegram integration's
//! settings, sees the account owners who connected its bot with their state
//! and rights, and links one to a Tidings user; a chat of that account is
//! marked as the owner's business chat, and one the owner began from their
//! phone waits for the customer before the bot may answer.

use serde_json::json;
use shared::api::integrations::{BusinessConnection, Integration};
use shared::api::users::Role;
use shared::api::Items;
use tidings_tests::browser::Browser;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::inbox::{create_integration, wait_for_chats};
use tidings_tests::{body, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::base;

const TOKEN: &str = "7000000001:AAF7-g0gYncWnm5IyfZlpPRqRRv6kNAGlao";
const CONNECTION: &str = "bc-Olga-1";
const OWNER: i64 = 555_000_111;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_links_a_business_connection_to_a_user_and_sees_it_linked() {
    let fake = FakeTelegram::start().await;
    fake.add_bot(TOKEN, "acme_support_bot");
    let api = fake.url().parse().expect("a URL");
    let app = TestApp::start_with_fakes(Backend::Sqlite, Some(api), None, None).await;
    let admin = app.admin().await;
    let olga = app.create_user("Olga Owner", Role::Employee).await;
    let bot: Integration = create_integration(
        &admin,
        json!({"kind": "telegram", "name": "Acme Support", "token": TOKEN, "delivery": "webhook"}),
    )
    .await;
    let connected =
        FakeTelegram::business_connection_update(1, CONNECTION, OWNER, "Olga", true, true);
    assert_eq!(fake.deliver(TOKEN, &connected).await, 200);
    app.wait_until_applied().await;

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/settings/integrations/{}", base(&app), bot.id))
        .await;
    let section = browser
        .wait_text("[data-test=\"business-connections\"]", |t| {
            t.contains("Business connections") && t.contains("Olga")
        })
        .await;
    assert!(section.contains("Enabled"), "{section}");
    assert!(section.contains("Can reply"), "{section}");
    assert!(section.contains("Not linked"), "{section}");
    browser
        .test_id("business-connection-user")
        .await
        .select_by_value(&olga.id.to_string())
        .await
        .expect("selected");
    browser
        .find(&format!(
            "[data-test=\"business-connection\"][data-linked=\"{}\"]",
            olga.id
        ))
        .await;
    let listed: Items<BusinessConnection> = body(
        admin
            .get(&format!(
                "/api/v1/integrations/{}/business-connections",
                bot.id
            ))
            .await,
    )
    .await;
    assert_eq!(listed.items[0].user_id, Some(olga.id));

    // A reload shows the link as stored.
    browser
        .goto(&format!("{}/settings/integrations/{}", base(&app), bot.id))
        .await;
    browser
        .find(&format!(
            "[data-test=\"business-connection\"][data-linked=\"{}\"]",
            olga.id
        ))
        .await;
    browser.screenshot("business-connections").await;

    // A customer of the account writes: the chat is marked as Olga's business chat.
    let update = FakeTelegram::business_text_update(2, CONNECTION, 123_456_789, "Anna", "Hi!");
    assert_eq!(fake.deliver(TOKEN, &update).await, 200);
    let chat = wait_for_chats(&admin, 1).await.remove(0);
    browser
        .goto(&format!("{}/chats/{}", base(&app), chat.id))
        .await;
    browser
        .wait_text("[data-test=\"business-mark\"]", |t| {
            t.contains("Telegram Business") && t.contains("Olga")
        })
        .await;

    // Olga writes first, from her phone, to someone who never wrote: a chat
    // of hers with her message, waiting for the customer before the bot may
    // answer.
    let first = FakeTelegram::business_owner_text_update(
        3,
        900,
        CONNECTION,
        OWNER,
        987_654_321,
        "Boris",
        "Hi Boris, your order is ready",
    );
    assert_eq!(fake.deliver(TOKEN, &first).await, 200);
    let chats = wait_for_chats(&admin, 2).await;
    let begun = chats
        .iter()
        .find(|c| c.id != chat.id)
        .expect("the chat Olga began");
    assert_eq!(begun.assignee_id, Some(olga.id));
    browser
        .goto(&format!("{}/chats/{}", base(&app), begun.id))
        .await;
    browser
        .wait_text("[data-test=\"timeline\"]", |t| {
            t.contains("Hi Boris, your order is ready")
        })
        .await;
    browser
        .wait_text("[data-test=\"business-window-closed\"]", |t| {
            t.contains("has not written in the last 24 hours")
        })
        .await;
}
