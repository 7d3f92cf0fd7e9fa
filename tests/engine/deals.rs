//! CONTRACT.md "CRM", deals: the full Deal, the list with its filters and
//! pages, one `deal_changed` event per changing PATCH (live), bad values
//! (422 naming the field, nothing changes), followers read-only, the board's
//! figures, concurrent edits.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::crm::{Board, Deal, DealStatus, Pipeline};
use shared::api::timeline::TimelineEvent;
use shared::api::users::Role;
use shared::api::{Channel, Page};
use shared::ws::ServerMsg;
use shared::Id;
use tidings_tests::live::LiveClient;
use tidings_tests::{body, expect_error, on_both_backends, ApiClient, Backend, TestApp};

use crate::support::{chat, events};

async fn first_deal(client: &ApiClient, chat_id: Id) -> Deal {
    let detail = chat(client, chat_id).await;
    let id = detail["deals"][0]["id"].as_i64().expect("the chat's deal");
    body(client.get(&format!("/api/v1/deals/{id}")).await).await
}

async fn pipelines(client: &ApiClient) -> Vec<Pipeline> {
    body::<shared::api::Items<Pipeline>>(client.get("/api/v1/pipelines").await)
        .await
        .items
}

async fn patch(client: &ApiClient, id: Id, change: Value) -> reqwest::Response {
    client.patch(&format!("/api/v1/deals/{id}"), &change).await
}

async fn deal_changes(client: &ApiClient, chat_id: Id) -> Vec<Value> {
    events(client, chat_id)
        .await
        .into_iter()
        .filter(|(name, _)| name == "deal_changed")
        .map(|(_, data)| data)
        .collect()
}

