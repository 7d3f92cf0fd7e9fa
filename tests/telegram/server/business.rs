//! Telegram Business: connections stored from `business_connection`
//! updates, listed and linked to users; customers' business messages in
//! chats of their own, given to the owner without auto-messages; the owner's
//! own messages kept as theirs and never sent again, and written first,
//! opening a chat of theirs; replies through the
//! connection, refused after the 24-hour window or while it is disabled;
//! edits, deletions and repeats like any update.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::chats::{Chat, DeliveryState, Direction};
use shared::api::integrations::{BusinessConnection, Integration};
use shared::api::users::{Role, User};
use shared::api::Items;
use shared::Id;
use tidings_tests::fake_telegram::{Failure, FakeTelegram};
use tidings_tests::inbox::{
    all_chats, messages, reply, stored_updates, wait_for_chats, wait_for_delivery, wait_for_event,
};
use tidings_tests::{
    body, eventually, expect_error, on_both_backends, ApiClient, Backend, ItemFields,
};

use super::{start, Telegram};
use crate::{CUSTOMER, TOKEN};

const CONNECTION: &str = "bc-Olga-1";
/// The business account owner's Telegram user id.
const OWNER: i64 = 555_000_111;

/// Delivers an update and waits until it is applied.
async fn accept(tg: &Telegram, update: &Value) {
    tg.accept(update).await;
    tg.app.wait_until_applied().await;
}

fn connections_path(integration_id: Id) -> String {
    format!("/api/v1/integrations/{integration_id}/business-connections")
}

async fn connections(client: &ApiClient, integration_id: Id) -> Vec<BusinessConnection> {
    let response = client.get(&connections_path(integration_id)).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "GET business connections"
    );
    body::<Items<BusinessConnection>>(response).await.items
}

