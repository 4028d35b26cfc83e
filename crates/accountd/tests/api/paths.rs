//! Values in the path: an id that is not an id, or bytes that are not UTF-8, get the
//! contract's error body (never a plain-text rejection).

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

/// A malformed UUID, and a percent-encoded byte that is not UTF-8.
const NOT_IDS: [&str; 2] = ["not-a-uuid", "%FF"];

#[tokio::test]
async fn a_malformed_or_non_utf8_user_id_is_not_found() {
    let app = spawn_app().await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    for id in NOT_IDS {
        app.get(&format!("/v1/users/by-id/{id}"), None).await.assert_error(404, "user:not_found");
        let path = format!("/v1/admin/users/{id}");
        app.get(&path, Some(&boss.token)).await.assert_error(404, "user:not_found");
        app.call(Method::PATCH, &path, Some(&boss.token), Some(json!({ "emailVerified": true })))
            .await
            .assert_error(404, "user:not_found");
        app.call(Method::DELETE, &path, Some(&boss.token), None).await.assert_error(404, "user:not_found");
        app.call(Method::DELETE, &format!("{path}/sessions"), Some(&boss.token), None)
            .await
            .assert_error(404, "user:not_found");
    }
}

#[tokio::test]
async fn a_malformed_or_non_utf8_session_id_is_not_found() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    for id in NOT_IDS {
        app.call(Method::DELETE, &format!("/v1/me/sessions/{id}"), Some(&jane.token), None)
            .await
            .assert_error(404, "session:not_found");
    }
}

#[tokio::test]
async fn a_malformed_or_non_utf8_token_id_is_not_found() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    for id in NOT_IDS {
        app.call(Method::DELETE, &format!("/v1/me/tokens/{id}"), Some(&jane.token), None)
            .await
            .assert_error(404, "token:not_found");
    }
}

#[tokio::test]
async fn a_malformed_or_non_utf8_address_id_is_not_found() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    for id in NOT_IDS {
        let path = format!("/v1/me/addresses/{id}");
        app.call(Method::DELETE, &path, Some(&jane.token), None).await.assert_error(404, "address:not_found");
        app.post(&format!("{path}/send-verification"), Some(&jane.token), json!({}))
            .await
            .assert_error(404, "address:not_found");
        app.post(&format!("{path}/verify"), Some(&jane.token), json!({ "token": "x" }))
            .await
            .assert_error(404, "address:not_found");
    }
}

#[tokio::test]
async fn a_username_that_is_not_utf8_is_refused_in_the_error_body() {
    let app = spawn_app().await;
    app.get("/v1/users/%FF", None).await.assert_error(404, "user:not_found");
    app.get("/v1/usernames/%FF/availability", None).await.assert_error(400, "validation:invalid_username");
}

#[tokio::test]
async fn a_provider_that_is_not_utf8_is_an_unknown_provider_in_the_error_body() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    app.get("/v1/auth/oauth/%FF/authorize", None).await.assert_error(404, "oauth:unknown_provider");
    app.call(Method::POST, "/v1/auth/oauth/%FF/login", None, Some(json!({ "code": "c", "state": "s" })))
        .await
        .assert_error(404, "oauth:unknown_provider");
    app.call(Method::POST, "/v1/me/linked-accounts/%FF/authorize", Some(&jane.token), None)
        .await
        .assert_error(404, "oauth:unknown_provider");
    app.call(Method::DELETE, "/v1/me/linked-accounts/%FF", Some(&jane.token), None)
        .await
        .assert_error(404, "oauth:unknown_provider");
}
