//! Updates posted to `/hooks/telegram/{id}`: checks on the request, and
//! what each kind of update changes in chats, contacts, deals and timelines.

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::Direction;
use shared::api::users::Role;
use tidings_tests::fake_telegram::{FakeTelegram, SECRET_HEADER};
use tidings_tests::inbox::{
    all_chats, chat_detail, event_names, messages, stored_updates, wait_for_chats, wait_for_event,
};
use tidings_tests::ItemFields;
use tidings_tests::{expect_error, on_both_backends, Backend};

use super::{hook_path, start};
use crate::CUSTOMER;

async fn updates_with_a_wrong_or_missing_secret_are_refused(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let (url, secret) = tg.fake.webhook(crate::TOKEN).expect("a webhook");
    assert_eq!(url, tg.app.url(&hook_path(bot.id)));
    let update = FakeTelegram::text_update(1, CUSTOMER, "Anna", "hello");
    for wrong in [
        format!("{secret}x"),
        "not-the-secret".to_owned(),
        String::new(),
    ] {
        let response = tg
            .app
            .client()
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header(SECRET_HEADER, wrong.as_str())
            .body(update.to_string())
            .send()
            .await
            .expect("the webhook answers");
        assert_eq!(
            expect_error(response, StatusCode::UNAUTHORIZED).await,
            "bad_signature",
            "secret {wrong:?}"
        );
    }
    assert_eq!(
        FakeTelegram::post_to_webhook(&url, "", &update).await,
        StatusCode::UNAUTHORIZED,
        "no secret header"
    );
    assert!(all_chats(&tg.admin).await.is_empty());
    assert!(stored_updates(&tg.app).await.is_empty());
}

async fn a_repeated_update_id_is_acknowledged_and_stored_once(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let update = FakeTelegram::text_update(77, CUSTOMER, "Anna", "hello once");
    tg.accept(&update).await;
    tg.accept(&update).await;
    let chat = wait_for_chats(&tg.admin, 1).await.remove(0);
    assert_eq!(messages(&tg.admin, chat.id, Direction::In).await.len(), 1);
    assert_eq!(stored_updates(&tg.app).await.len(), 1);
}

async fn a_malformed_body_is_a_bad_request(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let (url, secret) = tg.fake.webhook(crate::TOKEN).expect("a webhook");
    let post = |body: &'static str| {
        let request = reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            .header(SECRET_HEADER, secret.as_str())
            .body(body);
        async move { request.send().await.expect("the webhook answers") }
    };
    for body in [
        "{not json",
        "[]",
        r#"{"message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}"#,
    ] {
        assert_eq!(
            expect_error(post(body).await, StatusCode::BAD_REQUEST).await,
            "malformed",
            "{body}"
        );
    }
    assert!(all_chats(&tg.admin).await.is_empty());
}

async fn an_unknown_update_kind_is_acknowledged_and_recorded_as_ignored(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    tg.accept(&FakeTelegram::poll_update(5)).await;
    let mut future_kind = FakeTelegram::text_update(6, CUSTOMER, "Anna", "x");
    let message = future_kind
        .as_object_mut()
        .and_then(|update| update.remove("message"))
        .expect("a message");
    future_kind["business_message_v99"] = message;
    tg.accept(&future_kind).await;
    // A repeat of an ignored update is still just acknowledged.
    tg.accept(&FakeTelegram::poll_update(5)).await;

    let stored = stored_updates(&tg.app).await;
    let summary: Vec<(&str, &str)> = stored
        .iter()
        .map(|u| (u.dedup_key.as_str(), u.status.as_str()))
        .collect();
    assert_eq!(summary, [("5", "ignored"), ("6", "ignored")]);
    assert!(stored.iter().all(|u| u.error.is_some()), "{stored:?}");
    assert!(all_chats(&tg.admin).await.is_empty());
}

