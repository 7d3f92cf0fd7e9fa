//! Quotes both ways (CONTRACT.md "Everyday inbox"), through real webhooks
//! from the fake Telegram and the fake Viber: a customer's quote points at
//! our item (with its text) or, for a message we never had, shows Telegram's
//! copy; a manager's quote reaches Telegram as `reply_parameters` (over REST
//! and the socket); Viber gets the text alone with the quote still recorded;
//! a quote of another chat's message is refused.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use shared::api::chats::{Chat, DeliveryState, Direction, Item};
use shared::api::integrations::Integration;
use shared::api::reactions::Quote;
use shared::ws::{ClientMsg, ServerMsg};
use shared::Id;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::fake_viber::FakeViber;
use tidings_tests::inbox::{all_chats, create_integration, messages, wait_for_delivery};
use tidings_tests::live::LiveClient;
use tidings_tests::{body, expect_error, on_both_backends, ApiClient, Backend, TestApp};

pub const TELEGRAM_TOKEN: &str = "7200000001:AAquotes-and-reactions";
pub const VIBER_TOKEN: &str = "4453b6ac87654321-e02c5f12174805f9-quotes0reactions";
pub const TG_CUSTOMER: i64 = 52_001;
pub const VIBER_CUSTOMER: &str = "q7BnT+2k/Xq9dQ0rJ1vZ3w==";
const WAIT: Duration = Duration::from_secs(20);

/// A server talking to a fake Telegram and a fake Viber, one bot on each.
pub struct Messengers {
    pub app: TestApp,
    pub telegram: FakeTelegram,
    pub viber: FakeViber,
    pub admin: ApiClient,
    pub telegram_bot: Integration,
    pub viber_bot: Integration,
}

impl Messengers {
    pub async fn start(backend: Backend) -> Messengers {
        let telegram = FakeTelegram::start().await;
        telegram.add_bot(TELEGRAM_TOKEN, "quotes_bot");
        let viber = FakeViber::start().await;
        viber.add_bot(VIBER_TOKEN, "Quotes");
        let api = telegram.url().parse().expect("the fake's URL parses");
        let app = TestApp::start_with_fakes(backend, Some(api), Some(viber.url()), None).await;
        let admin = app.admin().await;
        let telegram_bot = create_integration(
            &admin,
            json!({"kind": "telegram", "name": "Quotes TG", "token": TELEGRAM_TOKEN,
                   "delivery": "webhook"}),
        )
        .await;
        let viber_bot = create_integration(
            &admin,
            json!({"kind": "viber", "name": "Quotes Viber", "token": VIBER_TOKEN}),
        )
        .await;
        Messengers {
            app,
            telegram,
            viber,
            admin,
            telegram_bot,
            viber_bot,
        }
    }

    /// Posts a Telegram update to our webhook; it must be accepted.
    pub async fn telegram_update(&self, update: serde_json::Value) {
        assert_eq!(
            self.telegram.deliver(TELEGRAM_TOKEN, &update).await,
            StatusCode::OK,
            "{update}"
        );
    }

    /// The Telegram customer writes `text` as message (and update) `message_id`;
    /// returns their chat.
    pub async fn telegram_customer_writes(&self, message_id: i64, text: &str) -> Chat {
        self.telegram_update(FakeTelegram::text_update(
            message_id,
            TG_CUSTOMER,
            "Tanya",
            text,
        ))
        .await;
        self.chat_of(Some(self.telegram_bot.id)).await
    }

    /// The Viber customer writes `text`; returns their chat.
    pub async fn viber_customer_writes(&self, message_token: u64, text: &str) -> Chat {
        let hook = self.app.url(&format!("/hooks/viber/{}", self.viber_bot.id));
        let callback =
            FakeViber::callback_message_text(message_token, VIBER_CUSTOMER, "Vera", text);
        let (status, answer) = FakeViber::post_callback(&hook, VIBER_TOKEN, callback).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        self.chat_of(Some(self.viber_bot.id)).await
    }

