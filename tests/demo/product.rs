//! A fresh demo: seeded data over REST, integrations registered with the
//! simulator, and simulated customers through the whole product.

use reqwest::StatusCode;
use serde_json::json;

use super::{start, try_wait, wait_for, Api, SimApi};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_the_real_product_against_simulated_customers() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let demo = start(dir.path(), false).await;
    let seeded = demo.seeded.clone().expect("a fresh demo is seeded");
    assert!(seeded.chats >= 200, "{seeded:?}");
    assert!(dir.path().join("demo/tidings-demo.db").exists());
    assert!(
        !dir.path().join("configured.db").exists(),
        "the configured database is untouched"
    );

    let api = Api::login(&demo, "admin@demo.tidings", "demo-admin").await;
    let info = api.get("/api/v1/info").await;
    assert_eq!(info["demo"], true);
    assert_eq!(info["simulator_url"], demo.simulator_url.as_str());
    let openapi = api.get("/api/v1/openapi.json").await;
    assert!(openapi["paths"]["/api/v1/info"].is_object());

    // The team, the data, the CRM.
    let users = api.get("/api/v1/users").await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(users.len(), 4);
    for login in demo.logins {
        Api::login(&demo, login.email, login.password).await;
    }
    let chats = api.all_chats().await;
    assert_eq!(chats.len(), seeded.chats);
    assert!(
        chats.iter().any(|c| c["channel"] == "telegram")
            && chats.iter().any(|c| c["channel"] == "viber")
            && chats.iter().any(|c| c["channel"] == "whatsapp")
    );
    assert!(
        chats.iter().any(|c| c["status"] == "closed")
            && chats.iter().any(|c| c["status"] == "open")
    );
    assert!(chats
        .iter()
        .any(|c| !c["tags"].as_array().is_none_or(Vec::is_empty)));
    let contacts: Vec<&str> = chats
        .iter()
        .filter_map(|c| c["contact_name"].as_str())
        .collect();
    assert!(
        contacts
            .iter()
            .any(|name| name.chars().any(|c| ('а'..='я').contains(&c))),
        "Russian names"
    );
    assert!(
        contacts
            .iter()
            .any(|name| name.contains('í') || name.contains('á') || name.contains('é')),
        "Spanish names"
    );
    let deals = api.all("/api/v1/deals").await;
    assert!(deals.len() >= seeded.chats, "a deal per chat at least");
    assert!(deals.iter().filter(|d| d["amount"].is_number()).count() > 50);
    let stages: std::collections::HashSet<&str> = deals
        .iter()
        .filter_map(|d| d["stage_name"].as_str())
        .collect();
    assert!(stages.len() >= 4, "{stages:?}");
    let oldest = chats
        .iter()
        .filter_map(|c| c["started_at"].as_str())
        .min()
        .unwrap_or_default()
        .to_owned();
    let week_ago = (chrono::Utc::now() - chrono::TimeDelta::days(7)).to_rfc3339();
    assert!(oldest < week_ago, "history spreads over weeks: {oldest}");
    let sample = chats
        .iter()
        .find(|c| c["status"] == "closed")
        .expect("a closed chat");
    let timeline = api
        .timeline(sample["id"].as_i64().unwrap_or_default())
        .await;
    assert!(
        timeline.iter().any(|i| i["direction"] == "in")
            && timeline.iter().any(|i| i["direction"] == "out")
    );
    assert!(timeline.iter().any(|i| i["event"] == "closed"));
    let follower = Api::login(&demo, "sam@demo.tidings", "demo-sam").await;
    assert!(
        !follower.all_chats().await.is_empty(),
        "the follower follows some chats"
    );

    // The integrations were made through the simulator: webhooks registered.
    let integrations = api.get("/api/v1/integrations").await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(integrations.len(), 3);
    let sim = SimApi::new(&demo);
    let state = sim.state(None).await;
    for integration in &integrations {
        let bot = state["bots"]
            .as_array()
            .and_then(|bots| bots.iter().find(|b| b["channel"] == integration["kind"]))
            .expect("the simulator knows the bot");
        assert_eq!(bot["webhook"], integration["webhook_url"], "{integration}");
    }
    assert!(state["customers"]
        .as_array()
        .is_some_and(|c| c.len() >= seeded.chats));

    // A Viber customer writes through the simulator: a chat appears.
    let zoe = sim.new_customer("Zoe Tester", "viber").await;
    let sent = sim.say(zoe, "Hello from the simulator!").await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(sent["direction"], "in");
    let welcome = sim.messages(zoe).await;
    assert!(
        welcome.iter().any(|m| m["kind"] == "welcome"),
        "Viber's welcome message: {welcome:?}"
    );
    let chat = api.chat_of("Zoe Tester").await;
    let chat_id = chat["id"].as_i64().expect("a chat id");
    assert_eq!(chat["channel"], "viber");
    assert!(api
        .timeline(chat_id)
        .await
        .iter()
        .any(|i| i["text"] == "Hello from the simulator!"));

    // A manager answers over REST: the customer receives it, delivered then seen.
    let reply = api
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            json!({"text": "Hi Zoe, how can we help?"}),
        )
        .await;
    let reply_id = reply["id"].as_i64().expect("an item id");
    let seen = try_wait(|| async {
        sim.messages(zoe).await.into_iter().find(|m| {
            m["direction"] == "out"
                && m["text"] == "Hi Zoe, how can we help?"
                && m["status"] == "seen"
        })
    })
    .await;
    assert!(
        seen.is_some(),
        "the reply is seen in the simulator: {:#?}\n{:#?}",
        sim.messages(zoe).await,
        api.timeline(chat_id).await
    );
    api.assert_marked_seen(chat_id, reply_id).await;

    // Unsubscribing is an event in the chat, and further replies fail.
    sim.post(&format!("/api/customers/{zoe}/unsubscribe"), json!({}))
        .await;
    wait_for("the unsubscribed event", || async {
        api.has_event(chat_id, "unsubscribed").await.then_some(())
    })
    .await;
    sim.post(&format!("/api/customers/{zoe}/subscribe"), json!({}))
        .await;
    wait_for("the subscribed event", || async {
        api.has_event(chat_id, "subscribed").await.then_some(())
    })
    .await;

    // A Telegram customer: /start, a picture the server downloads, blocking.
    let tom = sim.new_customer("Tom Blocker", "telegram").await;
    let photo = sim
        .post(
            &format!("/api/customers/{tom}/messages"),
            json!({"kind": "photo", "caption": "Look"}),
        )
        .await;
    assert_eq!(photo["message"]["status"], "delivered", "{photo}");
    let tom_chat = api.chat_of("Tom Blocker").await["id"]
        .as_i64()
        .expect("a chat id");
    api.assert_picture_served(tom_chat).await;
    let items = api.timeline(tom_chat).await;
    assert!(
        items.iter().any(|i| i["content_kind"] == "start"),
        "Telegram /start"
    );
    sim.post(&format!("/api/customers/{tom}/block"), json!({}))
        .await;
    wait_for("the blocked event", || async {
        api.has_event(tom_chat, "blocked").await.then_some(())
    })
    .await;
    let blocked = api.get(&format!("/api/v1/chats/{tom_chat}")).await;
    assert!(blocked["unreachable_reason"].is_string(), "{blocked}");
    sim.post(&format!("/api/customers/{tom}/unblock"), json!({}))
        .await;
    wait_for("the unblocked event", || async {
        api.has_event(tom_chat, "unblocked").await.then_some(())
    })
    .await;

    // Bad simulator input is refused, never a crash.
    let (status, _) = sim
        .call(
            reqwest::Method::POST,
            "/api/customers",
            Some(json!({"channel": "fax"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sim
        .call(
            reqwest::Method::POST,
            "/api/customers/999999/messages",
            Some(json!({"kind": "text", "text": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = sim
        .call(
            reqwest::Method::POST,
            &format!("/api/customers/{tom}/unsubscribe"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = sim.page().await;
    assert!(page.contains("data-test=\"sim-send\""));

    demo.stop().await;
}
