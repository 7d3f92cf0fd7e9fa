//! Customers' files from Telegram (`getFile` + download) and our uploads
//! (`sendPhoto`, `sendDocument`), with the cloud Bot API's size limits.

use teloxide::payloads::{SendDocumentSetters, SendPhotoSetters};
use teloxide::prelude::Requester;
use teloxide::types::{BusinessConnectionId, FileId, InputFile};

use super::split::{split_text, utf16_len, MAX_CAPTION_UNITS, MAX_TEXT_UNITS};
use super::{client, send, TelegramChannel};
use crate::channels::{
    Bot, ChannelError, FileContent, Outbound, OutboundFile, PartLog, Reason, Sent,
};

/// Telegram's cloud Bot API refuses downloads above 20 MB.
pub const MAX_DOWNLOAD_BYTES: u64 = 20 * 1024 * 1024;
/// Upload limits of the cloud Bot API.
pub const MAX_PHOTO_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_DOCUMENT_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

/// A customer's file fetched from Telegram.
#[derive(Clone, PartialEq, Eq)]
pub struct DownloadedFile {
    pub bytes: Vec<u8>,
    /// Telegram's path of the file (e.g. `documents/file_12.pdf`); original
    /// names and MIME types come from the message, not from here.
    pub file_path: String,
    pub size: u64,
}

impl std::fmt::Debug for DownloadedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadedFile")
            .field("file_path", &self.file_path)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl TelegramChannel {
    /// Fetches a customer's file by its `file_id` (`getFile`, then the file
    /// URL). Files above `max_bytes` or above Telegram's 20 MB download limit
    /// are refused with a permanent error.
    #[tracing::instrument(skip_all, fields(integration_id = bot.integration_id))]
    pub async fn download_file(
        &self,
        bot: &Bot,
        file_id: &str,
        max_bytes: u64,
    ) -> Result<DownloadedFile, ChannelError> {
        let token = bot.token.expose();
        let limit = max_bytes.min(MAX_DOWNLOAD_BYTES);
        let file = self
            .client
            .bot(token)
            .get_file(FileId(file_id.to_owned()))
            .await
            .map_err(|err| send::describe_too_big(send::classify(err)))?;
        let announced = u64::from(file.meta.size);
        if announced > limit {
            return Err(too_big(announced, max_bytes));
        }
        if file.path.is_empty() {
            return Err(ChannelError::permanent(Reason::TelegramFileWithoutPath));
        }
        if file.path.starts_with('/') {
            // A `--local` Bot API server answers with a path on its own disk.
            return Err(ChannelError::permanent(
                "the Bot API server gave a local file path; downloads need a Bot API server running without --local",
            ));
        }
        let bytes = self
            .client
            .download(token, &file.path, limit)
            .await
            .map_err(|err| match err {
                client::DownloadFailure::TooBig(got) => too_big(got, max_bytes),
                client::DownloadFailure::Provider(err) => err,
            })?;
        let size = bytes.len() as u64;
        Ok(DownloadedFile {
            bytes,
            file_path: file.path,
            size,
        })
    }

    /// Uploads a file as a document (`sendDocument`, at most 50 MB).
    #[tracing::instrument(skip_all, fields(integration_id = bot.integration_id))]
    pub async fn send_document(
        &self,
        bot: &Bot,
        recipient: &str,
        bytes: Vec<u8>,
        filename: &str,
        caption: Option<&str>,
    ) -> Result<Sent, ChannelError> {
        let log = PartLog::default();
        let upload = FileUpload {
            kind: Upload::Document,
            bytes,
            filename,
            caption,
            business: None,
        };
        self.send_file(bot, recipient, upload, 0, &log).await?;
        Ok(Sent {
            external_ids: log.ids(),
        })
    }

    /// Uploads a picture as a photo (`sendPhoto`, at most 10 MB).
    #[tracing::instrument(skip_all, fields(integration_id = bot.integration_id))]
    pub async fn send_photo(
        &self,
        bot: &Bot,
        recipient: &str,
        bytes: Vec<u8>,
        filename: &str,
        caption: Option<&str>,
    ) -> Result<Sent, ChannelError> {
        let log = PartLog::default();
        let upload = FileUpload {
            kind: Upload::Photo,
            bytes,
            filename,
            caption,
            business: None,
        };
        self.send_file(bot, recipient, upload, 0, &log).await?;
        Ok(Sent {
            external_ids: log.ids(),
        })
    }

    /// Sends a manager's file with the message text as its caption: a photo
    /// when Telegram can show it as one, else a document.
    pub(super) async fn send_outbound_file(
        &self,
        bot: &Bot,
        message: &Outbound,
        file: &OutboundFile,
    ) -> Result<(), ChannelError> {
        let FileContent::Bytes(bytes) = &file.content else {
            return Err(ChannelError::permanent(
                "Telegram needs the file's bytes to upload it",
            ));
        };
        let kind = if is_photo(file.mime.as_deref(), bytes.len()) {
            Upload::Photo
        } else {
            Upload::Document
        };
        let upload = FileUpload {
            kind,
            // Skipped uploads (a resumed caption) need no copy of the bytes.
            bytes: if message.parts_delivered == 0 {
                bytes.clone()
            } else {
                Vec::new()
            },
            filename: &file.name,
            caption: Some(&message.text),
            business: message.business_connection_id.as_deref(),
        };
        self.send_file(
            bot,
            &message.recipient,
            upload,
            message.parts_delivered,
            &message.delivered,
        )
        .await
    }

    /// Sends the file, then a caption too long to attach as text messages;
    /// the first `skip` of these parts were delivered before.
    async fn send_file(
        &self,
        bot: &Bot,
        recipient: &str,
        upload: FileUpload<'_>,
        skip: usize,
        log: &PartLog,
    ) -> Result<(), ChannelError> {
        let chat_id = send::chat_id(recipient)?;
        let caption = upload
            .caption
            .map(str::trim)
            .filter(|caption| !caption.is_empty());
        // A caption over Telegram's limit goes as text messages after the file
        // rather than failing the whole upload.
        let (inline_caption, follow_up) = match caption {
            Some(caption) if utf16_len(caption) <= MAX_CAPTION_UNITS => (Some(caption), None),
            other => (None, other),
        };
        if skip == 0 {
            let limit = match upload.kind {
                Upload::Photo => MAX_PHOTO_UPLOAD_BYTES,
                Upload::Document => MAX_DOCUMENT_UPLOAD_BYTES,
            };
            if upload.bytes.len() > limit {
                return Err(ChannelError::permanent(format!(
                    "the file is {} bytes; Telegram accepts at most {} MB for a {}",
                    upload.bytes.len(),
                    limit / (1024 * 1024),
                    upload.kind.noun(),
                )));
            }
            let file = InputFile::memory(upload.bytes).file_name(upload.filename.to_owned());
            let bot_api = self.client.long_bot(bot.token.expose());
            let sent = match upload.kind {
                Upload::Photo => {
                    let mut request = bot_api.send_photo(chat_id, file);
                    if let Some(connection) = upload.business {
                        request = request
                            .business_connection_id(BusinessConnectionId(connection.to_owned()));
                    }
                    if let Some(caption) = inline_caption {
                        request = request.caption(caption);
                    }
                    request.await
                }
                Upload::Document => {
                    let mut request = bot_api.send_document(chat_id, file);
                    if let Some(connection) = upload.business {
                        request = request
                            .business_connection_id(BusinessConnectionId(connection.to_owned()));
                    }
                    if let Some(caption) = inline_caption {
                        request = request.caption(caption);
                    }
                    request.await
                }
            }
            .map_err(send::classify)?;
            log.record(&sent.id.0.to_string());
        }
        if let Some(text) = follow_up {
            let bot_api = self.client.bot(bot.token.expose());
            let parts = split_text(text, MAX_TEXT_UNITS);
            let to = send::Destination {
                chat_id,
                business: upload.business,
            };
            send::send_parts(
                &bot_api,
                to,
                &parts,
                skip.saturating_sub(1),
                true,
                log,
                None,
            )
            .await?;
        }
        Ok(())
    }
}

