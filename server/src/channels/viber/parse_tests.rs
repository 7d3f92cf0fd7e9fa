//! Parsing over real callback bodies: tests/fixtures/viber/*.json, written by
//! tests/fixtures/viber/generate.py with the official `viberbot` SDK.

use chrono::TimeZone;
use serde_json::json;

use super::*;

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/viber/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|err| panic!("fixture {path}: {err}"))
}

fn parsed(name: &str) -> Inbound {
    parse(&fixture(name)).unwrap_or_else(|err| panic!("{name}: {err}"))
}

fn message_of(name: &str) -> InboundMessage {
    match parsed(name).event {
        InboundEvent::Message(message) => message,
        other => panic!("{name}: not a message: {other:?}"),
    }
}

fn olena() -> CustomerProfile {
    CustomerProfile {
        external_id: "a8BnT+2k/Xq9dQ0rJ1vZ3w==".into(),
        name: "Олена Коваль".into(),
        username: None,
        language: Some("uk".into()),
        country: Some("UA".into()),
        avatar_url: Some(
            "https://media-direct.cdn.viber.com/download_photo?dlid=abc&fltp=jpg&imsz=0000".into(),
        ),
        ..CustomerProfile::default()
    }
}

const MEDIA: &str =
    "https://dl-media.viber.com/1/share/2/long/vibes/icon/image/0x0/95e0/5688fdffdaa2c6e8.jpg";

#[test]
fn a_text_message_becomes_an_inbound_message() {
    let inbound = parsed("message_text");
    assert_eq!(
        inbound,
        Inbound {
            dedup_key: "5491808166876114155".into(),
            event: InboundEvent::Message(InboundMessage {
                customer: olena(),
                external_id: "5491808166876114155".into(),
                sent_at: Utc
                    .with_ymd_and_hms(2025, 3, 14, 9, 26, 53)
                    .single()
                    .expect("a valid date"),
                content_kind: "text".into(),
                text: Some("Hello! Do you deliver to Lviv?".into()),
                attachments: vec![],
                reply_to_external_id: None,
                reply_to_text: None,
                referral: None,
                details: json!({"tracking_data": "order-42"}),
            }),
        }
    );
}

#[test]
fn a_message_token_above_2_pow_53_keeps_every_digit() {
    let inbound = parsed("message_text_2pow53_plus_1");
    assert_eq!(inbound.dedup_key, "9007199254740993");
    assert_eq!(
        message_of("message_text_2pow53_plus_1").external_id,
        "9007199254740993"
    );
    assert_eq!(
        message_of("message_text").external_id,
        "5491808166876114155"
    );
}

#[test]
fn a_message_token_sent_as_a_string_of_digits_is_kept() {
    let body = br#"{"event":"message","timestamp":1457764197627,"message_token":"912661846655238145","sender":{"id":"01234567890A="},"message":{"type":"text","text":"HI!"}}"#;
    let inbound = parse(body).expect("parses");
    assert_eq!(inbound.dedup_key, "912661846655238145");
}

#[test]
fn a_message_token_that_is_a_float_is_malformed() {
    let body = br#"{"event":"message","timestamp":1457764197627,"message_token":4.912661846655238e18,"sender":{"id":"u"},"message":{"type":"text","text":"x"}}"#;
    assert!(matches!(parse(body), Err(ChannelError::Malformed(_))));
}

#[test]
fn a_pretty_printed_unicode_body_keeps_its_text() {
    let message = message_of("message_text_unicode_pretty");
    assert_eq!(
        message.text.as_deref(),
        Some("Привіт 👋 ふで都急ぼち — אל תעקוב \"quoted\"")
    );
    assert_eq!(message.details, json!({"tracking_data": "אל תעקוב אחרי!"}));
}

#[test]
fn a_keyboard_tap_is_a_text_message_marked_silent() {
    let message = message_of("message_keyboard_tap");
    assert_eq!(message.content_kind, "text");
    assert_eq!(message.text.as_deref(), Some("menu:prices"));
    assert_eq!(message.details, json!({"silent": true}));
}

#[test]
fn a_picture_has_its_caption_and_one_photo_attachment() {
    let message = message_of("message_picture");
    assert_eq!(message.content_kind, "picture");
    assert_eq!(message.text.as_deref(), Some("Is this one in stock?"));
    assert_eq!(
        message.attachments,
        vec![InboundAttachment {
            kind: "photo".into(),
            name: "photo.jpg".into(),
            mime: Some("image/jpeg".into()),
            size: None,
            external_ref: MEDIA.into(),
        }]
    );
    assert_eq!(
        message.details,
        json!({"thumbnail": MEDIA.replace("0x0", "400x400")})
    );
}

#[test]
fn a_picture_without_caption_has_no_text() {
    let message = message_of("message_picture_no_caption");
    assert_eq!(message.text, None);
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(message.attachments[0].external_ref, MEDIA);
}

