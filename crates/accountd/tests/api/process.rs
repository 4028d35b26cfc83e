//! The real binary: restarts, crashes, signals and the command line.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{TestDatabase, PASSWORD};

const BINARY: &str = env!("CARGO_BIN_EXE_accountd");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn accountd(dir: &Path, database_url: &str) -> Command {
    let mut command = Command::new(BINARY);
    command
        .current_dir(dir)
        .env("ACCOUNTD_DATA_DIR", dir.join("data"))
        .env("ACCOUNTD_DATABASE_URL", database_url)
        .env("ACCOUNTD_LOG", "warn")
        .env_remove("ACCOUNTD_CONFIG");
    command
}

struct Server {
    child: Child,
    address: String,
    client: reqwest::Client,
}

impl Server {
    async fn start(dir: &Path, database_url: &str) -> Self {
        Self::start_with(dir, database_url, &[]).await
    }

    async fn start_with(dir: &Path, database_url: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let address = format!("http://127.0.0.1:{port}");
        let child = accountd(dir, database_url)
            .arg("serve")
            .envs(env.iter().copied())
            .env("ACCOUNTD_LISTEN", format!("127.0.0.1:{port}"))
            .env("ACCOUNTD_PUBLIC_URL", &address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.get(format!("{address}/health")).send().await.is_err() {
            assert!(Instant::now() < deadline, "accountd did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { child, address, client }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success());
    }

    async fn wait(mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "accountd did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self.client.post(format!("{}{path}", self.address)).json(&body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let response = self.client.get(format!("{}{path}", self.address)).bearer_auth(token).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn register(server: &Server, username: &str) -> String {
    let (status, body) = server
        .post(
            "/v1/users",
            json!({ "email": format!("{username}@example.com"), "username": username, "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["session"]["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn accounts_and_sessions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (_database, url) = TestDatabase::create(dir.path()).await;
    let server = Server::start(dir.path(), &url).await;
    let token = register(&server, "jane").await;
    server.signal("TERM");
    assert!(server.wait().await.success(), "a SIGTERM is a clean exit");

    let server = Server::start(dir.path(), &url).await;
    let (status, me) = server.get("/v1/me", &token).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("jane")));
    let (status, _) = server.post("/v1/auth/login", json!({ "identifier": "jane", "password": PASSWORD })).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_acknowledged_registration_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let (_database, url) = TestDatabase::create(dir.path()).await;
    let server = Server::start(dir.path(), &url).await;
    let token = register(&server, "durable").await;
    server.signal("KILL");
    server.wait().await;

    let server = Server::start(dir.path(), &url).await;
    let (status, _) = server.get("/v1/me", &token).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let (_database, url) = TestDatabase::create(dir.path()).await;
    let server = Server::start(dir.path(), &url).await;
    register(&server, "inflight").await;

    // A login whose body arrives in two parts, with the SIGTERM in between.
    let body = json!({ "identifier": "inflight", "password": PASSWORD }).to_string();
    let (first, second) = body.split_at(body.len() / 2);
    let host = server.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /v1/auth/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(second.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await.unwrap().unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(server.wait().await.success());
}

#[tokio::test]
async fn sighup_and_sigusr1_are_ignored_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (_database, url) = TestDatabase::create(dir.path()).await;
    let server = Server::start(dir.path(), &url).await;
    let token = register(&server, "steady").await;
    server.signal("HUP");
    server.signal("USR1");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, me) = server.get("/v1/me", &token).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("steady")));
    server.signal("TERM");
    assert!(server.wait().await.success(), "still a clean exit on SIGTERM");
}

#[tokio::test]
async fn the_embedded_default_keeps_everything_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(BINARY)
        .current_dir(dir.path())
        .env("ACCOUNTD_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("ACCOUNTD_DATABASE_URL")
        .env_remove("ACCOUNTD_DATA_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(format!("http://127.0.0.1:{port}/ready")).send().await.is_err() {
        assert!(Instant::now() < deadline, "accountd did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let data = dir.path().join("accountd-data");
    assert!(data.join("accountd.db").is_file());
    let key = data.join("secret.key");
    assert!(key.is_file());
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
}

fn run(command: &mut Command, stdin: Option<&str>) -> Output {
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    {
        use std::io::Write as _;
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_command_line_creates_and_promotes_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let (_database, url) = TestDatabase::create(dir.path()).await;
    let migrated = run(accountd(dir.path(), &url).arg("migrate"), None);
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));

    let created = run(
        accountd(dir.path(), &url).args([
            "user",
            "create",
            "--email",
            "root@example.com",
            "--username",
            "boss",
            "--password-stdin",
            "--admin",
        ]),
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let printed: Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(printed["role"], "admin");

    let plain = run(
        accountd(dir.path(), &url).args(["user", "create", "--email", "p@example.com", "--username", "plain"]),
        None,
    );
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let promoted = run(accountd(dir.path(), &url).args(["user", "promote", "PLAIN"]), None);
    assert!(promoted.status.success(), "{}", String::from_utf8_lossy(&promoted.stderr));

    let duplicate = run(
        accountd(dir.path(), &url).args(["user", "create", "--email", "ROOT@example.com", "--username", "other"]),
        None,
    );
    assert!(!duplicate.status.success());
    let weak = run(
        accountd(dir.path(), &url).args([
            "user",
            "create",
            "--email",
            "w@example.com",
            "--username",
            "weak",
            "--password-stdin",
        ]),
        Some("password"),
    );
    assert!(!weak.status.success());
    let missing = run(accountd(dir.path(), &url).args(["user", "promote", "nobody"]), None);
    assert!(!missing.status.success());

    let server = Server::start(dir.path(), &url).await;
    let (status, body) = server.post("/v1/auth/login", json!({ "identifier": "boss", "password": PASSWORD })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["emailVerified"], true);
    let token = register(&server, "someone").await;
    let (_, plain) = server.get("/v1/users/plain", &token).await;
    assert_eq!(plain["username"], "plain");
}

#[test]
fn config_check_names_the_invalid_key_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        Command::new(BINARY)
            .current_dir(dir.path())
            .args(["config", "check"])
            .env("ACCOUNTD_AUTH__SESSION_TTL_DAYS", "fortnight"),
        None,
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("auth.session_ttl_days"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let serve = run(Command::new(BINARY).current_dir(dir.path()).env("ACCOUNTD_LISTEN", "nowhere"), None);
    assert!(!serve.status.success());
    assert!(String::from_utf8_lossy(&serve.stderr).contains("listen"));
}

#[test]
fn config_check_prints_the_effective_configuration_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        Command::new(BINARY)
            .current_dir(dir.path())
            .args(["config", "check"])
            .env("ACCOUNTD_SECRET_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
            .env("ACCOUNTD_DATABASE_URL", "postgres://accountd:hunter2@db.internal/accountd")
            .env("ACCOUNTD_RATE_LIMIT__ENABLED", "false")
            .env("ACCOUNTD_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.0.0/16"),
        None,
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(!printed.contains("AAAAAAAA"), "{printed}");
    let config: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(config["secret_key"], "***");
    assert_eq!(config["rate_limit"]["enabled"], false);
    assert_eq!(config["trusted_proxies"], json!(["10.0.0.0/8", "192.168.0.0/16"]));
    assert_eq!(config["listen"], "127.0.0.1:8080");
}

#[test]
fn the_configuration_file_is_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accountd.toml");
    std::fs::write(
        &file,
        "public_url = \"https://accounts.example.com\"\n[auth]\nsession_ttl_days = 7\nrequire_verified_email = true\n",
    )
    .unwrap();
    let output = run(
        Command::new(BINARY)
            .current_dir(dir.path())
            .args(["config", "check"])
            .env("ACCOUNTD_CONFIG", &file)
            .env("ACCOUNTD_AUTH__SESSION_TTL_DAYS", "3"),
        None,
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let config: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(config["auth"]["session_ttl_days"], 3);
    assert_eq!(config["auth"]["require_verified_email"], true);
    assert_eq!(config["public_url"], "https://accounts.example.com/");
}

#[test]
fn help_describes_the_commands() {
    let output = run(Command::new(BINARY).arg("--help"), None);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate", "user", "config"] {
        assert!(help.contains(command), "{help}");
    }
    let create = run(Command::new(BINARY).args(["user", "create", "--help"]), None);
    let create = String::from_utf8_lossy(&create.stdout);
    for flag in ["--email", "--username", "--password-stdin", "--admin"] {
        assert!(create.contains(flag), "{create}");
    }
}

#[tokio::test]
async fn two_server_processes_on_one_database_deliver_each_mail_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_database, url) = TestDatabase::create(dir.path()).await;
    let mut sink = crate::helpers::MailSink::reserve();
    let smtp = sink.url();
    let first = Server::start_with(dir.path(), &url, &[("ACCOUNTD_SMTP_URL", &smtp)]).await;
    let second_dir = tempfile::tempdir().unwrap();
    let second = Server::start_with(second_dir.path(), &url, &[("ACCOUNTD_SMTP_URL", &smtp)]).await;
    let names: Vec<String> = (0..10).map(|i| format!("proc{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        // Half the accounts register through each process.
        register(if i % 2 == 0 { &first } else { &second }, name).await;
    }
    // With the relay down, every message fails once; when it comes up, both processes retry.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    sink.listen().await;
    let deadline = Instant::now() + Duration::from_secs(40);
    while sink.messages().len() < names.len() {
        assert!(Instant::now() < deadline, "only {} of {} mails arrived", sink.messages().len(), names.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.messages().len(), names.len(), "a mail was sent twice");
    for name in &names {
        assert_eq!(sink.count_for(&format!("{name}@example.com")), 1, "{name}");
    }
}

/// Runs one statement on a test database from outside the servers.
async fn execute(database: &TestDatabase, url: &str, statement: &str) {
    use sqlx::Connection as _;
    if database.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
}

/// The resident memory of a process, in bytes.
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| line.starts_with(name) && !line.starts_with('#'))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn an_event_committed_on_one_node_reaches_streams_on_another() {
    let dir = tempfile::tempdir().unwrap();
    let (_database, url) = TestDatabase::create(dir.path()).await;
    let first = Server::start(dir.path(), &url).await;
    let second_dir = tempfile::tempdir().unwrap();
    let second = Server::start(second_dir.path(), &url).await;
    let token = register(&first, "jane").await;

    let open = |server: &Server, path: &str| {
        let request = server.client.get(format!("{}{path}", server.address)).bearer_auth(&token);
        async move { crate::streams::SseClient::from_response(request.send().await.unwrap()) }
    };
    let mut on_second = open(&second, "/v1/me/activity/stream").await;
    let mut on_first = open(&first, "/v1/me/activity/stream").await;
    let mut public_on_second = open(&second, "/v1/action-logs/stream").await;

    let started = Instant::now();
    let patch = first
        .client
        .patch(format!("{}/v1/me", first.address))
        .bearer_auth(&token)
        .json(&json!({ "displayName": "Jane" }))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 200);
    let wait = Duration::from_secs(10);
    let seen_on_second = on_second.next(wait).await.expect("the other node's stream delivers it");
    let latency = started.elapsed();
    let seen_on_first = on_first.next(wait).await.expect("the writing node's stream delivers it");
    assert_eq!(seen_on_second.data["action"], "profile.updated");
    assert_eq!(seen_on_second.id, seen_on_first.id, "one position on every node");
    assert_eq!(seen_on_second.data, seen_on_first.data);
    assert!(latency < Duration::from_secs(3), "delivered across nodes in {latency:?}");

    register(&first, "john").await;
    let public = public_on_second.next(wait).await.expect("the public stream of the other node delivers it");
    assert_eq!(public.data["action"], "user.registered");
    assert_eq!(public.data["actor"]["username"], "john");
}

/// Without the bound (a buffer of 100,000 events) this test fails: the stream is never
/// dropped and the server's resident memory grew by about 100 MB for the 40 MB of events.
#[tokio::test]
async fn a_stream_client_that_stops_reading_is_dropped_and_the_servers_memory_stays_flat() {
    let dir = tempfile::tempdir().unwrap();
    let (database, url) = TestDatabase::create(dir.path()).await;
    let server = Server::start_with(dir.path(), &url, &[("ACCOUNTD_ACTIVITY__STREAM_BUFFER_EVENTS", "16")]).await;
    let token = register(&server, "jane").await;

    // A client that asks for its stream and then never reads, with a small receive buffer.
    let address: std::net::SocketAddr = server.address.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(address).await.unwrap();
    let request = format!(
        "GET /v1/me/activity/stream HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    stalled.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = resident_bytes(server.child.id());

    // 40 MB of events for the account, written straight into the feed: 8,000 of 5 KB.
    let pad = "x".repeat(5000);
    let payload = format!(
        r#"{{"id":"01a22be6-9933-74cf-a40a-28e5e0c2f78b","action":"profile.updated","at":"2026-11-30T10:00:00Z","ip":null,"userAgent":null,"metadata":{{"pad":"{pad}"}}}}"#
    );
    let statement = if database.is_postgres() {
        format!(
            "INSERT INTO feed_events (topic, user_id, payload) SELECT 'activity', \
             (SELECT id FROM users WHERE username = 'jane'), '{payload}' FROM generate_series(1, 8000)"
        )
    } else {
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000) \
             INSERT INTO feed_events (topic, user_id, payload) SELECT 'activity', \
             (SELECT id FROM users WHERE username = 'jane'), '{payload}' FROM n"
        )
    };
    execute(&database, &url, &statement).await;

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut peak = before;
    loop {
        peak = peak.max(resident_bytes(server.child.id()));
        let metrics = server.client.get(format!("{}/metrics", server.address)).send().await.unwrap();
        let text = metrics.text().await.unwrap();
        if metric(&text, "accountd_streams_dropped_slow_total") >= 1.0 && metric(&text, "accountd_streams_open") == 0.0
        {
            break;
        }
        if Instant::now() >= deadline {
            let growth = peak.saturating_sub(before);
            panic!("the stalled stream was not dropped (resident memory grew by {growth} bytes)");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    peak = peak.max(resident_bytes(server.child.id()));
    let growth = peak.saturating_sub(before);
    println!("resident memory before {before} B, peak {peak} B, growth {growth} B");
    assert!(growth < 16 * 1024 * 1024, "the server held the events it could not send: grew by {growth} bytes");
    let health = server.client.get(format!("{}/health", server.address)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    drop(stalled);
}
