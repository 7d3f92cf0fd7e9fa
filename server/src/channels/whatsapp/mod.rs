//! WhatsApp Business (Cloud API) channel: checks the business number with
//! `GET {base}/{phone_number_id}`, verifies (`X-Hub-Signature-256`) and
//! splits webhook notifications, sends texts, files (uploaded first) and
//! templates from the number, downloads inbound media through the Graph API
//! with the bearer token, and lists approved templates. Graph's types stay in
//! this module; the base URL comes from config (`TIDINGS_WHATSAPP_API_URL`)
//! so tests aim it at a fake. Tokens and message text are never logged.

mod client;
mod parse;
#[cfg(test)]
mod parse_tests;
mod send;
mod signature;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shared::api::Channel as ChannelKind;

use self::client::{bearer, GraphClient};
pub use self::signature::{sign, SIGNATURE_HEADER};
use super::media_fetch::{self, MediaClient};
use super::media_hosts::MediaHosts;
use super::{
    transport_error, Bot, BotProfile, BoxFuture, Channel, ChannelError, Headers, Inbound, Outbound,
    Reason, Sent, Template, WebhookHealth,
};
use crate::domain::whatsapp::{count_placeholders, WhatsAppNumber};

const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a business account's template list is reused before it is
/// asked for again (a template approved meanwhile shows up after this).
pub const TEMPLATES_FOR: Duration = Duration::from_secs(300);

pub struct WhatsAppChannel {
    client: GraphClient,
    /// Inbound media come only from the Graph API and Meta's media hosts.
    media: MediaClient,
    download_timeout: Duration,
    /// Approved templates per business account, with when they were read.
    templates: Mutex<HashMap<String, (Instant, Vec<Template>)>>,
}

impl WhatsAppChannel {
    /// `api_url` is the Graph API base, e.g. `https://graph.facebook.com/v21.0`.
    pub fn new(api_url: url::Url, http: reqwest::Client) -> WhatsAppChannel {
        WhatsAppChannel {
            client: GraphClient::new(&api_url, http, DEFAULT_API_TIMEOUT),
            media: MediaClient::new(MediaHosts::whatsapp(&api_url)),
            download_timeout: DEFAULT_DOWNLOAD_TIMEOUT,
            templates: Mutex::new(HashMap::new()),
        }
    }

    /// How long one Graph API call may take. Default 30 s.
    pub fn with_timeout(mut self, timeout: Duration) -> WhatsAppChannel {
        self.client.timeout = timeout;
        self
    }

    fn cached_templates(&self, account: &str) -> Option<Vec<Template>> {
        let cache = self.templates.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(account)
            .filter(|(at, _)| at.elapsed() < TEMPLATES_FOR)
            .map(|(_, templates)| templates.clone())
    }

    async fn fetch_templates(
        &self,
        token: &str,
        account: &str,
    ) -> Result<Vec<Template>, ChannelError> {
        let mut path = format!(
            "{account}/message_templates?fields=name,language,category,status,components&status=APPROVED&limit=100"
        );
        let mut templates = Vec::new();
        // A few pages at most: a business has tens of templates, not thousands.
        for _ in 0..10 {
            let page = self.client.get(token, &path).await?;
            templates.extend(
                page.get("data")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(template_of),
            );
            match page
                .pointer("/paging/cursors/after")
                .and_then(Value::as_str)
                .filter(|_| page.pointer("/paging/next").is_some())
            {
                Some(after) => {
                    path = format!(
                        "{account}/message_templates?fields=name,language,category,status,components&status=APPROVED&limit=100&after={after}"
                    )
                }
                None => break,
            }
        }
        templates.sort_by(|a, b| (&a.name, &a.language).cmp(&(&b.name, &b.language)));
        Ok(templates)
    }
}

/// An approved template with a body, as we show it.
fn template_of(value: &Value) -> Option<Template> {
    if value.get("status").and_then(Value::as_str) != Some("APPROVED") {
        return None;
    }
    let text = value
        .get("components")
        .and_then(Value::as_array)?
        .iter()
        .find(|component| {
            component
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("BODY"))
        })?
        .get("text")
        .and_then(Value::as_str)?
        .to_owned();
    let field = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Some(Template {
        name: field("name"),
        language: field("language"),
        category: field("category"),
        parameters: count_placeholders(&text),
        text,
    })
}

/// The bot's WhatsApp number, or why it has none.
fn number(bot: &Bot) -> Result<&WhatsAppNumber, ChannelError> {
    bot.whatsapp
        .as_ref()
        .ok_or_else(|| ChannelError::permanent("the integration has no WhatsApp number"))
}

