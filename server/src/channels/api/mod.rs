//! The Channel API (docs/CHANNEL_API.md): any other messenger through an
//! integrator's bridge. Inbound events arrive signed at `/hooks/api/{id}`;
//! replies are POSTed, signed the same way, to the integration's callback
//! URL. Nothing is registered anywhere: the integrator is told our webhook URL
//! and the secret. The callback URL travels as the bot's token and the secret
//! as its webhook secret (see `Integration::callback_url`). Message text and
//! the secret are never logged.

mod parse;
mod signature;

use std::time::Duration;

use serde_json::{json, Value};
use shared::api::Channel as ChannelKind;

pub use self::parse::{ATTACHMENT_KINDS, EVENT_TYPES};
pub use self::signature::{sign, SIGNATURE_HEADER};
use super::media_fetch::{self, MediaClient};
use super::media_hosts::MediaHosts;
use super::{
    Bot, BotProfile, BoxFuture, Channel, ChannelError, FileContent, Headers, Inbound, Outbound,
    Sent, WebhookHealth,
};

/// How much of a receiver's answer is kept as a failure's reason.
const REASON_LIMIT: usize = 500;
const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);

pub struct ApiChannel {
    http: reqwest::Client,
    /// How long the receiver may take to answer one reply.
    timeout: Duration,
    download_timeout: Duration,
}

/// What a receiver answered to a signed POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The start of the body, as text.
    pub body: String,
}

impl ApiChannel {
    pub fn new(http: reqwest::Client, timeout: Duration) -> ApiChannel {
        ApiChannel {
            http,
            timeout,
            download_timeout: DEFAULT_DOWNLOAD_TIMEOUT,
        }
    }

    /// POSTs `body` to `callback_url`, signed with `secret`. Transport
    /// failures (refused, reset, timed out) are retryable errors.
    pub async fn post_signed(
        &self,
        callback_url: &str,
        secret: &str,
        body: &Value,
    ) -> Result<Answer, ChannelError> {
        let bytes = serde_json::to_vec(body).expect("a JSON value serializes");
        let response = self
            .http
            .post(callback_url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, sign(secret, &bytes))
            .timeout(self.timeout)
            .body(bytes)
            .send()
            .await
            .map_err(|err| transport_error(&err))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|err| transport_error(&err))?;
        Ok(Answer {
            status,
            body: text.chars().take(REASON_LIMIT).collect(),
        })
    }

    /// Posts a signed `{type: "ping", id}` to the callback URL (the form's
    /// "Send a test event"); any answer is returned, an unreachable receiver
    /// is an error.
    pub async fn ping(
        &self,
        callback_url: &str,
        secret: &str,
        event_id: &str,
    ) -> Result<Answer, ChannelError> {
        let body = json!({
            "type": "ping",
            "id": event_id,
            "at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
        self.post_signed(callback_url, secret, &body).await
    }
}

fn transport_error(err: &reqwest::Error) -> ChannelError {
    let what = if err.is_timeout() {
        "the receiver did not answer in time"
    } else if err.is_connect() {
        "cannot connect to the callback URL"
    } else {
        "the connection to the callback URL failed"
    };
    ChannelError::retryable(what)
}

/// A callback URL must be an absolute http(s) URL with a host.
pub fn check_callback_url(url: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|_| "the callback URL is not an absolute URL".to_owned())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err("the callback URL must be an http or https URL".to_owned());
    }
    Ok(parsed)
}

/// The `reply` event for one outbound message (docs/CHANNEL_API.md): its `id`
/// depends only on the message, so every retry carries the same one.
pub fn reply_body(message: &Outbound) -> Value {
    let attachments: Vec<Value> = message
        .file
        .iter()
        .filter_map(|file| match &file.content {
            FileContent::Url(url) => Some(json!({
                "url": url,
                "name": file.name,
                "kind": attachment_kind(file.mime.as_deref()),
            })),
            FileContent::Bytes(_) => None,
        })
        .collect();
    let origin = &message.origin;
    // A test message (health page) belongs to no chat: it gets an id of its own.
    let message_id = match origin.item_id {
        0 => format!("test-{}", random_hex()),
        item_id => item_id.to_string(),
    };
    json!({
        "type": "reply",
        "id": format!("reply-{message_id}"),
        "chat_id": origin.chat_id,
        "customer_id": message.recipient,
        "auto": origin.auto,
        "message": {
            "id": message_id,
            "text": message.text,
            "attachments": attachments,
            "reply_to_id": message.reply_to_external_id,
        },
    })
}

fn random_hex() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The Channel API's kind for a file we send, by its type.
fn attachment_kind(mime: Option<&str>) -> &'static str {
    match mime.and_then(|mime| mime.split('/').next()) {
        Some("image") => "image",
        Some("video") => "video",
        Some("audio") => "audio",
        _ => "document",
    }
}

/// What a receiver's answer to a reply means: 2xx sent (with its
/// `message_id`, else our own id), 4xx refused for good with its text, other
/// statuses tried again.
fn reply_outcome(answer: Answer, our_id: String) -> Result<Sent, ChannelError> {
    match answer.status {
        200..=299 => {
            let provider_id = serde_json::from_str::<Value>(&answer.body)
                .ok()
                .and_then(|body| match body.get("message_id") {
                    Some(Value::String(id)) if !id.trim().is_empty() => Some(id.clone()),
                    Some(Value::Number(id)) => Some(id.to_string()),
                    _ => None,
                });
            Ok(Sent {
                external_ids: vec![provider_id.unwrap_or(our_id)],
            })
        }
        400..=499 => {
            let text = answer.body.trim();
            Err(ChannelError::permanent(if text.is_empty() {
                format!("the receiver refused the message (HTTP {})", answer.status)
            } else {
                text.to_owned()
            }))
        }
        status => Err(ChannelError::retryable(format!(
            "the receiver answered HTTP {status}"
        ))),
    }
}

