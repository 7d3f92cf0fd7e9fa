//! Inbox groups, pagination, archive filters, search.

use serde_json::{json, Value};
use shared::api::chats::Chat;
use shared::api::users::Role;
use shared::api::{Channel, Page};
use tidings_tests::{body, on_both_backends, ApiClient, Backend, TestApp};

use crate::support::ids;

async fn page(client: &ApiClient, path: &str) -> Page<Chat> {
    let response = client.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    body(response).await
}

async fn groups_are_newest_activity_first(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let first = app
        .customer_writes(&bot, "A", "1")
        .await
        .chat_id
        .expect("chat");
    let second = app
        .customer_writes(&bot, "B", "2")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    assert_eq!(
        ids(&page(&admin, "/api/v1/chats?group=unassigned").await.items),
        vec![second, first]
    );
    app.customer_writes(&bot, "A", "again").await;
    assert_eq!(
        ids(&page(&admin, "/api/v1/chats?group=unassigned").await.items),
        vec![first, second]
    );
}

/// Paging with a cursor while new chats arrive never repeats or skips a chat
/// that existed when paging began.
async fn pagination_never_skips_or_repeats(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let mut created = Vec::new();
    for n in 0..23 {
        created.push(
            app.customer_writes(&bot, &format!("Customer {n}"), "hi")
                .await
                .chat_id
                .expect("chat"),
        );
    }
    let admin = app.admin().await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/chats?group=unassigned&limit=5&cursor={c}"),
            None => "/api/v1/chats?group=unassigned&limit=5".to_owned(),
        };
        let p = page(&admin, &path).await;
        seen.extend(ids(&p.items));
        pages += 1;
        // New chats arrive while we page: they sort above the cursor.
        app.customer_writes(&bot, &format!("Newcomer {pages}"), "hi")
            .await;
        match p.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    let mut expected = created.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    let bad = admin
        .get("/api/v1/chats?group=unassigned&cursor=garbage")
        .await;
    assert_eq!(bad.status(), 422);
}

async fn archive_filters_combine(backend: Backend) {
    let app = TestApp::start(backend).await;
    let anna = app.create_user("Anna", Role::Employee).await;
    let telegram = app
        .integration(Channel::Telegram, &[anna.id], None, None)
        .await;
    let viber = app.integration(Channel::Viber, &[], None, None).await;
    let t1 = app
        .customer_writes(&telegram, "Tom", "order pizza")
        .await
        .chat_id
        .expect("chat");
    let t2 = app
        .customer_writes(&telegram, "Tia", "order sushi")
        .await
        .chat_id
        .expect("chat");
    let v1 = app
        .customer_writes(&viber, "Vic", "order pizza")
        .await
        .chat_id
        .expect("chat");
    let admin = app.admin().await;
    admin
        .put(
            &format!("/api/v1/chats/{t2}/tags"),
            &json!({"tags": ["vip"]}),
        )
        .await;
    admin
        .post(&format!("/api/v1/chats/{t1}/close"), &json!({}))
        .await;

    let cases: Vec<(String, Vec<i64>)> = vec![
        ("channel=telegram".into(), vec![t2, t1]),
        ("channel=viber".into(), vec![v1]),
        (format!("integration_id={}", viber.id), vec![v1]),
        (format!("assignee_id={}", anna.id), vec![t2, t1]),
        ("status=closed".into(), vec![t1]),
        ("status=open&channel=telegram".into(), vec![t2]),
        ("tag=VIP".into(), vec![t2]),
        ("q=pizza".into(), vec![v1, t1]),
        ("q=pizza&channel=telegram".into(), vec![t1]),
        ("q=vic".into(), vec![v1]),
        ("from=2000-01-01&to=2999-12-31".into(), vec![v1, t2, t1]),
        ("to=2000-01-01".into(), vec![]),
    ];
    for (query, want) in cases {
        let got = ids(&page(&admin, &format!("/api/v1/chats/archive?{query}"))
            .await
            .items);
        assert_eq!(got, want, "{query}");
    }
    let bad_date = admin.get("/api/v1/chats/archive?from=yesterday").await;
    assert_eq!(bad_date.status(), 422);
}

async fn search_ignores_case_and_accents(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&bot, "Carl", "Nos vemos Mañana a las diez")
        .await
        .chat_id
        .expect("chat");
    // Another chat matches too, between this chat's messages: one chat's
    // search must not show it.
    let other_chat = app
        .customer_writes(&bot, "Dora", "Hasta mañana")
        .await
        .chat_id
        .expect("chat");
    app.customer_writes(&bot, "Carl", "Привет, как дела?").await;
    app.customer_writes(&bot, "Carl", "nothing relevant").await;
    let admin = app.admin().await;
    for (query, want) in [
        ("manana", "Nos vemos Mañana a las diez"),
        ("MAÑANA", "Nos vemos Mañana a las diez"),
        ("привет", "Привет, как дела?"),
        ("ПРИВЕТ", "Привет, как дела?"),
        ("дел", "Привет, как дела?"),
    ] {
        let found: Value = body(
            admin
                .get(&format!("/api/v1/chats/{chat_id}/search?q={query}"))
                .await,
        )
        .await;
        let texts: Vec<&str> = found["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["text"].as_str())
            .collect();
        assert_eq!(texts, vec![want], "{query}");
    }
    let none: Value = body(
        admin
            .get(&format!("/api/v1/chats/{chat_id}/search?q=%22%20OR%20*"))
            .await,
    )
    .await;
    assert_eq!(none["items"], json!([]));
    let archive = ids(&page(&admin, "/api/v1/chats/archive?q=Manana").await.items);
    assert_eq!(archive, vec![chat_id, other_chat], "newest activity first");
    let archive = ids(&page(&admin, "/api/v1/chats/archive?q=Hasta").await.items);
    assert_eq!(archive, vec![other_chat]);
}

on_both_backends!(
    groups_are_newest_activity_first,
    pagination_never_skips_or_repeats,
    archive_filters_combine,
    search_ignores_case_and_accents,
);
