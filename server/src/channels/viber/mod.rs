//! Viber REST Bot API channel (shared/protocols/viber.md): checks tokens with
//! `get_account_info`, registers the webhook with `set_webhook`, verifies and
//! parses callbacks, sends with `send_message`, and fetches inbound media.
//! Viber's own types stay in this module; the API base URL comes from config
//! (`TIDINGS_VIBER_API_URL`) so tests aim it at a fake. Tokens and message text
//! are never logged.

mod client;
mod media;
mod parse;
mod signature;
mod split;
pub mod status;

use std::time::Duration;

use serde_json::{json, Value};
use shared::api::Channel as ChannelKind;

use self::client::ApiClient;
pub use self::media::{MediaKind, OutboundMedia};
pub use self::signature::{sign, SIGNATURE_HEADER};
use super::media_fetch::MediaClient;
use super::media_hosts::MediaHosts;
use super::{
    Bot, BotProfile, BoxFuture, Channel, ChannelError, FileContent, Headers, Inbound, Outbound,
    PartLog, Reason, Sent, WebhookHealth,
};

/// Viber's limit on a text message.
pub const TEXT_LIMIT: usize = 7000;
/// Viber's limit on `sender.name`.
pub const SENDER_NAME_LIMIT: usize = 28;
/// Longer picture captions go in a text message after the picture
/// (the exact limit is unverified, see the protocol notes §4).
pub const CAPTION_LIMIT: usize = 512;
/// The callbacks we ask for; `message` always comes.
pub const EVENT_TYPES: [&str; 6] = [
    "delivered",
    "seen",
    "failed",
    "subscribed",
    "unsubscribed",
    "conversation_started",
];

const DEFAULT_SENDER_NAME: &str = "Support";
const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);

pub struct ViberChannel {
    client: ApiClient,
    /// Inbound media come only from Viber's own hosts.
    media: MediaClient,
    download_timeout: Duration,
}

impl ViberChannel {
    /// `api_url` is the REST base, e.g. `https://chatapi.viber.com/pa`.
    pub fn new(api_url: url::Url, http: reqwest::Client) -> ViberChannel {
        ViberChannel {
            client: ApiClient::new(&api_url, http, DEFAULT_API_TIMEOUT),
            media: MediaClient::new(MediaHosts::viber(&api_url)),
            download_timeout: DEFAULT_DOWNLOAD_TIMEOUT,
        }
    }

    /// How long one API call may take (`set_webhook` includes Viber's call to
    /// our webhook). Default 30 s.
    pub fn with_timeout(mut self, timeout: Duration) -> ViberChannel {
        self.client.timeout = timeout;
        self
    }

    /// How long downloading one inbound media file may take. Default 120 s.
    pub fn with_download_timeout(mut self, timeout: Duration) -> ViberChannel {
        self.download_timeout = timeout;
        self
    }

    /// Adds what every `send_message` needs: receiver, sender, api version.
    fn address(&self, bot: &Bot, receiver: &str, body: &mut Value) {
        if let Value::Object(fields) = body {
            fields.insert("receiver".into(), receiver.into());
            fields.insert("min_api_version".into(), 1.into());
            fields.insert("sender".into(), json!({"name": sender_name(&bot.name)}));
        }
    }

    async fn send_message(&self, bot: &Bot, body: &Value) -> Result<String, ChannelError> {
        let answer = self
            .client
            .call(bot.token.expose(), "send_message", body)
            .await?;
        answer
            .get("message_token")
            .and_then(parse::integer_text)
            .ok_or_else(|| {
                ChannelError::Malformed(
                    "Viber accepted send_message but returned no message_token".into(),
                )
            })
    }

    /// Sends text parts in order, noting each one's id in `log`: `parts[0]`
    /// is part `first` of the message (which ends with these parts), and
    /// parts before `resume_at` went out in an earlier attempt. A failure after some parts
    /// went out says so in its reason.
    async fn send_parts(
        &self,
        bot: &Bot,
        receiver: &str,
        parts: Vec<String>,
        first: usize,
        resume_at: usize,
        log: &PartLog,
    ) -> Result<(), ChannelError> {
        let total = first + parts.len();
        for (index, part) in parts.into_iter().enumerate() {
            let position = first + index;
            if position < resume_at {
                continue;
            }
            let mut body = json!({"type": "text", "text": part});
            self.address(bot, receiver, &mut body);
            match self.send_message(bot, &body).await {
                Ok(id) => log.record(&id),
                Err(err) if position == 0 => return Err(err),
                Err(err) => {
                    tracing::warn!(
                        integration_id = bot.integration_id,
                        sent = position,
                        total,
                        "Viber refused a later part of a message"
                    );
                    return Err(after_partial_send(err, position, total));
                }
            }
        }
        Ok(())
    }
}

