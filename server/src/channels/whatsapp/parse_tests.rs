//! The parser over the fixtures in `tests/fixtures/whatsapp/` (Meta's
//! documented notification shapes): every message type, statuses, batches
//! and bodies that are not WhatsApp notifications.

use serde_json::json;

use super::parse::{parse, split};
use crate::channels::{DeliveryReport, Inbound, InboundEvent, InboundMessage};

const NUMBER: &str = "106540352242922";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/whatsapp/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn only(name: &str) -> Inbound {
    let events = split(&fixture(name)).expect("a notification");
    assert_eq!(events.len(), 1, "{name}");
    assert_eq!(events[0].phone_number_id.as_deref(), Some(NUMBER));
    parse(events[0].body.as_bytes()).expect("a single event parses")
}

fn message(name: &str) -> InboundMessage {
    match only(name).event {
        InboundEvent::Message(message) => message,
        other => panic!("{name}: not a message: {other:?}"),
    }
}

#[test]
fn a_text_message_names_its_customer_by_wa_id_with_the_profile_name() {
    let inbound = only("text");
    assert!(
        inbound.dedup_key.starts_with("m:wamid."),
        "{}",
        inbound.dedup_key
    );
    let InboundEvent::Message(message) = inbound.event else {
        panic!("a message");
    };
    assert_eq!(message.customer.external_id, "16315551181");
    assert_eq!(message.customer.name, "Kerry Fisher");
    assert_eq!(message.content_kind, "text");
    assert_eq!(
        message.text.as_deref(),
        Some("Does it come in another color?")
    );
    assert_eq!(message.sent_at.timestamp(), 1_749_416_383);
    assert_eq!(message.reply_to_external_id, None);
}

#[test]
fn a_reply_quotes_the_message_in_its_context() {
    let message = message("text_reply");
    assert_eq!(
        message.reply_to_external_id.as_deref(),
        Some("wamid.HBgLMTYzMTU1NTExODEVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA")
    );
}

#[test]
fn media_messages_carry_their_media_id_to_download() {
    for (name, kind, mime, text) in [
        ("image", "photo", "image/jpeg", Some("This one")),
        ("video", "video", "video/mp4", None),
        ("voice", "voice", "audio/ogg; codecs=opus", None),
        ("audio", "audio", "audio/mpeg", None),
        (
            "document",
            "document",
            "application/pdf",
            Some("My invoice"),
        ),
        ("sticker", "sticker", "image/webp", None),
    ] {
        let message = message(name);
        assert_eq!(message.content_kind, kind, "{name}");
        assert_eq!(message.text.as_deref(), text, "{name}");
        assert_eq!(message.attachments.len(), 1, "{name}");
        let attachment = &message.attachments[0];
        assert_eq!(attachment.kind, kind, "{name}");
        assert_eq!(attachment.mime.as_deref(), Some(mime), "{name}");
        assert!(
            attachment.external_ref.chars().all(|c| c.is_ascii_digit()),
            "{name}: {}",
            attachment.external_ref
        );
    }
    assert_eq!(message("document").attachments[0].name, "invoice-0451.pdf");
    assert_eq!(message("image").attachments[0].name, "photo.jpg");
    assert_eq!(message("voice").attachments[0].name, "voice.ogg");
}

#[test]
fn a_location_becomes_a_point_with_its_venue() {
    let message = message("location");
    assert_eq!(message.content_kind, "location");
    assert_eq!(
        message.details["location"],
        json!({"latitude": 37.483307, "longitude": -122.148981})
    );
    assert_eq!(message.details["venue"]["title"], "Main office");
    assert_eq!(
        message.details["venue"]["address"],
        "1 Hacker Way, Menlo Park, CA 94025"
    );
}

#[test]
fn a_shared_contact_shows_its_name_and_phone() {
    let message = message("contacts");
    assert_eq!(message.content_kind, "contact");
    assert_eq!(
        message.details["contact"],
        json!({"name": "Barbara J. Johnson", "phone_number": "+1 (940) 555-1234"})
    );
}

#[test]
fn button_and_list_replies_show_the_chosen_title() {
    let button = message("button_reply");
    assert_eq!(button.content_kind, "button_reply");
    assert_eq!(button.text.as_deref(), Some("Change"));
    assert_eq!(button.details["reply_id"], "change-button");
    assert!(button.reply_to_external_id.is_some());
    let list = message("list_reply");
    assert_eq!(list.content_kind, "list_reply");
    assert_eq!(list.text.as_deref(), Some("Express shipping"));
    assert_eq!(list.details["description"], "Next day to most cities");
    let template_button = message("button");
    assert_eq!(template_button.content_kind, "button");
    assert_eq!(
        template_button.text.as_deref(),
        Some("Unsubscribe from promos")
    );
    assert_eq!(
        template_button.details["payload"],
        "Unsubscribe from promos"
    );
}

