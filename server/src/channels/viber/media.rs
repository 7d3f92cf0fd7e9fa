//! Media both ways: pictures and files sent as public URLs Viber fetches
//! (Viber has no upload endpoint), and inbound media downloaded before their
//! links expire (shared/protocols/viber.md §3, §4).

use serde_json::json;

use super::client::http_error;
use super::{split, ViberChannel, CAPTION_LIMIT, TEXT_LIMIT};
use crate::channels::{media_fetch, transport_error, Bot, ChannelError, PartLog, Sent};

/// A file or picture for Viber to fetch from a public URL (Viber has no upload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMedia {
    pub kind: MediaKind,
    /// A public HTTPS URL Viber downloads the media from.
    pub url: String,
    /// The file name shown to the customer, with its extension.
    pub name: String,
    /// Size in bytes (required by Viber for files).
    pub size: u64,
    pub caption: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// JPEG, PNG or non-animated GIF, ≤ 1 MB.
    Picture,
    /// Any allowed file, ≤ 50 MB.
    File,
}

impl MediaKind {
    /// Viber shows JPEG and PNG up to 1 MB as pictures; anything else goes as
    /// a file (protocol notes §4).
    pub fn of(mime: Option<&str>, size: u64) -> MediaKind {
        if matches!(mime, Some("image/jpeg" | "image/png")) && size <= MAX_PICTURE_BYTES {
            MediaKind::Picture
        } else {
            MediaKind::File
        }
    }
}

/// Viber's limit for a `picture` message.
const MAX_PICTURE_BYTES: u64 = 1024 * 1024;

impl ViberChannel {
    /// Sends a picture or file Viber fetches from `media.url`; a caption Viber
    /// cannot attach follows as text. Returns the ids of every message sent.
    pub async fn send_media(
        &self,
        bot: &Bot,
        receiver: &str,
        media: &OutboundMedia,
    ) -> Result<Sent, ChannelError> {
        let log = PartLog::default();
        self.send_media_from(bot, receiver, media, 0, &log).await?;
        Ok(Sent {
            external_ids: log.ids(),
        })
    }

    /// Same, skipping the first `resume_at` parts (the media, then caption
    /// texts) and noting each part sent in `log`.
    pub(super) async fn send_media_from(
        &self,
        bot: &Bot,
        receiver: &str,
        media: &OutboundMedia,
        resume_at: usize,
        log: &PartLog,
    ) -> Result<(), ChannelError> {
        let caption = media
            .caption
            .as_deref()
            .map(str::trim)
            .filter(|caption| !caption.is_empty());
        let (mut body, caption_after) = match media.kind {
            MediaKind::Picture => {
                let fits = caption.is_some_and(|caption| caption.chars().count() <= CAPTION_LIMIT);
                let inline = if fits {
                    caption.unwrap_or_default()
                } else {
                    ""
                };
                let body = json!({"type": "picture", "media": media.url, "text": inline});
                (body, caption.filter(|_| !fits))
            }
            MediaKind::File => {
                let body = json!({
                    "type": "file",
                    "media": media.url,
                    "size": media.size,
                    "file_name": file_name(&media.name),
                });
                (body, caption)
            }
        };
        if resume_at == 0 {
            self.address(bot, receiver, &mut body);
            log.record(&self.send_message(bot, &body).await?);
        }
        if let Some(caption) = caption_after {
            let parts = split::split_text(caption, TEXT_LIMIT);
            self.send_parts(bot, receiver, parts, 1, resume_at, log)
                .await?;
        }
        Ok(())
    }

    /// Downloads an inbound media URL (they expire: call it while handling the
    /// callback), refusing more than `max_bytes` and any host but Viber's own.
    pub async fn download_media(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>, ChannelError> {
        let what = "the Viber media download";
        let failed = |err: reqwest::Error| match media_fetch::refusal(&err) {
            Some(refused) => ChannelError::from(refused),
            None => transport_error(what, err),
        };
        // No auth header: media links are public, and the token must not
        // leave for another host.
        let response = self
            .media
            .get(url)?
            .timeout(self.download_timeout)
            .send()
            .await
            .map_err(failed)?;
        let status = response.status();
        if !status.is_success() {
            return Err(http_error(what, status));
        }
        media_fetch::read_limited(response, max_bytes, failed).await
    }
}

/// Viber refuses file names over 256 characters; keep the extension.
fn file_name(name: &str) -> String {
    const LIMIT: usize = 256;
    let name = name.trim();
    let name = if name.is_empty() { "file" } else { name };
    if name.chars().count() <= LIMIT {
        return name.to_owned();
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension)
        .filter(|extension| extension.chars().count() < 16)
        .unwrap_or("");
    let stem_limit = LIMIT - extension.chars().count() - usize::from(!extension.is_empty());
    let stem: String = name.chars().take(stem_limit).collect();
    if extension.is_empty() {
        stem
    } else {
        format!("{stem}.{extension}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_file_name_keeps_its_extension() {
        let name = format!("{}.pdf", "a".repeat(300));
        let shortened = file_name(&name);
        assert_eq!(shortened.chars().count(), 256);
        assert!(shortened.ends_with(".pdf"));
        assert_eq!(file_name("report.pdf"), "report.pdf");
        assert_eq!(file_name(""), "file");
    }

    #[test]
    fn only_small_jpeg_and_png_are_pictures() {
        assert_eq!(MediaKind::of(Some("image/jpeg"), 1000), MediaKind::Picture);
        assert_eq!(
            MediaKind::of(Some("image/png"), MAX_PICTURE_BYTES),
            MediaKind::Picture
        );
        assert_eq!(
            MediaKind::of(Some("image/png"), MAX_PICTURE_BYTES + 1),
            MediaKind::File
        );
        assert_eq!(MediaKind::of(Some("image/webp"), 1000), MediaKind::File);
        assert_eq!(MediaKind::of(None, 10), MediaKind::File);
    }
}
