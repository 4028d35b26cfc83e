//! Upload domains, the uploader integrations, and the Discord webhook test.

use std::path::Path;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app_with, Account, TestApp};
use crate::peers::{Behaviour, Peer};

fn upload_answer() -> Behaviour {
    Behaviour::Answer(200, json!({ "url": "https://files.example.com/abc123.png" }))
}

/// An app with two verified domains and one being set up, uploading to `upload_url`.
async fn uploads_app(upload_url: String) -> TestApp {
    spawn_app_with(move |config| {
        config.uploads.domains = vec!["files.example.com".into(), "i.example.org".into()];
        config.uploads.unverified_domains = vec!["new.example.net".into()];
        config.uploads.upload_url = upload_url;
    })
    .await
}

async fn upload_token(app: &TestApp, account: &Account) -> String {
    let reply = app.get("/v1/me/upload-token", Some(&account.token)).await;
    reply.assert_status(200)["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_account_selects_a_verified_upload_domain_and_the_profile_shows_it() {
    let app = uploads_app("https://{domain}/api/upload".into()).await;
    let ann = app.register_as("ann").await;

    let me = app.get("/v1/me", Some(&ann.token)).await;
    assert_eq!(me.assert_status(200)["uploadDomain"], "files.example.com", "the default");
    let list = app.get("/v1/me/upload-domains", Some(&ann.token)).await;
    assert_eq!(
        list.assert_status(200)["items"],
        json!([
            { "domain": "files.example.com", "verified": true, "isDefault": true, "selected": true },
            { "domain": "i.example.org", "verified": true, "isDefault": false, "selected": false },
            { "domain": "new.example.net", "verified": false, "isDefault": false, "selected": false },
        ])
    );

    let app_ref = &app;
    let select = |domain: &str| {
        let body = json!({ "domain": domain });
        let token = ann.token.clone();
        async move { app_ref.call(Method::PUT, "/v1/me/upload-domain", Some(&token), Some(body)).await }
    };
    select("nowhere.example.com").await.assert_error(404, "domain:not_found");
    select("new.example.net").await.assert_error(400, "domain:not_verified");
    assert_eq!(select("I.Example.org").await.assert_status(200), &json!({ "domain": "i.example.org" }));

    let me = app.get("/v1/me", Some(&ann.token)).await;
    assert_eq!(me.assert_status(200)["uploadDomain"], "i.example.org");
    let list = app.get("/v1/me/upload-domains", Some(&ann.token)).await;
    assert_eq!(list.assert_status(200)["items"][1]["selected"], true);
    let script = app.get("/v1/me/integrations/bash", Some(&ann.token)).await;
    assert!(script.body.as_str().unwrap().contains("UPLOAD_DOMAIN='i.example.org'"));
}

#[tokio::test]
async fn the_sharex_file_parses_and_carries_the_token_and_the_upload_url() {
    let app = uploads_app("https://{domain}/api/upload".into()).await;
    let ann = app.register_as("ann").await;
    let token = upload_token(&app, &ann).await;

    let reply = app.get("/v1/me/integrations/sharex", Some(&ann.token)).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(reply.headers["content-disposition"], "attachment; filename=\"files.example.com.sxcu\"");
    assert_eq!(reply.headers["cache-control"], "no-store");
    let sxcu = &reply.body;
    assert_eq!(sxcu["RequestURL"], "https://files.example.com/api/upload");
    assert_eq!(sxcu["RequestMethod"], "POST");
    assert_eq!(sxcu["Body"], "MultipartFormData");
    assert_eq!(sxcu["FileFormName"], "file");
    assert_eq!(sxcu["Headers"]["Authorization"], format!("Bearer {token}"));
    assert_eq!(sxcu["Arguments"]["domain"], "files.example.com");
    assert_eq!(sxcu["URL"], "{json:url}");
    assert!(sxcu["Version"].is_string() && sxcu["Name"].is_string() && sxcu["DestinationType"].is_string());
}

/// The scripts of every integration for the account: (name, script).
async fn scripts(app: &TestApp, account: &Account) -> Vec<(&'static str, String)> {
    let mut scripts = Vec::new();
    for (name, method, path, body) in [
        ("bash", Method::GET, "/v1/me/integrations/bash", None),
        ("flameshot", Method::POST, "/v1/me/integrations/flameshot", None),
        ("flameshot full", Method::POST, "/v1/me/integrations/flameshot", Some(json!({ "mode": "full" }))),
        ("spectacle", Method::POST, "/v1/me/integrations/spectacle", Some(json!({ "mode": "window" }))),
    ] {
        let reply = app.call(method, path, Some(&account.token), body).await;
        assert_eq!(reply.status.as_u16(), 200, "{name}: {}", reply.body);
        assert_eq!(reply.headers["content-type"], "text/x-shellscript", "{name}");
        let disposition = reply.headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"files.example.com-"), "{disposition}");
        scripts.push((name, reply.body.as_str().unwrap().to_string()));
    }
    scripts
}