/// Whether Telegram can show these bytes as a photo (`sendPhoto` takes JPEG,
/// PNG and WebP up to 10 MB; anything else goes as a document).
fn is_photo(mime: Option<&str>, size: usize) -> bool {
    matches!(mime, Some("image/jpeg" | "image/png" | "image/webp"))
        && size <= MAX_PHOTO_UPLOAD_BYTES
}

/// One upload and the caption that goes with it.
struct FileUpload<'a> {
    kind: Upload,
    bytes: Vec<u8>,
    filename: &'a str,
    caption: Option<&'a str>,
    /// Telegram Business: the connection to send through.
    business: Option<&'a str>,
}

#[derive(Debug, Clone, Copy)]
enum Upload {
    Photo,
    Document,
}

impl Upload {
    fn noun(self) -> &'static str {
        match self {
            Upload::Photo => "photo",
            Upload::Document => "document",
        }
    }
}

fn too_big(size: u64, max_bytes: u64) -> ChannelError {
    if size > MAX_DOWNLOAD_BYTES {
        ChannelError::permanent(Reason::OverTelegramDownloadLimit { size: Some(size) })
    } else {
        ChannelError::permanent(format!(
            "the file is {size} bytes, over the {max_bytes} bytes allowed here"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_jpeg_png_and_webp_go_as_photos() {
        assert!(is_photo(Some("image/jpeg"), 1000));
        assert!(is_photo(Some("image/webp"), MAX_PHOTO_UPLOAD_BYTES));
        assert!(!is_photo(Some("image/png"), MAX_PHOTO_UPLOAD_BYTES + 1));
        assert!(!is_photo(Some("image/gif"), 1000));
        assert!(!is_photo(Some("application/pdf"), 1000));
        assert!(!is_photo(None, 1000));
    }
}
