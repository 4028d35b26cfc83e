//! Sign-in by email, with the mail read from a real SMTP listener.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{session_cookie, spawn_app_with, spawn_app_with_mail, MailSink, ReceivedMail, TestApp, PASSWORD};

/// Asks for a sign-in and returns the `count`th mail to `email`: its token and code.
async fn request(app: &TestApp, sink: &MailSink, email: &str, count: usize) -> (String, String) {
    app.post("/v1/auth/email-login", None, json!({ "email": email })).await.assert_status(202);
    let mail = sink.wait_for(email, count).await;
    (mail.token(&app.address, "/email-login"), code_of(&mail))
}

fn code_of(mail: &ReceivedMail) -> String {
    let line = mail.text.lines().find_map(|line| line.trim().strip_prefix("Code: ")).expect("a code line");
    assert!(line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()), "{line}");
    line.to_string()
}

async fn verify(app: &TestApp, body: serde_json::Value) -> crate::helpers::Reply {
    app.post("/v1/auth/email-login/verify", None, body).await
}

#[tokio::test]
async fn the_link_signs_in_once_and_spends_the_code() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let (token, code) = request(&app, &sink, &jane.email, 2).await;

    let reply = verify(&app, json!({ "token": token })).await;
    let body = reply.assert_status(200);
    assert_eq!(body["user"]["username"], "jane");
    assert_eq!(body["user"]["emailVerified"], true, "signing in by email verifies the address");
    assert!(session_cookie(&reply.headers).is_some());
    let session = body["session"]["token"].as_str().unwrap().to_string();

    verify(&app, json!({ "token": token })).await.assert_error(400, "token:invalid");
    verify(&app, json!({ "email": jane.email, "code": code })).await.assert_error(400, "token:invalid");

    let history = app.get("/v1/me/login-history", Some(&session)).await;
    assert_eq!(history.assert_status(200)["items"][0]["method"], "email");
    let logins =
        "SELECT count(*) FROM activities WHERE action = 'auth.login' AND CAST(metadata AS TEXT) LIKE '%email%'";
    assert_eq!(app.query_i64(logins).await, 1);
}

#[tokio::test]
async fn the_code_signs_in_once_and_spends_the_link() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let (token, code) = request(&app, &sink, &jane.email, 2).await;

    let reply = verify(&app, json!({ "email": "JANE@example.com", "code": code })).await;
    assert_eq!(reply.assert_status(200)["user"]["username"], "jane");
    verify(&app, json!({ "email": jane.email, "code": code })).await.assert_error(400, "token:invalid");
    verify(&app, json!({ "token": token })).await.assert_error(400, "token:invalid");
}

#[tokio::test]
async fn five_wrong_codes_spend_the_sign_in() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let (token, code) = request(&app, &sink, &jane.email, 2).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        verify(&app, json!({ "email": jane.email, "code": wrong })).await.assert_error(400, "token:invalid");
    }
    verify(&app, json!({ "email": jane.email, "code": code })).await.assert_error(400, "token:invalid");
    verify(&app, json!({ "token": token })).await.assert_error(400, "token:invalid");
}

#[tokio::test]
async fn a_sign_in_expires_after_fifteen_minutes_and_a_new_one_replaces_it() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let (first, _) = request(&app, &sink, &jane.email, 2).await;
    let (second, code) = request(&app, &sink, &jane.email, 3).await;
    verify(&app, json!({ "token": first })).await.assert_error(400, "token:invalid");

    app.clock.advance(Duration::minutes(15) + Duration::seconds(1));
    verify(&app, json!({ "email": jane.email, "code": code })).await.assert_error(400, "token:invalid");
    verify(&app, json!({ "token": second })).await.assert_error(400, "token:invalid");
}

#[tokio::test]
async fn unknown_addresses_get_the_same_answer_and_no_mail() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let known = app.post("/v1/auth/email-login", None, json!({ "email": jane.email })).await;
    let unknown = app.post("/v1/auth/email-login", None, json!({ "email": "nobody@example.com" })).await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(known.status.as_u16(), 202);
    sink.wait_for(&jane.email, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.count_for("nobody@example.com"), 0);
    // A code for an address without a sign-in is as wrong as a wrong code.
    let reply = verify(&app, json!({ "email": "nobody@example.com", "code": "123456" })).await;
    reply.assert_error(400, "token:invalid");
}

