//! Passkeys end to end, every ceremony driven by an independent software authenticator
//! (`webauthn-authenticator-rs`'s `SoftToken`), not by accountd's code.

use accountd_core::Clock as _;
use chrono::Duration;
use reqwest::Method;
use serde_json::{json, Value};
use totp_rs::TOTP;
use url::Url;
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_authenticator_rs::AuthenticatorBackend;
use webauthn_rs_proto::{
    AllowCredentials, PublicKeyCredentialCreationOptions, PublicKeyCredentialRequestOptions, UserVerificationPolicy,
};

use crate::helpers::{session_cookie, spawn_app, spawn_app_with, Account, MailSink, TestApp, PASSWORD};

/// Plays the browser and its platform authenticator: it builds the client data for its
/// origin and hands the options to the soft token. The token keeps no discoverable
/// credentials itself, so the platform remembers each credential it created with the
/// user handle, as a platform authenticator does, and answers a request with an empty
/// `allowCredentials` from them, with the user handle.
struct Platform {
    token: SoftToken,
    /// (relying-party id, credential id, user handle) of each credential created.
    resident: Vec<(String, Vec<u8>, Vec<u8>)>,
    /// Whether it verifies the user (a PIN or biometric) when asked to prefer it.
    verifies_user: bool,
    origin: Url,
}

impl Platform {
    fn new(app: &TestApp, verifies_user: bool) -> Self {
        let (token, _) = SoftToken::new(true).unwrap();
        Self { token, resident: Vec::new(), verifies_user, origin: origin_of(app) }
    }

    /// A copy of the authenticator with the same keys and counter: a cloned device.
    fn clone_device(&self) -> Self {
        let token = SoftToken::from_cbor(&self.token.to_cbor().unwrap()).unwrap();
        Self { token, resident: self.resident.clone(), verifies_user: self.verifies_user, origin: self.origin.clone() }
    }

    fn user_verification(&self) -> UserVerificationPolicy {
        if self.verifies_user {
            UserVerificationPolicy::Required
        } else {
            UserVerificationPolicy::Discouraged_DO_NOT_USE
        }
    }

    /// `navigator.credentials.create()` with the server's creation options; the credential's JSON.
    fn create(&mut self, public_key: &Value) -> Value {
        let mut options: PublicKeyCredentialCreationOptions = serde_json::from_value(public_key.clone()).unwrap();
        let selection = options.authenticator_selection.as_mut().expect("authenticatorSelection");
        assert!(selection.require_resident_key, "a discoverable credential is asked for");
        assert_eq!(selection.user_verification, UserVerificationPolicy::Preferred);
        // The platform keeps the credential discoverable itself (below).
        selection.require_resident_key = false;
        selection.user_verification = self.user_verification();
        let (rp_id, handle) = (options.rp.id.clone(), options.user.id.to_vec());
        let credential =
            AuthenticatorBackend::perform_register(&mut self.token, self.origin.clone(), options, 60_000).unwrap();
        self.resident.push((rp_id, credential.raw_id.to_vec(), handle));
        serde_json::to_value(&credential).unwrap()
    }

    /// `navigator.credentials.get()` with the server's request options; the assertion's JSON.
    fn get(&mut self, public_key: &Value) -> Value {
        self.get_as(public_key, &self.origin.clone(), None)
    }

    /// An assertion made from `origin`, and for `rp_id` instead of the one asked for.
    fn get_as(&mut self, public_key: &Value, origin: &Url, rp_id: Option<&str>) -> Value {
        let mut options: PublicKeyCredentialRequestOptions = serde_json::from_value(public_key.clone()).unwrap();
        assert_eq!(options.user_verification, UserVerificationPolicy::Preferred);
        let discoverable = options.allow_credentials.is_empty();
        let mut handle = None;
        if discoverable {
            let (_, id, user) =
                self.resident.iter().find(|(rp, _, _)| *rp == options.rp_id).expect("a credential for this RP");
            options.allow_credentials =
                vec![AllowCredentials { type_: "public-key".into(), id: id.clone().into(), transports: None }];
            handle = Some(user.clone());
        }
        if let Some(rp_id) = rp_id {
            options.rp_id = rp_id.to_string();
        }
        options.user_verification = self.user_verification();
        let mut assertion =
            AuthenticatorBackend::perform_auth(&mut self.token, origin.clone(), options, 60_000).unwrap();
        assertion.response.user_handle = handle.map(Into::into);
        serde_json::to_value(&assertion).unwrap()
    }
}

