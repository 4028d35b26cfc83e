use reqwest::Method;
use serde_json::json;

use crate::helpers::{session_cookie, spawn_app, spawn_app_with, PASSWORD};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

#[tokio::test]
async fn login_by_username_or_email_in_any_case() {
    let app = spawn_app().await;
    app.register_as("jane").await;
    for identifier in ["jane", "JANE", "jane@example.com", "Jane@Example.com", "  jane  "] {
        let reply = app.login(identifier, PASSWORD).await;
        let body = reply.assert_status(200);
        assert_eq!(body["user"]["username"], "jane");
        assert!(body["session"]["token"].as_str().unwrap().starts_with("ses_"));
        assert!(body["user"]["lastLoginAt"].is_string());
        assert!(session_cookie(&reply.headers).unwrap().contains("HttpOnly"));
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    app.register_as("jane").await;
    let wrong_password = app.login("jane", "Wrong-Horse-9").await;
    let unknown_user = app.login("nobody", "Wrong-Horse-9").await;
    wrong_password.assert_error(401, "auth:invalid_credentials");
    assert_eq!(wrong_password.body, unknown_user.body);
    // Passwords are compared exactly as sent.
    app.login("jane", &format!(" {PASSWORD}")).await.assert_error(401, "auth:invalid_credentials");
    app.login("jane", &PASSWORD.to_lowercase()).await.assert_error(401, "auth:invalid_credentials");
    app.login("", "").await.assert_error(401, "auth:invalid_credentials");
}

#[tokio::test]
async fn a_banned_account_cannot_log_in_and_its_sessions_stop_working() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    app.execute_sql(&format!("UPDATE users SET banned = TRUE WHERE username = '{}'", jane.username)).await;
    app.login("jane", PASSWORD).await.assert_error(403, "auth:account_banned");
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
    // A wrong password does not reveal the ban.
    app.login("jane", "Wrong-Horse-9").await.assert_error(401, "auth:invalid_credentials");
}

#[tokio::test]
async fn unverified_accounts_are_refused_when_configuration_requires_it() {
    let app = spawn_app_with(|config| config.auth.require_verified_email = true).await;
    app.register_as("jane").await;
    app.login("jane", PASSWORD).await.assert_error(403, "auth:email_not_verified");
}

#[tokio::test]
async fn logout_revokes_the_session_and_clears_the_cookie() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app.call(Method::POST, "/v1/auth/logout", Some(&jane.token), None).await;
    assert_eq!(reply.status, 204);
    assert!(session_cookie(&reply.headers).unwrap().contains("Max-Age=0"));
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
    app.call(Method::POST, "/v1/auth/logout", Some(&jane.token), None).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn missing_garbage_expired_and_revoked_tokens_are_401() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    app.get("/v1/me", None).await.assert_error(401, "auth:unauthenticated");
    for garbage in [
        "garbage",
        "ses_",
        "ses_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "pat_whatever",
        "upl_whatever",
        &jane.token[..20],
    ] {
        app.get("/v1/me", Some(garbage)).await.assert_error(401, "auth:unauthenticated");
    }
    let basic =
        app.send(app.client.get(app.url("/v1/me")).header("authorization", format!("Basic {}", jane.token))).await;
    basic.assert_error(401, "auth:unauthenticated");

    let revoked = app.login_token("jane").await;
    app.call(Method::DELETE, "/v1/me/sessions?keepCurrent=true", Some(&jane.token), None).await.assert_status(204);
    app.get("/v1/me", Some(&revoked)).await.assert_error(401, "auth:unauthenticated");

    app.clock.advance(chrono::Duration::days(15));
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn sessions_slide_while_used() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    app.clock.advance(chrono::Duration::days(10));
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
    app.clock.advance(chrono::Duration::days(10));
    // Twenty days after login, alive: the use on day ten moved the expiry to day twenty-four.
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
    app.clock.advance(chrono::Duration::days(15));
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn the_session_ttl_is_configurable() {
    let app = spawn_app_with(|config| config.auth.session_ttl_days = 1).await;
    let jane = app.register_as("jane").await;
    app.clock.advance(chrono::Duration::hours(25));
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn the_session_cookie_authenticates_and_is_renewed_when_the_session_slides() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let cookie = format!("accountd_session={}", jane.token);
    let me = app.send(app.client.get(app.url("/v1/me")).header("cookie", &cookie)).await;
    assert_eq!(me.assert_status(200)["username"], "jane");
    assert!(session_cookie(&me.headers).is_none(), "no renewal within the first minute");
    app.clock.advance(chrono::Duration::minutes(2));
    let later = app.send(app.client.get(app.url("/v1/me")).header("cookie", &cookie)).await;
    later.assert_status(200);
    assert!(session_cookie(&later.headers).unwrap().contains(&jane.token));
}

