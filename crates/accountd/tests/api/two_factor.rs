//! Two-factor authentication end to end, with codes from an independent TOTP
//! implementation (the `totp-rs` crate reading the `otpauth://` URI the API hands out).

use accountd_core::Clock as _;
use chrono::Duration;
use reqwest::Method;
use serde_json::{json, Value};
use totp_rs::TOTP;

use crate::helpers::{session_cookie, spawn_app, spawn_app_with, Account, MailSink, TestApp, PASSWORD};

/// Moves the test clock to just after the start of a time step, so the requests of a
/// test don't straddle a step boundary; tests then move it in whole steps.
fn align_to_step(app: &TestApp) {
    let into_step = app.clock.now().timestamp().rem_euclid(30);
    app.clock.advance(Duration::seconds(30 - into_step + 1));
}

fn next_step(app: &TestApp, steps: i64) {
    app.clock.advance(Duration::seconds(30 * steps));
}

/// The code the independent implementation shows `steps` time steps from now.
fn code(app: &TestApp, totp: &TOTP, steps: i64) -> String {
    let at = app.clock.now().timestamp() + 30 * steps;
    totp.generate(u64::try_from(at).unwrap())
}

struct TwoFactorAccount {
    account: Account,
    totp: TOTP,
    recovery_codes: Vec<String>,
}

async fn setup(app: &TestApp, account: &Account) -> TOTP {
    let reply = app.post("/v1/me/2fa/setup", Some(&account.token), json!({ "password": PASSWORD })).await;
    let body = reply.assert_status(200);
    let uri = body["otpauthUri"].as_str().unwrap();
    assert!(uri.starts_with(&format!("otpauth://totp/accountd:{}?secret=", account.username)), "{uri}");
    assert!(uri.contains("&issuer=accountd"), "{uri}");
    let totp = TOTP::from_url(uri).unwrap();
    assert_eq!(totp.get_secret_base32(), body["secret"].as_str().unwrap());
    assert_eq!(body["secret"].as_str().unwrap().len(), 32, "160 bits in base32");
    assert!(body["qrCode"].as_str().unwrap().starts_with("data:image/png;base64,iVBORw0KGgo"));
    totp
}

/// Registers `name` and turns two-factor on; the clock is then two steps past the enabling code.
async fn with_two_factor(app: &TestApp, name: &str) -> TwoFactorAccount {
    let account = app.register_as(name).await;
    align_to_step(app);
    let totp = setup(app, &account).await;
    let reply = app
        .post("/v1/me/2fa/enable", Some(&account.token), json!({ "password": PASSWORD, "code": code(app, &totp, 0) }))
        .await;
    let body = reply.assert_status(200);
    assert_eq!(body["enabled"], true);
    let recovery_codes: Vec<String> =
        body["recoveryCodes"].as_array().unwrap().iter().map(|code| code.as_str().unwrap().to_string()).collect();
    next_step(app, 2);
    TwoFactorAccount { account, totp, recovery_codes }
}

async fn mfa_token(app: &TestApp, identifier: &str) -> String {
    let reply = app.login(identifier, PASSWORD).await;
    let body = reply.assert_status(200);
    assert_eq!(body["mfaRequired"], true, "{body}");
    assert_eq!(body["methods"], json!(["totp", "recovery_code"]));
    assert!(
        body.get("session").is_none() && session_cookie(&reply.headers).is_none(),
        "no session before the second step"
    );
    body["mfaToken"].as_str().unwrap().to_string()
}

async fn second_step(app: &TestApp, mfa_token: &str, field: &str, code: &str) -> crate::helpers::Reply {
    app.post("/v1/auth/login/2fa", None, json!({ "mfaToken": mfa_token, field: code })).await
}