/// The app's public URL, on `localhost` (an IP address is no relying-party id).
fn origin_of(app: &TestApp) -> Url {
    let mut origin = Url::parse(&app.address).unwrap();
    origin.set_host(Some("localhost")).unwrap();
    origin
}

async fn spawn_passkey_app() -> TestApp {
    spawn_app_with(|config| config.public_url.set_host(Some("localhost")).unwrap()).await
}

/// Adds a passkey made by `platform` to the account; answers the `Passkey`.
async fn add_passkey(app: &TestApp, token: &str, body: Value, platform: &mut Platform) -> Value {
    let reply = app.post("/v1/me/passkeys/options", Some(token), body).await;
    let options = reply.assert_status(200).clone();
    let credential = platform.create(&options["publicKey"]);
    let reply = app
        .post(
            "/v1/me/passkeys",
            Some(token),
            json!({ "challengeId": options["challengeId"], "credential": credential }),
        )
        .await;
    reply.assert_status(201).clone()
}

async fn login_options(app: &TestApp, body: Value) -> Value {
    app.post("/v1/auth/passkey/options", None, body).await.assert_status(200).clone()
}

async fn passkey_login(app: &TestApp, challenge_id: &Value, credential: Value) -> crate::helpers::Reply {
    app.post("/v1/auth/passkey/login", None, json!({ "challengeId": challenge_id, "credential": credential })).await
}

/// Logs in with the discoverable credential of `platform`.
async fn discoverable_login(app: &TestApp, platform: &mut Platform) -> crate::helpers::Reply {
    let options = login_options(app, json!({})).await;
    let credential = platform.get(&options["publicKey"]);
    passkey_login(app, &options["challengeId"], credential).await
}

#[tokio::test]
async fn a_passkey_is_added_after_reauthentication_and_the_owner_is_told() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| {
        config.public_url.set_host(Some("localhost")).unwrap();
        config.smtp_url = Some(url);
    })
    .await;
    let jane = app.register_as("jane").await;
    let mut platform = Platform::new(&app, true);

    let reply = app.post("/v1/me/passkeys/options", Some(&jane.token), json!({})).await;
    reply.assert_error(401, "auth:invalid_credentials");
    let reply = app.post("/v1/me/passkeys/options", Some(&jane.token), json!({ "password": "Wrong-Horse-9" })).await;
    reply.assert_error(401, "auth:invalid_credentials");

    let passkey = add_passkey(&app, &jane.token, json!({ "password": PASSWORD }), &mut platform).await;
    assert_eq!(passkey["name"], "Passkey");
    assert_eq!(passkey["transports"], json!(["internal"]));
    assert_eq!(passkey["backedUp"], false);
    assert!(passkey["lastUsedAt"].is_null());

    let list = app.get("/v1/me/passkeys", Some(&jane.token)).await;
    let items = list.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], passkey["id"]);

    assert_eq!(app.query_i64("SELECT count(*) FROM activities WHERE action = 'passkey.added'").await, 1);
    let notice = sink.wait_for(&jane.email, 2).await;
    assert!(notice.subject.contains("passkey was added"), "{}", notice.subject);
    assert!(notice.text.contains("\"Passkey\""), "{}", notice.text);

    // A personal access token cannot manage passkeys.
    let pat = app.create_pat(&jane.token, &["user:read", "user:write"]).await;
    app.get("/v1/me/passkeys", Some(&pat)).await.assert_error(403, "auth:session_required");
}

