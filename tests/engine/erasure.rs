//! Erasing a contact (CONTRACT "Operations"): nothing of the customer is left
//! in the API, the search index or the data directory; deals keep their figures.

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::Chat;
use shared::api::crm::Deal;
use shared::api::users::Role;
use shared::api::{Channel, Items, Page};
use shared::Id;
use tidings_tests::inbox::{chat_detail, pdf_bytes, reply_with_file, timeline};
use tidings_tests::{body, on_both_backends, ApiClient, Backend, ItemFields, TestApp};

/// A word no other test writes, so a search for it finds only this customer.
const SECRET_WORD: &str = "zebrafinchquartz";

async fn erase(client: &ApiClient, contact_id: Id) -> reqwest::Response {
    client
        .delete(&format!("/api/v1/contacts/{contact_id}?erase=true"))
        .await
}

async fn status_of(client: &ApiClient, path: &str) -> StatusCode {
    client.get(path).await.status()
}

/// Rows SQLite's full-text index still holds for the word (0 on PostgreSQL,
/// whose index is an expression index over the rows themselves).
async fn indexed_rows(app: &TestApp, word: &'static str) -> i64 {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    app.context()
        .store
        .run(move |conn| match conn {
            tidings::store::DbConn::Sqlite(conn) => Ok(diesel::sql_query(format!(
                "SELECT count(*) AS n FROM timeline_fts WHERE timeline_fts MATCH '{word}'"
            ))
            .get_result::<Count>(conn)?
            .n),
            tidings::store::DbConn::Postgres(_) => Ok(0),
        })
        .await
        .expect("the index reads")
}

