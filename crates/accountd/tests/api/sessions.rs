use reqwest::Method;
use serde_json::Value;

use crate::helpers::spawn_app;

const CHROME: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

#[tokio::test]
async fn sessions_are_listed_newest_first_with_the_current_one_marked() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let login = app
        .send(
            app.client
                .post(app.url("/v1/auth/login"))
                .header("user-agent", CHROME)
                .json(&serde_json::json!({ "identifier": "jane", "password": crate::helpers::PASSWORD })),
        )
        .await;
    let second = login.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    let reply = app.get("/v1/me/sessions", Some(&jane.token)).await;
    let items = reply.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["current"], false, "the newer login comes first");
    assert_eq!(items[1]["current"], true);
    assert_eq!(items[0]["device"]["browser"], "Chrome");
    assert_eq!(items[0]["device"]["platform"], "desktop");
    assert_eq!(items[0]["device"]["isBot"], false);
    assert_eq!(items[1]["device"]["browser"], "unknown");
    assert_eq!(items[0]["location"], Value::Null);
    for field in ["id", "createdAt", "lastSeenAt", "expiresAt", "ip"] {
        assert!(items[0][field].is_string(), "{field}: {}", items[0]);
    }
    assert!(!items[0].to_string().contains(&second), "sessions never show their token");
}

#[tokio::test]
async fn last_seen_is_written_at_most_once_a_minute() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let last_seen = || async {
        let reply = app.get("/v1/me/sessions", Some(&jane.token)).await;
        reply.assert_status(200)["items"][0]["lastSeenAt"].as_str().unwrap().to_string()
    };
    let first = last_seen().await;
    app.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(last_seen().await, first);
    app.clock.advance(chrono::Duration::seconds(31));
    let moved = last_seen().await;
    assert_ne!(moved, first);
    app.clock.advance(chrono::Duration::seconds(10));
    assert_eq!(last_seen().await, moved);
}

#[tokio::test]
async fn one_session_can_be_revoked() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let other = app.login_token("jane").await;
    let sessions = app.get("/v1/me/sessions", Some(&jane.token)).await;
    let other_id = sessions.body["items"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app.call(Method::DELETE, &format!("/v1/me/sessions/{other_id}"), Some(&jane.token), None).await;
    assert_eq!(reply.status, 204);
    app.get("/v1/me", Some(&other)).await.assert_error(401, "auth:unauthenticated");
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
    app.call(Method::DELETE, &format!("/v1/me/sessions/{other_id}"), Some(&jane.token), None)
        .await
        .assert_error(404, "session:not_found");
    app.call(Method::DELETE, "/v1/me/sessions/not-a-uuid", Some(&jane.token), None)
        .await
        .assert_error(404, "session:not_found");
}

#[tokio::test]
async fn another_accounts_session_is_not_found() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let john = app.register_as("john").await;
    let johns = app.get("/v1/me/sessions", Some(&john.token)).await;
    let johns_id = johns.body["items"][0]["id"].as_str().unwrap().to_string();
    app.call(Method::DELETE, &format!("/v1/me/sessions/{johns_id}"), Some(&jane.token), None)
        .await
        .assert_error(404, "session:not_found");
    app.get("/v1/me", Some(&john.token)).await.assert_status(200);
}

#[tokio::test]
async fn all_sessions_can_be_revoked_with_or_without_the_current_one() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let second = app.login_token("jane").await;
    let third = app.login_token("jane").await;
    let keep = app.call(Method::DELETE, "/v1/me/sessions?keepCurrent=true", Some(&jane.token), None).await;
    assert_eq!(keep.status, 204);
    app.get("/v1/me", Some(&second)).await.assert_error(401, "auth:unauthenticated");
    app.get("/v1/me", Some(&third)).await.assert_error(401, "auth:unauthenticated");
    let remaining = app.get("/v1/me/sessions", Some(&jane.token)).await;
    assert_eq!(remaining.assert_status(200)["items"].as_array().unwrap().len(), 1);

    let all = app.call(Method::DELETE, "/v1/me/sessions", Some(&jane.token), None).await;
    assert_eq!(all.status, 204);
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
    app.call(Method::DELETE, "/v1/me/sessions?keepCurrent=maybe", Some(&second), None)
        .await
        .assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn a_bad_keep_current_value_is_an_invalid_query() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    app.call(Method::DELETE, "/v1/me/sessions?keepCurrent=maybe", Some(&jane.token), None)
        .await
        .assert_error(400, "request:invalid_query");
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
}