async fn link(admin: &ApiClient, integration_id: Id, user_id: Option<Id>) -> BusinessConnection {
    let response = admin
        .patch(
            &format!("{}/{CONNECTION}", connections_path(integration_id)),
            &json!({ "user_id": user_id }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "link the connection");
    body(response).await
}

/// A bot with the owner's account connected (enabled, may reply), linked to
/// `owner` when given.
async fn connected(tg: &Telegram, extra: Value, owner: Option<Id>) -> Integration {
    let bot = tg.connect(extra).await;
    accept(
        tg,
        &FakeTelegram::business_connection_update(1, CONNECTION, OWNER, "Olga", true, true),
    )
    .await;
    if owner.is_some() {
        link(&tg.admin, bot.id, owner).await;
    }
    bot
}

/// The owner writes to the customer from their own Telegram app (message 900).
async fn owner_writes(tg: &Telegram, update_id: i64, text: &str) {
    accept(
        tg,
        &FakeTelegram::business_owner_text_update(
            update_id, 900, CONNECTION, OWNER, CUSTOMER, "Anna", text,
        ),
    )
    .await;
}

/// The customer writes to the owner's account; returns their business chat.
async fn customer_writes_to_owner(tg: &Telegram, update_id: i64, text: &str) -> Chat {
    accept(
        tg,
        &FakeTelegram::business_text_update(update_id, CONNECTION, CUSTOMER, "Anna", text),
    )
    .await;
    business_chat(&tg.admin).await
}

/// Olga, linked as the owner, and Boris in the bot's queue, which greets and
/// auto-replies: what business chats must never send.
async fn linked_owner_beside_a_queue_with_auto_messages(tg: &Telegram) -> (User, User) {
    let olga = tg.app.create_user("Olga Owner", Role::Employee).await;
    let boris = tg.app.create_user("Boris Queue", Role::Employee).await;
    connected(
        tg,
        json!({
            "queue": [boris.id],
            "greeting_text": "Welcome!",
            "auto_reply_text": "We will answer soon",
        }),
        Some(olga.id),
    )
    .await;
    (olga, boris)
}

async fn business_chat(client: &ApiClient) -> Chat {
    eventually("the business chat", || async {
        all_chats(client)
            .await
            .into_iter()
            .find(|chat| chat.business_connection_id.as_deref() == Some(CONNECTION))
    })
    .await
}

async fn a_business_connection_is_stored_listed_and_linked_to_a_user(backend: Backend) {
    let tg = start(backend).await;
    let bot = tg.connect(json!({})).await;
    let requested = tg
        .fake
        .webhook_details(TOKEN)
        .and_then(|hook| hook.allowed_updates)
        .expect("allowed_updates are named");
    for kind in [
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
    ] {
        assert!(requested.iter().any(|k| k == kind), "{kind}: {requested:?}");
    }

    accept(
        &tg,
        &FakeTelegram::business_connection_update(1, CONNECTION, OWNER, "Olga", true, true),
    )
    .await;
    let listed = connections(&tg.admin, bot.id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, CONNECTION);
    assert_eq!(listed[0].telegram_user_id, OWNER);
    assert_eq!(listed[0].name, "Olga");
    assert_eq!(listed[0].user_id, None);
    assert!(listed[0].enabled && listed[0].can_reply);

    // A later update about the same connection replaces its state.
    accept(
        &tg,
        &FakeTelegram::business_connection_update(2, CONNECTION, OWNER, "Olga", true, false),
    )
    .await;
    // Bot API before 9.0 said `can_reply` at the top level.
    let mut older = FakeTelegram::business_connection_update(3, "bc-old", 777, "Petr", true, false);
    older["business_connection"]
        .as_object_mut()
        .expect("an object")
        .remove("rights");
    older["business_connection"]["can_reply"] = json!(true);
    accept(&tg, &older).await;
    let listed = connections(&tg.admin, bot.id).await;
    assert_eq!(listed.len(), 2);
    let olga = listed.iter().find(|c| c.id == CONNECTION).expect("Olga's");
    assert!(olga.enabled && !olga.can_reply);
    let petr = listed.iter().find(|c| c.id == "bc-old").expect("Petr's");
    assert!(petr.can_reply);

    let (olga_user, employee) = tg.app.login_as("Olga Owner", Role::Employee).await;
    let (follower_user, follower) = tg.app.login_as("Fay", Role::Follower).await;
    assert_eq!(connections(&employee, bot.id).await.len(), 2);
    assert_eq!(
        expect_error(
            follower.get(&connections_path(bot.id)).await,
            StatusCode::FORBIDDEN
        )
        .await,
        "forbidden"
    );
    let path = format!("{}/{CONNECTION}", connections_path(bot.id));
    assert_eq!(
        expect_error(
            employee
                .patch(&path, &json!({"user_id": olga_user.id}))
                .await,
            StatusCode::FORBIDDEN
        )
        .await,
        "forbidden"
    );
    for wrong in [follower_user.id, 999_999] {
        let response = tg.admin.patch(&path, &json!({ "user_id": wrong })).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "user {wrong}"
        );
    }
    let unknown = tg
        .admin
        .patch(
            &format!("{}/bc-nobody", connections_path(bot.id)),
            &json!({"user_id": olga_user.id}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let linked = link(&tg.admin, bot.id, Some(olga_user.id)).await;
    assert_eq!(linked.user_id, Some(olga_user.id));
    let listed = connections(&tg.admin, bot.id).await;
    let olga = listed.iter().find(|c| c.id == CONNECTION).expect("Olga's");
    assert_eq!(olga.user_id, Some(olga_user.id));
    // A new update keeps the link.
    accept(
        &tg,
        &FakeTelegram::business_connection_update(4, CONNECTION, OWNER, "Olga", true, true),
    )
    .await;
    let listed = connections(&tg.admin, bot.id).await;
    let olga = listed.iter().find(|c| c.id == CONNECTION).expect("Olga's");
    assert_eq!(olga.user_id, Some(olga_user.id));
    assert_eq!(link(&tg.admin, bot.id, None).await.user_id, None);
}

async fn a_customers_business_message_opens_a_chat_for_the_owner_without_auto_messages(
    backend: Backend,
) {
    let tg = start(backend).await;
    let (olga, boris) = linked_owner_beside_a_queue_with_auto_messages(&tg).await;
    let chat = customer_writes_to_owner(&tg, 10, "Is the blue sofa in stock?").await;
    assert_eq!(chat.assignee_id, Some(olga.id));
    let assigned = wait_for_event(&tg.admin, chat.id, "assigned").await;
    let data = assigned.data().expect("event data");
    assert_eq!(data["reason"], "business_owner");
    assert_eq!(data["user_id"], olga.id);
    assert_eq!(messages(&tg.admin, chat.id, Direction::In).await.len(), 1);
    assert!(messages(&tg.admin, chat.id, Direction::Out)
        .await
        .is_empty());

    // The same person writing to the bot itself is another chat, with the
    // queue's manager and the greeting.
    accept(
        &tg,
        &FakeTelegram::text_update(11, CUSTOMER, "Anna", "And to the bot"),
    )
    .await;
    let chats = wait_for_chats(&tg.admin, 2).await;
    let direct = chats
        .iter()
        .find(|c| c.business_connection_id.is_none())
        .expect("the bot's own chat");
    assert_ne!(direct.id, chat.id);
    assert_eq!(direct.assignee_id, Some(boris.id));
    assert_eq!(
        direct.contact_id, chat.contact_id,
        "one person, one contact"
    );
    tg.fake.wait_for_sent(1, super::LONG_WAIT).await;
    assert!(tg
        .fake
        .sent()
        .iter()
        .all(|sent| sent.business_connection_id.is_none()));
    assert!(messages(&tg.admin, chat.id, Direction::Out)
        .await
        .is_empty());
}

async fn a_business_chat_without_a_linked_owner_follows_the_queue(backend: Backend) {
    let tg = start(backend).await;
    let boris = tg.app.create_user("Boris Queue", Role::Employee).await;
    connected(
        &tg,
        json!({"queue": [boris.id], "greeting_text": "Welcome!"}),
        None,
    )
    .await;
    let chat = customer_writes_to_owner(&tg, 10, "Hello").await;
    assert_eq!(chat.assignee_id, Some(boris.id));
    let assigned = wait_for_event(&tg.admin, chat.id, "assigned").await;
    assert_eq!(
        assigned.data().expect("event data")["reason"],
        "next_in_queue"
    );
    assert!(messages(&tg.admin, chat.id, Direction::Out)
        .await
        .is_empty());
}

async fn the_owners_phone_message_is_stored_outgoing_as_sent_and_never_sent_again(
    backend: Backend,
) {
    let tg = start(backend).await;
    let olga = tg.app.create_user("Olga Owner", Role::Employee).await;
    connected(&tg, json!({}), Some(olga.id)).await;
    let chat = customer_writes_to_owner(&tg, 10, "Hello?").await;
    owner_writes(&tg, 11, "Hi Anna, yes we have it").await;
    let out = eventually("the owner's message", || async {
        let out = messages(&tg.admin, chat.id, Direction::Out).await;
        (!out.is_empty()).then_some(out)
    })
    .await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].text(), Some("Hi Anna, yes we have it"));
    assert_eq!(out[0].author_id(), Some(olga.id));
    assert_eq!(out[0].delivery(), Some(DeliveryState::Sent));

    // A reply from Tidings afterwards is the only thing the bot sends.
    let sent_reply = reply(&tg.admin, chat.id, "Shall I reserve it?").await;
    let sent = tg.fake.wait_for_sent(1, super::LONG_WAIT).await;
    wait_for_delivery(&tg.admin, chat.id, sent_reply.id, DeliveryState::Sent).await;
    assert_eq!(tg.fake.sent().len(), 1, "{sent:#?}");
    assert_eq!(sent[0].text.as_deref(), Some("Shall I reserve it?"));
}

