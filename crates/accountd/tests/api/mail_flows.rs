//! Every flow that rides on mail, driven as a person would from their inbox:
//! the mail is read from a real SMTP listener and its link parsed as a client would.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with_mail, Account, MailSink, TestApp, PASSWORD};

async fn verification_token(app: &TestApp, sink: &MailSink, account: &Account, nth: usize) -> String {
    let mail = sink.wait_for(&account.email, nth).await;
    mail.token(&app.address, "/verify-email?token=")
}

#[tokio::test]
async fn registration_mails_a_link_that_verifies_the_email_once() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let mail = sink.wait_for(&jane.email, 1).await;
    assert!(!mail.subject.is_empty() && mail.subject.len() < 80);
    assert!(mail.html.contains("href=\""), "the mail has an HTML part with the link");
    let token = mail.token(&app.address, "/verify-email?token=");

    let reply = app.post("/v1/auth/verify-email", None, json!({ "token": token })).await;
    assert_eq!(reply.assert_status(200), &json!({ "emailVerified": true }));
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.body["emailVerified"], true);
    app.post("/v1/auth/verify-email", None, json!({ "token": token })).await.assert_error(400, "token:invalid");
    app.post("/v1/auth/verify-email", None, json!({ "token": "nonsense" })).await.assert_error(400, "token:invalid");
    app.post("/v1/auth/resend-verification", Some(&jane.token), json!({}))
        .await
        .assert_error(409, "email:already_verified");
}

#[tokio::test]
async fn verification_links_expire_after_a_day() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let token = verification_token(&app, &sink, &jane, 1).await;
    app.clock.advance(chrono::Duration::hours(25));
    app.post("/v1/auth/verify-email", None, json!({ "token": token })).await.assert_error(400, "token:invalid");
}

#[tokio::test]
async fn resending_verification_replaces_the_link_and_stops_mailing_past_the_cap() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let first = verification_token(&app, &sink, &jane, 1).await;
    assert_eq!(app.call(Method::POST, "/v1/auth/resend-verification", Some(&jane.token), None).await.status, 202);
    let second = verification_token(&app, &sink, &jane, 2).await;
    assert_ne!(first, second);
    app.post("/v1/auth/verify-email", None, json!({ "token": first })).await.assert_error(400, "token:invalid");
    for _ in 0..3 {
        assert_eq!(app.call(Method::POST, "/v1/auth/resend-verification", Some(&jane.token), None).await.status, 202);
    }
    sink.wait_for(&jane.email, 5).await;
    // Past the cap the answer is the same (API.md "Conventions"), and no mail goes out.
    assert_eq!(app.call(Method::POST, "/v1/auth/resend-verification", Some(&jane.token), None).await.status, 202);
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(sink.count_for(&jane.email), 5);
    app.call(Method::POST, "/v1/auth/resend-verification", None, None).await.assert_error(401, "auth:unauthenticated");
}

#[tokio::test]
async fn login_is_refused_until_the_email_is_verified_when_configuration_requires_it() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = crate::helpers::spawn_app_with(|config| {
        config.smtp_url = Some(url);
        config.auth.require_verified_email = true;
    })
    .await;
    let jane = app.register_as("jane").await;
    app.login("jane", PASSWORD).await.assert_error(403, "auth:email_not_verified");
    let token = verification_token(&app, &sink, &jane, 1).await;
    app.post("/v1/auth/verify-email", None, json!({ "token": token })).await.assert_status(200);
    app.login("jane", PASSWORD).await.assert_status(200);
}

#[tokio::test]
async fn forgot_password_answers_202_and_mails_only_known_addresses() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    sink.wait_for(&jane.email, 1).await;
    for email in ["nobody@example.com", "not an email", "JANE@EXAMPLE.COM"] {
        assert_eq!(app.post("/v1/auth/forgot-password", None, json!({ "email": email })).await.status, 202, "{email}");
    }
    let reset = sink.wait_for(&jane.email, 2).await;
    reset.token(&app.address, "/reset-password?token=");
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(sink.count_for("nobody@example.com"), 0);
    assert_eq!(sink.messages().len(), 2);
}

#[tokio::test]
async fn reset_password_sets_the_password_and_revokes_every_session() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let other = app.login_token("jane").await;
    app.post("/v1/auth/forgot-password", None, json!({ "email": jane.email })).await;
    let token = sink.wait_for(&jane.email, 2).await.token(&app.address, "/reset-password?token=");

    // A refused password leaves the link usable.
    app.post("/v1/auth/reset-password", None, json!({ "token": token, "newPassword": "short" }))
        .await
        .assert_error(400, "password:too_short");
    app.post("/v1/auth/reset-password", None, json!({ "token": token, "newPassword": PASSWORD }))
        .await
        .assert_error(400, "password:reused");
    let reply =
        app.post("/v1/auth/reset-password", None, json!({ "token": token, "newPassword": "Brand-New-Pass-7" })).await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
    app.get("/v1/me", Some(&other)).await.assert_error(401, "auth:unauthenticated");
    app.login("jane", PASSWORD).await.assert_error(401, "auth:invalid_credentials");
    app.login("jane", "Brand-New-Pass-7").await.assert_status(200);
    app.post("/v1/auth/reset-password", None, json!({ "token": token, "newPassword": "Another-Pass-8" }))
        .await
        .assert_error(400, "token:invalid");
}