#[tokio::test]
async fn a_discoverable_passkey_logs_in_without_an_identifier() {
    let app = spawn_passkey_app().await;
    let jane = app.register_as("jane").await;
    let mut platform = Platform::new(&app, true);
    add_passkey(&app, &jane.token, json!({ "password": PASSWORD }), &mut platform).await;

    let options = login_options(&app, json!({})).await;
    assert_eq!(options["publicKey"]["allowCredentials"], json!([]));
    assert_eq!(options["publicKey"]["userVerification"], "preferred");
    let credential = platform.get(&options["publicKey"]);
    let reply = passkey_login(&app, &options["challengeId"], credential).await;
    let body = reply.assert_status(200);
    assert_eq!(body["user"]["username"], "jane");
    assert!(session_cookie(&reply.headers).is_some());
    let session = body["session"]["token"].as_str().unwrap().to_string();

    let history = app.get("/v1/me/login-history", Some(&session)).await;
    assert_eq!(history.assert_status(200)["items"][0]["method"], "passkey");
    let logins =
        "SELECT count(*) FROM activities WHERE action = 'auth.login' AND CAST(metadata AS TEXT) LIKE '%passkey%'";
    assert_eq!(app.query_i64(logins).await, 1);
    let list = app.get("/v1/me/passkeys", Some(&session)).await;
    assert!(list.assert_status(200)["items"][0]["lastUsedAt"].is_string());
}

#[tokio::test]
async fn a_passkey_logs_in_by_identifier_and_unknown_identifiers_get_the_same_shape() {
    let app = spawn_passkey_app().await;
    let jane = app.register_as("jane").await;
    let mut platform = Platform::new(&app, true);
    add_passkey(&app, &jane.token, json!({ "password": PASSWORD }), &mut platform).await;

    let options = login_options(&app, json!({ "identifier": "JANE@example.com" })).await;
    let allowed = options["publicKey"]["allowCredentials"].as_array().unwrap();
    assert_eq!(allowed.len(), 1);
    let credential = platform.get(&options["publicKey"]);
    assert_eq!(credential["id"], allowed[0]["id"]);
    let reply = passkey_login(&app, &options["challengeId"], credential).await;
    assert_eq!(reply.assert_status(200)["user"]["username"], "jane");

    let unknown = login_options(&app, json!({ "identifier": "nobody@example.com" })).await;
    let again = login_options(&app, json!({ "identifier": "nobody@example.com" })).await;
    assert_eq!(unknown["publicKey"]["allowCredentials"].as_array().unwrap().len(), 1);
    assert_eq!(unknown["publicKey"]["allowCredentials"], again["publicKey"]["allowCredentials"]);
    let keys = |value: &Value| value["publicKey"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&unknown), keys(&options));
}

#[tokio::test]
async fn a_replayed_assertion_and_a_reused_challenge_are_refused() {
    let app = spawn_passkey_app().await;
    let jane = app.register_as("jane").await;
    let mut platform = Platform::new(&app, true);
    add_passkey(&app, &jane.token, json!({ "password": PASSWORD }), &mut platform).await;

    let options = login_options(&app, json!({})).await;
    let credential = platform.get(&options["publicKey"]);
    passkey_login(&app, &options["challengeId"], credential.clone()).await.assert_status(200);
    // The same assertion again: its challenge is used.
    passkey_login(&app, &options["challengeId"], credential.clone())
        .await
        .assert_error(401, "passkey:invalid_response");
    // The same assertion for a new challenge: it signs the old one.
    let fresh = login_options(&app, json!({})).await;
    passkey_login(&app, &fresh["challengeId"], credential).await.assert_error(401, "passkey:invalid_response");
    // That failure spent the new challenge too, so a good assertion for it is refused.
    let good = platform.get(&fresh["publicKey"]);
    passkey_login(&app, &fresh["challengeId"], good).await.assert_error(401, "passkey:invalid_response");
}

