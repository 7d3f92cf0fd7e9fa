//! The search indexes after rows were written, edited and deleted within one
//! write transaction. On SQLite new rows are indexed as the transaction ends
//! (store::search::index_pending), not by a trigger per row; whatever a row
//! went through before that, search finds what it ended as.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::Value;
use shared::api::crm::Contact;
use shared::api::{Channel, Page};
use shared::Id;
use tidings::channels::CustomerProfile;
use tidings::store::schema::{contacts, timeline_items};
use tidings::store::{crm, timeline, write_transaction, DbConn, StoreError};
use tidings_tests::{body, on_both_backends, ApiClient, Backend, ItemFields, TestApp};

async fn texts_found(client: &ApiClient, chat_id: Id, word: &str) -> Vec<String> {
    let found: Value = body(
        client
            .get(&format!("/api/v1/chats/{chat_id}/search?q={word}"))
            .await,
    )
    .await;
    found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["text"].as_str().map(str::to_owned))
        .collect()
}

async fn contacts_found(client: &ApiClient, q: &str) -> Vec<String> {
    let response = client.get(&format!("/api/v1/contacts?q={q}")).await;
    assert_eq!(response.status(), StatusCode::OK, "search {q}");
    body::<Page<Contact>>(response)
        .await
        .items
        .into_iter()
        .map(|contact| contact.name)
        .collect()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// SQLite's own checks of its full-text indexes (an error when one is
/// damaged), that nothing is left noted for indexing, and how many rows
/// the message index holds for each word. The contact indexes cover every
/// contact, so they are checked against the table too; the message index
/// leaves out events, so it is checked within itself and by its words.
/// `None` on PostgreSQL, whose indexes are the database's own.
fn sqlite_index_rows(conn: &mut DbConn, words: &[&str]) -> Result<Option<Vec<i64>>, StoreError> {
    use diesel::connection::SimpleConnection;
    let DbConn::Sqlite(conn) = conn else {
        return Ok(None);
    };
    conn.batch_execute(
        "INSERT INTO timeline_fts (timeline_fts) VALUES ('integrity-check');
         INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1);
         INSERT INTO contacts_trigram (contacts_trigram, rank) VALUES ('integrity-check', 1);",
    )?;
    let noted = diesel::sql_query(
        "SELECT (SELECT count(*) FROM timeline_search_pending)
              + (SELECT count(*) FROM contacts_search_pending) AS n",
    )
    .get_result::<Count>(conn)?;
    assert_eq!(noted.n, 0, "rows left noted for indexing after commit");
    let mut rows = Vec::new();
    for word in words {
        let found = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM timeline_fts WHERE timeline_fts MATCH '{word}'"
        ))
        .get_result::<Count>(conn)?;
        rows.push(found.n);
    }
    Ok(Some(rows))
}

