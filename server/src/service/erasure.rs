//! Erasing a contact on a customer's request: the rows go in one transaction,
//! then their files. A crash between the two leaves files no row points at;
//! [`remove_orphan_files`] removes those at the next start, so a row never
//! points at a missing file.

use std::path::Path;
use std::time::Duration;

use shared::ws::ServerMsg;
use shared::Id;

use super::attachments::{attachment_file, ATTACHMENTS_DIR};
use super::{Context, ServiceError};
use crate::domain::account::User;
use crate::domain::policy::{decide, Action};
use crate::realtime;
use crate::store::erasure::{self, Erased};
use crate::store::{Store, StoreError};

/// A file younger than this may belong to an attachment whose row another
/// node has not committed yet (an upload moves its file inside that
/// transaction); the sweep leaves it.
const ORPHAN_AFTER: Duration = Duration::from_secs(600);
/// Attachment ids looked up per query by the sweep.
const SWEEP_CHUNK: usize = 500;

/// Erases the contact with its chats, messages, files and search entries;
/// its deals stay, without it. Admins only.
pub async fn erase_contact(
    ctx: &Context,
    caller: &User,
    contact_id: Id,
) -> Result<(), ServiceError> {
    ServiceError::check(decide(caller.role, Action::EraseContacts), "contact")?;
    let erased = ctx
        .store
        .run(move |conn| erasure::erase_contact(conn, contact_id, announce_removed))
        .await
        .map_err(ServiceError::not_found_as("contact"))?;
    ctx.hub.wake();
    // Who, when (the log line's time) and which contact; nothing about the person.
    tracing::info!(
        admin_user_id = caller.id,
        contact_id,
        chats = erased.chats.len(),
        attachments = erased.attachment_ids.len(),
        "contact erased"
    );
    for id in erased.attachment_ids {
        remove_file(&attachment_file(&ctx.config.data_dir, id)).await;
    }
    Ok(())
}

/// Open apps drop the erased chats (logged with the erasure, ids only).
fn announce_removed(conn: &mut crate::store::DbConn, erased: &Erased) -> Result<(), StoreError> {
    for (chat_id, follower_ids) in &erased.chats {
        realtime::record_for_chat_followers(
            conn,
            *chat_id,
            follower_ids.clone(),
            ServerMsg::ChatRemoved { chat_id: *chat_id },
        )?;
    }
    Ok(())
}

async fn remove_file(path: &Path) {
    match tokio::fs::remove_file(path).await {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        // The start-up sweep tries again.
        Err(err) => tracing::warn!(path = %path.display(), %err, "cannot remove an erased file"),
    }
}

/// Removes attachment files that no attachment row references (left by a
/// crash between an erasure's commit and its file removals); returns how many.
pub async fn remove_orphan_files(store: &Store, data_dir: &Path) -> Result<usize, StoreError> {
    let candidates = old_attachment_files(&data_dir.join(ATTACHMENTS_DIR)).await;
    let mut removed = 0;
    for chunk in candidates.chunks(SWEEP_CHUNK) {
        let ids: Vec<Id> = chunk.iter().map(|(id, _)| *id).collect();
        let existing = store
            .run(move |conn| erasure::existing_attachments(conn, &ids))
            .await?;
        for (id, path) in chunk {
            if !existing.contains(id) && tokio::fs::remove_file(path).await.is_ok() {
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Files named by an attachment id and older than [`ORPHAN_AFTER`].
async fn old_attachment_files(dir: &Path) -> Vec<(Id, std::path::PathBuf)> {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return Vec::new();
    };
    let mut found = Vec::new();
    while let Ok(Some(entry)) = entries.next_entry().await {
        let Some(id) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<Id>().ok())
        else {
            continue;
        };
        let age = entry
            .metadata()
            .await
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok());
        if age.is_some_and(|age| age > ORPHAN_AFTER) {
            found.push((id, entry.path()));
        }
    }
    found
}