async fn delete_with(app: &TestApp, path: &str, token: &str, body: Value) -> crate::helpers::Reply {
    app.call(Method::DELETE, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn setup_then_enable_with_a_code_from_an_authenticator_app() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    app.post("/v1/me/2fa/enable", Some(&jane.token), json!({ "password": PASSWORD, "code": "123456" }))
        .await
        .assert_error(409, "2fa:no_pending_setup");
    align_to_step(&app);
    let first = setup(&app, &jane).await;
    let totp = setup(&app, &jane).await;
    assert_ne!(first.get_secret_base32(), totp.get_secret_base32(), "setup again replaces the pending secret");
    let status = app.get("/v1/me/2fa", Some(&jane.token)).await;
    assert_eq!(
        status.assert_status(200),
        &json!({ "enabled": false, "enabledAt": null, "recoveryCodesRemaining": 0, "pendingSetup": true })
    );
    app.post("/v1/me/2fa/enable", Some(&jane.token), json!({ "password": PASSWORD, "code": code(&app, &first, 0) }))
        .await
        .assert_error(400, "2fa:invalid_code");
    app.post("/v1/me/2fa/enable", Some(&jane.token), json!({ "password": PASSWORD, "code": "abc" }))
        .await
        .assert_error(400, "2fa:invalid_code");

    let reply = app
        .post("/v1/me/2fa/enable", Some(&jane.token), json!({ "password": PASSWORD, "code": code(&app, &totp, 0) }))
        .await;
    let codes = reply.assert_status(200)["recoveryCodes"].as_array().unwrap().clone();
    assert_eq!(codes.len(), 10);
    for code in &codes {
        let code = code.as_str().unwrap();
        assert_eq!(code.len(), 11, "{code}");
        assert!(code.chars().enumerate().all(|(i, c)| if i == 5 {
            c == '-'
        } else {
            c.is_ascii_lowercase() || c.is_ascii_digit()
        }));
    }
    let status = app.get("/v1/me/2fa", Some(&jane.token)).await;
    let status = status.assert_status(200);
    assert_eq!((status["enabled"].clone(), status["pendingSetup"].clone()), (json!(true), json!(false)));
    assert_eq!(status["recoveryCodesRemaining"], 10);
    assert!(status["enabledAt"].is_string());
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.body["twoFactorEnabled"], true);
    app.post("/v1/me/2fa/setup", Some(&jane.token), json!({ "password": PASSWORD }))
        .await
        .assert_error(409, "2fa:already_enabled");
    app.post("/v1/me/2fa/enable", Some(&jane.token), json!({ "password": PASSWORD, "code": code(&app, &totp, 0) }))
        .await
        .assert_error(409, "2fa:already_enabled");
    let secret = totp.get_secret_base32();
    let clear = app.query_i64(&format!("SELECT count(*) FROM two_factor WHERE secret_sealed LIKE '%{secret}%'")).await;
    assert_eq!(clear, 0, "the secret is sealed at rest");
}

#[tokio::test]
async fn login_takes_a_second_step_and_a_totp_code_works_once() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let token = mfa_token(&app, "jane").await;
    let now = code(&app, &jane.totp, 0);
    let reply = second_step(&app, &token, "code", &now).await;
    let body = reply.assert_status(200);
    assert_eq!(body["user"]["username"], "jane");
    assert!(session_cookie(&reply.headers).is_some());
    let session = body["session"]["token"].as_str().unwrap();
    app.get("/v1/me", Some(session)).await.assert_status(200);
    second_step(&app, &token, "code", &now).await.assert_error(401, "auth:mfa_token_invalid");

    // The same code replayed within its window, on a new login.
    let again = mfa_token(&app, "jane").await;
    second_step(&app, &again, "code", &now).await.assert_error(401, "2fa:invalid_code");
    next_step(&app, 1);
    second_step(&app, &again, "code", &code(&app, &jane.totp, 0)).await.assert_status(200);
    second_step(&app, "mfa_unknown", "code", "123456").await.assert_error(401, "auth:mfa_token_invalid");
    let history = app.get("/v1/me/login-history", Some(session)).await;
    assert!(history.body["items"].as_array().unwrap().iter().any(|item| item["method"] == "password+totp"));
}