#[tokio::test]
async fn an_expired_challenge_is_refused() {
    let app = spawn_passkey_app().await;
    let jane = app.register_as("jane").await;
    let mut platform = Platform::new(&app, true);
    add_passkey(&app, &jane.token, json!({ "password": PASSWORD }), &mut platform).await;

    let options = login_options(&app, json!({})).await;
    let credential = platform.get(&options["publicKey"]);
    app.clock.advance(Duration::minutes(5) + Duration::seconds(1));
    passkey_login(&app, &options["challengeId"], credential).await.assert_error(401, "passkey:invalid_response");

    // Registration refuses an expired ceremony with 400.
    let reply = app.post("/v1/me/passkeys/options", Some(&jane.token), json!({ "password": PASSWORD })).await;
    let options = reply.assert_status(200).clone();
    let credential = platform.create(&options["publicKey"]);
    app.clock.advance(Duration::minutes(6));
    let reply = app
        .post(
            "/v1/me/passkeys",
            Some(&jane.token),
            json!({ "challengeId": options["challengeId"], "credential": credential }),
        )
        .await;
    reply.assert_error(400, "passkey:invalid_response");
}

#[tokio::test]
async fn an_assertion_for_another_origin_or_relying_party_is_refused() {
    let app = spawn_passkey_app().await;
    let jane = app.register_as("jane").await;
    let mut platform = Platform::new(&app, true);
    add_passkey(&app, &jane.token, json!({ "password": PASSWORD }), &mut platform).await;

    let options = login_options(&app, json!({})).await;
    let mut phishing = origin_of(&app);
    phishing.set_host(Some("accounts.localhost")).unwrap();
    let credential = platform.get_as(&options["publicKey"], &phishing, None);
    passkey_login(&app, &options["challengeId"], credential).await.assert_error(401, "passkey:invalid_response");

    let options = login_options(&app, json!({})).await;
    let credential = platform.get_as(&options["publicKey"], &origin_of(&app), Some("example.org"));
    passkey_login(&app, &options["challengeId"], credential).await.assert_error(401, "passkey:invalid_response");

    // The refusals were not the key's fault: it still signs in.
    discoverable_login(&app, &mut platform).await.assert_status(200);
}

