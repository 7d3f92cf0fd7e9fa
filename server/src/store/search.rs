//! Full-text search, the one dialect-specific corner of the store: SQLite FTS5
//! tables (migrations/sqlite/…_search) and PostgreSQL GIN tsvector indexes
//! (migrations/postgres/…_search). User input never reaches the query syntax:
//! it is cut into words of letters and digits, each matched as a prefix.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use shared::Id;

use super::{DbBackend, DbConn, StoreError};
use crate::store::OnBackend;

diesel::table! {
    /// Messages written since the last indexing (SQLite only).
    timeline_search_pending (item_id) {
        item_id -> BigInt,
    }
}

diesel::table! {
    /// Contacts written since the last indexing (SQLite only).
    contacts_search_pending (contact_id) {
        contact_id -> BigInt,
    }
}

/// Indexes the messages and contacts noted since the last indexing. `CROSS
/// JOIN` keeps the noted rows the outer loop: SQLite otherwise scanned every
/// message for the few noted ones.
const INDEX_ITEMS: &str = "\
    INSERT INTO timeline_fts (rowid, text) \
        SELECT i.id, i.text FROM timeline_search_pending p CROSS JOIN timeline_items i ON i.id = p.item_id \
        WHERE i.kind = 'message' AND i.text IS NOT NULL; \
    DELETE FROM timeline_search_pending;";
const INDEX_CONTACTS: &str = "\
    INSERT INTO contacts_fts (rowid, name) \
        SELECT c.id, c.name FROM contacts_search_pending p CROSS JOIN contacts c ON c.id = p.contact_id; \
    INSERT INTO contacts_trigram (rowid, name, username, email_key, company, phone_digits) \
        SELECT c.id, c.name, c.username, c.email_key, c.company, c.phone_digits \
        FROM contacts_search_pending p CROSS JOIN contacts c ON c.id = p.contact_id; \
    DELETE FROM contacts_search_pending;";

/// On SQLite, indexes for search the messages and contacts noted since the
/// last indexing, as the outermost write transaction ends
/// ([`super::write_transaction`]). Triggers only note new rows
/// (migrations/sqlite/…_search_index_per_transaction): FTS5 writes what it has
/// pending at every savepoint, and the inbound writer applies each update in a
/// savepoint of its own, so indexing row by row wrote a segment per update
/// and index. PostgreSQL's indexes are kept by the database itself.
///
/// An index that cannot be written (damaged, or gone) must not cost the rows
/// themselves: indexing runs in a savepoint of its own, and when it fails the
/// rows stay noted, the failure is logged and a later write transaction
/// indexes them. Failing the transaction instead would answer every webhook
/// of the writer's batch 503, again and again, until the messenger gave up.
///
/// Some failures end the whole transaction in SQLite itself (a full disk, an
/// I/O error): what it wrote is gone, so the caller's transaction has failed,
/// and that failure is returned. Diesel reports such a failure only as "not in
/// a transaction" when it rolls back the savepoint, so it is kept here to be
/// the error the caller sees and logs.
pub fn index_pending_or_keep_noted(conn: &mut DbConn) -> Result<(), diesel::result::Error> {
    use diesel::result::Error;
    if !matches!(conn, DbConn::Sqlite(_)) {
        return Ok(());
    }
    let mut failure = None;
    let indexed = conn.transaction(|conn| {
        index_pending(conn).map_err(|err| {
            failure = Some(err);
            Error::RollbackTransaction
        })
    });
    match (indexed, failure) {
        (Ok(()), _) => Ok(()),
        (Err(Error::NotInTransaction), Some(failure)) => Err(failure),
        (Err(err), failure) => {
            let err = failure.unwrap_or(err);
            tracing::error!(%err, "cannot index new messages and contacts for search now; they stay noted for the next write");
            Ok(())
        }
    }
}

fn index_pending(conn: &mut DbConn) -> Result<(), diesel::result::Error> {
    use diesel::connection::SimpleConnection;
    let DbConn::Sqlite(conn) = conn else {
        return Ok(());
    };
    let (items, contacts): (bool, bool) = diesel::select((
        diesel::dsl::exists(
            timeline_search_pending::table.select(timeline_search_pending::item_id),
        ),
        diesel::dsl::exists(
            contacts_search_pending::table.select(contacts_search_pending::contact_id),
        ),
    ))
    .get_result(conn)?;
    if items {
        conn.batch_execute(INDEX_ITEMS)?;
    }
    if contacts {
        conn.batch_execute(INDEX_CONTACTS)?;
    }
    Ok(())
}

