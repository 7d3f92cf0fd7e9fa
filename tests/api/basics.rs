//! Health, error shapes, bad input, OpenAPI, CSRF, start-up failures.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tidings::config::{Config, DatabaseUrl, Secret};
use tidings_tests::{body, expect_error, on_both_backends, Backend, TestApp, TestDatabase};

async fn migrations_apply_and_health_is_ok(backend: Backend) {
    // An empty database, not the migrated template the other tests copy.
    let app = TestApp::start_on(backend, TestDatabase::create(backend)).await;
    let response = app.client().get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body::<Value>(response).await, json!({"status": "ok"}));
    // Applying again is a no-op on a migrated database.
    tidings::prepare_store(&app.config)
        .await
        .expect("migrations are idempotent");
}

async fn unknown_route_is_a_json_404(backend: Backend) {
    let app = TestApp::start(backend).await;
    let code = expect_error(
        app.client().get("/api/v1/nothing-here").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(code, "not_found");
    let admin = app.admin().await;
    let code = expect_error(
        admin.get("/api/v1/users/not-a-number").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(code, "not_found");
}

async fn malformed_and_oversized_bodies_get_clean_4xx(backend: Backend) {
    let app = TestApp::start(backend).await;
    let client = app.client();
    let malformed = client
        .post_raw(
            "/api/v1/auth/login",
            "application/json",
            b"{\"email\":".to_vec(),
        )
        .await;
    assert_eq!(
        expect_error(malformed, StatusCode::BAD_REQUEST).await,
        "malformed"
    );

    let not_json = client
        .post_raw("/api/v1/auth/login", "text/plain", b"hello".to_vec())
        .await;
    assert_eq!(
        expect_error(not_json, StatusCode::BAD_REQUEST).await,
        "malformed"
    );

    let wrong_type = client
        .post("/api/v1/auth/login", &json!({"email": 5, "password": "x"}))
        .await;
    assert_eq!(
        expect_error(wrong_type, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );

    let unknown_field = client
        .post(
            "/api/v1/auth/login",
            &json!({"email": "a@b.c", "password": "x", "remember": true}),
        )
        .await;
    assert_eq!(
        expect_error(unknown_field, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );

    let huge = format!(
        "{{\"email\":\"a@b.c\",\"password\":\"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let oversized = client
        .post_raw("/api/v1/auth/login", "application/json", huge.into_bytes())
        .await;
    assert_eq!(
        expect_error(oversized, StatusCode::PAYLOAD_TOO_LARGE).await,
        "payload_too_large"
    );
}

async fn openapi_describes_the_rest_api(backend: Backend) {
    let app = TestApp::start(backend).await;
    let doc: Value = body(app.client().get("/api/v1/openapi.json").await).await;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{doc}"
    );
    for path in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/users/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
}

async fn cross_site_writes_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let user =
        json!({"email": "x@example.com", "name": "X", "password": "password1", "role": "employee"});
    let foreign = admin
        .http
        .post(app.url("/api/v1/users"))
        .header("Origin", "https://evil.example")
        .json(&user)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        expect_error(foreign, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let foreign_referer = admin
        .http
        .post(app.url("/api/v1/users"))
        .header("Referer", "https://evil.example/page")
        .json(&user)
        .send()
        .await
        .expect("sent");
    assert_eq!(foreign_referer.status(), StatusCode::FORBIDDEN);
    let same_origin = admin
        .http
        .post(app.url("/api/v1/users"))
        .header("Origin", format!("http://{}", app.addr))
        .json(&user)
        .send()
        .await
        .expect("sent");
    assert_eq!(same_origin.status(), StatusCode::CREATED);
}

async fn pages_fall_back_to_the_web_app(backend: Backend) {
    let app = TestApp::start(backend).await;
    let page = app.client().get("/chats/12").await;
    assert_eq!(page.status(), StatusCode::OK);
    let content_type = page.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
}

on_both_backends!(
    migrations_apply_and_health_is_ok,
    unknown_route_is_a_json_404,
    malformed_and_oversized_bodies_get_clean_4xx,
    openapi_describes_the_rest_api,
    cross_site_writes_are_refused,
    pages_fall_back_to_the_web_app,
);

#[tokio::test]
async fn unreachable_database_stops_start_up_with_its_error() {
    let config = Config::for_database(
        DatabaseUrl::Postgres(Secret("postgres://postgres@127.0.0.1:1/none".into())),
        std::env::temp_dir(),
    );
    let err = match tidings::start(config).await {
        Ok(_) => panic!("start-up must fail"),
        Err(err) => format!("{err:#}"),
    };
    assert!(err.contains("cannot open the database"), "{err}");
    assert!(
        err.contains("127.0.0.1") || err.contains("connect"),
        "{err}"
    );
}

/// The database going away makes /healthz 503 (and API calls 503 in the error
/// shape); once it is back, the server recovers without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_503_and_recovers() {
    let app = TestApp::start(Backend::Postgres).await;
    let admin = app.admin().await;
    let name = app
        .db
        .postgres_name()
        .expect("a PostgreSQL database")
        .to_owned();
    tidings_tests::db::admin_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    tidings_tests::db::admin_execute(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ));
    let health = app.client().get("/healthz").await;
    assert_eq!(
        expect_error(health, StatusCode::SERVICE_UNAVAILABLE).await,
        "unavailable"
    );
    let me = admin.get("/api/v1/me").await;
    assert_eq!(
        expect_error(me, StatusCode::SERVICE_UNAVAILABLE).await,
        "unavailable"
    );

    tidings_tests::db::admin_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    assert_eq!(app.client().get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(admin.get("/api/v1/me").await.status(), StatusCode::OK);
}