#[tokio::test]
async fn one_step_of_clock_skew_is_accepted_and_two_are_refused() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let token = mfa_token(&app, "jane").await;
    second_step(&app, &token, "code", &code(&app, &jane.totp, 2)).await.assert_error(401, "2fa:invalid_code");
    second_step(&app, &token, "code", &code(&app, &jane.totp, -2)).await.assert_error(401, "2fa:invalid_code");
    second_step(&app, &token, "code", &code(&app, &jane.totp, -1)).await.assert_status(200);
    let token = mfa_token(&app, "jane").await;
    second_step(&app, &token, "code", &code(&app, &jane.totp, 1)).await.assert_status(200);
    // Steps up to the newest accepted one never pass again, even within the window.
    let token = mfa_token(&app, "jane").await;
    second_step(&app, &token, "code", &code(&app, &jane.totp, 0)).await.assert_error(401, "2fa:invalid_code");
}

#[tokio::test]
async fn five_wrong_codes_burn_the_mfa_token() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let token = mfa_token(&app, "jane").await;
    for _ in 0..5 {
        second_step(&app, &token, "code", "000000").await.assert_error(401, "2fa:invalid_code");
    }
    second_step(&app, &token, "code", &code(&app, &jane.totp, 0)).await.assert_error(401, "auth:mfa_token_invalid");
    let fresh = mfa_token(&app, "jane").await;
    for _ in 0..4 {
        second_step(&app, &fresh, "recoveryCode", "aaaaa-aaaaa").await.assert_error(401, "2fa:invalid_code");
    }
    second_step(&app, &fresh, "code", &code(&app, &jane.totp, 0)).await.assert_status(200);
}

#[tokio::test]
async fn the_mfa_token_expires_after_five_minutes() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let token = mfa_token(&app, "jane").await;
    next_step(&app, 11);
    second_step(&app, &token, "code", &code(&app, &jane.totp, 0)).await.assert_error(401, "auth:mfa_token_invalid");
    let fresh = mfa_token(&app, "jane").await;
    next_step(&app, 9);
    second_step(&app, &fresh, "code", &code(&app, &jane.totp, 0)).await.assert_status(200);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_the_count_is_exact() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let recovery = &jane.recovery_codes[3];
    let token = mfa_token(&app, "jane").await;
    let reply = second_step(&app, &token, "recoveryCode", &recovery.to_uppercase()).await;
    let session = reply.assert_status(200)["session"]["token"].as_str().unwrap().to_string();
    let counts = app.get("/v1/me/2fa/recovery-codes", Some(&session)).await;
    let counts = counts.assert_status(200);
    assert_eq!((counts["total"].clone(), counts["remaining"].clone()), (json!(10), json!(9)));
    assert!(counts.get("codes").is_none());
    assert_eq!(app.get("/v1/me/2fa", Some(&session)).await.body["recoveryCodesRemaining"], 9);

    let token = mfa_token(&app, "jane").await;
    second_step(&app, &token, "recoveryCode", recovery).await.assert_error(401, "2fa:invalid_code");
    // A recovery code typed where the app's code goes works as well.
    second_step(&app, &token, "code", &jane.recovery_codes[4]).await.assert_status(200);
    let activity: i64 = app.query_i64("SELECT count(*) FROM activities WHERE action = '2fa.recovery_code_used'").await;
    assert_eq!(activity, 2);
}

#[tokio::test]
async fn include_codes_reveals_the_newest_set_only_once() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let token = &jane.account.token;
    let first = app.get("/v1/me/2fa/recovery-codes?includeCodes=true", Some(token)).await;
    let first = first.assert_status(200);
    let shown: Vec<String> =
        first["codes"].as_array().unwrap().iter().map(|code| code.as_str().unwrap().to_string()).collect();
    assert_eq!(shown, jane.recovery_codes);
    assert!(first["generatedAt"].is_string());
    let second = app.get("/v1/me/2fa/recovery-codes?includeCodes=true", Some(token)).await;
    assert!(second.assert_status(200).get("codes").is_none());
    app.get("/v1/me/2fa/recovery-codes?includeCodes=maybe", Some(token))
        .await
        .assert_error(400, "request:invalid_query");
}