#[tokio::test]
async fn a_credential_of_another_account_does_not_sign_in_the_identified_one() {
    let app = spawn_passkey_app().await;
    let jane = app.register_as("jane").await;
    let bob = app.register_as("bob").await;
    let mut janes = Platform::new(&app, true);
    let mut bobs = Platform::new(&app, true);
    add_passkey(&app, &jane.token, json!({ "password": PASSWORD }), &mut janes).await;
    add_passkey(&app, &bob.token, json!({ "password": PASSWORD }), &mut bobs).await;

    // Options for jane; bob's authenticator answers with bob's credential.
    let options = login_options(&app, json!({ "identifier": "jane" })).await;
    let mut public_key = options["publicKey"].clone();
    public_key["allowCredentials"] = json!([]);
    let credential = bobs.get(&public_key);
    passkey_login(&app, &options["challengeId"], credential).await.assert_error(401, "passkey:invalid_response");

    // A user handle naming another account than the credential's is refused too.
    let options = login_options(&app, json!({})).await;
    let mut credential = bobs.get(&options["publicKey"]);
    credential["response"]["userHandle"] = json!(base64_url(&uuid::Uuid::parse_str(&jane.id).unwrap().into_bytes()));
    passkey_login(&app, &options["challengeId"], credential).await.assert_error(401, "passkey:invalid_response");
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn a_cloned_authenticator_is_refused_when_its_counter_goes_backwards() {
    let app = spawn_passkey_app().await;
    let jane = app.register_as("jane").await;
    let mut original = Platform::new(&app, true);
    add_passkey(&app, &jane.token, json!({ "password": PASSWORD }), &mut original).await;
    let mut clone = original.clone_device();

    discoverable_login(&app, &mut original).await.assert_status(200);
    // The clone signs with the counter the original already used.
    discoverable_login(&app, &mut clone).await.assert_error(401, "passkey:invalid_response");
    discoverable_login(&app, &mut original).await.assert_status(200);
}

#[tokio::test]
async fn deleting_the_last_way_to_log_in_is_refused() {
    let app = spawn_passkey_app().await;
    // A passwordless account: a session from sign-up, then a passkey without a password to give.
    let reply = app.post("/v1/users", None, json!({ "email": "pia@example.com", "username": "pia" })).await;
    let token = reply.assert_status(201)["session"]["token"].as_str().unwrap().to_string();
    app.login("pia", PASSWORD).await.assert_error(401, "auth:invalid_credentials");
    let mut phone = Platform::new(&app, true);
    let first = add_passkey(&app, &token, json!({}), &mut phone).await;
    discoverable_login(&app, &mut phone).await.assert_status(200);

    let path = format!("/v1/me/passkeys/{}", first["id"].as_str().unwrap());
    app.call(Method::DELETE, &path, Some(&token), None).await.assert_error(409, "auth:last_login_method");
    let list = app.get("/v1/me/passkeys", Some(&token)).await;
    assert_eq!(list.assert_status(200)["items"].as_array().unwrap().len(), 1);

    let mut laptop = Platform::new(&app, true);
    let second = add_passkey(&app, &token, json!({}), &mut laptop).await;
    let reply = app.call(Method::PATCH, &path, Some(&token), Some(json!({ "name": "Phone" }))).await;
    assert_eq!(reply.assert_status(200)["name"], "Phone");
    app.call(Method::DELETE, &path, Some(&token), None).await.assert_status(204);
    app.call(Method::DELETE, &path, Some(&token), None).await.assert_error(404, "passkey:not_found");
    discoverable_login(&app, &mut phone).await.assert_error(401, "passkey:invalid_response");
    let path = format!("/v1/me/passkeys/{}", second["id"].as_str().unwrap());
    app.call(Method::DELETE, &path, Some(&token), None).await.assert_error(409, "auth:last_login_method");

    // With a password set, the last passkey may go.
    let reply = app.call(Method::PUT, "/v1/me/password", Some(&token), Some(json!({ "newPassword": PASSWORD }))).await;
    reply.assert_status(204);
    app.call(Method::DELETE, &path, Some(&token), None).await.assert_status(204);
    assert_eq!(app.query_i64("SELECT count(*) FROM activities WHERE action = 'passkey.removed'").await, 2);
}

/// Turns two-factor on for the account; returns the independent TOTP generator.
pub(crate) async fn turn_on_two_factor(app: &TestApp, account: &Account) -> TOTP {
    let into_step = app.clock.now().timestamp().rem_euclid(30);
    app.clock.advance(Duration::seconds(30 - into_step + 1));
    let reply = app.post("/v1/me/2fa/setup", Some(&account.token), json!({ "password": PASSWORD })).await;
    let totp = TOTP::from_url(reply.assert_status(200)["otpauthUri"].as_str().unwrap()).unwrap();
    let code = totp.generate(u64::try_from(app.clock.now().timestamp()).unwrap());
    let reply =
        app.post("/v1/me/2fa/enable", Some(&account.token), json!({ "password": PASSWORD, "code": code })).await;
    reply.assert_status(200);
    app.clock.advance(Duration::seconds(60));
    totp
}

async fn mfa_token(app: &TestApp, username: &str) -> String {
    let body = app.login(username, PASSWORD).await.assert_status(200).clone();
    assert_eq!(body["mfaRequired"], true, "{body}");
    assert_eq!(body["methods"], json!(["totp", "recovery_code", "passkey"]));
    body["mfaToken"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_two_factor_account_finishes_its_second_step_with_a_passkey() {
    let app = spawn_passkey_app().await;
    let jane = app.register_as("jane").await;
    let totp = turn_on_two_factor(&app, &jane).await;
    let mut key = Platform::new(&app, false);
    // Adding a passkey with two-factor on takes a code too.
    let reply = app.post("/v1/me/passkeys/options", Some(&jane.token), json!({ "password": PASSWORD })).await;
    reply.assert_error(401, "2fa:invalid_code");
    let code = totp.generate(u64::try_from(app.clock.now().timestamp()).unwrap());
    add_passkey(&app, &jane.token, json!({ "password": PASSWORD, "code": code }), &mut key).await;

    let token = mfa_token(&app, "jane").await;
    let options = app.post("/v1/auth/login/2fa/passkey-options", None, json!({ "mfaToken": token })).await;
    let options = options.assert_status(200).clone();
    assert_eq!(options["publicKey"]["allowCredentials"].as_array().unwrap().len(), 1);
    // An assertion for another origin fails there and counts as a wrong code.
    let mut phishing = origin_of(&app);
    phishing.set_host(Some("accounts.localhost")).unwrap();
    let bad = key.get_as(&options["publicKey"], &phishing, None);
    let reply = app
        .post(
            "/v1/auth/login/2fa",
            None,
            json!({ "mfaToken": token, "challengeId": options["challengeId"], "credential": bad }),
        )
        .await;
    reply.assert_error(401, "passkey:invalid_response");

    let options = app.post("/v1/auth/login/2fa/passkey-options", None, json!({ "mfaToken": token })).await;
    let options = options.assert_status(200).clone();
    let credential = key.get(&options["publicKey"]);
    let reply = app
        .post(
            "/v1/auth/login/2fa",
            None,
            json!({ "mfaToken": token, "challengeId": options["challengeId"], "credential": credential }),
        )
        .await;
    let session = reply.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    let history = app.get("/v1/me/login-history", Some(&session)).await;
    assert_eq!(history.assert_status(200)["items"][0]["method"], "password+passkey");
    // The login step is spent.
    let again = app.post("/v1/auth/login/2fa/passkey-options", None, json!({ "mfaToken": token })).await;
    again.assert_error(401, "auth:mfa_token_invalid");
}

#[tokio::test]
async fn a_passkey_login_is_multi_factor_only_with_user_verification() {
    let app = spawn_passkey_app().await;
    let jane = app.register_as("jane").await;
    let totp = turn_on_two_factor(&app, &jane).await;
    let mut verifying = Platform::new(&app, true);
    let mut presence_only = Platform::new(&app, false);
    for platform in [&mut verifying, &mut presence_only] {
        let code = totp.generate(u64::try_from(app.clock.now().timestamp()).unwrap());
        add_passkey(&app, &jane.token, json!({ "password": PASSWORD, "code": code }), platform).await;
        app.clock.advance(Duration::seconds(60));
    }

    let reply = discoverable_login(&app, &mut verifying).await;
    assert!(reply.assert_status(200)["session"]["token"].is_string(), "no TOTP step with user verification");

    let reply = discoverable_login(&app, &mut presence_only).await;
    let body = reply.assert_status(200);
    assert_eq!(body["mfaRequired"], true, "{body}");
    assert_eq!(body["methods"], json!(["totp", "recovery_code", "passkey"]));
    assert!(session_cookie(&reply.headers).is_none());
}

#[tokio::test]
async fn passkeys_are_off_when_the_public_url_host_is_an_ip_address() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app.post("/v1/auth/passkey/options", None, json!({})).await;
    assert_eq!(reply.status.as_u16(), 404);
    let reply = app.post("/v1/me/passkeys/options", Some(&jane.token), json!({ "password": PASSWORD })).await;
    assert_eq!(reply.status.as_u16(), 404);
    assert_eq!(app.get("/v1/me/passkeys", Some(&jane.token)).await.status.as_u16(), 404);

    // An explicit relying-party id turns them on with a public URL of that domain.
    let app = spawn_app_with(|config| {
        config.public_url.set_host(Some("accounts.localhost")).unwrap();
        config.passkeys.rp_id = Some("localhost".into());
    })
    .await;
    let options = login_options(&app, json!({})).await;
    assert_eq!(options["publicKey"]["rpId"], "localhost");
}

#[tokio::test]
async fn a_reset_of_a_never_verified_account_removes_its_passkeys() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| {
        config.public_url.set_host(Some("localhost")).unwrap();
        config.smtp_url = Some(url);
    })
    .await;
    // Someone signed up with jane's address (never verified) and added a passkey.
    let squatter = app.register_as("jane").await;
    let mut squatters = Platform::new(&app, true);
    add_passkey(&app, &squatter.token, json!({ "password": PASSWORD }), &mut squatters).await;
    discoverable_login(&app, &mut squatters).await.assert_status(200);

    // The mailbox's owner resets the password: the account comes back clean.
    app.post("/v1/auth/forgot-password", None, json!({ "email": squatter.email })).await.assert_status(202);
    let reset = wait_for_subject(&sink, &squatter.email, "Reset your").await;
    let token = reset.token(&origin_of(&app).origin().ascii_serialization(), "/reset-password");
    let reply =
        app.post("/v1/auth/reset-password", None, json!({ "token": token, "newPassword": "Owner-Horse-42" })).await;
    reply.assert_status(204);
    assert_eq!(app.query_i64("SELECT count(*) FROM passkeys").await, 0);
    discoverable_login(&app, &mut squatters).await.assert_error(401, "passkey:invalid_response");
}

