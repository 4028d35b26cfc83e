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
/// checks every entry's CRC. Pictures under `media/` come as base64 (see [`media_bytes`]).
pub fn read_zip(path: &Path) -> BTreeMap<String, String> {
    let script = r#"
import base64, json, sys, zipfile
def text(name, data):
    if name.startswith("media/") and not name.endswith("/"):
        return base64.b64encode(data).decode("ascii")
    return data.decode("utf-8")
with zipfile.ZipFile(sys.argv[1]) as archive:
    bad = archive.testzip()
    assert bad is None, bad
    print(json.dumps({info.filename: text(info.filename, archive.read(info)) for info in archive.infolist()}))
"#;
    let output = Command::new("python3").arg("-c").arg(script).arg(path).output().expect("python3");
    assert!(output.status.success(), "zipfile: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The bytes of a picture in an archive read by [`read_zip`].
pub fn media_bytes(files: &BTreeMap<String, String>, name: &str) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = files.get(name).unwrap_or_else(|| panic!("{name} is in the archive: {:?}", files.keys()));
    base64::engine::general_purpose::STANDARD.decode(encoded).unwrap()
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

    // Pictures, and a referral that earned credits: media/, referrals.json, credits.json.
    let avatar = crate::media::picture(image::ImageFormat::Png, 40, 30);
    app.upload("/v1/me/avatar", &account.token, avatar, "a.png", "image/png").await.assert_status(200);
    let banner = crate::media::picture(image::ImageFormat::Jpeg, 300, 100);
    app.upload("/v1/me/banner", &account.token, banner, "b.jpg", "image/jpeg").await.assert_status(200);
    let code = app.get("/v1/me/referrals", Some(&account.token)).await;
    let code = code.assert_status(200)["code"].as_str().unwrap().to_string();
    let friend = format!("{name}-friend");
    let body = json!({
        "email": format!("{friend}@example.com"), "username": friend, "password": PASSWORD, "referralCode": code,
    });
    app.post("/v1/users", None, body).await.assert_status(201);

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

    let credits = app.get("/v1/me/credits?limit=100", Some(token)).await;
    let credits = credits.assert_status(200);
    assert!(credits["balance"].as_i64().unwrap() > 0, "the referral earned credits: {credits}");
    assert_eq!(json("credits.json"), json!({ "balance": credits["balance"], "items": credits["items"] }));

    let link = app.get("/v1/me/referrals", Some(token)).await.assert_status(200).clone();
    let stats = app.get("/v1/me/referrals?view=stats", Some(token)).await.assert_status(200).clone();
    let history = app.get("/v1/me/referrals?view=history&limit=100", Some(token)).await.assert_status(200).clone();
    assert_eq!(history["items"].as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(
        json("referrals.json"),
        json!({
            "code": link["code"], "url": link["url"],
            "totalReferrals": stats["totalReferrals"], "rewardsEarned": stats["rewardsEarned"],
            "items": history["items"],
        })
    );

    // The pictures the profile points at, byte for byte, named for their slot.
    let profile = me.body.clone();
    for (slot, url) in [("avatar", &profile["avatarUrl"]), ("banner", &profile["bannerUrl"])] {
        let url = url.as_str().unwrap_or_else(|| panic!("the account has a {slot}: {profile}"));
        let extension = url.rsplit_once('.').unwrap().1;
        let (status, _, served) = app.fetch(url).await;
        assert_eq!(status, 200);
        assert_eq!(media_bytes(files, &format!("media/{slot}.{extension}")), served, "media/{slot}.{extension}");
    }
    let pictures = names.iter().filter(|name| name.starts_with("media/") && name.len() > "media/".len()).count();
    assert_eq!(pictures, 2, "the avatar and the banner only: {names:?}");
}

#[tokio::test]
async fn the_command_line_writes_the_archive_of_an_account_with_every_file_and_no_secret() {
    let app = spawn_app().await;
    let furnished = furnished_account(&app, "jane").await;
    app.register_as("other").await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("jane.zip");

    // The server's data directory: the pictures are in its media store.
    let output = Command::new(BINARY)
        .current_dir(dir.path())
        .env("ACCOUNTD_DATA_DIR", app.data_dir())
        .env("ACCOUNTD_PUBLIC_URL", &app.address)
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
        // A poll is retried as a client would on `503` with `Retry-After`: on a loaded
        // machine the node's writer can be busy past the pool's wait while the jobs a clock
        // jump releases run. What is under test is the archive, not that wait.
        if reply.status == 503 && reply.headers.contains_key("retry-after") {
            assert!(std::time::Instant::now() < deadline, "still unavailable: {}", reply.body);
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            continue;
        }
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
    let archive = app.data_dir().join("media").join("exports").join(format!("{id}.zip"));
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

    // What a killed process leaves (a staging file of the archive, a local upload's part
    // file) is removed by the sweep once it is an hour old; nothing else stays behind.
    let data_dir = app.data_dir();
    let staging = data_dir.join("tmp");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join(format!("export-{id}-0123.partial")), b"half an archive").unwrap();
    let archives = data_dir.join("media").join("exports");
    std::fs::write(archives.join(format!("{id}.zip#7")), b"half an upload").unwrap();
    restarted.clock.advance(chrono::Duration::hours(2));
    sweep(&restarted, data_dir, |_| {}).await;
    assert_eq!(files_in(&staging), Vec::<String>::new(), "no staging file is left");
    assert_eq!(files_in(&archives), vec![format!("{id}.zip")], "only the finished archive is left");
}

/// The names of the files in `dir`.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|entry| entry.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Runs the export sweep job's work as the job runner runs it, on `app`'s database and
/// clock and the data directory `data_dir`; returns how many archives it deleted.
pub async fn sweep(
    app: &TestApp,
    data_dir: &Path,
    configure: impl FnOnce(&mut accountd_server::config::Config),
) -> u64 {
    let mut config = accountd_server::config::Config {
        data_dir: data_dir.to_path_buf(),
        database_url: Some(app.database_url.clone()),
        ..accountd_server::config::Config::default()
    };
    config.public_url = app.address.parse().unwrap();
    configure(&mut config);
    let store = accountd_server::open_store(&config).await.unwrap();
    let state =
        accountd_server::app_state(&config, store, app.clock.clone(), crate::helpers::test_key()).expect("app state");
    state.exports.sweep().await.unwrap()
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
    let archive = app.data_dir().join("media").join("exports").join(format!("{id}.zip"));
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

/// Configures a node for the S3 bucket `bucket` of the test's S3 server at `endpoint`.
fn on_bucket(endpoint: String, bucket: String) -> impl FnOnce(&mut accountd_server::config::Config) {
    move |config| {
        config.media.backend = accountd_server::config::MediaBackend::S3;
        config.media.s3.bucket = Some(bucket);
        config.media.s3.endpoint = Some(endpoint.parse().unwrap());
        config.media.s3.access_key_id = Some("test".into());
        config.media.s3.secret_access_key = Some("test".to_string().into());
    }
}

#[tokio::test]
async fn on_s3_an_export_is_stored_in_the_bucket_served_by_any_node_and_deleted_at_expiry() {
    let s3 = crate::media::s3_server().await;
    let bucket = s3.bucket().await;
    let app = crate::media::spawn_app_on_s3(s3, &bucket).await;
    let jane = app.register_as("jane").await;
    bulk_activity(&app, "jane", 20_000).await;
    let id = app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_status(202)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = wait_for_export(&app, &jane.token, &id).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(s3.keys(&bucket).await, vec![format!("exports/{id}.zip")], "the archive is in the bucket");
    assert_eq!(files_in(&app.data_dir().join("tmp")), Vec::<String>::new(), "no staging file is left");
    assert!(!app.data_dir().join("exports").exists(), "nothing is kept on the node's disk");

    // Another node, sharing only the database and the bucket, serves the download.
    let other = crate::helpers::spawn_node_of(&app, on_bucket(s3.endpoint.clone(), bucket.clone())).await;
    let dir = tempfile::tempdir().unwrap();
    let (headers, path) = download(&other, &jane.token, done["downloadUrl"].as_str().unwrap(), dir.path()).await;
    assert_eq!(headers["content-type"], "application/zip");
    let activity: Value = serde_json::from_str(&read_zip(&path)["activity.json"]).unwrap();
    assert_eq!(activity["items"].as_array().unwrap().len(), 20_001);

    app.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    let swept = sweep(&app, app.data_dir(), on_bucket(s3.endpoint.clone(), bucket.clone())).await;
    assert_eq!(swept, 1);
    assert_eq!(s3.keys(&bucket).await, Vec::<String>::new(), "the expired archive is deleted from the bucket");
}

/// Makes every attempt at an archive fail: the staging directory cannot be created.
fn block_staging(app: &TestApp) -> std::path::PathBuf {
    let blocker = app.data_dir().join("tmp");
    std::fs::write(&blocker, b"a file where the staging directory goes").unwrap();
    blocker
}

#[tokio::test]
async fn an_export_whose_job_runs_out_of_attempts_is_failed_and_a_new_one_is_allowed() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let blocker = block_staging(&app);
    let id = app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_status(202)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Each attempt fails; moving the clock on makes each retry due at once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let failed = loop {
        let body = app.get(&format!("/v1/me/export/{id}"), Some(&jane.token)).await.assert_status(200).clone();
        if body["status"] == "failed" {
            break body;
        }
        assert_ne!(body["status"], "done");
        assert!(std::time::Instant::now() < deadline, "the export never failed: {body}");
        app.clock.advance(chrono::Duration::minutes(20));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(failed["downloadUrl"], Value::Null, "{failed}");
    let given_up = "SELECT count(*) FROM jobs WHERE kind = 'export.build' AND status = 'failed' AND attempts = 5";
    assert_eq!(app.query_i64(given_up).await, 1, "every attempt was made");
    app.get(&format!("/v1/me/export/{id}/download"), Some(&jane.token)).await.assert_error(409, "export:not_ready");

    std::fs::remove_file(blocker).unwrap();
    let again = app.post("/v1/me/export", Some(&jane.token), json!({})).await;
    let again = again.assert_status(202)["id"].as_str().unwrap().to_string();
    assert_eq!(wait_for_export(&app, &jane.token, &again).await["status"], "done");
}

#[tokio::test]
async fn an_export_whose_job_is_gone_is_failed_by_the_sweep() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let blocker = block_staging(&app);
    let id = app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_status(202)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.query_i64("SELECT count(*) FROM jobs WHERE kind = 'export.build' AND attempts > 0").await == 0 {
        assert!(std::time::Instant::now() < deadline, "the job never ran");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The job disappears (an operator's hand, a restore) while the export says pending.
    app.execute_sql("DELETE FROM jobs WHERE kind = 'export.build'").await;
    app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_error(409, "export:in_progress");

    std::fs::remove_file(blocker).unwrap();
    sweep(&app, app.data_dir(), |_| {}).await;
    let body = app.get(&format!("/v1/me/export/{id}"), Some(&jane.token)).await.assert_status(200).clone();
    assert_eq!(body["status"], "failed", "{body}");
    let again = app.post("/v1/me/export", Some(&jane.token), json!({})).await;
    let again = again.assert_status(202)["id"].as_str().unwrap().to_string();
    assert_eq!(wait_for_export(&app, &jane.token, &again).await["status"], "done");
}
