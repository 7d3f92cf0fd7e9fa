//! Sending from the business number: `POST {base}/{phone_number_id}/messages`
//! with texts (split at 4096 characters), templates, and files uploaded
//! first with `POST {base}/{phone_number_id}/media` and then sent by media
//! id (<https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages>).
//! Parts an earlier attempt delivered are skipped; each part sent is noted.
//! A quoted message rides as `context: {message_id}` on the first part.

use serde_json::{json, Value};

use super::WhatsAppChannel;
use crate::channels::telegram::split_text;
use crate::channels::{
    Bot, ChannelError, FileContent, Outbound, OutboundFile, OutboundTemplate, PartLog,
};
use crate::domain::whatsapp::WhatsAppNumber;

/// WhatsApp's limit on a text message's body.
pub const TEXT_LIMIT: usize = 4096;
/// WhatsApp's limit on a media caption; a longer one follows as text.
pub const CAPTION_LIMIT: usize = 1024;

/// How WhatsApp shows a file: by its type (and the limits of each kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
}

impl MediaKind {
    pub(super) fn of(mime: Option<&str>, size: u64) -> MediaKind {
        const MB: u64 = 1024 * 1024;
        match mime {
            Some("image/jpeg" | "image/png") if size <= 5 * MB => MediaKind::Image,
            Some("video/mp4" | "video/3gpp") if size <= 16 * MB => MediaKind::Video,
            Some("audio/aac" | "audio/mp4" | "audio/mpeg" | "audio/amr" | "audio/ogg")
                if size <= 16 * MB =>
            {
                MediaKind::Audio
            }
            _ => MediaKind::Document,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
        }
    }

    fn takes_caption(self) -> bool {
        self != MediaKind::Audio
    }
}

/// The `template` object of a template message.
pub(super) fn template_body(template: &OutboundTemplate) -> Value {
    let mut body = json!({
        "name": template.name,
        "language": {"code": template.language},
    });
    if !template.parameters.is_empty() {
        let parameters: Vec<Value> = template
            .parameters
            .iter()
            .map(|value| json!({"type": "text", "text": value}))
            .collect();
        body["components"] = json!([{"type": "body", "parameters": parameters}]);
    }
    body
}

impl WhatsAppChannel {
    pub(super) async fn post_message(
        &self,
        bot: &Bot,
        number: &WhatsAppNumber,
        to: &str,
        kind: &str,
        content: Value,
        quoting: Option<&str>,
    ) -> Result<String, ChannelError> {
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": kind,
        });
        body[kind] = content;
        if let Some(quoted) = quoting {
            body["context"] = json!({"message_id": quoted});
        }
        let answer = self
            .client
            .post(
                bot.token.expose(),
                &format!("{}/messages", number.phone_number_id),
                &body,
            )
            .await?;
        answer
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                ChannelError::Malformed("WhatsApp accepted a message but returned no id".into())
            })
    }

    /// Uploads a file to the number's media store; returns its media id.
    async fn upload(
        &self,
        bot: &Bot,
        number: &WhatsAppNumber,
        file: &OutboundFile,
        bytes: &[u8],
    ) -> Result<String, ChannelError> {
        let mime = file
            .mime
            .clone()
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let part = reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name(file.name.clone())
            .mime_str(&mime)
            .map_err(|_| ChannelError::permanent(format!("{mime} is not a media type")))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime)
            .part("file", part);
        let answer = self
            .client
            .post_form(
                bot.token.expose(),
                &format!("{}/media", number.phone_number_id),
                form,
            )
            .await?;
        answer
            .get("id")
            .and_then(|id| match id {
                Value::String(id) => Some(id.clone()),
                Value::Number(id) => Some(id.to_string()),
                _ => None,
            })
            .ok_or_else(|| {
                ChannelError::Malformed("WhatsApp accepted an upload but returned no id".into())
            })
    }

    /// Sends the message's parts from `resume_at` on, noting each in `log`.
    pub(super) async fn send_message(
        &self,
        bot: &Bot,
        number: &WhatsAppNumber,
        message: &Outbound,
    ) -> Result<(), ChannelError> {
        let to = message.recipient.as_str();
        let log: &PartLog = &message.delivered;
        let resume_at = message.parts_delivered;
        // The quote rides on the first part only, as in the messenger a
        // manager answering in several parts would quote once.
        let quoting = |position: usize| {
            (position == 0)
                .then_some(message.reply_to_external_id.as_deref())
                .flatten()
        };
        if let Some(template) = &message.template {
            if resume_at == 0 {
                let id = self
                    .post_message(bot, number, to, "template", template_body(template), None)
                    .await?;
                log.record(&id);
            }
            return Ok(());
        }
        let mut texts = Vec::new();
        let mut position = 0;
        if let Some(file) = &message.file {
            let FileContent::Bytes(bytes) = &file.content else {
                return Err(ChannelError::permanent(
                    "WhatsApp takes files as uploads; no bytes were given",
                ));
            };
            let kind = MediaKind::of(file.mime.as_deref(), file.size);
            let caption = message.text.trim();
            let inline = kind.takes_caption()
                && !caption.is_empty()
                && caption.chars().count() <= CAPTION_LIMIT;
            if !inline && !caption.is_empty() {
                texts = split_text(caption, TEXT_LIMIT);
            }
            if resume_at == 0 {
                let media_id = self.upload(bot, number, file, bytes).await?;
                let mut content = json!({"id": media_id});
                if inline {
                    content["caption"] = json!(caption);
                }
                if kind == MediaKind::Document {
                    content["filename"] = json!(file.name);
                }
                let id = self
                    .post_message(bot, number, to, kind.as_str(), content, quoting(0))
                    .await?;
                log.record(&id);
            }
            position = 1;
        } else {
            texts = split_text(&message.text, TEXT_LIMIT);
            if texts.is_empty() {
                return Err(ChannelError::permanent("the message has no text to send"));
            }
        }
        for part in texts {
            if position >= resume_at {
                let content = json!({"body": part, "preview_url": false});
                let id = self
                    .post_message(bot, number, to, "text", content, quoting(position))
                    .await?;
                log.record(&id);
            }
            position += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_go_as_the_kind_whatsapp_shows_within_its_limits() {
        assert_eq!(MediaKind::of(Some("image/png"), 1000), MediaKind::Image);
        assert_eq!(
            MediaKind::of(Some("image/png"), 6 * 1024 * 1024),
            MediaKind::Document
        );
        assert_eq!(MediaKind::of(Some("image/webp"), 1000), MediaKind::Document);
        assert_eq!(MediaKind::of(Some("video/mp4"), 1000), MediaKind::Video);
        assert_eq!(MediaKind::of(Some("audio/ogg"), 1000), MediaKind::Audio);
        assert_eq!(
            MediaKind::of(Some("application/pdf"), 1000),
            MediaKind::Document
        );
        assert_eq!(MediaKind::of(None, 1000), MediaKind::Document);
    }

    #[test]
    fn a_template_carries_its_values_as_body_parameters() {
        let template = OutboundTemplate {
            name: "order_update".into(),
            language: "en_US".into(),
            parameters: vec!["Ana".into(), "#42".into()],
        };
        assert_eq!(
            template_body(&template),
            json!({
                "name": "order_update",
                "language": {"code": "en_US"},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": "Ana"},
                    {"type": "text", "text": "#42"}
                ]}]
            })
        );
        let plain = OutboundTemplate {
            parameters: Vec::new(),
            ..template
        };
        assert!(template_body(&plain).get("components").is_none());
    }
}
