//! Account recovery returns the account clean, and a credential change voids the links
//! mailed before it (API.md "Email verification and password reset").

use accountd_core::Clock as _;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, MailSink, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "Brand-New-Pass-7";

/// Waits for a mail to `recipient` with a `{app}{path}` link and returns its token.
async fn mailed_token(app: &TestApp, sink: &MailSink, recipient: &str, path: &str) -> String {
    let prefix = format!("{}{path}", app.address);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let found = sink
            .messages()
            .into_iter()
            .rev()
            .find(|mail| mail.to.eq_ignore_ascii_case(recipient) && mail.text.contains(&prefix));
        if let Some(mail) = found {
            return mail.token(&app.address, path);
        }
        assert!(std::time::Instant::now() < deadline, "no {path} mail for {recipient}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Asks for a reset link for `email` and returns its token (the test's only one).
async fn reset_link(app: &TestApp, sink: &MailSink, email: &str) -> String {
    app.post("/v1/auth/forgot-password", None, json!({ "email": email })).await.assert_status(202);
    mailed_token(app, sink, email, "/reset-password?token=").await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> crate::helpers::Reply {
    app.post("/v1/auth/reset-password", None, json!({ "token": token, "newPassword": password })).await
}

async fn verify_email(app: &TestApp, sink: &MailSink, email: &str) {
    let token = mailed_token(app, sink, email, "/verify-email?token=").await;
    app.post("/v1/auth/verify-email", None, json!({ "token": token })).await.assert_status(200);
}

async fn introspect(app: &TestApp, token: &str) -> Value {
    let request = app.client.post(app.url("/v1/auth/introspect")).bearer_auth("s3cret-for-files");
    app.send(request.json(&json!({ "token": token }))).await.assert_status(200).clone()
}

async fn mail_app() -> (TestApp, MailSink) {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| {
        config.smtp_url = Some(url);
        config.introspection_secret = Some("s3cret-for-files".to_string().into());
    })
    .await;
    (app, sink)
}

#[tokio::test]
async fn a_reset_revokes_every_session_and_personal_access_token_and_replaces_the_upload_token() {
    let (app, sink) = mail_app().await;
    let jane = app.register_as("jane").await;
    verify_email(&app, &sink, &jane.email).await;
    let other_session = app.login_token("jane").await;
    let pat = app.create_pat(&jane.token, &["user:read", "user:write"]).await;
    let upload = app.get("/v1/me/upload-token", Some(&jane.token)).await.assert_status(200)["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(introspect(&app, &upload).await["active"], true);

    let token = reset_link(&app, &sink, &jane.email).await;
    reset(&app, &token, NEW_PASSWORD).await.assert_status(204);

    for revoked in [&jane.token, &other_session, &pat] {
        app.get("/v1/me", Some(revoked)).await.assert_error(401, "auth:unauthenticated");
    }
    assert_eq!(introspect(&app, &upload).await, json!({ "active": false }));
    let session =
        app.login("jane", NEW_PASSWORD).await.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/v1/me/tokens", Some(&session)).await.assert_status(200)["items"], json!([]));
    let replaced =
        app.get("/v1/me/upload-token", Some(&session)).await.assert_status(200)["token"].as_str().unwrap().to_string();
    assert_ne!(replaced, upload);
    assert_eq!(introspect(&app, &replaced).await["active"], true);
}

/// The pre-hijack of issue 11: a squatter signs up with the victim's address (never
/// verified), plants a token, two-factor, a linked identity and an address, and silences
/// security mail; the victim, refused at sign-up, recovers the account by mail.
#[tokio::test]
async fn a_reset_of_a_never_verified_account_returns_it_clean_to_the_mailbox_owner() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let (app, _provider) = crate::oauth::oidc_app_with(|config, _| {
        config.smtp_url = Some(url);
        config.introspection_secret = Some("s3cret-for-files".to_string().into());
    })
    .await;
    let victim = "victim@example.com";

    // The squatter.
    let signed_up =
        app.post("/v1/users", None, json!({ "email": victim, "username": "squatter", "password": PASSWORD })).await;
    let squatter = signed_up.assert_status(201)["session"]["token"].as_str().unwrap().to_string();
    let pat = app.create_pat(&squatter, &["user:read", "user:write"]).await;
    let upload =
        app.get("/v1/me/upload-token", Some(&squatter)).await.assert_status(200)["token"].as_str().unwrap().to_string();
    let identity = "squatter-idp:squatter@elsewhere.example:true";
    app.oidc_link(&squatter, identity).await.assert_status(201);
    let added = app.post("/v1/me/addresses", Some(&squatter), json!({ "address": "squatter.alt@example.com" })).await;
    let address_id = added.assert_status(201)["id"].as_str().unwrap().to_string();
    let address_token = mailed_token(&app, &sink, "squatter.alt@example.com", "/verify-address?").await;
    app.post_owned(
        format!("/v1/me/addresses/{address_id}/verify"),
        Some(squatter.clone()),
        json!({ "token": address_token }),
    )
    .await
    .assert_status(200);
    let setup = app.post("/v1/me/2fa/setup", Some(&squatter), json!({ "password": PASSWORD })).await;
    let totp = totp_rs::TOTP::from_url(setup.assert_status(200)["otpauthUri"].as_str().unwrap()).unwrap();
    let code = totp.generate(u64::try_from(app.clock.now().timestamp()).unwrap());
    app.post("/v1/me/2fa/enable", Some(&squatter), json!({ "code": code, "password": PASSWORD }))
        .await
        .assert_status(200);
    let silenced =
        json!({ "notifications": { "email": { "security": false, "product": false, "weeklyDigest": false } } });
    app.call(Method::PATCH, "/v1/me", Some(&squatter), Some(silenced)).await.assert_status(200);
    assert_eq!(app.login(victim, PASSWORD).await.assert_status(200)["mfaRequired"], true);

    // The mailbox's owner.
    app.post("/v1/users", None, json!({ "email": victim, "username": "rightful", "password": NEW_PASSWORD }))
        .await
        .assert_error(409, "user:email_taken");
    app.post("/v1/auth/forgot-password", None, json!({ "email": victim })).await.assert_status(202);
    let token = mailed_token(&app, &sink, victim, "/reset-password?token=").await;
    reset(&app, &token, NEW_PASSWORD).await.assert_status(204);

    app.get("/v1/me", Some(&squatter)).await.assert_error(401, "auth:unauthenticated");
    app.get("/v1/me", Some(&pat)).await.assert_error(401, "auth:unauthenticated");
    app.call(Method::PATCH, "/v1/me", Some(&pat), Some(json!({ "bio": "still here" })))
        .await
        .assert_error(401, "auth:unauthenticated");
    assert_eq!(introspect(&app, &upload).await, json!({ "active": false }));
    app.login(victim, PASSWORD).await.assert_error(401, "auth:invalid_credentials");

    let login = app.login(victim, NEW_PASSWORD).await;
    let body = login.assert_status(200);
    assert!(body.get("mfaRequired").is_none(), "{body}");
    let owner = body["session"]["token"].as_str().unwrap().to_string();
    let me = app.get("/v1/me", Some(&owner)).await;
    let me = me.assert_status(200);
    assert_eq!(me["emailVerified"], true);
    assert_eq!(me["twoFactorEnabled"], false);
    assert_eq!(me["additionalAddresses"], json!([]));
    assert_eq!(me["linkedAccounts"], json!([]));
    assert_eq!(app.get("/v1/me/tokens", Some(&owner)).await.assert_status(200)["items"], json!([]));
    assert_eq!(app.linked(&owner).await, Vec::<Value>::new());
    // The squatter's identity signs in to nothing, and its address is free again.
    assert_eq!(app.oidc_login(identity).await.assert_status(200)["signupRequired"], true);
    app.post("/v1/me/addresses", Some(&owner), json!({ "address": "squatter.alt@example.com" }))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn a_reset_of_a_verified_account_keeps_its_addresses() {
    let (app, sink) = mail_app().await;
    let jane = app.register_as("jane").await;
    verify_email(&app, &sink, &jane.email).await;
    app.post("/v1/me/addresses", Some(&jane.token), json!({ "address": "jane.work@example.com" }))
        .await
        .assert_status(201);
    let token = reset_link(&app, &sink, &jane.email).await;
    reset(&app, &token, NEW_PASSWORD).await.assert_status(204);
    let session =
        app.login("jane", NEW_PASSWORD).await.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    let addresses = app.get("/v1/me/addresses", Some(&session)).await;
    assert_eq!(addresses.assert_status(200)["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn registration_refuses_another_accounts_verified_additional_address() {
    let (app, sink) = mail_app().await;
    let jane = app.register_as("jane").await;
    let added = app.post("/v1/me/addresses", Some(&jane.token), json!({ "address": "jane.work@example.com" })).await;
    let id = added.assert_status(201)["id"].as_str().unwrap().to_string();
    let token = mailed_token(&app, &sink, "jane.work@example.com", "/verify-address?").await;
    app.post_owned(format!("/v1/me/addresses/{id}/verify"), Some(jane.token.clone()), json!({ "token": token }))
        .await
        .assert_status(200);
    let register = |email: &'static str| {
        app.post("/v1/users", None, json!({ "email": email, "username": "mallory", "password": PASSWORD }))
    };
    register("jane.work@example.com").await.assert_error(409, "user:email_taken");
    register("JANE.WORK@example.com").await.assert_error(409, "user:email_taken");
}

#[tokio::test]
async fn a_reset_link_mailed_before_a_password_change_stops_working() {
    let (app, sink) = mail_app().await;
    let jane = app.register_as("jane").await;
    let token = reset_link(&app, &sink, &jane.email).await;
    let changed = app
        .call(
            Method::PUT,
            "/v1/me/password",
            Some(&jane.token),
            Some(json!({ "currentPassword": PASSWORD, "newPassword": NEW_PASSWORD })),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.body);
    reset(&app, &token, "Another-Pass-8").await.assert_error(400, "token:invalid");
    app.login("jane", NEW_PASSWORD).await.assert_status(200);
}

#[tokio::test]
async fn a_reset_link_mailed_to_the_old_address_stops_working_after_an_email_change() {
    let (app, sink) = mail_app().await;
    let jane = app.register_as("jane").await;
    let old_link = reset_link(&app, &sink, &jane.email).await;
    app.post("/v1/me/email", Some(&jane.token), json!({ "email": "jane.new@example.com", "password": PASSWORD }))
        .await
        .assert_status(202);
    let confirm = mailed_token(&app, &sink, "jane.new@example.com", "/confirm-email-change?token=").await;
    app.post("/v1/auth/confirm-email-change", None, json!({ "token": confirm })).await.assert_status(200);
    reset(&app, &old_link, NEW_PASSWORD).await.assert_error(400, "token:invalid");
    app.login("jane", PASSWORD).await.assert_status(200);
}

#[tokio::test]
async fn a_reset_voids_an_email_change_waiting_for_confirmation() {
    let (app, sink) = mail_app().await;
    let jane = app.register_as("jane").await;
    app.post("/v1/me/email", Some(&jane.token), json!({ "email": "jane.new@example.com", "password": PASSWORD }))
        .await
        .assert_status(202);
    let confirm = mailed_token(&app, &sink, "jane.new@example.com", "/confirm-email-change?token=").await;
    let token = reset_link(&app, &sink, &jane.email).await;
    reset(&app, &token, NEW_PASSWORD).await.assert_status(204);
    app.post("/v1/auth/confirm-email-change", None, json!({ "token": confirm }))
        .await
        .assert_error(400, "token:invalid");
    let session =
        app.login("jane", NEW_PASSWORD).await.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/v1/me", Some(&session)).await.assert_status(200)["email"], jane.email.as_str());
}
