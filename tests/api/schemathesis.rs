//! The REST API against schemathesis (installed by `scripts/setup-tools`):
//! generated requests from `/api/v1/openapi.json` with a signed-in admin
//! session must get no 5xx and responses that match the document. Bounded
//! (a fixed seed, 20 examples per operation) to stay near a minute here;
//! `SCHEMATHESIS_MAX_EXAMPLES=1000` runs longer.

use std::path::PathBuf;
use std::process::Command;

use serde_json::json;
use shared::api::Channel;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::fake_viber::FakeViber;
use tidings_tests::{Backend, TestApp};

/// Where `scripts/setup-tools` puts the schemathesis virtualenv.
fn schemathesis_binary() -> PathBuf {
    let tools = std::env::var_os("TIDINGS_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/tidings-tools")
        });
    tools.join("schemathesis/bin/schemathesis")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rest_api_survives_schemathesis() {
    let binary = schemathesis_binary();
    assert!(
        binary.exists(),
        "schemathesis is not installed at {}: run scripts/setup-tools",
        binary.display()
    );
    // Messenger calls go to fakes: a 502 from an unreachable messenger is
    // the truth, not a bug, and would drown what schemathesis finds.
    let telegram = FakeTelegram::start().await;
    telegram.add_bot("123:test-token", "acme_bot");
    let viber = FakeViber::start().await;
    let app = TestApp::start_with_fakes(
        Backend::Sqlite,
        Some(telegram.url().parse().expect("a URL")),
        Some(viber.url()),
        None,
    )
    .await;
    // Something behind the low ids schemathesis tries: a chat with messages,
    // a comment, a task and a project.
    let integration = app.integration(Channel::Telegram, &[], None, None).await;
    let chat_id = app
        .customer_writes(&integration, "Anna", "hello")
        .await
        .chat_id
        .expect("a chat");
    app.customer_writes(&integration, "Anna", "are you there?")
        .await;
    let admin = app.admin().await;
    for (path, body) in [
        (
            format!("/api/v1/chats/{chat_id}/comments"),
            json!({"text": "VIP"}),
        ),
        ("/api/v1/tasks".to_owned(), json!({"title": "Call back"})),
        ("/api/v1/projects".to_owned(), json!({"name": "Onboarding"})),
    ] {
        let response = admin.post(&path, &body).await;
        assert!(response.status().is_success(), "{path}");
    }
    let cookie = admin.session_cookie.clone().expect("a session cookie");
    let max_examples =
        std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "20".to_owned());
    let schema_url = app.url("/api/v1/openapi.json");
    let work_dir = tempfile::tempdir().expect("a working directory");

    let output = tokio::task::spawn_blocking(move || {
        Command::new(&binary)
            .arg("run")
            .arg(&schema_url)
            .args(["--header", &format!("Cookie: {cookie}")])
            .args([
                "--checks",
                "not_a_server_error,response_schema_conformance,content_type_conformance",
            ])
            .args(["--max-examples", &max_examples])
            .args(["--seed", "20261124", "--workers", "1"])
            // Logout ends the session every other request runs on.
            .args(["--exclude-path", "/api/v1/auth/logout"])
            .env("NO_COLOR", "1")
            .current_dir(work_dir.path())
            .output()
    })
    .await
    .expect("the run finishes")
    .expect("schemathesis starts");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "schemathesis failed:\n{report}");
}
