//! Reactions and quotes on WhatsApp: the customer's `reaction` message sets
//! (and with an empty emoji clears) their reaction on the message it names;
//! a manager's reaction goes out as a `reaction` message; a reply quoting a
//! message carries `context.message_id`.

use serde_json::{json, Value};
use shared::api::chats::{Direction, Item};
use shared::api::reactions::{Reaction, ReactionBy};
use shared::Id;
use tidings_tests::fake_whatsapp::FakeWhatsApp;
use tidings_tests::inbox::{item, messages};
use tidings_tests::{body, on_both_backends, ApiClient, Backend};

use crate::{start, timestamp, CUSTOMER, NUMBER, WAIT};

fn reactions(item: &Item) -> Vec<Reaction> {
    item.message()
        .map(|message| message.reactions.clone())
        .unwrap_or_default()
}

fn customer_reaction(wamid: &str, reacted_to: &str, emoji: &str) -> Vec<u8> {
    FakeWhatsApp::message(
        NUMBER,
        CUSTOMER,
        "Kerry Fisher",
        wamid,
        timestamp(0),
        json!({"type": "reaction", "reaction": {"message_id": reacted_to, "emoji": emoji}}),
    )
}

/// Polls the item until its reactions are `want`.
async fn wait_for_reactions(client: &ApiClient, chat_id: Id, item_id: Id, want: &[Reaction]) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = reactions(&item(client, chat_id, item_id).await);
        if now == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "reactions stayed {now:?}, wanted {want:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn a_customers_reaction_lands_on_the_message_and_an_empty_one_takes_it_back(
    backend: Backend,
) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 1, "Is it in stock?")
        .await;
    let question = messages(&whatsapp.admin, chat.id, Direction::In)
        .await
        .remove(0);
    whatsapp
        .accept(bot.id, customer_reaction("wamid.R1", "wamid.IN1", "👍"))
        .await;
    let thumbs_up = Reaction {
        emoji: "👍".into(),
        by: ReactionBy::CUSTOMER,
    };
    wait_for_reactions(&whatsapp.admin, chat.id, question.id, &[thumbs_up]).await;
    whatsapp
        .accept(bot.id, customer_reaction("wamid.R2", "wamid.IN1", ""))
        .await;
    wait_for_reactions(&whatsapp.admin, chat.id, question.id, &[]).await;
    // A reaction is not a message of its own.
    assert_eq!(
        messages(&whatsapp.admin, chat.id, Direction::In)
            .await
            .len(),
        1
    );
}

async fn a_managers_reaction_goes_out_as_a_reaction_message(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 1, "Thanks, ordered!")
        .await;
    let order = messages(&whatsapp.admin, chat.id, Direction::In)
        .await
        .remove(0);
    let path = format!("/api/v1/chats/{}/messages/{}/reaction", chat.id, order.id);
    let reacted: Item = body(whatsapp.admin.put(&path, &json!({"emoji": "🎉"})).await).await;
    assert_eq!(reactions(&reacted).len(), 1);
    let sent = whatsapp.fake.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].kind, "reaction");
    assert_eq!(sent[0].to, CUSTOMER);
    assert_eq!(
        sent[0].body["reaction"],
        json!({"message_id": "wamid.IN1", "emoji": "🎉"})
    );
    let cleared: Item = body(whatsapp.admin.put(&path, &json!({"emoji": null})).await).await;
    assert!(reactions(&cleared).is_empty());
    let sent = whatsapp.fake.wait_for_sent(2, WAIT).await;
    assert_eq!(sent[1].body["reaction"]["emoji"], "");
}

async fn a_reply_quoting_a_message_carries_its_context(backend: Backend) {
    let whatsapp = start(backend).await;
    let bot = whatsapp.connect(json!({})).await;
    let chat = whatsapp
        .customer_writes(bot.id, "wamid.IN1", 1, "Which sizes do you have?")
        .await;
    let question = messages(&whatsapp.admin, chat.id, Direction::In)
        .await
        .remove(0);
    let reply: Value = body(
        whatsapp
            .admin
            .post(
                &format!("/api/v1/chats/{}/messages", chat.id),
                &json!({"text": "S, M and L", "reply_to_item_id": question.id}),
            )
            .await,
    )
    .await;
    assert_eq!(reply["reply_to"]["item_id"], json!(question.id));
    let sent = whatsapp.fake.wait_for_sent(1, WAIT).await;
    assert_eq!(sent[0].text(), Some("S, M and L"));
    assert_eq!(sent[0].body["context"], json!({"message_id": "wamid.IN1"}));
}

on_both_backends!(
    a_customers_reaction_lands_on_the_message_and_an_empty_one_takes_it_back,
    a_managers_reaction_goes_out_as_a_reaction_message,
    a_reply_quoting_a_message_carries_its_context,
);
