//! Sending text parts to Telegram, and turning teloxide's errors into
//! [`ChannelError`]s the send queue acts on. teloxide drops the HTTP status and
//! `error_code`, so classification reads Telegram's descriptions, which start
//! with the HTTP reason phrase ("Bad Request: …", "Forbidden: …").

use std::time::Duration;

use teloxide::payloads::{SendMessageSetters, SetMessageReactionSetters};
use teloxide::prelude::Requester;
use teloxide::types::{BusinessConnectionId, ChatId, MessageId, ReactionType, ReplyParameters};
use teloxide::{ApiError, RequestError};

use crate::channels::{ChannelError, PartLog, Reason};

/// How often a continuation part is retried in place before giving up.
const CONTINUATION_ATTEMPTS: u32 = 3;
/// Longest wait honoured in place for a continuation part.
const MAX_IN_PLACE_WAIT: Duration = Duration::from_secs(10);

/// The chat to send to: in private chats the chat id is the user id.
pub(super) fn chat_id(recipient: &str) -> Result<ChatId, ChannelError> {
    recipient.trim().parse::<i64>().map(ChatId).map_err(|_| {
        ChannelError::permanent(format!(
            "the recipient {recipient:?} is not a Telegram chat id"
        ))
    })
}

/// Where a message goes: the chat, and for a Telegram Business chat the
/// connection to send through on the account owner's behalf.
#[derive(Debug, Clone, Copy)]
pub(super) struct Destination<'a> {
    pub chat_id: ChatId,
    pub business: Option<&'a str>,
}

