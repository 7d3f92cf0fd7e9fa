//! Token checks, webhook registration, sending and error classification,
//! long polling.

use std::time::{Duration, Instant};

use tidings::channels::telegram::{TelegramChannel, MAX_TEXT_UNITS};
use tidings::channels::{BotProfile, Channel, ChannelError, InboundEvent, Outbound};
use tidings_tests::fake_telegram::{Failure, FakeTelegram};

use crate::{api_url, bot, provider, setup, CUSTOMER, SECRET, TOKEN};

fn outbound(text: &str) -> Outbound {
    Outbound::text(CUSTOMER.to_string(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_token_returns_the_bot_profile_for_a_known_token() {
    let (fake, channel, _) = setup().await;
    let profile = channel.check_token(TOKEN).await.expect("a valid token");
    assert_eq!(
        profile,
        BotProfile {
            name: "acme support".into(),
            username: Some("acme_support_bot".into()),
            avatar_url: None,
        }
    );
    // teloxide names methods in PascalCase; the fake records documented names.
    assert_eq!(fake.calls_of("getMe").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_token_refuses_an_unknown_token_as_bad_token() {
    let (_fake, channel, _) = setup().await;
    match channel.check_token("7000000002:not-known").await {
        Err(ChannelError::BadToken(reason)) => assert!(reason.contains("Unauthorized"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_token_reports_an_unreachable_api_as_retryable() {
    // A port nothing listens on.
    let channel = TelegramChannel::new("http://127.0.0.1:9".parse().expect("a URL"));
    let error = provider(channel.check_token(TOKEN).await);
    assert!(error.retryable, "{error:?}");
    assert!(
        !error.reason.contains(TOKEN),
        "the token never appears in errors"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_webhook_records_url_secret_and_allowed_updates() {
    let (fake, channel, bot) = setup().await;
    let url = "https://inbox.example.com/hooks/telegram/1";
    channel
        .register_webhook(&bot, url)
        .await
        .expect("the webhook is set");
    assert_eq!(
        fake.webhook(TOKEN),
        Some((url.to_owned(), SECRET.to_owned()))
    );
    let details = fake.webhook_details(TOKEN).expect("a webhook");
    assert_eq!(
        details.allowed_updates,
        Some(vec![
            "message".to_owned(),
            "edited_message".to_owned(),
            "my_chat_member".to_owned(),
            "message_reaction".to_owned(),
            "business_connection".to_owned(),
            "business_message".to_owned(),
            "edited_business_message".to_owned(),
            "deleted_business_messages".to_owned(),
        ])
    );

    fake.push_update(TOKEN, FakeTelegram::text_update(1, CUSTOMER, "Anna", "hi"));
    fake.set_webhook_error(TOKEN, 1_741_944_413, "Connection refused");
    let status = channel.webhook_info(&bot).await.expect("webhook info");
    assert_eq!(status.url.as_deref(), Some(url));
    assert_eq!(status.pending_update_count, 1);
    assert_eq!(
        status.last_error_message.as_deref(),
        Some("Connection refused")
    );
    assert_eq!(
        status.last_error_date.map(|date| date.timestamp()),
        Some(1_741_944_413)
    );

    channel
        .remove_webhook(&bot)
        .await
        .expect("the webhook is removed");
    assert_eq!(fake.webhook(TOKEN), None);
    let status = channel.webhook_info(&bot).await.expect("webhook info");
    assert_eq!(status.url, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_delivers_the_text_and_returns_telegrams_message_id() {
    let (fake, channel, bot) = setup().await;
    let sent = channel
        .send(&bot, &outbound("Your order ships today 📦"))
        .await
        .expect("sent");
    let messages = fake.wait_for_sent(1, Duration::from_secs(5)).await;
    assert_eq!(messages[0].chat_id, CUSTOMER);
    assert_eq!(messages[0].method, "sendMessage");
    assert_eq!(
        messages[0].text.as_deref(),
        Some("Your order ships today 📦")
    );
    assert_eq!(sent.external_ids, vec![messages[0].message_id.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_text_arrives_as_two_messages_in_order() {
    let (fake, channel, bot) = setup().await;
    let first = format!("{}.", "First part ".repeat(300).trim_end()); // ~3,300 chars
    let second = format!("{} 🎉", "Second part ".repeat(140).trim_end()); // ~1,700 chars
    let text = format!("{first}\n\n{second}");
    assert!(text.encode_utf16().count() > 4_900);
    let sent = channel.send(&bot, &outbound(&text)).await.expect("sent");
    let messages = fake.wait_for_sent(2, Duration::from_secs(5)).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].text.as_deref(), Some(first.as_str()));
    assert_eq!(messages[1].text.as_deref(), Some(second.as_str()));
    for message in &messages {
        let units = message
            .text
            .as_deref()
            .unwrap_or_default()
            .encode_utf16()
            .count();
        assert!(units <= MAX_TEXT_UNITS);
    }
    assert_eq!(
        sent.external_ids,
        messages
            .iter()
            .map(|message| message.message_id.to_string())
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_send_is_retryable_after_telegrams_wait_then_succeeds() {
    let (fake, channel, bot) = setup().await;
    fake.fail_next("sendMessage", Failure::RetryAfter(3), 1);
    let error = provider(channel.send(&bot, &outbound("hello")).await);
    assert!(error.retryable);
    assert_eq!(error.retry_after, Some(Duration::from_secs(3)));
    assert!(!error.unreachable);
    assert!(fake.sent().is_empty());

    let sent = channel.send(&bot, &outbound("hello")).await.expect("sent");
    assert_eq!(fake.sent().len(), 1);
    assert_eq!(sent.external_ids.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_continuation_part_is_retried_in_place() {
    let (fake, channel, bot) = setup().await;
    fake.fail_after("sendMessage", 1, Failure::RetryAfter(1), 1);
    let text = "word ".repeat(1_000);
    let sent = channel.send(&bot, &outbound(&text)).await.expect("sent");
    assert_eq!(sent.external_ids.len(), 2);
    assert_eq!(fake.sent().len(), 2, "no part was delivered twice");
    assert_eq!(fake.calls_of("sendMessage").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_who_blocked_the_bot_is_unreachable() {
    let (fake, channel, bot) = setup().await;
    fake.fail_next("sendMessage", Failure::Blocked, 1);
    let error = provider(channel.send(&bot, &outbound("hello")).await);
    assert!(!error.retryable);
    assert!(error.unreachable);
    assert_eq!(error.reason, "the customer blocked the bot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_request_is_permanent_with_telegrams_description() {
    let (fake, channel, bot) = setup().await;
    fake.fail_next(
        "sendMessage",
        Failure::BadRequest("chat not found".into()),
        1,
    );
    let error = provider(channel.send(&bot, &outbound("hello")).await);
    assert!(!error.retryable && !error.unreachable);
    assert_eq!(error.reason, "Bad Request: chat not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_fails_sends_permanently() {
    let (fake, channel, bot) = setup().await;
    fake.revoke_bot(TOKEN);
    let error = provider(channel.send(&bot, &outbound("hello")).await);
    assert!(!error.retryable && !error.unreachable);
    assert_eq!(error.reason, "bot token revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_retryable() {
    // teloxide itself waits 10 s before returning a 5xx.
    let (fake, channel, bot) = setup().await;
    fake.fail_next("sendMessage", Failure::ServerError, 1);
    let error = provider(channel.send(&bot, &outbound("hello")).await);
    assert!(error.retryable && !error.unreachable, "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_is_retryable() {
    let (fake, channel, bot) = setup().await;
    fake.fail_next("sendMessage", Failure::Drop, 1);
    let error = provider(channel.send(&bot, &outbound("hello")).await);
    assert!(error.retryable, "{error:?}");
    assert!(!error.reason.contains(TOKEN), "{}", error.reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_api_times_out_as_retryable() {
    let fake = FakeTelegram::start().await;
    fake.add_bot(TOKEN, "acme_support_bot");
    let channel = TelegramChannel::with_request_timeout(api_url(&fake), Duration::from_millis(300));
    fake.fail_next("sendMessage", Failure::Delay(Duration::from_secs(3)), 1);
    let started = Instant::now();
    let error = provider(channel.send(&bot(TOKEN), &outbound("hello")).await);
    assert!(error.retryable, "{error:?}");
    assert!(error.reason.contains("in time"), "{}", error.reason);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_text_or_a_non_numeric_recipient_is_refused_without_calling() {
    let (fake, channel, bot) = setup().await;
    assert!(!provider(channel.send(&bot, &outbound("  \n ")).await).retryable);
    let to_username = Outbound::text("@anna", "hi");
    assert!(!provider(channel.send(&bot, &to_username).await).retryable);
    assert!(fake.calls_of("sendMessage").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_updates_returns_raw_updates_that_parse_and_offsets_confirm_them() {
    let (fake, channel, bot) = setup().await;
    fake.push_update(
        TOKEN,
        FakeTelegram::text_update(41, CUSTOMER, "Anna", "first"),
    );
    fake.push_update(TOKEN, FakeTelegram::poll_update(42));

    let updates = channel.get_updates(&bot, None, 0).await.expect("updates");
    let ids: Vec<i64> = updates.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![41, 42]);
    let first = channel.parse(&updates[0].1).expect("the raw JSON parses");
    assert_eq!(first.dedup_key, "41");
    match first.event {
        InboundEvent::Message(message) => assert_eq!(message.text.as_deref(), Some("first")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        channel.parse(&updates[1].1).expect("parses").event,
        InboundEvent::Ignored { .. }
    ));
    let call = &fake.calls_of("getUpdates")[0];
    assert_eq!(
        call.params["allowed_updates"],
        serde_json::json!([
            "message",
            "edited_message",
            "my_chat_member",
            "message_reaction",
            "business_connection",
            "business_message",
            "edited_business_message",
            "deleted_business_messages"
        ])
    );

    // Asking from 43 on confirms 41 and 42.
    let updates = channel
        .get_updates(&bot, Some(43), 0)
        .await
        .expect("updates");
    assert!(updates.is_empty());
    assert_eq!(fake.pending_updates(TOKEN), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_returns_as_soon_as_an_update_arrives() {
    let (fake, channel, bot) = setup().await;
    let poll = {
        let channel = channel.clone();
        let bot = bot.clone();
        tokio::spawn(async move { channel.get_updates(&bot, Some(1), 8).await })
    };
    fake.wait_for_calls("getUpdates", 1, Duration::from_secs(5))
        .await;
    let started = Instant::now();
    fake.push_update(TOKEN, FakeTelegram::blocked_update(7, CUSTOMER, "Anna"));
    let updates = poll
        .await
        .expect("the poll task finishes")
        .expect("updates");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(updates.len(), 1);
    assert!(matches!(
        channel.parse(&updates[0].1).expect("parses").event,
        InboundEvent::Reachability { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_while_a_webhook_is_set_is_a_permanent_conflict() {
    let (_fake, channel, bot) = setup().await;
    channel
        .register_webhook(&bot, "https://inbox.example.com/hooks/telegram/1")
        .await
        .expect("the webhook is set");
    let error = provider(channel.get_updates(&bot, None, 0).await);
    assert!(!error.retryable);
    assert!(error.reason.contains("Conflict"), "{}", error.reason);
}
