//! Reactions (CONTRACT.md "Everyday inbox"), through real webhooks from the
//! fake Telegram: the customer's `message_reaction` sets, replaces and clears
//! their reaction, live on the socket; a reaction to a message we never had
//! is ignored without holding anything up; a manager's reaction reaches
//! Telegram as `setMessageReaction` and everyone sees it; an emoji Telegram
//! does not take is refused before calling it; Viber says reactions are
//! unsupported; followers change nothing.

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::{DeliveryState, Direction, Item};
use shared::api::reactions::{Reaction, ReactionBy};
use shared::api::users::Role;
use shared::ws::ServerMsg;
use shared::Id;
use tidings_tests::fake_telegram::{BotReaction, Failure, FakeTelegram};
use tidings_tests::inbox::{item, messages, reply, set_followers, wait_for_delivery};
use tidings_tests::live::LiveClient;
use tidings_tests::{body, expect_error, on_both_backends, ApiClient, Backend};

use crate::quotes::{Messengers, TG_CUSTOMER};

fn reactions(item: &Item) -> Vec<Reaction> {
    item.message()
        .map(|m| m.reactions.clone())
        .unwrap_or_default()
}

fn by_customer(emoji: &str) -> Reaction {
    Reaction {
        emoji: emoji.into(),
        by: ReactionBy::CUSTOMER,
    }
}

fn by_user(emoji: &str, user_id: Id) -> Reaction {
    Reaction {
        emoji: emoji.into(),
        by: ReactionBy::User(user_id),
    }
}

async fn react(
    client: &ApiClient,
    chat_id: Id,
    item_id: Id,
    emoji: Option<&str>,
) -> reqwest::Response {
    client
        .put(
            &format!("/api/v1/chats/{chat_id}/messages/{item_id}/reaction"),
            &json!({ "emoji": emoji }),
        )
        .await
}

/// Waits for the `ReactionsChanged` of `item_id` carrying `want`.
async fn wait_for_reactions(live: &mut LiveClient, item_id: Id, want: &[Reaction]) {
    live.wait_for(|m| {
        matches!(m, ServerMsg::ReactionsChanged { item_id: id, reactions, .. }
            if *id == item_id && reactions.as_slice() == want)
    })
    .await;
}

/// The customer reacts to our reply: set, replaced by a new one, cleared;
/// each change arrives on an open socket and stays on the item.
async fn a_customers_reaction_is_set_replaced_and_cleared_live(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world.telegram_customer_writes(101, "hi").await;
    let ours = reply(&world.admin, chat.id, "Your order has shipped").await;
    wait_for_delivery(&world.admin, chat.id, ours.id, DeliveryState::Sent).await;
    let telegram_id = world.telegram.sent()[0].message_id;
    let (_, employee) = world.app.login_as("Ema", Role::Employee).await;
    let mut live = LiveClient::connect(&world.app, &employee).await;

    let mut update_id = 200;
    for (emoji, want) in [
        (Some("👍"), vec![by_customer("👍")]),
        (Some("🔥"), vec![by_customer("🔥")]),
        (None, vec![]),
    ] {
        update_id += 1;
        world
            .telegram_update(FakeTelegram::reaction_update(
                update_id,
                TG_CUSTOMER,
                "Tanya",
                telegram_id,
                emoji,
            ))
            .await;
        wait_for_reactions(&mut live, ours.id, &want).await;
        assert_eq!(
            reactions(&item(&world.admin, chat.id, ours.id).await),
            want,
            "after {emoji:?}"
        );
    }

    // The customer's own message takes a reaction too.
    let inbound = messages(&world.admin, chat.id, Direction::In).await[0].id;
    world
        .telegram_update(FakeTelegram::reaction_update(
            300,
            TG_CUSTOMER,
            "Tanya",
            101,
            Some("🎉"),
        ))
        .await;
    wait_for_reactions(&mut live, inbound, &[by_customer("🎉")]).await;
}

/// A reaction to a message we never had is answered 200 and ignored; the
/// customer's next message arrives as usual.
async fn a_reaction_to_an_unknown_message_is_ignored_and_blocks_nothing(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world.telegram_customer_writes(101, "hi").await;
    world
        .telegram_update(FakeTelegram::reaction_update(
            102,
            TG_CUSTOMER,
            "Tanya",
            55,
            Some("👍"),
        ))
        .await;
    world
        .telegram_update(FakeTelegram::text_update(
            103,
            TG_CUSTOMER,
            "Tanya",
            "still there?",
        ))
        .await;
    let inbound = messages(&world.admin, chat.id, Direction::In).await;
    assert_eq!(inbound.len(), 2);
    assert!(inbound.iter().all(|item| reactions(item).is_empty()));
    let stored = tidings_tests::inbox::stored_updates(&world.app).await;
    let reaction = stored
        .iter()
        .find(|update| update.dedup_key == "102")
        .expect("the reaction update is kept");
    assert_eq!(reaction.status, "ignored", "{reaction:?}");
}

