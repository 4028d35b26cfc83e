use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_public_profile_by_username_and_by_id() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    app.call(Method::PATCH, "/v1/me", Some(&jane.token), Some(json!({ "displayName": "Jane Doe", "bio": "hi" })))
        .await
        .assert_status(200);
    let by_name = app.get("/v1/users/JANE", None).await;
    let profile = by_name.assert_status(200);
    assert_eq!(profile["id"], jane.id.as_str());
    assert_eq!(profile["username"], "jane");
    assert_eq!(profile["displayName"], "Jane Doe");
    assert_eq!(profile["bio"], "hi");
    assert!(profile.get("email").is_none(), "public profiles never show the email");
    let keys: Vec<_> = profile.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 7, "{keys:?}");
    let by_id = app.get(&format!("/v1/users/by-id/{}", jane.id), None).await;
    assert_eq!(by_id.assert_status(200), profile);
}

#[tokio::test]
async fn unknown_and_banned_accounts_are_not_found() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    app.get("/v1/users/nobody", None).await.assert_error(404, "user:not_found");
    app.get("/v1/users/by-id/not-a-uuid", None).await.assert_error(404, "user:not_found");
    app.get(&format!("/v1/users/by-id/{}", uuid::Uuid::now_v7()), None).await.assert_error(404, "user:not_found");
    app.execute_sql("UPDATE users SET banned = TRUE WHERE username = 'jane'").await;
    app.get("/v1/users/jane", None).await.assert_error(404, "user:not_found");
    app.get(&format!("/v1/users/by-id/{}", jane.id), None).await.assert_error(404, "user:not_found");
    let search = app.get("/v1/users?query=ja", None).await;
    assert_eq!(search.assert_status(200)["total"], 0);
}

#[tokio::test]
async fn search_matches_username_or_display_name_by_prefix() {
    let app = spawn_app().await;
    app.register_as("jane").await;
    app.register_as("janet").await;
    let bob = app.register_as("bob").await;
    app.register_as("ja_ck").await;
    app.call(Method::PATCH, "/v1/me", Some(&bob.token), Some(json!({ "displayName": "Jack Bobson" })))
        .await
        .assert_status(200);

    let names = |reply: &crate::helpers::Reply| {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["username"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let reply = app.get("/v1/users?query=JAN", None).await;
    reply.assert_status(200);
    assert_eq!(names(&reply), ["jane", "janet"]);
    assert_eq!(reply.body["total"], 2);
    assert_eq!(reply.body["limit"], 20);
    let jack = app.get("/v1/users?query=jack", None).await;
    assert_eq!(names(&jack), ["bob"]);
    // `_` is matched literally, not as a wildcard.
    let underscore = app.get("/v1/users?query=ja_", None).await;
    assert_eq!(names(&underscore), ["ja_ck"]);
    let percent = app.get("/v1/users?query=%25", None).await;
    assert_eq!(percent.assert_status(200)["total"], 0);
    let paged = app.get("/v1/users?query=ja&limit=1&offset=1", None).await;
    assert_eq!(paged.assert_status(200)["items"].as_array().unwrap().len(), 1);
    assert_eq!(paged.body["total"], 4);
    app.get("/v1/users", None).await.assert_error(400, "validation:invalid_input");
    app.get("/v1/users?query=", None).await.assert_error(400, "validation:invalid_input");
    app.get("/v1/users?query=a&limit=500", None).await.assert_error(400, "validation:invalid_input");
}
