//! `TelegramChannel` against the fake Bot API over real HTTP: token checks,
//! webhooks, sending and error classification, long polling, files, and a
//! webhook round trip through `verify` + `parse`. No database involved.

mod calls;
mod files;
mod server;
mod webhook;

use reqwest::Url;
use tidings::channels::telegram::TelegramChannel;
use tidings::channels::{Bot, ChannelError};
use tidings::config::Secret;
use tidings_tests::fake_telegram::FakeTelegram;

pub const TOKEN: &str = "7000000001:AAF7-g0gYncWnm5IyfZlpPRqRRv6kNAGlao";
pub const SECRET: &str = "wh-secret_0123456789";
pub const CUSTOMER: i64 = 123_456_789;

pub fn bot(token: &str) -> Bot {
    Bot {
        integration_id: 1,
        token: Secret(token.into()),
        webhook_secret: SECRET.into(),
        name: "Acme".into(),
        whatsapp: None,
    }
}

/// A fake with one valid bot and a channel aimed at it.
pub async fn setup() -> (FakeTelegram, TelegramChannel, Bot) {
    let fake = FakeTelegram::start().await;
    fake.add_bot(TOKEN, "acme_support_bot");
    let channel = TelegramChannel::new(api_url(&fake));
    (fake, channel, bot(TOKEN))
}

pub fn api_url(fake: &FakeTelegram) -> Url {
    Url::parse(&fake.url()).expect("the fake's URL parses")
}

/// The fields of a `Provider` error, failing the test on anything else.
pub fn provider(result: Result<impl std::fmt::Debug, ChannelError>) -> ProviderError {
    match result {
        Err(ChannelError::Provider {
            reason,
            retryable,
            retry_after,
            unreachable,
        }) => ProviderError {
            reason: reason.to_string(),
            retryable,
            retry_after,
            unreachable,
        },
        other => panic!("expected a provider error, got {other:?}"),
    }
}

#[derive(Debug)]
pub struct ProviderError {
    pub reason: String,
    pub retryable: bool,
    pub retry_after: Option<std::time::Duration>,
    pub unreachable: bool,
}
