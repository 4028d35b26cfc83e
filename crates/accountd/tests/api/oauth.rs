//! Social login and linked accounts, against a real OpenID provider (the `oidc-provider`
//! package, run by node from tests/js) driven through its real redirects, and local
//! stand-ins for GitHub's and Discord's token and user endpoints.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use accountd_server::config::{Config, OAuthProviderConfig, OAuthProviderKind};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Digest as _;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, ChildStdin, Command};

use crate::helpers::{spawn_app_on, Account, Reply, TestApp, PASSWORD};

const CLIENT_ID: &str = "accountd-tests";
const CLIENT_SECRET: &str = "accountd-tests-secret";

fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js")
}

/// The OpenID provider, a node child process killed when the test drops it.
pub(crate) struct OidcProvider {
    issuer: String,
    _child: Child,
    _stdin: ChildStdin,
}

impl OidcProvider {
    async fn start(redirect_uris: &[String]) -> Self {
        let mut command = Command::new("node");
        command.arg(js_dir().join("oidc-provider.mjs")).args([
            "--port",
            "0",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        ]);
        for uri in redirect_uris {
            command.args(["--redirect-uri", uri]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs tests/js/oidc-provider.mjs (run `npm ci` in tests/js)");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = lines.next_line().await.unwrap().expect("the provider says where it listens");
        let issuer = line.strip_prefix("listening ").expect("listening line").to_string();
        // Keep reading: a closed pipe would kill the provider at its next log line.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let stdin = child.stdin.take().unwrap();
        Self { issuer, _child: child, _stdin: stdin }
    }
}

fn provider_config(kind: OAuthProviderKind) -> OAuthProviderConfig {
    OAuthProviderConfig {
        kind,
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.to_string().into()),
        issuer: None,
        auth_url: None,
        token_url: None,
        api_url: None,
        name: None,
    }
}

/// An app with the provider `oidc`, and the provider that knows the app's callback page.
async fn oidc_app() -> (TestApp, OidcProvider) {
    oidc_app_with(|_, _| {}).await
}

pub(crate) async fn oidc_app_with(configure: impl FnOnce(&mut Config, &OidcProvider)) -> (TestApp, OidcProvider) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let provider =
        OidcProvider::start(&[format!("{address}/oauth/oidc/callback"), "http://client.test/callback".into()]).await;
    let app = spawn_app_on(listener, |config| {
        let mut oidc = provider_config(OAuthProviderKind::Oidc);
        oidc.issuer = Some(provider.issuer.parse().unwrap());
        oidc.name = Some("Test ID".into());
        config.oauth.providers.insert("oidc".into(), oidc);
        configure(config, &provider);
    })
    .await;
    (app, provider)
}

/// Follows the provider's redirects from `url` (no UI: the provider logs in `login_hint`)
/// until it sends the browser back to `redirect_uri`; returns that URL's query.
async fn through_provider(url: &str, redirect_uri: &str) -> HashMap<String, String> {
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut next = url::Url::parse(url).unwrap();
    for _ in 0..12 {
        let response = browser.get(next.clone()).send().await.unwrap();
        let status = response.status();
        assert!(status.is_redirection(), "{next} answered {status}: {}", response.text().await.unwrap_or_default());
        let location = response.headers()[header::LOCATION.as_str()].to_str().unwrap().to_string();
        next = next.join(&location).unwrap();
        if next.as_str().starts_with(redirect_uri) {
            return next.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        }
    }
    panic!("the provider never redirected back to {redirect_uri}");
}

fn with_hint(url: &str, hint: &str) -> String {
    let mut url = url::Url::parse(url).unwrap();
    url.query_pairs_mut().append_pair("login_hint", hint);
    url.into()
}

impl TestApp {
    fn callback_uri(&self, provider: &str) -> String {
        self.url(&format!("/oauth/{provider}/callback"))
    }

    /// Starts a login without cookies: `(url, flow)`.
    async fn login_url(&self, provider: &str) -> (String, String) {
        let reply = self.get(&format!("/v1/auth/oauth/{provider}/authorize"), None).await;
        let body = reply.assert_status(200);
        (body["url"].as_str().unwrap().to_string(), body["flow"].as_str().unwrap().to_string())
    }

    async fn link_url(&self, provider: &str, token: &str) -> String {
        let reply =
            self.call(Method::POST, &format!("/v1/me/linked-accounts/{provider}/authorize"), Some(token), None).await;
        reply.assert_status(200)["url"].as_str().unwrap().to_string()
    }

    /// The provider's answer to a login as `hint`, and the login's flow value: `(code, state, flow)`.
    async fn oidc_login_code(&self, hint: &str) -> (String, String, String) {
        let (url, flow) = self.login_url("oidc").await;
        let query = through_provider(&with_hint(&url, hint), &self.callback_uri("oidc")).await;
        (query["code"].clone(), query["state"].clone(), flow)
    }

    /// Posts the provider's answer, with the login's `flow` value when given (no cookies).
    async fn oauth_login(&self, provider: &str, code: &str, state: &str, flow: Option<&str>) -> Reply {
        let mut body = json!({ "code": code, "state": state });
        if let Some(flow) = flow {
            body["flow"] = json!(flow);
        }
        self.post(&format!("/v1/auth/oauth/{provider}/login"), None, body).await
    }

    /// A full login with the OIDC provider as `hint`.
    pub(crate) async fn oidc_login(&self, hint: &str) -> Reply {
        let (code, state, flow) = self.oidc_login_code(hint).await;
        self.oauth_login("oidc", &code, &state, Some(&flow)).await
    }