/// Runs `bash script args…` in `dir`; returns (success, stdout, stderr).
fn run_bash(dir: &Path, script: &str, args: &[&str]) -> (bool, String, String) {
    let path = dir.join("script.sh");
    std::fs::write(&path, script).unwrap();
    let output = std::process::Command::new("bash").arg(&path).args(args).current_dir(dir).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn every_script_passes_bash_n_and_uploads_a_file_with_the_token() {
    let stand_in = Peer::plain(upload_answer()).await;
    let app = uploads_app(stand_in.http_url("/upload")).await;
    let ann = app.register_as("ann").await;
    let token = upload_token(&app, &ann).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shot one.png"), b"\x89PNG not really").unwrap();

    for (count, (name, script)) in scripts(&app, &ann).await.into_iter().enumerate() {
        let syntax = std::process::Command::new("bash").arg("-n").arg("-c").arg(&script).output().unwrap();
        assert!(syntax.status.success(), "{name}: {}", String::from_utf8_lossy(&syntax.stderr));

        let task = {
            let (dir, script) = (dir.path().to_path_buf(), script.clone());
            tokio::task::spawn_blocking(move || run_bash(&dir, &script, &["shot one.png"]))
        };
        let (success, stdout, stderr) = task.await.unwrap();
        assert!(success, "{name}: {stderr}");
        assert_eq!(stdout, "https://files.example.com/abc123.png\n", "{name}");

        let received = stand_in.received();
        assert_eq!(received.len(), count + 1, "{name}");
        let upload = &received[count];
        assert_eq!(upload.method, "POST");
        assert_eq!(upload.uri, "/upload");
        assert_eq!(upload.header("authorization"), Some(format!("Bearer {token}").as_str()), "{name}");
        let body = String::from_utf8_lossy(&upload.body);
        assert!(body.contains("name=\"file\"; filename=\"shot_one.png\""), "{name}: {body}");
        assert!(body.contains("PNG not really"), "{name}");
        assert!(body.contains("name=\"domain\"\r\n\r\nfiles.example.com\r\n"), "{name}: {body}");
    }
}

#[tokio::test]
async fn shell_metacharacters_in_the_username_or_the_upload_address_cannot_break_out_of_the_scripts() {
    let stand_in = Peer::plain(upload_answer()).await;
    let hostile_url =
        stand_in.http_url("/upload?q=';touch${IFS}pwned-url;'$(touch${IFS}pwned-sub)`touch${IFS}pwned-tick`");
    let app = uploads_app(hostile_url.clone()).await;
    let ann = app.register_as("ann").await;
    // The username rules keep these out of usernames; data from elsewhere (an import,
    // an operator's SQL) must still not reach the shell.
    let hostile_name = "ann';touch pwned-name;'$(touch pwned-name2)\"`touch pwned-name3`\n; touch pwned-line";
    app.execute_sql(&format!(
        "UPDATE users SET username = '{}' WHERE username = 'ann'",
        hostile_name.replace('\'', "''")
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file.txt"), b"hello").unwrap();

    for (name, script) in scripts(&app, &ann).await {
        let task = {
            let (dir, script) = (dir.path().to_path_buf(), script.clone());
            tokio::task::spawn_blocking(move || run_bash(&dir, &script, &["file.txt"]))
        };
        let (success, _, stderr) = task.await.unwrap();
        assert!(success, "{name}: {stderr}");
        assert!(stderr.contains(&format!("uploaded as {hostile_name} to files.example.com")), "{name}: {stderr}");
        let made: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|file| file.starts_with("pwned"))
            .collect();
        assert!(made.is_empty(), "{name} ran {made:?}");
    }
    let received = stand_in.received();
    assert_eq!(received.len(), 4);
    assert!(
        received.iter().all(|upload| upload.uri.starts_with("/upload?q=") && upload.uri.contains("pwned-tick")),
        "the address went to curl as one word: {:?}",
        received[0].uri
    );
}

/// An app that may reach private targets, trusting the receiver's CA.
async fn webhook_app(receiver: &Peer) -> TestApp {
    let ca_file = receiver.ca_file.clone();
    spawn_app_with(move |config| {
        config.webhooks.allow_private_targets = true;
        config.http.extra_ca_file = ca_file;
    })
    .await
}

async fn set_webhook(app: &TestApp, account: &Account, url: &str) -> crate::helpers::Reply {
    app.call(Method::PATCH, "/v1/me", Some(&account.token), Some(json!({ "discordWebhookUrl": url }))).await
}

#[tokio::test]
async fn the_webhook_test_posts_a_discord_embed_to_a_local_tls_receiver_when_private_targets_are_allowed() {
    let receiver = Peer::tls(Behaviour::Answer(204, serde_json::Value::Null)).await;
    let app = webhook_app(&receiver).await;
    let ann = app.register_as("ann").await;

    app.post("/v1/me/discord-webhook/test", Some(&ann.token), json!({}))
        .await
        .assert_error(400, "webhook:not_configured");
    set_webhook(&app, &ann, &receiver.https_url("/api/webhooks/1/secret")).await.assert_status(200);
    let reply = app.post("/v1/me/discord-webhook/test", Some(&ann.token), json!({})).await;
    assert_eq!(reply.assert_status(200), &json!({ "delivered": true }));

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!((received[0].method.as_str(), received[0].uri.as_str()), ("POST", "/api/webhooks/1/secret"));
    let message = received[0].json();
    assert_eq!(message["embeds"][0]["title"], "Webhook test");
    assert!(message["embeds"][0]["description"].as_str().unwrap().contains("ann"));
    assert_eq!(message["allowed_mentions"], json!({ "parse": [] }));

    receiver.set(Behaviour::Answer(404, json!({ "message": "Unknown Webhook" })));
    app.post("/v1/me/discord-webhook/test", Some(&ann.token), json!({})).await.assert_error(502, "webhook:rejected");
}

#[tokio::test]
async fn the_webhook_test_refuses_loopback_metadata_and_their_other_spellings_when_private_targets_are_not_allowed() {
    let receiver = Peer::tls(Behaviour::Answer(204, serde_json::Value::Null)).await;
    let ca_file = receiver.ca_file.clone();
    let app = spawn_app_with(move |config| config.http.extra_ca_file = ca_file).await;
    let ann = app.register_as("ann").await;
    let port = receiver.port;
    for url in [
        format!("https://127.0.0.1:{port}/hook"),
        format!("https://[::1]:{port}/hook"),
        "https://169.254.169.254/latest/meta-data".to_string(),
        format!("https://0x7f000001:{port}/hook"),
        format!("https://2130706433:{port}/hook"),
        format!("https://[::ffff:127.0.0.1]:{port}/hook"),
    ] {
        set_webhook(&app, &ann, &url).await.assert_error(400, "webhook:forbidden_target");
        // Saved while it was allowed (or while its name resolved elsewhere): every
        // delivery checks again.
        app.execute_sql(&format!("UPDATE users SET discord_webhook_url = '{url}' WHERE username = 'ann'")).await;
        let reply = app.post("/v1/me/discord-webhook/test", Some(&ann.token), json!({})).await;
        reply.assert_error(400, "webhook:forbidden_target");
    }
    assert!(receiver.received().is_empty(), "nothing reached the receiver");
}

#[tokio::test]
async fn the_webhook_test_refuses_redirects_to_forbidden_targets() {
    let target = Peer::tls(Behaviour::Answer(204, serde_json::Value::Null)).await;
    let receiver = Peer::tls(Behaviour::Redirect(String::new())).await;
    let app = webhook_app(&receiver).await;
    let ann = app.register_as("ann").await;
    set_webhook(&app, &ann, &receiver.https_url("/hook")).await.assert_status(200);
    for location in [
        format!("https://localhost:{}/hook", target.port),
        "https://169.254.169.254/latest/meta-data".to_string(),
        "https://[::ffff:169.254.169.254]/".to_string(),
        format!("http://127.0.0.1:{}/hook", target.port),
    ] {
        receiver.set(Behaviour::Redirect(location.clone()));
        let reply = app.post("/v1/me/discord-webhook/test", Some(&ann.token), json!({})).await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (400, "webhook:forbidden_target"),
            "{location}: {}",
            reply.body
        );
    }
    assert!(target.received().is_empty(), "no redirect was followed");
}

#[tokio::test]
async fn openapi_documents_the_referral_credit_perk_upload_and_webhook_routes() {
    let app = crate::helpers::spawn_app().await;
    let reply = app.get("/openapi.json", None).await;
    let document = reply.assert_status(200);
    for (path, method) in [
        ("/v1/me/referrals", "get"),
        ("/v1/me/referrals", "put"),
        ("/v1/me/credits", "get"),
        ("/v1/me/perks", "get"),
        ("/v1/me/perks/refresh", "post"),
        ("/v1/admin/users/{id}/credits", "post"),
        ("/v1/me/upload-domains", "get"),
        ("/v1/me/upload-domain", "put"),
        ("/v1/me/integrations/sharex", "get"),
        ("/v1/me/integrations/flameshot", "post"),
        ("/v1/me/integrations/spectacle", "post"),
        ("/v1/me/integrations/bash", "get"),
        ("/v1/me/discord-webhook/test", "post"),
    ] {
        assert!(document["paths"][path][method].is_object(), "{method} {path} missing from the OpenAPI document");
    }
}

#[tokio::test]
async fn without_an_upload_domain_the_integrations_are_not_found() {
    let app = crate::helpers::spawn_app().await;
    let ann = app.register_as("ann").await;
    let me = app.get("/v1/me", Some(&ann.token)).await;
    assert_eq!(me.assert_status(200)["uploadDomain"], serde_json::Value::Null);
    app.get("/v1/me/integrations/sharex", Some(&ann.token)).await.assert_error(404, "domain:not_found");
    let list = app.get("/v1/me/upload-domains", Some(&ann.token)).await;
    assert_eq!(list.assert_status(200)["items"], json!([]));
}

#[tokio::test]
async fn the_screenshot_scripts_upload_what_the_tool_captured_in_the_chosen_mode() {
    let stand_in = Peer::plain(upload_answer()).await;
    let app = uploads_app(stand_in.http_url("/upload")).await;
    let ann = app.register_as("ann").await;
    // Stand-ins for the screenshot tools, first on PATH: they record their arguments
    // and "capture" a known picture the way the real tools hand it over.
    let tools = tempfile::tempdir().unwrap();
    let flameshot = "#!/bin/sh\nprintf '%s ' \"$@\" > \"$(dirname \"$0\")/flameshot.args\"\nprintf 'FLAMESHOT-PNG'\n";
    let spectacle = "#!/bin/sh\nprintf '%s ' \"$@\" > \"$(dirname \"$0\")/spectacle.args\"\n\
                     while [ \"$#\" -gt 1 ]; do [ \"$1\" = --output ] && printf 'SPECTACLE-PNG' > \"$2\"; shift; done\n";
    for (name, body) in [("flameshot", flameshot), ("spectacle", spectacle)] {
        let path = tools.path().join(name);
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", tools.path().display(), std::env::var("PATH").unwrap());

    for (tool, body, args, captured) in [
        ("flameshot", json!({ "mode": "screen" }), "screen --raw ", "FLAMESHOT-PNG"),
        ("spectacle", json!({ "mode": "window" }), "--background --nonotify --activewindow --output ", "SPECTACLE-PNG"),
    ] {
        let reply = app.post(&format!("/v1/me/integrations/{tool}"), Some(&ann.token), body).await;
        let script = reply.body.as_str().unwrap().to_string();
        let (dir, path) = (tools.path().to_path_buf(), path.clone());
        let output = tokio::task::spawn_blocking(move || {
            let file = dir.join(format!("{tool}.sh"));
            std::fs::write(&file, script).unwrap();
            std::process::Command::new("bash").arg(&file).env("PATH", path).output().unwrap()
        })
        .await
        .unwrap();
        assert!(output.status.success(), "{tool}: {}", String::from_utf8_lossy(&output.stderr));
        let recorded = std::fs::read_to_string(tools.path().join(format!("{tool}.args"))).unwrap();
        assert!(recorded.starts_with(args), "{tool} ran with {recorded}");
        let upload = stand_in.received().pop().unwrap();
        assert!(String::from_utf8_lossy(&upload.body).contains(captured), "{tool}");
    }
}
