//! Parsing over fixtures made by python-telegram-bot
//! (`tests/fixtures/generate_telegram.py`), not by hand.

use chrono::TimeZone;
use serde_json::json;

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            "../../../../tests/fixtures/telegram/",
            $name,
            ".json"
        ))
    };
}

fn parse(body: &str) -> Inbound {
    parse_update(body.as_bytes()).expect("the fixture parses")
}

fn read_message(body: &str) -> InboundMessage {
    match parse(body).event {
        InboundEvent::Message(message) => message,
        other => panic!("not a message: {other:?}"),
    }
}

fn anna() -> CustomerProfile {
    CustomerProfile {
        external_id: "123456789".into(),
        name: "Anna Kowalska".into(),
        username: Some("anna_k".into()),
        language: Some("pl".into()),
        ..CustomerProfile::default()
    }
}

fn boris() -> CustomerProfile {
    CustomerProfile {
        external_id: "5123456789".into(),
        name: "Борис".into(),
        username: None,
        language: Some("ru".into()),
        ..CustomerProfile::default()
    }
}

fn utc(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .expect("a valid time")
}

/// The text covered by an entity, reading offsets as UTF-16 code units.
fn entity_text(text: &str, entity: &Value) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    let offset = entity["offset"].as_u64().expect("an offset") as usize;
    let length = entity["length"].as_u64().expect("a length") as usize;
    String::from_utf16(&units[offset..offset + length]).expect("entity bounds on code points")
}

#[test]
fn a_text_message_keeps_its_entities_with_utf16_offsets() {
    let inbound = parse(fixture!("text"));
    assert_eq!(inbound.dedup_key, "1000001");
    let InboundEvent::Message(message) = inbound.event else {
        panic!("not a message");
    };
    assert_eq!(message.customer, anna());
    assert_eq!(message.external_id, "101");
    assert_eq!(message.sent_at, utc(1_741_944_413));
    assert_eq!(message.content_kind, "text");
    let text = message.text.as_deref().expect("a text");
    assert!(text.starts_with("Hi 👋 is order"));
    assert!(message.attachments.is_empty());
    assert_eq!(message.reply_to_external_id, None);
    assert_eq!(message.referral, None);
    let entities = message.details["entities"].as_array().expect("entities");
    assert_eq!(entities.len(), 3);
    assert_eq!(
        entities[0],
        json!({"type": "bold", "offset": 9, "length": 11})
    );
    assert_eq!(entity_text(text, &entities[0]), "order #1042");
    assert_eq!(
        entity_text(text, &entities[1]),
        "https://acme.example/o/1042"
    );
    assert_eq!(entity_text(text, &entities[2]), "thanks! 🙏🏽");
}

#[test]
fn a_photo_keeps_only_its_largest_size() {
    let message = read_message(fixture!("photo"));
    assert_eq!(message.content_kind, "photo");
    assert_eq!(message.text, None);
    assert_eq!(
        message.attachments,
        vec![InboundAttachment {
            kind: "photo".into(),
            name: "photo.jpg".into(),
            mime: Some("image/jpeg".into()),
            size: Some(161_838),
            external_ref: "AgACAgIAAxkBAAIBZm-x".into(),
        }]
    );
    assert_eq!(message.details["media"]["width"], 1280);
}