async fn a_reply_goes_through_the_connection_and_its_echo_is_not_a_second_item(backend: Backend) {
    let tg = start(backend).await;
    connected(&tg, json!({}), None).await;
    let chat = customer_writes_to_owner(&tg, 10, "Hello?").await;
    let ours = reply(&tg.admin, chat.id, "Hello from the shop").await;
    let sent = tg.fake.wait_for_sent(1, super::LONG_WAIT).await;
    assert_eq!(sent[0].chat_id, CUSTOMER);
    assert_eq!(sent[0].business_connection_id.as_deref(), Some(CONNECTION));
    wait_for_delivery(&tg.admin, chat.id, ours.id, DeliveryState::Sent).await;

    accept(
        &tg,
        &FakeTelegram::business_echo_update(
            11,
            sent[0].message_id,
            CONNECTION,
            OWNER,
            CUSTOMER,
            "Hello from the shop",
        ),
    )
    .await;
    tg.app.wait_until_applied().await;
    let out = messages(&tg.admin, chat.id, Direction::Out).await;
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].id, ours.id);
    assert_eq!(tg.fake.sent().len(), 1);
}

async fn a_reply_telegram_refuses_for_a_lost_connection_fails_with_its_reason(backend: Backend) {
    let tg = start(backend).await;
    connected(&tg, json!({}), None).await;
    let chat = customer_writes_to_owner(&tg, 10, "Hello?").await;
    tg.fake.fail_next(
        "sendMessage",
        Failure::BadRequest("BUSINESS_CONNECTION_INVALID".into()),
        1,
    );
    let ours = reply(&tg.admin, chat.id, "Hello from the shop").await;
    let failed = wait_for_delivery(&tg.admin, chat.id, ours.id, DeliveryState::Failed).await;
    let reason = failed.delivery_error().expect("a reason");
    assert!(reason.contains("BUSINESS_CONNECTION_INVALID"), "{reason}");
}