#[tokio::test]
async fn reset_links_expire_after_an_hour() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    app.post("/v1/auth/forgot-password", None, json!({ "email": jane.email })).await;
    let token = sink.wait_for(&jane.email, 2).await.token(&app.address, "/reset-password?token=");
    app.clock.advance(chrono::Duration::minutes(61));
    app.post("/v1/auth/reset-password", None, json!({ "token": token, "newPassword": "Brand-New-Pass-7" }))
        .await
        .assert_error(400, "token:invalid");
}

#[tokio::test]
async fn concurrent_resets_with_one_token_succeed_once() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    app.post("/v1/auth/forgot-password", None, json!({ "email": jane.email })).await;
    let token = sink.wait_for(&jane.email, 2).await.token(&app.address, "/reset-password?token=");
    let attempts = ["First-New-Pass-1", "Second-New-Pass-2", "Third-New-Pass-3"]
        .map(|password| app.post("/v1/auth/reset-password", None, json!({ "token": token, "newPassword": password })));
    let replies = futures::future::join_all(attempts).await;
    assert_eq!(replies.iter().filter(|r| r.status == 204).count(), 1);
    for reply in replies.iter().filter(|r| r.status != 204) {
        reply.assert_error(400, "token:invalid");
    }
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_revokes_the_others() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let other = app.login_token("jane").await;
    let change = |current: &str, new: &str| {
        app.call(
            Method::PUT,
            "/v1/me/password",
            Some(&jane.token),
            Some(json!({ "currentPassword": current, "newPassword": new })),
        )
    };
    change("Wrong-Pass-1", "Brand-New-Pass-7").await.assert_error(401, "auth:invalid_credentials");
    app.call(Method::PUT, "/v1/me/password", Some(&jane.token), Some(json!({ "newPassword": "Brand-New-Pass-7" })))
        .await
        .assert_error(401, "auth:invalid_credentials");
    change(PASSWORD, PASSWORD).await.assert_error(400, "password:reused");
    change(PASSWORD, "weakpassword").await.assert_error(400, "password:too_weak");
    assert_eq!(change(PASSWORD, "Brand-New-Pass-7").await.status, 204);
    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
    app.get("/v1/me", Some(&other)).await.assert_error(401, "auth:unauthenticated");
    let notice = sink.wait_for(&jane.email, 2).await;
    assert!(notice.text.contains("password"), "{}", notice.text);
}