    pub(crate) async fn oidc_link(&self, token: &str, hint: &str) -> Reply {
        let url = self.link_url("oidc", token).await;
        let query = through_provider(&with_hint(&url, hint), &self.callback_uri("oidc")).await;
        self.post("/v1/me/linked-accounts/oidc", Some(token), json!({ "code": query["code"], "state": query["state"] }))
            .await
    }

    /// Signs up a new identity with `username`; returns the account.
    async fn sign_up_with(&self, reply: Reply, username: &str) -> Account {
        let body = reply.assert_status(200);
        assert_eq!(body["signupRequired"], true, "{body}");
        let reply = self
            .post("/v1/auth/complete-signup", None, json!({ "signupToken": body["signupToken"], "username": username }))
            .await;
        let body = reply.assert_status(201);
        Account {
            id: body["user"]["id"].as_str().unwrap().to_string(),
            username: username.to_string(),
            email: body["user"]["email"].as_str().unwrap().to_string(),
            token: body["session"]["token"].as_str().unwrap().to_string(),
        }
    }

    pub(crate) async fn linked(&self, token: &str) -> Vec<Value> {
        self.get("/v1/me/linked-accounts", Some(token)).await.assert_status(200)["items"].as_array().unwrap().clone()
    }

    async fn unlink(&self, token: &str, provider: &str) -> Reply {
        self.call(Method::DELETE, &format!("/v1/me/linked-accounts/{provider}"), Some(token), None).await
    }
}

#[tokio::test]
async fn configured_providers_are_listed() {
    let (app, _provider) = oidc_app().await;
    let reply = app.get("/v1/auth/oauth/providers", None).await;
    assert_eq!(reply.assert_status(200)["items"], json!([{ "id": "oidc", "name": "Test ID" }]));
}

#[tokio::test]
async fn a_new_identity_signs_up_with_a_chosen_username_then_logs_in() {
    let (app, _provider) = oidc_app().await;
    let reply = app.oidc_login("zoe:Zoe@Example.com:true").await;
    let body = reply.assert_status(200);
    assert_eq!(body["email"], "Zoe@example.com");
    assert_eq!(body["suggestedUsername"], "zoe");
    assert!(body.get("session").is_none());

    let account = app.sign_up_with(reply, "zoe_z").await;
    let me = app.get("/v1/me", Some(&account.token)).await;
    let me = me.assert_status(200);
    assert_eq!(me["username"], "zoe_z");
    assert_eq!(me["emailVerified"], true, "the provider verified it");
    let linked = me["linkedAccounts"].as_array().unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["provider"], "oidc");
    assert_eq!(linked[0]["providerUserId"], "zoe:Zoe@Example.com:true");
    assert_eq!(linked[0]["username"], "zoe");
    assert_eq!(linked[0]["avatarUrl"], "https://oidc.example/avatars/zoe.png");

    // The same identity now logs in to that account.
    let reply = app.oidc_login("zoe:Zoe@Example.com:true").await;
    let body = reply.assert_status(200);
    assert_eq!(body["user"]["id"], account.id.as_str());
    assert_eq!(body["user"]["linkedAccounts"].as_array().unwrap().len(), 1);
    assert!(crate::helpers::session_cookie(&reply.headers).is_some());
    let token = body["session"]["token"].as_str().unwrap();
    let history = app.get("/v1/me/login-history", Some(token)).await;
    let newest = &history.assert_status(200)["items"][0];
    assert_eq!((newest["method"].as_str(), newest["success"].as_bool()), (Some("oauth:oidc"), Some(true)));
}

#[tokio::test]
async fn an_unverified_provider_email_makes_an_unverified_account() {
    let (app, _provider) = oidc_app().await;
    let reply = app.oidc_login("una:una@example.com:false").await;
    let account = app.sign_up_with(reply, "una").await;
    let me = app.get("/v1/me", Some(&account.token)).await;
    assert_eq!(me.assert_status(200)["emailVerified"], false);
}

#[tokio::test]
async fn a_sign_up_token_is_single_use_and_survives_a_taken_username() {
    let (app, _provider) = oidc_app().await;
    app.register_as("taken").await;
    let reply = app.oidc_login("sam").await;
    let token = reply.assert_status(200)["signupToken"].as_str().unwrap().to_string();

    let taken = app.post("/v1/auth/complete-signup", None, json!({ "signupToken": token, "username": "taken" })).await;
    taken.assert_error(409, "user:username_taken");
    let invalid = app.post("/v1/auth/complete-signup", None, json!({ "signupToken": token, "username": "a" })).await;
    invalid.assert_error(400, "validation:invalid_username");
    let ok = app.post("/v1/auth/complete-signup", None, json!({ "signupToken": token, "username": "sam" })).await;
    ok.assert_status(201);
    let again = app.post("/v1/auth/complete-signup", None, json!({ "signupToken": token, "username": "sam2" })).await;
    again.assert_error(400, "token:invalid");
    let unknown =
        app.post("/v1/auth/complete-signup", None, json!({ "signupToken": "sup_x", "username": "sam3" })).await;
    unknown.assert_error(400, "token:invalid");
}

#[tokio::test]
async fn a_sign_up_token_expires() {
    let (app, _provider) = oidc_app().await;
    let reply = app.oidc_login("tim").await;
    let token = reply.assert_status(200)["signupToken"].as_str().unwrap().to_string();
    app.clock.advance(chrono::Duration::minutes(11));
    let late = app.post("/v1/auth/complete-signup", None, json!({ "signupToken": token, "username": "tim" })).await;
    late.assert_error(400, "token:invalid");
}