#[tokio::test]
async fn cookie_requests_from_a_foreign_origin_are_refused() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let cookie = format!("accountd_session={}", jane.token);
    let patch = |origin: Option<&str>| {
        let mut request = app.client.patch(app.url("/v1/me")).header("cookie", &cookie).json(&json!({ "bio": "hi" }));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        app.send(request)
    };
    patch(Some("https://evil.example")).await.assert_error(403, "auth:csrf_rejected");
    patch(None).await.assert_error(403, "auth:csrf_rejected");
    patch(Some(&app.address)).await.assert_status(200);
    let referer = app
        .send(
            app.client
                .patch(app.url("/v1/me"))
                .header("cookie", &cookie)
                .header("referer", format!("{}/settings", app.address))
                .json(&json!({ "bio": "hi" })),
        )
        .await;
    referer.assert_status(200);
    // Safe methods and bearer requests are not checked.
    app.send(app.client.get(app.url("/v1/me")).header("cookie", &cookie).header("origin", "https://evil.example"))
        .await
        .assert_status(200);
    let bearer = app
        .send(
            app.client
                .patch(app.url("/v1/me"))
                .bearer_auth(&jane.token)
                .header("origin", "https://evil.example")
                .json(&json!({ "bio": "x" })),
        )
        .await;
    bearer.assert_status(200);
    let logout = app
        .send(
            app.client
                .post(app.url("/v1/auth/logout"))
                .header("cookie", &cookie)
                .header("origin", "https://evil.example"),
        )
        .await;
    logout.assert_error(403, "auth:csrf_rejected");
}

#[tokio::test]
async fn allowed_origins_are_configurable() {
    let app = spawn_app_with(|config| config.allowed_origins = vec!["https://app.example.com".into()]).await;
    let jane = app.register_as("jane").await;
    let cookie = format!("accountd_session={}", jane.token);
    let from = |origin: &'static str| {
        app.send(
            app.client
                .patch(app.url("/v1/me"))
                .header("cookie", &cookie)
                .header("origin", origin)
                .json(&json!({ "bio": "x" })),
        )
    };
    from("https://app.example.com").await.assert_status(200);
    from("https://other.example.com").await.assert_error(403, "auth:csrf_rejected");
}

#[tokio::test]
async fn login_history_records_successes_and_failures_with_the_device() {
    let app = spawn_app().await;
    app.register_as("jane").await;
    let attempt = |password: &'static str| {
        app.send(
            app.client
                .post(app.url("/v1/auth/login"))
                .header("user-agent", FIREFOX)
                .json(&json!({ "identifier": "jane", "password": password })),
        )
    };
    attempt("Wrong-Horse-9").await.assert_error(401, "auth:invalid_credentials");
    let token = attempt(PASSWORD).await.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    let history = app.get("/v1/me/login-history", Some(&token)).await;
    let body = history.assert_status(200);
    assert_eq!(body["total"], 2);
    assert_eq!(body["limit"], 20);
    assert_eq!(body["offset"], 0);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items[0]["success"], true);
    assert_eq!(items[0]["method"], "password");
    assert_eq!(items[0]["failureReason"], serde_json::Value::Null);
    assert_eq!(items[0]["ip"], "127.0.0.1");
    assert_eq!(items[0]["userAgent"], FIREFOX);
    assert_eq!(items[0]["device"]["browser"], "Firefox");
    assert_eq!(items[0]["device"]["os"], "Linux");
    assert_eq!(items[1]["success"], false);
    assert_eq!(items[1]["failureReason"], "invalid_password");
    let page = app.get("/v1/me/login-history?limit=1&offset=1", Some(&token)).await;
    let page = page.assert_status(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["success"], false);
    app.get("/v1/me/login-history?limit=0", Some(&token)).await.assert_error(400, "validation:invalid_input");
    app.get("/v1/me/login-history?limit=101", Some(&token)).await.assert_error(400, "validation:invalid_input");
    app.get("/v1/me/login-history?limit=abc", Some(&token)).await.assert_error(400, "request:invalid_query");
}

#[tokio::test]
async fn a_spoofed_forwarded_for_is_ignored_from_an_untrusted_peer() {
    let app = spawn_app().await;
    app.register_as("jane").await;
    let reply = app
        .send(
            app.client
                .post(app.url("/v1/auth/login"))
                .header("x-forwarded-for", "6.6.6.6")
                .json(&json!({ "identifier": "jane", "password": PASSWORD })),
        )
        .await;
    let token = reply.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    let sessions = app.get("/v1/me/sessions", Some(&token)).await;
    assert!(sessions.assert_status(200)["items"].as_array().unwrap().iter().all(|s| s["ip"] == "127.0.0.1"));
}

#[tokio::test]
async fn forwarded_for_is_used_from_a_trusted_proxy() {
    let app = spawn_app_with(|config| config.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    app.register_as("jane").await;
    let reply = app
        .send(
            app.client
                .post(app.url("/v1/auth/login"))
                .header("x-forwarded-for", "198.51.100.7")
                .json(&json!({ "identifier": "jane", "password": PASSWORD })),
        )
        .await;
    let token = reply.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    let sessions = app.get("/v1/me/sessions", Some(&token)).await;
    let items = sessions.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.iter().find(|s| s["current"] == true).unwrap()["ip"], "198.51.100.7");
}
