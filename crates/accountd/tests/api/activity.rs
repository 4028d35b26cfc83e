//! Activity: `GET /v1/me/activity` and the public feed `GET /v1/action-logs`.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn my_activity_lists_the_accounts_own_actions_newest_first() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let other = app.register_as("other").await;
    app.login_token("jane").await;
    app.login_token("other").await;

    let reply = app.get("/v1/me/activity", Some(&jane.token)).await;
    let body = reply.assert_status(200);
    assert_eq!((body["total"].as_i64(), body["limit"].as_i64(), body["offset"].as_i64()), (Some(2), Some(20), Some(0)));
    let items = body["items"].as_array().unwrap();
    let actions: Vec<&str> = items.iter().map(|item| item["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["auth.login", "user.registered"]);
    let mut keys: Vec<&str> = items[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["action", "at", "id", "ip", "metadata", "userAgent"]);
    assert_eq!(items[0]["ip"], "127.0.0.1");
    assert!(!reply.body.to_string().contains(&other.id), "another account's rows are not listed");

    let page = app.get("/v1/me/activity?limit=1&offset=1", Some(&jane.token)).await;
    let page = page.assert_status(200);
    assert_eq!(page["items"][0]["action"], "user.registered");
    app.get("/v1/me/activity?limit=0", Some(&jane.token)).await.assert_error(400, "validation:invalid_input");
    app.get("/v1/me/activity", None).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn my_activity_is_readable_with_a_read_scoped_token_only() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reader = app.create_pat(&jane.token, &["user:read"]).await;
    let writer = app.create_pat(&jane.token, &["user:write"]).await;

    app.get("/v1/me/activity", Some(&reader)).await.assert_status(200);
    app.get("/v1/me/activity", Some(&writer)).await.assert_error(403, "auth:insufficient_scope");
}

#[tokio::test]
async fn the_public_feed_shows_only_public_actions_and_no_personal_data() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    app.login_token("jane").await;
    app.call(Method::PUT, "/v1/me/username", Some(&jane.token), Some(json!({ "username": "janet" })))
        .await
        .assert_status(200);
    app.post("/v1/me/email", Some(&jane.token), json!({ "email": "new-jane@example.com", "password": PASSWORD }))
        .await
        .assert_status(202);

    let reply = app.get("/v1/action-logs", None).await;
    let body = reply.assert_status(200);
    assert_eq!(body["total"], 2);
    let items = body["items"].as_array().unwrap();
    let actions: Vec<&str> = items.iter().map(|item| item["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["username.changed", "user.registered"]);
    for item in items {
        let mut keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["action", "actor", "at", "id"]);
        assert_eq!(item["actor"], json!({ "id": jane.id, "username": "janet" }));
    }
    let text = reply.body.to_string();
    for personal in ["example.com", "127.0.0.1", "metadata", "userAgent", "ip"] {
        assert!(!text.contains(personal), "{personal} leaks into the public feed: {text}");
    }
}

#[tokio::test]
async fn the_public_feed_leaves_out_banned_accounts() {
    let app = spawn_app().await;
    app.register_as("jane").await;
    app.register_as("spammer").await;
    app.execute_sql("UPDATE users SET banned = TRUE WHERE username = 'spammer'").await;

    let reply = app.get("/v1/action-logs", None).await;
    let body = reply.assert_status(200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["actor"]["username"], "jane");
}
