//! CONTRACT.md "CRM", contacts: the full Contact, edits, search by name,
//! phone digits, e-mail and company, duplicates by phone digits and e-mail
//! in any case, merging (identities, chats and deals move, the other is
//! gone, a `contacts_merged` event in each chat), a merged customer writing
//! again on Telegram and on Viber (real webhooks) landing in their chats under
//! the one contact, erasure after a merge, the phone of a shared contact
//! card, and followers reading only the contacts of followed chats.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::crm::Contact;
use shared::api::users::Role;
use shared::api::{Channel, Items, Page};
use shared::Id;
use tidings::domain::integration::Integration;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::fake_viber::FakeViber;
use tidings_tests::{body, expect_error, on_both_backends, ApiClient, Backend, TestApp};

use crate::support::{chat, events};

/// What `TestApp::integration` stores for every bot.
const WEBHOOK_SECRET: &str = "test-secret";
const BOT_TOKEN: &str = "123:test-token";

/// A Telegram update through the bot's real webhook, applied.
async fn telegram_update(app: &TestApp, bot: &Integration, update: Value) {
    let url = app.url(&format!("/hooks/telegram/{}", bot.id));
    let status = FakeTelegram::post_to_webhook(&url, WEBHOOK_SECRET, &update).await;
    assert_eq!(status, StatusCode::OK, "the webhook takes {update}");
    app.wait_until_applied().await;
}

async fn telegram_text(app: &TestApp, bot: &Integration, update_id: i64, user: i64, name: &str) {
    telegram_update(
        app,
        bot,
        FakeTelegram::text_update(update_id, user, name, "hello"),
    )
    .await;
}

/// A Viber callback through the bot's real webhook, applied.
async fn viber_callback(app: &TestApp, bot: &Integration, callback: Vec<u8>) {
    let url = app.url(&format!("/hooks/viber/{}", bot.id));
    let (status, answer) = FakeViber::post_callback(&url, BOT_TOKEN, callback).await;
    assert_eq!(status, StatusCode::OK, "the webhook answers {answer}");
    app.wait_until_applied().await;
}

async fn viber_text(app: &TestApp, bot: &Integration, token: u64, user: &str, name: &str) {
    viber_callback(
        app,
        bot,
        FakeViber::callback_message_text(token, user, name, "hello"),
    )
    .await;
}

async fn contact(client: &ApiClient, id: Id) -> Contact {
    let response = client.get(&format!("/api/v1/contacts/{id}")).await;
    assert_eq!(response.status(), StatusCode::OK, "GET contact {id}");
    body(response).await
}

/// The contact of the only contact named exactly `name`.
async fn named(client: &ApiClient, name: &str) -> Contact {
    let found = search(client, name).await;
    let mut exact: Vec<Contact> = found.into_iter().filter(|c| c.name == name).collect();
    assert_eq!(exact.len(), 1, "one contact named {name}");
    exact.remove(0)
}

async fn search(client: &ApiClient, q: &str) -> Vec<Contact> {
    let q = urlencoding(q);
    let response = client.get(&format!("/api/v1/contacts?q={q}")).await;
    assert_eq!(response.status(), StatusCode::OK, "search {q}");
    body::<Page<Contact>>(response).await.items
}

fn urlencoding(text: &str) -> String {
    text.replace('%', "%25")
        .replace('+', "%2B")
        .replace(' ', "%20")
        .replace('@', "%40")
}

async fn patch(client: &ApiClient, id: Id, change: Value) -> reqwest::Response {
    client
        .patch(&format!("/api/v1/contacts/{id}"), &change)
        .await
}