/// A manager's reaction goes to Telegram and to everyone's open view; the
/// customer's reaction stays beside it; `null` takes it back.
async fn a_managers_reaction_reaches_telegram_and_everyone_sees_it(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world.telegram_customer_writes(101, "Thanks a lot!").await;
    let inbound = messages(&world.admin, chat.id, Direction::In).await[0].id;
    world
        .telegram_update(FakeTelegram::reaction_update(
            102,
            TG_CUSTOMER,
            "Tanya",
            101,
            Some("👍"),
        ))
        .await;
    let (employee, employee_client) = world.app.login_as("Ema", Role::Employee).await;
    let me: serde_json::Value = body(world.admin.get("/api/v1/me").await).await;
    let admin_id = me["user"]["id"].as_i64().expect("the admin's id");
    let mut live = LiveClient::connect(&world.app, &employee_client).await;

    // Typed with the emoji presentation selector, as keyboards do.
    let response = react(&world.admin, chat.id, inbound, Some("❤\u{fe0f}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let reacted: Item = body(response).await;
    let both = vec![by_customer("👍"), by_user("❤", admin_id)];
    assert_eq!(reactions(&reacted), both);
    wait_for_reactions(&mut live, inbound, &both).await;
    assert_eq!(
        world.telegram.bot_reactions(),
        [BotReaction {
            chat_id: TG_CUSTOMER,
            message_id: 101,
            emoji: Some("❤".into())
        }]
    );

    let response = react(&employee_client, chat.id, inbound, Some("🔥")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let all = vec![
        by_customer("👍"),
        by_user("❤", admin_id),
        by_user("🔥", employee.id),
    ];
    wait_for_reactions(&mut live, inbound, &all).await;

    let response = react(&world.admin, chat.id, inbound, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let left = vec![by_customer("👍"), by_user("🔥", employee.id)];
    assert_eq!(reactions(&body::<Item>(response).await), left);
    wait_for_reactions(&mut live, inbound, &left).await;
    // Telegram has one reaction per bot: the teammate's stays there.
    assert_eq!(
        world.telegram.bot_reactions()[2].emoji.as_deref(),
        Some("🔥")
    );
    let response = react(&employee_client, chat.id, inbound, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    wait_for_reactions(&mut live, inbound, &[by_customer("👍")]).await;
    assert_eq!(world.telegram.bot_reactions()[3].emoji, None);
}

/// Something Telegram does not take as a reaction is refused with `422`
/// before any call; so is a reaction on Viber (`unsupported_by_channel`).
async fn reactions_telegram_or_viber_would_not_take_are_refused(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world.telegram_customer_writes(101, "hi").await;
    let inbound = messages(&world.admin, chat.id, Direction::In).await[0].id;
    for emoji in ["🦖", "👍👍", "ok", "", "😀"] {
        let response = react(&world.admin, chat.id, inbound, Some(emoji)).await;
        assert_eq!(
            expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid",
            "{emoji:?}"
        );
    }
    assert!(world.telegram.bot_reactions().is_empty());

    let viber_chat = world.viber_customer_writes(9_001, "hello").await;
    let viber_message = messages(&world.admin, viber_chat.id, Direction::In).await[0].id;
    let response = react(&world.admin, viber_chat.id, viber_message, Some("👍")).await;
    assert_eq!(
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "unsupported_by_channel"
    );
    assert!(reactions(&item(&world.admin, viber_chat.id, viber_message).await).is_empty());

    // A message of another chat is not found in this one.
    let response = react(&world.admin, chat.id, viber_message, Some("👍")).await;
    assert_eq!(
        expect_error(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
}

/// Telegram refusing the reaction fails the request with its reason;
/// nothing is stored.
async fn a_reaction_telegram_refuses_changes_nothing(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world.telegram_customer_writes(101, "hi").await;
    let inbound = messages(&world.admin, chat.id, Direction::In).await[0].id;
    world.telegram.fail_next(
        "setMessageReaction",
        Failure::BadRequest("REACTION_INVALID".into()),
        1,
    );
    let response = react(&world.admin, chat.id, inbound, Some("👍")).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let error: serde_json::Value = body(response).await;
    assert_eq!(error["error"]["code"], "upstream");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("REACTION_INVALID")),
        "{error}"
    );
    assert!(reactions(&item(&world.admin, chat.id, inbound).await).is_empty());
}

/// A follower changes no reaction: `403` on a chat they follow, `404` on
/// one they do not; Telegram is never called.
async fn a_follower_changes_no_reaction(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world.telegram_customer_writes(101, "hi").await;
    let inbound = messages(&world.admin, chat.id, Direction::In).await[0].id;
    let (following, following_client) = world.app.login_as("Fay", Role::Follower).await;
    let (_, stranger) = world.app.login_as("Finn", Role::Follower).await;
    set_followers(&world.admin, chat.id, &[following.id]).await;

    let response = react(&following_client, chat.id, inbound, Some("👍")).await;
    assert_eq!(
        expect_error(response, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let response = react(&stranger, chat.id, inbound, Some("👍")).await;
    assert_eq!(
        expect_error(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    assert!(world.telegram.bot_reactions().is_empty());
    assert!(reactions(&item(&world.admin, chat.id, inbound).await).is_empty());
}

on_both_backends!(
    a_customers_reaction_is_set_replaced_and_cleared_live,
    a_reaction_to_an_unknown_message_is_ignored_and_blocks_nothing,
    a_managers_reaction_reaches_telegram_and_everyone_sees_it,
    reactions_telegram_or_viber_would_not_take_are_refused,
    a_reaction_telegram_refuses_changes_nothing,
    a_follower_changes_no_reaction,
);
