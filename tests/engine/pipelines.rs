//! CONTRACT.md "CRM", pipelines: one funnel, the funnel editor (rename,
//! reorder, add, remove stages; `stage_not_empty` while a stage holds deals)
//! and deleting a funnel (`pipeline_in_use`), admins only.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::crm::{Deal, Pipeline};
use shared::api::users::Role;
use shared::api::Channel;
use tidings_tests::{body, expect_error, on_both_backends, Backend, TestApp};

use crate::support::chat;

async fn the_editor_renames_reorders_adds_and_removes_stages(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (_, employee) = app.login_as("Emma", Role::Employee).await;
    let (_, follower) = app.login_as("Fiona", Role::Follower).await;
    let created: Pipeline = body(
        admin
            .post(
                "/api/v1/pipelines",
                &json!({"name": "Wholesale", "stages": ["Lead", "Offer", "Won"]}),
            )
            .await,
    )
    .await;
    let path = format!("/api/v1/pipelines/{}", created.id);
    let read: Pipeline = body(employee.get(&path).await).await;
    assert_eq!(read, created);
    let [lead, offer, _won] = [0, 1, 2].map(|i| created.stages[i].id);

    let change = json!({"name": "Wholesale EU", "stages": [
        {"id": offer, "name": "Proposal"}, {"id": lead, "name": "Lead"}, {"name": "Negotiation"}
    ]});
    for client in [&employee, &follower] {
        expect_error(client.patch(&path, &change).await, StatusCode::FORBIDDEN).await;
    }
    let edited: Pipeline = body(admin.patch(&path, &change).await).await;
    assert_eq!(edited.name, "Wholesale EU");
    let names: Vec<&str> = edited.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Proposal", "Lead", "Negotiation"]);
    assert_eq!(
        (edited.stages[0].id, edited.stages[1].id),
        (offer, lead),
        "kept stages keep their ids"
    );
    // Left out: removed (SQLite may give the new stage the freed id).
    assert!(
        edited.stages.iter().all(|s| s.name != "Won") && edited.stages.len() == 3,
        "{edited:?}"
    );
    let listed: shared::api::Items<Pipeline> = body(admin.get("/api/v1/pipelines").await).await;
    assert!(listed.items.contains(&edited));

    // Only the name: the stages stay.
    let renamed: Pipeline = body(admin.patch(&path, &json!({"name": "B2B"})).await).await;
    assert_eq!(renamed.stages, edited.stages);

    // Bad input: 422 and nothing changes.
    let other_stage = listed.items[0].stages[0].id;
    for bad in [
        json!({"name": "  "}),
        json!({"stages": []}),
        json!({"stages": [{"name": " "}]}),
        json!({"stages": [{"id": other_stage, "name": "Stolen"}]}),
        json!({"stages": [{"id": lead, "name": "A"}, {"id": lead, "name": "B"}]}),
    ] {
        let response = admin.patch(&path, &bad).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let after: Pipeline = body(admin.get(&path).await).await;
    assert_eq!(after, renamed);
    expect_error(
        admin.get("/api/v1/pipelines/999999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn a_stage_with_deals_stays_and_a_used_funnel_cannot_go(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carla", "hi").await;
    let detail = chat(&admin, chat_id).await;
    let deal: Deal = body(
        admin
            .get(&format!("/api/v1/deals/{}", detail["deals"][0]["id"]))
            .await,
    )
    .await;
    let path = format!("/api/v1/pipelines/{}", deal.pipeline_id);
    let funnel: Pipeline = body(admin.get(&path).await).await;
    let others: Vec<Value> = funnel
        .stages
        .iter()
        .filter(|s| s.id != deal.stage_id)
        .map(|s| json!({"id": s.id, "name": s.name}))
        .collect();
    let response = admin.patch(&path, &json!({"stages": others})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error: Value = body(response).await;
    assert_eq!(error["error"]["code"], "stage_not_empty", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&deal.stage_name) && m.contains("move")),
        "{error}"
    );
    let unchanged: Pipeline = body(admin.get(&path).await).await;
    assert_eq!(unchanged, funnel);

    // Moved first, the stage can go.
    let next = others[0]["id"].clone();
    let moved = admin
        .patch(
            &format!("/api/v1/deals/{}", deal.id),
            &json!({"stage_id": next}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let trimmed: Pipeline = body(admin.patch(&path, &json!({"stages": others})).await).await;
    assert_eq!(trimmed.stages.len(), funnel.stages.len() - 1);

    // The default funnel has deals and feeds the integration: it stays.
    let response = admin.delete(&path).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error: Value = body(response).await;
    assert_eq!(error["error"]["code"], "pipeline_in_use", "{error}");

    // A funnel an integration uses stays; once it points elsewhere, it goes.
    let spare: Pipeline = body(
        admin
            .post(
                "/api/v1/pipelines",
                &json!({"name": "Spare", "stages": ["One"]}),
            )
            .await,
    )
    .await;
    let spare_path = format!("/api/v1/pipelines/{}", spare.id);
    let integration_path = format!("/api/v1/integrations/{}", bot.id);
    let pointed = admin
        .patch(&integration_path, &json!({"pipeline_id": spare.id}))
        .await;
    assert_eq!(pointed.status(), StatusCode::OK);
    let response = admin.delete(&spare_path).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error: Value = body(response).await;
    assert_eq!(error["error"]["code"], "pipeline_in_use", "{error}");
    let back = admin
        .patch(&integration_path, &json!({"pipeline_id": deal.pipeline_id}))
        .await;
    assert_eq!(back.status(), StatusCode::OK);
    let (_, employee) = app.login_as("Emma", Role::Employee).await;
    expect_error(employee.delete(&spare_path).await, StatusCode::FORBIDDEN).await;
    let gone = admin.delete(&spare_path).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    expect_error(admin.get(&spare_path).await, StatusCode::NOT_FOUND).await;
}

on_both_backends!(
    the_editor_renames_reorders_adds_and_removes_stages,
    a_stage_with_deals_stays_and_a_used_funnel_cannot_go,
);
