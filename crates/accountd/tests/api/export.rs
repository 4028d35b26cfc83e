//! Data export: the archive's content (read back with Python's standard `zipfile`, an
//! implementation independent of the one that wrote it), and the command line.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use accountd_core::Clock as _;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Account, TestApp, PASSWORD};

const BINARY: &str = env!("CARGO_BIN_EXE_accountd");

/// Every entry of the ZIP at `path` and its text, read by Python's `zipfile`, which also
/// checks every entry's CRC.
pub fn read_zip(path: &Path) -> BTreeMap<String, String> {
    let script = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    bad = archive.testzip()
    assert bad is None, bad
    print(json.dumps({info.filename: archive.read(info).decode("utf-8") for info in archive.infolist()}))
"#;
    let output = Command::new("python3").arg("-c").arg(script).arg(path).output().expect("python3");
    assert!(output.status.success(), "zipfile: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Text values of one column of the test database.
async fn column(app: &TestApp, statement: &str) -> Vec<String> {
    use sqlx::Connection as _;
    if app.database.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
        sqlx::query_scalar::<_, Option<String>>(statement)
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .flatten()
            .collect()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
        sqlx::query_scalar::<_, Option<String>>(statement)
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .flatten()
            .collect()
    }
}

/// An account with every kind of record and every kind of secret, and the secrets.
pub struct Furnished {
    pub account: Account,
    pub secrets: Vec<String>,
}

pub async fn furnished_account(app: &TestApp, name: &str) -> Furnished {
    let account = app.register_as(name).await;
    let second_session = app.login_token(name).await;
    app.login(name, "Wrong-Password-1").await.assert_error(401, "auth:invalid_credentials");
    let pat = app.create_pat(&account.token, &["user:read"]).await;
    let upload = app.get("/v1/me/upload-token", Some(&account.token)).await;
    let upload = upload.assert_status(200)["token"].as_str().unwrap().to_string();
    app.post("/v1/me/addresses", Some(&account.token), json!({ "address": format!("{name}-alt@example.com") }))
        .await
        .assert_status(201);

    // Two-factor on: a TOTP secret and recovery codes exist.
    let into_step = app.clock.now().timestamp().rem_euclid(30);
    app.clock.advance(chrono::Duration::seconds(30 - into_step + 1));
    let setup = app.post("/v1/me/2fa/setup", Some(&account.token), json!({ "password": PASSWORD })).await;
    let setup = setup.assert_status(200);
    let totp_secret = setup["secret"].as_str().unwrap().to_string();
    let totp = totp_rs::TOTP::from_url(setup["otpauthUri"].as_str().unwrap()).unwrap();
    let code = totp.generate(u64::try_from(app.clock.now().timestamp()).unwrap());
    let enabled =
        app.post("/v1/me/2fa/enable", Some(&account.token), json!({ "password": PASSWORD, "code": code })).await;
    let recovery_codes: Vec<String> = enabled.assert_status(200)["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_string())
        .collect();

    let mut secrets = vec![account.token.clone(), second_session, pat, upload, totp_secret, PASSWORD.to_string()];
    secrets.extend(recovery_codes);
    for statement in [
        "SELECT password_hash FROM users",
        "SELECT password_hash FROM password_history",
        "SELECT token_hash FROM sessions",
        "SELECT token_hash FROM personal_access_tokens",
        "SELECT token_hash FROM upload_tokens",
        "SELECT sealed_token FROM upload_tokens",
        "SELECT secret_sealed FROM two_factor",
        "SELECT recovery_codes_sealed FROM two_factor",
        "SELECT code_hash FROM recovery_codes",
        "SELECT token_hash FROM email_tokens",
    ] {
        secrets.extend(column(app, statement).await);
    }
    assert!(secrets.len() > 16, "the account has its secrets: {}", secrets.len());
    Furnished { account, secrets }
}

/// Checks an archive of `account` against what the API answers now.
pub async fn assert_archive_matches_the_api(
    app: &TestApp,
    account: &Account,
    files: &BTreeMap<String, String>,
    secrets: &[String],
) {
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    for name in accountd_server::export::ARCHIVE_FILES {
        assert!(names.contains(&name), "{name} is in the archive: {names:?}");
    }
    assert!(names.contains(&"media/"), "the media folder is in the archive: {names:?}");

    for (name, text) in files {
        for secret in secrets {
            assert!(!text.contains(secret.as_str()), "{name} holds a secret ({} characters)", secret.len());
        }
    }
    let json = |name: &str| -> Value { serde_json::from_str(&files[name]).unwrap() };

    let token = account.token.as_str();
    let me = app.get("/v1/me", Some(token)).await;
    assert_eq!(json("profile.json"), *me.assert_status(200), "profile.json is the Profile");
    let addresses = app.get("/v1/me/addresses", Some(token)).await;
    assert_eq!(json("addresses.json"), *addresses.assert_status(200));
    let tokens = app.get("/v1/me/tokens", Some(token)).await;
    assert_eq!(json("tokens.json")["items"], tokens.assert_status(200)["items"]);
    let history = app.get("/v1/me/login-history?limit=100", Some(token)).await;
    assert_eq!(json("login-history.json")["items"], history.assert_status(200)["items"]);
    let linked = app.get("/v1/me/linked-accounts", Some(token)).await;
    assert_eq!(json("linked-accounts.json")["items"], linked.assert_status(200)["items"]);

    let sessions = app.get("/v1/me/sessions", Some(token)).await;
    let mut expected: Vec<Value> = sessions.assert_status(200)["items"].as_array().unwrap().clone();
    for session in &mut expected {
        session["current"] = json!(false);
    }
    assert_eq!(json("sessions.json")["items"], Value::Array(expected));

    let activity = app.get("/v1/me/activity?limit=100", Some(token)).await;
    let mut newest_first = activity.assert_status(200)["items"].as_array().unwrap().clone();
    newest_first.reverse();
    assert!(newest_first.len() >= 5, "the account did things: {newest_first:?}");
    assert_eq!(json("activity.json")["items"], Value::Array(newest_first), "activity.json is oldest first");

    assert_eq!(json("credits.json"), json!({ "balance": 0, "items": [] }));
    assert_eq!(json("referrals.json"), json!({ "code": null, "items": [] }));
}

#[tokio::test]
async fn the_command_line_writes_the_archive_of_an_account_with_every_file_and_no_secret() {
    let app = spawn_app().await;
    let furnished = furnished_account(&app, "jane").await;
    app.register_as("other").await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("jane.zip");

    let output = Command::new(BINARY)
        .current_dir(dir.path())
        .env("ACCOUNTD_DATA_DIR", dir.path().join("data"))
        .env("ACCOUNTD_DATABASE_URL", &app.database_url)
        .env("ACCOUNTD_LOG", "warn")
        .env_remove("ACCOUNTD_CONFIG")
        .args(["export", "--user", "jane", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("jane.zip"));
    let files = read_zip(&out);
    assert_archive_matches_the_api(&app, &furnished.account, &files, &furnished.secrets).await;
    assert!(!files["profile.json"].contains("other@example.com"), "only the account's own data");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|entry| entry.file_name()).collect();
    assert!(!leftovers.iter().any(|name| name.to_string_lossy().ends_with(".partial")), "{leftovers:?}");

    let missing = Command::new(BINARY)
        .current_dir(dir.path())
        .env("ACCOUNTD_DATA_DIR", dir.path().join("data"))
        .env("ACCOUNTD_DATABASE_URL", &app.database_url)
        .env_remove("ACCOUNTD_CONFIG")
        .args(["export", "--user", "nobody", "--out"])
        .arg(dir.path().join("nobody.zip"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no account is named nobody"));
    assert!(!dir.path().join("nobody.zip").exists());
}

/// Waits until the export is done (or failed) and returns its last status.
pub async fn wait_for_export(app: &TestApp, token: &str, id: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let reply = app.get(&format!("/v1/me/export/{id}"), Some(token)).await;
        let body = reply.assert_status(200).clone();
        if body["status"] == "done" || body["status"] == "failed" {
            return body;
        }
        assert!(std::time::Instant::now() < deadline, "the export did not finish: {body}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Downloads an archive into `dir` and returns its path.
async fn download(
    app: &TestApp,
    token: &str,
    url: &str,
    dir: &Path,
) -> (reqwest::header::HeaderMap, std::path::PathBuf) {
    let response = app.client.get(app.url(url)).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let path = dir.join("download.zip");
    std::fs::write(&path, response.bytes().await.unwrap()).unwrap();
    (headers, path)
}

/// Adds `count` activity rows to the account named `username` in one statement.
pub async fn bulk_activity(app: &TestApp, username: &str, count: u32) {
    let statement = if app.database.is_postgres() {
        format!(
            "INSERT INTO activities (id, user_id, action, at, ip, user_agent, metadata) \
             SELECT gen_random_uuid(), (SELECT id FROM users WHERE username = '{username}'), 'profile.updated', \
             now() - make_interval(secs => i), '203.0.113.9', 'bulk', '{{}}'::jsonb FROM generate_series(1, {count}) AS i"
        )
    } else {
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
             INSERT INTO activities (id, user_id, action, at, ip, user_agent, metadata) \
             SELECT randomblob(16), (SELECT id FROM users WHERE username = '{username}'), 'profile.updated', \
             strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-' || i || ' seconds'), '203.0.113.9', 'bulk', '{{}}' FROM n"
        )
    };
    app.execute_sql(&statement).await;
}

#[tokio::test]
async fn an_export_over_http_is_queued_built_and_downloaded_with_every_file_and_no_secret() {
    let app = spawn_app().await;
    let furnished = furnished_account(&app, "jane").await;
    let token = furnished.account.token.clone();

    let reply = app.post("/v1/me/export", Some(&token), json!({})).await;
    let queued = reply.assert_status(202);
    assert_eq!((queued["status"].as_str(), queued["progress"].as_i64()), (Some("pending"), Some(0)));
    let id = queued["id"].as_str().unwrap().to_string();
    let done = wait_for_export(&app, &token, &id).await;
    assert_eq!((done["status"].as_str(), done["progress"].as_i64()), (Some("done"), Some(100)), "{done}");
    let url = done["downloadUrl"].as_str().unwrap().to_string();
    assert_eq!(url, format!("/v1/me/export/{id}/download"));
    let created: chrono::DateTime<chrono::Utc> = done["createdAt"].as_str().unwrap().parse().unwrap();
    let expires: chrono::DateTime<chrono::Utc> = done["expiresAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires - created, chrono::Duration::days(7));

    let dir = tempfile::tempdir().unwrap();
    let (headers, path) = download(&app, &token, &url, dir.path()).await;
    assert_eq!(headers["content-type"], "application/zip");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"accountd-export-") && disposition.ends_with(".zip\""),
        "{disposition}"
    );
    let files = read_zip(&path);

    // export.completed is recorded after the archive is written.
    let activity = app.get("/v1/me/activity", Some(&token)).await;
    let newest = &activity.assert_status(200)["items"][0];
    assert_eq!(newest["action"], "export.completed");
    assert_eq!(newest["metadata"]["exportId"], id.as_str());
    let mut without_completion = files.clone();
    let archived: Value = serde_json::from_str(&files["activity.json"]).unwrap();
    assert!(!archived.to_string().contains("export.completed"));
    let mut with_completion = archived["items"].as_array().unwrap().clone();
    with_completion.push(newest.clone());
    without_completion.insert("activity.json".into(), json!({ "items": with_completion }).to_string());
    assert_archive_matches_the_api(&app, &furnished.account, &without_completion, &furnished.secrets).await;
}

#[tokio::test]
async fn a_second_export_while_one_runs_gets_409_and_another_accounts_export_is_not_found() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let other = app.register_as("other").await;
    bulk_activity(&app, "jane", 20_000).await;

    let first = app.post("/v1/me/export", Some(&jane.token), json!({})).await;
    let id = first.assert_status(202)["id"].as_str().unwrap().to_string();
    app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_error(409, "export:in_progress");
    app.get(&format!("/v1/me/export/{id}/download"), Some(&jane.token)).await.assert_error(409, "export:not_ready");

    for path in
        [format!("/v1/me/export/{id}"), format!("/v1/me/export/{id}/download"), format!("/v1/me/export/{id}/events")]
    {
        app.get(&path, Some(&other.token)).await.assert_error(404, "export:not_found");
    }
    app.get("/v1/me/export/not-an-id", Some(&jane.token)).await.assert_error(404, "export:not_found");

    let done = wait_for_export(&app, &jane.token, &id).await;
    assert_eq!(done["status"], "done");
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = download(&app, &jane.token, done["downloadUrl"].as_str().unwrap(), dir.path()).await;
    let files = read_zip(&path);
    let activity: Value = serde_json::from_str(&files["activity.json"]).unwrap();
    assert_eq!(activity["items"].as_array().unwrap().len(), 20_001, "every row, registration included");
    app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_status(202);
}

#[tokio::test]
async fn archives_past_their_expiry_are_gone() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let id = app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_status(202)["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for_export(&app, &jane.token, &id).await;
    let archive = app.data_dir().join("exports").join(format!("{id}.zip"));
    assert!(archive.exists());

    app.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    app.get(&format!("/v1/me/export/{id}"), Some(&jane.token)).await.assert_error(404, "export:not_found");
    app.get(&format!("/v1/me/export/{id}/download"), Some(&jane.token)).await.assert_error(404, "export:not_found");

    // The sweep job's work, run as the job runner runs it.
    let mut config = accountd_server::config::Config {
        data_dir: app.data_dir().to_path_buf(),
        database_url: Some(app.database_url.clone()),
        ..accountd_server::config::Config::default()
    };
    config.public_url = app.address.parse().unwrap();
    let store = accountd_server::open_store(&config).await.unwrap();
    let state =
        accountd_server::app_state(&config, store, app.clock.clone(), crate::helpers::test_key()).expect("app state");
    assert_eq!(state.exports.sweep().await.unwrap(), 1);
    assert!(!archive.exists(), "the archive file is deleted");
    assert_eq!(app.query_i64("SELECT count(*) FROM exports").await, 0);
}

#[tokio::test]
async fn an_export_interrupted_by_a_restart_completes_after_it() {
    let mut app = spawn_app().await;
    let jane = app.register_as("jane").await;
    bulk_activity(&app, "jane", 60_000).await;
    let id = app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_status(202)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Stop the node while the archive is being written.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let body = app.get(&format!("/v1/me/export/{id}"), Some(&jane.token)).await.assert_status(200).clone();
        assert_ne!(body["status"], "done", "the export finished before the restart; give it more rows");
        if body["status"] == "running" {
            break;
        }
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    app.stop().await;

    // Another server on the same database and data directory: once the stopped node's
    // lease runs out, it takes the job over and finishes the archive.
    let data_dir = app.data_dir().to_path_buf();
    let restarted = crate::helpers::spawn_node_of(&app, |config| config.data_dir = data_dir).await;
    restarted.clock.advance(chrono::Duration::minutes(30));
    let done = wait_for_export(&restarted, &jane.token, &id).await;
    assert_eq!(done["status"], "done", "{done}");
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = download(&restarted, &jane.token, done["downloadUrl"].as_str().unwrap(), dir.path()).await;
    let activity: Value = serde_json::from_str(&read_zip(&path)["activity.json"]).unwrap();
    assert_eq!(activity["items"].as_array().unwrap().len(), 60_001);
}

#[tokio::test]
async fn an_erased_accounts_archive_is_deleted_by_the_sweep() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let id = app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_status(202)["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for_export(&app, &jane.token, &id).await;
    let archive = app.data_dir().join("exports").join(format!("{id}.zip"));
    assert!(archive.exists());
    let deleted =
        app.call(reqwest::Method::DELETE, "/v1/me", Some(&jane.token), Some(json!({ "password": PASSWORD }))).await;
    deleted.assert_status(200);
    assert_eq!(app.query_i64("SELECT count(*) FROM exports").await, 0, "the export goes with the account");

    app.clock.advance(chrono::Duration::hours(2));
    let mut config = accountd_server::config::Config {
        data_dir: app.data_dir().to_path_buf(),
        database_url: Some(app.database_url.clone()),
        ..accountd_server::config::Config::default()
    };
    config.public_url = app.address.parse().unwrap();
    let store = accountd_server::open_store(&config).await.unwrap();
    let state =
        accountd_server::app_state(&config, store, app.clock.clone(), crate::helpers::test_key()).expect("app state");
    assert_eq!(state.exports.sweep().await.unwrap(), 1);
    assert!(!archive.exists(), "the erased account's archive is deleted");
}