impl Channel for ApiChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Api
    }

    /// The "token" is the callback URL: it must be http(s).
    fn check_token<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<BotProfile, ChannelError>> {
        Box::pin(async move {
            let url = check_callback_url(token).map_err(ChannelError::BadToken)?;
            Ok(BotProfile {
                name: url.host_str().unwrap_or_default().to_owned(),
                username: None,
                avatar_url: None,
            })
        })
    }

    /// The integrator is told our webhook URL; nothing to register.
    fn register_webhook<'a>(
        &'a self,
        _bot: &'a Bot,
        _url: &'a str,
    ) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async { Ok(()) })
    }

    fn remove_webhook<'a>(&'a self, _bot: &'a Bot) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async { Ok(()) })
    }

    fn verify(&self, bot: &Bot, headers: &Headers, body: &[u8]) -> Result<(), ChannelError> {
        signature::verify(&bot.webhook_secret, headers.get(SIGNATURE_HEADER), body)
    }

    fn parse(&self, body: &[u8]) -> Result<Inbound, ChannelError> {
        parse::parse(body)
    }

    fn fetches_files_by_url(&self) -> bool {
        true
    }

    fn send<'a>(
        &'a self,
        bot: &'a Bot,
        message: &'a Outbound,
    ) -> BoxFuture<'a, Result<Sent, ChannelError>> {
        Box::pin(async move {
            // An earlier attempt was answered 2xx already: nothing is left.
            if message.parts_delivered > 0 {
                return Ok(Sent {
                    external_ids: Vec::new(),
                });
            }
            let answer = self
                .post_signed(
                    bot.token.expose(),
                    &bot.webhook_secret,
                    &reply_body(message),
                )
                .await?;
            let sent = reply_outcome(answer, message.origin.item_id.to_string())?;
            for id in &sent.external_ids {
                message.delivered.record(id);
            }
            Ok(sent)
        })
    }

    fn download<'a>(
        &'a self,
        bot: &'a Bot,
        external_ref: &'a str,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, ChannelError>> {
        Box::pin(async move {
            let callback =
                check_callback_url(bot.token.expose()).map_err(ChannelError::permanent)?;
            let client = MediaClient::new(MediaHosts::channel_api(&callback));
            let request = client.get(external_ref)?.timeout(self.download_timeout);
            media_fetch::download(request, max_bytes).await
        })
    }

    /// Nothing to ask: the integrator posts to the URL it was given.
    fn webhook_health<'a>(
        &'a self,
        _bot: &'a Bot,
    ) -> BoxFuture<'a, Result<WebhookHealth, ChannelError>> {
        Box::pin(async { Ok(WebhookHealth::default()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::{Origin, OutboundFile};

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.to_owned(),
        }
    }

    #[test]
    fn a_2xx_answer_is_sent_with_the_receivers_id_or_ours() {
        assert_eq!(
            reply_outcome(answer(200, r#"{"message_id": "p-1"}"#), "42".into()),
            Ok(Sent {
                external_ids: vec!["p-1".into()]
            })
        );
        assert_eq!(
            reply_outcome(answer(204, ""), "42".into()),
            Ok(Sent {
                external_ids: vec!["42".into()]
            })
        );
    }

    #[test]
    fn a_4xx_answer_fails_for_good_with_its_text_and_a_5xx_is_retried() {
        let refused = reply_outcome(answer(422, "unknown customer"), "1".into());
        assert_eq!(refused, Err(ChannelError::permanent("unknown customer")));
        let empty = reply_outcome(answer(404, " "), "1".into());
        assert_eq!(
            empty,
            Err(ChannelError::permanent(
                "the receiver refused the message (HTTP 404)"
            ))
        );
        let busy = reply_outcome(answer(503, "busy"), "1".into());
        assert_eq!(
            busy,
            Err(ChannelError::retryable("the receiver answered HTTP 503"))
        );
    }

    #[test]
    fn the_reply_names_the_message_the_chat_and_the_customer() {
        let message = Outbound {
            file: Some(OutboundFile {
                name: "price.pdf".into(),
                mime: Some("application/pdf".into()),
                size: 10,
                content: FileContent::Url("https://t.example/media/abc".into()),
            }),
            origin: Origin {
                chat_id: 7,
                item_id: 42,
                auto: true,
            },
            reply_to_external_id: Some("m-1".into()),
            ..Outbound::text("c-1", "Hello")
        };
        assert_eq!(
            reply_body(&message),
            json!({
                "type": "reply", "id": "reply-42", "chat_id": 7, "customer_id": "c-1", "auto": true,
                "message": {"id": "42", "text": "Hello", "reply_to_id": "m-1",
                    "attachments": [{"url": "https://t.example/media/abc", "name": "price.pdf", "kind": "document"}]}
            })
        );
    }

    #[test]
    fn a_callback_url_must_be_http_or_https() {
        assert!(check_callback_url("https://bridge.example.com/tidings").is_ok());
        assert!(check_callback_url("http://127.0.0.1:8080/in").is_ok());
        assert!(check_callback_url("ftp://bridge.example.com").is_err());
        assert!(check_callback_url("bridge.example.com/in").is_err());
        assert!(check_callback_url("").is_err());
    }
}
