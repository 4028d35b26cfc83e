//! Administration: `/v1/admin/*`, bans, and the activity of admin actions.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with_mail, PASSWORD};

#[tokio::test]
async fn only_administrators_with_a_session_may_administer() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let boss = app.register_as("boss").await;
    app.get("/v1/admin/users", Some(&jane.token)).await.assert_error(403, "auth:forbidden");
    app.get("/v1/admin/users", None).await.assert_error(401, "auth:unauthenticated");
    app.promote("boss").await;
    app.get("/v1/admin/users", Some(&boss.token)).await.assert_status(200);
    let pat = app.create_pat(&boss.token, &["user:read", "user:write"]).await;
    app.get("/v1/admin/users", Some(&pat)).await.assert_error(403, "auth:session_required");
}

#[tokio::test]
async fn administrators_list_find_and_change_accounts() {
    let app = spawn_app().await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    let jane = app.register_as("jane").await;
    app.register_as("john").await;

    let all = app.get("/v1/admin/users", Some(&boss.token)).await;
    assert_eq!(all.assert_status(200)["total"], 3);
    let found = app.get("/v1/admin/users?query=JA", Some(&boss.token)).await;
    let items = found.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["email"], "jane@example.com");

    let one = app.get(&format!("/v1/admin/users/{}", jane.id), Some(&boss.token)).await;
    assert_eq!(one.assert_status(200)["username"], "jane");
    let missing = app.get(&format!("/v1/admin/users/{}", uuid::Uuid::now_v7()), Some(&boss.token)).await;
    missing.assert_error(404, "user:not_found");
    app.get("/v1/admin/users/not-a-uuid", Some(&boss.token)).await.assert_error(404, "user:not_found");

    let patch =
        json!({ "role": "admin", "emailVerified": true, "limits": { "personalAccessTokens": 1, "storage": 10 } });
    let changed =
        app.call(Method::PATCH, &format!("/v1/admin/users/{}", jane.id), Some(&boss.token), Some(patch)).await;
    let body = changed.assert_status(200);
    assert_eq!((body["role"].clone(), body["emailVerified"].clone()), (json!("admin"), json!(true)));
    let limits = app.get("/v1/me/limits", Some(&jane.token)).await;
    assert_eq!(limits.assert_status(200)["personalAccessTokens"], json!({ "used": 0, "limit": 1 }));
    assert_eq!(limits.body["storage"]["limit"], 10);
    app.create_pat(&jane.token, &["user:read"]).await;
    app.post("/v1/me/tokens", Some(&jane.token), json!({ "name": "x", "scopes": ["user:read"] }))
        .await
        .assert_error(409, "limit:exceeded");

    // null goes back to the configured default.
    let reset = json!({ "limits": { "personalAccessTokens": null } });
    app.call(Method::PATCH, &format!("/v1/admin/users/{}", jane.id), Some(&boss.token), Some(reset))
        .await
        .assert_status(200);
    let limits = app.get("/v1/me/limits", Some(&jane.token)).await;
    assert_eq!(limits.assert_status(200)["personalAccessTokens"]["limit"], 25);
    assert_eq!(limits.body["storage"]["limit"], 10, "other overrides stay");

    let bad = json!({ "role": "superuser" });
    app.call(Method::PATCH, &format!("/v1/admin/users/{}", jane.id), Some(&boss.token), Some(bad))
        .await
        .assert_error(400, "request:invalid_body");
}

