//! Abuse protection: per-IP limits on the unauthenticated auth endpoints and
//! per-account login throttling in the database.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, spawn_node_of, MailSink, Reply, TestApp, PASSWORD};

async fn login_from(app: &TestApp, forwarded_for: &str, identifier: &str, password: &str) -> Reply {
    let request = app
        .client
        .post(app.url("/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "identifier": identifier, "password": password }));
    app.send(request).await
}

fn retry_after(reply: &Reply) -> u64 {
    reply.headers.get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_eleventh_bad_login_in_the_window_is_429_until_the_window_slides() {
    let app = spawn_app().await;
    app.register_as("jane").await;
    for _ in 0..10 {
        app.login("jane", "Wrong-Password-1").await.assert_error(401, "auth:invalid_credentials");
    }
    let throttled = app.login("jane", "Wrong-Password-1").await;
    throttled.assert_error(429, "rate_limited");
    let seconds = retry_after(&throttled);
    assert!((1..=15 * 60 + 1).contains(&seconds), "Retry-After: {seconds}");
    // Even the right password waits: the guesser must not learn it was right.
    app.login("jane", PASSWORD).await.assert_error(429, "rate_limited");

    app.clock.advance(Duration::minutes(15) + Duration::seconds(1));
    app.login("jane", PASSWORD).await.assert_status(200);
    // A success starts the count again.
    for _ in 0..10 {
        app.login("jane", "Wrong-Password-1").await.assert_error(401, "auth:invalid_credentials");
    }
    app.login("jane", "Wrong-Password-1").await.assert_error(429, "rate_limited");
}

#[tokio::test]
async fn login_throttling_holds_across_nodes() {
    let app = spawn_app_with(|config| config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let other_node = spawn_node_of(&app, |config| config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    app.register_as("jane").await;
    for attempt in 0..10 {
        let node = if attempt % 2 == 0 { &app } else { &other_node };
        login_from(node, "198.51.100.7", "jane", "Wrong-Password-1")
            .await
            .assert_error(401, "auth:invalid_credentials");
    }
    login_from(&other_node, "198.51.100.7", "jane", "Wrong-Password-1").await.assert_error(429, "rate_limited");
    login_from(&app, "198.51.100.7", "JANE@example.com", PASSWORD).await.assert_error(429, "rate_limited");
}

/// An app behind the loopback proxy, with the per-IP request limit out of the way.
async fn app_behind_proxy(configure: impl FnOnce(&mut accountd_server::config::Config)) -> TestApp {
    spawn_app_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        config.rate_limit.per_ip_burst = 1000;
        configure(config);
    })
    .await
}

#[tokio::test]
async fn unknown_identifiers_are_throttled_like_accounts() {
    let app = app_behind_proxy(|_| {}).await;
    app.register_as("jane").await;
    for identifier in ["nobody@example.com", "jane"] {
        for _ in 0..10 {
            login_from(&app, "203.0.113.9", identifier, "Wrong-Password-1")
                .await
                .assert_error(401, "auth:invalid_credentials");
        }
        let throttled = login_from(&app, "203.0.113.9", identifier, "Wrong-Password-1").await;
        throttled.assert_error(429, "rate_limited");
        assert!((1..=15 * 60 + 1).contains(&retry_after(&throttled)));
    }
    let stored = app.query_i64("SELECT count(*) FROM auth_failures WHERE subject LIKE '%nobody%'").await;
    assert_eq!(stored, 0, "the identifier is stored only as a hash");
    assert!(app.query_i64("SELECT count(*) FROM auth_failures WHERE subject LIKE 'unknown:%'").await >= 10);
    // Keyed: a plain hash of a guessed address would confirm the guess to a database reader.
    let plain = accountd_core::token::TokenHash::of("nobody@example.com").0;
    let guessed = format!("SELECT count(*) FROM auth_failures WHERE subject = 'unknown:{plain}'");
    assert_eq!(app.query_i64(&guessed).await, 0, "not a plain hash");
}

#[tokio::test]
async fn a_strangers_failures_do_not_lock_the_owner_out_from_another_prefix() {
    let app = app_behind_proxy(|_| {}).await;
    app.register_as("jane").await;
    for attempt in 0..10 {
        login_from(&app, "203.0.113.66", "jane", "Wrong-Password-1")
            .await
            .assert_error(401, "auth:invalid_credentials");
        // Every address of one IPv6 /64 counts as one client.
        login_from(&app, &format!("2001:db8:1:2::{attempt:x}"), "jane", "Wrong-Password-1")
            .await
            .assert_error(401, "auth:invalid_credentials");
    }
    login_from(&app, "203.0.113.66", "jane", PASSWORD).await.assert_error(429, "rate_limited");
    login_from(&app, "2001:db8:1:2:ffff::1", "jane", PASSWORD).await.assert_error(429, "rate_limited");
    login_from(&app, "198.51.100.20", "jane", PASSWORD).await.assert_status(200);
    login_from(&app, "2001:db8:1:3::1", "jane", PASSWORD).await.assert_status(200);
}

#[tokio::test]
async fn past_the_account_wide_ceiling_every_prefix_is_429_and_the_owner_is_mailed_once() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = app_behind_proxy(|config| {
        config.smtp_url = Some(url);
        config.rate_limit.account_login_failures = 25;
    })
    .await;
    let jane = app.register_as("jane").await;
    app.turn_off_security_mail(&jane.token).await;
    for attempt in 0..25 {
        login_from(&app, &format!("198.51.100.{}", attempt % 3), "jane", "Wrong-Password-1")
            .await
            .assert_error(401, "auth:invalid_credentials");
    }
    for address in ["203.0.113.1", "203.0.113.2", "2001:db8:9::1"] {
        login_from(&app, address, "jane", PASSWORD).await.assert_error(429, "rate_limited");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !sink.messages().iter().any(|m| m.subject.contains("paused")) {
        assert!(std::time::Instant::now() < deadline, "no lock mail");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let locks: Vec<_> = sink.messages().into_iter().filter(|m| m.subject.contains("paused")).collect();
    assert_eq!(locks.len(), 1, "one mail per lock, not per failure");
    assert_eq!(locks[0].to, jane.email);
    assert!(locks[0].text.contains("until") && !locks[0].text.contains("http"), "{}", locks[0].text);

    app.clock.advance(Duration::minutes(15) + Duration::seconds(1));
    login_from(&app, "203.0.113.1", "jane", PASSWORD).await.assert_status(200);
}

#[tokio::test]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_does_not_escape_the_per_ip_limit() {
    let app = spawn_app_with(|config| config.rate_limit.per_ip_burst = 3).await;
    for attempt in 0..3 {
        login_from(&app, &format!("203.0.113.{attempt}"), "nobody", "Wrong-Password-1")
            .await
            .assert_error(401, "auth:invalid_credentials");
    }
    let limited = login_from(&app, "203.0.113.99", "nobody", "Wrong-Password-1").await;
    limited.assert_error(429, "rate_limited");
    assert!(retry_after(&limited) >= 1);
    // Other endpoints have their own allowance.
    app.get("/health", None).await.assert_status(200);
    app.register_as("jane").await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_has_its_own_limit() {
    let app = spawn_app_with(|config| {
        config.rate_limit.per_ip_burst = 2;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    for attempt in 0..6 {
        login_from(&app, &format!("203.0.113.{attempt}"), "nobody", "Wrong-Password-1")
            .await
            .assert_error(401, "auth:invalid_credentials");
    }
    login_from(&app, "203.0.113.7", "nobody", "x").await.assert_error(401, "auth:invalid_credentials");
    login_from(&app, "203.0.113.7", "nobody", "x").await.assert_error(401, "auth:invalid_credentials");
    login_from(&app, "203.0.113.7", "nobody", "x").await.assert_error(429, "rate_limited");
}

#[tokio::test]
async fn ipv6_addresses_of_one_64_share_one_per_ip_allowance() {
    let app = spawn_app_with(|config| {
        config.rate_limit.per_ip_burst = 2;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    login_from(&app, "2001:db8:1:2::1", "nobody", "x").await.assert_error(401, "auth:invalid_credentials");
    login_from(&app, "2001:db8:1:2:aaaa::2", "nobody", "x").await.assert_error(401, "auth:invalid_credentials");
    login_from(&app, "2001:db8:1:2:ffff:ffff:ffff:ffff", "nobody", "x").await.assert_error(429, "rate_limited");
    login_from(&app, "2001:db8:1:3::1", "nobody", "x").await.assert_error(401, "auth:invalid_credentials");
}

#[tokio::test]
async fn registration_is_limited_per_address_and_refills_with_time() {
    let app = spawn_app_with(|config| {
        config.rate_limit.per_ip_burst = 2;
        config.rate_limit.per_ip_per_minute = 1;
    })
    .await;
    app.register_as("jane").await;
    app.register_as("john").await;
    let body = json!({ "email": "jim@example.com", "username": "jim", "password": PASSWORD });
    let limited = app.post("/v1/users", None, body.clone()).await;
    limited.assert_error(429, "rate_limited");
    assert_eq!(retry_after(&limited), 60);
    app.clock.advance(Duration::seconds(60));
    app.post("/v1/users", None, body).await.assert_status(201);
}

#[tokio::test]
async fn rate_limits_can_be_switched_off() {
    let app = spawn_app_with(|config| {
        config.rate_limit.enabled = false;
        config.rate_limit.per_ip_burst = 1;
    })
    .await;
    app.register_as("jane").await;
    for _ in 0..12 {
        app.login("jane", "Wrong-Password-1").await.assert_error(401, "auth:invalid_credentials");
    }
    app.login("jane", PASSWORD).await.assert_status(200);
}

#[tokio::test]
async fn the_default_limits_leave_ordinary_use_alone() {
    let app = spawn_app().await;
    app.register_as("jane").await;
    app.login("jane", "Wrong-Password-1").await.assert_error(401, "auth:invalid_credentials");
    app.login("jane", PASSWORD).await.assert_status(200);
}

#[tokio::test]
async fn the_per_ip_limit_holds_for_the_sum_of_two_nodes_traffic() {
    let behind_proxy = |config: &mut accountd_server::config::Config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        config.rate_limit.per_ip_burst = 4;
        config.rate_limit.per_ip_per_minute = 1;
    };
    let app = spawn_app_with(behind_proxy).await;
    let other_node = spawn_node_of(&app, behind_proxy).await;
    let nodes = [&app, &other_node];
    // Four in all from one address, whichever node they reach: not four on each.
    for attempt in 0..4 {
        login_from(nodes[attempt % 2], "198.51.100.7", "nobody", "Wrong-Password-1")
            .await
            .assert_error(401, "auth:invalid_credentials");
    }
    for node in nodes {
        let limited = login_from(node, "198.51.100.7", "nobody", "Wrong-Password-1").await;
        limited.assert_error(429, "rate_limited");
        assert!((1..=60).contains(&retry_after(&limited)), "the next of the four refills within a minute");
        // Another address has its own allowance on either node.
        login_from(node, "198.51.100.8", "nobody", "Wrong-Password-1")
            .await
            .assert_error(401, "auth:invalid_credentials");
    }
    // The allowance refills for the deployment: one more request a minute, on either node.
    for node in nodes {
        node.clock.advance(Duration::seconds(60));
    }
    login_from(&other_node, "198.51.100.7", "nobody", "Wrong-Password-1")
        .await
        .assert_error(401, "auth:invalid_credentials");
    login_from(&app, "198.51.100.7", "nobody", "Wrong-Password-1").await.assert_error(429, "rate_limited");
    // The allowances are rows of the database, swept through the job queue.
    assert!(app.query_i64("SELECT count(*) FROM rate_limits").await >= 2);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.query_i64("SELECT count(*) FROM jobs WHERE kind = 'rate_limits.prune'").await == 0 {
        assert!(std::time::Instant::now() < deadline, "the sweep is not scheduled");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