#[tokio::test]
async fn opening_the_link_signs_nobody_in() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let (token, _) = request(&app, &sink, &jane.email, 2).await;

    let page = app.client.get(app.url(&format!("/email-login?token={token}"))).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(session_cookie(page.headers()).is_none());
    let html = page.text().await.unwrap();
    assert!(html.contains("<button") && !html.contains(&token), "a button that posts the token from the URL");

    // The token is still good for the button's POST.
    verify(&app, json!({ "token": token })).await.assert_status(200);
}

#[tokio::test]
async fn a_password_change_voids_an_outstanding_sign_in() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let (token, _) = request(&app, &sink, &jane.email, 2).await;
    let reply = app
        .call(
            reqwest::Method::PUT,
            "/v1/me/password",
            Some(&jane.token),
            Some(json!({ "currentPassword": PASSWORD, "newPassword": "Another-Horse-7" })),
        )
        .await;
    reply.assert_status(204);
    verify(&app, json!({ "token": token })).await.assert_error(400, "token:invalid");
}

#[tokio::test]
async fn sign_in_by_email_can_be_turned_off() {
    let app = spawn_app_with(|config| config.auth.email_login = false).await;
    let reply = app.post("/v1/auth/email-login", None, json!({ "email": "jane@example.com" })).await;
    assert_eq!(reply.status.as_u16(), 404);
    let reply = verify(&app, json!({ "token": "x" })).await;
    assert_eq!(reply.status.as_u16(), 404);
}

#[tokio::test]
async fn a_two_factor_account_signing_in_by_email_gets_the_second_step() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    // Verified first: on a never verified account, the sign-in removes two-factor (below).
    let confirm = crate::passkeys::wait_for_subject(&sink, &jane.email, "Confirm your email").await;
    let token = confirm.token(&app.address, "/verify-email");
    app.post("/v1/auth/verify-email", None, json!({ "token": token })).await.assert_status(200);
    crate::passkeys::turn_on_two_factor(&app, &jane).await;
    app.post("/v1/auth/email-login", None, json!({ "email": jane.email })).await.assert_status(202);
    let mail = crate::passkeys::wait_for_subject(&sink, &jane.email, "Sign in to").await;
    let token = mail.token(&app.address, "/email-login");
    let reply = verify(&app, json!({ "token": token })).await;
    let body = reply.assert_status(200);
    assert_eq!(body["mfaRequired"], true, "{body}");
    assert!(body.get("session").is_none() && session_cookie(&reply.headers).is_none());
}

/// Pre-hijacking through a linked identity (docs/security.md §1): the squatter's identity
/// signs in to nothing once the mailbox's owner has signed in by email.
#[tokio::test]
async fn signing_in_by_email_to_a_never_verified_account_unlinks_the_squatters_identity() {
    let sink = crate::helpers::MailSink::start().await;
    let url = sink.url();
    let (app, _provider) = crate::oauth::oidc_app_with(|config, _| config.smtp_url = Some(url)).await;
    let squatter = app.register_as("victim").await;
    let identity = "squatter-idp:squatter@elsewhere.example:true";
    app.oidc_link(&squatter.token, identity).await.assert_status(201);
    assert_eq!(app.oidc_login(identity).await.assert_status(200)["user"]["username"], "victim");

    app.post("/v1/auth/email-login", None, json!({ "email": squatter.email })).await.assert_status(202);
    let mail = crate::passkeys::wait_for_subject(&sink, &squatter.email, "Sign in to").await;
    let token = mail.token(&app.address, "/email-login");
    let body = verify(&app, json!({ "token": token })).await.assert_status(200).clone();
    let owner = body["session"]["token"].as_str().unwrap().to_string();

    assert_eq!(app.oidc_login(identity).await.assert_status(200)["signupRequired"], true);
    app.get("/v1/me", Some(&squatter.token)).await.assert_error(401, "auth:unauthenticated");
    assert_eq!(app.linked(&owner).await, Vec::<serde_json::Value>::new());
}
