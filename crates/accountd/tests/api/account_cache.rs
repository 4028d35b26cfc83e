//! The account cache (sessions and profiles kept in memory) never answers with what
//! the database no longer says: changes by this node, by another node, and by anyone
//! writing SQL are all seen by the next request.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_node_of, TestApp, PASSWORD};

/// The cache hits counted so far by this process (every app of the test binary shares
/// one recorder, so a test asserts that the count grew, not by how much).
async fn cache_hits(app: &TestApp) -> u64 {
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("accountd_account_cache_total{result=\"hit\"} "))
        .map_or(0, |count| count.trim().parse().unwrap())
}

/// Asks for `me` until it is served from the cache: the first answer fills it, the second
/// may find the entry dropped for the changes that came before (registration, login),
/// the third must be a hit.
async fn assert_me_is_cached(app: &TestApp, token: &str) {
    app.get("/v1/me", Some(token)).await.assert_status(200);
    app.get("/v1/me", Some(token)).await.assert_status(200);
    let hits = cache_hits(app).await;
    app.get("/v1/me", Some(token)).await.assert_status(200);
    assert!(cache_hits(app).await > hits, "`me` was not served from the cache");
}

#[tokio::test]
async fn changes_written_straight_into_the_database_reach_a_cached_session_at_once() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    assert_me_is_cached(&app, &jane.token).await;

    app.execute_sql("UPDATE users SET display_name = 'Jane Straight' WHERE username = 'jane'").await;
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.assert_status(200)["displayName"], "Jane Straight");

    // What `accountd user promote` does, from another process.
    app.get("/v1/admin/users", Some(&jane.token)).await.assert_error(403, "auth:forbidden");
    app.execute_sql("UPDATE users SET role = 'admin' WHERE username = 'jane'").await;
    app.get("/v1/admin/users", Some(&jane.token)).await.assert_status(200);

    app.execute_sql("UPDATE users SET banned = TRUE WHERE username = 'jane'").await;
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn a_change_on_one_node_is_seen_by_the_next_request_on_another() {
    let app = spawn_app().await;
    let other_node = spawn_node_of(&app, |_| {}).await;
    let jane = app.register_as("jane").await;
    let other_session = app.login_token("jane").await;
    for token in [&jane.token, &other_session] {
        assert_me_is_cached(&other_node, token).await;
    }

    let patched =
        app.call(Method::PATCH, "/v1/me", Some(&jane.token), Some(json!({ "displayName": "Jane Two" }))).await;
    patched.assert_status(200);
    assert_eq!(other_node.get("/v1/me", Some(&jane.token)).await.assert_status(200)["displayName"], "Jane Two");

    app.post("/v1/me/addresses", Some(&jane.token), json!({ "address": "jane.work@example.com" }))
        .await
        .assert_status(201);
    let me = other_node.get("/v1/me", Some(&other_session)).await;
    assert_eq!(me.assert_status(200)["additionalAddresses"][0]["address"], "jane.work@example.com");

    // Every session but the current one is revoked.
    let revoked = app.call(Method::DELETE, "/v1/me/sessions?keepCurrent=true", Some(&jane.token), None).await;
    revoked.assert_status(204);
    other_node.get("/v1/me", Some(&other_session)).await.assert_error(401, "auth:unauthenticated");
    other_node.get("/v1/me", Some(&jane.token)).await.assert_status(200);

    let deleted = app.call(Method::DELETE, "/v1/me", Some(&jane.token), Some(json!({ "password": PASSWORD }))).await;
    deleted.assert_status(200);
    other_node.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn a_cached_session_still_slides_and_expires() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let first =
        app.get("/v1/me/sessions", Some(&jane.token)).await.assert_status(200)["items"][0]["lastSeenAt"].clone();
    assert_me_is_cached(&app, &jane.token).await;
    app.clock.advance(chrono::Duration::minutes(2));
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
    let slid = app.get("/v1/me/sessions", Some(&jane.token)).await.assert_status(200)["items"][0]["lastSeenAt"].clone();
    assert_ne!(first, slid, "a cached session is still written through when it is due to slide");

    app.clock.advance(chrono::Duration::days(15));
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn a_transaction_held_open_elsewhere_neither_stops_the_cache_nor_hides_a_revocation() {
    use sqlx::Connection as _;
    let app = spawn_app().await;
    // Only PostgreSQL lets a write transaction stay open beside the server's writes (SQLite
    // has one writer at a time), so there is nothing to show on SQLite.
    if !app.database.is_postgres() {
        return;
    }
    // A write held open for the whole test: its feed row has the lowest id and is invisible
    // until it commits, so it must neither hold readers back nor be skipped.
    let mut elsewhere = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
    let mut held = elsewhere.begin().await.unwrap();
    sqlx::query("INSERT INTO feed_events (topic, user_id) VALUES ('account', gen_random_uuid())")
        .execute(&mut *held)
        .await
        .unwrap();

    let jane = app.register_as("jane").await;
    let other_session = app.login_token("jane").await;
    assert_me_is_cached(&app, &jane.token).await;
    assert_me_is_cached(&app, &other_session).await;

    // Changes to other accounts go on meanwhile; they refuse none of jane's fills.
    let john = app.register_as("john").await;
    app.login_token("john").await;
    assert_me_is_cached(&app, &john.token).await;
    assert_me_is_cached(&app, &jane.token).await;

    let revoked = app.call(Method::DELETE, "/v1/me/sessions?keepCurrent=true", Some(&jane.token), None).await;
    revoked.assert_status(204);
    app.get("/v1/me", Some(&other_session)).await.assert_error(401, "auth:unauthenticated");
    assert_me_is_cached(&app, &jane.token).await;
    held.rollback().await.unwrap();
}