#[tokio::test]
async fn the_last_five_passwords_cannot_be_reused() {
    let (app, _sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let passwords = [PASSWORD, "Second-Pass-2", "Third-Pass-3", "Fourth-Pass-4", "Fifth-Pass-5", "Sixth-Pass-6"];
    for pair in passwords.windows(2) {
        let reply = app
            .call(
                Method::PUT,
                "/v1/me/password",
                Some(&jane.token),
                Some(json!({ "currentPassword": pair[0], "newPassword": pair[1] })),
            )
            .await;
        assert_eq!(reply.status, 204, "{}", reply.body);
    }
    // Current: Sixth. The last five are Sixth, Fifth, Fourth, Third, Second.
    for reused in ["Sixth-Pass-6", "Fifth-Pass-5", "Second-Pass-2"] {
        let reply = app
            .call(
                Method::PUT,
                "/v1/me/password",
                Some(&jane.token),
                Some(json!({ "currentPassword": "Sixth-Pass-6", "newPassword": reused })),
            )
            .await;
        reply.assert_error(400, "password:reused");
    }
    let first_again = app
        .call(
            Method::PUT,
            "/v1/me/password",
            Some(&jane.token),
            Some(json!({ "currentPassword": "Sixth-Pass-6", "newPassword": PASSWORD })),
        )
        .await;
    assert_eq!(first_again.status, 204, "the sixth-newest password is allowed again: {}", first_again.body);
}

#[tokio::test]
async fn changing_the_email_needs_the_password_and_a_confirmation_from_the_new_address() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    app.register_as("john").await;
    let request = |email: &str, password: &str| {
        app.post("/v1/me/email", Some(&jane.token), json!({ "email": email, "password": password }))
    };
    request("new@example.com", "Wrong-Pass-1").await.assert_error(401, "auth:invalid_credentials");
    request("JOHN@example.com", PASSWORD).await.assert_error(409, "user:email_taken");
    request("not an email", PASSWORD).await.assert_error(400, "validation:invalid_email");
    app.call(Method::POST, "/v1/me/email/resend", Some(&jane.token), None)
        .await
        .assert_error(409, "email:no_pending_change");

    let reply = request("Jane.New@Example.com", PASSWORD).await;
    let body = reply.assert_status(202);
    assert_eq!(body["pendingEmail"], "Jane.New@example.com");
    assert!(body["expiresAt"].is_string());
    assert_eq!(
        app.get("/v1/me", Some(&jane.token)).await.body["email"],
        jane.email.as_str(),
        "unchanged until confirmed"
    );

    let first = sink.wait_for("jane.new@example.com", 1).await.token(&app.address, "/confirm-email-change?token=");
    let resent = app.call(Method::POST, "/v1/me/email/resend", Some(&jane.token), None).await;
    assert_eq!(resent.assert_status(202)["pendingEmail"], "Jane.New@example.com");
    let second = sink.wait_for("jane.new@example.com", 2).await.token(&app.address, "/confirm-email-change?token=");
    app.post("/v1/auth/confirm-email-change", None, json!({ "token": first })).await.assert_error(400, "token:invalid");

    let confirmed = app.post("/v1/auth/confirm-email-change", None, json!({ "token": second })).await;
    let profile = confirmed.assert_status(200);
    assert_eq!(profile["email"], "Jane.New@example.com");
    assert_eq!(profile["emailVerified"], true);
    let notice = sink.wait_for(&jane.email, 2).await;
    assert!(notice.text.contains("Jane.New@example.com"), "{}", notice.text);
    assert!(!notice.text.contains("http"), "the notice carries no link: {}", notice.text);
    app.login("jane.new@example.com", PASSWORD).await.assert_status(200);
    app.login(&jane.email, PASSWORD).await.assert_error(401, "auth:invalid_credentials");
    // The old address is free again.
    app.post("/v1/users", None, json!({ "email": jane.email, "username": "newjane", "password": PASSWORD }))
        .await
        .assert_status(201);
    app.post("/v1/auth/confirm-email-change", None, json!({ "token": second }))
        .await
        .assert_error(400, "token:invalid");
}

#[tokio::test]
async fn an_email_change_confirmed_after_someone_else_took_the_address_is_refused() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    app.post("/v1/me/email", Some(&jane.token), json!({ "email": "contested@example.com", "password": PASSWORD }))
        .await
        .assert_status(202);
    let token = sink.wait_for("contested@example.com", 1).await.token(&app.address, "/confirm-email-change?token=");
    app.post("/v1/users", None, json!({ "email": "Contested@Example.com", "username": "quick", "password": PASSWORD }))
        .await
        .assert_status(201);
    app.post("/v1/auth/confirm-email-change", None, json!({ "token": token }))
        .await
        .assert_error(409, "user:email_taken");
}