#[test]
fn a_reaction_sets_the_customers_reaction_on_the_reacted_message() {
    let InboundEvent::Reaction(reaction) = only("reaction").event else {
        panic!("not a reaction");
    };
    assert_eq!(reaction.customer.external_id, "16315551181");
    assert_eq!(
        reaction.external_message_id,
        "wamid.HBgLMTYzMTU1NTExODEVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA"
    );
    assert_eq!(reaction.emoji.as_deref(), Some("👍"));
}

#[test]
fn an_empty_reaction_emoji_takes_the_reaction_back() {
    let body = String::from_utf8(fixture("reaction"))
        .expect("text")
        .replace("\"emoji\": \"👍\"", "\"emoji\": \"\"");
    let events = split(body.as_bytes()).expect("a notification");
    let InboundEvent::Reaction(reaction) = parse(events[0].body.as_bytes()).expect("parses").event
    else {
        panic!("not a reaction");
    };
    assert_eq!(reaction.emoji, None);
}

#[test]
fn an_unknown_message_type_is_kept_as_a_message_saying_so() {
    let message = message("unsupported");
    assert_eq!(message.content_kind, "unsupported");
    assert!(
        message
            .text
            .as_deref()
            .is_some_and(|text| text.contains("cannot be shown")),
        "{:?}",
        message.text
    );
    assert_eq!(message.details["type"], "unsupported");
    assert!(message.details["error"]
        .as_str()
        .is_some_and(|error| error.starts_with("Message type unknown")));
}

#[test]
fn statuses_become_delivery_reports_and_sent_is_ignored() {
    let id = "wamid.HBgLMTYzMTU1NTExODEVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA";
    let report = |name: &str| match only(name).event {
        InboundEvent::DeliveryReport {
            external_message_id,
            report,
        } => {
            assert_eq!(external_message_id, id);
            report
        }
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(report("status_delivered"), DeliveryReport::Delivered);
    assert_eq!(report("status_read"), DeliveryReport::Seen);
    let DeliveryReport::Failed(reason) = report("status_failed") else {
        panic!("a failure");
    };
    assert!(reason.starts_with("Re-engagement message: "), "{reason}");
    assert!(reason.contains("more than 24 hours"), "{reason}");
    assert!(matches!(
        only("status_sent").event,
        InboundEvent::Ignored { .. }
    ));
    // Each status of a message is its own event.
    assert_ne!(
        only("status_read").dedup_key,
        only("status_delivered").dedup_key
    );
}

#[test]
fn a_batch_splits_into_one_event_per_message_and_status_with_its_own_customer() {
    let events = split(&fixture("batch")).expect("a notification");
    assert_eq!(events.len(), 3);
    let parsed: Vec<Inbound> = events
        .iter()
        .map(|event| parse(event.body.as_bytes()).expect("parses"))
        .collect();
    let InboundEvent::Message(first) = &parsed[0].event else {
        panic!("a message");
    };
    let InboundEvent::Message(second) = &parsed[1].event else {
        panic!("a message");
    };
    assert_eq!(
        (first.customer.name.as_str(), first.text.as_deref()),
        ("Kerry Fisher", Some("First"))
    );
    assert_eq!(
        (
            second.customer.external_id.as_str(),
            second.customer.name.as_str()
        ),
        ("34612345678", "Pablo Morales")
    );
    assert!(matches!(
        parsed[2].event,
        InboundEvent::DeliveryReport { .. }
    ));
    // A split body reads back as the same event.
    assert_eq!(
        split(events[1].body.as_bytes()).expect("a notification")[0].body,
        events[1].body
    );
}

#[test]
fn notifications_without_messages_or_statuses_are_ignored_not_refused() {
    for name in ["errors_only", "account_update"] {
        let events = split(&fixture(name)).expect("a notification");
        assert_eq!(events.len(), 1, "{name}");
        let inbound = parse(events[0].body.as_bytes()).expect("parses");
        assert!(
            matches!(inbound.event, InboundEvent::Ignored { .. }),
            "{name}: {inbound:?}"
        );
    }
}

#[test]
fn a_message_without_contacts_is_named_by_its_number() {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": NUMBER},
        "messages": [{"from": "34600000000", "id": "wamid.X", "timestamp": "1750000000", "type": "text", "text": {"body": "hi"}, "brand_new_field": 1}]
    }}]}]});
    let events = split(body.to_string().as_bytes()).expect("a notification");
    let InboundEvent::Message(message) = parse(events[0].body.as_bytes()).expect("parses").event
    else {
        panic!("a message");
    };
    assert_eq!(message.customer.external_id, "34600000000");
    assert_eq!(message.customer.name, "+34600000000");
}

#[test]
fn bodies_that_are_not_whatsapp_notifications_are_refused() {
    for body in [
        &b"not json"[..],
        br#"[1, 2]"#,
        br#"{"object": "page", "entry": []}"#,
        br#"{"object": "whatsapp_business_account"}"#,
        br#"{"object": "whatsapp_business_account", "entry": [{"id": "1"}]}"#,
        br#"{"update_id": 1, "message": {"text": "hi"}}"#,
    ] {
        assert!(split(body).is_err(), "{}", String::from_utf8_lossy(body));
    }
}
