//! Personal access tokens, scopes, the upload token, introspection and limits.

use chrono::Duration;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, spawn_node_of, TestApp};

const SESSION_ONLY: [&str; 3] = ["/v1/me/tokens", "/v1/me/sessions", "/v1/me/passkeys"];
/// The codes by which the authentication layer refuses a call.
const AUTH_REFUSALS: [&str; 4] =
    ["auth:unauthenticated", "auth:insufficient_scope", "auth:session_required", "auth:csrf_rejected"];

/// Calls a route and returns its status and error code, without reading a
/// successful body (some routes stream).
async fn probe(app: &TestApp, method: &Method, path: &str, token: &str) -> (u16, String) {
    let mut request = app.client.request(method.clone(), app.url(path)).bearer_auth(token);
    if method != Method::GET {
        request = request.json(&json!({}));
    }
    let response = request.timeout(std::time::Duration::from_secs(20)).send().await.unwrap();
    let status = response.status().as_u16();
    if status < 400 {
        return (status, String::new());
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_string())
}

#[tokio::test]
async fn every_me_route_answers_each_credential_as_its_scope_says() {
    // This test is about scopes; it logs in once per route, far past the per-IP limit.
    let app = spawn_app_with(|config| config.rate_limit.enabled = false).await;
    let jane = app.register_as("jane").await;
    let read = app.create_pat(&jane.token, &["user:read"]).await;
    let read_write = app.create_pat(&jane.token, &["user:read", "user:write"]).await;

    let document = app.get("/openapi.json", None).await;
    let paths = document.assert_status(200)["paths"].as_object().unwrap().clone();
    let mut operations = Vec::new();
    for (path, item) in &paths {
        if !(path == "/v1/me" || path.starts_with("/v1/me/")) {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.push((Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), path.clone()));
            }
        }
    }
    for expected in ["GET /v1/me", "PATCH /v1/me", "GET /v1/me/tokens", "POST /v1/me/upload-token"] {
        assert!(
            operations.iter().any(|(method, path)| format!("{method} {path}") == expected),
            "{expected} is in the route table"
        );
    }

    for (method, template) in &operations {
        // Path parameters get values that exist nowhere: the answer may be 404, never an auth refusal.
        let path = template
            .split('/')
            .map(|segment| if segment.starts_with('{') { uuid::Uuid::now_v7().to_string() } else { segment.into() })
            .collect::<Vec<_>>()
            .join("/");
        let route = format!("{method} {template}");
        let session_only =
            SESSION_ONLY.iter().any(|prefix| template == prefix || template.starts_with(&format!("{prefix}/")));
        let is_read = *method == Method::GET;

        // A fresh session for each call: some calls end the session that makes them.
        let session = app.login_token("jane").await;
        let (status, code) = probe(&app, method, &path, &session).await;
        assert!(status < 500 && !AUTH_REFUSALS.contains(&code.as_str()), "{route} with a session: {status} {code}");

        for (name, token, has_write) in [("read", &read, false), ("read-write", &read_write, true)] {
            let (status, code) = probe(&app, method, &path, token).await;
            let context = format!("{route} with a {name} token: {status} {code}");
            if session_only {
                assert_eq!((status, code.as_str()), (403, "auth:session_required"), "{context}");
            } else if is_read || has_write {
                assert!(status < 500 && !AUTH_REFUSALS.contains(&code.as_str()), "{context}");
            } else {
                assert_eq!((status, code.as_str()), (403, "auth:insufficient_scope"), "{context}");
            }
        }
    }
}

