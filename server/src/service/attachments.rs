//! Customers' attachments: a worker downloads them from the messenger into the
//! data directory soon after they arrive (Viber's links expire; Telegram's
//! file ids stay, but a token change would lose them), and only users who may
//! see the chat can read them back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::TimeDelta;
use rand::RngCore;
use sha2::{Digest, Sha256};
use shared::Id;
use tokio::sync::watch;

use super::integrations::bot;
use super::{Context, ServiceError};
use crate::channels::{ChannelError, FileContent, OutboundFile, Reason};
use crate::domain::account::User;
use crate::domain::policy::ChatAction;
use crate::store::timeline::AttachmentRecord;
use crate::store::{integrations, media_links, now, timeline, StoreError};

/// The Bot API cannot hand out larger files; Viber media is held to the same.
pub const MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;
const POLL_EVERY: Duration = Duration::from_secs(2);
/// Attempts per attachment within one round before it waits for the next.
const ATTEMPTS: u32 = 3;

/// How long a messenger may fetch an outbound file from its public link.
pub const MEDIA_LINK_LIFETIME: TimeDelta = TimeDelta::days(7);

/// Where attachment files live, under the data directory.
pub const ATTACHMENTS_DIR: &str = "attachments";

/// An attachment's file, named by its id.
pub fn attachment_file(data_dir: &Path, id: Id) -> PathBuf {
    data_dir.join(ATTACHMENTS_DIR).join(id.to_string())
}

fn file_path(ctx: &Context, id: Id) -> PathBuf {
    attachment_file(&ctx.config.data_dir, id)
}

/// A file name fit for a `Content-Disposition` header: the name is the
/// customer's or the uploader's, so only safe characters are kept.
pub fn header_safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// An outbound message's file as its messenger takes it: its bytes, or a new
/// public link for messengers that fetch files themselves. `Ok(Err(reason))`
/// when the file cannot be sent at all.
pub async fn for_messenger(
    ctx: &Context,
    attachment: &AttachmentRecord,
    by_url: bool,
) -> Result<Result<OutboundFile, Reason>, StoreError> {
    let id = attachment.id;
    let (content, size) = if by_url {
        let mut token = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut token);
        let token = hex::encode(token);
        let token_hash = hex::encode(Sha256::digest(token.as_bytes()));
        let expires_at = now() + MEDIA_LINK_LIFETIME;
        ctx.store
            .run(move |conn| media_links::insert_media_link(conn, id, &token_hash, expires_at))
            .await?;
        let url = format!(
            "{}/media/{token}",
            ctx.config.public_url.as_str().trim_end_matches('/')
        );
        let size = attachment.size.and_then(|s| u64::try_from(s).ok());
        (FileContent::Url(url), size.unwrap_or(0))
    } else {
        match tokio::fs::read(file_path(ctx, id)).await {
            Ok(bytes) => {
                let size = bytes.len() as u64;
                (FileContent::Bytes(bytes), size)
            }
            Err(err) => {
                tracing::error!(attachment_id = id, %err, "an outbound file is missing");
                return Ok(Err(Reason::FileMissing));
            }
        }
    };
    Ok(Ok(OutboundFile {
        name: attachment.name.clone(),
        mime: attachment.mime.clone(),
        size,
        content,
    }))
}

/// The file behind a public media link, while the link is valid (no sign-in:
/// the messenger fetches it; the token is the credential).
pub async fn read_linked(ctx: &Context, token: &str) -> Result<AttachmentFile, ServiceError> {
    let token_hash = hex::encode(Sha256::digest(token.as_bytes()));
    let attachment = ctx
        .store
        .run(move |conn| media_links::find_linked_file(conn, &token_hash))
        .await?
        .ok_or(ServiceError::NotFound("media"))?;
    AttachmentFile::open(ctx, attachment.id, attachment.name, attachment.mime)
        .await
        .ok_or(ServiceError::NotFound("media"))
}