async fn a_patch_changes_every_field_and_logs_one_event(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (emma, client) = app.login_as("Emma", Role::Employee).await;
    let (sam, _) = app.login_as("Sam", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Carla", "hi").await;

    let deal = first_deal(&client, chat_id).await;
    assert_eq!(deal.status, DealStatus::Open);
    assert_eq!(deal.chat_id, Some(chat_id));
    assert_eq!(deal.contact_name.as_deref(), Some("Carla"));
    assert_eq!(
        (deal.amount, deal.currency.clone(), deal.responsible_id),
        (None, None, None)
    );
    assert!(deal.closed_at.is_none() && !deal.updated_at.is_empty());
    let raw: Value = body(client.get(&format!("/api/v1/deals/{}", deal.id)).await).await;
    for field in [
        "id",
        "title",
        "pipeline_id",
        "stage_id",
        "stage_name",
        "contact_id",
        "chat_id",
        "amount",
        "currency",
        "status",
        "responsible_id",
        "created_at",
        "updated_at",
        "closed_at",
    ] {
        assert!(raw.get(field).is_some(), "{field} in {raw}");
    }

    let stages = &pipelines(&client).await[0].stages;
    let response = patch(
        &client,
        deal.id,
        json!({"title": " Big order ", "stage_id": stages[1].id, "amount": 1500.5,
               "currency": "eur", "responsible_id": sam.id}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Deal = body(response).await;
    assert_eq!(changed.title, "Big order");
    assert_eq!(changed.stage_id, stages[1].id);
    assert_eq!(changed.stage_name, stages[1].name);
    assert_eq!(changed.amount, Some(1500.5));
    assert_eq!(changed.currency.as_deref(), Some("EUR"));
    assert_eq!(changed.responsible_id, Some(sam.id));
    assert!(changed.updated_at >= deal.updated_at);

    let logged = deal_changes(&client, chat_id).await;
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(
        logged[0],
        json!({"deal_id": deal.id, "changes": {
            "title": [deal.title, "Big order"],
            "stage_id": [stages[0].id, stages[1].id],
            "amount": [null, 1500.5],
            "currency": [null, "EUR"],
            "responsible_id": [null, sam.id],
        }})
    );
    let item = crate::support::timeline(&client, chat_id)
        .await
        .into_iter()
        .rev()
        .find(|item| {
            item.event()
                .is_some_and(|e| matches!(e.event, TimelineEvent::DealChanged(_)))
        })
        .expect("the event");
    assert_eq!(item.event().and_then(|e| e.actor_id), Some(emma.id));

    // The same values again change nothing and log nothing.
    let same = patch(
        &client,
        deal.id,
        json!({"title": "Big order", "amount": 1500.5, "currency": "EUR"}),
    )
    .await;
    assert_eq!(same.status(), StatusCode::OK);
    assert_eq!(deal_changes(&client, chat_id).await.len(), 1);

    // Won with a note: closed_at is stamped; reopened: cleared with the note.
    let won: Deal = body(
        patch(
            &client,
            deal.id,
            json!({"status": "won", "close_note": "Paid upfront"}),
        )
        .await,
    )
    .await;
    assert_eq!(won.status, DealStatus::Won);
    assert_eq!(won.close_note.as_deref(), Some("Paid upfront"));
    assert!(won.closed_at.is_some());
    let reopened: Deal = body(patch(&client, deal.id, json!({"status": "open"})).await).await;
    assert_eq!(reopened.status, DealStatus::Open);
    assert_eq!((reopened.closed_at, reopened.close_note), (None, None));

    // null clears amount, currency and responsible.
    let cleared: Deal = body(
        patch(
            &client,
            deal.id,
            json!({"amount": null, "currency": null, "responsible_id": null}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (cleared.amount, cleared.currency, cleared.responsible_id),
        (None, None, None)
    );
    let logged = deal_changes(&client, chat_id).await;
    assert_eq!(logged.len(), 4, "{logged:?}");
    assert_eq!(
        logged[1]["changes"]["status"],
        json!(["open", "won"]),
        "{logged:?}"
    );
    assert_eq!(
        logged[3]["changes"]["responsible_id"],
        json!([sam.id, null])
    );
}

async fn bad_values_are_refused_naming_the_field(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (fiona, _) = app.login_as("Fiona", Role::Follower).await;
    let bot = app.integration(Channel::Viber, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Dora", "hello").await;
    let deal = first_deal(&admin, chat_id).await;
    let other: Pipeline = body(
        admin
            .post(
                "/api/v1/pipelines",
                &json!({"name": "Wholesale", "stages": ["Lead", "Won"]}),
            )
            .await,
    )
    .await;

    let cases = [
        (
            json!({"stage_id": other.stages[0].id}),
            "stage_id",
            "invalid",
        ),
        (json!({"stage_id": 999_999}), "stage_id", "invalid"),
        (json!({"amount": -5}), "amount", "invalid"),
        (json!({"amount": "lots"}), "amount", "invalid"),
        (json!({"currency": "XYZ"}), "currency", "invalid"),
        (json!({"currency": 978}), "currency", "invalid"),
        (json!({"title": "   "}), "title", "invalid"),
        (json!({"status": "maybe"}), "status", "invalid"),
        (json!({"responsible_id": 999_999}), "999999", "invalid"),
        (
            json!({"responsible_id": fiona.id}),
            "Fiona",
            "not_assignable",
        ),
    ];
    for (change, names, code) in cases {
        let response = patch(&admin, deal.id, change.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{change}"
        );
        let error: Value = body(response).await;
        assert_eq!(error["error"]["code"], code, "{change}: {error}");
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(names), "{change}: {message}");
    }
    let after: Deal = body(admin.get(&format!("/api/v1/deals/{}", deal.id)).await).await;
    assert_eq!(after, deal, "nothing changed");
    assert!(deal_changes(&admin, chat_id).await.is_empty());

    // An unknown deal is a 404; a bad page or filter a 422.
    let missing = patch(&admin, 999_999, json!({"title": "x"})).await;
    expect_error(missing, StatusCode::NOT_FOUND).await;
    for query in ["cursor=abc", "limit=0", "status=maybe"] {
        let response = admin.get(&format!("/api/v1/deals?{query}")).await;
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
}

async fn the_list_filters_and_pages(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (sam, _) = app.login_as("Sam", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let carla = app.new_chat(&bot, "Carla Ruiz", "hi").await;
    let dora = app.new_chat(&bot, "Dora Diaz", "hi").await;
    for title in ["Second order", "Spare parts"] {
        let response = admin
            .post(
                &format!("/api/v1/chats/{carla}/deals"),
                &json!({"title": title}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let stages = pipelines(&admin).await[0].stages.clone();
    let dora_deal = first_deal(&admin, dora).await;
    let moved = patch(
        &admin,
        dora_deal.id,
        json!({"stage_id": stages[1].id, "status": "won", "responsible_id": sam.id}),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::OK);

    let list = |query: &str| {
        let admin = &admin;
        let path = format!("/api/v1/deals?{query}");
        async move {
            let page: Page<Deal> = body(admin.get(&path).await).await;
            page
        }
    };
    let all = list("").await;
    assert_eq!(all.items.len(), 4);
    assert!(all.next_cursor.is_none());
    assert!(
        all.items.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let titles =
        |page: &Page<Deal>| -> Vec<String> { page.items.iter().map(|d| d.title.clone()).collect() };
    assert_eq!(
        list(&format!("stage_id={}", stages[1].id)).await.items[0].id,
        dora_deal.id
    );
    assert_eq!(list("status=won").await.items.len(), 1);
    assert_eq!(list("status=open").await.items.len(), 3);
    assert_eq!(
        list(&format!("responsible_id={}", sam.id)).await.items[0].id,
        dora_deal.id
    );
    let carla_contact = chat(&admin, carla).await["contact_id"].clone();
    assert_eq!(
        list(&format!("contact_id={carla_contact}"))
            .await
            .items
            .len(),
        3
    );
    assert_eq!(
        titles(&list("q=SPARE").await),
        ["Spare parts"],
        "title, any case"
    );
    assert_eq!(
        list("q=dora").await.items[0].id,
        dora_deal.id,
        "the contact's name"
    );
    assert!(list("q=50%25").await.items.is_empty(), "% is no wildcard");
    let pipeline_id = stages[0].id; // any id that is not a pipeline with deals
    assert!(list(&format!("pipeline_id={}", pipeline_id + 1000))
        .await
        .items
        .is_empty());

    // Pages of two, following next_cursor, cover everything once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=2&cursor={c}"),
            None => "limit=2".to_owned(),
        };
        let page = list(&query).await;
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|d| d.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut want: Vec<Id> = all.items.iter().map(|d| d.id).collect();
    want.sort_unstable();
    seen.sort_unstable();
    assert_eq!(seen, want);
}

async fn followers_read_deals_of_followed_chats_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (fiona, follower) = app.login_as("Fiona", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let followed = app.new_chat(&bot, "Xena", "hi").await;
    let other = app.new_chat(&bot, "Yuri", "hi").await;
    let response = admin
        .put(
            &format!("/api/v1/chats/{followed}/followers"),
            &json!({"user_ids": [fiona.id]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let x = first_deal(&admin, followed).await;
    let y = first_deal(&admin, other).await;

    let listed: Page<Deal> = body(follower.get("/api/v1/deals").await).await;
    assert_eq!(
        listed.items.iter().map(|d| d.id).collect::<Vec<_>>(),
        [x.id]
    );
    let q: Page<Deal> = body(follower.get("/api/v1/deals?q=Yuri").await).await;
    assert!(q.items.is_empty());
    let seen: Deal = body(follower.get(&format!("/api/v1/deals/{}", x.id)).await).await;
    assert_eq!(seen, x);
    expect_error(
        follower.get(&format!("/api/v1/deals/{}", y.id)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        patch(&follower, x.id, json!({"amount": 10})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        patch(&follower, y.id, json!({"amount": 10})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let pipeline_id = x.pipeline_id;
    let board: Board = body(
        follower
            .get(&format!("/api/v1/pipelines/{pipeline_id}/board"))
            .await,
    )
    .await;
    assert_eq!(board.stages.iter().map(|s| s.count).sum::<i64>(), 1);
    let unchanged: Deal = body(admin.get(&format!("/api/v1/deals/{}", x.id)).await).await;
    assert_eq!(unchanged, x);
    assert!(deal_changes(&admin, followed).await.is_empty());
}

async fn a_change_is_live_for_whoever_sees_the_chat(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (_, employee) = app.login_as("Emma", Role::Employee).await;
    let (fiona, follower) = app.login_as("Fiona", Role::Follower).await;
    let (_, stranger) = app.login_as("Boris", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Xena", "hi").await;
    let response = admin
        .put(
            &format!("/api/v1/chats/{chat_id}/followers"),
            &json!({"user_ids": [fiona.id]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let deal = first_deal(&admin, chat_id).await;

    let mut emma_live = LiveClient::connect(&app, &employee).await;
    let mut fiona_live = LiveClient::connect(&app, &follower).await;
    let mut boris_live = LiveClient::connect(&app, &stranger).await;
    let response = patch(&admin, deal.id, json!({"amount": 99.5, "currency": "USD"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    for live in [&mut emma_live, &mut fiona_live] {
        // The timeline event first, then the deal as it is now.
        live.wait_for(|m| {
            matches!(m, ServerMsg::ItemAdded { item } if item.event().is_some_and(
                |e| matches!(e.event, TimelineEvent::DealChanged(_))))
        })
        .await;
        let frame = live
            .wait_for(|m| matches!(m, ServerMsg::DealUpdated { deal: d } if d.id == deal.id))
            .await;
        let ServerMsg::DealUpdated { deal: sent } = frame.msg else {
            unreachable!("matched above")
        };
        assert_eq!(
            (sent.amount, sent.currency.as_deref()),
            (Some(99.5), Some("USD"))
        );
    }
    let leaked = boris_live.drain(Duration::from_millis(500)).await;
    assert!(
        leaked.iter().all(|f| !matches!(
            f.msg,
            ServerMsg::DealUpdated { .. } | ServerMsg::ItemAdded { .. }
        )),
        "{leaked:?}"
    );
}

async fn the_board_counts_and_sums_each_stage(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (sam, _) = app.login_as("Sam", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let pipeline = pipelines(&admin).await.remove(0);
    let mut deals = Vec::new();
    for name in ["Ann", "Bob", "Cid"] {
        let chat_id = app.new_chat(&bot, name, "hi").await;
        deals.push(first_deal(&admin, chat_id).await);
    }
    for (deal, change) in deals.iter().zip([
        json!({"amount": 100, "currency": "EUR"}),
        json!({"amount": 50.5, "currency": "EUR", "responsible_id": sam.id}),
        json!({"amount": 7, "currency": "USD", "stage_id": pipeline.stages[1].id, "status": "lost"}),
    ]) {
        assert_eq!(patch(&admin, deal.id, change).await.status(), StatusCode::OK);
    }
    let board = |query: &'static str| {
        let admin = &admin;
        let path = format!("/api/v1/pipelines/{}/board?{query}", pipeline.id);
        async move { body::<Board>(admin.get(&path).await).await }
    };
    let all = board("").await;
    assert_eq!(
        all.stages.iter().map(|s| s.stage_id).collect::<Vec<_>>(),
        pipeline.stages.iter().map(|s| s.id).collect::<Vec<_>>(),
        "every stage, in order"
    );
    assert_eq!(all.stages[0].count, 2);
    assert_eq!(all.stages[0].totals.len(), 1);
    assert_eq!(all.stages[0].totals[0].currency.as_deref(), Some("EUR"));
    assert_eq!(all.stages[0].totals[0].amount, 150.5);
    assert_eq!(all.stages[1].count, 1);
    assert_eq!(all.stages[1].totals[0].amount, 7.0);
    let open = board("status=open").await;
    assert_eq!(open.stages[1].count, 0);
    let sams = format!("responsible_id={}", sam.id);
    let path = format!("/api/v1/pipelines/{}/board?{sams}", pipeline.id);
    let only_sam: Board = body(admin.get(&path).await).await;
    assert_eq!(only_sam.stages[0].count, 1);
    assert_eq!(only_sam.stages[0].totals[0].amount, 50.5);
    expect_error(
        admin.get("/api/v1/pipelines/999999/board").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn concurrent_edits_both_land_in_the_timeline(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (_, employee) = app.login_as("Emma", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Xena", "hi").await;
    let deal = first_deal(&admin, chat_id).await;
    let (a, b) = tokio::join!(
        patch(&admin, deal.id, json!({"amount": 10})),
        patch(&employee, deal.id, json!({"amount": 20})),
    );
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let logged = deal_changes(&admin, chat_id).await;
    assert_eq!(logged.len(), 2, "{logged:?}");
    let last = logged[1]["changes"]["amount"][1].as_f64();
    let now: Deal = body(admin.get(&format!("/api/v1/deals/{}", deal.id)).await).await;
    assert_eq!(now.amount, last, "the last write wins");
    assert_eq!(
        logged[1]["changes"]["amount"][0], logged[0]["changes"]["amount"][1],
        "the second saw the first"
    );
}

on_both_backends!(
    a_patch_changes_every_field_and_logs_one_event,
    bad_values_are_refused_naming_the_field,
    the_list_filters_and_pages,
    followers_read_deals_of_followed_chats_only,
    a_change_is_live_for_whoever_sees_the_chat,
    the_board_counts_and_sums_each_stage,
    concurrent_edits_both_land_in_the_timeline,
);