#[test]
fn a_video_has_its_caption_size_and_duration() {
    let message = message_of("message_video");
    assert_eq!(message.content_kind, "video");
    assert_eq!(message.text.as_deref(), Some("unboxing"));
    assert_eq!(
        message.attachments,
        vec![InboundAttachment {
            kind: "video".into(),
            name: "video.mp4".into(),
            mime: Some("video/mp4".into()),
            size: Some(5_242_880),
            external_ref: MEDIA.replace(".jpg", ".mp4"),
        }]
    );
    assert_eq!(message.details, json!({"thumbnail": MEDIA, "duration": 12}));
}

#[test]
fn a_file_keeps_its_name_and_file_size() {
    let message = message_of("message_file");
    assert_eq!(message.content_kind, "file");
    assert_eq!(message.text, None);
    assert_eq!(
        message.attachments,
        vec![InboundAttachment {
            kind: "document".into(),
            name: "Рахунок №17.pdf".into(),
            mime: Some("application/pdf".into()),
            size: Some(482_113),
            external_ref: MEDIA.replace(".jpg", ".pdf"),
        }]
    );
    assert_eq!(message.details, json!({}));
}

#[test]
fn a_file_in_the_sdk_shape_reads_size() {
    let message = message_of("message_file_sdk_shape");
    assert_eq!(message.attachments[0].name, "offer.docx");
    assert_eq!(message.attachments[0].size, Some(10_240));
}

#[test]
fn a_sticker_keeps_its_id_and_image() {
    let message = message_of("message_sticker");
    assert_eq!(message.content_kind, "sticker");
    assert_eq!(message.text, None);
    assert_eq!(message.details, json!({"sticker_id": 40133}));
    assert_eq!(
        message.attachments,
        vec![InboundAttachment {
            kind: "sticker".into(),
            name: "sticker.png".into(),
            mime: Some("image/png".into()),
            size: None,
            external_ref: "https://viber.github.io/docs/img/stickers/40133.png".into(),
        }]
    );
}

#[test]
fn a_contact_is_kept_in_details() {
    let message = message_of("message_contact");
    assert_eq!(message.content_kind, "contact");
    assert_eq!(message.text, None);
    assert!(message.attachments.is_empty());
    assert_eq!(
        message.details,
        json!({"contact": {"name": "Taras", "phone_number": "+380501234567"}})
    );
}

#[test]
fn a_location_is_kept_in_details() {
    let message = message_of("message_location");
    assert_eq!(message.content_kind, "location");
    assert_eq!(message.text, None);
    assert_eq!(
        message.details,
        json!({"location": {"lat": 49.8397, "lon": 24.0297}})
    );
}

#[test]
fn a_url_message_shows_the_url_as_its_text() {
    let message = message_of("message_url");
    let url = "https://shop.example.com/item/17?ref=viber";
    assert_eq!(message.content_kind, "url");
    assert_eq!(message.text.as_deref(), Some(url));
    assert_eq!(message.details, json!({"url": url}));
}

#[test]
fn an_unknown_message_type_is_kept_as_unsupported() {
    let inbound = parsed("message_unknown_type");
    assert_eq!(inbound.dedup_key, "5491808166876114155");
    let InboundEvent::Message(message) = inbound.event else {
        panic!("an unknown type is still a message");
    };
    assert_eq!(message.content_kind, "unsupported");
    assert_eq!(message.text.as_deref(), Some("from a newer client"));
    assert_eq!(message.details, json!({"type": "future_type"}));
    assert_eq!(message.customer, olena());
}

#[test]
fn a_message_without_type_is_kept_as_unsupported() {
    let body = br#"{"event":"message","timestamp":1457764197627,"message_token":1,"sender":{"id":"u"},"message":{"media":"https://x/y.bin"}}"#;
    let InboundEvent::Message(message) = parse(body).expect("parses").event else {
        panic!("a message");
    };
    assert_eq!(message.content_kind, "unsupported");
    assert_eq!(
        message.details,
        json!({"type": null, "media": "https://x/y.bin"})
    );
}

#[test]
fn a_message_with_an_impossible_timestamp_is_still_received() {
    let body = br#"{"event":"message","timestamp":4977069964384421269,"message_token":7,"sender":{"id":"u","name":null},"message":{"type":"text","text":"hi"}}"#;
    let InboundEvent::Message(message) = parse(body).expect("parses").event else {
        panic!("a message");
    };
    assert_eq!(message.text.as_deref(), Some("hi"));
    assert_eq!(message.customer.name, "");
}

#[test]
fn a_message_without_sender_is_malformed() {
    let body = br#"{"event":"message","timestamp":1,"message_token":1,"message":{"type":"text","text":"x"}}"#;
    assert!(matches!(parse(body), Err(ChannelError::Malformed(_))));
}