async fn replies_are_refused_after_the_window_or_while_the_connection_may_not_reply(
    backend: Backend,
) {
    let tg = start(backend).await;
    let bot = connected(&tg, json!({}), None).await;
    let mut late = FakeTelegram::business_text_update(10, CONNECTION, CUSTOMER, "Anna", "Hi?");
    let day_ago = late["business_message"]["date"].as_i64().expect("a date") - 25 * 3600;
    late["business_message"]["date"] = json!(day_ago);
    accept(&tg, &late).await;
    let chat = business_chat(&tg.admin).await;
    let ends = chrono::DateTime::parse_from_rfc3339(
        chat.reply_window_ends_at.as_deref().expect("a window"),
    )
    .expect("RFC 3339");
    assert_eq!(ends.timestamp(), day_ago + 24 * 3600);
    let path = format!("/api/v1/chats/{}/messages", chat.id);
    let refused = tg.admin.post(&path, &json!({"text": "Sorry!"})).await;
    assert_eq!(
        expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await,
        "window_closed"
    );

    // A fresh message opens the window; an edit of an old one would not.
    accept(
        &tg,
        &FakeTelegram::business_text_update(11, CONNECTION, CUSTOMER, "Anna", "Still there?"),
    )
    .await;
    for (update_id, enabled, can_reply) in [(12, true, false), (13, false, true)] {
        accept(
            &tg,
            &FakeTelegram::business_connection_update(
                update_id, CONNECTION, OWNER, "Olga", enabled, can_reply,
            ),
        )
        .await;
        let refused = tg.admin.post(&path, &json!({"text": "Sorry!"})).await;
        assert_eq!(
            expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await,
            "business_connection_disabled",
            "enabled {enabled}, can_reply {can_reply}"
        );
    }
    assert!(messages(&tg.admin, chat.id, Direction::Out)
        .await
        .is_empty());
    assert!(tg.fake.sent().is_empty());
    assert_eq!(connections(&tg.admin, bot.id).await.len(), 1);
}

async fn an_edited_business_message_keeps_its_earlier_text_as_a_version(backend: Backend) {
    let tg = start(backend).await;
    connected(&tg, json!({}), None).await;
    let chat = customer_writes_to_owner(&tg, 10, "Two chairs").await;
    let window = chat.reply_window_ends_at.clone();
    accept(
        &tg,
        &FakeTelegram::business_edited_update(11, 10, CONNECTION, CUSTOMER, "Anna", "Three chairs"),
    )
    .await;
    let inbound = eventually("the edit", || async {
        let inbound = messages(&tg.admin, chat.id, Direction::In).await;
        inbound[0].edited_at().is_some().then_some(inbound)
    })
    .await;
    assert_eq!(inbound.len(), 1, "an edit is not a new message");
    assert_eq!(inbound[0].text(), Some("Three chairs"));
    let versions = inbound[0].versions().unwrap_or_default();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].text, "Two chairs");
    assert_eq!(business_chat(&tg.admin).await.reply_window_ends_at, window);
}