#[tokio::test]
async fn regenerating_recovery_codes_retires_the_old_set_at_once() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let token = &jane.account.token;
    app.post("/v1/me/2fa/recovery-codes", Some(token), json!({ "password": PASSWORD }))
        .await
        .assert_error(401, "2fa:invalid_code");
    app.post(
        "/v1/me/2fa/recovery-codes",
        Some(token),
        json!({ "password": "wrong", "code": code(&app, &jane.totp, 0) }),
    )
    .await
    .assert_error(401, "auth:invalid_credentials");
    let reply = app
        .post(
            "/v1/me/2fa/recovery-codes",
            Some(token),
            json!({ "password": PASSWORD, "code": code(&app, &jane.totp, 0) }),
        )
        .await;
    let fresh: Vec<String> = reply.assert_status(200)["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_string())
        .collect();
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|code| !jane.recovery_codes.contains(code)));
    let revealed = app.get("/v1/me/2fa/recovery-codes?includeCodes=true", Some(token)).await;
    assert_eq!(revealed.assert_status(200)["codes"], json!(fresh));

    let login = mfa_token(&app, "jane").await;
    second_step(&app, &login, "recoveryCode", &jane.recovery_codes[0]).await.assert_error(401, "2fa:invalid_code");
    second_step(&app, &login, "recoveryCode", &fresh[0]).await.assert_status(200);
    let kept: i64 = app.query_i64("SELECT count(*) FROM recovery_codes").await;
    assert_eq!(kept, 10);
}

#[tokio::test]
async fn one_recovery_code_sent_by_two_requests_at_once_signs_in_once() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    for round in 0..3 {
        let (first, second) = (mfa_token(&app, "jane").await, mfa_token(&app, "jane").await);
        let code = jane.recovery_codes[round].clone();
        let (a, b) = futures::join!(
            second_step(&app, &first, "recoveryCode", &code),
            second_step(&app, &second, "recoveryCode", &code)
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 401], "{} / {}", a.body, b.body);
        let refused = if a.status == 401 { a } else { b };
        refused.assert_error(401, "2fa:invalid_code");
    }
    let remaining = app.get("/v1/me/2fa", Some(&jane.account.token)).await;
    assert_eq!(remaining.body["recoveryCodesRemaining"], 7);
}

#[tokio::test]
async fn one_totp_code_sent_by_two_requests_at_once_signs_in_once() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let (first, second) = (mfa_token(&app, "jane").await, mfa_token(&app, "jane").await);
    let now = code(&app, &jane.totp, 0);
    let (a, b) = futures::join!(second_step(&app, &first, "code", &now), second_step(&app, &second, "code", &now));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401], "{} / {}", a.body, b.body);
}

#[tokio::test]
async fn disabling_takes_the_password_and_a_code() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let token = &jane.account.token;
    delete_with(&app, "/v1/me/2fa", token, json!({ "password": PASSWORD })).await.assert_error(401, "2fa:invalid_code");
    delete_with(&app, "/v1/me/2fa", token, json!({ "password": PASSWORD, "code": "000000" }))
        .await
        .assert_error(401, "2fa:invalid_code");
    delete_with(&app, "/v1/me/2fa", token, json!({ "code": code(&app, &jane.totp, 0) }))
        .await
        .assert_error(401, "auth:invalid_credentials");
    let reply =
        delete_with(&app, "/v1/me/2fa", token, json!({ "password": PASSWORD, "code": code(&app, &jane.totp, 0) }))
            .await;
    reply.assert_status(204);
    let status = app.get("/v1/me/2fa", Some(token)).await;
    assert_eq!(
        status.body,
        json!({ "enabled": false, "enabledAt": null, "recoveryCodesRemaining": 0, "pendingSetup": false })
    );
    assert_eq!(app.get("/v1/me", Some(token)).await.body["twoFactorEnabled"], false);
    app.login("jane", PASSWORD).await.assert_status(200)["session"]["token"].as_str().unwrap();
    delete_with(&app, "/v1/me/2fa", token, json!({ "password": PASSWORD })).await.assert_error(409, "2fa:not_enabled");
    let actions: i64 =
        app.query_i64("SELECT count(*) FROM activities WHERE action IN ('2fa.enabled', '2fa.disabled')").await;
    assert_eq!(actions, 2);
}