#[test]
fn a_message_without_message_token_is_malformed() {
    let body = br#"{"event":"message","timestamp":1,"sender":{"id":"u"},"message":{"type":"text","text":"x"}}"#;
    assert!(matches!(parse(body), Err(ChannelError::Malformed(_))));
}

#[test]
fn conversation_started_carries_the_user_and_the_deep_link_context() {
    assert_eq!(
        parsed("conversation_started"),
        Inbound {
            dedup_key: "conversation_started:5491808166876114155".into(),
            event: InboundEvent::ConversationStarted {
                customer: olena(),
                referral: Some("ad-campaign-42".into()),
            },
        }
    );
}

#[test]
fn conversation_started_without_context_has_no_referral() {
    assert_eq!(
        parsed("conversation_started_minimal"),
        Inbound {
            dedup_key: "conversation_started:5491808166876114156".into(),
            event: InboundEvent::ConversationStarted {
                customer: CustomerProfile {
                    external_id: "01234567890A=".into(),
                    name: "viberUser".into(),
                    ..CustomerProfile::default()
                },
                referral: None,
            },
        }
    );
}

#[test]
fn subscribed_makes_the_user_reachable() {
    assert_eq!(
        parsed("subscribed"),
        Inbound {
            dedup_key: "subscribed:5491808166876114157".into(),
            event: InboundEvent::Reachability {
                customer: olena(),
                change: ReachabilityChange::Subscribed,
            },
        }
    );
}

#[test]
fn unsubscribed_names_only_the_user_id() {
    assert_eq!(
        parsed("unsubscribed"),
        Inbound {
            dedup_key: "unsubscribed:5491808166876114158".into(),
            event: InboundEvent::Reachability {
                customer: CustomerProfile {
                    external_id: "a8BnT+2k/Xq9dQ0rJ1vZ3w==".into(),
                    ..CustomerProfile::default()
                },
                change: ReachabilityChange::Unsubscribed,
            },
        }
    );
}

#[test]
fn delivered_reports_on_our_message() {
    assert_eq!(
        parsed("delivered"),
        Inbound {
            dedup_key: "delivered:5491808166876114200:a8BnT+2k/Xq9dQ0rJ1vZ3w==".into(),
            event: InboundEvent::DeliveryReport {
                external_message_id: "5491808166876114200".into(),
                report: DeliveryReport::Delivered,
            },
        }
    );
}

#[test]
fn seen_reports_on_our_message() {
    let inbound = parsed("seen");
    assert_eq!(
        inbound.event,
        InboundEvent::DeliveryReport {
            external_message_id: "5491808166876114200".into(),
            report: DeliveryReport::Seen,
        }
    );
}

#[test]
fn delivered_and_seen_of_one_message_are_not_duplicates() {
    assert_ne!(parsed("delivered").dedup_key, parsed("seen").dedup_key);
}

#[test]
fn failed_carries_viber_description() {
    assert_eq!(
        parsed("failed").event,
        InboundEvent::DeliveryReport {
            external_message_id: "5491808166876114200".into(),
            report: DeliveryReport::Failed("failure description".into()),
        }
    );
}

#[test]
fn the_webhook_verification_is_accepted_and_ignored() {
    assert_eq!(
        parsed("webhook"),
        Inbound {
            dedup_key: "webhook:5491808166876114155".into(),
            event: InboundEvent::Ignored {
                reason: "webhook verification".into(),
            },
        }
    );
    assert_eq!(parsed("webhook_sdk_kat").dedup_key, "webhook:1478683725125");
}

#[test]
fn an_unknown_event_is_ignored_with_its_name() {
    let inbound = parsed("client_status");
    assert_eq!(inbound.dedup_key, "client_status:5491808166876114159");
    let InboundEvent::Ignored { reason } = inbound.event else {
        panic!("ignored");
    };
    assert!(reason.contains("client_status"), "{reason}");
}

#[test]
fn an_event_without_token_gets_a_stable_key() {
    let body = br#"{"event":"unsubscribed","timestamp":1457764197627,"user_id":"u1"}"#;
    assert_eq!(
        parse(body).expect("parses").dedup_key,
        "unsubscribed:u1:1457764197627"
    );
    assert_eq!(parse(body), parse(body));
}

#[test]
fn a_body_without_event_is_malformed() {
    assert!(matches!(
        parse(&fixture("no_event")),
        Err(ChannelError::Malformed(_))
    ));
}

#[test]
fn a_body_that_is_not_json_is_malformed() {
    for body in [
        &b"not json"[..],
        b"",
        b"{\"event\":",
        b"[1,2]",
        b"\"message\"",
        b"{\"event\":7}",
    ] {
        assert!(
            matches!(parse(body), Err(ChannelError::Malformed(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
