//! The demo's simulated Telegram: what a manager sends (text, a picture, a
//! document) reaches the simulated customer's phone through the real Telegram
//! channel, checked and answered by the Bot API rules the test suite's fake
//! follows too.

use serde_json::Value;

use super::{start, try_wait, Api, SimApi};

/// The shop's first message on the customer's phone that `found` picks.
async fn shown(sim: &SimApi, customer: u64, found: impl Fn(&Value) -> bool) -> Option<Value> {
    try_wait(|| async {
        sim.messages(customer)
            .await
            .into_iter()
            .find(|m| m["direction"] == "out" && found(m))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_and_a_document_from_the_manager_reach_the_simulated_telegram_customer() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let demo = start(dir.path(), false).await;
    let api = Api::login(&demo, "admin@demo.tidings", "demo-admin").await;
    let sim = SimApi::new(&demo);

    let tomas = sim.new_customer("Tomás Ortega", "telegram").await;
    sim.say(tomas, "Do you have the catalogue as a PDF?").await;
    let chat = api.chat_of("Tomás Ortega").await;
    assert_eq!(chat["channel"], "telegram");
    let chat_id = chat["id"].as_i64().expect("a chat id");

    let png = tidings_tests::inbox::png_bytes(300);
    api.send_file(chat_id, "Our bestseller", "jacket.png", "image/png", &png)
        .await;
    let Some(photo) = shown(&sim, tomas, |m| m["kind"] == "photo").await else {
        panic!(
            "the picture reaches the phone: {:#?}",
            sim.messages(tomas).await
        );
    };
    sim.assert_shows_picture(&photo, &png).await;
    let captioned = shown(&sim, tomas, |m| {
        m["text"]
            .as_str()
            .is_some_and(|text| text.contains("Our bestseller"))
    })
    .await;
    assert!(captioned.is_some(), "{:#?}", sim.messages(tomas).await);

    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    api.send_file(
        chat_id,
        "The catalogue",
        "catalogue.pdf",
        "application/pdf",
        pdf,
    )
    .await;
    let document = shown(&sim, tomas, |m| {
        m["text"]
            .as_str()
            .is_some_and(|text| text.starts_with("📎 catalogue.pdf"))
    })
    .await;
    assert!(
        document.is_some(),
        "the document reaches the phone by name: {:#?}",
        sim.messages(tomas).await
    );

    demo.stop().await;
}
