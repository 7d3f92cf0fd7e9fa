//! Quotes and reactions in the web app: a manager picks "Reply" on a customer's message
//! (Escape drops the quote, × too), sends, and the timeline shows the quote, which reaches
//! Telegram as a real reply; the customer's reaction appears live under their message; the
//! manager reacts from the picker; a Viber chat says it has no reactions.

use shared::api::chats::Item;
use shared::api::reactions::Quote;
use shared::api::{Channel, Items};
use tidings::channels::{CustomerReaction, InboundEvent};
use tidings_tests::browser::{Browser, UI_WAIT};
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::{body, customer, text_message, ADMIN_EMAIL, ADMIN_PASSWORD};

use super::{app_with_telegram, base};

const CUSTOMER: &str = "Rosa Quote";

fn in_item(item_id: i64, css: &str) -> String {
    format!("[data-item-id=\"{item_id}\"] {css}")
}

async fn click(browser: &Browser, css: &str) {
    browser.find(css).await.click().await.expect("clicked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_quotes_a_customer_and_reactions_show_live() {
    let fake = FakeTelegram::start().await;
    let app = app_with_telegram(&fake).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let question = text_message(CUSTOMER, "Is the red one in stock?");
    let InboundEvent::Message(sent) = &question else {
        unreachable!("a text message is a message")
    };
    let telegram_id = sent.external_id.clone();
    let chat = app.receive(&bot, question).await.chat_id.expect("the chat");
    let admin = app.admin().await;
    let timeline: Items<Item> =
        body(admin.get(&format!("/api/v1/chats/{chat}/timeline")).await).await;
    let inbound = timeline
        .items
        .iter()
        .find(|item| item.is_message())
        .expect("the customer's message")
        .id;

    let browser = Browser::start().await;
    browser
        .sign_in(&base(&app), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    browser.goto(&format!("{}/chats/{chat}", base(&app))).await;
    browser.wait_live().await;

    // Reply, then Escape: the quote goes away; Reply again and × does the same.
    click(&browser, &in_item(inbound, "[data-test=\"message-reply\"]")).await;
    browser
        .wait_text("[data-test=\"quote-bar-text\"]", |t| {
            t == "Is the red one in stock?"
        })
        .await;
    let composer = browser.test_id("composer").await;
    composer.send_keys("\u{E00C}").await.expect("Escape");
    tidings_tests::eventually("the quote bar to go", || async {
        (!browser.exists("[data-test=\"quote-bar\"]").await).then_some(())
    })
    .await;
    click(&browser, &in_item(inbound, "[data-test=\"message-reply\"]")).await;
    click(&browser, "[data-test=\"quote-cancel\"]").await;
    tidings_tests::eventually("the quote bar to go", || async {
        (!browser.exists("[data-test=\"quote-bar\"]").await).then_some(())
    })
    .await;

    // Reply for real: the sent message shows its quote; Telegram gets a reply.
    click(&browser, &in_item(inbound, "[data-test=\"message-reply\"]")).await;
    browser.test_id("quote-bar").await;
    let composer = browser.test_id("composer").await;
    composer.send_keys("Yes, two left").await.expect("typed");
    click(&browser, "[data-test=\"composer-send\"]").await;
    browser
        .wait_text(
            "[data-direction=\"out\"] [data-test=\"message-quote\"]",
            |t| t == "Is the red one in stock?",
        )
        .await;
    assert!(!browser.exists("[data-test=\"quote-bar\"]").await);
    let sent = fake.wait_for_sent(1, UI_WAIT).await;
    assert_eq!(sent[0].text.as_deref(), Some("Yes, two left"));
    assert_eq!(
        sent[0].quoted_message_id().map(|id| id.to_string()),
        Some(telegram_id.clone())
    );
    let timeline: Items<Item> =
        body(admin.get(&format!("/api/v1/chats/{chat}/timeline")).await).await;
    let answer = timeline.items.last().expect("the reply");
    assert_eq!(
        answer.message().and_then(|m| m.reply_to.clone()),
        Some(Quote {
            item_id: Some(inbound),
            text: "Is the red one in stock?".into()
        })
    );

    // Clicking the quote marks the quoted message.
    click(
        &browser,
        "[data-direction=\"out\"] [data-test=\"message-quote\"]",
    )
    .await;
    browser
        .find(&format!("[data-item-id=\"{inbound}\"].highlight"))
        .await;

    // The customer's reaction appears live under their message.
    app.receive(
        &bot,
        InboundEvent::Reaction(CustomerReaction {
            customer: customer(CUSTOMER),
            external_message_id: telegram_id,
            emoji: Some("👍".into()),
        }),
    )
    .await;
    let chip = browser
        .find(&in_item(
            inbound,
            "[data-test=\"reaction\"][data-emoji=\"👍\"]",
        ))
        .await;
    assert_eq!(
        chip.attr("title").await.expect("a title").as_deref(),
        Some(CUSTOMER)
    );

    // The manager reacts from the picker.
    click(&browser, &in_item(inbound, "[data-test=\"message-react\"]")).await;
    click(
        &browser,
        &in_item(
            inbound,
            "[data-test=\"reaction-option\"][aria-label=\"🔥\"]",
        ),
    )
    .await;
    let chip = browser
        .find(&in_item(
            inbound,
            "[data-test=\"reaction\"][data-emoji=\"🔥\"]",
        ))
        .await;
    assert_eq!(
        chip.attr("title").await.expect("a title").as_deref(),
        Some("Administrator")
    );
    let reactions = fake.bot_reactions();
    assert_eq!(reactions.len(), 1, "{reactions:?}");
    assert_eq!(reactions[0].emoji.as_deref(), Some("🔥"));

    // A Viber chat offers no reactions and says so.
    let viber = app.integration(Channel::Viber, &[], None, None).await;
    let viber_chat = app.new_chat(&viber, "Vera Viber", "hello").await;
    browser
        .goto(&format!("{}/chats/{viber_chat}", base(&app)))
        .await;
    browser
        .wait_text("[data-test=\"message-react\"]", |t| {
            t == "Reactions are not available on Viber"
        })
        .await;
}
