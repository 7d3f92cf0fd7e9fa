//! Telegram Bot API channel: owns every call to the Bot API (all through
//! teloxide's `Bot`, aimed at the configured base URL) and the translation of
//! Telegram updates into the normalized types of `channels`. Telegram types
//! never leave this module; neither does a bot token (it is part of every
//! request URL, so errors are described without URLs and never logged).

mod client;
mod files;
mod parse;
mod send;
mod split;

use std::time::Duration;

use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;
use teloxide::payloads::SetWebhookSetters;
use teloxide::prelude::Requester;
use tracing::Instrument;
use url::Url;

use super::{
    Bot, BotProfile, BoxFuture, Channel, ChannelError, Headers, Inbound, Outbound, Sent,
    WebhookHealth,
};
use shared::api::Channel as ChannelKind;

pub use files::{
    DownloadedFile, MAX_DOCUMENT_UPLOAD_BYTES, MAX_DOWNLOAD_BYTES, MAX_PHOTO_UPLOAD_BYTES,
};
pub use split::{split_text, MAX_CAPTION_UNITS, MAX_TEXT_UNITS};

/// The header Telegram echoes our `secret_token` in on every webhook call.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// What `getWebhookInfo` says about a bot's webhook (for the bot-health page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookStatus {
    /// `None` when no webhook is set (the bot is polled).
    pub url: Option<String>,
    pub pending_update_count: u32,
    pub last_error_message: Option<String>,
    pub last_error_date: Option<DateTime<Utc>>,
}

/// The Telegram messenger. Cheap to clone; one instance serves every bot.
#[derive(Clone)]
pub struct TelegramChannel {
    client: client::Clients,
}

impl TelegramChannel {
    /// `api_url` is the Bot API base (`TIDINGS_TELEGRAM_API_URL`): requests go
    /// to `{api_url}/bot{token}/{method}`, files come from
    /// `{api_url}/file/bot{token}/{file_path}`.
    pub fn new(api_url: Url) -> TelegramChannel {
        TelegramChannel {
            client: client::Clients::new(api_url, client::REQUEST_TIMEOUT),
        }
    }

    /// Same, with another limit for ordinary calls (tests use a short one to
    /// see a slow Bot API classified as a timeout).
    pub fn with_request_timeout(api_url: Url, timeout: Duration) -> TelegramChannel {
        TelegramChannel {
            client: client::Clients::new(api_url, timeout),
        }
    }

    /// Long-polls `getUpdates` for updates from `offset` on (pass the last
    /// stored `update_id + 1`; a larger offset confirms, i.e. deletes, older
    /// updates on Telegram's side, so advance it only after storing them).
    /// Returns each update's id and JSON, ready to store and [`Channel::parse`].
    #[tracing::instrument(skip_all, fields(integration_id = bot.integration_id))]
    pub async fn get_updates(
        &self,
        bot: &Bot,
        offset: Option<i64>,
        timeout_secs: u32,
    ) -> Result<Vec<(i64, Vec<u8>)>, ChannelError> {
        self.client
            .get_updates(bot.token.expose(), offset, timeout_secs)
            .await
    }

    /// `getWebhookInfo`.
    #[tracing::instrument(skip_all, fields(integration_id = bot.integration_id))]
    pub async fn webhook_info(&self, bot: &Bot) -> Result<WebhookStatus, ChannelError> {
        let info = self
            .client
            .bot(bot.token.expose())
            .get_webhook_info()
            .await
            .map_err(send::classify)?;
        Ok(WebhookStatus {
            url: info.url.map(String::from),
            pending_update_count: info.pending_update_count,
            last_error_message: info.last_error_message,
            last_error_date: info.last_error_date,
        })
    }
}

/// The span of a trait call (the trait's futures cannot carry `#[instrument]`).
fn span(name: &'static str, bot: &Bot) -> tracing::Span {
    tracing::info_span!("channel", call = name, integration_id = bot.integration_id)
}