#[tokio::test]
async fn a_password_reset_of_a_verified_account_leaves_two_factor_on() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| config.smtp_url = Some(url)).await;
    let jane = with_two_factor(&app, "jane").await;
    let email = &jane.account.email;
    // The verification mail and the 2FA notice first, so the reset link is the third mail.
    let verification = sink.wait_for(email, 1).await.token(&app.address, "/verify-email?token=");
    app.post("/v1/auth/verify-email", None, json!({ "token": verification })).await.assert_status(200);
    sink.wait_for(email, 2).await;
    app.post("/v1/auth/forgot-password", None, json!({ "email": email })).await.assert_status(202);
    let mail = sink.wait_for(email, 3).await;
    let reset = mail.token(&app.address, "/reset-password?token=");
    app.post("/v1/auth/reset-password", None, json!({ "token": reset, "newPassword": "Another-Horse-7" }))
        .await
        .assert_status(204);
    let reply = app.login("jane", "Another-Horse-7").await;
    assert_eq!(reply.assert_status(200)["mfaRequired"], true);
}

#[tokio::test]
async fn an_email_change_needs_a_code_when_two_factor_is_on() {
    let app = spawn_app().await;
    let jane = with_two_factor(&app, "jane").await;
    let token = &jane.account.token;
    app.post("/v1/me/email", Some(token), json!({ "email": "jane2@example.com", "password": PASSWORD }))
        .await
        .assert_error(401, "2fa:invalid_code");
    let reply = app
        .post(
            "/v1/me/email",
            Some(token),
            json!({ "email": "jane2@example.com", "password": PASSWORD, "code": code(&app, &jane.totp, 0) }),
        )
        .await;
    reply.assert_status(202);
}

#[tokio::test]
async fn email_confirmation_mails_a_code_that_enabling_then_needs() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| {
        config.smtp_url = Some(url);
        config.two_factor.email_confirmation = true;
    })
    .await;
    let jane = app.register_as("jane").await;
    sink.wait_for(&jane.email, 1).await;
    align_to_step(&app);
    let totp = setup(&app, &jane).await;
    let now = code(&app, &totp, 0);
    let reply = app.post("/v1/me/2fa/enable", Some(&jane.token), json!({ "password": PASSWORD, "code": now })).await;
    assert_eq!(reply.assert_status(202), &json!({ "emailCodeSent": true }));
    let mail = sink.wait_for(&jane.email, 2).await;
    let mailed = mail
        .text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Code: "))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no code line in {}", mail.text));
    assert!(mailed.len() == 6 && mailed.bytes().all(|b| b.is_ascii_digit()), "{mailed}");
    let wrong = if mailed == "000000" { "111111" } else { "000000" };
    app.post("/v1/me/2fa/enable", Some(&jane.token), json!({ "password": PASSWORD, "code": now, "emailCode": wrong }))
        .await
        .assert_error(400, "2fa:invalid_code");
    let reply = app
        .post("/v1/me/2fa/enable", Some(&jane.token), json!({ "password": PASSWORD, "code": now, "emailCode": mailed }))
        .await;
    assert_eq!(reply.assert_status(200)["recoveryCodes"].as_array().unwrap().len(), 10);
    let notice = sink.wait_for(&jane.email, 3).await;
    assert!(notice.text.contains("turned on"), "{}", notice.text);
}

/// Every row of every table as text, for looking for what names a person.
async fn all_rows(app: &TestApp) -> Vec<(String, String)> {
    use sqlx::{Connection as _, Row as _};
    let mut rows = Vec::new();
    if app.database.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert!(tables.len() > 5, "{tables:?}");
        for table in tables {
            let texts: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM \"{table}\" AS t"))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            rows.extend(texts.into_iter().map(|text| (table.clone(), text)));
        }
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert!(tables.len() > 5, "{tables:?}");
        for table in tables {
            let columns: Vec<String> = sqlx::query(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|row| row.get::<String, _>(0))
                .collect();
            let expression =
                columns.iter().map(|column| format!("quote(\"{column}\")")).collect::<Vec<_>>().join(" || '|' || ");
            let texts: Vec<String> = sqlx::query_scalar(&format!("SELECT {expression} FROM \"{table}\""))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            rows.extend(texts.into_iter().map(|text| (table.clone(), text)));
        }
    }
    rows
}