/// Sends `parts` in order from `skip` on (the ones before were delivered by
/// an earlier attempt), noting each delivered part in `log`. A failure before
/// anything arrived is returned as is. Once something has arrived (an earlier
/// part, or the file a caption follows: `after_file`), later parts are
/// retried in place a few times on retryable errors: the queue would resume
/// at the failed part too, but only after its backoff. The first part quotes
/// `quote` (a message of this chat), if given.
pub(super) async fn send_parts(
    bot: &teloxide::Bot,
    to: Destination<'_>,
    parts: &[String],
    skip: usize,
    after_file: bool,
    log: &PartLog,
    quote: Option<MessageId>,
) -> Result<(), ChannelError> {
    let earlier = usize::from(after_file);
    for (index, part) in parts.iter().enumerate().skip(skip) {
        let mut attempt = 1;
        loop {
            let mut request = bot.send_message(to.chat_id, part.as_str());
            if let Some(connection) = to.business {
                request = request.business_connection_id(BusinessConnectionId(connection.into()));
            }
            if let Some(quoted) = quote.filter(|_| index == 0) {
                // A quoted message the customer deleted must not stop the reply.
                request = request
                    .reply_parameters(ReplyParameters::new(quoted).allow_sending_without_reply());
            }
            match request.await {
                Ok(message) => {
                    log.record(&message.id.0.to_string());
                    break;
                }
                Err(err) => {
                    let error = classify(err);
                    let position = index + earlier;
                    let total = parts.len() + earlier;
                    let wait = match &error {
                        ChannelError::Provider {
                            retryable: true,
                            retry_after,
                            ..
                        } if position > 0 && attempt < CONTINUATION_ATTEMPTS => {
                            retry_after.unwrap_or(Duration::from_secs(1))
                        }
                        _ => return Err(partial(error, position, total)),
                    };
                    if wait > MAX_IN_PLACE_WAIT {
                        return Err(partial(error, position, total));
                    }
                    tracing::debug!(part = index + 1, attempt, "retrying a continuation part");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }
    Ok(())
}

/// The Telegram message id of one of our stored external ids.
pub(super) fn message_id(external_id: &str) -> Result<MessageId, ChannelError> {
    external_id
        .trim()
        .parse::<i32>()
        .map(MessageId)
        .map_err(|_| {
            ChannelError::permanent(format!("{external_id:?} is not a Telegram message id"))
        })
}

/// `setMessageReaction`: the bot's one reaction to a message (none: removed).
pub(super) async fn set_reaction(
    bot: &teloxide::Bot,
    chat_id: ChatId,
    message_id: MessageId,
    emoji: Option<&str>,
) -> Result<(), ChannelError> {
    let reaction = emoji.map(|emoji| ReactionType::Emoji {
        emoji: emoji.to_owned(),
    });
    bot.set_message_reaction(chat_id, message_id)
        .reaction(reaction)
        .await
        .map(drop)
        .map_err(classify)
}

/// Says in the reason that earlier parts were delivered.
fn partial(error: ChannelError, index: usize, total: usize) -> ChannelError {
    match error {
        ChannelError::Provider {
            reason,
            retryable,
            retry_after,
            unreachable,
        } if index > 0 => ChannelError::Provider {
            reason: Reason::PartlyDelivered {
                cause: Box::new(reason),
                delivered: index,
                total,
            },
            retryable,
            retry_after,
            unreachable,
        },
        other => other,
    }
}

/// Classifies a failed Bot API call.
pub(super) fn classify(err: RequestError) -> ChannelError {
    match err {
        RequestError::RetryAfter(seconds) => {
            let wait = seconds.duration();
            ChannelError::Provider {
                reason: Reason::RateLimited {
                    seconds: u64::from(seconds.seconds()),
                },
                retryable: true,
                retry_after: Some(wait),
                unreachable: false,
            }
        }
        RequestError::MigrateToChatId(_) => {
            ChannelError::permanent("Bad Request: group chat was upgraded to a supergroup chat")
        }
        RequestError::Network(err) => classify_http(&err),
        RequestError::InvalidJson { .. } => ChannelError::retryable(
            "Telegram answered with something that is not a Bot API response",
        ),
        RequestError::Io(err) => {
            ChannelError::permanent(format!("could not read the file to upload: {err}"))
        }
        RequestError::Api(api) => classify_api(&api),
    }
}

fn classify_api(api: &ApiError) -> ChannelError {
    match api {
        ApiError::BotBlocked => unreachable_customer(Reason::CustomerBlockedBot),
        ApiError::InvalidToken => ChannelError::permanent(Reason::TokenRevoked),
        ApiError::Unknown(description) => classify_description(description),
        // The other variants display as Telegram's own description.
        known => classify_description(&known.to_string()),
    }
}

/// Classifies by Telegram's description, which starts with the HTTP reason.
pub(super) fn classify_description(description: &str) -> ChannelError {
    let description = description.trim();
    let starts = |prefix: &str| description.starts_with(prefix);
    if starts("Forbidden: bot was blocked by the user") {
        unreachable_customer(Reason::CustomerBlockedBot)
    } else if starts("Forbidden") || starts("Unauthorized: ") {
        // 403s, and the older "Unauthorized: bot can't initiate conversation…"
        unreachable_customer(Reason::CustomerUnreachable {
            words: description.to_owned(),
        })
    } else if starts("Unauthorized") {
        ChannelError::permanent(Reason::TokenRevoked)
    } else if starts("Not Found") {
        ChannelError::permanent(format!(
            "Telegram answered {description}: the bot token is malformed or the API URL is wrong"
        ))
    } else if starts("Too Many Requests") {
        ChannelError::Provider {
            reason: messenger(description),
            retryable: true,
            retry_after: retry_after_in(description),
            unreachable: false,
        }
    } else if starts("Bad Request")
        || starts("Conflict")
        || starts("Request Entity Too Large")
        || starts("can't use getUpdates")
    {
        ChannelError::permanent(messenger(description))
    } else if description.is_empty() {
        ChannelError::retryable("Telegram answered with an error and no description")
    } else {
        // 5xx ("Internal Server Error", "Bad Gateway", …) and anything new.
        ChannelError::retryable(messenger(description))
    }
}

/// Telegram's own words.
fn messenger(description: &str) -> Reason {
    Reason::Messenger {
        words: description.to_owned(),
    }
}

/// "Too Many Requests: retry after 12" without `parameters`.
fn retry_after_in(description: &str) -> Option<Duration> {
    let (_, tail) = description.rsplit_once("retry after ")?;
    let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().map(Duration::from_secs)
}

fn unreachable_customer(reason: Reason) -> ChannelError {
    ChannelError::Provider {
        reason,
        retryable: false,
        retry_after: None,
        unreachable: true,
    }
}

/// `getMe` refusing the token is the answer to the question, not a failure.
pub(super) fn classify_token_check(err: RequestError) -> ChannelError {
    match err {
        RequestError::Api(ApiError::InvalidToken) => {
            ChannelError::BadToken("Unauthorized: Telegram does not know this bot token".into())
        }
        RequestError::Api(ApiError::Unknown(description))
            if description.starts_with("Unauthorized") || description.starts_with("Not Found") =>
        {
            ChannelError::BadToken(description)
        }
        other => classify(other),
    }
}

/// Describes an HTTP-level failure without its URL (which holds the token).
pub(super) fn classify_http(err: &reqwest::Error) -> ChannelError {
    if let Some(status) = err.status() {
        let reason = format!("Telegram answered HTTP {status}");
        return if status.is_server_error() || status.as_u16() == 429 {
            ChannelError::retryable(reason)
        } else {
            ChannelError::permanent(reason)
        };
    }
    // The source chain (hyper, io) carries the cause but not the URL.
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let detail = causes.join(": ");
    let call = "Telegram Bot API".to_owned();
    ChannelError::retryable(if err.is_timeout() {
        Reason::NoAnswer { call }
    } else if err.is_connect() {
        Reason::CannotConnect { call, detail }
    } else {
        Reason::CallFailed { call, detail }
    })
}

/// A clearer message for Telegram's "file is too big" on `getFile`.
pub(super) fn describe_too_big(err: ChannelError) -> ChannelError {
    match err {
        ChannelError::Provider { reason, .. } if reason.says_file_too_big() => {
            ChannelError::permanent(Reason::OverTelegramDownloadLimit { size: None })
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use teloxide::types::Seconds;

    use super::*;

    fn provider(err: &ChannelError) -> (String, bool, Option<Duration>, bool) {
        match err {
            ChannelError::Provider {
                reason,
                retryable,
                retry_after,
                unreachable,
            } => (reason.to_string(), *retryable, *retry_after, *unreachable),
            other => panic!("not a provider error: {other:?}"),
        }
    }

    #[test]
    fn rate_limits_are_retryable_after_the_given_time() {
        let err = classify(RequestError::RetryAfter(Seconds::from_seconds(7)));
        let (_, retryable, retry_after, unreachable) = provider(&err);
        assert!(retryable);
        assert_eq!(retry_after, Some(Duration::from_secs(7)));
        assert!(!unreachable);
    }

    #[test]
    fn a_blocked_bot_makes_the_customer_unreachable() {
        let err = classify(RequestError::Api(ApiError::BotBlocked));
        assert_eq!(
            err,
            ChannelError::Provider {
                reason: Reason::CustomerBlockedBot,
                retryable: false,
                retry_after: None,
                unreachable: true,
            }
        );
        for other in [
            ApiError::UserDeactivated,
            ApiError::CantInitiateConversation,
        ] {
            let err = classify(RequestError::Api(other));
            let (_, retryable, _, unreachable) = provider(&err);
            assert!(!retryable && unreachable, "{err:?}");
        }
        let err = classify_description("Forbidden: bot can't send messages to bots");
        assert!(provider(&err).3);
    }

    #[test]
    fn bad_requests_are_permanent_with_telegrams_description() {
        let err = classify(RequestError::Api(ApiError::ChatNotFound));
        assert_eq!(
            err,
            ChannelError::permanent(messenger("Bad Request: chat not found"))
        );
        let err = classify(RequestError::Api(ApiError::Unknown(
            "Bad Request: message text is empty".into(),
        )));
        assert_eq!(
            err,
            ChannelError::permanent(messenger("Bad Request: message text is empty"))
        );
    }

    #[test]
    fn a_revoked_token_is_permanent() {
        assert_eq!(
            classify(RequestError::Api(ApiError::InvalidToken)),
            ChannelError::permanent(Reason::TokenRevoked)
        );
        assert_eq!(
            classify_description("Unauthorized"),
            ChannelError::permanent(Reason::TokenRevoked)
        );
    }

    #[test]
    fn server_errors_and_unknown_answers_are_retryable() {
        for description in [
            "Internal Server Error",
            "Bad Gateway",
            "Gateway Timeout",
            "",
        ] {
            let err = classify_description(description);
            assert!(provider(&err).1, "{description:?}");
        }
        let err = classify(RequestError::InvalidJson {
            source: Arc::new(
                serde_json::from_str::<serde_json::Value>("<html>").expect_err("not JSON"),
            ),
            raw: "<html>502 Bad Gateway</html>".into(),
        });
        let (reason, retryable, _, _) = provider(&err);
        assert!(retryable);
        assert!(
            !reason.contains("html"),
            "no raw bodies in reasons: {reason}"
        );
    }

    #[test]
    fn a_rate_limit_without_parameters_reads_the_wait_from_the_description() {
        let err = classify_description("Too Many Requests: retry after 35");
        let (_, retryable, retry_after, _) = provider(&err);
        assert!(retryable);
        assert_eq!(retry_after, Some(Duration::from_secs(35)));
    }

    #[test]
    fn getme_refusing_the_token_is_a_bad_token() {
        assert!(matches!(
            classify_token_check(RequestError::Api(ApiError::InvalidToken)),
            ChannelError::BadToken(_)
        ));
        assert!(matches!(
            classify_token_check(RequestError::Api(ApiError::Unknown(
                "Not Found: bot not found".into()
            ))),
            ChannelError::BadToken(_)
        ));
        assert!(matches!(
            classify_token_check(RequestError::RetryAfter(Seconds::from_seconds(1))),
            ChannelError::Provider {
                retryable: true,
                ..
            }
        ));
    }

    #[test]
    fn recipients_must_be_chat_ids() {
        assert_eq!(chat_id("123456789").ok(), Some(ChatId(123456789)));
        assert_eq!(chat_id("-1001234567890").ok(), Some(ChatId(-1001234567890)));
        assert!(chat_id("@someone").is_err());
    }

    #[test]
    fn too_big_downloads_get_a_clear_message() {
        let err = describe_too_big(classify_description("Bad Request: file is too big"));
        let (reason, retryable, _, _) = provider(&err);
        assert!(!retryable);
        assert!(reason.contains("20 MB"), "{reason}");
    }
}
