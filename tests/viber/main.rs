//! `ViberChannel` against the fake Viber REST API over real HTTP: token
//! checks, webhook registration with Viber's verification callback, sending
//! (split texts, media), error classification, media downloads, and the
//! fake's own signed callbacks.

mod server;

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tidings::channels::viber::{MediaKind, OutboundMedia, ViberChannel};
use tidings::channels::{
    Bot, BotProfile, Channel, ChannelError, DeliveryReport, Headers, InboundEvent, Outbound, Sent,
};
use tidings::config::Secret;
use tidings_tests::fake_viber::{
    Failure, FakeViber, RecordingWebhook, FIRST_CALLBACK_TOKEN, FIRST_MESSAGE_TOKEN,
};

const TOKEN: &str = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";
const CUSTOMER: &str = "a8BnT+2k/Xq9dQ0rJ1vZ3w==";
const WAIT: Duration = Duration::from_secs(10);

fn bot() -> Bot {
    Bot {
        integration_id: 7,
        token: Secret(TOKEN.into()),
        webhook_secret: String::new(),
        name: "Acme Support".into(),
        whatsapp: None,
    }
}

fn channel(fake: &FakeViber) -> ViberChannel {
    ViberChannel::new(fake.url(), reqwest::Client::new())
}

/// A fake with our bot whose webhook points at a recording listener.
async fn connected() -> (FakeViber, ViberChannel, RecordingWebhook) {
    let fake = FakeViber::start().await;
    fake.add_bot(TOKEN, "Acme Support");
    let hook = RecordingWebhook::start().await;
    let channel = channel(&fake);
    channel
        .register_webhook(&bot(), &hook.url("/hooks/viber/7"))
        .await
        .expect("the webhook registers");
    (fake, channel, hook)
}

fn text(text: &str) -> Outbound {
    Outbound::text(CUSTOMER, text)
}

fn headers(received: &HashMap<String, String>) -> Headers {
    Headers(received.clone())
}

/// The error's (retryable, unreachable), failing on anything but `Provider`.
fn provider_flags(error: &ChannelError) -> (bool, bool) {
    match error {
        ChannelError::Provider {
            retryable,
            unreachable,
            ..
        } => (*retryable, *unreachable),
        other => panic!("not a provider error: {other:?}"),
    }
}

#[tokio::test]
async fn check_token_returns_the_bot_profile() {
    let fake = FakeViber::start().await;
    fake.add_bot(TOKEN, "Acme Support");
    let profile = channel(&fake)
        .check_token(TOKEN)
        .await
        .expect("a good token");
    assert_eq!(
        profile,
        BotProfile {
            name: "Acme Support".into(),
            username: Some("acmesupport".into()),
            avatar_url: Some(
                "https://media-direct.cdn.viber.com/pg_download?id=acmesupport".into()
            ),
        }
    );
    let calls = fake.calls_of("get_account_info");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].auth_token.as_deref(),
        Some(TOKEN),
        "token in the header"
    );
    assert_eq!(calls[0].body, json!({}), "no token in the body");
}

#[tokio::test]
async fn check_token_with_an_unknown_token_is_a_bad_token() {
    let fake = FakeViber::start().await;
    fake.add_bot(TOKEN, "Acme Support");
    let error = channel(&fake)
        .check_token("not-a-real-token")
        .await
        .expect_err("an unknown token");
    let ChannelError::BadToken(reason) = error else {
        panic!("not a bad token: {error:?}");
    };
    assert!(reason.contains("invalidAuthToken"), "{reason}");
}

#[tokio::test]
async fn check_token_when_viber_is_down_is_retryable_not_a_bad_token() {
    let fake = FakeViber::start().await;
    fake.add_bot(TOKEN, "Acme Support");
    fake.fail_next("get_account_info", Failure::Http(503), 1);
    let error = channel(&fake)
        .check_token(TOKEN)
        .await
        .expect_err("Viber is down");
    assert_eq!(provider_flags(&error), (true, false));
}

