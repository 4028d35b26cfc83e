//! The pages behind the links in mail, in a real browser (headless Chromium
//! driven by playwright-core): a GET never uses the token; the button does.

use serde_json::{json, Value};

use crate::helpers::{spawn_app_with_mail, PASSWORD};

async fn browser(args: &[&str]) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/js/pages.mjs");
    let output = tokio::process::Command::new("node").arg(script).args(args).output().await.expect("node");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stdout)));
    assert_eq!(result["errors"], json!([]), "the page logged errors: {result}");
    result
}

#[tokio::test]
async fn the_verify_email_page_confirms_only_when_the_button_is_pressed() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let link = sink.wait_for(&jane.email, 1).await.link(&app.address, "/verify-email?token=");

    // A mail scanner prefetching the link changes nothing.
    let prefetch = app.client.get(link.as_str()).send().await.unwrap();
    assert_eq!(prefetch.status(), 200);
    assert!(prefetch.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.body["emailVerified"], false);

    let opened = browser(&["open", link.as_str()]).await;
    assert_eq!(opened["formVisible"], true);
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.body["emailVerified"], false);

    let pressed = browser(&["click", link.as_str()]).await;
    assert_eq!(pressed["outcome"], "ok", "{pressed}");
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.body["emailVerified"], true);

    let again = browser(&["click", link.as_str()]).await;
    assert_eq!(again["outcome"], "error");
    assert!(again["text"].as_str().unwrap().contains("already used"), "{again}");
}

#[tokio::test]
async fn a_link_without_its_token_says_so() {
    let (app, _sink) = spawn_app_with_mail().await;
    let page = browser(&["open", &app.url("/verify-email")]).await;
    assert_eq!(page["outcome"], "error");
    assert_eq!(page["formVisible"], false);
    assert!(page["text"].as_str().unwrap().contains("incomplete"));
}

#[tokio::test]
async fn the_reset_password_page_sets_a_new_password_and_explains_refusals() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    app.post("/v1/auth/forgot-password", None, json!({ "email": jane.email })).await;
    let link = sink.wait_for(&jane.email, 2).await.link(&app.address, "/reset-password?token=");

    let mismatch = browser(&["reset", link.as_str(), "Brand-New-Pass-7", "Brand-New-Pass-8"]).await;
    assert_eq!(mismatch["outcome"], "error");
    assert!(mismatch["text"].as_str().unwrap().contains("not the same"));
    let weak = browser(&["reset", link.as_str(), "weakpassword"]).await;
    assert_eq!(weak["outcome"], "error");
    assert!(weak["text"].as_str().unwrap().contains("upper-case"), "{weak}");

    let done = browser(&["reset", link.as_str(), "Brand-New-Pass-7"]).await;
    assert_eq!(done["outcome"], "ok", "{done}");
    app.login("jane", "Brand-New-Pass-7").await.assert_status(200);
    app.login("jane", PASSWORD).await.assert_error(401, "auth:invalid_credentials");
}

#[tokio::test]
async fn the_confirm_email_change_page_switches_the_address() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    app.post("/v1/me/email", Some(&jane.token), json!({ "email": "jane.new@example.com", "password": PASSWORD }))
        .await
        .assert_status(202);
    let link = sink.wait_for("jane.new@example.com", 1).await.link(&app.address, "/confirm-email-change?token=");
    app.client.get(link.as_str()).send().await.unwrap();
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.body["email"], jane.email.as_str());
    let pressed = browser(&["click", link.as_str()]).await;
    assert_eq!(pressed["outcome"], "ok", "{pressed}");
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.body["email"], "jane.new@example.com");
}

#[tokio::test]
async fn the_verify_address_page_needs_the_signed_in_account() {
    let (app, sink) = spawn_app_with_mail().await;
    let jane = app.register_as("jane").await;
    let added = app.post("/v1/me/addresses", Some(&jane.token), json!({ "address": "jane.work@example.com" })).await;
    let id = added.assert_status(201)["id"].as_str().unwrap().to_string();
    let link = sink.wait_for("jane.work@example.com", 1).await.link(&app.address, "/verify-address?");

    let signed_out = browser(&["click", link.as_str()]).await;
    assert_eq!(signed_out["outcome"], "error");
    assert!(signed_out["text"].as_str().unwrap().contains("Sign in"), "{signed_out}");

    let signed_in = browser(&["click", link.as_str(), &jane.token]).await;
    assert_eq!(signed_in["outcome"], "ok", "{signed_in}");
    let addresses = app.get("/v1/me/addresses", Some(&jane.token)).await;
    let address = addresses.body["items"].as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).unwrap().clone();
    assert_eq!(address["isVerified"], true);
}