async fn duplicates(client: &ApiClient, id: Id) -> Vec<Id> {
    let response = client
        .get(&format!("/api/v1/contacts/{id}/duplicates"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    body::<Items<Contact>>(response)
        .await
        .items
        .iter()
        .map(|c| c.id)
        .collect()
}

async fn merge(client: &ApiClient, id: Id, other_id: Id) -> reqwest::Response {
    client
        .post(
            &format!("/api/v1/contacts/{id}/merge"),
            &json!({"other_id": other_id}),
        )
        .await
}

async fn a_contact_shows_identities_chats_deals_and_keeps_edits(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, emma) = app.login_as("Emma", Role::Employee).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    telegram_text(&app, &bot, 1, 5001, "Carla").await;

    let carla = named(&emma, "Carla").await;
    let raw: Value = body(emma.get(&format!("/api/v1/contacts/{}", carla.id)).await).await;
    for field in [
        "id",
        "name",
        "username",
        "phone",
        "email",
        "company",
        "notes",
        "language",
        "country",
        "avatar_url",
        "identities",
        "chat_ids",
        "deal_ids",
        "created_at",
    ] {
        assert!(raw.get(field).is_some(), "{field} in {raw}");
    }
    assert_eq!(
        raw["identities"],
        json!([{"channel": "telegram", "integration_id": bot.id, "external_id": "5001", "name": "Carla"}])
    );
    assert_eq!(carla.chat_ids.len(), 1);
    assert_eq!(carla.deal_ids.len(), 1);
    let detail = chat(&emma, carla.chat_ids[0]).await;
    assert_eq!(detail["contact"]["id"], json!(carla.id));
    assert_eq!(detail["contact"]["chat_ids"], json!(carla.chat_ids));

    let edited: Contact = body(
        patch(
            &emma,
            carla.id,
            json!({"name": " Carla Ruiz ", "phone": "+34 600 11 22 33", "email": "Carla@Example.com",
                   "company": "Acme", "notes": "Prefers mornings"}),
        )
        .await,
    )
    .await;
    assert_eq!(edited.name, "Carla Ruiz");
    assert_eq!(
        edited.phone.as_deref(),
        Some("+34 600 11 22 33"),
        "as given"
    );
    assert_eq!(edited.email.as_deref(), Some("Carla@Example.com"));
    assert_eq!(edited.company.as_deref(), Some("Acme"));
    assert_eq!(edited.notes.as_deref(), Some("Prefers mornings"));
    assert_eq!(contact(&emma, carla.id).await, edited);
    let chat_row = chat(&emma, carla.chat_ids[0]).await;
    assert_eq!(chat_row["contact_name"], "Carla Ruiz");

    let cleared: Contact =
        body(patch(&emma, carla.id, json!({"notes": null, "company": ""})).await).await;
    assert_eq!((cleared.notes, cleared.company), (None, None));

    for (change, field) in [
        (json!({"name": "  "}), "name"),
        (json!({"email": "carla at home"}), "email"),
        (json!({"phone": "none"}), "phone"),
        (json!({"phone": 600}), "phone"),
        (json!({"company": "x".repeat(201)}), "company"),
    ] {
        let message = crate::support::error_message(
            patch(&emma, carla.id, change.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(message.contains(field), "{change}: {message}");
    }
    expect_error(
        patch(&emma, carla.id + 1000, json!({"name": "X"})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(contact(&emma, carla.id).await.name, "Carla Ruiz");
}

async fn search_finds_name_phone_digits_email_and_company_page_by_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    for (n, name) in ["Ana", "Bruno", "Celia", "Dario"].iter().enumerate() {
        app.new_chat(&bot, name, "hi").await;
        let id = named(&admin, name).await.id;
        let response = patch(
            &admin,
            id,
            json!({"phone": format!("+34 (600) 00-0{n}"), "email": format!("{name}@Shop{n}.example"),
                   "company": format!("Company {name}")}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let names = |found: Vec<Contact>| found.into_iter().map(|c| c.name).collect::<Vec<_>>();
    assert_eq!(names(search(&admin, "bru").await), ["Bruno"]);
    assert_eq!(
        names(search(&admin, "34600 0002").await),
        ["Celia"],
        "by digits"
    );
    assert_eq!(
        names(search(&admin, "dario@shop3").await),
        ["Dario"],
        "e-mail in any case"
    );
    assert_eq!(names(search(&admin, "company ana").await), ["Ana"]);
    assert!(search(&admin, "nobody").await.is_empty());
    assert_eq!(names(search(&admin, "DARI").await), ["Dario"], "any case");
    assert_eq!(
        names(search(&admin, "ar").await),
        ["Dario"],
        "under three characters too"
    );

    let first: Page<Contact> = body(admin.get("/api/v1/contacts?limit=3").await).await;
    assert_eq!(
        names(first.items),
        ["Dario", "Celia", "Bruno"],
        "newest first"
    );
    let cursor = first.next_cursor.expect("a next page");
    let second: Page<Contact> = body(
        admin
            .get(&format!("/api/v1/contacts?limit=3&cursor={cursor}"))
            .await,
    )
    .await;
    assert_eq!(names(second.items), ["Ana"]);
    assert_eq!(second.next_cursor, None);
    expect_error(
        admin.get("/api/v1/contacts?cursor=abc").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

async fn duplicates_share_phone_digits_or_an_email_in_any_case(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let mut ids = Vec::new();
    for name in ["Ana T", "Ana V", "Ana W", "Other"] {
        app.new_chat(&bot, name, "hi").await;
        ids.push(named(&admin, name).await.id);
    }
    let [t, v, w, other] = ids[..] else {
        unreachable!("four contacts")
    };
    for (id, change) in [
        (
            t,
            json!({"phone": "+34 600-11-22", "email": "ana@example.com"}),
        ),
        (v, json!({"phone": "34 600 1122"})),
        (w, json!({"email": "ANA@Example.COM"})),
        (
            other,
            json!({"phone": "+34 600 11 23", "email": "other@example.com"}),
        ),
    ] {
        assert_eq!(patch(&admin, id, change).await.status(), StatusCode::OK);
    }
    assert_eq!(duplicates(&admin, t).await, [v, w]);
    assert_eq!(duplicates(&admin, v).await, [t]);
    assert_eq!(duplicates(&admin, w).await, [t]);
    assert!(duplicates(&admin, other).await.is_empty());
    expect_error(
        admin
            .get(&format!("/api/v1/contacts/{}/duplicates", other + 1000))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn a_merged_customer_is_one_person_on_both_messengers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (emma_user, emma) = app.login_as("Emma", Role::Employee).await;
    let admin = app.admin().await;
    let telegram = app.integration(Channel::Telegram, &[], None, None).await;
    let viber = app.integration(Channel::Viber, &[], None, None).await;
    telegram_text(&app, &telegram, 1, 7001, "Ana Telegram").await;
    viber_text(&app, &viber, 9001, "ana-viber=", "Ana Viber").await;

    let kept = named(&emma, "Ana Telegram").await;
    let other = named(&emma, "Ana Viber").await;
    assert_eq!(
        patch(&emma, kept.id, json!({"phone": "+380 50 123 45 67"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        patch(
            &emma,
            other.id,
            json!({"phone": "380501234567", "email": "ana@example.com", "company": "Acme", "notes": "VIP"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(duplicates(&emma, kept.id).await, [other.id]);

    let refused = crate::support::error_message(
        merge(&emma, kept.id, kept.id).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(refused.contains("itself"), "{refused}");
    expect_error(
        merge(&emma, kept.id, other.id + 1000).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let response = merge(&emma, kept.id, other.id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let merged: Contact = body(response).await;
    assert_eq!(merged.id, kept.id);
    assert_eq!(merged.name, "Ana Telegram");
    assert_eq!(
        merged.phone.as_deref(),
        Some("+380 50 123 45 67"),
        "the kept value wins"
    );
    assert_eq!(
        merged.email.as_deref(),
        Some("ana@example.com"),
        "filled from the other"
    );
    assert_eq!(merged.company.as_deref(), Some("Acme"));
    assert_eq!(merged.notes.as_deref(), Some("VIP"));
    let mut channels: Vec<(Channel, Option<Id>, String)> = merged
        .identities
        .iter()
        .map(|i| (i.channel, i.integration_id, i.external_id.clone()))
        .collect();
    channels.sort_by_key(|(channel, _, _)| channel.as_str());
    assert_eq!(
        channels,
        [
            (Channel::Telegram, Some(telegram.id), "7001".to_owned()),
            (Channel::Viber, Some(viber.id), "ana-viber=".to_owned()),
        ]
    );
    let mut chats: Vec<Id> = kept
        .chat_ids
        .iter()
        .chain(&other.chat_ids)
        .copied()
        .collect();
    chats.sort_unstable();
    assert_eq!(merged.chat_ids, chats);
    let mut deals: Vec<Id> = kept
        .deal_ids
        .iter()
        .chain(&other.deal_ids)
        .copied()
        .collect();
    deals.sort_unstable();
    assert_eq!(merged.deal_ids, deals);
    expect_error(
        emma.get(&format!("/api/v1/contacts/{}", other.id)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for chat_id in &chats {
        assert_eq!(chat(&emma, *chat_id).await["contact"]["id"], json!(kept.id));
        let merged_events: Vec<Value> = events(&emma, *chat_id)
            .await
            .into_iter()
            .filter(|(name, _)| name == "contacts_merged")
            .map(|(_, data)| data)
            .collect();
        assert_eq!(
            merged_events,
            [
                json!({"contact_id": kept.id, "merged_contact_id": other.id, "merged_name": "Ana Viber"})
            ]
        );
    }
    let timeline = crate::support::timeline(&emma, chats[0]).await;
    let actor = timeline
        .iter()
        .rev()
        .find_map(|item| item.event().filter(|e| e.event.name() == "contacts_merged"))
        .and_then(|e| e.actor_id);
    assert_eq!(actor, Some(emma_user.id));
    for deal_id in &deals {
        let deal: Value = body(emma.get(&format!("/api/v1/deals/{deal_id}")).await).await;
        assert_eq!(deal["contact_id"], json!(kept.id));
    }

    // Writing again on either messenger lands in the existing chat, under the one contact.
    telegram_text(&app, &telegram, 2, 7001, "Ana Telegram").await;
    viber_text(&app, &viber, 9002, "ana-viber=", "Ana Viber").await;
    let after = contact(&emma, kept.id).await;
    assert_eq!(after.chat_ids, chats, "no new chat");
    assert_eq!(after.deal_ids, deals, "no new deal");
    for chat_id in &chats {
        let texts = crate::support::timeline(&emma, *chat_id)
            .await
            .iter()
            .filter(|item| {
                item.message()
                    .is_some_and(|m| m.text.as_deref() == Some("hello"))
            })
            .count();
        assert_eq!(texts, 2, "both messages in chat {chat_id}");
    }
    assert_eq!(search(&emma, "Ana").await.len(), 1);

    // Erasing the merged contact takes everything of both.
    let erased = admin
        .delete(&format!("/api/v1/contacts/{}?erase=true", kept.id))
        .await;
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    for chat_id in &chats {
        expect_error(
            admin.get(&format!("/api/v1/chats/{chat_id}")).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    expect_error(
        admin.get(&format!("/api/v1/contacts/{}", kept.id)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn a_shared_contact_card_of_the_customers_own_number_fills_the_phone(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let telegram = app.integration(Channel::Telegram, &[], None, None).await;
    let viber = app.integration(Channel::Viber, &[], None, None).await;
    let card = |update_id: i64, owner: i64, phone: &str| {
        json!({
            "update_id": update_id,
            "message": FakeTelegram::private_message(update_id, 6001, "Pia", json!({
                "contact": {"phone_number": phone, "first_name": "Pia", "user_id": owner}
            })),
        })
    };
    // Someone else's card gives nothing; the customer's own fills the phone.
    telegram_update(&app, &telegram, card(1, 6002, "+48 600 000 000")).await;
    let pia = named(&admin, "Pia").await;
    assert_eq!(pia.phone, None);
    telegram_update(&app, &telegram, card(2, 6001, "+48600100200")).await;
    assert_eq!(
        contact(&admin, pia.id).await.phone.as_deref(),
        Some("+48600100200")
    );
    // A phone already there stays.
    telegram_update(&app, &telegram, card(3, 6001, "+48 111 111 111")).await;
    assert_eq!(
        contact(&admin, pia.id).await.phone.as_deref(),
        Some("+48600100200")
    );
    assert_eq!(contact(&admin, pia.id).await.chat_ids.len(), 1);

    viber_callback(
        &app,
        &viber,
        FakeViber::callback_message(
            9100,
            "taras=",
            "Taras",
            json!({"type": "contact", "contact": {"name": "Taras", "phone_number": "+380501234567"}}),
        ),
    )
    .await;
    let taras = named(&admin, "Taras").await;
    assert_eq!(taras.phone.as_deref(), Some("+380501234567"));
    assert!(search(&admin, "380 50 123")
        .await
        .iter()
        .any(|c| c.id == taras.id));
}

async fn followers_read_contacts_of_followed_chats_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (fiona, follower) = app.login_as("Fiona", Role::Follower).await;
    let bot = app.integration(Channel::Telegram, &[], None, None).await;
    let followed_chat = app.new_chat(&bot, "Xena", "hi").await;
    app.new_chat(&bot, "Yuri", "hi").await;
    crate::support::set_follower(&admin, followed_chat, fiona.id).await;
    let xena = named(&admin, "Xena").await;
    let yuri = named(&admin, "Yuri").await;
    for id in [xena.id, yuri.id] {
        assert_eq!(
            patch(&admin, id, json!({"email": "same@example.com"}))
                .await
                .status(),
            StatusCode::OK
        );
    }

    let listed: Page<Contact> = body(follower.get("/api/v1/contacts").await).await;
    assert_eq!(
        listed.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [xena.id]
    );
    assert!(search(&follower, "Yuri").await.is_empty());
    assert_eq!(contact(&follower, xena.id).await.name, "Xena");
    expect_error(
        follower.get(&format!("/api/v1/contacts/{}", yuri.id)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(
        duplicates(&follower, xena.id).await.is_empty(),
        "Yuri is not theirs to see"
    );
    assert_eq!(duplicates(&admin, xena.id).await, [yuri.id]);
    expect_error(
        patch(&follower, xena.id, json!({"company": "Mine"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        patch(&follower, yuri.id, json!({"company": "Mine"})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        merge(&follower, xena.id, yuri.id).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        merge(&follower, yuri.id, xena.id).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(contact(&admin, xena.id).await.company, None);
    assert_eq!(contact(&admin, yuri.id).await.company, None);
}

on_both_backends!(
    a_contact_shows_identities_chats_deals_and_keeps_edits,
    search_finds_name_phone_digits_email_and_company_page_by_page,
    duplicates_share_phone_digits_or_an_email_in_any_case,
    a_merged_customer_is_one_person_on_both_messengers,
    a_shared_contact_card_of_the_customers_own_number_fills_the_phone,
    followers_read_contacts_of_followed_chats_only,
);