#[tokio::test]
async fn register_webhook_answers_viber_signed_verification_callback() {
    let (fake, channel, hook) = connected().await;
    let url = hook.url("/hooks/viber/7");
    assert_eq!(fake.webhook(TOKEN).as_deref(), Some(url.as_str()));

    let calls = fake.calls_of("set_webhook");
    assert_eq!(
        calls[0].body,
        json!({
            "url": url,
            "event_types": ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"],
            "send_name": true,
            "send_photo": true,
        })
    );

    let received = hook.wait_for(1, WAIT).await;
    assert_eq!(received[0].path, "/hooks/viber/7");
    channel
        .verify(&bot(), &headers(&received[0].headers), &received[0].body)
        .expect("Viber's verification callback is signed with the token");
    let inbound = channel.parse(&received[0].body).expect("parses");
    assert_eq!(
        inbound.event,
        InboundEvent::Ignored {
            reason: "webhook verification".into()
        }
    );
    assert_eq!(inbound.dedup_key, format!("webhook:{FIRST_CALLBACK_TOKEN}"));
    assert_eq!(fake.webhook_checks()[0].outcome, Ok(200));
}

#[tokio::test]
async fn register_webhook_fails_when_the_webhook_refuses_the_verification() {
    let fake = FakeViber::start().await;
    fake.add_bot(TOKEN, "Acme Support");
    let hook = RecordingWebhook::start().await;
    hook.answer_with(500);
    let error = channel(&fake)
        .register_webhook(&bot(), &hook.url("/hooks/viber/7"))
        .await
        .expect_err("Viber refuses a webhook that does not answer 200");
    assert_eq!(provider_flags(&error), (false, false));
    assert!(error.to_string().contains("invalidUrl"), "{error}");
    assert_eq!(fake.webhook(TOKEN), None);
}

#[tokio::test]
async fn register_webhook_without_verification_just_records_the_url() {
    let fake = FakeViber::start().await;
    fake.add_bot(TOKEN, "Acme Support");
    fake.set_verify_webhooks(false);
    channel(&fake)
        .register_webhook(&bot(), "https://inbox.example.com/hooks/viber/7")
        .await
        .expect("registers");
    assert_eq!(
        fake.webhook(TOKEN).as_deref(),
        Some("https://inbox.example.com/hooks/viber/7")
    );
    assert!(fake.webhook_checks().is_empty());
}

#[tokio::test]
async fn remove_webhook_sets_an_empty_url() {
    let (fake, channel, _hook) = connected().await;
    channel.remove_webhook(&bot()).await.expect("removes");
    assert_eq!(fake.webhook(TOKEN), None);
    let calls = fake.calls_of("set_webhook");
    assert_eq!(
        calls.last().map(|call| &call.body),
        Some(&json!({"url": ""}))
    );
}

#[tokio::test]
async fn send_returns_viber_message_token_exactly() {
    let (fake, channel, _hook) = connected().await;
    let sent = channel
        .send(&bot(), &text("Hello! Yes, we deliver to Lviv."))
        .await
        .expect("sent");
    assert_eq!(
        sent,
        Sent {
            external_ids: vec![FIRST_MESSAGE_TOKEN.to_string()]
        }
    );
    assert_eq!(sent.external_ids[0], "5491808166876114155");
    let messages = fake.wait_for_sent(1, WAIT).await;
    assert_eq!(messages[0].receiver, CUSTOMER);
    assert_eq!(messages[0].kind, "text");
    assert_eq!(
        messages[0].text.as_deref(),
        Some("Hello! Yes, we deliver to Lviv.")
    );
    assert_eq!(messages[0].sender_name.as_deref(), Some("Acme Support"));
    assert_eq!(messages[0].body["min_api_version"], 1);
}