fn after_partial_send(err: ChannelError, sent: usize, total: usize) -> ChannelError {
    let note = format!(" ({sent} of {total} parts had been sent)");
    match err {
        ChannelError::Provider {
            reason,
            retryable,
            retry_after,
            unreachable,
        } => ChannelError::Provider {
            reason: Reason::PartlyDelivered {
                cause: Box::new(reason),
                delivered: sent,
                total,
            },
            retryable,
            retry_after,
            unreachable,
        },
        ChannelError::BadToken(reason) => ChannelError::BadToken(reason + &note),
        ChannelError::Malformed(reason) => ChannelError::Malformed(reason + &note),
        ChannelError::BadSignature => ChannelError::BadSignature,
    }
}

/// Viber requires a sender name of at most 28 characters.
fn sender_name(name: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        DEFAULT_SENDER_NAME.to_owned()
    } else {
        name.chars().take(SENDER_NAME_LIMIT).collect()
    }
}

/// The answer body to a `conversation_started` callback: Viber shows it as
/// the welcome message (shared/protocols/viber.md §3); no `send_message` call.
pub fn welcome_message_body(sender_name: &str, text: &str) -> Value {
    let text: String = text.chars().take(TEXT_LIMIT).collect();
    json!({
        "sender": {"name": self::sender_name(sender_name)},
        "type": "text",
        "text": text,
    })
}