#[tokio::test]
async fn a_verified_email_of_an_existing_account_is_refused_never_linked() {
    let (app, _provider) = oidc_app().await;
    let jane = app.register_as("jane").await;

    let reply = app.oidc_login("mallory:JANE@example.com:true").await;
    reply.assert_error(409, "oauth:account_exists");
    assert!(app.linked(&jane.token).await.is_empty());

    // An unverified claim proves nothing either: it can't sign up with the address.
    let reply = app.oidc_login("mallory2:jane@example.com:false").await;
    let token = reply.assert_status(200)["signupToken"].clone();
    let signup = app.post("/v1/auth/complete-signup", None, json!({ "signupToken": token, "username": "mal" })).await;
    signup.assert_error(409, "user:email_taken");
    assert!(app.linked(&jane.token).await.is_empty());
}

#[tokio::test]
async fn another_accounts_verified_additional_address_can_not_sign_up_socially() {
    let (app, _provider) = oidc_app().await;
    let jane = app.register_as("jane").await;
    let added = app.post("/v1/me/addresses", Some(&jane.token), json!({ "address": "jane.work@example.com" })).await;
    added.assert_status(201);
    // Verified as the address flow would (its mail is tested in mail_flows).
    app.execute_sql(
        "UPDATE addresses SET is_verified = TRUE, verified_at = added_at \
         WHERE address_normalized = 'jane.work@example.com'",
    )
    .await;

    let reply = app.oidc_login("mallory:JANE.WORK@example.com:true").await;
    reply.assert_error(409, "oauth:account_exists");

    let reply = app.oidc_login("mallory2:jane.work@example.com:false").await;
    let token = reply.assert_status(200)["signupToken"].clone();
    let signup = app.post("/v1/auth/complete-signup", None, json!({ "signupToken": token, "username": "mal" })).await;
    signup.assert_error(409, "user:email_taken");
    assert!(app.linked(&jane.token).await.is_empty());
}

#[tokio::test]
async fn a_signed_in_user_links_an_identity_and_logs_in_with_it_then_unlinks_it() {
    let (app, _provider) = oidc_app().await;
    let jane = app.register_as("jane").await;

    let reply = app.oidc_link(&jane.token, "jane-at-idp:jane@elsewhere.example:true").await;
    let linked = reply.assert_status(201);
    assert_eq!(linked["provider"], "oidc");
    assert_eq!(linked["providerUserId"], "jane-at-idp:jane@elsewhere.example:true");
    assert_eq!(linked["email"], "jane@elsewhere.example");
    assert!(linked["linkedAt"].is_string());
    assert_eq!(app.linked(&jane.token).await.len(), 1);
    let me = app.get("/v1/me", Some(&jane.token)).await;
    assert_eq!(me.assert_status(200)["linkedAccounts"][0]["provider"], "oidc");

    let login = app.oidc_login("jane-at-idp:jane@elsewhere.example:true").await;
    assert_eq!(login.assert_status(200)["user"]["id"], jane.id.as_str());

    app.unlink(&jane.token, "oidc").await.assert_status(204);
    assert!(app.linked(&jane.token).await.is_empty());
    app.unlink(&jane.token, "oidc").await.assert_error(409, "oauth:not_linked");
    app.unlink(&jane.token, "nope").await.assert_error(404, "oauth:unknown_provider");
    // The identity is new again: it would sign up, not log in to jane.
    let login = app.oidc_login("jane-at-idp:jane@elsewhere.example:true").await;
    assert_eq!(login.assert_status(200)["signupRequired"], true);
}

#[tokio::test]
async fn an_identity_of_another_account_cannot_be_linked() {
    let (app, _provider) = oidc_app().await;
    let reply = app.oidc_login("carol").await;
    let carol = app.sign_up_with(reply, "carol").await;
    let bob = app.register_as("bob").await;

    app.oidc_link(&bob.token, "carol").await.assert_error(409, "oauth:identity_in_use");
    assert!(app.linked(&bob.token).await.is_empty());
    assert_eq!(app.linked(&carol.token).await.len(), 1);
}

#[tokio::test]
async fn a_second_identity_of_a_linked_provider_is_refused() {
    let (app, _provider) = oidc_app().await;
    let jane = app.register_as("jane").await;
    app.oidc_link(&jane.token, "first").await.assert_status(201);
    app.oidc_link(&jane.token, "second").await.assert_error(409, "oauth:already_linked");
}

#[tokio::test]
async fn the_last_way_to_log_in_cannot_be_unlinked() {
    let (app, _provider) = oidc_app().await;
    let reply = app.oidc_login("dora").await;
    let dora = app.sign_up_with(reply, "dora").await;

    app.unlink(&dora.token, "oidc").await.assert_error(409, "oauth:last_login_method");
    assert_eq!(app.linked(&dora.token).await.len(), 1);
    // An account with a password may unlink its only identity.
    let jane = app.register_as("jane").await;
    app.oidc_link(&jane.token, "jane-idp").await.assert_status(201);
    app.unlink(&jane.token, "oidc").await.assert_status(204);
    app.login("jane", PASSWORD).await.assert_status(200);
}

#[tokio::test]
async fn a_tampered_state_is_refused_and_a_state_is_single_use() {
    let (app, _provider) = oidc_app().await;
    let (code, state, flow) = app.oidc_login_code("eve").await;

    app.oauth_login("oidc", &code, &format!("{state}x"), Some(&flow)).await.assert_error(400, "oauth:invalid_state");
    app.oauth_login("oidc", &code, "", Some(&flow)).await.assert_error(400, "oauth:invalid_state");
    app.oauth_login("oidc", &code, &state, Some(&flow)).await.assert_status(200);
    app.oauth_login("oidc", &code, &state, Some(&flow)).await.assert_error(400, "oauth:invalid_state");
}