#[tokio::test]
async fn a_long_text_is_sent_in_parts_viber_accepts() {
    let (fake, channel, _hook) = connected().await;
    let paragraph = ["Our offer, line by line."; 100].join(" ");
    let long = [paragraph.as_str(); 6].join("\n\n");
    assert!(long.chars().count() > 14_000);
    let sent = channel.send(&bot(), &text(&long)).await.expect("sent");
    assert_eq!(sent.external_ids.len(), 3);
    let messages = fake.wait_for_sent(3, WAIT).await;
    for (message, id) in messages.iter().zip(&sent.external_ids) {
        assert_eq!(message.message_token.to_string(), *id);
        let part = message.text.as_deref().expect("a text part");
        assert!(part.encode_utf16().count() <= 7000);
    }
    let rejoined: String = messages
        .iter()
        .filter_map(|message| message.text.as_deref())
        .collect::<Vec<_>>()
        .join("\n\n");
    assert_eq!(rejoined, long);
}

#[tokio::test]
async fn an_empty_text_is_not_sent() {
    let (fake, channel, _hook) = connected().await;
    let error = channel
        .send(&bot(), &text("  \n "))
        .await
        .expect_err("nothing to send");
    assert_eq!(provider_flags(&error), (false, false));
    assert!(fake.calls_of("send_message").is_empty());
}

#[tokio::test]
async fn sending_before_the_webhook_is_set_is_permanent() {
    let fake = FakeViber::start().await;
    fake.add_bot(TOKEN, "Acme Support");
    let error = channel(&fake)
        .send(&bot(), &text("hi"))
        .await
        .expect_err("no webhook yet");
    assert_eq!(provider_flags(&error), (false, false));
    assert!(error.to_string().contains("webhookNotSet"), "{error}");
}

#[tokio::test]
async fn status_6_is_permanent_and_marks_the_customer_unreachable() {
    let (fake, channel, _hook) = connected().await;
    fake.fail_next("send_message", Failure::Status(6), 1);
    let error = channel
        .send(&bot(), &text("hi"))
        .await
        .expect_err("unsubscribed");
    assert_eq!(provider_flags(&error), (false, true));
    assert!(
        error.to_string().contains("receiverNotSubscribed"),
        "{error}"
    );
    assert!(fake.sent().is_empty());
}

#[tokio::test]
async fn status_12_is_retryable_and_the_retry_succeeds() {
    let (fake, channel, _hook) = connected().await;
    fake.fail_next("send_message", Failure::Status(12), 1);
    let error = channel
        .send(&bot(), &text("hi"))
        .await
        .expect_err("rate limited");
    assert_eq!(provider_flags(&error), (true, false));
    channel
        .send(&bot(), &text("hi"))
        .await
        .expect("the retry goes through");
    assert_eq!(fake.calls_of("send_message").len(), 2);
    assert_eq!(fake.sent().len(), 1);
}

#[tokio::test]
async fn status_2_while_sending_is_a_bad_token() {
    let (fake, channel, _hook) = connected().await;
    fake.fail_next("send_message", Failure::Status(2), 1);
    let error = channel
        .send(&bot(), &text("hi"))
        .await
        .expect_err("token revoked");
    assert!(matches!(error, ChannelError::BadToken(_)), "{error:?}");
}

#[tokio::test]
async fn http_500_is_retryable() {
    let (fake, channel, _hook) = connected().await;
    fake.fail_next("send_message", Failure::Http(500), 1);
    let error = channel
        .send(&bot(), &text("hi"))
        .await
        .expect_err("server error");
    assert_eq!(provider_flags(&error), (true, false));
    assert!(error.to_string().contains("500"), "{error}");
}

#[tokio::test]
async fn a_dropped_connection_is_retryable() {
    let (fake, channel, _hook) = connected().await;
    fake.fail_next("send_message", Failure::Drop, 1);
    let error = channel
        .send(&bot(), &text("hi"))
        .await
        .expect_err("connection dropped");
    assert_eq!(provider_flags(&error), (true, false));
    assert!(fake.sent().is_empty());
}