impl Channel for WhatsAppChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Whatsapp
    }

    fn check_token<'a>(
        &'a self,
        _token: &'a str,
    ) -> BoxFuture<'a, Result<BotProfile, ChannelError>> {
        Box::pin(async {
            Err(ChannelError::BadToken(
                "a WhatsApp token is checked with its phone number id".into(),
            ))
        })
    }

    fn check_bot<'a>(&'a self, bot: &'a Bot) -> BoxFuture<'a, Result<BotProfile, ChannelError>> {
        Box::pin(async move {
            let number = number(bot)?;
            let path = format!(
                "{}?fields=display_phone_number,verified_name",
                number.phone_number_id
            );
            let answer =
                self.client
                    .get(bot.token.expose(), &path)
                    .await
                    .map_err(|err| match err {
                        // An unknown number id answers 400 (code 100): the
                        // credentials, not Meta, are wrong.
                        ChannelError::Provider {
                            reason,
                            retryable: false,
                            ..
                        } => ChannelError::BadToken(reason.to_string()),
                        other => other,
                    })?;
            let text = |key: &str| {
                answer
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|text| !text.is_empty())
                    .map(str::to_owned)
            };
            let phone = text("display_phone_number");
            Ok(BotProfile {
                name: text("verified_name")
                    .or_else(|| phone.clone())
                    .unwrap_or_default(),
                username: phone,
                avatar_url: None,
            })
        })
    }

    /// The callback URL and verify token are entered in Meta's dashboard.
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
        let number = number(bot).map_err(|_| ChannelError::BadSignature)?;
        signature::verify(
            number.app_secret.expose(),
            headers.get(SIGNATURE_HEADER),
            body,
        )
    }

    fn parse(&self, body: &[u8]) -> Result<Inbound, ChannelError> {
        parse::parse(body)
    }

    fn parse_all(&self, bot: &Bot, body: &[u8]) -> Result<Vec<(Inbound, String)>, ChannelError> {
        let own = bot.whatsapp.as_ref().map(|n| n.phone_number_id.as_str());
        let mut events = Vec::new();
        for single in parse::split(body)? {
            if single.phone_number_id.is_some() && single.phone_number_id.as_deref() != own {
                // One Meta app posts every number's notifications to one URL.
                tracing::warn!(
                    integration_id = bot.integration_id,
                    "a WhatsApp notification for another business number was ignored"
                );
                continue;
            }
            let inbound = parse::parse_value(&single.value, single.body.as_bytes())?;
            events.push((inbound, single.body));
        }
        Ok(events)
    }

    fn send<'a>(
        &'a self,
        bot: &'a Bot,
        message: &'a Outbound,
    ) -> BoxFuture<'a, Result<Sent, ChannelError>> {
        Box::pin(async move {
            self.send_message(bot, number(bot)?, message).await?;
            Ok(Sent {
                external_ids: message.delivered.ids(),
            })
        })
    }

    fn reactions(&self) -> &'static [&'static str] {
        shared::api::reactions::WHATSAPP_REACTIONS
    }

    /// A `reaction` message from the business number; an empty emoji takes
    /// the bot's reaction back.
    fn set_reaction<'a>(
        &'a self,
        bot: &'a Bot,
        recipient: &'a str,
        external_message_id: &'a str,
        emoji: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            let content = json!({
                "message_id": external_message_id,
                "emoji": emoji.unwrap_or_default(),
            });
            self.post_message(bot, number(bot)?, recipient, "reaction", content, None)
                .await
                .map(drop)
        })
    }

    /// `external_ref` is the media id: the Graph API tells its short-lived
    /// URL, fetched with the same bearer token from Meta's hosts only.
    fn download<'a>(
        &'a self,
        bot: &'a Bot,
        external_ref: &'a str,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, ChannelError>> {
        Box::pin(async move {
            let token = bot.token.expose();
            let info = self.client.get(token, external_ref).await?;
            if info
                .get("file_size")
                .and_then(Value::as_u64)
                .is_some_and(|size| size > max_bytes)
            {
                return Err(ChannelError::permanent(Reason::MediaTooLarge { max_bytes }));
            }
            let url = info.get("url").and_then(Value::as_str).ok_or_else(|| {
                ChannelError::Malformed("the Graph API gave no URL for the media".into())
            })?;
            let what = "the WhatsApp media download";
            let failed = |err: reqwest::Error| match media_fetch::refusal(&err) {
                Some(refused) => ChannelError::from(refused),
                None => transport_error(what, err),
            };
            let response = self
                .media
                .get(url)?
                .header(reqwest::header::AUTHORIZATION, bearer(token)?)
                .timeout(self.download_timeout)
                .send()
                .await
                .map_err(failed)?;
            let status = response.status();
            if !status.is_success() {
                return Err(client::classify(status, None));
            }
            media_fetch::read_limited(response, max_bytes, failed).await
        })
    }

    /// Meta cannot tell a number's callback URL (it is the app's, set in the
    /// dashboard); asking for the number checks that the token still works.
    fn webhook_health<'a>(
        &'a self,
        bot: &'a Bot,
    ) -> BoxFuture<'a, Result<WebhookHealth, ChannelError>> {
        Box::pin(async move {
            let number = number(bot)?;
            self.client
                .get(bot.token.expose(), &number.phone_number_id)
                .await?;
            Ok(WebhookHealth::default())
        })
    }

    fn templates<'a>(&'a self, bot: &'a Bot) -> BoxFuture<'a, Result<Vec<Template>, ChannelError>> {
        Box::pin(async move {
            let account = number(bot)?.business_account_id.clone();
            if let Some(templates) = self.cached_templates(&account) {
                return Ok(templates);
            }
            let templates = self.fetch_templates(bot.token.expose(), &account).await?;
            self.templates
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(account, (Instant::now(), templates.clone()));
            Ok(templates)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_approved_templates_with_a_body_are_listed() {
        let approved = json!({
            "name": "order_update", "language": "en_US", "category": "UTILITY", "status": "APPROVED",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Order"},
                {"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped."},
                {"type": "FOOTER", "text": "Acme"}
            ],
            "id": "1234"
        });
        assert_eq!(
            template_of(&approved),
            Some(Template {
                name: "order_update".into(),
                language: "en_US".into(),
                category: "UTILITY".into(),
                text: "Hi {{1}}, your order {{2}} has shipped.".into(),
                parameters: 2,
            })
        );
        let mut pending = approved.clone();
        pending["status"] = json!("PENDING");
        assert_eq!(template_of(&pending), None);
        let no_body = json!({"name": "x", "status": "APPROVED", "components": [{"type": "HEADER", "text": "x"}]});
        assert_eq!(template_of(&no_body), None);
    }
}