async fn erasing_a_contact_leaves_no_trace_and_keeps_its_deals(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app
        .integration(Channel::Telegram, &[], Some("Welcome!"), None)
        .await;
    let chat_id = app
        .new_chat(&bot, "Erin Quill", &format!("my word is {SECRET_WORD}"))
        .await;
    let admin = app.admin().await;
    let detail = chat_detail(&admin, chat_id).await;
    let contact_id = detail["contact"]["id"].as_i64().expect("a contact id");
    let deal_id = detail["deals"][0]["id"].as_i64().expect("a deal");
    let response = admin
        .patch(
            &format!("/api/v1/deals/{deal_id}"),
            &json!({"amount": 250.0}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let deal_before: Deal = body(response).await;
    let comment = admin
        .post(
            &format!("/api/v1/chats/{chat_id}/comments"),
            &json!({"text": "called Erin"}),
        )
        .await;
    assert_eq!(comment.status(), StatusCode::CREATED);
    let item = reply_with_file(
        &admin,
        chat_id,
        Some("your invoice"),
        "invoice.pdf",
        &pdf_bytes(),
    )
    .await;
    let url = item.attachments().expect("a message")[0]
        .url
        .clone()
        .expect("an uploaded file has a link");
    let attachment_id: Id = url
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("the link ends with the attachment id");
    let file = app
        .config
        .data_dir
        .join("attachments")
        .join(attachment_id.to_string());
    assert!(file.exists(), "the uploaded file is stored");
    if backend == Backend::Sqlite {
        assert_eq!(indexed_rows(&app, SECRET_WORD).await, 1);
    }

    assert_eq!(
        erase(&admin, contact_id).await.status(),
        StatusCode::NO_CONTENT
    );

    for path in [
        format!("/api/v1/contacts/{contact_id}"),
        format!("/api/v1/chats/{chat_id}"),
        format!("/api/v1/chats/{chat_id}/timeline"),
        format!("/api/v1/chats/{chat_id}/comments"),
        format!("/api/v1/chats/{chat_id}/search?q={SECRET_WORD}"),
        format!("/api/v1/attachments/{attachment_id}"),
    ] {
        assert_eq!(
            status_of(&admin, &path).await,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for query in [SECRET_WORD, "Erin"] {
        let found: Page<Chat> =
            body(admin.get(&format!("/api/v1/chats/archive?q={query}")).await).await;
        assert!(
            found.items.is_empty(),
            "the archive finds nothing for {query}"
        );
    }
    assert_eq!(
        indexed_rows(&app, SECRET_WORD).await,
        0,
        "the index forgot the word"
    );
    assert!(!file.exists(), "the file is gone from the data directory");
    let deals: Items<Deal> = body(admin.get("/api/v1/deals").await).await;
    let deal = deals
        .items
        .iter()
        .find(|deal| deal.id == deal_id)
        .expect("the deal stays");
    assert_eq!(deal.contact_id, None);
    assert_eq!(deal.chat_id, None);
    assert_eq!(deal.title, deal_before.title);
    assert_eq!(deal.amount, Some(250.0));

    // SQLite may hand the newest ids out again; what matters is that nothing
    // of the old conversation comes back.
    let again = app.customer_writes(&bot, "Erin Quill", "hello again").await;
    assert!(again.chat_created, "the customer starts over in a new chat");
    let new_chat = again.chat_id.expect("a chat");
    let texts: Vec<String> = timeline(&admin, new_chat)
        .await
        .iter()
        .filter_map(ItemFields::text_owned)
        .collect();
    assert_eq!(
        texts,
        ["hello again", "Welcome!"],
        "greeted again, nothing old"
    );
    let new_detail = chat_detail(&admin, new_chat).await;
    assert_eq!(
        new_detail["deals"].as_array().map(Vec::len),
        Some(1),
        "a new deal"
    );
}

async fn only_an_admin_erases_and_only_when_asked_to(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Kept Customer", "hi").await;
    let admin = app.admin().await;
    let contact_id = chat_detail(&admin, chat_id).await["contact"]["id"]
        .as_i64()
        .expect("a contact id");
    let (_, employee) = app.login_as("Emma Employee", Role::Employee).await;
    let (follower_user, follower) = app.login_as("Fred Follower", Role::Follower).await;
    tidings_tests::inbox::set_followers(&admin, chat_id, &[follower_user.id]).await;

    assert_eq!(
        erase(&employee, contact_id).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        erase(&follower, contact_id).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        erase(&admin, contact_id + 1000).await.status(),
        StatusCode::NOT_FOUND
    );
    let unconfirmed = admin
        .delete(&format!("/api/v1/contacts/{contact_id}"))
        .await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        status_of(&admin, &format!("/api/v1/chats/{chat_id}")).await,
        StatusCode::OK,
        "nothing was erased"
    );
}

/// A crash between an erasure's commit and its file removals leaves files no
/// row points at; the next start removes them and keeps every referenced file.
async fn files_of_erased_attachments_are_swept_at_start(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Sweep Customer", "hi").await;
    let admin = app.admin().await;
    let item = reply_with_file(&admin, chat_id, None, "kept.pdf", &pdf_bytes()).await;
    let url = item.attachments().expect("a message")[0]
        .url
        .clone()
        .expect("a link");
    let dir = app.config.data_dir.join("attachments");
    let kept = dir.join(url.rsplit('/').next().expect("an id"));
    let orphan = dir.join("987654321");
    let fresh_orphan = dir.join("987654322");
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for file in [&orphan, &fresh_orphan] {
        std::fs::write(file, b"erased bytes").expect("written");
    }
    for file in [&orphan, &kept] {
        std::fs::File::options()
            .write(true)
            .open(file)
            .and_then(|f| f.set_modified(long_ago))
            .expect("aged");
    }

    let app = app.restart().await;

    assert!(!orphan.exists(), "an old file without a row is removed");
    assert!(
        fresh_orphan.exists(),
        "a file whose row may be coming is kept"
    );
    assert!(kept.exists(), "a referenced file is kept");
    let admin = app.admin().await;
    assert_eq!(status_of(&admin, &url).await, StatusCode::OK);
}

on_both_backends!(
    erasing_a_contact_leaves_no_trace_and_keeps_its_deals,
    only_an_admin_erases_and_only_when_asked_to,
    files_of_erased_attachments_are_swept_at_start,
);