#[tokio::test]
async fn a_slow_answer_times_out_as_retryable() {
    let (fake, channel, _hook) = connected().await;
    let channel = channel.with_timeout(Duration::from_millis(300));
    fake.fail_next("send_message", Failure::Slow(Duration::from_secs(5)), 1);
    let error = channel
        .send(&bot(), &text("hi"))
        .await
        .expect_err("too slow");
    assert_eq!(provider_flags(&error), (true, false));
    assert!(error.to_string().contains("in time"), "{error}");
}

#[tokio::test]
async fn a_slow_answer_within_the_timeout_succeeds() {
    let (fake, channel, _hook) = connected().await;
    fake.fail_next("send_message", Failure::Slow(Duration::from_millis(100)), 1);
    channel
        .send(&bot(), &text("hi"))
        .await
        .expect("slow but in time");
    assert_eq!(fake.sent().len(), 1);
}

#[tokio::test]
async fn a_refused_later_part_says_how_many_parts_went_out() {
    let (fake, channel, _hook) = connected().await;
    // The first call passes (a zero delay), the second is rate limited.
    fake.fail_next("send_message", Failure::Slow(Duration::ZERO), 1);
    fake.fail_next("send_message", Failure::Status(12), 1);
    let long = format!("{}\n\n{}", "a".repeat(6000), "b".repeat(6000));
    let error = channel
        .send(&bot(), &text(&long))
        .await
        .expect_err("second part refused");
    assert_eq!(provider_flags(&error), (true, false));
    assert!(error.to_string().contains("1 of 2 parts"), "{error}");
    assert_eq!(fake.sent().len(), 1);
}

#[tokio::test]
async fn send_media_sends_a_picture_with_its_caption() {
    let (fake, channel, _hook) = connected().await;
    let media = OutboundMedia {
        kind: MediaKind::Picture,
        url: "https://inbox.example.com/public/a1b2/photo.jpg".into(),
        name: "photo.jpg".into(),
        size: 48_000,
        caption: Some("Here it is".into()),
    };
    let sent = channel
        .send_media(&bot(), CUSTOMER, &media)
        .await
        .expect("sent");
    assert_eq!(sent.external_ids.len(), 1);
    let messages = fake.wait_for_sent(1, WAIT).await;
    assert_eq!(messages[0].kind, "picture");
    assert_eq!(messages[0].body["media"], media.url.as_str());
    assert_eq!(messages[0].body["text"], "Here it is");
    assert_eq!(messages[0].receiver, CUSTOMER);
}

#[tokio::test]
async fn send_media_sends_a_file_then_its_caption_as_text() {
    let (fake, channel, _hook) = connected().await;
    let media = OutboundMedia {
        kind: MediaKind::File,
        url: "https://inbox.example.com/public/c3d4/offer.pdf".into(),
        name: "offer.pdf".into(),
        size: 482_113,
        caption: Some("Our offer".into()),
    };
    let sent = channel
        .send_media(&bot(), CUSTOMER, &media)
        .await
        .expect("sent");
    assert_eq!(sent.external_ids.len(), 2);
    let messages = fake.wait_for_sent(2, WAIT).await;
    assert_eq!(messages[0].kind, "file");
    assert_eq!(messages[0].body["file_name"], "offer.pdf");
    assert_eq!(messages[0].body["size"], 482_113);
    assert_eq!(messages[1].kind, "text");
    assert_eq!(messages[1].text.as_deref(), Some("Our offer"));
}

#[tokio::test]
async fn download_media_fetches_the_bytes() {
    let fake = FakeViber::start().await;
    let bytes: Vec<u8> = (0..=255).cycle().take(100_000).collect();
    let url = fake.host_media("photo.jpg", "image/jpeg", &bytes);
    let downloaded = channel(&fake)
        .download_media(&url, 1 << 20)
        .await
        .expect("downloads");
    assert_eq!(downloaded, bytes);
}

#[tokio::test]
async fn download_media_refuses_a_file_over_the_limit() {
    let fake = FakeViber::start().await;
    let url = fake.host_media("big.bin", "application/octet-stream", &[7; 4096]);
    let error = channel(&fake)
        .download_media(&url, 4095)
        .await
        .expect_err("too large");
    assert_eq!(provider_flags(&error), (false, false));
}