#[tokio::test]
async fn deleting_the_account_leaves_no_row_that_names_it() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| config.smtp_url = Some(url)).await;
    let jane = with_two_factor(&app, "jane").await;
    let token = jane.account.token.clone();
    app.post("/v1/me/addresses", Some(&token), json!({ "address": "jane.other@example.com" })).await.assert_status(201);
    let other_session = mfa_token(&app, "jane").await;
    second_step(&app, &other_session, "code", &code(&app, &jane.totp, 0)).await.assert_status(200);
    next_step(&app, 1);
    let bob = app.register_as("bob").await;

    delete_with(&app, "/v1/me", &token, json!({})).await.assert_error(401, "auth:invalid_credentials");
    delete_with(&app, "/v1/me", &token, json!({ "password": PASSWORD })).await.assert_error(401, "2fa:invalid_code");
    let reply =
        delete_with(&app, "/v1/me", &token, json!({ "password": PASSWORD, "code": code(&app, &jane.totp, 0) })).await;
    assert!(reply.assert_status(200)["deletedAt"].is_string());

    app.get("/v1/me", Some(&token)).await.assert_error(401, "auth:unauthenticated");
    app.login("jane", PASSWORD).await.assert_error(401, "auth:invalid_credentials");
    app.get("/v1/users/jane", None).await.assert_error(404, "user:not_found");
    app.get("/v1/me", Some(&bob.token)).await.assert_status(200);
    let goodbye = sink.wait_for(&jane.account.email, 3).await;
    assert!(goodbye.subject.contains("deleted"), "{}", goodbye.subject);

    let id = jane.account.id.to_lowercase();
    let simple_id = id.replace('-', "");
    let mut kept = 0;
    for (table, row) in all_rows(&app).await {
        let text = row.to_lowercase();
        let names_email = text.contains("jane@example.com") || text.contains("jane.other@example.com");
        let names_username = text.contains("jane");
        let names_id = text.contains(&id) || text.contains(&simple_id);
        if table == "activities" && text.contains("account.deleted") && names_id {
            assert!(!names_email && !names_username, "the kept row is anonymous: {row}");
            kept += 1;
            continue;
        }
        // The goodbye mail must name its recipient until it is delivered.
        if table == "jobs" && text.contains("was deleted") {
            continue;
        }
        assert!(!(names_email || names_username || names_id), "{table} still names the account: {row}");
    }
    assert_eq!(kept, 1);

    let again = app
        .post("/v1/users", None, json!({ "email": "jane@example.com", "username": "jane", "password": PASSWORD }))
        .await;
    again.assert_status(201);
}

#[tokio::test]
async fn an_account_without_two_factor_is_deleted_with_its_password() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    delete_with(&app, "/v1/me", &jane.token, json!({ "password": "Wrong-Horse-9" }))
        .await
        .assert_error(401, "auth:invalid_credentials");
    delete_with(&app, "/v1/me", &jane.token, json!({ "password": PASSWORD })).await.assert_status(200);
    app.get("/v1/me", Some(&jane.token)).await.assert_error(401, "auth:unauthenticated");
    app.register_as("jane").await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_two_factor_routes() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await;
    let paths = &doc.assert_status(200)["paths"];
    for path in
        ["/v1/me/2fa", "/v1/me/2fa/setup", "/v1/me/2fa/enable", "/v1/me/2fa/recovery-codes", "/v1/auth/login/2fa"]
    {
        assert!(paths.get(path).is_some(), "{path} missing");
    }
    assert!(paths["/v1/me"].get("delete").is_some());
}