#[tokio::test]
async fn a_ban_ends_live_sessions_and_tokens_and_blocks_login_until_lifted() {
    let app = spawn_app().await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    let jane = app.register_as("jane").await;
    let pat = app.create_pat(&jane.token, &["user:read"]).await;
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);

    let ban = json!({ "banned": true, "banReason": "spam" });
    let reply = app.call(Method::PATCH, &format!("/v1/admin/users/{}", jane.id), Some(&boss.token), Some(ban)).await;
    assert_eq!(reply.assert_status(200)["banned"], true);
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
    app.get("/v1/me", Some(&pat)).await.assert_error(401, "auth:unauthenticated");
    app.login("jane", PASSWORD).await.assert_error(403, "auth:account_banned");
    app.get("/v1/users/jane", None).await.assert_error(404, "user:not_found");

    let activity =
        app.get(&format!("/v1/admin/activity?userId={}&action=admin.user_banned", jane.id), Some(&boss.token)).await;
    let items = activity.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["userId"], jane.id.as_str());
    assert_eq!(items[0]["metadata"]["adminId"], boss.id.as_str());

    let unban = json!({ "banned": false });
    app.call(Method::PATCH, &format!("/v1/admin/users/{}", jane.id), Some(&boss.token), Some(unban))
        .await
        .assert_status(200);
    app.login("jane", PASSWORD).await.assert_status(200);
    app.get("/v1/me", Some(&pat)).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn an_administrator_can_not_ban_themselves() {
    let app = spawn_app().await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    let ban = json!({ "banned": true });
    app.call(Method::PATCH, &format!("/v1/admin/users/{}", boss.id), Some(&boss.token), Some(ban))
        .await
        .assert_error(409, "admin:self");
    let me = app.get("/v1/me", Some(&boss.token)).await;
    assert_eq!(me.assert_status(200)["banned"], false);
}

#[tokio::test]
async fn the_last_administrator_can_not_demote_or_delete_itself() {
    let app = spawn_app().await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    let path = format!("/v1/admin/users/{}", boss.id);

    let demote = json!({ "role": "user" });
    app.call(Method::PATCH, &path, Some(&boss.token), Some(demote)).await.assert_error(409, "admin:last_admin");
    app.call(Method::DELETE, &path, Some(&boss.token), None).await.assert_error(409, "admin:last_admin");
    app.call(Method::DELETE, "/v1/me", Some(&boss.token), Some(json!({ "password": PASSWORD })))
        .await
        .assert_error(409, "admin:last_admin");

    let me = app.get("/v1/me", Some(&boss.token)).await;
    assert_eq!(me.assert_status(200)["role"], "admin");
    // A banned administrator does not count: it cannot act.
    let jane = app.register_as("jane").await;
    app.promote("jane").await;
    let ban = json!({ "banned": true });
    app.call(Method::PATCH, &format!("/v1/admin/users/{}", jane.id), Some(&boss.token), Some(ban))
        .await
        .assert_status(200);
    app.call(Method::PATCH, &path, Some(&boss.token), Some(json!({ "role": "user" })))
        .await
        .assert_error(409, "admin:last_admin");
}

#[tokio::test]
async fn administrators_may_demote_ban_and_delete_other_administrators() {
    let app = spawn_app().await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    let mut others = Vec::new();
    for name in ["jane", "john", "judy"] {
        others.push(app.register_as(name).await.id);
        app.promote(name).await;
    }
    let [jane, john, judy] = <[String; 3]>::try_from(others).unwrap();

    let demoted = app
        .call(Method::PATCH, &format!("/v1/admin/users/{jane}"), Some(&boss.token), Some(json!({ "role": "user" })))
        .await;
    assert_eq!(demoted.assert_status(200)["role"], "user");
    let banned = app
        .call(Method::PATCH, &format!("/v1/admin/users/{john}"), Some(&boss.token), Some(json!({ "banned": true })))
        .await;
    assert_eq!(banned.assert_status(200)["banned"], true);
    app.call(Method::DELETE, &format!("/v1/admin/users/{judy}"), Some(&boss.token), None).await.assert_status(204);
    app.get(&format!("/v1/admin/users/{judy}"), Some(&boss.token)).await.assert_error(404, "user:not_found");
}