impl Channel for ViberChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Viber
    }

    fn check_token<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<BotProfile, ChannelError>> {
        Box::pin(async move {
            let account = self
                .client
                .call(token, "get_account_info", &json!({}))
                .await?;
            let text = |key: &str| {
                account
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|text| !text.is_empty())
                    .map(str::to_owned)
            };
            let username = text("uri");
            Ok(BotProfile {
                name: text("name")
                    .or_else(|| username.clone())
                    .unwrap_or_default(),
                username,
                avatar_url: text("icon"),
            })
        })
    }

    fn register_webhook<'a>(
        &'a self,
        bot: &'a Bot,
        url: &'a str,
    ) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            let body = json!({
                "url": url,
                "event_types": EVENT_TYPES,
                "send_name": true,
                "send_photo": true,
            });
            self.client
                .call(bot.token.expose(), "set_webhook", &body)
                .await?;
            Ok(())
        })
    }

    fn remove_webhook<'a>(&'a self, bot: &'a Bot) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            self.client
                .call(bot.token.expose(), "set_webhook", &json!({"url": ""}))
                .await?;
            Ok(())
        })
    }

    fn verify(&self, bot: &Bot, headers: &Headers, body: &[u8]) -> Result<(), ChannelError> {
        signature::verify(bot.token.expose(), headers.get(SIGNATURE_HEADER), body)
    }

    fn parse(&self, body: &[u8]) -> Result<Inbound, ChannelError> {
        parse::parse(body)
    }

    fn send<'a>(
        &'a self,
        bot: &'a Bot,
        message: &'a Outbound,
    ) -> BoxFuture<'a, Result<Sent, ChannelError>> {
        Box::pin(async move {
            if let Some(file) = &message.file {
                let FileContent::Url(url) = &file.content else {
                    return Err(ChannelError::permanent(
                        "Viber fetches files from a link; none was given",
                    ));
                };
                let media = OutboundMedia {
                    kind: MediaKind::of(file.mime.as_deref(), file.size),
                    url: url.clone(),
                    name: file.name.clone(),
                    size: file.size,
                    caption: Some(message.text.clone()),
                };
                self.send_media_from(
                    bot,
                    &message.recipient,
                    &media,
                    message.parts_delivered,
                    &message.delivered,
                )
                .await?;
            } else {
                let parts = split::split_text(&message.text, TEXT_LIMIT);
                if parts.is_empty() {
                    return Err(ChannelError::permanent("the message has no text to send"));
                }
                self.send_parts(
                    bot,
                    &message.recipient,
                    parts,
                    0,
                    message.parts_delivered,
                    &message.delivered,
                )
                .await?;
            }
            Ok(Sent {
                external_ids: message.delivered.ids(),
            })
        })
    }

    fn fetches_files_by_url(&self) -> bool {
        true
    }

    fn download<'a>(
        &'a self,
        _bot: &'a Bot,
        external_ref: &'a str,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, ChannelError>> {
        Box::pin(self.download_media(external_ref, max_bytes))
    }

    /// Viber has no webhook-info call: `get_account_info` tells the URL.
    fn webhook_health<'a>(
        &'a self,
        bot: &'a Bot,
    ) -> BoxFuture<'a, Result<WebhookHealth, ChannelError>> {
        Box::pin(async move {
            let account = self
                .client
                .call(bot.token.expose(), "get_account_info", &json!({}))
                .await?;
            Ok(WebhookHealth {
                url: account
                    .get("webhook")
                    .and_then(Value::as_str)
                    .filter(|url| !url.is_empty())
                    .map(str::to_owned),
                ..WebhookHealth::default()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::parse::tests::fixture;
    use super::*;
    use crate::config::Secret;

    const FIXTURE_TOKEN: &str = "44dafb7e0f40021e-61a47a1e6778d187-f2c5a676a07050b3";

    fn channel() -> ViberChannel {
        ViberChannel::new(
            url::Url::parse("http://127.0.0.1:9/pa").expect("a URL"),
            reqwest::Client::new(),
        )
    }

    fn bot(token: &str) -> Bot {
        Bot {
            integration_id: 1,
            token: Secret(token.into()),
            webhook_secret: String::new(),
            name: "Acme Support".into(),
            whatsapp: None,
        }
    }

    fn signed(signature: &str) -> Headers {
        Headers(HashMap::from([(
            SIGNATURE_HEADER.to_owned(),
            signature.to_owned(),
        )]))
    }

    /// The signatures the Python SDK computed for each fixture.
    fn sdk_signatures() -> Vec<(String, String)> {
        let path = format!(
            "{}/../tests/fixtures/viber/signatures.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("the signatures manifest");
        let manifest: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(manifest["token"], FIXTURE_TOKEN);
        manifest["signatures"]
            .as_object()
            .expect("an object of signatures")
            .iter()
            .map(|(file, signature)| {
                let name = file.trim_end_matches(".json").to_owned();
                (name, signature.as_str().expect("a hex string").to_owned())
            })
            .collect()
    }

    #[test]
    fn every_fixture_verifies_with_the_signature_the_sdk_computed() {
        let signatures = sdk_signatures();
        assert!(signatures.len() >= 20);
        for (name, signature) in signatures {
            let body = fixture(&name);
            assert_eq!(sign(FIXTURE_TOKEN, &body), signature, "{name}");
            assert_eq!(
                channel().verify(&bot(FIXTURE_TOKEN), &signed(&signature), &body),
                Ok(()),
                "{name}"
            );
        }
    }

    #[test]
    fn the_header_name_is_matched_case_insensitively() {
        let body = fixture("webhook");
        let headers = Headers(HashMap::from([(
            "x-viber-content-signature".to_owned(),
            sign(FIXTURE_TOKEN, &body),
        )]));
        assert_eq!(
            headers.get("X-Viber-Content-Signature").map(str::len),
            Some(64)
        );
        assert_eq!(
            channel().verify(&bot(FIXTURE_TOKEN), &headers, &body),
            Ok(())
        );
    }

    #[test]
    fn a_signature_made_with_another_token_is_refused() {
        let body = fixture("message_text");
        let signature = sign("another-bot-token", &body);
        assert_eq!(
            channel().verify(&bot(FIXTURE_TOKEN), &signed(&signature), &body),
            Err(ChannelError::BadSignature)
        );
    }

    #[test]
    fn a_callback_without_signature_is_refused() {
        let body = fixture("message_text");
        assert_eq!(
            channel().verify(&bot(FIXTURE_TOKEN), &Headers::default(), &body),
            Err(ChannelError::BadSignature)
        );
    }

    #[test]
    fn a_body_re_serialized_after_signing_is_refused() {
        let body = fixture("message_text_unicode_pretty");
        let signature = sign(FIXTURE_TOKEN, &body);
        let value: Value = serde_json::from_slice(&body).expect("JSON");
        let reserialized = serde_json::to_vec(&value).expect("serializes");
        assert_ne!(reserialized, body);
        assert_eq!(
            channel().verify(&bot(FIXTURE_TOKEN), &signed(&signature), &reserialized),
            Err(ChannelError::BadSignature)
        );
        // The original bytes still verify.
        assert_eq!(
            channel().verify(&bot(FIXTURE_TOKEN), &signed(&signature), &body),
            Ok(())
        );
    }

    #[test]
    fn an_uppercase_hex_signature_is_accepted() {
        let body = fixture("seen");
        let signature = sign(FIXTURE_TOKEN, &body).to_uppercase();
        assert_eq!(
            channel().verify(&bot(FIXTURE_TOKEN), &signed(&signature), &body),
            Ok(())
        );
    }

    #[test]
    fn the_welcome_message_is_a_text_in_send_message_format_without_receiver() {
        assert_eq!(
            welcome_message_body("Acme Support", "Welcome! How can we help?"),
            json!({
                "sender": {"name": "Acme Support"},
                "type": "text",
                "text": "Welcome! How can we help?",
            })
        );
    }

    #[test]
    fn the_welcome_message_respects_viber_limits() {
        let body = welcome_message_body(&"N".repeat(40), &"t".repeat(8000));
        assert_eq!(body["sender"]["name"].as_str().map(str::len), Some(28));
        assert_eq!(body["text"].as_str().map(str::len), Some(7000));
        assert!(body.get("receiver").is_none());
    }

    #[test]
    fn an_empty_sender_name_gets_a_default() {
        assert_eq!(sender_name("  "), "Support");
        assert_eq!(sender_name(" Acme "), "Acme");
        assert_eq!(sender_name(&"Ж".repeat(30)).chars().count(), 28);
    }

    #[test]
    fn a_failure_after_some_parts_says_how_many_went_out() {
        let error = after_partial_send(ChannelError::retryable("Viber: busy"), 1, 3);
        assert_eq!(
            error.to_string(),
            "Viber: busy (after 1 of 3 parts were delivered)"
        );
    }

    #[test]
    fn the_channel_is_viber() {
        assert_eq!(channel().kind(), ChannelKind::Viber);
    }
}
