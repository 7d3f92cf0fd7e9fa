//! Canned replies: team ones and each user's personal ones. The database's
//! partial unique indexes keep shortcuts unique per team and per owner; a
//! clash comes back as [`StoreError::Conflict`]. Who may change what is the
//! service's business (domain::policy).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use crate::domain::canned::Scope;
use crate::store::schema::{canned_replies, chats, contacts, integrations};
use crate::store::OnBackend;
use crate::store::{now, DbConn, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct CannedRecord {
    pub id: Id,
    pub scope: Scope,
    pub owner_id: Id,
    pub shortcut: String,
    pub text: String,
    pub updated_at: NaiveDateTime,
}

type CannedRow = (Id, String, Id, String, String, NaiveDateTime);

const COLUMNS: (
    canned_replies::id,
    canned_replies::scope,
    canned_replies::owner_id,
    canned_replies::shortcut,
    canned_replies::text,
    canned_replies::updated_at,
) = (
    canned_replies::id,
    canned_replies::scope,
    canned_replies::owner_id,
    canned_replies::shortcut,
    canned_replies::text,
    canned_replies::updated_at,
);

fn to_record(row: CannedRow) -> Result<CannedRecord, StoreError> {
    let (id, scope, owner_id, shortcut, text, updated_at) = row;
    let scope = Scope::parse(&scope)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown canned reply scope {scope:?}")))?;
    Ok(CannedRecord {
        id,
        scope,
        owner_id,
        shortcut,
        text,
        updated_at,
    })
}

/// The team's replies and `owner_id`'s personal ones, by shortcut.
pub fn list_canned(conn: &mut DbConn, owner_id: Id) -> Result<Vec<CannedRecord>, StoreError> {
    let rows: Vec<CannedRow> = canned_replies::table
        .filter(
            canned_replies::scope
                .eq(Scope::Team.as_str())
                .or(canned_replies::owner_id.eq(owner_id)),
        )
        .select(COLUMNS)
        .load_on(conn)?;
    // Sorted here rather than by the database: no index serves both scopes'
    // rows, and a sort of a thousand short strings is cheaper in Rust.
    let mut records = rows
        .into_iter()
        .map(to_record)
        .collect::<Result<Vec<_>, _>>()?;
    records.sort_by(|a, b| (&a.shortcut, a.id).cmp(&(&b.shortcut, b.id)));
    Ok(records)
}

pub fn find_canned(conn: &mut DbConn, id: Id) -> Result<CannedRecord, StoreError> {
    to_record(
        canned_replies::table
            .find(id)
            .select(COLUMNS)
            .first_on(conn)?,
    )
}

pub fn insert_canned(
    conn: &mut DbConn,
    scope: Scope,
    owner_id: Id,
    shortcut: &str,
    text: &str,
) -> Result<CannedRecord, StoreError> {
    let at = now();
    let id: Id = diesel::insert_into(canned_replies::table)
        .values((
            canned_replies::scope.eq(scope.as_str()),
            canned_replies::owner_id.eq(owner_id),
            canned_replies::shortcut.eq(shortcut),
            canned_replies::text.eq(text),
            canned_replies::created_at.eq(at),
            canned_replies::updated_at.eq(at),
        ))
        .returning(canned_replies::id)
        .get_result_on(conn)?;
    find_canned(conn, id)
}

/// Changes the given fields (the others stay).
pub fn update_canned(
    conn: &mut DbConn,
    id: Id,
    shortcut: Option<&str>,
    text: Option<&str>,
) -> Result<CannedRecord, StoreError> {
    let changed = diesel::update(canned_replies::table.find(id))
        .set((
            shortcut.map(|s| canned_replies::shortcut.eq(s)),
            text.map(|t| canned_replies::text.eq(t)),
            canned_replies::updated_at.eq(now()),
        ))
        .execute_on(conn)?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    find_canned(conn, id)
}

pub fn delete_canned(conn: &mut DbConn, id: Id) -> Result<(), StoreError> {
    match diesel::delete(canned_replies::table.find(id)).execute_on(conn)? {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

/// The names a canned reply may use from a chat: its contact's and its
/// integration's.
pub fn chat_names(conn: &mut DbConn, chat_id: Id) -> Result<(String, String), StoreError> {
    Ok(chats::table
        .inner_join(contacts::table)
        .inner_join(integrations::table)
        .filter(chats::id.eq(chat_id))
        .select((contacts::name, integrations::name))
        .first_on(conn)?)
}
