//! Sign-in, sessions, throttling, users and the role table on admin endpoints.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::auth::UserEnvelope;
use shared::api::users::Role;
use tidings_tests::{
    body, expect_error, on_both_backends, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD,
};

async fn login_sets_a_session_and_me_answers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let client = app.client();
    assert_eq!(
        expect_error(client.get("/api/v1/me").await, StatusCode::UNAUTHORIZED).await,
        "unauthenticated"
    );
    let response = client
        .post(
            "/api/v1/auth/login",
            &json!({"email": "  ADMIN@example.com ", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let login: UserEnvelope = body(response).await;
    assert_eq!(login.user.email, ADMIN_EMAIL);
    assert_eq!(login.user.role, Role::Admin);

    let me: UserEnvelope = body(client.get("/api/v1/me").await).await;
    assert_eq!(me.user, login.user);

    let logout = client.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        client.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn every_login_gets_a_fresh_session_id(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = app
            .client()
            .post(
                "/api/v1/auth/login",
                &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            )
            .await;
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        ids.push(cookie.split(';').next().unwrap_or_default().to_owned());
    }
    assert_ne!(ids[0], ids[1]);
}

async fn wrong_password_is_401(backend: Backend) {
    let app = TestApp::start(backend).await;
    let client = app.client();
    for (email, password) in [
        (ADMIN_EMAIL, "wrong-password"),
        ("nobody@example.com", "whatever1"),
    ] {
        let response = client
            .post(
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(
            expect_error(response, StatusCode::UNAUTHORIZED).await,
            "unauthenticated"
        );
    }
    assert_eq!(
        client.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn repeated_failures_are_rate_limited(backend: Backend) {
    let app = TestApp::start(backend).await;
    let client = app.client();
    let wrong = json!({"email": ADMIN_EMAIL, "password": "wrong-password"});
    for _ in 0..5 {
        let response = client.post("/api/v1/auth/login", &wrong).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the account is throttled.
    let right = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let response = client.post("/api/v1/auth/login", &right).await;
    assert_eq!(
        expect_error(response, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
}

async fn session_survives_a_restart(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let cookie_jar_client = admin.http.clone();
    let app = app.restart().await;
    let response = cookie_jar_client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let me: UserEnvelope = body(response).await;
    assert_eq!(me.user.email, ADMIN_EMAIL);
}

async fn admin_manages_users(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let created = admin
        .post(
            "/api/v1/users",
            &json!({"email": "Ann@Example.com", "name": "Ann", "password": PASSWORD, "role": "employee"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let ann = UserEnvelope {
        user: body(created).await,
    };
    assert_eq!(ann.user.email, "ann@example.com");
    assert!(ann.user.active);

    let duplicate = admin
        .post(
            "/api/v1/users",
            &json!({"email": "ann@example.com", "name": "Ann 2", "password": PASSWORD, "role": "employee"}),
        )
        .await;
    assert_eq!(
        expect_error(duplicate, StatusCode::CONFLICT).await,
        "conflict"
    );

    for invalid in [
        json!({"email": "not-an-email", "name": "X", "password": PASSWORD, "role": "employee"}),
        json!({"email": "x@example.com", "name": "X", "password": "short", "role": "employee"}),
        json!({"email": "x@example.com", "name": " ", "password": PASSWORD, "role": "employee"}),
        json!({"email": "x@example.com", "name": "X", "password": PASSWORD, "role": "boss"}),
    ] {
        let response = admin.post("/api/v1/users", &invalid).await;
        assert_eq!(
            expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid",
            "{invalid}"
        );
    }

    let list: Value = body(admin.get("/api/v1/users").await).await;
    let emails: Vec<&str> = list["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|u| u["email"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(emails, vec![ADMIN_EMAIL, "ann@example.com"]);

    let renamed = admin
        .patch(
            &format!("/api/v1/users/{}", ann.user.id),
            &json!({"name": "Ann Lee", "role": "follower"}),
        )
        .await;
    let renamed = UserEnvelope {
        user: body(renamed).await,
    };
    assert_eq!(renamed.user.name, "Ann Lee");
    assert_eq!(renamed.user.role, Role::Follower);

    let missing = admin
        .patch("/api/v1/users/999999", &json!({"name": "Z"}))
        .await;
    assert_eq!(
        expect_error(missing, StatusCode::NOT_FOUND).await,
        "not_found"
    );
}

async fn deactivating_a_user_ends_their_sessions(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (ann, ann_client) = app.login_as("Ann", Role::Employee).await;
    assert_eq!(ann_client.get("/api/v1/me").await.status(), StatusCode::OK);
    let admin = app.admin().await;
    let response = admin
        .patch(
            &format!("/api/v1/users/{}", ann.id),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        ann_client.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .client()
        .post(
            "/api/v1/auth/login",
            &json!({"email": ann.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

/// Admin endpoints by role: only the admin may create or change users; every
/// signed-in role may list them; nobody signed out may do anything.
async fn user_endpoints_follow_the_role_table(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, employee) = app.login_as("Emma", Role::Employee).await;
    let (follower_user, follower) = app.login_as("Fred", Role::Follower).await;
    let admin = app.admin().await;
    let anonymous = app.client();
    let new_user = |n: u32| json!({"email": format!("n{n}@example.com"), "name": "N", "password": PASSWORD, "role": "employee"});
    let patch_path = format!("/api/v1/users/{}", follower_user.id);

    for (who, client, list, create, patch) in [
        (
            "admin",
            &admin,
            StatusCode::OK,
            StatusCode::CREATED,
            StatusCode::OK,
        ),
        (
            "employee",
            &employee,
            StatusCode::OK,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
        ),
        (
            "follower",
            &follower,
            StatusCode::OK,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
        ),
        (
            "signed out",
            &anonymous,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let n = match who {
            "admin" => 1,
            "employee" => 2,
            "follower" => 3,
            _ => 4,
        };
        assert_eq!(
            client.get("/api/v1/users").await.status(),
            list,
            "{who} list"
        );
        assert_eq!(
            client.post("/api/v1/users", &new_user(n)).await.status(),
            create,
            "{who} create"
        );
        assert_eq!(
            client
                .patch(&patch_path, &json!({"name": "Fred F"}))
                .await
                .status(),
            patch,
            "{who} patch"
        );
    }
}

async fn an_admin_cannot_lock_themselves_out(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let me: UserEnvelope = body(admin.get("/api/v1/me").await).await;
    let response = admin
        .patch(
            &format!("/api/v1/users/{}", me.user.id),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
}

on_both_backends!(
    login_sets_a_session_and_me_answers,
    every_login_gets_a_fresh_session_id,
    wrong_password_is_401,
    repeated_failures_are_rate_limited,
    session_survives_a_restart,
    admin_manages_users,
    deactivating_a_user_ends_their_sessions,
    user_endpoints_follow_the_role_table,
    an_admin_cannot_lock_themselves_out,
);