async fn deleted_business_messages_are_kept_and_marked_deleted(backend: Backend) {
    let tg = start(backend).await;
    connected(&tg, json!({}), None).await;
    let chat = customer_writes_to_owner(&tg, 10, "first").await;
    accept(
        &tg,
        &FakeTelegram::business_text_update(11, CONNECTION, CUSTOMER, "Anna", "second"),
    )
    .await;
    accept(
        &tg,
        &FakeTelegram::business_text_update(12, CONNECTION, CUSTOMER, "Anna", "third"),
    )
    .await;
    accept(
        &tg,
        &FakeTelegram::business_deleted_update(13, CONNECTION, CUSTOMER, "Anna", &[10, 12]),
    )
    .await;
    let inbound = eventually("the deletions", || async {
        let inbound = messages(&tg.admin, chat.id, Direction::In).await;
        (inbound.len() == 3).then_some(inbound)
    })
    .await;
    let deleted: Vec<(Option<&str>, bool)> = inbound
        .iter()
        .map(|item| {
            let message = item.message().expect("a message");
            (message.text.as_deref(), message.deleted_at.is_some())
        })
        .collect();
    assert_eq!(
        deleted,
        [
            (Some("first"), true),
            (Some("second"), false),
            (Some("third"), true)
        ]
    );
}

async fn a_repeated_business_update_id_changes_nothing(backend: Backend) {
    let tg = start(backend).await;
    connected(&tg, json!({}), None).await;
    let update = FakeTelegram::business_text_update(10, CONNECTION, CUSTOMER, "Anna", "once");
    accept(&tg, &update).await;
    accept(&tg, &update).await;
    let owner = FakeTelegram::business_owner_text_update(
        11,
        900,
        CONNECTION,
        OWNER,
        CUSTOMER,
        "Anna",
        "mine, once",
    );
    accept(&tg, &owner).await;
    accept(&tg, &owner).await;
    let chat = business_chat(&tg.admin).await;
    tg.app.wait_until_applied().await;
    assert_eq!(messages(&tg.admin, chat.id, Direction::In).await.len(), 1);
    assert_eq!(messages(&tg.admin, chat.id, Direction::Out).await.len(), 1);
    assert_eq!(all_chats(&tg.admin).await.len(), 1);
    // The connection update, the customer's and the owner's: stored once each.
    assert_eq!(stored_updates(&tg.app).await.len(), 3);
}

async fn an_owners_phone_reply_counts_as_the_first_response_in_reports(backend: Backend) {
    let tg = start(backend).await;
    connected(&tg, json!({}), None).await;
    let chat = customer_writes_to_owner(&tg, 10, "Hello?").await;
    owner_writes(&tg, 11, "Hello Anna").await;
    eventually("the owner's message", || async {
        (!messages(&tg.admin, chat.id, Direction::Out)
            .await
            .is_empty())
        .then_some(())
    })
    .await;
    let today = chrono::Utc::now().date_naive();
    let response = tg
        .admin
        .get(&format!("/api/v1/reports/overview?from={today}&to={today}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let overview: Value = body(response).await;
    assert_eq!(overview["messages"], json!({"in": 1, "out": 1, "auto": 0}));
    assert_eq!(overview["first_response_s"]["count"], 1, "{overview}");
}

/// The owner writes from their own Telegram app (their message `message_id`).
async fn owner_writes_message(tg: &Telegram, update_id: i64, message_id: i64, text: &str) {
    accept(
        tg,
        &FakeTelegram::business_owner_text_update(
            update_id, message_id, CONNECTION, OWNER, CUSTOMER, "Anna", text,
        ),
    )
    .await;
}

async fn the_owner_writing_first_from_their_phone_opens_a_chat_of_theirs(backend: Backend) {
    let tg = start(backend).await;
    let (olga, _queue) = linked_owner_beside_a_queue_with_auto_messages(&tg).await;
    owner_writes_message(
        &tg,
        10,
        900,
        "Hi Anna, Olga from the shop: your sofa is ready",
    )
    .await;

    let chat = business_chat(&tg.admin).await;
    assert_eq!(chat.assignee_id, Some(olga.id));
    assert_eq!(
        chat.reply_window_ends_at, None,
        "the customer has not written"
    );
    let assigned = wait_for_event(&tg.admin, chat.id, "assigned").await;
    assert_eq!(
        assigned.data().expect("event data")["reason"],
        "business_owner"
    );
    wait_for_event(&tg.admin, chat.id, "deal_created").await;
    let out = messages(&tg.admin, chat.id, Direction::Out).await;
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].text(),
        Some("Hi Anna, Olga from the shop: your sofa is ready")
    );
    assert_eq!(out[0].author_id(), Some(olga.id));
    assert_eq!(out[0].delivery(), Some(DeliveryState::Sent));
    assert!(messages(&tg.admin, chat.id, Direction::In).await.is_empty());

    // Telegram lets the bot write only where the customer wrote in the last day.
    let path = format!("/api/v1/chats/{}/messages", chat.id);
    let refused = tg
        .admin
        .post(&path, &json!({"text": "Are you there?"}))
        .await;
    assert_eq!(
        expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await,
        "window_closed"
    );

    // The customer's answer lands in the same chat and opens the window;
    // nothing automatic was ever sent.
    customer_writes_to_owner(&tg, 11, "Great, I will come tomorrow").await;
    let chats = all_chats(&tg.admin).await;
    assert_eq!(chats.len(), 1, "one chat: {chats:#?}");
    assert!(chats[0].reply_window_ends_at.is_some());
    assert_eq!(chats[0].assignee_id, Some(olga.id));
    let sent_reply = reply(&tg.admin, chat.id, "See you!").await;
    wait_for_delivery(&tg.admin, chat.id, sent_reply.id, DeliveryState::Sent).await;
    let sent = tg.fake.sent();
    assert_eq!(sent.len(), 1, "only the reply: {sent:#?}");
    assert_eq!(sent[0].business_connection_id.as_deref(), Some(CONNECTION));
}