/// Words of the query (letters and digits only), at most 8.
pub fn query_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_owned)
        .collect()
}

fn fts5_query(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn tsquery(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("{w}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// A filter on `chats` (joined with integrations and contacts): the chat has a
/// message, or its contact a name, matching the text.
pub fn chat_matches<'a, QS: 'a>(
    conn: &DbConn,
    text: &str,
) -> Box<dyn BoxableExpression<QS, DbBackend, SqlType = Bool> + 'a> {
    let words = query_words(text);
    if words.is_empty() {
        return Box::new(diesel::dsl::sql::<Bool>("1 = 1"));
    }
    match conn {
        DbConn::Sqlite(_) => {
            let q = fts5_query(&words);
            Box::new(
                diesel::dsl::sql::<Bool>(
                    "(chats.id IN (SELECT ti.chat_id FROM timeline_items ti WHERE ti.id IN \
                     (SELECT rowid FROM timeline_fts WHERE timeline_fts MATCH ",
                )
                .bind::<Text, _>(q.clone())
                .sql(")) OR chats.contact_id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ")
                .bind::<Text, _>(q)
                .sql("))"),
            )
        }
        DbConn::Postgres(_) => {
            let q = tsquery(&words);
            Box::new(
                diesel::dsl::sql::<Bool>(
                    "(chats.id IN (SELECT ti.chat_id FROM timeline_items ti WHERE ti.kind = 'message' \
                     AND to_tsvector('tidings_search', coalesce(ti.text, '')) @@ to_tsquery('tidings_search', ",
                )
                .bind::<Text, _>(q.clone())
                .sql(")) OR to_tsvector('tidings_search', contacts.name) @@ to_tsquery('tidings_search', ")
                .bind::<Text, _>(q)
                .sql("))"),
            )
        }
    }
}

#[derive(QueryableByName)]
struct FoundId {
    #[diesel(sql_type = BigInt)]
    id: Id,
}

/// Ids of the chat's messages matching the text, oldest first (at most `limit`).
pub fn search_chat(
    conn: &mut DbConn,
    chat_id: Id,
    text: &str,
    limit: i64,
) -> Result<Vec<Id>, StoreError> {
    let words = query_words(text);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<FoundId> = match conn {
        // The match is bounded to the span of the chat's own item ids, which
        // FTS5 seeks to: matching the whole database first cost tens of ms.
        DbConn::Sqlite(_) => diesel::sql_query(
            "WITH span AS (SELECT min(id) AS first, max(id) AS last FROM timeline_items \
             WHERE chat_id = ?) \
             SELECT ti.id AS id FROM timeline_items ti WHERE ti.chat_id = ? AND ti.id IN \
             (SELECT rowid FROM timeline_fts WHERE timeline_fts MATCH ? \
             AND rowid >= (SELECT first FROM span) AND rowid <= (SELECT last FROM span)) \
             ORDER BY ti.id LIMIT ?",
        )
        .bind::<BigInt, _>(chat_id)
        .bind::<BigInt, _>(chat_id)
        .bind::<Text, _>(fts5_query(&words))
        .bind::<BigInt, _>(limit)
        .load_on(conn)?,
        DbConn::Postgres(_) => diesel::sql_query(
            "SELECT ti.id AS id FROM timeline_items ti WHERE ti.chat_id = $1 AND ti.kind = 'message' \
             AND to_tsvector('tidings_search', coalesce(ti.text, '')) @@ to_tsquery('tidings_search', $2) \
             ORDER BY ti.id LIMIT $3",
        )
        .bind::<BigInt, _>(chat_id)
        .bind::<Text, _>(tsquery(&words))
        .bind::<BigInt, _>(limit)
        .load_on(conn)?,
    };
    Ok(found.into_iter().map(|f| f.id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_syntax_never_reaches_the_database() {
        assert_eq!(
            query_words("\"drop\" OR *x* NEAR(a b) -- ;"),
            vec!["drop", "OR", "x", "NEAR", "a", "b"]
        );
        assert_eq!(fts5_query(&query_words("Mañana ok")), "\"Mañana\"* \"ok\"*");
        assert_eq!(tsquery(&query_words("привет мир")), "привет:* & мир:*");
    }
}
