//! Routing in the web app: an admin sets a manager's capacity and an
//! integration's "online only" rule and business hours; a chat that arrives
//! while the manager is offline waits in Unassigned, and goes to them the
//! moment they come online.

use shared::api::integrations::Integration as IntegrationDto;
use shared::api::users::{Role, User};
use shared::api::Channel;
use tidings_tests::browser::Browser;
use tidings_tests::live::LiveClient;
use tidings_tests::{body, eventually, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::{base, row};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_chat_goes_to_the_manager_who_comes_online() {
    let app = TestApp::start(Backend::Sqlite).await;
    let admin = app.admin().await;
    let (anna, anna_client) = app.login_as("Anna", Role::Employee).await;
    let bot = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;

    // Capacity, in Settings → Users.
    browser
        .goto(&format!("{}/settings/users", base(&app)))
        .await;
    let cap = browser
        .find(&format!(
            "[data-test=\"user-row\"][data-user-id=\"{}\"] [data-test=\"user-max-open-chats\"]",
            anna.id
        ))
        .await;
    cap.send_keys("5\t").await.expect("typed");
    eventually("Anna's cap to be stored", || async {
        let users: shared::api::Items<User> = body(admin.get("/api/v1/users").await).await;
        users
            .items
            .iter()
            .any(|u| u.id == anna.id && u.max_open_chats == Some(5))
            .then_some(())
    })
    .await;

    // "Online only" and business hours, in the integration's form.
    browser
        .goto(&format!("{}/settings/integrations/{}", base(&app), bot.id))
        .await;
    browser
        .wait_any_text("label", |t| t == "Assign only to managers who are online")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_any_text("label", |t| t == "Business hours")
        .await
        .click()
        .await
        .expect("clicked");
    let zone = browser.test_id("hours-timezone").await;
    zone.clear().await.expect("cleared");
    zone.send_keys("Europe/Madrid").await.expect("typed");
    let saturday = browser.test_id("hours-sat").await;
    saturday.send_keys("10:00-14:00").await.expect("typed");
    browser
        .test_id("integration-save")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_text("[data-test=\"integration-saved\"]", |t| !t.is_empty())
        .await;
    let stored: IntegrationDto =
        body(admin.get(&format!("/api/v1/integrations/{}", bot.id)).await).await;
    assert!(stored.assign_only_online);
    let hours = stored.business_hours.expect("business hours are stored");
    assert_eq!(hours.timezone, "Europe/Madrid");
    assert_eq!(
        hours.days["mon"],
        vec![["09:00".to_owned(), "18:00".to_owned()]]
    );
    assert_eq!(
        hours.days["sat"],
        vec![["10:00".to_owned(), "14:00".to_owned()]]
    );
    assert!(!hours.days.contains_key("sun"), "an empty day is closed");
    browser
        .wait_text("[data-test=\"queue-eligibility\"]", |t| {
            t.contains("offline")
        })
        .await;

    // Anna is offline: the new chat waits in Unassigned.
    let chat_id = app.new_chat(&bot, "Carl Customer", "anyone there?").await;
    browser.goto(&base(&app)).await;
    browser.wait_live().await;
    browser
        .test_id("group-unassigned")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_text("[data-test=\"group-waiting-unassigned\"]", |t| {
            t == "1 waiting"
        })
        .await;
    browser
        .wait_text(
            &format!("{} [data-test=\"chat-row-waiting\"]", row(chat_id)),
            |t| t.starts_with("waiting"),
        )
        .await;

    // Anna opens the app: the chat is hers, and it leaves Unassigned.
    let _anna_online = LiveClient::connect(&app, &anna_client).await;
    eventually("the chat to leave Unassigned", || async {
        (!browser.exists(&row(chat_id)).await).then_some(())
    })
    .await;
    browser
        .test_id("group-others")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_text(
            &format!("{} [data-test=\"chat-row-assignee\"]", row(chat_id)),
            |t| t == "Anna",
        )
        .await;
}
