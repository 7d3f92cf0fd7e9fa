//! Reports (CONTRACT "Reports"): exact figures for a scripted history with
//! greetings, auto-replies, comments, a reopening, a reassignment and a
//! time zone, read through the API as JSON and CSV, on both databases.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::users::Role;
use shared::api::Channel;
use shared::Id;
use tidings::domain::integration::Integration;
use tidings_tests::{body, on_both_backends, ApiClient, TestApp};

/// Moves everything an action wrote to the story's time: the timeline items
/// newer than `since` and the deals of `chat_id` created by it.
async fn dated(app: &TestApp, since: Id, at: &str) {
    use diesel::prelude::*;
    use tidings::store::schema::{deals, timeline_items};
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .expect("a valid story time")
        .naive_utc();
    app.context()
        .store
        .run(move |conn| {
            let chats: Vec<Id> = timeline_items::table
                .filter(timeline_items::id.gt(since))
                .select(timeline_items::chat_id)
                .distinct()
                .load(conn)?;
            diesel::update(timeline_items::table.filter(timeline_items::id.gt(since)))
                .set(timeline_items::at.eq(at))
                .execute(conn)?;
            // A deal made by this action (its chat's only deal, just created).
            diesel::update(
                deals::table
                    .filter(deals::chat_id.eq_any(chats))
                    .filter(deals::created_at.gt(at + chrono::TimeDelta::days(1))),
            )
            .set(deals::created_at.eq(at))
            .execute(conn)?;
            Ok(())
        })
        .await
        .expect("the story is dated");
}

async fn newest_item(app: &TestApp) -> Id {
    use diesel::prelude::*;
    use tidings::store::schema::timeline_items;
    app.context()
        .store
        .run(|conn| {
            Ok(timeline_items::table
                .select(diesel::dsl::max(timeline_items::id))
                .first::<Option<Id>>(conn)?
                .unwrap_or(0))
        })
        .await
        .expect("the timeline reads")
}

async fn ok(client: &ApiClient, path: &str, body: Value) {
    let response = client.post(path, &body).await;
    assert!(
        response.status().is_success(),
        "POST {path}: {}",
        response.status()
    );
}

struct Story {
    app: TestApp,
    bot: Integration,
    ana: Id,
    bo: Id,
    carla: Id,
    eve: Id,
}

/// The history (times UTC; the report runs in Europe/Madrid, UTC+1):
/// - Carla, new chat 11-10 09:00 → Ana (greeting + auto-reply), a comment,
///   Carla again 09:05, Ana 09:10 and 09:20, Ana closes 10:00.
/// - Dmitri, new chat 11-09 22:30 (23:30 on the 9th in Madrid, outside the
///   range) → Bo; Bo answers 23:30 (00:30 on the 10th), closes 11-10 12:00.
/// - Eve, new chat 11-11 10:00 → Ana; only the auto-messages answer.
/// - Carla writes 11-11 22:30 (23:30 in Madrid): reopened with Ana
///   (auto-reply again), given to Bo 22:40, Bo answers 22:50, closes 11-12 08:00.
async fn story(backend: tidings_tests::Backend) -> Story {
    let app = TestApp::start(backend).await;
    let ana = app.create_user("Ana", Role::Employee).await.id;
    let bo = app.create_user("Bo", Role::Employee).await.id;
    let ana_client = app.login("ana@example.com", tidings_tests::PASSWORD).await;
    let bo_client = app.login("bo@example.com", tidings_tests::PASSWORD).await;
    let admin = app.admin().await;
    let bot = app
        .integration(
            Channel::Telegram,
            &[ana, bo],
            Some("Welcome!"),
            Some("We will answer soon."),
        )
        .await;

    let since = newest_item(&app).await;
    let carla = app.new_chat(&bot, "Carla", "Hello, prices?").await;
    dated(&app, since, "2026-11-10T09:00:00Z").await;
    let chat = format!("/api/v1/chats/{carla}");
    ok(
        &ana_client,
        &format!("{chat}/comments"),
        json!({"text": "a regular"}),
    )
    .await;
    let since = newest_item(&app).await;
    app.customer_writes(&bot, "Carla", "Anyone?").await;
    dated(&app, since, "2026-11-10T09:05:00Z").await;
    let since = newest_item(&app).await;
    ok(
        &ana_client,
        &format!("{chat}/messages"),
        json!({"text": "Hi Carla"}),
    )
    .await;
    dated(&app, since, "2026-11-10T09:10:00Z").await;
    let since = newest_item(&app).await;
    ok(
        &ana_client,
        &format!("{chat}/messages"),
        json!({"text": "Sent"}),
    )
    .await;
    dated(&app, since, "2026-11-10T09:20:00Z").await;
    let since = newest_item(&app).await;
    ok(&ana_client, &format!("{chat}/close"), json!({})).await;
    dated(&app, since, "2026-11-10T10:00:00Z").await;

    let since = newest_item(&app).await;
    let dmitri = app.new_chat(&bot, "Dmitri", "Open late?").await;
    dated(&app, since, "2026-11-09T22:30:00Z").await;
    let chat = format!("/api/v1/chats/{dmitri}");
    let since = newest_item(&app).await;
    ok(
        &bo_client,
        &format!("{chat}/messages"),
        json!({"text": "Yes"}),
    )
    .await;
    dated(&app, since, "2026-11-09T23:30:00Z").await;
    let since = newest_item(&app).await;
    ok(&bo_client, &format!("{chat}/close"), json!({})).await;
    dated(&app, since, "2026-11-10T12:00:00Z").await;

    let since = newest_item(&app).await;
    let eve = app.new_chat(&bot, "Eve", "Hi").await;
    dated(&app, since, "2026-11-11T10:00:00Z").await;

    let since = newest_item(&app).await;
    app.customer_writes(&bot, "Carla", "Me again").await;
    dated(&app, since, "2026-11-11T22:30:00Z").await;
    let chat = format!("/api/v1/chats/{carla}");
    let since = newest_item(&app).await;
    ok(&admin, &format!("{chat}/assign"), json!({"user_id": bo})).await;
    dated(&app, since, "2026-11-11T22:40:00Z").await;
    let since = newest_item(&app).await;
    ok(
        &bo_client,
        &format!("{chat}/messages"),
        json!({"text": "Bo here"}),
    )
    .await;
    dated(&app, since, "2026-11-11T22:50:00Z").await;
    let since = newest_item(&app).await;
    ok(&bo_client, &format!("{chat}/close"), json!({})).await;
    dated(&app, since, "2026-11-12T08:00:00Z").await;

    Story {
        app,
        bot,
        ana,
        bo,
        carla,
        eve,
    }
}

