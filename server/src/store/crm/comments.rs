//! Managers' comments on a chat (never sent to the customer), with the
//! teammates each one mentions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use crate::store::schema::{comment_mentions, comments};
use crate::store::OnBackend;
use crate::store::{now, DbConn, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct CommentRecord {
    pub id: Id,
    pub chat_id: Id,
    pub author_id: Id,
    pub text: String,
    pub at: NaiveDateTime,
    /// Mentioned users, in the order they were named.
    pub mention_ids: Vec<Id>,
}

type CommentRow = (Id, Id, Id, String, NaiveDateTime);

/// Stores a comment and whom it mentions (already checked, without duplicates).
pub fn insert_comment(
    conn: &mut DbConn,
    chat_id: Id,
    author_id: Id,
    text: &str,
    mention_ids: &[Id],
) -> Result<CommentRecord, StoreError> {
    let at = now();
    let id: Id = diesel::insert_into(comments::table)
        .values((
            comments::chat_id.eq(chat_id),
            comments::author_id.eq(author_id),
            comments::text.eq(text),
            comments::at.eq(at),
        ))
        .returning(comments::id)
        .get_result_on(conn)?;
    for (position, user_id) in (0..).zip(mention_ids) {
        diesel::insert_into(comment_mentions::table)
            .values((
                comment_mentions::comment_id.eq(id),
                comment_mentions::user_id.eq(user_id),
                comment_mentions::position.eq(position),
            ))
            .execute_on(conn)?;
    }
    Ok(CommentRecord {
        id,
        chat_id,
        author_id,
        text: text.to_owned(),
        at,
        mention_ids: mention_ids.to_vec(),
    })
}

pub fn list_comments(conn: &mut DbConn, chat_id: Id) -> Result<Vec<CommentRecord>, StoreError> {
    let rows: Vec<CommentRow> = comments::table
        .filter(comments::chat_id.eq(chat_id))
        .order(comments::id)
        .load_on(conn)?;
    let mentions: Vec<(Id, Id)> = comment_mentions::table
        .inner_join(comments::table)
        .filter(comments::chat_id.eq(chat_id))
        .order((comment_mentions::comment_id, comment_mentions::position))
        .select((comment_mentions::comment_id, comment_mentions::user_id))
        .load_on(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, chat_id, author_id, text, at)| CommentRecord {
            id,
            chat_id,
            author_id,
            text,
            at,
            mention_ids: mentions
                .iter()
                .filter(|(comment_id, _)| *comment_id == id)
                .map(|(_, user_id)| *user_id)
                .collect(),
        })
        .collect())
}