async fn a_text_update_creates_a_chat_contact_and_deal_assigned_round_robin(backend: Backend) {
    let tg = start(backend).await;
    let anna = tg.app.create_user("Anna Manager", Role::Employee).await;
    let boris = tg.app.create_user("Boris Manager", Role::Employee).await;
    let bot = tg.connect(json!({"queue": [anna.id, boris.id]})).await;

    let mut first = FakeTelegram::text_update(1, 1001, "Olga", "I want a sofa");
    first["message"]["from"]["last_name"] = json!("Petrenko");
    first["message"]["from"]["username"] = json!("olga_p");
    first["message"]["from"]["language_code"] = json!("uk");
    tg.accept(&first).await;
    let chat = wait_for_chats(&tg.admin, 1).await.remove(0);
    assert_eq!(chat.integration_id, bot.id);
    assert_eq!(chat.integration_name, super::BOT_NAME);
    assert_eq!(chat.channel, shared::api::Channel::Telegram);
    assert_eq!(chat.assignee_id, Some(anna.id));
    assert_eq!(chat.contact_name, "Olga Petrenko");

    let detail = chat_detail(&tg.admin, chat.id).await;
    assert_eq!(detail["contact"]["name"], "Olga Petrenko");
    assert_eq!(detail["contact"]["username"], "olga_p");
    assert_eq!(detail["contact"]["language"], "uk");
    let deals = detail["deals"].as_array().expect("deals");
    assert_eq!(deals.len(), 1);
    assert_eq!(deals[0]["pipeline_id"], json!(bot.pipeline_id));
    assert_eq!(
        event_names(&tg.admin, chat.id).await,
        ["opened", "assigned", "deal_created"]
    );
    let inbound = messages(&tg.admin, chat.id, Direction::In).await;
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0].text(), Some("I want a sofa"));

    // The next customers go to Boris, then Anna again; Olga writing again
    // stays in her chat.
    tg.accept(&FakeTelegram::text_update(2, 1002, "Petro", "hi"))
        .await;
    tg.accept(&FakeTelegram::text_update(3, 1001, "Olga", "still there?"))
        .await;
    tg.accept(&FakeTelegram::text_update(4, 1003, "Roman", "hello"))
        .await;
    let chats = wait_for_chats(&tg.admin, 3).await;
    let assignee_of = |name: &str| {
        chats
            .iter()
            .find(|c| c.contact_name == name)
            .unwrap_or_else(|| panic!("a chat with {name}"))
            .assignee_id
    };
    assert_eq!(assignee_of("Olga Petrenko"), Some(anna.id));
    assert_eq!(assignee_of("Petro"), Some(boris.id));
    assert_eq!(assignee_of("Roman"), Some(anna.id));
    assert_eq!(messages(&tg.admin, chat.id, Direction::In).await.len(), 2);
}

async fn blocking_and_unblocking_the_bot_shows_in_the_timeline(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hello").await;
    tg.accept(&FakeTelegram::blocked_update(2, CUSTOMER, "Anna"))
        .await;
    wait_for_event(&tg.admin, chat.id, "blocked").await;
    let detail = chat_detail(&tg.admin, chat.id).await;
    assert!(
        detail["unreachable_reason"].is_string(),
        "blocked: {detail}"
    );

    tg.accept(&FakeTelegram::unblocked_update(3, CUSTOMER, "Anna"))
        .await;
    wait_for_event(&tg.admin, chat.id, "unblocked").await;
    let detail = chat_detail(&tg.admin, chat.id).await;
    assert_eq!(detail["unreachable_reason"], json!(null));
    assert_eq!(
        event_names(&tg.admin, chat.id).await,
        [
            "opened",
            "unassigned",
            "deal_created",
            "blocked",
            "unblocked"
        ]
    );
}

async fn an_edited_message_keeps_its_earlier_text_as_a_version(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(10, "I want two chairs").await;
    tg.accept(&FakeTelegram::edited_text_update(
        11,
        10,
        CUSTOMER,
        "Anna",
        "I want three chairs",
    ))
    .await;
    let inbound = messages(&tg.admin, chat.id, Direction::In).await;
    assert_eq!(inbound.len(), 1, "an edit is not a new message");
    let edited = &inbound[0];
    assert_eq!(edited.text(), Some("I want three chairs"));
    assert!(edited.edited_at().is_some());
    let versions = edited.versions().unwrap_or_default();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].text, "I want two chairs");
}

async fn start_with_a_payload_sets_the_chat_referral(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    tg.accept(&FakeTelegram::start_update(
        1,
        CUSTOMER,
        "Anna",
        Some("spring_sale-42"),
    ))
    .await;
    let chat = wait_for_chats(&tg.admin, 1).await.remove(0);
    assert_eq!(chat.referral.as_deref(), Some("spring_sale-42"));
    let detail = chat_detail(&tg.admin, chat.id).await;
    assert_eq!(detail["referral"], "spring_sale-42");

    // A plain /start from another customer has none.
    tg.accept(&FakeTelegram::start_update(2, 555, "Bohdan", None))
        .await;
    let chats = wait_for_chats(&tg.admin, 2).await;
    let other = chats
        .iter()
        .find(|c| c.id != chat.id)
        .expect("the second chat");
    assert_eq!(other.referral, None);
}

on_both_backends!(
    updates_with_a_wrong_or_missing_secret_are_refused,
    a_repeated_update_id_is_acknowledged_and_stored_once,
    a_malformed_body_is_a_bad_request,
    an_unknown_update_kind_is_acknowledged_and_recorded_as_ignored,
    a_text_update_creates_a_chat_contact_and_deal_assigned_round_robin,
    blocking_and_unblocking_the_bot_shows_in_the_timeline,
    an_edited_message_keeps_its_earlier_text_as_a_version,
    start_with_a_payload_sets_the_chat_referral,
);