const RANGE: &str = "from=2026-11-10&to=2026-11-11&tz=Europe/Madrid";

async fn get_json(client: &ApiClient, path: &str) -> Value {
    let response = client.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    body(response).await
}

async fn get_csv(client: &ApiClient, path: &str) -> String {
    let response = client.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(kind.starts_with("text/csv"), "{kind}");
    let bytes = response.bytes().await.expect("a body");
    assert!(
        !bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "no byte-order mark"
    );
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

async fn a_scripted_history_gives_exact_figures(backend: tidings_tests::Backend) {
    let Story {
        app,
        ana,
        bo,
        carla,
        eve,
        ..
    } = story(backend).await;
    let (_, employee) = app.login_as("Erin", Role::Employee).await;

    let overview = get_json(&employee, &format!("/api/v1/reports/overview?{RANGE}")).await;
    assert_eq!(
        overview["conversations"],
        json!({"started": 3, "reopened": 1, "closed": 2})
    );
    assert_eq!(overview["messages"], json!({"in": 4, "out": 4, "auto": 5}));
    assert_eq!(
        overview["first_response_s"],
        json!({"median": 600, "p90": 1200, "count": 2})
    );
    assert_eq!(
        overview["resolution_s"],
        json!({"median": 3600, "p90": 34200, "count": 2})
    );
    assert_eq!(overview["deals"]["created"], json!(2));
    assert_eq!(overview["deals"]["won"], json!(0));
    let days: Vec<Value> = overview["by_day"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| {
            json!([
                d["date"],
                d["started"],
                d["closed"],
                d["messages_in"],
                d["messages_out"]
            ])
        })
        .collect();
    assert_eq!(
        days,
        vec![
            json!(["2026-11-10", 1, 2, 2, 3]),
            json!(["2026-11-11", 2, 0, 2, 1])
        ]
    );

    // The same range in UTC: Dmitri's chat starts inside it, Carla's
    // reopening is on the 11th either way.
    let utc = get_json(
        &employee,
        "/api/v1/reports/overview?from=2026-11-09&to=2026-11-09",
    )
    .await;
    assert_eq!(
        utc["conversations"],
        json!({"started": 1, "reopened": 0, "closed": 0})
    );
    assert_eq!(utc["messages"], json!({"in": 1, "out": 1, "auto": 2}));
    assert_eq!(
        utc["first_response_s"],
        json!({"median": 3600, "p90": 3600, "count": 1})
    );

    let managers = get_json(&employee, &format!("/api/v1/reports/managers?{RANGE}")).await;
    let row = |id: Id| {
        managers["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|m| m["user_id"] == json!(id))
            .cloned()
            .unwrap_or_else(|| panic!("a row for {id}: {managers}"))
    };
    let ana_row = row(ana);
    assert_eq!(
        [
            &ana_row["assigned"],
            &ana_row["closed"],
            &ana_row["replies"],
            &ana_row["open_now"]
        ],
        [&json!(3), &json!(1), &json!(2), &json!(1)]
    );
    assert_eq!(
        ana_row["first_response_s"],
        json!({"median": 600, "p90": 600, "count": 1})
    );
    assert_eq!(ana_row["resolution_s"], json!({"median": 3600, "count": 1}));
    let bo_row = row(bo);
    assert_eq!(
        [
            &bo_row["assigned"],
            &bo_row["closed"],
            &bo_row["replies"],
            &bo_row["open_now"]
        ],
        [&json!(1), &json!(1), &json!(2), &json!(0)]
    );
    assert_eq!(
        bo_row["first_response_s"],
        json!({"median": 1200, "p90": 1200, "count": 1})
    );
    assert_eq!(bo_row["resolution_s"], json!({"median": 34200, "count": 1}));

    let only_bo = get_json(
        &employee,
        &format!("/api/v1/reports/overview?{RANGE}&assignee_id={bo}"),
    )
    .await;
    assert_eq!(
        only_bo["conversations"],
        json!({"started": 1, "reopened": 1, "closed": 1})
    );
    assert_eq!(only_bo["messages"], json!({"in": 1, "out": 2, "auto": 1}));

    let csv = get_csv(
        &employee,
        &format!("/api/v1/reports/conversations?{RANGE}&format=csv"),
    )
    .await;
    assert_eq!(
        csv,
        format!(
            "chat_id,integration,channel,contact,assignee,started_at,first_response_at,closed_at,messages_in,messages_out\r\n\
             {carla},telegram bot,telegram,Carla,Ana,2026-11-10T09:00:00Z,2026-11-10T09:10:00Z,2026-11-10T10:00:00Z,2,2\r\n\
             {carla},telegram bot,telegram,Carla,Bo,2026-11-11T22:30:00Z,2026-11-11T22:50:00Z,2026-11-12T08:00:00Z,1,1\r\n\
             {eve},telegram bot,telegram,Eve,Ana,2026-11-11T10:00:00Z,,,1,0\r\n"
        )
    );
    let csv = get_csv(
        &employee,
        &format!("/api/v1/reports/overview?{RANGE}&format=csv"),
    )
    .await;
    assert_eq!(
        csv,
        "conversations_started,conversations_reopened,conversations_closed,messages_in,messages_out,messages_auto,\
         first_response_s_median,first_response_s_p90,first_response_s_count,resolution_s_median,resolution_s_p90,\
         resolution_s_count,deals_created,deals_won,deals_lost,deals_won_amount\r\n\
         3,1,2,4,4,5,600,1200,2,3600,34200,2,2,0,0,0\r\n"
    );
    let csv = get_csv(
        &employee,
        &format!("/api/v1/reports/managers?{RANGE}&format=csv&assignee_id={ana}"),
    )
    .await;
    assert_eq!(
        csv,
        format!(
            "user_id,assigned,closed,replies,first_response_s_median,first_response_s_p90,first_response_s_count,\
             resolution_s_median,resolution_s_count,open_now\r\n{ana},3,1,2,600,600,1,3600,1,1\r\n"
        )
    );
}

async fn only_admins_and_employees_see_reports_and_bad_ranges_are_named(
    backend: tidings_tests::Backend,
) {
    let app = TestApp::start(backend).await;
    let (_, follower) = app.login_as("Fay", Role::Follower).await;
    let admin = app.admin().await;
    for path in ["overview", "managers", "conversations"] {
        let response = follower.get(&format!("/api/v1/reports/{path}")).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        let response = admin.get(&format!("/api/v1/reports/{path}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let overview = get_json(&admin, "/api/v1/reports/overview").await;
    assert_eq!(overview["by_day"].as_array().map(Vec::len), Some(30));
    assert_eq!(overview["first_response_s"]["median"], Value::Null);
    let cases = [
        ("from=2026-11-10&to=2026-11-01", "from"),
        ("from=2024-01-01&to=2026-01-01", "to"),
        ("tz=Mars/Olympus", "tz"),
        ("from=10/11/2026", "from"),
    ];
    for (query, param) in cases {
        let response = admin
            .get(&format!("/api/v1/reports/overview?{query}"))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}"
        );
        let error: Value = body(response).await;
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("{param}:")),
            "{query}: {error}"
        );
    }
}

/// Deals count as won or lost by the day they were closed, with the amount won.
async fn won_and_lost_deals_count_in_the_funnel(backend: tidings_tests::Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let mut deal_ids = Vec::new();
    for customer in ["Walt Won", "Lou Lost", "Otto Open"] {
        let chat_id = app.new_chat(&bot, customer, "hello").await;
        let chat: Value = body(admin.get(&format!("/api/v1/chats/{chat_id}")).await).await;
        deal_ids.push(chat["deal_ids"][0].as_i64().expect("the chat's deal"));
    }
    for (deal_id, change) in [
        (
            deal_ids[0],
            json!({"status": "won", "amount": 120.5, "currency": "EUR"}),
        ),
        (deal_ids[1], json!({"status": "lost"})),
    ] {
        let response = admin
            .patch(&format!("/api/v1/deals/{deal_id}"), &change)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{change}");
    }
    let overview = get_json(&admin, "/api/v1/reports/overview").await;
    let deals = &overview["deals"];
    assert_eq!(
        [
            &deals["created"],
            &deals["won"],
            &deals["lost"],
            &deals["won_amount"]
        ],
        [&json!(3), &json!(1), &json!(1), &json!(120.5)]
    );
}

/// The records reports keep of each chat: what a recomputation from the
/// whole timeline gives, whichever way the timeline was written or moved.
async fn assert_records_match_the_timeline(app: &TestApp) {
    let (kept, recomputed) = app
        .context()
        .store
        .run(|conn| {
            let kept = tidings::store::report_records::kept(conn)?;
            let recomputed = tidings::store::report_records::recomputed(conn)?;
            Ok((kept, recomputed))
        })
        .await
        .expect("the records read");
    assert_eq!(kept, recomputed);
}

async fn the_kept_records_are_what_the_timeline_says(backend: tidings_tests::Backend) {
    let Story { app, .. } = story(backend).await;
    let admin = app.admin().await;
    get_json(&admin, &format!("/api/v1/reports/overview?{RANGE}")).await;
    assert_records_match_the_timeline(&app).await;
}

/// Whatever happens to a chat after a close (an assignment while closed, a
/// reopening, replies, another close), the closed conversation's figures
/// stay as they were, filtered by manager or not.
async fn a_closed_conversation_keeps_its_figures(backend: tidings_tests::Backend) {
    let Story {
        app, bot, carla, ..
    } = story(backend).await;
    let cy = app.create_user("Cy", Role::Employee).await.id;
    let cy_client = app.login("cy@example.com", tidings_tests::PASSWORD).await;
    let admin = app.admin().await;
    let paths = [
        format!("/api/v1/reports/overview?{RANGE}"),
        format!("/api/v1/reports/managers?{RANGE}"),
        format!("/api/v1/reports/overview?{RANGE}&assignee_id={cy}"),
        format!("/api/v1/reports/managers?{RANGE}&assignee_id={cy}"),
    ];
    let mut before = Vec::new();
    for path in &paths {
        before.push(get_json(&admin, path).await);
    }

    let chat = format!("/api/v1/chats/{carla}");
    let since = newest_item(&app).await;
    ok(&admin, &format!("{chat}/assign"), json!({"user_id": cy})).await;
    dated(&app, since, "2026-11-12T09:00:00Z").await;
    let since = newest_item(&app).await;
    app.customer_writes(&bot, "Carla", "Still there?").await;
    dated(&app, since, "2026-11-12T10:00:00Z").await;
    let since = newest_item(&app).await;
    ok(
        &cy_client,
        &format!("{chat}/messages"),
        json!({"text": "Cy here"}),
    )
    .await;
    ok(&cy_client, &format!("{chat}/close"), json!({})).await;
    dated(&app, since, "2026-11-12T10:10:00Z").await;

    for (path, before) in paths.iter().zip(before) {
        assert_eq!(get_json(&admin, path).await, before, "{path}");
    }
    assert_records_match_the_timeline(&app).await;
}

/// A record whose stored text no rebuild wrote fails the reports that read
/// it with a 500 in the error shape; the reports counted from the timeline
/// and the rest of the server go on.
async fn an_unreadable_record_fails_only_the_reports_reading_it(backend: tidings_tests::Backend) {
    use diesel::prelude::*;
    use tidings::store::schema::{report_chats, report_conversations};
    let Story { app, carla, .. } = story(backend).await;
    let admin = app.admin().await;
    let overview = format!("/api/v1/reports/overview?{RANGE}");
    let managers = format!("/api/v1/reports/managers?{RANGE}");
    let conversations = format!("/api/v1/reports/conversations?{RANGE}");
    get_json(&admin, &overview).await;
    type Break = fn(&mut tidings::store::DbConn, Id) -> QueryResult<usize>;
    // Who held a conversation is read by the managers table only; a stale
    // chat is rebuilt before either report reads.
    let breaks: [(&str, Break, bool); 2] = [
        (
            "holders",
            |conn, chat| {
                diesel::update(report_conversations::table)
                    .filter(report_conversations::chat_id.eq(chat))
                    .set(report_conversations::holders.eq("12 twelve"))
                    .execute(conn)
            },
            false,
        ),
        (
            "slots of a stale chat",
            |conn, chat| {
                diesel::update(report_chats::table.find(chat))
                    .set((
                        report_chats::slots.eq("1 2 3\n"),
                        report_chats::stale.eq(true),
                    ))
                    .execute(conn)
            },
            true,
        ),
    ];
    for (what, break_it, overview_fails) in breaks {
        app.context()
            .store
            .run(move |conn| Ok(break_it(conn, carla)?))
            .await
            .expect("the record is changed");
        if !overview_fails {
            get_json(&admin, &overview).await;
        }
        let failing = if overview_fails {
            vec![&overview, &managers]
        } else {
            vec![&managers]
        };
        for path in failing {
            let response = admin.get(path).await;
            assert_eq!(
                tidings_tests::expect_error(response, StatusCode::INTERNAL_SERVER_ERROR).await,
                "internal",
                "{what}: {path}"
            );
        }
        get_json(&admin, &conversations).await;
        assert_eq!(admin.get("/healthz").await.status(), StatusCode::OK);
    }
}

/// How long the background builder may take to catch up in a test.
const FRESH_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Waits until no chat's records wait for a rebuild, asking for no report.
async fn records_become_fresh(app: &TestApp) {
    let started = std::time::Instant::now();
    loop {
        let stale = app
            .context()
            .store
            .run(tidings::store::report_records::any_stale)
            .await
            .expect("the records read");
        if !stale {
            return;
        }
        assert!(
            started.elapsed() < FRESH_WITHIN,
            "records still stale after {FRESH_WITHIN:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Customers write, nobody opens a report: the records are rebuilt in the
/// background and are what the timeline says.
async fn records_are_built_without_a_report(backend: tidings_tests::Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let mut chats = Vec::new();
    for name in ["Carla", "Dmitri", "Eve"] {
        chats.push(app.new_chat(&bot, name, "hello").await);
    }
    app.customer_writes(&bot, "Carla", "Anyone?").await;
    records_become_fresh(&app).await;
    let kept = app
        .context()
        .store
        .run(tidings::store::report_records::kept)
        .await
        .expect("the records read");
    assert_eq!(kept.0.keys().copied().collect::<Vec<_>>(), chats);
    assert_records_match_the_timeline(&app).await;
}

/// On PostgreSQL a rebuild reads a chat's facts before it locks the chat's
/// row, so writers never wait for that reading. A chat the customer wrote to
/// in between is not written with the older facts; it stays stale and the
/// next pass rebuilds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_changed_while_its_rebuild_read_is_not_written_with_older_facts() {
    use tidings::store::report_records;

    let app = TestApp::start(tidings_tests::Backend::Postgres).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat = app.new_chat(&bot, "Carla", "hello").await;
    let store = app.context().store.clone();
    // The background builder may rebuild the chat first: write until this
    // read finds it stale.
    let mut read = None;
    for attempt in 0..20 {
        app.customer_writes(&bot, "Carla", &format!("Anyone? ({attempt})"))
            .await;
        let stale = store
            .run(report_records::read_stale)
            .await
            .expect("stale chats read");
        if stale.holds(chat) {
            read = Some(stale);
            break;
        }
    }
    let read = read.expect("the chat was read stale");
    app.customer_writes(&bot, "Carla", "Still there?").await;
    let rebuilt = store
        .run(move |conn| report_records::rebuild_read(conn, &read))
        .await
        .expect("the rebuild writes");
    assert_eq!(rebuilt, 0, "the chat changed after its facts were read");
    store
        .run(report_records::refresh)
        .await
        .expect("the next pass rebuilds");
    assert_records_match_the_timeline(&app).await;
}

on_both_backends!(
    a_scripted_history_gives_exact_figures,
    only_admins_and_employees_see_reports_and_bad_ranges_are_named,
    won_and_lost_deals_count_in_the_funnel,
    the_kept_records_are_what_the_timeline_says,
    a_closed_conversation_keeps_its_figures,
    an_unreadable_record_fails_only_the_reports_reading_it,
    records_are_built_without_a_report,
);