#[tokio::test]
async fn download_media_of_an_expired_link_is_permanent() {
    let fake = FakeViber::start().await;
    let url = fake.host_media("old.jpg", "image/jpeg", b"x");
    let expired = url.replace("old.jpg", "expired.jpg");
    let error = channel(&fake)
        .download_media(&expired, 1024)
        .await
        .expect_err("gone");
    assert_eq!(provider_flags(&error), (false, false));
    assert!(error.to_string().contains("404"), "{error}");
}

#[tokio::test]
async fn callbacks_built_by_the_fake_verify_and_parse() {
    let fake = FakeViber::start().await;
    let hook = RecordingWebhook::start().await;
    let url = hook.url("/hooks/viber/7");
    let big = 9_007_199_254_740_993_u64;
    let bodies = [
        FakeViber::callback_message_text(big, CUSTOMER, "Олена", "Привіт"),
        FakeViber::conversation_started(big + 1, CUSTOMER, "Олена", Some("promo")),
        FakeViber::delivered(FIRST_MESSAGE_TOKEN, CUSTOMER),
        FakeViber::failed(FIRST_MESSAGE_TOKEN, CUSTOMER, "keyboard invalid"),
    ];
    for body in &bodies {
        let (status, _) = FakeViber::post_callback(&url, TOKEN, body.clone()).await;
        assert_eq!(status, StatusCode::OK);
    }
    let received = hook.wait_for(bodies.len(), WAIT).await;
    let channel = channel(&fake);
    let events: Vec<_> = received
        .iter()
        .map(|callback| {
            channel
                .verify(&bot(), &headers(&callback.headers), &callback.body)
                .expect("signed like Viber");
            channel.parse(&callback.body).expect("parses")
        })
        .collect();
    let InboundEvent::Message(message) = &events[0].event else {
        panic!("a message: {:?}", events[0]);
    };
    assert_eq!(message.external_id, "9007199254740993");
    assert_eq!(message.text.as_deref(), Some("Привіт"));
    assert_eq!(message.customer.external_id, CUSTOMER);
    assert!(matches!(
        &events[1].event,
        InboundEvent::ConversationStarted { referral: Some(referral), .. } if referral == "promo"
    ));
    assert_eq!(
        events[2].event,
        InboundEvent::DeliveryReport {
            external_message_id: FIRST_MESSAGE_TOKEN.to_string(),
            report: DeliveryReport::Delivered,
        }
    );
    assert_eq!(
        events[3].event,
        InboundEvent::DeliveryReport {
            external_message_id: FIRST_MESSAGE_TOKEN.to_string(),
            report: DeliveryReport::Failed("keyboard invalid".into()),
        }
    );
}

#[tokio::test]
async fn a_callback_with_a_wrong_signature_is_refused() {
    let fake = FakeViber::start().await;
    let hook = RecordingWebhook::start().await;
    let body = FakeViber::seen(FIRST_MESSAGE_TOKEN, CUSTOMER);
    let wrong = FakeViber::sign("another-token", &body);
    FakeViber::post_callback_with_signature(&hook.url("/h"), Some(&wrong), body).await;
    let received = hook.wait_for(1, WAIT).await;
    assert_eq!(
        channel(&fake).verify(&bot(), &headers(&received[0].headers), &received[0].body),
        Err(ChannelError::BadSignature)
    );
}

#[tokio::test]
async fn wait_for_sent_sees_a_send_made_concurrently() {
    let (fake, channel, _hook) = connected().await;
    let sender = tokio::spawn(async move {
        channel
            .send(&bot(), &text("from another task"))
            .await
            .expect("sent")
    });
    let messages = fake.wait_for_sent(1, WAIT).await;
    assert_eq!(messages[0].text.as_deref(), Some("from another task"));
    sender.await.expect("the task finishes");
}
