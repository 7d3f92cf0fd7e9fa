//! Contacts and tasks in the web app: a manager finds a contact by search,
//! edits its company, and merges the duplicate the page suggests after seeing
//! what moves; a manager ticks a task done in "My tasks".

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::crm::{Contact, Task};
use shared::api::users::Role;
use shared::api::{Channel, Page};
use tidings_tests::browser::Browser;
use tidings_tests::{
    body, eventually, ApiClient, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD,
};

use super::base;

async fn contact_named(admin: &ApiClient, name: &str) -> Contact {
    let page: Page<Contact> = body(admin.get("/api/v1/contacts?limit=100").await).await;
    page.items
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("a contact named {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_is_found_edited_and_merged_with_its_duplicate() {
    let app = TestApp::start(Backend::Sqlite).await;
    let telegram = app.integration(Channel::Telegram, &[], None, None).await;
    let viber = app.integration(Channel::Viber, &[], None, None).await;
    app.new_chat(&telegram, "Lena Telegram", "hello").await;
    app.new_chat(&viber, "Lena Viber", "hello again").await;
    app.new_chat(&telegram, "Someone Else", "hi").await;
    let admin = app.admin().await;
    let kept = contact_named(&admin, "Lena Telegram").await;
    let other = contact_named(&admin, "Lena Viber").await;
    for (id, phone) in [(kept.id, "+34 600 11 22 33"), (other.id, "34600112233")] {
        let response = admin
            .patch(&format!("/api/v1/contacts/{id}"), &json!({"phone": phone}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .test_id("nav-contacts")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .find("input[aria-label=\"Search by name, phone, e-mail or company\"]")
        .await
        .send_keys("lena tel")
        .await
        .expect("typed");
    eventually("the search to leave one contact", || async {
        let rows = browser
            .client
            .find_all(fantoccini::Locator::Css("[data-test=\"contact-row\"]"))
            .await
            .ok()?;
        (rows.len() == 1).then_some(())
    })
    .await;
    browser
        .wait_any_text("[data-test=\"contact-link\"]", |t| t == "Lena Telegram")
        .await
        .click()
        .await
        .expect("opened");

    // The form is filled once the contact is loaded: type after that.
    browser
        .wait_text("[data-test=\"contact-title\"]", |t| t == "Lena Telegram")
        .await;
    let company = browser.test_id("contact-company-input").await;
    company.send_keys("Acme Chairs").await.expect("typed");
    browser
        .test_id("contact-save")
        .await
        .click()
        .await
        .expect("saved");
    eventually("the company to be saved", || async {
        let now: Contact = body(admin.get(&format!("/api/v1/contacts/{}", kept.id)).await).await;
        (now.company.as_deref() == Some("Acme Chairs")).then_some(())
    })
    .await;

    // The duplicate is suggested; "Merge" shows what moves before anything does.
    browser
        .wait_any_text("[data-test=\"duplicate\"]", |t| t.contains("Lena Viber"))
        .await;
    browser
        .test_id("merge")
        .await
        .click()
        .await
        .expect("clicked");
    browser
        .wait_text("[data-test=\"merge-preview\"]", |t| {
            t.contains("1 identities, 1 chats and 1 deals")
        })
        .await;
    let still: Value = body(admin.get(&format!("/api/v1/contacts/{}", other.id)).await).await;
    assert_eq!(
        still["id"],
        json!(other.id),
        "nothing moved before confirming"
    );
    browser
        .test_id("merge-confirm")
        .await
        .click()
        .await
        .expect("confirmed");
    eventually("the duplicate to be merged", || async {
        let gone = admin.get(&format!("/api/v1/contacts/{}", other.id)).await;
        (gone.status() == StatusCode::NOT_FOUND).then_some(())
    })
    .await;
    let merged: Contact = body(admin.get(&format!("/api/v1/contacts/{}", kept.id)).await).await;
    assert_eq!(merged.chat_ids.len(), 2);
    assert_eq!(merged.identities.len(), 2);
    browser
        .wait_any_text("[data-test=\"contact-chat\"]", |t| {
            t.contains(&merged.chat_ids[1].to_string())
        })
        .await;
    browser
        .wait_text("[data-test=\"contact-notice\"]", |t| {
            t == "Contacts merged."
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_is_ticked_done_in_my_tasks() {
    let app = TestApp::start(Backend::Sqlite).await;
    let mia = app.create_user("Mia Manager", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carla Buyer", "call me").await;
    let admin = app.admin().await;
    let mut tasks = Vec::new();
    for (title, due) in [
        ("Call Carla back", "2020-01-01T10:00:00Z"),
        ("Send the offer", "2099-01-01T10:00:00Z"),
    ] {
        let task: Task = body(admin.post("/api/v1/tasks", &json!({"title": title})).await).await;
        let response = admin
            .patch(
                &format!("/api/v1/tasks/{}", task.id),
                &json!({"assignee_id": mia.id, "due_at": due}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        tasks.push(task);
    }
    let linked = admin
        .post(
            &format!("/api/v1/chats/{chat_id}/links"),
            &json!({"kind": "task", "id": tasks[0].id}),
        )
        .await;
    assert!(linked.status().is_success());

    let browser = Browser::start().await;
    browser.sign_in(&base(&app), &mia.email, PASSWORD).await;
    browser
        .test_id("nav-tasks")
        .await
        .click()
        .await
        .expect("clicked");
    // Overdue first, marked as such, with a link to its chat.
    browser
        .wait_text("[data-test=\"task\"] [data-test=\"task-title\"]", |t| {
            t == "Call Carla back"
        })
        .await;
    browser
        .wait_text("[data-test=\"task\"] [data-test=\"task-overdue\"]", |t| {
            t == "Overdue"
        })
        .await;
    browser
        .wait_text("[data-test=\"task\"] [data-test=\"task-chat\"]", |t| {
            t.contains(&chat_id.to_string())
        })
        .await;
    browser
        .find("input[aria-label=\"Mark “Call Carla back” done\"]")
        .await
        .click()
        .await
        .expect("ticked");
    eventually("the task to be done", || async {
        let page: Page<Task> = body(admin.get("/api/v1/tasks?done=true").await).await;
        page.items.iter().any(|t| t.id == tasks[0].id).then_some(())
    })
    .await;
    let timeline: Value = body(
        admin
            .get(&format!("/api/v1/chats/{chat_id}/timeline?limit=100"))
            .await,
    )
    .await;
    assert!(
        timeline.to_string().contains("task_changed"),
        "the chat's timeline tells"
    );
}