#[tokio::test]
async fn a_login_state_without_its_binding_is_refused_and_stays_usable_by_its_client() {
    let (app, _provider) = oidc_app().await;
    // Login CSRF: the attacker's code and state, posted by a victim's client.
    let (code, state, attacker_flow) = app.oidc_login_code("mallory:mallory@example.com:true").await;
    app.oauth_login("oidc", &code, &state, None).await.assert_error(400, "oauth:invalid_state");
    let (_, victim_flow) = app.login_url("oidc").await;
    app.oauth_login("oidc", &code, &state, Some(&victim_flow)).await.assert_error(400, "oauth:invalid_state");
    let victim = reqwest::Client::new();
    let with_victims_cookie = victim
        .post(app.url("/v1/auth/oauth/oidc/login"))
        .header(header::COOKIE, format!("accountd_oauth={victim_flow}"))
        .json(&json!({ "code": code, "state": state }))
        .send()
        .await
        .unwrap();
    assert_eq!(with_victims_cookie.status(), 400);

    // None of the refusals used the state: the client that started the login finishes it.
    let reply = app.oauth_login("oidc", &code, &state, Some(&attacker_flow)).await;
    assert_eq!(reply.assert_status(200)["signupRequired"], true);
    app.oauth_login("oidc", &code, &state, Some(&attacker_flow)).await.assert_error(400, "oauth:invalid_state");
}