    async fn chat_of(&self, integration_id: Option<Id>) -> Chat {
        tidings_tests::eventually("the customer's chat", || async {
            all_chats(&self.admin)
                .await
                .into_iter()
                .find(|chat| Some(chat.integration_id) == integration_id)
        })
        .await
    }
}

/// Sends a reply quoting `reply_to`; answers the response.
pub async fn quote(client: &ApiClient, chat_id: Id, text: &str, reply_to: Id) -> reqwest::Response {
    client
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({"text": text, "reply_to_item_id": reply_to}),
        )
        .await
}

fn reply_to(item: &Item) -> Option<Quote> {
    item.message().and_then(|m| m.reply_to.clone())
}

/// The customer quotes our reply: the quote points at it and shows our text,
/// not the copy Telegram sent along. A quote of their own earlier message
/// points at that one.
async fn a_customer_quote_points_at_our_message_with_its_text(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world.telegram_customer_writes(101, "hi").await;
    let ours: Item = body(quote_less_reply(&world.admin, chat.id, "Which colour?").await).await;
    wait_for_delivery(&world.admin, chat.id, ours.id, DeliveryState::Sent).await;
    let telegram_id = world.telegram.sent()[0].message_id;

    world
        .telegram_update(FakeTelegram::quote_update(
            102,
            TG_CUSTOMER,
            "Tanya",
            "Green",
            telegram_id,
            "a stale copy",
        ))
        .await;
    world
        .telegram_update(FakeTelegram::quote_update(
            103,
            TG_CUSTOMER,
            "Tanya",
            "see above",
            101,
            "hi",
        ))
        .await;
    let inbound = messages(&world.admin, chat.id, Direction::In).await;
    assert_eq!(
        reply_to(&inbound[1]),
        Some(Quote {
            item_id: Some(ours.id),
            text: "Which colour?".into()
        })
    );
    assert_eq!(
        reply_to(&inbound[2]),
        Some(Quote {
            item_id: Some(inbound[0].id),
            text: "hi".into()
        })
    );
    assert_eq!(
        reply_to(&inbound[0]),
        None,
        "a plain message quotes nothing"
    );
}

/// A quote of a message we never had (sent before the bot was connected)
/// shows Telegram's copy of its text, pointing at no item.
async fn a_quote_of_a_message_we_never_had_shows_telegrams_copy(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world.telegram_customer_writes(201, "hello").await;
    world
        .telegram_update(FakeTelegram::quote_update(
            202,
            TG_CUSTOMER,
            "Tanya",
            "is this still valid?",
            7,
            "Order #12 ships Monday",
        ))
        .await;
    let inbound = messages(&world.admin, chat.id, Direction::In).await;
    assert_eq!(
        reply_to(&inbound[1]),
        Some(Quote {
            item_id: None,
            text: "Order #12 ships Monday".into()
        })
    );
}