/// The pre-hijacking attack, end to end (docs/security.md §1): a squatter signs up with the victim's address
/// (never verified) and sets up every way back in it can; the victim signs in by email,
/// which proves the mailbox, and gets the account with none of them left.
#[tokio::test]
async fn signing_in_by_email_to_a_never_verified_account_takes_back_what_the_squatter_set_up() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| {
        config.public_url.set_host(Some("localhost")).unwrap();
        config.smtp_url = Some(url);
    })
    .await;
    let victim = "victim@example.com";

    // The squatter: a password, a passkey, an authenticator app, a token (linked identities:
    // `email_login::signing_in_by_email_to_a_never_verified_account_unlinks_the_squatters_identity`).
    let signed_up =
        app.post("/v1/users", None, json!({ "email": victim, "username": "squatter", "password": PASSWORD })).await;
    let squatter = signed_up.assert_status(201)["session"]["token"].as_str().unwrap().to_string();
    let id = signed_up.assert_status(201)["user"]["id"].as_str().unwrap().to_string();
    let account = Account { id, token: squatter.clone(), email: victim.to_string(), username: "squatter".to_string() };
    let mut squatters = Platform::new(&app, true);
    add_passkey(&app, &squatter, json!({ "password": PASSWORD }), &mut squatters).await;
    let pat = app.create_pat(&squatter, &["user:read", "user:write"]).await;
    let totp = turn_on_two_factor(&app, &account).await;
    assert_eq!(app.login(victim, PASSWORD).await.assert_status(200)["mfaRequired"], true);

    // The mailbox's owner signs in by email, with the code.
    app.post("/v1/auth/email-login", None, json!({ "email": victim })).await.assert_status(202);
    let mail = wait_for_subject(&sink, victim, "Sign in to").await;
    let code = mail.text.lines().find_map(|line| line.trim().strip_prefix("Code: ")).unwrap().to_string();
    let reply = app.post("/v1/auth/email-login/verify", None, json!({ "email": victim, "code": code })).await;
    let body = reply.assert_status(200).clone();
    assert!(body.get("mfaRequired").is_none(), "the squatter's second factor is gone: {body}");
    assert_eq!(body["user"]["emailVerified"], true);
    let owner = body["session"]["token"].as_str().unwrap().to_string();

    // Nothing the squatter set up still works.
    app.get("/v1/me", Some(&squatter)).await.assert_error(401, "auth:unauthenticated");
    app.get("/v1/me", Some(&pat)).await.assert_error(401, "auth:unauthenticated");
    app.login(victim, PASSWORD).await.assert_error(401, "auth:invalid_credentials");
    discoverable_login(&app, &mut squatters).await.assert_error(401, "passkey:invalid_response");
    let old_code = totp.generate(u64::try_from(app.clock.now().timestamp()).unwrap());
    let disable = app.post("/v1/me/2fa/disable", Some(&owner), json!({ "code": old_code })).await;
    assert!(disable.status.is_client_error(), "no second factor left to disable: {}", disable.status);

    // The owner has the account, passwordless, and can set a password of its own.
    let me = app.get("/v1/me", Some(&owner)).await.assert_status(200).clone();
    assert_eq!(me["twoFactorEnabled"], false);
    assert_eq!(app.get("/v1/me/tokens", Some(&owner)).await.assert_status(200)["items"], json!([]));
    assert_eq!(app.get("/v1/me/passkeys", Some(&owner)).await.assert_status(200)["items"], json!([]));
    assert_eq!(app.query_i64("SELECT count(*) FROM sessions").await, 1, "only the owner's session is left");
    assert_eq!(app.query_i64("SELECT count(*) FROM users WHERE password_hash IS NULL").await, 1);
    let set =
        app.call(Method::PUT, "/v1/me/password", Some(&owner), Some(json!({ "newPassword": "Owner-Horse-42" }))).await;
    set.assert_status(204);
    app.login(victim, "Owner-Horse-42").await.assert_status(200);
}