#[tokio::test]
async fn a_login_state_is_accepted_with_the_flow_value_and_no_cookie() {
    let (app, _provider) = oidc_app().await;
    let reply = app.get("/v1/auth/oauth/oidc/authorize", None).await;
    let cookie = reply.headers[header::SET_COOKIE.as_str()].to_str().unwrap().to_string();
    let body = reply.assert_status(200);
    let flow = body["flow"].as_str().unwrap().to_string();
    assert!(flow.len() >= 32, "{flow}");
    assert!(cookie.starts_with(&format!("accountd_oauth={flow};")), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/v1/auth/oauth", "Max-Age=600"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "not on http: {cookie}");
    assert_eq!(reply.headers[header::CACHE_CONTROL.as_str()], "no-store");

    // The test client keeps no cookies: the flow value alone proves the client.
    let url = body["url"].as_str().unwrap();
    let query = through_provider(&with_hint(url, "flo"), &app.callback_uri("oidc")).await;
    let login = app.oauth_login("oidc", &query["code"], &query["state"], Some(&flow)).await;
    assert_eq!(login.assert_status(200)["signupRequired"], true);
}

#[tokio::test]
async fn a_login_state_is_accepted_with_the_cookie_and_no_flow_value() {
    let (app, _provider) = oidc_app().await;
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let authorize = browser.get(app.url("/v1/auth/oauth/oidc/authorize")).send().await.unwrap();
    assert_eq!(authorize.status(), 200);
    let url = authorize.json::<Value>().await.unwrap()["url"].as_str().unwrap().to_string();
    let query = through_provider(&with_hint(&url, "cookie"), &app.callback_uri("oidc")).await;
    // Without the cookie (the test client keeps none) the same answer is refused.
    app.oauth_login("oidc", &query["code"], &query["state"], None).await.assert_error(400, "oauth:invalid_state");

    let login = browser
        .post(app.url("/v1/auth/oauth/oidc/login"))
        .json(&json!({ "code": query["code"], "state": query["state"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert_eq!(login.json::<Value>().await.unwrap()["signupRequired"], true);
}

#[tokio::test]
async fn the_login_cookie_is_secure_with_an_https_public_url() {
    let (app, _provider) = oidc_app_with(|config, _| {
        config.public_url = "https://accounts.example.com".parse().unwrap();
    })
    .await;
    let reply = app.get("/v1/auth/oauth/oidc/authorize", None).await;
    let cookie = reply.headers[header::SET_COOKIE.as_str()].to_str().unwrap().to_string();
    reply.assert_status(200);
    assert!(cookie.starts_with("accountd_oauth="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn a_link_state_finishes_only_with_the_session_that_asked_for_it() {
    let (app, _provider) = oidc_app().await;
    let jane = app.register_as("jane").await;
    let other_session =
        app.login("jane", PASSWORD).await.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    let pat = app.create_pat(&jane.token, &["user:read", "user:write"]).await;

    let url = app.link_url("oidc", &jane.token).await;
    let query = through_provider(&with_hint(&url, "jane-linked"), &app.callback_uri("oidc")).await;
    let answer = json!({ "code": query["code"], "state": query["state"] });
    for (credential, who) in [(&other_session, "another session"), (&pat, "a personal access token")] {
        let reply = app.post("/v1/me/linked-accounts/oidc", Some(credential), answer.clone()).await;
        assert_eq!(reply.status, 400, "{who}: {:?}", reply.body);
        reply.assert_error(400, "oauth:invalid_state");
    }
    assert!(app.linked(&jane.token).await.is_empty());

    // The session that asked still finishes it.
    app.post("/v1/me/linked-accounts/oidc", Some(&jane.token), answer).await.assert_status(201);
    assert_eq!(app.linked(&jane.token).await.len(), 1);
}

#[tokio::test]
async fn a_link_started_with_a_personal_access_token_finishes_with_that_token_only() {
    let (app, _provider) = oidc_app().await;
    let jane = app.register_as("jane").await;
    let pat = app.create_pat(&jane.token, &["user:read", "user:write"]).await;
    let url = app.link_url("oidc", &pat).await;
    let query = through_provider(&with_hint(&url, "jane-by-pat"), &app.callback_uri("oidc")).await;
    let answer = json!({ "code": query["code"], "state": query["state"] });
    app.post("/v1/me/linked-accounts/oidc", Some(&jane.token), answer.clone())
        .await
        .assert_error(400, "oauth:invalid_state");
    app.post("/v1/me/linked-accounts/oidc", Some(&pat), answer).await.assert_status(201);
}

#[tokio::test]
async fn a_state_expires_after_ten_minutes() {
    let (app, _provider) = oidc_app().await;
    let (code, state, flow) = app.oidc_login_code("fay").await;
    app.clock.advance(chrono::Duration::minutes(10) + chrono::Duration::seconds(1));
    app.oauth_login("oidc", &code, &state, Some(&flow)).await.assert_error(400, "oauth:invalid_state");
}

#[tokio::test]
async fn a_state_works_only_for_its_provider_and_purpose() {
    let (app, _provider) = oidc_app_with(|config, _| {
        config.oauth.providers.insert("github".into(), provider_config(OAuthProviderKind::Github));
    })
    .await;
    let (code, state, flow) = app.oidc_login_code("gus").await;
    app.oauth_login("github", &code, &state, Some(&flow)).await.assert_error(400, "oauth:invalid_state");

    // A login state can't link, and a link state can't log in or link another account.
    let jane = app.register_as("jane").await;
    let (code, state, _flow) = app.oidc_login_code("gus").await;
    let link =
        app.post("/v1/me/linked-accounts/oidc", Some(&jane.token), json!({ "code": code, "state": state })).await;
    link.assert_error(400, "oauth:invalid_state");

    let url = app.link_url("oidc", &jane.token).await;
    let query = through_provider(&with_hint(&url, "gus"), &app.callback_uri("oidc")).await;
    let bob = app.register_as("bob").await;
    let stolen = app
        .post(
            "/v1/me/linked-accounts/oidc",
            Some(&bob.token),
            json!({ "code": query["code"], "state": query["state"] }),
        )
        .await;
    stolen.assert_error(400, "oauth:invalid_state");
    assert!(app.linked(&bob.token).await.is_empty());
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    let (app, _provider) = oidc_app().await;
    let (url, flow) = app.login_url("oidc").await;
    let mut forged = url::Url::parse(&with_hint(&url, "nina")).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "nonce" { "attacker-chosen".to_string() } else { v.into_owned() };
            (k.into_owned(), value)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let query = through_provider(forged.as_str(), &app.callback_uri("oidc")).await;
    let reply = app.oauth_login("oidc", &query["code"], &query["state"], Some(&flow)).await;
    reply.assert_error(502, "oauth:provider_error");
}

#[tokio::test]
async fn a_provider_whose_issuer_does_not_match_is_refused() {
    // The provider calls itself http://127.0.0.1:PORT; configured as localhost, its
    // discovery document names another issuer and is not trusted.
    let (app, _provider) = oidc_app_with(|config, provider| {
        let mut wrong = provider_config(OAuthProviderKind::Oidc);
        wrong.issuer = Some(provider.issuer.replace("127.0.0.1", "localhost").parse().unwrap());
        config.oauth.providers.insert("oidc".into(), wrong);
    })
    .await;
    let reply = app.get("/v1/auth/oauth/oidc/authorize", None).await;
    reply.assert_error(502, "oauth:provider_error");
}

#[tokio::test]
async fn unknown_providers_and_redirect_uris_are_refused() {
    let (app, _provider) = oidc_app_with(|config, _| {
        config.oauth.allowed_redirect_uris = vec!["http://client.test/callback".into()];
    })
    .await;
    app.get("/v1/auth/oauth/nope/authorize", None).await.assert_error(404, "oauth:unknown_provider");
    app.oauth_login("nope", "c", "s", None).await.assert_error(404, "oauth:unknown_provider");
    let reply = app.get("/v1/auth/oauth/oidc/authorize?redirectUri=https%3A%2F%2Fevil.example%2Fcb", None).await;
    reply.assert_error(400, "oauth:invalid_redirect_uri");

    // A client that handles the redirect itself passes an allowed URI.
    let reply = app.get("/v1/auth/oauth/oidc/authorize?redirectUri=http%3A%2F%2Fclient.test%2Fcallback", None).await;
    let body = reply.assert_status(200);
    let (url, flow) = (body["url"].as_str().unwrap().to_string(), body["flow"].as_str().unwrap().to_string());
    let query = through_provider(&with_hint(&url, "olga"), "http://client.test/callback").await;
    let login = app.oauth_login("oidc", &query["code"], &query["state"], Some(&flow)).await;
    assert_eq!(login.assert_status(200)["signupRequired"], true);
}

#[tokio::test]
async fn linked_account_routes_need_a_session() {
    let (app, _provider) = oidc_app().await;
    app.get("/v1/me/linked-accounts", None).await.assert_error(401, "auth:unauthenticated");
    app.call(Method::POST, "/v1/me/linked-accounts/oidc/authorize", None, None)
        .await
        .assert_error(401, "auth:unauthenticated");
    app.unlink("ses_nope", "oidc").await.assert_error(401, "auth:unauthenticated");
}

// ---- GitHub and Discord stand-ins ---------------------------------------------------------

/// One of GitHub's or Discord's OAuth servers and user APIs, on 127.0.0.1: it approves
/// every authorization at once, and checks the client's credentials and PKCE at the token endpoint.
#[derive(Clone, Default)]
struct StandIn {
    /// code → (PKCE challenge, redirect URI)
    codes: Arc<Mutex<HashMap<String, (String, String)>>>,
    /// Which user logs in next: GitHub's `/user` body and `/user/emails`, or Discord's `/users/@me`.
    user: Arc<Mutex<Value>>,
    emails: Arc<Mutex<Value>>,
}

async fn stand_in_authorize(State(stand_in): State<StandIn>, Query(query): Query<HashMap<String, String>>) -> Response {
    assert_eq!(query.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(query.get("code_challenge_method").map(String::as_str), Some("S256"));
    let code = format!("code-{}", uuid::Uuid::now_v7().simple());
    let redirect = query["redirect_uri"].clone();
    stand_in.codes.lock().unwrap().insert(code.clone(), (query["code_challenge"].clone(), redirect.clone()));
    let mut target = url::Url::parse(&redirect).unwrap();
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &query["state"]);
    Redirect::to(target.as_str()).into_response()
}

async fn stand_in_token(State(stand_in): State<StandIn>, body: String) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let known = stand_in.codes.lock().unwrap().remove(form.get("code").map(String::as_str).unwrap_or(""));
    let Some((challenge, redirect)) = known else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_grant" }))).into_response();
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let valid = computed == challenge
        && form.get("redirect_uri") == Some(&redirect)
        && form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if !valid {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_grant" }))).into_response();
    }
    Json(json!({ "access_token": "gho_standin", "token_type": "bearer", "scope": "read:user,user:email" }))
        .into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some("Bearer gho_standin")
}

async fn stand_in_user(State(stand_in): State<StandIn>, headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    Json(stand_in.user.lock().unwrap().clone()).into_response()
}

async fn stand_in_emails(State(stand_in): State<StandIn>, headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    Json(stand_in.emails.lock().unwrap().clone()).into_response()
}

/// Serves the stand-in; returns its base URL.
async fn serve_stand_in(stand_in: StandIn) -> String {
    let router = Router::new()
        .route("/login/oauth/authorize", get(stand_in_authorize))
        .route("/login/oauth/access_token", post(stand_in_token))
        .route("/api/user", get(stand_in_user))
        .route("/api/user/emails", get(stand_in_emails))
        .route("/oauth2/authorize", get(stand_in_authorize))
        .route("/api/oauth2/token", post(stand_in_token))
        .route("/api/users/@me", get(stand_in_user))
        .with_state(stand_in);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// The app with `github` and `discord` pointed at stand-ins.
async fn social_app() -> (TestApp, StandIn, StandIn) {
    let github = StandIn::default();
    let discord = StandIn::default();
    let github_base = serve_stand_in(github.clone()).await;
    let discord_base = serve_stand_in(discord.clone()).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = spawn_app_on(listener, |config| {
        let mut gh = provider_config(OAuthProviderKind::Github);
        gh.auth_url = Some(format!("{github_base}/login/oauth/authorize").parse().unwrap());
        gh.token_url = Some(format!("{github_base}/login/oauth/access_token").parse().unwrap());
        gh.api_url = Some(format!("{github_base}/api").parse().unwrap());
        config.oauth.providers.insert("github".into(), gh);
        let mut dc = provider_config(OAuthProviderKind::Discord);
        dc.auth_url = Some(format!("{discord_base}/oauth2/authorize").parse().unwrap());
        dc.token_url = Some(format!("{discord_base}/api/oauth2/token").parse().unwrap());
        dc.api_url = Some(format!("{discord_base}/api").parse().unwrap());
        config.oauth.providers.insert("discord".into(), dc);
    })
    .await;
    (app, github, discord)
}

impl TestApp {
    async fn code_from(&self, url: &str, provider: &str) -> (String, String) {
        let query = through_provider(url, &self.callback_uri(provider)).await;
        (query["code"].clone(), query["state"].clone())
    }
}

#[tokio::test]
async fn github_and_discord_sign_up_link_and_unlink_without_losing_access() {
    let (app, github, discord) = social_app().await;
    let names: Vec<Value> =
        app.get("/v1/auth/oauth/providers", None).await.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(names, vec![json!({ "id": "discord", "name": "Discord" }), json!({ "id": "github", "name": "GitHub" })]);

    *github.user.lock().unwrap() =
        json!({ "id": 4242, "login": "Octo-Cat", "avatar_url": "https://avatars.github.test/4242", "email": null });
    *github.emails.lock().unwrap() = json!([
        { "email": "old@github.test", "primary": false, "verified": false },
        { "email": "octo@github.test", "primary": true, "verified": true },
    ]);
    let (url, flow) = app.login_url("github").await;
    let (code, state) = app.code_from(&url, "github").await;
    let reply = app.oauth_login("github", &code, &state, Some(&flow)).await;
    let body = reply.assert_status(200);
    assert_eq!(
        (body["email"].as_str(), body["suggestedUsername"].as_str()),
        (Some("octo@github.test"), Some("octo-cat"))
    );
    let octo = app.sign_up_with(reply, "octo").await;
    let me = app.get("/v1/me", Some(&octo.token)).await;
    let me = me.assert_status(200);
    assert_eq!(me["emailVerified"], true);
    assert_eq!(me["linkedAccounts"][0]["providerUserId"], "4242");
    assert_eq!(me["linkedAccounts"][0]["username"], "Octo-Cat");
    assert_eq!(me["linkedAccounts"][0]["avatarUrl"], "https://avatars.github.test/4242");

    // Link Discord to the same account.
    *discord.user.lock().unwrap() = json!({
        "id": "80351110224678912", "username": "nelly", "avatar": "8342729096ea3675442027381ff50dfe",
        "email": "nelly@discord.test", "verified": true,
    });
    let url = app.link_url("discord", &octo.token).await;
    let (code, state) = app.code_from(&url, "discord").await;
    let linked =
        app.post("/v1/me/linked-accounts/discord", Some(&octo.token), json!({ "code": code, "state": state })).await;
    let linked = linked.assert_status(201);
    assert_eq!(linked["providerUserId"], "80351110224678912");
    assert_eq!(
        linked["avatarUrl"],
        "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png"
    );

    // Unlink GitHub: Discord is still a way in.
    app.unlink(&octo.token, "github").await.assert_status(204);
    let (url, flow) = app.login_url("discord").await;
    let (code, state) = app.code_from(&url, "discord").await;
    let login = app.oauth_login("discord", &code, &state, Some(&flow)).await;
    assert_eq!(login.assert_status(200)["user"]["id"], octo.id.as_str());
    // Discord is now the only way in.
    app.unlink(&octo.token, "discord").await.assert_error(409, "oauth:last_login_method");

    // Data is refreshed at each login through the identity.
    discord.user.lock().unwrap()["username"] = json!("nelly2");
    let (url, flow) = app.login_url("discord").await;
    let (code, state) = app.code_from(&url, "discord").await;
    app.oauth_login("discord", &code, &state, Some(&flow)).await.assert_status(200);
    assert_eq!(app.linked(&octo.token).await[0]["username"], "nelly2");
}

#[tokio::test]
async fn a_github_user_without_a_verified_email_can_not_claim_an_account() {
    let (app, github, _discord) = social_app().await;
    app.register_as("jane").await;
    *github.user.lock().unwrap() = json!({ "id": 7, "login": "jane", "avatar_url": null, "email": "jane@example.com" });
    *github.emails.lock().unwrap() = json!([{ "email": "jane@example.com", "primary": true, "verified": false }]);
    let (url, flow) = app.login_url("github").await;
    let (code, state) = app.code_from(&url, "github").await;
    let reply = app.oauth_login("github", &code, &state, Some(&flow)).await;
    let token = reply.assert_status(200)["signupToken"].clone();
    let signup = app.post("/v1/auth/complete-signup", None, json!({ "signupToken": token, "username": "jane2" })).await;
    signup.assert_error(409, "user:email_taken");
}

#[tokio::test]
async fn a_code_the_provider_refuses_is_a_provider_error() {
    let (app, _github, _discord) = social_app().await;
    let (url, flow) = app.login_url("github").await;
    let (_code, state) = app.code_from(&url, "github").await;
    app.oauth_login("github", "forged", &state, Some(&flow)).await.assert_error(502, "oauth:provider_error");
}

// ---- the callback page in a browser -------------------------------------------------------

/// Runs the callback page in headless Chromium from `url`; returns what it showed.
async fn in_browser(url: &str, username: &str) -> Value {
    run_browser(&["--url", url], username).await
}

/// Starts a login as `hint` in headless Chromium, as a web app would (the browser asks
/// accountd's authorize route, keeping its cookie, and goes to the provider); returns what
/// the callback page showed.
async fn login_in_browser(app: &TestApp, hint: &str, username: &str) -> Value {
    run_browser(&["--start", &app.url("/v1/auth/oauth/oidc/authorize"), "--hint", hint], username).await
}

async fn run_browser(start: &[&str], username: &str) -> Value {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let output = Command::new("node")
        .arg(js_dir().join("oauth-callback-browser.mjs"))
        .args(start)
        .args(["--username", username, "--chromium", &chromium])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .await
        .expect("node runs tests/js/oauth-callback-browser.mjs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_else(|| panic!("no output from the browser script: {stdout}"));
    serde_json::from_str(line).unwrap()
}

#[tokio::test]
async fn the_callback_page_signs_up_and_logs_in_in_a_browser() {
    let (app, _provider) = oidc_app().await;

    let shown = login_in_browser(&app, "pat:pat@example.com:true", "pat_in_browser").await;
    assert_eq!(shown["errors"], json!([]), "{shown}");
    assert_eq!(shown["first"], "signup", "{shown}");
    assert_eq!(shown["suggested"], "pat");
    assert_eq!(shown["result"], "signed-in", "{shown}");
    assert_eq!(shown["sessionCookie"], true);
    assert_eq!(shown["heading"], "Signed in");
    assert!(!shown["url"].as_str().unwrap().contains("code="), "the code is dropped from the address: {shown}");
    app.get("/v1/users/pat_in_browser", None).await.assert_status(200);

    // The same identity, in a fresh browser, logs straight in.
    let shown = login_in_browser(&app, "pat:pat@example.com:true", "").await;
    assert_eq!(shown["errors"], json!([]), "{shown}");
    assert_eq!((shown["first"].as_str(), shown["result"].as_str()), (Some("signed-in"), Some("signed-in")));
    assert!(shown["status"].as_str().unwrap().contains("pat_in_browser"), "{shown}");
}

#[tokio::test]
async fn the_callback_page_reports_a_used_state() {
    let (app, _provider) = oidc_app().await;
    let (url, flow) = app.login_url("oidc").await;
    let query = through_provider(&with_hint(&url, "quinn"), &app.callback_uri("oidc")).await;
    app.oauth_login("oidc", &query["code"], &query["state"], Some(&flow)).await.assert_status(200);

    let mut page = url::Url::parse(&app.callback_uri("oidc")).unwrap();
    page.query_pairs_mut().append_pair("code", &query["code"]).append_pair("state", &query["state"]);
    let shown = in_browser(page.as_str(), "").await;
    assert_eq!(shown["result"], "error", "{shown}");
    assert_eq!(shown["heading"], "Sign-in failed");
}

#[tokio::test]
async fn the_callback_page_refuses_an_attackers_code_and_state() {
    let (app, _provider) = oidc_app().await;
    // The attacker starts a login as themself and stops at the provider's answer.
    let (code, state, attacker_flow) = app.oidc_login_code("mallory-page").await;

    // The victim's browser is sent to the callback page with the attacker's code and state.
    let mut page = url::Url::parse(&app.callback_uri("oidc")).unwrap();
    page.query_pairs_mut().append_pair("code", &code).append_pair("state", &state).append_pair("flow", &attacker_flow);
    let shown = in_browser(page.as_str(), "").await;
    assert_eq!(
        (shown["result"].as_str(), shown["code"].as_str()),
        (Some("error"), Some("oauth:invalid_state")),
        "{shown}"
    );
    assert_eq!(shown["sessionCookie"], false, "{shown}");

    // The refusal did not use the state up: the attacker's own client still finishes.
    let reply = app.oauth_login("oidc", &code, &state, Some(&attacker_flow)).await;
    assert_eq!(reply.assert_status(200)["signupRequired"], true);
}

#[tokio::test]
async fn openapi_lists_the_social_login_routes() {
    let app = crate::helpers::spawn_app().await;
    let document = app.get("/openapi.json", None).await;
    let paths = &document.assert_status(200)["paths"];
    for (path, method) in [
        ("/v1/auth/oauth/providers", "get"),
        ("/v1/auth/oauth/{provider}/authorize", "get"),
        ("/v1/auth/oauth/{provider}/login", "post"),
        ("/v1/auth/complete-signup", "post"),
        ("/v1/me/linked-accounts", "get"),
        ("/v1/me/linked-accounts/{provider}/authorize", "post"),
        ("/v1/me/linked-accounts/{provider}", "post"),
        ("/v1/me/linked-accounts/{provider}", "delete"),
        ("/oauth/{provider}/callback", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} is not documented");
    }
}

#[tokio::test]
async fn the_callback_page_runs_no_inline_script_under_the_policy() {
    let app = crate::helpers::spawn_app().await;
    let page = app.client.get(app.url("/oauth/github/callback?code=c&state=s")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script src="/oauth/callback.js" defer></script>"#));
    assert_eq!(html.matches("<script").count(), 1, "no inline script");
    let script = app.client.get(app.url("/oauth/callback.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
}

#[tokio::test]
async fn a_banned_account_cannot_log_in_with_its_identity() {
    let (app, _provider) = oidc_app().await;
    let reply = app.oidc_login("ben").await;
    let ben = app.sign_up_with(reply, "ben").await;
    app.execute_sql(&format!("UPDATE users SET banned = TRUE WHERE username = '{}'", ben.username)).await;
    app.oidc_login("ben").await.assert_error(403, "auth:account_banned");
}

/// `SELECT count(*) …` on the test's database; the SQL must be valid on both backends.
async fn count(app: &TestApp, query: &str) -> i64 {
    use sqlx::Connection as _;
    if app.database.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
        sqlx::query_scalar(query).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
        sqlx::query_scalar(query).fetch_one(&mut conn).await.unwrap()
    }
}

#[tokio::test]
async fn provider_tokens_and_states_are_not_stored_in_the_clear() {
    let (app, github, _discord) = social_app().await;
    *github.user.lock().unwrap() = json!({ "id": 99, "login": "sealy", "avatar_url": null, "email": null });
    *github.emails.lock().unwrap() = json!([{ "email": "sealy@github.test", "primary": true, "verified": true }]);
    let (url, flow) = app.login_url("github").await;
    let (code, state) = app.code_from(&url, "github").await;
    let reply = app.oauth_login("github", &code, &state, Some(&flow)).await;
    app.sign_up_with(reply, "sealy").await;

    // A dump of the database holds neither the provider's access token nor a usable state.
    assert_eq!(count(&app, "SELECT count(*) FROM linked_accounts WHERE access_token_sealed IS NOT NULL").await, 1);
    let clear = "SELECT count(*) FROM linked_accounts WHERE access_token_sealed LIKE '%gho_standin%'";
    assert_eq!(count(&app, clear).await, 0);
    let (url, _flow) = app.login_url("github").await;
    let state = url::Url::parse(&url).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    assert_eq!(count(&app, "SELECT count(*) FROM oauth_states").await, 1);
    assert_eq!(count(&app, &format!("SELECT count(*) FROM oauth_states WHERE state_hash = '{state}'")).await, 0);
}

#[tokio::test]
async fn an_account_with_two_factor_gets_the_second_step_through_social_login_too() {
    use accountd_core::Clock as _;
    let (app, _provider) = oidc_app().await;
    let jane = app.register_as("jane").await;
    let identity = "jane-2fa:jane.2fa@elsewhere.example:true";
    app.oidc_link(&jane.token, identity).await.assert_status(201);

    // Two-factor on, with codes from an independent TOTP implementation.
    let setup = app.post("/v1/me/2fa/setup", Some(&jane.token), json!({ "password": PASSWORD })).await;
    let totp = totp_rs::TOTP::from_url(setup.assert_status(200)["otpauthUri"].as_str().unwrap()).unwrap();
    let code_now = |app: &TestApp| totp.generate(u64::try_from(app.clock.now().timestamp()).unwrap());
    app.post("/v1/me/2fa/enable", Some(&jane.token), json!({ "password": PASSWORD, "code": code_now(&app) }))
        .await
        .assert_status(200);
    app.clock.advance(chrono::Duration::seconds(60));

    // The provider vouching for the identity is only the first factor.
    let reply = app.oidc_login(identity).await;
    let body = reply.assert_status(200).clone();
    assert_eq!(body["mfaRequired"], true, "{body}");
    assert!(body.get("session").is_none(), "{body}");
    assert!(crate::helpers::session_cookie(&reply.headers).is_none());

    let done =
        app.post("/v1/auth/login/2fa", None, json!({ "mfaToken": body["mfaToken"], "code": code_now(&app) })).await;
    let signed_in = done.assert_status(200);
    assert_eq!(signed_in["user"]["id"], jane.id.as_str());
    let token = signed_in["session"]["token"].as_str().unwrap();
    let history = app.get("/v1/me/login-history", Some(token)).await;
    // The first factor was the provider, the second the authenticator app.
    assert_eq!(history.assert_status(200)["items"][0]["method"], "oauth:oidc+totp");
}
