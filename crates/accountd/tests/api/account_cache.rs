//! The account cache (sessions and profiles kept in memory) never answers with what
//! the database no longer says: changes by this node, by another node, and by anyone
//! writing SQL are all seen by the next request.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_node_of, PASSWORD};

#[tokio::test]
async fn changes_written_straight_into_the_database_reach_a_cached_session_at_once() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    // Twice, so the second answer comes from the cache.
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);

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
        other_node.get("/v1/me", Some(token)).await.assert_status(200);
        other_node.get("/v1/me", Some(token)).await.assert_status(200);
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
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
    app.clock.advance(chrono::Duration::minutes(2));
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
    let slid = app.get("/v1/me/sessions", Some(&jane.token)).await.assert_status(200)["items"][0]["lastSeenAt"].clone();
    assert_ne!(first, slid, "a cached session is still written through when it is due to slide");

    app.clock.advance(chrono::Duration::days(15));
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
}