#[tokio::test]
async fn two_administrators_demoting_each_other_at_once_leave_one() {
    let app = spawn_app().await;
    let boss = app.register_as("boss").await;
    let jane = app.register_as("jane").await;
    app.promote("boss").await;
    app.promote("jane").await;
    let demote = json!({ "role": "user" });
    let (jane_path, boss_path) = (format!("/v1/admin/users/{}", jane.id), format!("/v1/admin/users/{}", boss.id));
    let (first, second) = tokio::join!(
        app.call(Method::PATCH, &jane_path, Some(&boss.token), Some(demote.clone())),
        app.call(Method::PATCH, &boss_path, Some(&jane.token), Some(demote)),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    // The second demotion either is refused as the last administrator's, or (when it ran
    // after the first committed) its caller is no longer an administrator.
    assert_eq!(statuses[0], 200, "{} / {}", first.code(), second.code());
    assert!(statuses[1] == 409 || statuses[1] == 403, "{} / {}", first.code(), second.code());
    let admins = app.query_i64("SELECT count(*) FROM users WHERE role = 'admin'").await;
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn administrators_end_sessions_and_delete_accounts() {
    let app = spawn_app().await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    let jane = app.register_as("jane").await;
    let path = format!("/v1/admin/users/{}", jane.id);

    app.call(Method::DELETE, &format!("{path}/sessions"), Some(&boss.token), None).await.assert_status(204);
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
    let session = app.login_token("jane").await;

    app.call(Method::DELETE, &path, Some(&boss.token), None).await.assert_status(204);
    app.get("/v1/me", Some(&session)).await.assert_error(401, "auth:unauthenticated");
    app.get(&path, Some(&boss.token)).await.assert_error(404, "user:not_found");
    app.call(Method::DELETE, &path, Some(&boss.token), None).await.assert_error(404, "user:not_found");
    app.register_as("jane").await;

    let activity = app.get(&format!("/v1/admin/activity?userId={}", jane.id), Some(&boss.token)).await;
    let actions: Vec<String> = activity.assert_status(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["action"].as_str().unwrap().to_string())
        .collect();
    // The account's history goes with it, as on `DELETE /v1/me`: only the deletion is left.
    assert_eq!(actions, ["admin.user_deleted"]);
    app.get("/v1/admin/activity?userId=nope", Some(&boss.token)).await.assert_error(400, "validation:invalid_input");
}

#[tokio::test]
async fn token_actions_are_in_the_activity_log() {
    let app = spawn_app().await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    app.create_pat(&boss.token, &["user:read"]).await;
    let id = app.get("/v1/me/tokens", Some(&boss.token)).await.body["items"][0]["id"].as_str().unwrap().to_string();
    app.call(Method::DELETE, &format!("/v1/me/tokens/{id}"), Some(&boss.token), None).await.assert_status(204);
    app.post("/v1/me/upload-token", Some(&boss.token), json!({})).await.assert_status(200);
    for action in ["token.created", "token.revoked", "upload_token.regenerated"] {
        let reply = app.get(&format!("/v1/admin/activity?action={action}"), Some(&boss.token)).await;
        let items = reply.assert_status(200)["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 1, "{action}");
        assert_eq!(items[0]["userId"], boss.id.as_str());
    }
}

#[tokio::test]
async fn an_administrators_deletion_erases_the_account_as_self_deletion_does() {
    let (app, sink) = spawn_app_with_mail().await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    let jane = app.register_as("jane").await;
    // Delivered before the deletion, which drops the mail still queued to the account.
    sink.wait_for(&jane.email, 1).await;
    app.post("/v1/me/addresses", Some(&jane.token), json!({ "address": "jane.other@example.com" }))
        .await
        .assert_status(201);

    app.call(Method::DELETE, &format!("/v1/admin/users/{}", jane.id), Some(&boss.token), None).await.assert_status(204);

    let goodbye = sink.wait_for(&jane.email, 2).await;
    assert!(goodbye.subject.contains("deleted"), "{}", goodbye.subject);
    assert_eq!(app.query_i64("SELECT count(*) FROM addresses").await, 0);
    assert_eq!(
        app.query_i64("SELECT count(*) FROM activities WHERE action = 'user.registered'").await,
        1,
        "boss's only"
    );
    let dump = app.dump_database().await;
    assert!(!dump.iter().any(|value| value.contains("jane.other@example.com")), "the other address is gone");
}