/// Sign-in by email to an account whose address was verified changes nothing it has.
#[tokio::test]
async fn signing_in_by_email_to_a_verified_account_keeps_its_credentials() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| {
        config.public_url.set_host(Some("localhost")).unwrap();
        config.smtp_url = Some(url);
    })
    .await;
    let jane = app.register_as("jane").await;
    let verify = wait_for_subject(&sink, &jane.email, "Confirm your email").await;
    let token = verify.token(&origin_of(&app).origin().ascii_serialization(), "/verify-email");
    app.post("/v1/auth/verify-email", None, json!({ "token": token })).await.assert_status(200);
    let mut platform = Platform::new(&app, true);
    add_passkey(&app, &jane.token, json!({ "password": PASSWORD }), &mut platform).await;

    app.post("/v1/auth/email-login", None, json!({ "email": jane.email })).await.assert_status(202);
    let mail = wait_for_subject(&sink, &jane.email, "Sign in to").await;
    let token = mail.token(&origin_of(&app).origin().ascii_serialization(), "/email-login");
    app.post("/v1/auth/email-login/verify", None, json!({ "token": token })).await.assert_status(200);

    app.get("/v1/me", Some(&jane.token)).await.assert_status(200);
    app.login(&jane.email, PASSWORD).await.assert_status(200);
    discoverable_login(&app, &mut platform).await.assert_status(200);
}