#[test]
fn absurd_photo_dimensions_pick_a_size_instead_of_overflowing() {
    let body = json!({
        "update_id": 7,
        "message": {
            "message_id": 9, "date": 1_741_944_413,
            "chat": {"id": 42, "type": "private", "first_name": "Ana"},
            "from": {"id": 42, "is_bot": false, "first_name": "Ana"},
            "photo": [
                {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
                {"file_id": "huge", "file_unique_id": "h", "width": i64::MAX, "height": i64::MAX}
            ]
        }
    });
    let message = read_message(&body.to_string());
    assert_eq!(message.attachments[0].external_ref, "huge");
}

#[test]
fn a_document_keeps_its_name_type_and_size() {
    let message = read_message(fixture!("document"));
    assert_eq!(message.content_kind, "document");
    assert_eq!(
        message.attachments,
        vec![InboundAttachment {
            kind: "document".into(),
            name: "invoice-1042.pdf".into(),
            mime: Some("application/pdf".into()),
            size: Some(48_213),
            external_ref: "BQACAgIAAxkBAAIBZ2".into(),
        }]
    );
}

#[test]
fn voice_audio_video_and_video_notes_are_attachments_with_their_durations() {
    let cases = [
        (
            fixture!("voice"),
            "voice",
            "voice.ogg",
            Some("audio/ogg"),
            7,
        ),
        (
            fixture!("audio"),
            "audio",
            "jingle.mp3",
            Some("audio/mpeg"),
            184,
        ),
        (
            fixture!("video"),
            "video",
            "unboxing.mp4",
            Some("video/mp4"),
            12,
        ),
        (
            fixture!("video_note"),
            "video_note",
            "video_note.mp4",
            Some("video/mp4"),
            9,
        ),
    ];
    for (body, kind, name, mime, duration) in cases {
        let message = read_message(body);
        assert_eq!(message.content_kind, kind);
        assert_eq!(message.attachments.len(), 1, "{kind}");
        let attachment = &message.attachments[0];
        assert_eq!(attachment.kind, kind);
        assert_eq!(attachment.name, name);
        assert_eq!(attachment.mime.as_deref(), mime);
        assert!(attachment.size.is_some());
        assert!(!attachment.external_ref.is_empty());
        assert_eq!(message.details["media"]["duration"], duration, "{kind}");
        assert!(message.details["media"].get("file_id").is_none());
    }
    let audio = read_message(fixture!("audio"));
    assert_eq!(audio.details["media"]["performer"], "Acme Band");
}

#[test]
fn an_animation_wins_over_the_document_telegram_also_sets() {
    let message = read_message(fixture!("animation"));
    assert_eq!(message.content_kind, "animation");
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(message.attachments[0].kind, "animation");
    assert_eq!(message.attachments[0].name, "thumbs-up.mp4");
}

#[test]
fn a_sticker_is_an_attachment_with_its_emoji() {
    let message = read_message(fixture!("sticker"));
    assert_eq!(message.content_kind, "sticker");
    assert_eq!(message.details["emoji"], "😀");
    assert_eq!(message.details["media"]["set_name"], "AcmeFaces");
    assert_eq!(
        message.attachments,
        vec![InboundAttachment {
            kind: "sticker".into(),
            name: "sticker.webp".into(),
            mime: Some("image/webp".into()),
            size: Some(31_337),
            external_ref: "CAACAgIAAxkBAAIBbW".into(),
        }]
    );
}

#[test]
fn a_location_is_kept_in_details() {
    let message = read_message(fixture!("location"));
    assert_eq!(message.content_kind, "location");
    assert_eq!(message.text, None);
    assert!(message.attachments.is_empty());
    assert_eq!(message.details["location"]["latitude"], 52.229676);
    assert_eq!(message.details["location"]["longitude"], 21.012229);
    assert_eq!(message.details["location"]["horizontal_accuracy"], 25.5);
}

#[test]
fn a_venue_wins_over_the_location_telegram_also_sets() {
    let message = read_message(fixture!("venue"));
    assert_eq!(message.content_kind, "venue");
    assert_eq!(message.details["venue"]["title"], "Acme Store Warsaw");
    assert_eq!(message.details["venue"]["location"]["latitude"], 52.2319);
}

#[test]
fn a_contact_is_kept_in_details() {
    let message = read_message(fixture!("contact"));
    assert_eq!(message.content_kind, "contact");
    assert_eq!(
        message.details["contact"],
        json!({
            "phone_number": "+48600100200",
            "first_name": "Anna",
            "last_name": "Kowalska",
            "user_id": 123456789
        })
    );
}

#[test]
fn a_caption_becomes_the_text_with_its_entities() {
    let message = read_message(fixture!("caption"));
    assert_eq!(message.content_kind, "photo");
    let text = message.text.as_deref().expect("the caption");
    assert_eq!(text, "Broken on arrival 😞 #damaged");
    let entities = message.details["caption_entities"]
        .as_array()
        .expect("caption entities");
    assert_eq!(entity_text(text, &entities[0]), "#damaged");
    assert_eq!(message.attachments.len(), 1);
}

#[test]
fn a_reply_points_at_the_quoted_message() {
    let message = read_message(fixture!("reply"));
    assert_eq!(message.content_kind, "text");
    assert_eq!(message.text.as_deref(), Some("Yes, Tuesday works"));
    assert_eq!(message.reply_to_external_id.as_deref(), Some("88"));
    assert_eq!(
        message.reply_to_text.as_deref(),
        Some("Can we deliver on Tuesday?"),
        "the messenger's copy of the quoted text, for when we do not have it"
    );
}

#[test]
fn a_plain_message_quotes_nothing() {
    let message = read_message(fixture!("text"));
    assert_eq!(message.reply_to_external_id, None);
    assert_eq!(message.reply_to_text, None);
}

fn read_reaction(body: &str) -> CustomerReaction {
    match parse(body).event {
        InboundEvent::Reaction(reaction) => reaction,
        other => panic!("not a reaction: {other:?}"),
    }
}

#[test]
fn a_reaction_names_the_customer_the_message_and_the_emoji() {
    let inbound = parse(fixture!("message_reaction"));
    assert_eq!(inbound.dedup_key, "1000026");
    assert_eq!(
        inbound.event,
        InboundEvent::Reaction(CustomerReaction {
            customer: anna(),
            external_message_id: "88".into(),
            emoji: Some("👍".into()),
        })
    );
}

#[test]
fn a_removed_reaction_has_no_emoji() {
    let reaction = read_reaction(fixture!("message_reaction_removed"));
    assert_eq!(reaction.external_message_id, "88");
    assert_eq!(reaction.emoji, None);
}

#[test]
fn a_custom_emoji_is_not_shown_but_a_paid_star_is() {
    let reaction = read_reaction(fixture!("message_reaction_custom"));
    assert_eq!(reaction.emoji.as_deref(), Some("⭐"));
    let only_custom = json!({
        "update_id": 5,
        "message_reaction": {
            "chat": {"id": 1, "type": "private", "first_name": "A"},
            "user": {"id": 1, "is_bot": false, "first_name": "A"},
            "message_id": 9, "date": 1_741_944_600,
            "old_reaction": [{"type": "emoji", "emoji": "👍"}],
            "new_reaction": [{"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}]
        }
    });
    let reaction = read_reaction(&only_custom.to_string());
    assert_eq!(
        reaction.emoji, None,
        "a custom emoji alone clears what we showed"
    );
}

#[test]
fn a_reaction_in_a_group_is_ignored() {
    let group = json!({
        "update_id": 6,
        "message_reaction": {
            "chat": {"id": -100, "type": "supergroup", "title": "Team"},
            "user": {"id": 1, "is_bot": false, "first_name": "A"},
            "message_id": 9, "date": 1_741_944_600,
            "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]
        }
    });
    assert!(matches!(
        parse(&group.to_string()).event,
        InboundEvent::Ignored { .. }
    ));
}

#[test]
fn a_forwarded_message_keeps_its_origin() {
    let message = read_message(fixture!("forwarded"));
    assert_eq!(message.content_kind, "text");
    assert_eq!(message.details["forward_origin"]["type"], "user");
    assert_eq!(
        message.details["forward_origin"]["sender_user"]["id"],
        5_123_456_789_i64
    );
    assert_eq!(message.details["forwarded_from"], "Борис");

    let from_channel = read_message(fixture!("forwarded_channel"));
    assert_eq!(from_channel.details["forward_origin"]["type"], "channel");
    assert_eq!(from_channel.details["forwarded_from"], "Acme News");
}

#[test]
fn album_items_carry_their_media_group_id() {
    let first = read_message(fixture!("media_group"));
    let second = read_message(fixture!("media_group_second"));
    assert_eq!(first.details["media_group_id"], "13912345678901234");
    assert_eq!(second.details["media_group_id"], "13912345678901234");
    assert_eq!(first.text.as_deref(), Some("Both sides of the box"));
    assert_eq!(second.text, None);
    assert_ne!(first.external_id, second.external_id);
}

#[test]
fn start_with_a_payload_is_a_referral() {
    let message = read_message(fixture!("start"));
    assert_eq!(message.customer, boris());
    assert_eq!(message.content_kind, "start");
    assert_eq!(message.referral.as_deref(), Some("promo_2025-spring"));
    assert_eq!(message.text.as_deref(), Some("/start promo_2025-spring"));
}

#[test]
fn start_without_a_payload_has_no_referral() {
    let message = read_message(fixture!("start_plain"));
    assert_eq!(message.content_kind, "start");
    assert_eq!(message.referral, None);
    assert_eq!(message.text.as_deref(), Some("/start"));
}

#[test]
fn start_payloads_are_read_only_from_the_start_command() {
    assert_eq!(start_payload("/start abc"), Some(Some("abc".into())));
    assert_eq!(
        start_payload("/start@acme_bot abc"),
        Some(Some("abc".into()))
    );
    assert_eq!(start_payload("/start@acme_bot"), Some(None));
    assert_eq!(start_payload("/start  "), Some(None));
    assert_eq!(start_payload("/startup abc"), None);
    assert_eq!(start_payload("start abc"), None);
    assert_eq!(start_payload("hello /start abc"), None);
}

#[test]
fn an_edited_message_is_an_edit_at_its_edit_date() {
    let inbound = parse(fixture!("edited_message"));
    assert_eq!(inbound.dedup_key, "1000021");
    let InboundEvent::Edited(edit) = inbound.event else {
        panic!("not an edit: {:?}", inbound.event);
    };
    assert_eq!(edit.customer, anna());
    assert_eq!(edit.external_id, "101");
    assert_eq!(edit.edited_at, utc(1_741_944_600));
    assert_eq!(edit.text.as_deref(), Some("Hi 👋 is order #1043 shipped?"));
}

#[test]
fn blocking_and_unblocking_the_bot_change_reachability() {
    let blocked = parse(fixture!("my_chat_member_kicked"));
    assert_eq!(blocked.dedup_key, "1000022");
    assert_eq!(
        blocked.event,
        InboundEvent::Reachability {
            customer: anna(),
            change: ReachabilityChange::Blocked,
        }
    );
    assert_eq!(
        parse(fixture!("my_chat_member_member")).event,
        InboundEvent::Reachability {
            customer: anna(),
            change: ReachabilityChange::Unblocked,
        }
    );
}

#[test]
fn group_messages_are_ignored() {
    let inbound = parse(fixture!("group_message"));
    assert_eq!(inbound.dedup_key, "1000024");
    assert_eq!(
        inbound.event,
        InboundEvent::Ignored {
            reason: "group messages are ignored".into()
        }
    );
}

#[test]
fn update_kinds_we_do_not_handle_are_ignored_not_failed() {
    for (body, id, kind) in [
        (fixture!("poll"), "1000025", "poll"),
        (fixture!("future_kind"), "1000028", "guest_message"),
    ] {
        let inbound = parse(body);
        assert_eq!(inbound.dedup_key, id);
        match inbound.event {
            InboundEvent::Ignored { reason } => assert!(reason.contains(kind), "{reason}"),
            other => panic!("{kind}: {other:?}"),
        }
    }
}

#[test]
fn a_private_message_kind_we_do_not_model_is_kept_as_unsupported() {
    let message = read_message(fixture!("dice"));
    assert_eq!(message.customer, anna());
    assert_eq!(message.external_id, "121");
    assert_eq!(message.content_kind, "unsupported");
    assert_eq!(message.details, json!({"kind": "dice"}));
    assert_eq!(message.text, None);
}

#[test]
fn false_service_flags_are_not_content() {
    let body = json!({
        "update_id": 9,
        "message": {
            "message_id": 5, "date": 1_741_944_413,
            "chat": {"id": 42, "type": "private", "first_name": "Ola"},
            "from": {"id": 42, "is_bot": false, "first_name": "Ola"},
            "delete_chat_photo": false, "group_chat_created": false,
            "has_protected_content": true,
            "users_shared": {"request_id": 1, "users": [{"user_id": 7}]}
        }
    });
    let message = read_message(&body.to_string());
    assert_eq!(message.content_kind, "unsupported");
    assert_eq!(message.details["kind"], "users_shared");
    assert_eq!(message.customer.name, "Ola");
}

#[test]
fn an_unreadable_message_is_ignored_with_the_reason() {
    let inbound = parse(
        r#"{"update_id": 77, "message": {"message_id": 1, "date": 1741944413, "text": "no chat"}}"#,
    );
    assert_eq!(inbound.dedup_key, "77");
    match inbound.event {
        InboundEvent::Ignored { reason } => assert!(reason.contains("chat"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_body_that_is_not_json_is_malformed() {
    for body in [fixture!("malformed"), "", "[1, 2]", "\"update\""] {
        assert!(
            matches!(
                parse_update(body.as_bytes()),
                Err(ChannelError::Malformed(_))
            ),
            "{body:?}"
        );
    }
}

#[test]
fn an_update_without_update_id_is_malformed() {
    assert!(matches!(
        parse_update(fixture!("no_update_id").as_bytes()),
        Err(ChannelError::Malformed(_))
    ));
    assert!(matches!(
        parse_update(br#"{"update_id": "12"}"#),
        Err(ChannelError::Malformed(_))
    ));
}

#[test]
fn an_update_with_only_an_id_is_ignored() {
    assert_eq!(
        parse(r#"{"update_id": 3}"#),
        Inbound {
            dedup_key: "3".into(),
            event: InboundEvent::Ignored {
                reason: "the update has no content".into()
            }
        }
    );
}

#[test]
fn a_message_without_from_takes_the_customer_from_the_private_chat() {
    let body = json!({
        "update_id": 10,
        "message": {
            "message_id": 6, "date": 1_741_944_413,
            "chat": {"id": 43, "type": "private", "first_name": "Ola", "last_name": "Nowak", "username": "ola"},
            "text": "hi"
        }
    });
    let message = read_message(&body.to_string());
    assert_eq!(message.customer.external_id, "43");
    assert_eq!(message.customer.name, "Ola Nowak");
    assert_eq!(message.customer.username.as_deref(), Some("ola"));
}

fn read_business(update: serde_json::Value) -> BusinessUpdate {
    match parse(&update.to_string()).event {
        InboundEvent::Business(update) => *update,
        other => panic!("not a business update: {other:?}"),
    }
}

fn business_message(from: serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    let mut message = json!({
        "message_id": 41,
        "business_connection_id": "bc-1",
        "from": from,
        "chat": {"id": 123456789, "type": "private", "first_name": "Anna", "last_name": "Kowalska"},
        "date": 1_764_000_000,
        "text": "/start hi",
    });
    if let (Some(message), serde_json::Value::Object(extra)) = (message.as_object_mut(), extra) {
        message.extend(extra);
    }
    json!({"update_id": 9, "business_message": message})
}

#[test]
fn a_business_connection_reads_its_owner_and_rights_new_and_old() {
    let update = json!({"update_id": 1, "business_connection": {
        "id": "bc-1", "user": {"id": 555, "is_bot": false, "first_name": "Olga", "last_name": "P"},
        "user_chat_id": 555, "date": 1_764_000_000, "is_enabled": true,
        "rights": {"can_reply": true, "can_read_messages": true}}});
    let InboundEvent::BusinessConnection(connection) = parse(&update.to_string()).event else {
        panic!("not a connection");
    };
    assert_eq!(connection.id, "bc-1");
    assert_eq!(connection.owner.external_id, "555");
    assert_eq!(connection.owner.name, "Olga P");
    assert!(connection.enabled && connection.can_reply);
    assert_eq!(connection.connected_at.timestamp(), 1_764_000_000);

    let older = json!({"update_id": 2, "business_connection": {
        "id": "bc-2", "user": {"id": 556, "is_bot": false, "first_name": "Petr"},
        "user_chat_id": 556, "date": 1_764_000_000, "is_enabled": false, "can_reply": true}});
    let InboundEvent::BusinessConnection(older) = parse(&older.to_string()).event else {
        panic!("not a connection");
    };
    assert!(!older.enabled && older.can_reply);
    let no_rights = json!({"update_id": 3, "business_connection": {
        "id": "bc-3", "user": {"id": 557, "is_bot": false, "first_name": "Ivo"},
        "user_chat_id": 557, "date": 1_764_000_000, "is_enabled": true, "rights": {}}});
    let InboundEvent::BusinessConnection(no_rights) = parse(&no_rights.to_string()).event else {
        panic!("not a connection");
    };
    assert!(!no_rights.can_reply);
}

#[test]
fn a_customers_business_message_is_theirs_and_never_a_referral() {
    let update = read_business(business_message(
        json!({"id": 123456789, "is_bot": false, "first_name": "Anna", "language_code": "pl"}),
        json!({}),
    ));
    assert_eq!(update.connection_id, "bc-1");
    assert_eq!(update.customer.external_id, "123456789");
    let BusinessUpdateKind::CustomerMessage(message) = update.kind else {
        panic!("not the customer's: {:?}", update.kind);
    };
    assert_eq!(message.external_id, "41");
    assert_eq!(message.text.as_deref(), Some("/start hi"));
    assert_eq!(message.content_kind, "text");
    assert_eq!(message.referral, None);
}

#[test]
fn the_owners_business_message_and_the_bots_echo_are_told_apart() {
    let owner = json!({"id": 555, "is_bot": false, "first_name": "Olga"});
    let update = read_business(business_message(owner.clone(), json!({})));
    assert_eq!(update.customer.external_id, "123456789");
    assert_eq!(update.customer.name, "Anna Kowalska");
    assert!(matches!(
        update.kind,
        BusinessUpdateKind::OwnerMessage { ref owner_id, by_bot: false, .. } if owner_id == "555"
    ));
    let echo = read_business(business_message(
        owner,
        json!({"sender_business_bot": {"id": 7, "is_bot": true, "first_name": "Bot"}}),
    ));
    assert!(matches!(
        echo.kind,
        BusinessUpdateKind::OwnerMessage { by_bot: true, .. }
    ));
}

#[test]
fn business_edits_and_deletions_name_the_connection_and_the_chat() {
    let edit = json!({"update_id": 10, "edited_business_message": {
        "message_id": 41, "business_connection_id": "bc-1",
        "from": {"id": 123456789, "is_bot": false, "first_name": "Anna"},
        "chat": {"id": 123456789, "type": "private", "first_name": "Anna"},
        "date": 1_764_000_000, "edit_date": 1_764_000_100, "text": "three chairs"}});
    let update = read_business(edit);
    let BusinessUpdateKind::Edited(edit) = update.kind else {
        panic!("not an edit");
    };
    assert_eq!(edit.external_id, "41");
    assert_eq!(edit.text.as_deref(), Some("three chairs"));
    assert_eq!(edit.edited_at.timestamp(), 1_764_000_100);

    let deleted = json!({"update_id": 11, "deleted_business_messages": {
        "business_connection_id": "bc-1",
        "chat": {"id": 123456789, "type": "private", "first_name": "Anna"},
        "message_ids": [41, 42]}});
    let update = read_business(deleted);
    assert_eq!(update.connection_id, "bc-1");
    assert_eq!(update.customer.external_id, "123456789");
    assert_eq!(
        update.kind,
        BusinessUpdateKind::Deleted {
            external_ids: vec!["41".into(), "42".into()]
        }
    );
}

#[test]
fn a_business_message_without_its_connection_id_is_ignored_not_refused() {
    let mut update = business_message(
        json!({"id": 123456789, "is_bot": false, "first_name": "Anna"}),
        json!({}),
    );
    update["business_message"]
        .as_object_mut()
        .expect("an object")
        .remove("business_connection_id");
    assert!(matches!(
        parse(&update.to_string()).event,
        InboundEvent::Ignored { .. }
    ));
}
