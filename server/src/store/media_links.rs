//! Public links to our outbound files, for messengers that fetch media from a
//! URL (Viber). Only a hash of each link's token is stored, and a link stops
//! working when it expires.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use super::schema::{attachments, media_links};
use super::timeline::{AttachmentRecord, ATTACHMENT_COLUMNS};
use super::{now, DbConn, StoreError};
use crate::store::OnBackend;

/// Stores a link (by its token's hash) and forgets expired ones.
pub fn insert_media_link(
    conn: &mut DbConn,
    attachment_id: Id,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    let at = now();
    diesel::delete(media_links::table.filter(media_links::expires_at.le(at))).execute_on(conn)?;
    diesel::insert_into(media_links::table)
        .values((
            media_links::token.eq(token_hash),
            media_links::attachment_id.eq(attachment_id),
            media_links::expires_at.eq(expires_at),
            media_links::created_at.eq(at),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// The file a link points at, while the link has not expired.
pub fn find_linked_file(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<AttachmentRecord>, StoreError> {
    Ok(media_links::table
        .inner_join(attachments::table)
        .filter(media_links::token.eq(token_hash))
        .filter(media_links::expires_at.gt(now()))
        .select(ATTACHMENT_COLUMNS)
        .first_on(conn)
        .optional()?)
}
