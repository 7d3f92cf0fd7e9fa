//! Managers' comments on a chat (never sent to the customer).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use crate::store::schema::comments;
use crate::store::{now, DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct CommentRecord {
    pub id: Id,
    pub chat_id: Id,
    pub author_id: Id,
    pub text: String,
    pub at: NaiveDateTime,
}

pub fn insert_comment(
    conn: &mut DbConn,
    chat_id: Id,
    author_id: Id,
    text: &str,
) -> Result<CommentRecord, StoreError> {
    let id: Id = diesel::insert_into(comments::table)
        .values((
            comments::chat_id.eq(chat_id),
            comments::author_id.eq(author_id),
            comments::text.eq(text),
            comments::at.eq(now()),
        ))
        .returning(comments::id)
        .get_result(conn)?;
    Ok(comments::table.find(id).first(conn)?)
}

pub fn list_comments(conn: &mut DbConn, chat_id: Id) -> Result<Vec<CommentRecord>, StoreError> {
    Ok(comments::table
        .filter(comments::chat_id.eq(chat_id))
        .order(comments::id)
        .load(conn)?)
}