#[tokio::test]
async fn a_personal_access_token_is_shown_once_and_listed_without_its_secret() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app
        .post(
            "/v1/me/tokens",
            Some(&jane.token),
            json!({ "name": "backup", "scopes": ["user:read"], "expiresInDays": 30 }),
        )
        .await;
    let created = reply.assert_status(201).clone();
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("pat_") && token.len() >= 4 + 43, "{token}");
    assert_eq!(created["name"], "backup");
    assert_eq!(created["scopes"], json!(["user:read"]));
    assert!(token.starts_with(created["prefix"].as_str().unwrap()));
    assert!(created["expiresAt"].is_string());
    assert_eq!(created["lastUsedAt"], Value::Null);

    let me = app.get("/v1/me", Some(&token)).await;
    assert_eq!(me.assert_status(200)["username"], "jane");

    let list = app.get("/v1/me/tokens", Some(&jane.token)).await;
    let items = list.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], created["id"]);
    assert!(items[0]["lastUsedAt"].is_string(), "the use above is recorded");
    assert!(items[0].get("token").is_none());
    assert!(!list.body.to_string().contains(&token));
}

#[tokio::test]
async fn unknown_scopes_and_bad_names_are_refused() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    for scopes in [json!(["admin"]), json!([]), json!(["user:read", "user:delete"])] {
        let reply = app.post("/v1/me/tokens", Some(&jane.token), json!({ "name": "x", "scopes": scopes })).await;
        reply.assert_error(400, "token:invalid_scope");
    }
    let reply = app.post("/v1/me/tokens", Some(&jane.token), json!({ "name": " ", "scopes": ["user:read"] })).await;
    reply.assert_error(400, "validation:invalid_input");
    let reply = app
        .post("/v1/me/tokens", Some(&jane.token), json!({ "name": "x", "scopes": ["user:read"], "expiresInDays": 0 }))
        .await;
    reply.assert_error(400, "validation:invalid_input");
}

#[tokio::test]
async fn a_token_can_not_manage_tokens_or_act_beyond_its_scope() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let read = app.create_pat(&jane.token, &["user:read"]).await;
    app.post("/v1/me/tokens", Some(&read), json!({ "name": "x", "scopes": ["user:read"] }))
        .await
        .assert_error(403, "auth:session_required");
    app.call(Method::PATCH, "/v1/me", Some(&read), Some(json!({ "bio": "x" })))
        .await
        .assert_error(403, "auth:insufficient_scope");
    app.post("/v1/auth/logout", Some(&read), json!({})).await.assert_error(403, "auth:session_required");
    let write = app.create_pat(&jane.token, &["user:write"]).await;
    let reply = app.call(Method::PATCH, "/v1/me", Some(&write), Some(json!({ "bio": "from a token" }))).await;
    assert_eq!(reply.assert_status(200)["bio"], "from a token");
}

#[tokio::test]
async fn a_revoked_token_stops_working_at_once_and_last_use_is_written_at_most_once_a_minute() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let token = app.create_pat(&jane.token, &["user:read"]).await;
    let last_used = || async {
        app.get("/v1/me", Some(&token)).await.assert_status(200);
        let list = app.get("/v1/me/tokens", Some(&jane.token)).await;
        list.assert_status(200)["items"][0]["lastUsedAt"].as_str().unwrap().to_string()
    };
    let first = last_used().await;
    app.clock.advance(Duration::seconds(30));
    assert_eq!(last_used().await, first);
    app.clock.advance(Duration::seconds(31));
    assert_ne!(last_used().await, first);

    let id = app.get("/v1/me/tokens", Some(&jane.token)).await.body["items"][0]["id"].as_str().unwrap().to_string();
    app.call(Method::DELETE, &format!("/v1/me/tokens/{id}"), Some(&jane.token), None).await.assert_status(204);
    app.get("/v1/me", Some(&token)).await.assert_error(401, "auth:unauthenticated");
    app.call(Method::DELETE, &format!("/v1/me/tokens/{id}"), Some(&jane.token), None)
        .await
        .assert_error(404, "token:not_found");
}