#[tokio::test]
async fn changing_the_username_frees_the_old_one() {
    let (app, _sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    app.register_as("john").await;
    let change = |username: &str| {
        app.call(Method::PUT, "/v1/me/username", Some(&jane.token), Some(json!({ "username": username })))
    };
    change("JOHN").await.assert_error(409, "user:username_taken");
    change("x").await.assert_error(400, "validation:invalid_username");
    change("admin").await.assert_error(400, "validation:reserved_username");
    let reply = change("Janet").await;
    assert_eq!(reply.assert_status(200)["username"], "janet");
    app.get("/v1/users/jane", None).await.assert_error(404, "user:not_found");
    app.get("/v1/users/janet", None).await.assert_status(200);
    app.post("/v1/users", None, json!({ "email": "other@example.com", "username": "jane", "password": PASSWORD }))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn additional_addresses_are_added_verified_and_removed() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    app.register_as("john").await;
    let add = |address: &str| app.post("/v1/me/addresses", Some(&jane.token), json!({ "address": address }));
    add("JOHN@example.com").await.assert_error(409, "address:taken");
    add("jane@example.com").await.assert_error(409, "address:taken");
    add("bad\r\nBcc: victim@example.com").await.assert_error(400, "validation:invalid_email");

    let added = add("Jane.Work@Example.com").await;
    let address = added.assert_status(201).clone();
    assert_eq!(address["address"], "Jane.Work@example.com");
    assert_eq!(address["isVerified"], false);
    assert_eq!(address["verifiedAt"], Value::Null);
    let id = address["id"].as_str().unwrap().to_string();
    add("jane.work@example.com").await.assert_error(409, "address:taken");

    let mail = sink.wait_for("jane.work@example.com", 1).await;
    let link = mail.link(&app.address, "/verify-address?");
    assert_eq!(link.query_pairs().find(|(k, _)| k == "id").unwrap().1, id);
    let token = mail.token(&app.address, "/verify-address?");
    let verify = |id: &str, token: &str| {
        app.post_owned(format!("/v1/me/addresses/{id}/verify"), Some(jane.token.clone()), json!({ "token": token }))
    };
    verify(&id, "wrong").await.assert_error(400, "token:invalid");
    let verified = verify(&id, &token).await;
    assert_eq!(verified.assert_status(200)["isVerified"], true);
    assert!(verified.body["verifiedAt"].is_string());
    verify(&id, &token).await.assert_error(400, "token:invalid");
    app.call(Method::POST, &format!("/v1/me/addresses/{id}/send-verification"), Some(&jane.token), None)
        .await
        .assert_error(409, "address:already_verified");

    let list = app.get("/v1/me/addresses", Some(&jane.token)).await;
    assert_eq!(list.assert_status(200)["items"].as_array().unwrap().len(), 1);
    let me = app.get("/v1/me", Some(&jane.token)).await;
    assert_eq!(me.body["additionalAddresses"][0]["address"], "Jane.Work@example.com");

    // Another account can't register with it, nor change its email to it.
    app.post("/v1/users", None, json!({ "email": "x@example.com", "username": "xavier", "password": PASSWORD }))
        .await
        .assert_status(201);
    let john = app.login_token("john").await;
    app.post("/v1/me/email", Some(&john), json!({ "email": "jane.work@example.com", "password": PASSWORD }))
        .await
        .assert_error(409, "user:email_taken");

    assert_eq!(app.call(Method::DELETE, &format!("/v1/me/addresses/{id}"), Some(&jane.token), None).await.status, 204);
    app.call(Method::DELETE, &format!("/v1/me/addresses/{id}"), Some(&jane.token), None)
        .await
        .assert_error(404, "address:not_found");
    app.call(Method::DELETE, "/v1/me/addresses/not-a-uuid", Some(&jane.token), None)
        .await
        .assert_error(404, "address:not_found");
    add("jane.work@example.com").await.assert_status(201);
}

#[tokio::test]
async fn an_address_token_works_only_for_its_account_and_address() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let john = app.register_as("john").await;
    let janes = app.post("/v1/me/addresses", Some(&jane.token), json!({ "address": "jane2@example.com" })).await.body
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let johns = app.post("/v1/me/addresses", Some(&john.token), json!({ "address": "john2@example.com" })).await.body
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let janes_token = sink.wait_for("jane2@example.com", 1).await.token(&app.address, "/verify-address?");
    app.post(&format!("/v1/me/addresses/{johns}/verify"), Some(&john.token), json!({ "token": janes_token }))
        .await
        .assert_error(400, "token:invalid");
    app.post(&format!("/v1/me/addresses/{janes}/verify"), Some(&john.token), json!({ "token": janes_token }))
        .await
        .assert_error(404, "address:not_found");
    app.post(&format!("/v1/me/addresses/{janes}/verify"), Some(&jane.token), json!({ "token": janes_token }))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn header_injection_is_refused_everywhere_an_address_enters() {
    let (app, _sink) = spawn_app_with_mail().await;
    let evil = "jane@example.com\r\nBcc: victim@example.com";
    app.post("/v1/users", None, json!({ "email": evil, "username": "evil", "password": PASSWORD }))
        .await
        .assert_error(400, "validation:invalid_email");
    let jane = app.register_as("jane").await;
    app.post("/v1/me/email", Some(&jane.token), json!({ "email": evil, "password": PASSWORD }))
        .await
        .assert_error(400, "validation:invalid_email");
    app.post("/v1/me/email", Some(&jane.token), json!({ "email": "a@example.com\nSubject: hi", "password": PASSWORD }))
        .await
        .assert_error(400, "validation:invalid_email");
    let reply = app
        .call(Method::PATCH, "/v1/me", Some(&jane.token), Some(json!({ "displayName": "Jane\r\nBcc: x@y.z" })))
        .await;
    reply.assert_error(400, "validation:invalid_input");
}

#[tokio::test]
async fn security_notices_go_out_with_security_notifications_off() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    sink.wait_for(&jane.email, 1).await;
    app.turn_off_security_mail(&jane.token).await;
    app.create_pat(&jane.token, &["user:read"]).await;
    let notice = sink.wait_for(&jane.email, 2).await;
    assert!(notice.subject.contains("access token") && notice.text.contains("\"test\""), "{}", notice.text);
    app.call(
        Method::PUT,
        "/v1/me/password",
        Some(&jane.token),
        Some(json!({ "currentPassword": PASSWORD, "newPassword": "Brand-New-Pass-7" })),
    )
    .await
    .assert_status(204);
    let notice = sink.wait_for(&jane.email, 3).await;
    assert!(notice.subject.contains("password was changed"), "{}", notice.subject);
}