async fn an_unlinked_owner_writing_first_leaves_the_chat_to_the_queue_and_reopens_it_later(
    backend: Backend,
) {
    let tg = start(backend).await;
    let boris = tg.app.create_user("Boris Queue", Role::Employee).await;
    connected(&tg, json!({"queue": [boris.id]}), None).await;
    owner_writes_message(&tg, 10, 900, "Hello Anna").await;
    let chat = business_chat(&tg.admin).await;
    assert_eq!(chat.assignee_id, Some(boris.id));
    let assigned = wait_for_event(&tg.admin, chat.id, "assigned").await;
    assert_eq!(
        assigned.data().expect("event data")["reason"],
        "next_in_queue"
    );
    let out = messages(&tg.admin, chat.id, Direction::Out).await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].author_id(), None, "an owner Tidings cannot name");

    // Writing again in a closed chat is a manager's reply: it reopens it.
    let closed = tg
        .admin
        .post(&format!("/api/v1/chats/{}/close", chat.id), &json!({}))
        .await;
    assert_eq!(closed.status(), StatusCode::OK, "close");
    owner_writes_message(&tg, 11, 901, "Any news?").await;
    let reopened = wait_for_event(&tg.admin, chat.id, "reopened").await;
    assert_eq!(
        reopened.data().expect("event data")["reason"],
        "manager_replied"
    );
    assert_eq!(messages(&tg.admin, chat.id, Direction::Out).await.len(), 2);
    assert!(tg.fake.sent().is_empty(), "nothing is sent for the owner");
}

on_both_backends!(
    a_business_connection_is_stored_listed_and_linked_to_a_user,
    a_customers_business_message_opens_a_chat_for_the_owner_without_auto_messages,
    a_business_chat_without_a_linked_owner_follows_the_queue,
    the_owners_phone_message_is_stored_outgoing_as_sent_and_never_sent_again,
    a_reply_goes_through_the_connection_and_its_echo_is_not_a_second_item,
    a_reply_telegram_refuses_for_a_lost_connection_fails_with_its_reason,
    replies_are_refused_after_the_window_or_while_the_connection_may_not_reply,
    an_edited_business_message_keeps_its_earlier_text_as_a_version,
    deleted_business_messages_are_kept_and_marked_deleted,
    a_repeated_business_update_id_changes_nothing,
    an_owners_phone_reply_counts_as_the_first_response_in_reports,
    the_owner_writing_first_from_their_phone_opens_a_chat_of_theirs,
    an_unlinked_owner_writing_first_leaves_the_chat_to_the_queue_and_reopens_it_later,
);
