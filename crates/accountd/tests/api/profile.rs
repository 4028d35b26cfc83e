use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn me_returns_the_profile() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app.get("/v1/me", Some(&jane.token)).await;
    let me = reply.assert_status(200);
    assert_eq!(me["id"], jane.id.as_str());
    assert_eq!(me["email"], jane.email.as_str());
    for field in ["createdAt", "updatedAt"] {
        assert!(me[field].as_str().unwrap().ends_with('Z'), "{field}");
    }
    for field in ["avatarUrl", "bannerUrl", "discordWebhookUrl", "displayName"] {
        assert_eq!(me[field], Value::Null, "{field}");
    }
}

#[tokio::test]
async fn the_profile_can_be_changed_field_by_field() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let patch = |body: Value| app.call(Method::PATCH, "/v1/me", Some(&jane.token), Some(body));

    let reply =
        patch(json!({ "displayName": "  Jane Doe ", "bio": "Hello\nthere", "preferences": { "theme": "dark" } })).await;
    let me = reply.assert_status(200);
    assert_eq!(me["displayName"], "Jane Doe");
    assert_eq!(me["bio"], "Hello\nthere");
    assert_eq!(me["preferences"], json!({ "theme": "dark", "streamerMode": false, "locale": "en" }));

    let me = patch(json!({ "preferences": { "streamerMode": true, "locale": "pt-BR" }, "notifications": { "email": { "product": true } } })).await;
    let me = me.assert_status(200);
    assert_eq!(me["preferences"], json!({ "theme": "dark", "streamerMode": true, "locale": "pt-BR" }));
    assert_eq!(me["notifications"], json!({ "email": { "security": true, "product": true, "weeklyDigest": false } }));
    assert_eq!(me["displayName"], "Jane Doe", "absent fields stay");

    let me = patch(json!({ "discordWebhookUrl": "https://discord.com/api/webhooks/1/abc" })).await;
    assert_eq!(me.assert_status(200)["discordWebhookUrl"], "https://discord.com/api/webhooks/1/abc");
    let me = patch(json!({ "discordWebhookUrl": null, "displayName": null })).await;
    let me = me.assert_status(200);
    assert_eq!(me["discordWebhookUrl"], Value::Null);
    assert_eq!(me["displayName"], Value::Null);

    let fetched = app.get("/v1/me", Some(&jane.token)).await;
    assert_eq!(fetched.assert_status(200)["preferences"]["locale"], "pt-BR");
    assert_ne!(fetched.body["updatedAt"], fetched.body["createdAt"]);
}

#[tokio::test]
async fn invalid_profile_changes_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let patch = |body: Value| app.call(Method::PATCH, "/v1/me", Some(&jane.token), Some(body));
    let long_name = patch(json!({ "displayName": "x".repeat(65), "bio": "kept?" })).await;
    long_name.assert_error(400, "validation:invalid_input");
    assert!(long_name.body["fields"]["displayName"].is_string());
    patch(json!({ "bio": "x".repeat(501) })).await.assert_error(400, "validation:invalid_input");
    patch(json!({ "discordWebhookUrl": "http://discord.com/api/webhooks/1/abc" }))
        .await
        .assert_error(400, "validation:invalid_input");
    patch(json!({ "discordWebhookUrl": "not a url" })).await.assert_error(400, "validation:invalid_input");
    patch(json!({ "preferences": { "locale": "<script>" } })).await.assert_error(400, "validation:invalid_input");
    patch(json!({ "preferences": { "theme": "purple" } })).await.assert_error(400, "request:invalid_body");
    patch(json!({ "bio": 42 })).await.assert_error(400, "request:invalid_body");
    let me = app.get("/v1/me", Some(&jane.token)).await;
    assert_eq!(me.assert_status(200)["bio"], "");
    assert_eq!(me.body["preferences"]["theme"], "system");
}