async fn quote_less_reply(client: &ApiClient, chat_id: Id, text: &str) -> reqwest::Response {
    let response = client
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            &json!({"text": text}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response
}

/// A manager quotes the customer's message: the reply's item says so at
/// once, and Telegram receives `reply_parameters` with the quoted message's
/// Telegram id (over REST and over the socket alike).
async fn a_managers_quote_reaches_telegram_as_reply_parameters(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world
        .telegram_customer_writes(301, "Do you ship to Porto?")
        .await;
    let question = messages(&world.admin, chat.id, Direction::In).await[0].clone();

    let response = quote(&world.admin, chat.id, "Yes, in 2 days", question.id).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let answer: Item = body(response).await;
    let expected = Some(Quote {
        item_id: Some(question.id),
        text: "Do you ship to Porto?".into(),
    });
    assert_eq!(reply_to(&answer), expected);
    wait_for_delivery(&world.admin, chat.id, answer.id, DeliveryState::Sent).await;
    let sent = world.telegram.sent();
    assert_eq!(sent[0].text.as_deref(), Some("Yes, in 2 days"));
    assert_eq!(sent[0].quoted_message_id(), Some(301));

    let mut live = LiveClient::connect(&world.app, &world.admin).await;
    live.send(&ClientMsg::SendReply {
        request_ref: "q1".into(),
        chat_id: chat.id,
        text: "Shipping is free".into(),
        reply_to_item_id: Some(question.id),
    })
    .await;
    live.wait_for(|m| matches!(m, ServerMsg::Ack { request_ref } if request_ref == "q1"))
        .await;
    let sent = world.telegram.wait_for_sent(2, WAIT).await;
    assert_eq!(sent[1].text.as_deref(), Some("Shipping is free"));
    assert_eq!(sent[1].quoted_message_id(), Some(301));
    let out = messages(&world.admin, chat.id, Direction::Out).await;
    assert_eq!(reply_to(&out[1]), expected);

    // A reply without a quote sends none.
    let plain: Item = body(quote_less_reply(&world.admin, chat.id, "Bye").await).await;
    wait_for_delivery(&world.admin, chat.id, plain.id, DeliveryState::Sent).await;
    assert_eq!(world.telegram.sent()[2].quoted_message_id(), None);
}

/// Quoting a message of another chat, an event, or nothing we know: `422`,
/// and nothing is sent.
async fn a_quote_of_another_chats_message_is_refused(backend: Backend) {
    let world = Messengers::start(backend).await;
    let telegram_chat = world.telegram_customer_writes(401, "hi").await;
    let viber_chat = world.viber_customer_writes(9_001, "hello").await;
    let viber_message = messages(&world.admin, viber_chat.id, Direction::In).await[0].id;
    let event = tidings_tests::inbox::timeline(&world.admin, telegram_chat.id)
        .await
        .into_iter()
        .find(|item| !item.is_message())
        .expect("the chat's opening event")
        .id;
    for quoted in [viber_message, event, 999_999] {
        let response = quote(&world.admin, telegram_chat.id, "refused", quoted).await;
        assert_eq!(
            expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid",
            "quoting {quoted}"
        );
    }
    assert!(messages(&world.admin, telegram_chat.id, Direction::Out)
        .await
        .is_empty());
    assert!(world.telegram.sent().is_empty());
}

/// Viber has no quotes: the text goes alone, and the item still records
/// what it answers.
async fn on_viber_the_text_goes_alone_and_the_quote_is_recorded(backend: Backend) {
    let world = Messengers::start(backend).await;
    let chat = world
        .viber_customer_writes(9_101, "Price of the blue one?")
        .await;
    let question = messages(&world.admin, chat.id, Direction::In).await[0].clone();
    let response = quote(&world.admin, chat.id, "It is 20 EUR", question.id).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let answer: Item = body(response).await;
    wait_for_delivery(&world.admin, chat.id, answer.id, DeliveryState::Sent).await;
    let sent = world.viber.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].text.as_deref(), Some("It is 20 EUR"));
    assert!(
        !sent[0].body.to_string().contains("Price of the blue one"),
        "nothing of the quote goes to Viber: {}",
        sent[0].body
    );
    let out = messages(&world.admin, chat.id, Direction::Out).await;
    assert_eq!(
        reply_to(&out[0]),
        Some(Quote {
            item_id: Some(question.id),
            text: "Price of the blue one?".into()
        })
    );
}

on_both_backends!(
    a_customer_quote_points_at_our_message_with_its_text,
    a_quote_of_a_message_we_never_had_shows_telegrams_copy,
    a_managers_quote_reaches_telegram_as_reply_parameters,
    a_quote_of_another_chats_message_is_refused,
    on_viber_the_text_goes_alone_and_the_quote_is_recorded,
);