/// Downloads pending attachments until `shutdown`.
pub async fn run(ctx: Context, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(err) = fetch_pending(&ctx).await {
            tracing::warn!(%err, "attachment download round failed");
        }
        tokio::select! {
            _ = ctx.attachments_ready.notified() => {}
            _ = tokio::time::sleep(POLL_EVERY) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// One round over what is pending; returns how many were stored.
pub async fn fetch_pending(ctx: &Context) -> Result<usize, StoreError> {
    let pending = ctx
        .store
        .run(|conn| timeline::pending_attachments(conn, 20))
        .await?;
    let mut stored = 0;
    for (attachment, integration_id) in pending {
        let integration = ctx
            .store
            .run(move |conn| integrations::find_integration(conn, integration_id))
            .await?;
        let Some(channel) = ctx.channels.get(integration.kind).cloned() else {
            continue;
        };
        let Some(external_ref) = attachment.external_ref.clone() else {
            continue;
        };
        let bot = bot(&integration);
        let mut outcome = Err(ChannelError::retryable("not tried"));
        for attempt in 0..ATTEMPTS {
            outcome = channel
                .download(&bot, &external_ref, MAX_ATTACHMENT_BYTES)
                .await;
            match &outcome {
                Err(ChannelError::Provider {
                    retryable: true, ..
                }) if attempt + 1 < ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(300 << attempt)).await;
                }
                _ => break,
            }
        }
        let id = attachment.id;
        match outcome {
            Ok(bytes) => {
                let path = file_path(ctx, id);
                if let Some(dir) = path.parent() {
                    tokio::fs::create_dir_all(dir).await.map_err(|err| {
                        StoreError::Unavailable(format!("cannot create {}: {err}", dir.display()))
                    })?;
                }
                tokio::fs::write(&path, &bytes).await.map_err(|err| {
                    StoreError::Unavailable(format!("cannot write {}: {err}", path.display()))
                })?;
                let relative = format!("attachments/{id}");
                let size = bytes.len() as i64;
                ctx.store
                    .run(move |conn| timeline::set_attachment_path(conn, id, &relative, size))
                    .await?;
                stored += 1;
            }
            Err(ChannelError::Provider {
                retryable: true,
                reason,
                ..
            }) => {
                tracing::warn!(attachment_id = id, %reason, "attachment download failed; will retry");
            }
            Err(err) => {
                let reason = match err {
                    ChannelError::Provider { reason, .. } => reason,
                    other => Reason::words(other.to_string()),
                };
                tracing::info!(attachment_id = id, %reason, "attachment cannot be downloaded");
                let reason = reason.stored();
                ctx.store
                    .run(move |conn| timeline::set_attachment_error(conn, id, &reason))
                    .await?;
            }
        }
    }
    Ok(stored)
}

/// A stored attachment, opened for streaming: its file, size, name and type.
pub struct AttachmentFile {
    pub file: tokio::fs::File,
    pub size: u64,
    pub name: String,
    pub mime: Option<String>,
}

impl AttachmentFile {
    /// `None` when the file is missing from the data directory.
    async fn open(
        ctx: &Context,
        id: Id,
        name: String,
        mime: Option<String>,
    ) -> Option<AttachmentFile> {
        let path = file_path(ctx, id);
        let file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(err) => {
                tracing::warn!(attachment_id = id, %err, "a stored attachment cannot be opened");
                return None;
            }
        };
        let size = file.metadata().await.ok()?.len();
        Some(AttachmentFile {
            file,
            size,
            name,
            mime,
        })
    }
}

/// A stored attachment, if the caller may see its chat.
pub async fn read(ctx: &Context, caller: &User, id: Id) -> Result<AttachmentFile, ServiceError> {
    let caller = caller.clone();
    let attachment = ctx
        .store
        .run(move |conn| {
            Ok((|| {
                let (attachment, chat_id) = timeline::find_attachment(conn, id)
                    .map_err(ServiceError::not_found_as("attachment"))?;
                super::chats::authorize(conn, &caller, chat_id, ChatAction::View)
                    .map_err(|_| ServiceError::NotFound("attachment"))?;
                Ok::<_, ServiceError>(attachment)
            })())
        })
        .await??;
    if attachment.path.is_none() {
        return Err(ServiceError::NotFound("attachment file"));
    }
    AttachmentFile::open(ctx, id, attachment.name, attachment.mime)
        .await
        .ok_or(ServiceError::NotFound("attachment file"))
}