async fn rows_changed_within_one_transaction_are_found_as_they_ended(backend: Backend) {
    let app = TestApp::start(backend).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app.new_chat(&bot, "Olga Keeper", "hello there").await;
    let admin = app.admin().await;

    app.context()
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let edited = timeline::insert_outbound(conn, chat_id, None, "draftplover", None)?;
                diesel::update(timeline_items::table.find(edited))
                    .set(timeline_items::text.eq("finalplover"))
                    .execute(conn)?;
                let deleted = timeline::insert_outbound(conn, chat_id, None, "gonekestrel", None)?;
                diesel::delete(timeline_items::table.find(deleted)).execute(conn)?;
                timeline::insert_outbound(conn, chat_id, None, "keptheron", None)?;

                let renamed = telegram_customer(conn, "search-index-1", "Firstname Draftowl")?;
                diesel::update(contacts::table.find(renamed.contact_id))
                    .set(contacts::name.eq("Firstname Finalowl"))
                    .execute(conn)?;
                telegram_customer(conn, "search-index-2", "Kept Nightjar")?;
                Ok::<_, StoreError>(())
            })
        })
        .await
        .expect("the transaction commits");

    assert_eq!(
        texts_found(&admin, chat_id, "finalplover").await,
        ["finalplover"]
    );
    assert!(texts_found(&admin, chat_id, "draftplover").await.is_empty());
    assert!(texts_found(&admin, chat_id, "gonekestrel").await.is_empty());
    assert_eq!(
        texts_found(&admin, chat_id, "keptheron").await,
        ["keptheron"]
    );
    assert_eq!(
        contacts_found(&admin, "Finalowl").await,
        ["Firstname Finalowl"]
    );
    assert!(contacts_found(&admin, "Draftowl").await.is_empty());
    assert_eq!(contacts_found(&admin, "Nightjar").await, ["Kept Nightjar"]);

    // Rows indexed in an earlier transaction are changed in the index itself.
    let index_rows = app
        .context()
        .store
        .run(move |conn| {
            write_transaction(conn, |conn| {
                diesel::update(timeline_items::table.filter(timeline_items::text.eq("keptheron")))
                    .set(timeline_items::text.eq("laterheron"))
                    .execute(conn)?;
                diesel::update(contacts::table.filter(contacts::name.eq("Kept Nightjar")))
                    .set(contacts::name.eq("Later Nightjar"))
                    .execute(conn)?;
                Ok::<_, StoreError>(())
            })?;
            sqlite_index_rows(
                conn,
                &[
                    "draftplover",
                    "finalplover",
                    "gonekestrel",
                    "keptheron",
                    "laterheron",
                ],
            )
        })
        .await
        .expect("the second transaction commits");
    if let Some(rows) = index_rows {
        assert_eq!(rows, [0, 1, 0, 0, 1], "message index rows per word");
    }
    assert!(texts_found(&admin, chat_id, "keptheron").await.is_empty());
    assert_eq!(
        texts_found(&admin, chat_id, "laterheron").await,
        ["laterheron"]
    );
    assert_eq!(contacts_found(&admin, "Nightjar").await, ["Later Nightjar"]);
}

on_both_backends!(rows_changed_within_one_transaction_are_found_as_they_ended);

/// Finds or creates the Telegram customer `external_id` named `name`, as a
/// customer's first update does.
fn telegram_customer(
    conn: &mut DbConn,
    external_id: &str,
    name: &str,
) -> Result<crm::CustomerRef, StoreError> {
    crm::find_or_create_customer(
        conn,
        Channel::Telegram,
        &CustomerProfile {
            external_id: external_id.into(),
            name: name.into(),
            ..CustomerProfile::default()
        },
    )
}

/// Messages noted for SQLite's message index and not indexed yet.
fn noted_messages(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(
        diesel::sql_query("SELECT count(*) AS n FROM timeline_search_pending")
            .get_result::<Count>(conn)?
            .n,
    )
}

/// A customer's message whose search entry cannot be written (here SQLite's
/// message index is gone) is still stored and answered: it stays noted, and
/// the first write after the index is back indexes it. SQLite only: only
/// SQLite indexes at the end of a transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_index_that_cannot_be_written_costs_no_customer_message() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let admin = app.admin().await;
    app.context()
        .store
        .run(|conn| Ok::<_, StoreError>(conn.batch_execute("DROP TABLE timeline_fts")?))
        .await
        .expect("the index is dropped");

    let chat_id = app.new_chat(&bot, "Petra Lost", "unsearchedwren").await;
    let texts: Vec<Option<String>> = tidings_tests::inbox::timeline(&admin, chat_id)
        .await
        .into_iter()
        .map(|item| item.text_owned())
        .collect();
    assert!(
        texts.contains(&Some("unsearchedwren".to_owned())),
        "the message is stored: {texts:?}"
    );
    let noted = app
        .context()
        .store
        .run(noted_messages)
        .await
        .expect("noted");
    assert_eq!(noted, 1, "the message waits for its search entry");

    app.context()
        .store
        .run(|conn| {
            Ok::<_, StoreError>(conn.batch_execute(
                "CREATE VIRTUAL TABLE timeline_fts USING fts5(
                     text, content = 'timeline_items', content_rowid = 'id',
                     tokenize = 'unicode61 remove_diacritics 2')",
            )?)
        })
        .await
        .expect("the index is back");
    app.customer_writes(&bot, "Petra Lost", "and one more")
        .await;
    assert_eq!(
        texts_found(&admin, chat_id, "unsearchedwren").await,
        ["unsearchedwren"]
    );
    let noted = app
        .context()
        .store
        .run(noted_messages)
        .await
        .expect("noted");
    assert_eq!(noted, 0);
}