impl Channel for TelegramChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Telegram
    }

    fn check_token<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<BotProfile, ChannelError>> {
        Box::pin(async move {
            if !client::is_token_shaped(token) {
                return Err(ChannelError::BadToken(
                    "this is not a Telegram bot token (expected <bot id>:<secret>)".into(),
                ));
            }
            let me = self
                .client
                .bot(token)
                .get_me()
                .await
                .map_err(send::classify_token_check)?;
            Ok(BotProfile {
                name: me.user.first_name.clone(),
                username: me.user.username.clone(),
                avatar_url: None,
            })
        })
    }

    fn register_webhook<'a>(
        &'a self,
        bot: &'a Bot,
        url: &'a str,
    ) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(
            async move {
                let url = Url::parse(url).map_err(|err| {
                    ChannelError::permanent(format!("the webhook URL is not a URL: {err}"))
                })?;
                let mut request = self
                    .client
                    .bot(bot.token.expose())
                    .set_webhook(url)
                    .allowed_updates(client::allowed_updates());
                if !bot.webhook_secret.is_empty() {
                    request = request.secret_token(bot.webhook_secret.clone());
                }
                request.await.map_err(send::classify)?;
                Ok(())
            }
            .instrument(span("telegram.register_webhook", bot)),
        )
    }

    fn remove_webhook<'a>(&'a self, bot: &'a Bot) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(
            async move {
                self.client
                    .bot(bot.token.expose())
                    .delete_webhook()
                    .await
                    .map_err(send::classify)?;
                Ok(())
            }
            .instrument(span("telegram.remove_webhook", bot)),
        )
    }

    fn verify(&self, bot: &Bot, headers: &Headers, _body: &[u8]) -> Result<(), ChannelError> {
        let Some(given) = headers.get(SECRET_HEADER) else {
            return Err(ChannelError::BadSignature);
        };
        // An integration without a secret (polled) accepts no webhook calls.
        let expected = bot.webhook_secret.as_bytes();
        if expected.is_empty() || !bool::from(given.as_bytes().ct_eq(expected)) {
            return Err(ChannelError::BadSignature);
        }
        Ok(())
    }

    fn parse(&self, body: &[u8]) -> Result<Inbound, ChannelError> {
        parse::parse_update(body)
    }

    fn send<'a>(
        &'a self,
        bot: &'a Bot,
        message: &'a Outbound,
    ) -> BoxFuture<'a, Result<Sent, ChannelError>> {
        Box::pin(
            async move {
                if let Some(file) = &message.file {
                    self.send_outbound_file(bot, message, file).await?;
                } else {
                    let chat_id = send::chat_id(&message.recipient)?;
                    let parts = split_text(&message.text, MAX_TEXT_UNITS);
                    if parts.is_empty() {
                        return Err(ChannelError::permanent("the message text is empty"));
                    }
                    let quote = message
                        .reply_to_external_id
                        .as_deref()
                        .map(send::message_id)
                        .transpose()?;
                    let bot_api = self.client.bot(bot.token.expose());
                    let to = send::Destination {
                        chat_id,
                        business: message.business_connection_id.as_deref(),
                    };
                    send::send_parts(
                        &bot_api,
                        to,
                        &parts,
                        message.parts_delivered,
                        false,
                        &message.delivered,
                        quote,
                    )
                    .await?;
                }
                Ok(Sent {
                    external_ids: message.delivered.ids(),
                })
            }
            .instrument(span("telegram.send", bot)),
        )
    }

    fn reactions(&self) -> &'static [&'static str] {
        shared::api::reactions::TELEGRAM_REACTIONS
    }

    fn set_reaction<'a>(
        &'a self,
        bot: &'a Bot,
        recipient: &'a str,
        external_message_id: &'a str,
        emoji: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(
            async move {
                let chat_id = send::chat_id(recipient)?;
                let message_id = send::message_id(external_message_id)?;
                let bot_api = self.client.bot(bot.token.expose());
                send::set_reaction(&bot_api, chat_id, message_id, emoji).await
            }
            .instrument(span("telegram.set_reaction", bot)),
        )
    }

    fn download<'a>(
        &'a self,
        bot: &'a Bot,
        external_ref: &'a str,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, ChannelError>> {
        Box::pin(async move {
            Ok(self
                .download_file(bot, external_ref, max_bytes)
                .await?
                .bytes)
        })
    }

    fn webhook_health<'a>(
        &'a self,
        bot: &'a Bot,
    ) -> BoxFuture<'a, Result<WebhookHealth, ChannelError>> {
        Box::pin(async move {
            let status = self.webhook_info(bot).await?;
            Ok(WebhookHealth {
                url: status.url,
                pending_update_count: Some(i64::from(status.pending_update_count)),
                last_error_message: status.last_error_message,
                last_error_date: status.last_error_date,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Secret;

    fn channel() -> TelegramChannel {
        TelegramChannel::new(Url::parse("http://127.0.0.1:9").expect("a valid URL"))
    }

    fn bot(secret: &str) -> Bot {
        Bot {
            integration_id: 1,
            token: Secret("123:abc".into()),
            webhook_secret: secret.into(),
            name: "Acme".into(),
            whatsapp: None,
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        Headers(
            pairs
                .iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), (*value).to_owned()))
                .collect::<HashMap<_, _>>(),
        )
    }

    #[test]
    fn verify_accepts_the_matching_secret_header() {
        let result = channel().verify(
            &bot("s3cret-Token_1"),
            &headers(&[("X-Telegram-Bot-Api-Secret-Token", "s3cret-Token_1")]),
            b"{}",
        );
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn verify_refuses_a_missing_or_different_secret() {
        let channel = channel();
        let bot = bot("s3cret");
        assert_eq!(
            channel.verify(&bot, &headers(&[]), b"{}"),
            Err(ChannelError::BadSignature)
        );
        for wrong in ["s3cre", "s3cret!", "S3CRET", ""] {
            assert_eq!(
                channel.verify(&bot, &headers(&[(SECRET_HEADER, wrong)]), b"{}"),
                Err(ChannelError::BadSignature),
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn verify_refuses_everything_when_the_bot_has_no_secret() {
        assert_eq!(
            channel().verify(&bot(""), &headers(&[(SECRET_HEADER, "")]), b"{}"),
            Err(ChannelError::BadSignature)
        );
    }

    #[test]
    fn the_channel_is_telegram() {
        assert_eq!(channel().kind(), ChannelKind::Telegram);
    }

    #[tokio::test]
    async fn check_token_refuses_a_token_of_the_wrong_shape_without_calling() {
        for token in [
            "",
            "abc",
            "123:",
            ":abc",
            "12a:abc",
            "123:abc/def",
            "123:a b",
        ] {
            let result = channel().check_token(token).await;
            assert!(
                matches!(result, Err(ChannelError::BadToken(_))),
                "{token:?}: {result:?}"
            );
        }
    }
}