#[tokio::test]
async fn another_accounts_token_can_not_be_revoked() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let john = app.register_as("john").await;
    let token = app.create_pat(&jane.token, &["user:read"]).await;
    let id = app.get("/v1/me/tokens", Some(&jane.token)).await.body["items"][0]["id"].as_str().unwrap().to_string();
    app.call(Method::DELETE, &format!("/v1/me/tokens/{id}"), Some(&john.token), None)
        .await
        .assert_error(404, "token:not_found");
    app.get("/v1/me", Some(&token)).await.assert_status(200);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app
        .post("/v1/me/tokens", Some(&jane.token), json!({ "name": "x", "scopes": ["user:read"], "expiresInDays": 1 }))
        .await;
    let token = reply.assert_status(201)["token"].as_str().unwrap().to_string();
    app.clock.advance(Duration::hours(23));
    app.get("/v1/me", Some(&token)).await.assert_status(200);
    app.clock.advance(Duration::hours(1) + Duration::seconds(1));
    app.get("/v1/me", Some(&token)).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn token_revocation_is_seen_by_another_node_on_the_same_database() {
    let app = spawn_app().await;
    let other_node = spawn_node_of(&app, |_| {}).await;
    let jane = app.register_as("jane").await;
    let token = app.create_pat(&jane.token, &["user:read"]).await;
    other_node.get("/v1/me", Some(&token)).await.assert_status(200);
    other_node.get("/v1/me", Some(&jane.token)).await.assert_status(200);

    let id = app.get("/v1/me/tokens", Some(&jane.token)).await.body["items"][0]["id"].as_str().unwrap().to_string();
    app.call(Method::DELETE, &format!("/v1/me/tokens/{id}"), Some(&jane.token), None).await.assert_status(204);
    other_node.get("/v1/me", Some(&token)).await.assert_error(401, "auth:unauthenticated");

    app.post("/v1/auth/logout", Some(&jane.token), json!({})).await.assert_status(204);
    other_node.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn the_upload_token_is_made_once_shown_again_and_replaced_at_once() {
    let app = spawn_app_with(|config| config.introspection_secret = Some("s3cret-for-files".to_string().into())).await;
    let jane = app.register_as("jane").await;
    let first = app.get("/v1/me/upload-token", Some(&jane.token)).await;
    let token = first.assert_status(200)["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("upl_"), "{token}");
    let again = app.get("/v1/me/upload-token", Some(&jane.token)).await;
    assert_eq!(again.assert_status(200)["token"], token.as_str());
    assert_eq!(again.body["createdAt"], first.body["createdAt"]);

    app.get("/v1/me", Some(&token)).await.assert_error(401, "auth:unauthenticated");

    let introspect = |token: String| {
        let app = &app;
        async move {
            let request = app.client.post(app.url("/v1/auth/introspect")).bearer_auth("s3cret-for-files");
            app.send(request.json(&json!({ "token": token }))).await
        }
    };
    let active = introspect(token.clone()).await;
    let body = active.assert_status(200);
    assert_eq!(body["active"], true);
    assert_eq!(body["kind"], "upload");
    assert_eq!(body["userId"], jane.id.as_str());
    assert_eq!(body["username"], "jane");

    let regenerated = app.post("/v1/me/upload-token", Some(&jane.token), json!({})).await;
    let new_token = regenerated.assert_status(200)["token"].as_str().unwrap().to_string();
    assert_ne!(new_token, token);
    assert_eq!(introspect(token).await.assert_status(200), &json!({ "active": false }));
    assert_eq!(introspect(new_token.clone()).await.assert_status(200)["active"], true);
    let shown = app.get("/v1/me/upload-token", Some(&jane.token)).await;
    assert_eq!(shown.assert_status(200)["token"], new_token.as_str());
}

#[tokio::test]
async fn introspection_tells_kind_owner_and_scopes_with_the_right_secret_only() {
    let app = spawn_app_with(|config| config.introspection_secret = Some("s3cret-for-files".to_string().into())).await;
    let jane = app.register_as("jane").await;
    let pat = app.create_pat(&jane.token, &["user:read"]).await;
    let introspect = |secret: &'static str, token: String| {
        let app = &app;
        async move {
            let request = app.client.post(app.url("/v1/auth/introspect")).bearer_auth(secret);
            app.send(request.json(&json!({ "token": token }))).await
        }
    };
    let reply = introspect("s3cret-for-files", pat.clone()).await;
    let body = reply.assert_status(200);
    assert_eq!((body["active"].clone(), body["kind"].clone()), (json!(true), json!("pat")));
    assert_eq!(body["scopes"], json!(["user:read"]));
    assert_eq!(body["expiresAt"], Value::Null);
    let reply = introspect("s3cret-for-files", jane.token.clone()).await;
    assert_eq!(reply.assert_status(200)["kind"], "session");
    assert!(reply.body["expiresAt"].is_string());
    let reply = introspect("s3cret-for-files", "pat_nonsense".into()).await;
    assert_eq!(reply.assert_status(200), &json!({ "active": false }));

    introspect("s3cret-for-filez", pat.clone()).await.assert_error(401, "auth:unauthenticated");
    introspect("s3cret", pat.clone()).await.assert_error(401, "auth:unauthenticated");
    let no_secret = app.send(app.client.post(app.url("/v1/auth/introspect")).json(&json!({ "token": pat }))).await;
    no_secret.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn introspection_is_off_without_a_secret() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app.post("/v1/auth/introspect", Some(&jane.token), json!({ "token": jane.token })).await;
    reply.assert_error(404, "request:not_found");
}

#[tokio::test]
async fn limits_report_real_counts_and_tokens_past_the_limit_are_refused() {
    let app = spawn_app_with(|config| config.limits.personal_access_tokens = 2).await;
    let jane = app.register_as("jane").await;
    app.login_token("jane").await;
    app.create_pat(&jane.token, &["user:read"]).await;
    let limits = app.get("/v1/me/limits", Some(&jane.token)).await;
    let body = limits.assert_status(200);
    assert_eq!(body["personalAccessTokens"], json!({ "used": 1, "limit": 2 }));
    assert_eq!(body["sessions"], json!({ "used": 2, "limit": 100 }));
    assert_eq!(body["additionalAddresses"], json!({ "used": 0, "limit": 5 }));
    assert_eq!(body["storage"], json!({ "used": 0, "limit": 1073741824 }));

    app.create_pat(&jane.token, &["user:read"]).await;
    let reply = app.post("/v1/me/tokens", Some(&jane.token), json!({ "name": "x", "scopes": ["user:read"] })).await;
    reply.assert_error(409, "limit:exceeded");
}

#[tokio::test]
async fn past_the_session_limit_the_least_recently_used_session_ends() {
    let app = spawn_app_with(|config| config.limits.sessions = 2).await;
    let jane = app.register_as("jane").await;
    let second = app.login_token("jane").await;
    let third = app.login_token("jane").await;
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
    app.get("/v1/me", Some(&second)).await.assert_status(200);
    let limits = app.get("/v1/me/limits", Some(&third)).await;
    assert_eq!(limits.assert_status(200)["sessions"], json!({ "used": 2, "limit": 2 }));
}

#[tokio::test]
async fn a_database_dump_holds_no_token_in_clear_text() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let session = app.login_token("jane").await;
    let pat = app.create_pat(&session, &["user:read", "user:write"]).await;
    let upload =
        app.get("/v1/me/upload-token", Some(&session)).await.assert_status(200)["token"].as_str().unwrap().to_string();
    let values = app.dump_database().await;
    assert!(values.iter().any(|value| value.contains("jane")), "the dump reads the data");
    for token in [&jane.token, &session, &pat, &upload] {
        let secret_part = &token[4..];
        assert!(
            !values.iter().any(|value| value.contains(secret_part)),
            "a token ({}…) is stored in clear text",
            &token[..8]
        );
    }
}
