//! One cap on the mail a request can trigger for a recipient, across every route
//! (API.md "Conventions"), and the per-account limit on adding addresses.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app_with_mail, PASSWORD};

/// Lets mail queued by the last requests arrive before counting.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
}

#[tokio::test]
async fn adding_and_removing_one_strangers_address_mails_it_at_most_five_times() {
    let (app, sink) = spawn_app_with_mail().await;
    let mallory = app.register_as("mallory").await;
    let stranger = "stranger@example.com";
    let (mut added, mut limited) = (0, 0);
    for _ in 0..30 {
        let reply = app.post("/v1/me/addresses", Some(&mallory.token), json!({ "address": stranger })).await;
        if reply.status == 429 {
            reply.assert_error(429, "rate_limited");
            let retry_after: u64 = reply.headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(retry_after > 0 && retry_after <= 3600, "{retry_after}");
            limited += 1;
            continue;
        }
        let id = reply.assert_status(201)["id"].as_str().unwrap().to_string();
        added += 1;
        let removed = app.call(Method::DELETE, &format!("/v1/me/addresses/{id}"), Some(&mallory.token), None).await;
        removed.assert_status(204);
    }
    assert_eq!((added, limited), (10, 20), "ten additions an hour per account");
    sink.wait_for(stranger, 5).await;
    settle().await;
    assert_eq!(sink.count_for(stranger), 5);

    // The limit is the account's: another account may still add an address (no mail to the stranger).
    let john = app.register_as("john").await;
    app.post("/v1/me/addresses", Some(&john.token), json!({ "address": stranger })).await.assert_status(201);
    settle().await;
    assert_eq!(sink.count_for(stranger), 5);
    // An hour later the account may add again, and the cap has long passed.
    app.clock.advance(chrono::Duration::minutes(61));
    app.post("/v1/me/addresses", Some(&mallory.token), json!({ "address": "other@example.com" }))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn the_mail_cap_counts_every_route_to_one_recipient_and_answers_as_usual_past_it() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let resend = || app.call(Method::POST, "/v1/auth/resend-verification", Some(&jane.token), None);
    let forgot = || app.post("/v1/auth/forgot-password", None, json!({ "email": "jane@example.com" }));
    // Registration, two re-sends and two resets: five mails with a link.
    assert_eq!(resend().await.status, 202);
    assert_eq!(resend().await.status, 202);
    assert_eq!(forgot().await.status, 202);
    assert_eq!(forgot().await.status, 202);
    sink.wait_for(&jane.email, 5).await;

    assert_eq!(resend().await.status, 202);
    assert_eq!(forgot().await.status, 202);
    settle().await;
    assert_eq!(sink.count_for(&jane.email), 5);

    // Fifteen minutes on, the recipient gets mail again.
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(resend().await.status, 202);
    sink.wait_for(&jane.email, 6).await;
}

#[tokio::test]
async fn an_email_change_to_a_capped_address_answers_as_usual_and_sends_nothing() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let target = "jane.new@example.com";
    for _ in 0..5 {
        let reply = app.post("/v1/me/email", Some(&jane.token), json!({ "email": target, "password": PASSWORD }));
        assert_eq!(reply.await.assert_status(202)["pendingEmail"], target);
    }
    sink.wait_for(target, 5).await;
    let sixth = app.post("/v1/me/email", Some(&jane.token), json!({ "email": target, "password": PASSWORD }));
    let body = sixth.await.assert_status(202).clone();
    assert_eq!(body["pendingEmail"], target);
    assert!(body["expiresAt"].is_string());
    let resend = app.call(Method::POST, "/v1/me/email/resend", Some(&jane.token), None).await;
    assert_eq!(resend.assert_status(202)["pendingEmail"], target);
    settle().await;
    assert_eq!(sink.count_for(target), 5);
}