/// The newest mail to `recipient` whose subject contains `subject`, waiting for it.
pub(crate) async fn wait_for_subject(sink: &MailSink, recipient: &str, subject: &str) -> crate::helpers::ReceivedMail {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let found = sink.messages().into_iter().rfind(|m| m.to == recipient && m.subject.contains(subject));
        if let Some(mail) = found {
            return mail;
        }
        assert!(std::time::Instant::now() < deadline, "no mail \"{subject}\" for {recipient}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_passkey_and_email_login_routes() {
    let app = spawn_app().await;
    let document = app.get("/openapi.json", None).await.assert_status(200).clone();
    for (path, method) in [
        ("/v1/me/passkeys", "get"),
        ("/v1/me/passkeys", "post"),
        ("/v1/me/passkeys/options", "post"),
        ("/v1/me/passkeys/{id}", "patch"),
        ("/v1/me/passkeys/{id}", "delete"),
        ("/v1/auth/passkey/options", "post"),
        ("/v1/auth/passkey/login", "post"),
        ("/v1/auth/login/2fa/passkey-options", "post"),
        ("/v1/auth/email-login", "post"),
        ("/v1/auth/email-login/verify", "post"),
    ] {
        assert!(document["paths"][path][method].is_object(), "{method} {path} missing from the OpenAPI document");
    }
    let options = document["paths"]["/v1/me/passkeys/options"]["post"]["description"].as_str().unwrap();
    assert!(options.contains("Passkey-first sign-up"), "{options}");
}
