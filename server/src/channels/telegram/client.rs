//! HTTP clients for the Bot API and the calls teloxide has no typed answer
//! for: `getUpdates` returning each update's own JSON, and size-capped file
//! downloads. Everything still goes through teloxide's `Bot` (its URL
//! building, request encoding and error decoding).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Serialize;
use teloxide::net::Download;
use teloxide::requests::{JsonRequest, Payload, Request};
use teloxide::types::AllowedUpdate;
use url::Url;

use super::send;
use crate::channels::media_fetch;
use crate::channels::media_hosts::MediaHosts;
use crate::channels::ChannelError;

/// Limit for ordinary calls (sendMessage, getMe, ...).
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Limit for long polls, uploads and downloads.
const LONG_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// `getUpdates` waits at most this long; stays well below [`LONG_TIMEOUT`].
pub(super) const MAX_POLL_SECS: u32 = 60;

/// The update kinds we ask for. Always sent explicitly: Telegram keeps the
/// previous setting when `allowed_updates` is omitted, and never sends
/// `message_reaction` or the Telegram Business kinds unless they are named.
pub(super) const ALLOWED_UPDATES: [&str; 8] = [
    "message",
    "edited_message",
    "my_chat_member",
    "message_reaction",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
];

pub(super) fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![
        AllowedUpdate::Message,
        AllowedUpdate::EditedMessage,
        AllowedUpdate::MyChatMember,
        AllowedUpdate::MessageReaction,
        AllowedUpdate::BusinessConnection,
        AllowedUpdate::BusinessMessage,
        AllowedUpdate::EditedBusinessMessage,
        AllowedUpdate::DeletedBusinessMessages,
    ]
}

/// `<bot id>:<secret>`, as BotFather issues them. Anything else would at best
/// be refused by Telegram and at worst change the request path.
pub(super) fn is_token_shaped(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.bytes().all(|byte| byte.is_ascii_digit())
        && !secret.is_empty()
        && secret
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

#[derive(Clone)]
pub(super) struct Clients {
    api_url: Url,
    short: reqwest::Client,
    long: reqwest::Client,
}

impl Clients {
    pub(super) fn new(api_url: Url, request_timeout: Duration) -> Clients {
        let hosts = Arc::new(MediaHosts::telegram(&api_url));
        Clients {
            api_url: normalize(api_url),
            short: build_client(request_timeout, Arc::clone(&hosts)),
            long: build_client(LONG_TIMEOUT.max(request_timeout), hosts),
        }
    }

    /// A teloxide bot for ordinary calls.
    pub(super) fn bot(&self, token: &str) -> teloxide::Bot {
        teloxide::Bot::with_client(token, self.short.clone()).set_api_url(self.api_url.clone())
    }

    /// A teloxide bot for long polls, uploads and downloads.
    pub(super) fn long_bot(&self, token: &str) -> teloxide::Bot {
        teloxide::Bot::with_client(token, self.long.clone()).set_api_url(self.api_url.clone())
    }

    pub(super) async fn get_updates(
        &self,
        token: &str,
        offset: Option<i64>,
        timeout_secs: u32,
    ) -> Result<Vec<(i64, Vec<u8>)>, ChannelError> {
        let payload = RawGetUpdates {
            offset,
            limit: 100,
            timeout: timeout_secs.min(MAX_POLL_SECS),
            allowed_updates: ALLOWED_UPDATES,
        };
        let updates = JsonRequest::new(self.long_bot(token), payload)
            .send()
            .await
            .map_err(send::classify)?;
        let mut out = Vec::with_capacity(updates.len());
        for update in updates {
            let Some(update_id) = update.get("update_id").and_then(serde_json::Value::as_i64)
            else {
                // Cannot be stored or confirmed without an id; Telegram always sends one.
                tracing::warn!("getUpdates returned an update without update_id; skipped");
                continue;
            };
            let raw = serde_json::to_vec(&update)
                .map_err(|err| ChannelError::retryable(format!("re-encoding an update: {err}")))?;
            out.push((update_id, raw));
        }
        Ok(out)
    }

    /// Downloads `file_path`, refusing to read more than `limit` bytes.
    pub(super) async fn download(
        &self,
        token: &str,
        file_path: &str,
        limit: u64,
    ) -> Result<Vec<u8>, DownloadFailure> {
        let mut stream = self.long_bot(token).download_file_stream(file_path);
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|err| {
                DownloadFailure::Provider(match media_fetch::refusal(&err) {
                    Some(refused) => refused.into(),
                    None => send::classify_http(&err),
                })
            })?;
            let total = bytes.len() as u64 + chunk.len() as u64;
            if total > limit {
                return Err(DownloadFailure::TooBig(total));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

pub(super) enum DownloadFailure {
    /// At least this many bytes arrived, more than allowed.
    TooBig(u64),
    Provider(ChannelError),
}

/// `getUpdates` answering raw JSON values: teloxide's typed `Update` cannot
/// be turned back into the JSON Telegram sent, and we store that JSON.
#[derive(Debug, Clone, Serialize)]
struct RawGetUpdates {
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<i64>,
    limit: u8,
    timeout: u32,
    allowed_updates: [&'static str; ALLOWED_UPDATES.len()],
}

impl Payload for RawGetUpdates {
    type Output = Vec<serde_json::Value>;

    const NAME: &'static str = "GetUpdates";

    fn timeout_hint(&self) -> Option<Duration> {
        Some(Duration::from_secs(u64::from(self.timeout)))
    }
}

/// Redirects are followed only within the Bot API server: files come from
/// `{api base}/file/bot{token}/…` and nowhere else.
fn build_client(timeout: Duration, hosts: Arc<MediaHosts>) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
        .redirect(media_fetch::redirect_policy(hosts))
        .tcp_nodelay(true)
        .build()
        .expect("a reqwest client with rustls and fixed settings always builds")
}

/// teloxide appends `/bot{token}/{method}` as path segments; a trailing slash
/// in the configured base would leave an empty segment (`//bot…`).
fn normalize(mut api_url: Url) -> Url {
    if let Ok(mut segments) = api_url.path_segments_mut() {
        segments.pop_if_empty();
    }
    api_url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_look_like_bot_tokens() {
        assert!(is_token_shaped(
            "535362388:AAF7-g0gYncWnm5IyfZlpPRqRRv6kNAGlao"
        ));
        assert!(is_token_shaped("1:a_b-C"));
        for bad in [
            "", "123", "123:", ":abc", "a1:abc", "123:ab/c", "123:ab c", "123:ab:c",
        ] {
            assert!(!is_token_shaped(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_trailing_slash_in_the_base_url_is_dropped() {
        let url = |text: &str| Url::parse(text).expect("a valid URL");
        assert_eq!(
            normalize(url("http://127.0.0.1:8081/tg/")).as_str(),
            "http://127.0.0.1:8081/tg"
        );
        assert_eq!(
            normalize(url("https://api.telegram.org")).as_str(),
            "https://api.telegram.org/"
        );
    }

    #[test]
    fn get_updates_asks_for_the_same_kinds_as_the_webhook() {
        let names: Vec<String> = allowed_updates()
            .into_iter()
            .map(|kind| {
                serde_json::to_value(kind)
                    .expect("an enum serializes")
                    .as_str()
                    .expect("a string")
                    .to_owned()
            })
            .collect();
        assert_eq!(names, ALLOWED_UPDATES);
    }
}
