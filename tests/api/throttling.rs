//! Sign-in throttling per (account, client address), behind a trusted proxy:
//! a stranger's guesses never lock the owner out, parallel guesses are counted
//! before any password is checked, and every refusal says when to retry.

use futures_util::future::join_all;
use reqwest::{Client, Response, StatusCode};
use serde_json::json;
use tidings_tests::{
    expect_error, on_both_backends, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD,
};

/// The test client connects from 127.0.0.1, which plays the reverse proxy.
async fn behind_a_proxy(backend: Backend) -> TestApp {
    TestApp::start_with_fakes_and(backend, None, None, None, |config| {
        config.trusted_proxies =
            tidings::domain::client_address::TrustedProxies::parse("127.0.0.1")
                .expect("a valid list");
    })
    .await
}

/// Signs in as if from `client` (as the proxy reports it).
async fn sign_in(app: &TestApp, client: &str, email: &str, password: &str) -> Response {
    Client::new()
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", client)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("the request reaches the server")
}

async fn expect_throttled(response: Response) -> u64 {
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("a 429 says when to retry, in seconds");
    assert_eq!(
        expect_error(response, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
    retry_after
}

async fn five_failures_throttle_the_pair_even_with_the_right_password(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let attacker = "203.0.113.7";
    for _ in 0..5 {
        let response = sign_in(&app, attacker, ADMIN_EMAIL, "wrong-password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let retry_after =
        expect_throttled(sign_in(&app, attacker, ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
    assert!(
        (1..=15 * 60).contains(&retry_after),
        "Retry-After {retry_after} s is within the 15-minute window"
    );
    // The same guesses from another port of the same address change nothing.
    expect_throttled(sign_in(&app, "203.0.113.7:5555", ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
}

async fn a_strangers_failures_never_block_the_owner_from_another_address(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    for _ in 0..5 {
        sign_in(&app, "203.0.113.7", ADMIN_EMAIL, "wrong-password").await;
    }
    expect_throttled(sign_in(&app, "203.0.113.7", ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
    let owner = sign_in(&app, "198.51.100.20", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        owner.status(),
        StatusCode::OK,
        "the owner signs in from their address"
    );
}

async fn an_address_guessing_e_mails_is_throttled_but_not_for_accounts_it_signed_in_to(
    backend: Backend,
) {
    let app = behind_a_proxy(backend).await;
    let office = "198.51.100.20";
    assert_eq!(
        sign_in(&app, office, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    // Twenty failures over four made-up accounts (five each, the pair limit).
    for n in 0..20 {
        let email = format!("guess{}@example.com", n % 4);
        let response = sign_in(&app, office, &email, "wrong-password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {n}");
    }
    expect_throttled(sign_in(&app, office, "another@example.com", "whatever1").await).await;
    let known = sign_in(&app, office, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        known.status(),
        StatusCode::OK,
        "an account this address signed in to is not blocked by its other failures"
    );
    // Another address is not affected at all.
    let elsewhere = sign_in(&app, "192.0.2.1", "another@example.com", "whatever1").await;
    assert_eq!(elsewhere.status(), StatusCode::UNAUTHORIZED);
}

async fn parallel_guesses_for_one_pair_get_at_most_five_verdicts(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let guesses = (0..300).map(|n| {
        let app = &app;
        async move { sign_in(app, "203.0.113.7", ADMIN_EMAIL, &format!("guess-{n}")).await }
    });
    let statuses: Vec<StatusCode> = join_all(guesses)
        .await
        .into_iter()
        .map(|response| response.status())
        .collect();
    let verdicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        (1..=5).contains(&verdicts),
        "{verdicts} guesses had their password checked"
    );
    assert_eq!(
        verdicts + throttled,
        300,
        "every other guess is refused with 429"
    );
    // The owner, elsewhere, is untouched.
    let owner = sign_in(&app, "198.51.100.20", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(owner.status(), StatusCode::OK);
}

async fn forwarded_addresses_from_an_untrusted_peer_are_ignored(backend: Backend) {
    // No trusted proxies: a made-up X-Forwarded-For per attempt escapes nothing.
    let app = TestApp::start(backend).await;
    for n in 0..5 {
        let response = sign_in(&app, &format!("192.0.2.{n}"), ADMIN_EMAIL, "wrong-password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    expect_throttled(sign_in(&app, "192.0.2.99", ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
}

async fn a_right_password_forgives_the_pairs_earlier_failures(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let office = "198.51.100.20";
    for _ in 0..4 {
        sign_in(&app, office, ADMIN_EMAIL, "typo-password").await;
    }
    assert_eq!(
        sign_in(&app, office, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    for _ in 0..4 {
        let response = sign_in(&app, office, ADMIN_EMAIL, "typo-password").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "counting starts over"
        );
    }
}

async fn ipv6_clients_of_one_64_share_their_limit(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    for n in 1..=5 {
        let client = format!("2001:db8:1:2::{n}");
        sign_in(&app, &client, ADMIN_EMAIL, "wrong-password").await;
    }
    expect_throttled(sign_in(&app, "2001:db8:1:2:ffff::1", ADMIN_EMAIL, ADMIN_PASSWORD).await)
        .await;
    let other_network = sign_in(&app, "2001:db8:1:3::1", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(other_network.status(), StatusCode::OK);
}

on_both_backends!(
    five_failures_throttle_the_pair_even_with_the_right_password,
    a_strangers_failures_never_block_the_owner_from_another_address,
    an_address_guessing_e_mails_is_throttled_but_not_for_accounts_it_signed_in_to,
    parallel_guesses_for_one_pair_get_at_most_five_verdicts,
    forwarded_addresses_from_an_untrusted_peer_are_ignored,
    a_right_password_forgives_the_pairs_earlier_failures,
    ipv6_clients_of_one_64_share_their_limit,
);
