//! A restarted demo reuses its data; `--reset` starts over. An ordinary
//! server says it is no demo.

use serde_json::Value;
use tidings::config::{Config, DatabaseUrl};

use super::{start, wait_for, Api, SimApi};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordinary_server_is_not_a_demo() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = Config::for_database(
        DatabaseUrl::Sqlite(dir.path().join("tidings.db")),
        dir.path().join("data"),
    );
    let server = tidings::start(config).await.expect("the server starts");
    let info: Value = reqwest::get(format!("http://{}/api/v1/info", server.addr))
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(info["demo"], false);
    assert!(info["simulator_url"].is_null());
    assert!(info["version"].is_string());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_reuses_the_demo_and_reset_starts_over() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let demo = start(dir.path(), false).await;
    let seeded = demo.seeded.clone().expect("a fresh demo is seeded");
    let sim = SimApi::new(&demo);
    let newcomer = sim.new_customer("Nora Newcomer", "telegram").await;
    sim.say(newcomer, "First visit").await;
    let whatsapp = sim.new_customer("Walt Again", "whatsapp").await;
    let api = Api::login(&demo, "anna@demo.tidings", "demo-anna").await;
    api.chat_of("Nora Newcomer").await;
    demo.stop().await;

    // Without --reset: the same data, the simulator's customers, new webhooks.
    let demo = start(dir.path(), false).await;
    assert!(
        demo.seeded.is_none(),
        "an existing demo is not seeded again"
    );
    let api = Api::login(&demo, "anna@demo.tidings", "demo-anna").await;
    assert_eq!(api.all_chats().await.len(), seeded.chats + 1);
    let sim = SimApi::new(&demo);
    let sent = sim.say(newcomer, "Second visit").await;
    assert_eq!(
        sent["status"], "delivered",
        "the webhook was registered again: {sent}"
    );
    let sent = sim.say(whatsapp, "Hello after the restart").await;
    assert_eq!(
        sent["status"], "delivered",
        "the WhatsApp callback URL was verified again: {sent}"
    );
    let chat = api.chat_of("Nora Newcomer").await["id"]
        .as_i64()
        .expect("a chat id");
    wait_for("the second visit", || async {
        api.timeline(chat)
            .await
            .into_iter()
            .find(|i| i["text"] == "Second visit")
    })
    .await;
    demo.stop().await;

    // --reset: a fresh demo, without the newcomer.
    let demo = start(dir.path(), true).await;
    let fresh = demo.seeded.clone().expect("a reset demo is seeded");
    let api = Api::login(&demo, "admin@demo.tidings", "demo-admin").await;
    let chats = api.all_chats().await;
    assert_eq!(chats.len(), fresh.chats);
    assert!(!chats.iter().any(|c| c["contact_name"] == "Nora Newcomer"));
    let sim = SimApi::new(&demo);
    let state = sim.state(None).await;
    assert!(!state["customers"]
        .as_array()
        .is_some_and(|customers| customers.iter().any(|c| c["name"] == "Nora Newcomer")));
    demo.stop().await;
}