#[tokio::test]
async fn two_factor_setup_and_enable_need_the_password() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let setup_with = |body: Value| app.post("/v1/me/2fa/setup", Some(&jane.token), body);
    setup_with(json!({})).await.assert_error(401, "auth:invalid_credentials");
    setup_with(json!({ "password": "Wrong-Password-1" })).await.assert_error(401, "auth:invalid_credentials");
    assert_eq!(app.get("/v1/me/2fa", Some(&jane.token)).await.body["pendingSetup"], false);

    align_to_step(&app);
    let totp = setup(&app, &jane).await;
    let now = code(&app, &totp, 0);
    let enable_with = |body: Value| app.post("/v1/me/2fa/enable", Some(&jane.token), body);
    enable_with(json!({ "code": now })).await.assert_error(401, "auth:invalid_credentials");
    enable_with(json!({ "code": now, "password": "Wrong-Password-1" }))
        .await
        .assert_error(401, "auth:invalid_credentials");
    assert_eq!(app.get("/v1/me/2fa", Some(&jane.token)).await.body["enabled"], false);
    enable_with(json!({ "code": now, "password": PASSWORD })).await.assert_status(200);
    assert_eq!(app.get("/v1/me/2fa", Some(&jane.token)).await.body["enabled"], true);
}

#[tokio::test]
async fn a_write_token_cannot_enrol_two_factor_without_the_password() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let pat = app.create_pat(&jane.token, &["user:read", "user:write"]).await;
    app.post("/v1/me/2fa/setup", Some(&pat), json!({})).await.assert_error(401, "auth:invalid_credentials");
    app.post("/v1/me/2fa/setup", Some(&pat), json!({ "password": "Guessed-Password-1" }))
        .await
        .assert_error(401, "auth:invalid_credentials");
    let status = app.get("/v1/me/2fa", Some(&jane.token)).await;
    assert_eq!((status.body["enabled"].clone(), status.body["pendingSetup"].clone()), (json!(false), json!(false)));
}

#[tokio::test]
async fn a_read_token_asking_for_recovery_codes_is_refused_and_a_session_still_sees_them_once() {
    let app = spawn_app().await;
    let TwoFactorAccount { account: jane, recovery_codes, .. } = with_two_factor(&app, "jane").await;
    let pat = app.create_pat(&jane.token, &["user:read"]).await;
    let path = "/v1/me/2fa/recovery-codes?includeCodes=true";
    app.get(path, Some(&pat)).await.assert_error(403, "auth:session_required");
    assert!(app.get("/v1/me/2fa/recovery-codes", Some(&pat)).await.assert_status(200).get("codes").is_none());

    let shown = app.get(path, Some(&jane.token)).await;
    assert_eq!(shown.assert_status(200)["codes"], json!(recovery_codes));
    assert!(app.get(path, Some(&jane.token)).await.assert_status(200).get("codes").is_none(), "shown once");
}

#[tokio::test]
async fn recovery_codes_are_not_shown_fifteen_minutes_after_they_were_made() {
    let app = spawn_app().await;
    let TwoFactorAccount { account: jane, .. } = with_two_factor(&app, "jane").await;
    app.clock.advance(Duration::minutes(15));
    let late = app.get("/v1/me/2fa/recovery-codes?includeCodes=true", Some(&jane.token)).await;
    let body = late.assert_status(200);
    assert!(body.get("codes").is_none(), "{body}");
    assert_eq!(body["remaining"], 10);
}

/// The second step from a client address (the app trusts the loopback proxy).
async fn second_step_from(app: &TestApp, forwarded_for: &str, mfa_token: &str, code: &str) -> crate::helpers::Reply {
    let request = app
        .client
        .post(app.url("/v1/auth/login/2fa"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "mfaToken": mfa_token, "code": code }));
    app.send(request).await
}

