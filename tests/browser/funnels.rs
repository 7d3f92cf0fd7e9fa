//! The funnel editor in Settings: an admin renames a stage, adds one and
//! moves it up, and the server keeps that order; removing a stage that holds
//! a deal is refused with the way out shown.

use fantoccini::elements::Element;
use fantoccini::Locator;
use shared::api::crm::Pipeline;
use shared::api::{Channel, Items};
use tidings_tests::browser::Browser;
use tidings_tests::{body, eventually, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::base;

async fn stage_inputs(browser: &Browser) -> Vec<Element> {
    browser.test_id("pipeline-editor").await;
    browser
        .client
        .find_all(Locator::Css(
            "[data-test=\"pipeline-editor\"] [data-test=\"stage-name\"]",
        ))
        .await
        .expect("the stage inputs")
}

async fn buttons(browser: &Browser, name: &str) -> Vec<Element> {
    browser
        .client
        .find_all(Locator::Css(&format!(
            "[data-test=\"pipeline-editor\"] [data-test=\"{name}\"]"
        )))
        .await
        .expect("the buttons")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_renames_adds_and_reorders_stages_and_a_full_stage_stays() {
    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    app.new_chat(&bot, "Dora Funnel", "hello").await;
    let admin = app.admin().await;
    let pipelines = || async {
        body::<Items<Pipeline>>(admin.get("/api/v1/pipelines").await)
            .await
            .items
    };
    let before = pipelines().await.remove(0);
    let names: Vec<String> = before.stages.iter().map(|s| s.name.clone()).collect();
    assert!(names.len() >= 2, "the default funnel has stages: {names:?}");

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/settings/pipelines", base(&app)))
        .await;
    let edit = format!(
        "[data-pipeline-id=\"{}\"] [data-test=\"pipeline-edit\"]",
        before.id
    );
    browser.find(&edit).await.click().await.expect("editing");

    let second = stage_inputs(&browser).await.remove(1);
    second.clear().await.expect("cleared");
    second.send_keys("Qualified\t").await.expect("renamed");
    browser
        .test_id("stage-add")
        .await
        .click()
        .await
        .expect("added");
    let added = stage_inputs(&browser).await.pop().expect("the new stage");
    added.send_keys("Negotiation\t").await.expect("named");
    let up = buttons(&browser, "stage-up")
        .await
        .pop()
        .expect("its up button");
    up.click().await.expect("moved up");
    browser
        .test_id("pipeline-save")
        .await
        .click()
        .await
        .expect("saved");

    let mut expected = names.clone();
    expected[1] = "Qualified".to_owned();
    expected.insert(expected.len() - 1, "Negotiation".to_owned());
    eventually("the new stages to be saved", || async {
        let now: Vec<String> = pipelines().await[0]
            .stages
            .iter()
            .map(|s| s.name.clone())
            .collect();
        (now == expected).then_some(())
    })
    .await;
    let after = pipelines().await.remove(0);
    assert_eq!(
        after.stages[0].id, before.stages[0].id,
        "kept stages keep their ids"
    );

    // The first stage holds Dora's deal: removing it is refused, with the way out.
    browser
        .find(&edit)
        .await
        .click()
        .await
        .expect("editing again");
    let remove = buttons(&browser, "stage-remove").await.remove(0);
    remove.click().await.expect("removed");
    browser
        .test_id("pipeline-save")
        .await
        .click()
        .await
        .expect("saved");
    browser
        .wait_any_text("[data-test=\"pipeline-editor\"] [role=\"alert\"]", |t| {
            t.contains("still holds 1 deal") && t.contains("move them")
        })
        .await;
    assert_eq!(pipelines().await[0].stages, after.stages, "nothing changed");
}