#[tokio::test]
async fn profile_text_is_normalised_and_refuses_invisible_and_reordering_characters() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let patch = |body: Value| app.call(Method::PATCH, "/v1/me", Some(&jane.token), Some(body));
    for (field, refused) in [
        ("displayName", "Jane\u{202E}eoD"),
        ("displayName", "Ja\u{200C}ne"),
        ("bio", "evil\u{2067}text"),
        ("bio", "a\u{2060}b"),
        ("bio", "\u{FEFF}hello"),
        ("bio", "bell\u{7}"),
        ("bio", "c1\u{85}"),
    ] {
        let reply = patch(json!({ field: refused })).await;
        reply.assert_error(400, "validation:invalid_input");
        assert!(reply.body["fields"][field].is_string(), "{refused:?}: {}", reply.body);
    }
    let me = app.get("/v1/me", Some(&jane.token)).await;
    assert_eq!((me.assert_status(200)["bio"].clone(), me.body["displayName"].clone()), (json!(""), Value::Null));

    let me =
        patch(json!({ "displayName": "Ame\u{301}lie", "bio": "line one\nline two \u{1F469}\u{200D}\u{1F4BB}" })).await;
    let me = me.assert_status(200);
    assert_eq!(me["displayName"], "Am\u{e9}lie");
    assert_eq!(me["bio"], "line one\nline two \u{1F469}\u{200D}\u{1F4BB}");
}

#[tokio::test]
async fn a_webhook_url_at_a_forbidden_target_or_with_credentials_is_refused() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let patch =
        |url: &str| app.call(Method::PATCH, "/v1/me", Some(&jane.token), Some(json!({ "discordWebhookUrl": url })));
    for forbidden in [
        "https://localhost/api/webhooks/1/abc",
        "https://hooks.localhost/api/webhooks/1/abc",
        "https://127.0.0.1/api/webhooks/1/abc",
        "https://[::1]/api/webhooks/1/abc",
        "https://[::ffff:127.0.0.1]/api/webhooks/1/abc",
        "https://10.0.0.5/api/webhooks/1/abc",
        "https://192.168.1.1/api/webhooks/1/abc",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://0.0.0.0/api/webhooks/1/abc",
    ] {
        patch(forbidden).await.assert_error(400, "webhook:forbidden_target");
    }
    for malformed in ["https://user:pass@discord.com/api/webhooks/1/abc", "http://93.184.216.34/api/webhooks/1/abc"] {
        let reply = patch(malformed).await;
        reply.assert_error(400, "validation:invalid_input");
        assert!(reply.body["fields"]["discordWebhookUrl"].is_string(), "{malformed}");
    }
    let me = app.get("/v1/me", Some(&jane.token)).await;
    assert_eq!(me.assert_status(200)["discordWebhookUrl"], Value::Null);
    let public = patch("https://93.184.216.34/api/webhooks/1/abc").await;
    assert_eq!(public.assert_status(200)["discordWebhookUrl"], "https://93.184.216.34/api/webhooks/1/abc");
}

#[tokio::test]
async fn private_webhook_targets_are_allowed_when_configured() {
    let app = spawn_app_with(|config| config.webhooks.allow_private_targets = true).await;
    let jane = app.register_as("jane").await;
    let patch =
        |url: &str| app.call(Method::PATCH, "/v1/me", Some(&jane.token), Some(json!({ "discordWebhookUrl": url })));
    let private = patch("https://10.0.0.5/api/webhooks/1/abc").await;
    assert_eq!(private.assert_status(200)["discordWebhookUrl"], "https://10.0.0.5/api/webhooks/1/abc");
    patch("https://localhost/api/webhooks/1/abc").await.assert_error(400, "webhook:forbidden_target");
    patch("https://169.254.169.254/").await.assert_error(400, "webhook:forbidden_target");
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app
        .call(
            Method::PATCH,
            "/v1/me",
            Some(&jane.token),
            Some(json!({ "bio": "ok", "role": "admin", "emailVerified": true })),
        )
        .await;
    let me = reply.assert_status(200);
    assert_eq!(me["bio"], "ok");
    assert_eq!(me["role"], "user");
    assert_eq!(me["emailVerified"], false);
}