/// Waits for a mail to `recipient` whose subject contains `needle`, and says how many there are.
async fn wait_for_subject(sink: &MailSink, recipient: &str, needle: &str) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let matching = sink.messages().iter().filter(|m| m.to == recipient && m.subject.contains(needle)).count();
        if matching > 0 {
            return matching;
        }
        assert!(std::time::Instant::now() < deadline, "no mail about {needle:?} to {recipient}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn second_factor_guessing_across_mfa_tokens_and_addresses_is_429_after_ten_and_mails_the_owner() {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| {
        config.smtp_url = Some(url);
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        config.rate_limit.per_ip_burst = 1000;
    })
    .await;
    let TwoFactorAccount { account: jane, totp, .. } = with_two_factor(&app, "jane").await;
    app.turn_off_security_mail(&jane.token).await;
    let right = code(&app, &totp, 0);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    for attempt in 0..10 {
        // A fresh mfaToken every other guess, each guess from another address.
        let token = mfa_token(&app, "jane").await;
        second_step_from(&app, &format!("198.51.100.{attempt}"), &token, wrong)
            .await
            .assert_error(401, "2fa:invalid_code");
    }
    let token = mfa_token(&app, "jane").await;
    let refused = second_step_from(&app, "203.0.113.50", &token, &right).await;
    refused.assert_error(429, "rate_limited");
    assert!(refused.headers.contains_key("retry-after"));
    second_step(&app, &token, "code", &right).await.assert_error(429, "rate_limited");
    let locked = wait_for_subject(&sink, &jane.email, "paused").await;
    assert_eq!(locked, 1);
    let mail = sink.messages().into_iter().find(|m| m.subject.contains("paused")).unwrap();
    assert!(mail.text.contains("change it") && !mail.text.contains("http"), "{}", mail.text);

    app.clock.advance(Duration::minutes(15));
    let token = mfa_token(&app, "jane").await;
    second_step(&app, &token, "code", &code(&app, &totp, 0)).await.assert_status(200);
}

#[tokio::test]
async fn simultaneous_guesses_with_many_mfa_tokens_get_exactly_ten_tries() {
    let app = spawn_app_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        config.rate_limit.per_ip_burst = 1000;
    })
    .await;
    let TwoFactorAccount { totp, .. } = with_two_factor(&app, "jane").await;
    let right = code(&app, &totp, 0);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    // Four mfaTokens allow five guesses each, twenty in all; the account allows ten.
    let mut tokens = Vec::new();
    for _ in 0..4 {
        tokens.push(mfa_token(&app, "jane").await);
    }
    let guesses = tokens.iter().flat_map(|token| std::iter::repeat_n(token, 5)).enumerate().map(|(n, token)| {
        let app = &app;
        async move { second_step_from(app, &format!("198.51.100.{n}"), token, wrong).await }
    });
    let replies = futures::future::join_all(guesses).await;
    let tried = replies.iter().filter(|reply| reply.code() == "2fa:invalid_code").count();
    let refused = replies.iter().filter(|reply| reply.code() == "rate_limited").count();
    assert_eq!((tried, refused), (10, 10), "{:?}", replies.iter().map(crate::helpers::Reply::code).collect::<Vec<_>>());
}

#[tokio::test]
async fn reauthentication_guesses_count_toward_the_account_limits() {
    let app = spawn_app().await;
    let TwoFactorAccount { account: jane, totp, .. } = with_two_factor(&app, "jane").await;
    let change = |current: &str| {
        app.call(
            Method::PUT,
            "/v1/me/password",
            Some(&jane.token),
            Some(json!({ "currentPassword": current, "newPassword": "Brand-New-Pass-7" })),
        )
    };
    for _ in 0..10 {
        change("Wrong-Password-1").await.assert_error(401, "auth:invalid_credentials");
    }
    change(PASSWORD).await.assert_error(429, "rate_limited");
    app.clock.advance(Duration::minutes(15) + Duration::seconds(1));

    // Wrong codes to turn two-factor off count toward the second-factor limit.
    let right = code(&app, &totp, 0);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    for _ in 0..10 {
        delete_with(&app, "/v1/me/2fa", &jane.token, json!({ "password": PASSWORD, "code": wrong }))
            .await
            .assert_error(401, "2fa:invalid_code");
    }
    delete_with(&app, "/v1/me/2fa", &jane.token, json!({ "password": PASSWORD, "code": right }))
        .await
        .assert_error(429, "rate_limited");
    assert_eq!(app.get("/v1/me/2fa", Some(&jane.token)).await.body["enabled"], true);
}