/// From `ends` on, SQLite ends every transaction that indexes a new contact
/// for search, the way a full disk does; until then, or again, it does not.
async fn indexing_ends_transactions(app: &TestApp, ends: bool) {
    use diesel::connection::SimpleConnection;
    let sql = match ends {
        true => {
            "CREATE TRIGGER ends_the_transaction BEFORE DELETE ON contacts_search_pending
             BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END;"
        }
        false => "DROP TRIGGER ends_the_transaction",
    };
    app.context()
        .store
        .run(move |conn| Ok::<_, StoreError>(conn.batch_execute(sql)?))
        .await
        .expect("the trigger is created or dropped");
}

/// Some failures end the whole transaction in SQLite itself (a full disk, an
/// I/O error): when one strikes while the new rows are indexed, nothing of
/// the transaction is kept and the write fails with that failure, not with
/// "not in a transaction" (what Diesel says of the savepoint it can no longer
/// roll back). Here a trigger ends the transaction the way a full disk does;
/// once it is gone, the same write succeeds. SQLite only: only SQLite indexes
/// at the end of a transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_sqlite_ends_while_indexing_fails_with_its_reason_and_keeps_nothing() {
    let app = TestApp::start(Backend::Sqlite).await;
    let admin = app.admin().await;
    let store = &app.context().store;
    let write_contact = |conn: &mut DbConn| {
        write_transaction(conn, |conn| {
            telegram_customer(conn, "search-index-ended", "Ended Osprey")?;
            Ok::<_, StoreError>(())
        })
    };
    indexing_ends_transactions(&app, true).await;

    let failed = store.run(write_contact).await.expect_err("the write fails");
    assert!(
        failed.to_string().contains("database or disk is full"),
        "the failure itself is reported: {failed}"
    );
    let contacts_kept = store
        .run(|conn| {
            Ok::<_, StoreError>(
                contacts::table
                    .filter(contacts::name.eq("Ended Osprey"))
                    .count()
                    .get_result::<i64>(conn)?,
            )
        })
        .await
        .expect("contacts counted");
    assert_eq!(contacts_kept, 0, "nothing of the ended transaction is kept");

    indexing_ends_transactions(&app, false).await;
    store
        .run(write_contact)
        .await
        .expect("the same write succeeds");
    assert_eq!(contacts_found(&admin, "Osprey").await, ["Ended Osprey"]);
}

/// A customer's update that cannot be written because SQLite ended the
/// transaction (a full disk, here a trigger acting like one) is refused as
/// unavailable, so the messenger sends it again; the failure is counted for
/// operators in `/metrics`, and the update sent again once the disk has room
/// is stored once. SQLite only, as above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_sqlite_cannot_write_is_refused_counted_and_stored_once_when_sent_again() {
    use tidings::channels::Inbound;
    use tidings::service::inbound::store_inbound;
    use tidings_tests::metrics::{samples, value};

    let app = TestApp::start(Backend::Sqlite).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    indexing_ends_transactions(&app, true).await;
    let update = || Inbound {
        dedup_key: "full-disk-1".to_owned(),
        event: tidings_tests::text_message("Rosa Fulldisk", "still there?"),
    };

    let refused = store_inbound(app.context(), bot.clone(), update(), "{}".to_owned())
        .await
        .expect_err("the update is refused");
    assert!(
        refused.to_string().contains("database or disk is full"),
        "refused for the failure itself: {refused}"
    );
    let counted = samples(&app, None).await;
    assert_eq!(value(&counted, "tidings_inbound_write_failures_total"), 1.0);

    indexing_ends_transactions(&app, false).await;
    let stored = store_inbound(app.context(), bot.clone(), update(), "{}".to_owned())
        .await
        .expect("the update sent again is stored");
    let chat_id = stored.chat_id.expect("it opens a chat");
    let admin = app.admin().await;
    let texts: Vec<Option<String>> = tidings_tests::inbox::timeline(&admin, chat_id)
        .await
        .into_iter()
        .map(|item| item.text_owned())
        .collect();
    assert_eq!(
        texts
            .iter()
            .filter(|text| text.as_deref() == Some("still there?"))
            .count(),
        1,
        "stored once: {texts:?}"
    );
}
