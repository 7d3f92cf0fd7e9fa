//! The demo's simulated WhatsApp: customers written from the simulator page's
//! API reach the inbox through the real WhatsApp channel, replies and
//! templates reach them with their statuses, and the seeded customer with a
//! closed 24-hour window shows the template path at once.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tidings::demo::simulator::state::{WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_TOKEN};

use super::{start, try_wait, wait_for, Api, SimApi};

/// The seeded WhatsApp customer whose last message is 30 hours old.
const WINDOW_CLOSED: &str = "Lucía Romero";
/// The seeded WhatsApp customer who wrote an hour ago.
const WINDOW_OPEN: &str = "Oliver Bennett";

/// The simulator's id of the customer named `name`.
async fn sim_customer(sim: &SimApi, name: &str) -> u64 {
    sim.state(None).await["customers"]
        .as_array()
        .and_then(|customers| customers.iter().find(|c| c["name"] == name))
        .and_then(|customer| customer["id"].as_u64())
        .unwrap_or_else(|| panic!("the simulator has {name}"))
}

/// The shop's message with this text, once it has `status` in the simulator.
async fn reaches(sim: &SimApi, customer: u64, text: &str, status: &str) -> Option<Value> {
    try_wait(|| async {
        sim.messages(customer)
            .await
            .into_iter()
            .find(|m| m["direction"] == "out" && m["text"] == text && m["status"] == status)
    })
    .await
}

fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap_or_default())
        .unwrap_or_else(|err| panic!("an RFC 3339 time, not {value}: {err}"))
        .to_utc()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_whatsapp_customer_reaches_the_inbox_and_sees_the_reply_delivered_and_read() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let demo = start(dir.path(), false).await;
    let api = Api::login(&demo, "admin@demo.tidings", "demo-admin").await;
    let sim = SimApi::new(&demo);

    let integrations = api.get("/api/v1/integrations").await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let integration = integrations
        .iter()
        .find(|i| i["kind"] == "whatsapp")
        .expect("a WhatsApp integration");
    assert_eq!(integration["name"], "Demo Shop · WhatsApp");
    let bot = sim.state(None).await["bots"]
        .as_array()
        .and_then(|bots| bots.iter().find(|b| b["channel"] == "whatsapp").cloned())
        .expect("the simulated WhatsApp number");
    assert_eq!(
        bot["webhook"], integration["webhook_url"],
        "the callback URL was verified with the simulated Meta"
    );

    let wendy = sim.new_customer("Wendy Walsh", "whatsapp").await;
    let sent = sim.say(wendy, "Hi, is the blue jacket in stock?").await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    let chat = api.chat_of("Wendy Walsh").await;
    assert_eq!(chat["channel"], "whatsapp");
    let window_ends = time(&chat["reply_window_ends_at"]);
    let left = window_ends - chrono::Utc::now();
    assert!(
        left > chrono::TimeDelta::hours(23) && left <= chrono::TimeDelta::hours(24),
        "{chat}"
    );
    let chat_id = chat["id"].as_i64().expect("a chat id");

    // A picture: the server fetches it through the Graph API's media lookup.
    let photo = sim
        .post(
            &format!("/api/customers/{wendy}/messages"),
            json!({"kind": "photo", "caption": "This one"}),
        )
        .await;
    assert_eq!(photo["message"]["status"], "delivered", "{photo}");
    api.assert_picture_served(chat_id).await;
    let located = sim
        .post(
            &format!("/api/customers/{wendy}/messages"),
            json!({"kind": "location"}),
        )
        .await;
    assert_eq!(located["message"]["status"], "delivered", "{located}");
    wait_for("the location", || async {
        api.timeline(chat_id)
            .await
            .into_iter()
            .find(|item| item["content_kind"] == "location")
    })
    .await;

    // The manager answers: sent, delivered, then read on the customer's phone.
    let reply = api
        .post(
            &format!("/api/v1/chats/{chat_id}/messages"),
            json!({"text": "Hi Wendy, yes: sizes S to L."}),
        )
        .await;
    let reply_id = reply["id"].as_i64().expect("an item id");
    let read = reaches(&sim, wendy, "Hi Wendy, yes: sizes S to L.", "seen").await;
    assert!(
        read.is_some(),
        "the reply is read in the simulator: {:#?}",
        sim.messages(wendy).await
    );
    api.assert_marked_seen(chat_id, reply_id).await;

    // A picture from the manager is uploaded first, then sent by media id.
    let png = tidings_tests::inbox::png_bytes(300);
    api.send_file(chat_id, "The blue one", "jacket.png", "image/png", &png)
        .await;
    let Some(shown) = reaches(&sim, wendy, "The blue one", "seen").await else {
        panic!("the picture is read: {:#?}", sim.messages(wendy).await);
    };
    assert_eq!(shown["kind"], "photo", "{shown}");
    sim.assert_shows_picture(&shown, &png).await;

    // The simulated Graph API refuses what the real one refuses.
    let graph = reqwest::Client::new();
    let base = format!("{}whatsapp", demo.simulator_url);
    let no_token = graph
        .post(format!("{base}/{WHATSAPP_PHONE_NUMBER_ID}/messages"))
        .json(&json!({"messaging_product": "whatsapp", "to": "34600000000", "type": "text", "text": {"body": "x"}}))
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    let refused: Value = no_token.json().await.expect("Graph's error shape");
    assert_eq!(refused["error"]["code"], 190);

    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeded_whatsapp_chat_30_hours_old_takes_templates_only_and_a_template_reaches_the_customer(
) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let demo = start(dir.path(), false).await;
    let api = Api::login(&demo, "admin@demo.tidings", "demo-admin").await;
    let sim = SimApi::new(&demo);

    let closed = api.chat_of(WINDOW_CLOSED).await;
    assert_eq!(closed["channel"], "whatsapp");
    let ends = time(&closed["reply_window_ends_at"]);
    let ago = chrono::Utc::now() - ends;
    assert!(
        ago > chrono::TimeDelta::hours(5) && ago < chrono::TimeDelta::hours(7),
        "the window closed six hours ago: {closed}"
    );
    let open = api.chat_of(WINDOW_OPEN).await;
    assert_eq!(open["channel"], "whatsapp");
    assert!(
        time(&open["reply_window_ends_at"]) > chrono::Utc::now() + chrono::TimeDelta::hours(22)
    );

    // The integration lists the simulated number's approved templates.
    let integration_id = closed["integration_id"]
        .as_i64()
        .expect("an integration id");
    let templates = api
        .get(&format!("/api/v1/integrations/{integration_id}/templates"))
        .await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let listed: Vec<(&str, &str, i64)> = templates
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or_default(),
                t["language"].as_str().unwrap_or_default(),
                t["parameters"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    for expected in [
        ("follow_up", "en_US", 1),
        ("follow_up", "es", 1),
        ("order_update", "en_US", 2),
        ("order_update", "es", 2),
    ] {
        assert!(listed.contains(&expected), "{expected:?} in {listed:?}");
    }

    // A free-form reply is refused; a template goes out and is read.
    let chat_id = closed["id"].as_i64().expect("a chat id");
    let path = format!("/api/v1/chats/{chat_id}/messages");
    let free = api
        .http
        .post(format!("{}{path}", api.base))
        .json(&json!({"text": "¿Sigues ahí?"}))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(free.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = free.json().await.expect("the error shape");
    assert_eq!(error["error"]["code"], "window_closed");
    let lucia = sim_customer(&sim, WINDOW_CLOSED).await;

    // Sent past the server, a free-form message is accepted by the Graph API
    // and then fails with 131047, as Meta's does.
    let wa_id = sim.state(Some(lucia)).await["selected"]["customer"]["external_id"]
        .as_str()
        .expect("a WhatsApp id")
        .to_owned();
    let accepted: Value = reqwest::Client::new()
        .post(format!(
            "{}whatsapp/{WHATSAPP_PHONE_NUMBER_ID}/messages",
            demo.simulator_url
        ))
        .bearer_auth(WHATSAPP_TOKEN)
        .json(&json!({"messaging_product": "whatsapp", "to": wa_id, "type": "text", "text": {"body": "Straight to Meta"}}))
        .send()
        .await
        .expect("the simulator answers")
        .json()
        .await
        .expect("JSON");
    assert!(
        accepted["messages"][0]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("wamid.")),
        "{accepted}"
    );
    let failed = reaches(&sim, lucia, "Straight to Meta", "failed")
        .await
        .expect("the message fails on the customer's side");
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|error| error.contains("Re-engagement message")),
        "{failed}"
    );
    // A template with the wrong number of values is refused outright.
    let wrong = reqwest::Client::new()
        .post(format!(
            "{}whatsapp/{WHATSAPP_PHONE_NUMBER_ID}/messages",
            demo.simulator_url
        ))
        .bearer_auth(WHATSAPP_TOKEN)
        .json(
            &json!({"messaging_product": "whatsapp", "to": wa_id, "type": "template",
            "template": {"name": "follow_up", "language": {"code": "es"}}}),
        )
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let refused: Value = wrong.json().await.expect("Graph's error shape");
    assert_eq!(refused["error"]["code"], 132000);
    let template = api
        .post(
            &path,
            json!({"template": {"name": "order_update", "language": "es", "parameters": ["Lucía", "4821"]}}),
        )
        .await;
    let text =
        "Hola Lucía, tu pedido 4821 está en camino. Responde aquí si tienes alguna pregunta.";
    assert_eq!(template["text"], text, "{template}");
    let read = reaches(&sim, lucia, text, "seen").await;
    assert!(
        read.is_some(),
        "the template reaches the customer and is read: {:#?}",
        sim.messages(lucia).await
    );
    assert_eq!(read.map(|m| m["kind"].clone()), Some(json!("template")));
    let template_id = template["id"].as_i64().expect("an item id");
    api.assert_marked_seen(chat_id, template_id).await;

    // The customer answers: the window opens again.
    sim.say(lucia, "¡Genial, gracias!").await;
    wait_for("the window open again", || async {
        let chat = api.get(&format!("/api/v1/chats/{chat_id}")).await;
        (time(&chat["reply_window_ends_at"]) > chrono::Utc::now()).then_some(())
    })
    .await;

    demo.stop().await;
}
