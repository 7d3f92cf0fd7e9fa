//! Notifications on this device: the installable app's files are served as
//! browsers need them, the user menu offers "Enable notifications on this
//! device", and the devices list shows a subscription made through the API
//! with a working "Remove". (Headless Chromium cannot reach a real push
//! service, so subscribing itself is covered by tests/push against a fake.)

use reqwest::StatusCode;
use shared::api::push::PushDevice;
use shared::api::users::Role;
use shared::api::Items;
use tidings_tests::browser::Browser;
use tidings_tests::fake_push::FakePush;
use tidings_tests::{body, eventually, Backend, TestApp, PASSWORD};

use super::base;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_installable_with_a_manifest_icons_and_a_service_worker_at_the_root() {
    let app = TestApp::start(Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", base(&app))).send();

    let page = get("/")
        .await
        .expect("the page")
        .text()
        .await
        .expect("a body");
    assert!(
        page.contains("/manifest.webmanifest"),
        "the page links the manifest: {page}"
    );

    let manifest = get("/manifest.webmanifest").await.expect("the manifest");
    assert_eq!(manifest.status(), StatusCode::OK);
    assert_eq!(
        manifest.headers()["content-type"],
        "application/manifest+json"
    );
    let manifest: serde_json::Value = manifest.json().await.expect("JSON");
    assert_eq!(manifest["name"], "Tidings");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    for (size, icon) in [
        (192_u32, &manifest["icons"][0]),
        (512, &manifest["icons"][1]),
    ] {
        assert_eq!(icon["sizes"], format!("{size}x{size}"));
        let src = icon["src"].as_str().expect("an icon path");
        let png = get(src).await.expect("the icon");
        assert_eq!(png.headers()["content-type"], "image/png");
        let bytes = png.bytes().await.expect("bytes");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{src} is a PNG");
        let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        assert_eq!((width, height), (size, size), "{src}");
    }

    let worker = get("/sw.js").await.expect("the service worker");
    assert_eq!(worker.status(), StatusCode::OK);
    assert_eq!(worker.headers()["content-type"], "application/javascript");
    let script = worker.text().await.expect("a body");
    assert!(script.contains("showNotification") && script.contains("notificationclick"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_menu_offers_push_and_removes_a_device_from_the_list() {
    let fake = FakePush::start().await;
    let host = fake.host();
    let app = TestApp::start_with_fakes_and(Backend::Sqlite, None, None, None, |config| {
        config.push_hosts = vec![host];
    })
    .await;
    let (ana, ana_client) = app.login_as("Ana Ruiz", Role::Employee).await;
    let phone = fake.device("phone");
    let response = ana_client
        .post("/api/v1/push/subscriptions", &phone.subscription())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let browser = Browser::start().await;
    browser.sign_in(&base(&app), &ana.email, PASSWORD).await;
    browser.wait_live().await;
    browser
        .find("[data-test=\"user-menu\"] summary")
        .await
        .click()
        .await
        .expect("the menu opens");
    browser
        .wait_text("[data-test=\"push-enable\"]", |t| {
            t == "Enable notifications on this device"
        })
        .await;
    browser
        .wait_text("[data-test=\"push-test\"]", |t| t == "Send a test push")
        .await;
    browser
        .wait_text("[data-test=\"push-devices\"]", |t| {
            t.contains("127.0.0.1") && t.contains("No push delivered yet")
        })
        .await;
    browser
        .find("[data-test=\"push-device\"] [data-test=\"push-device-remove\"]")
        .await
        .click()
        .await
        .expect("Remove is clicked");
    browser
        .wait_text("[data-test=\"push-devices\"]", |t| {
            t.contains("No device receives notifications yet.")
        })
        .await;
    eventually("the device to be gone on the server", || async {
        let listed: Items<PushDevice> =
            body(ana_client.get("/api/v1/push/subscriptions").await).await;
        listed.items.is_empty().then_some(())
    })
    .await;
}
