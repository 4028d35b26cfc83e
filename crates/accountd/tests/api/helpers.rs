//! `spawn_app`: a real accountd on a real socket, on a fresh database — a temporary
//! SQLite file, or a new PostgreSQL schema when `ACCOUNTD_TEST_DATABASE_URL` is set.

use std::sync::{Arc, Mutex};

use accountd_core::Clock;
use accountd_server::config::Config;
use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "Correct-Horse-9";

/// Real time plus an offset the test can move forward.
#[derive(Default)]
pub struct TestClock {
    offset: Mutex<Duration>,
}

impl TestClock {
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap();
        *offset += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap()
    }
}

/// Where a test's data lives; dropped with the test.
pub enum TestDatabase {
    Sqlite,
    Postgres {
        admin_url: String,
        schema: String,
    },
    /// The database of another test app (a second node); its owner drops it.
    Shared {
        postgres: bool,
    },
}

impl TestDatabase {
    pub async fn create(dir: &std::path::Path) -> (Self, String) {
        match std::env::var("ACCOUNTD_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
                    .await
                    .expect("connect to ACCOUNTD_TEST_DATABASE_URL");
                sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut conn).await.expect("create schema");
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                // The application name lets the cleanup find this test's connections.
                let url =
                    format!("{admin_url}{separator}application_name={schema}&options=-c%20search_path%3D{schema}");
                (Self::Postgres { admin_url, schema }, url)
            }
            _ => (Self::Sqlite, format!("sqlite://{}", dir.join("accountd.db").display())),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. } | Self::Shared { postgres: true })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, schema } = self {
            let (admin_url, schema) = (admin_url.clone(), schema.clone());
            // Drop runs inside the test's runtime, which can't block on itself.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    if let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await {
                        // The server of the test may still hold connections (a transaction it
                        // rolls back lazily), which would keep DROP SCHEMA waiting on locks.
                        let _ = sqlx::query(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                        )
                        .bind(&schema)
                        .execute(&mut conn)
                        .await;
                        let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut conn).await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Arc<TestClock>,
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    // Dropped last: the server and the database must go before their directory.
    pub database: TestDatabase,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// Stops the server as a shutdown would, keeping its database for another node.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // Requests in flight finish and the job loops stop; none is running here.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    spawn_app_on(listener, configure).await
}

/// Like [`spawn_app_with`] on a listener the test bound first, for peers that must know
/// the app's address before it starts (an OpenID provider's redirect URIs).
pub async fn spawn_app_on(listener: TcpListener, configure: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, database_url) = TestDatabase::create(dir.path()).await;
    start_app(dir, database, database_url, listener, configure).await
}

/// A second server on the database of `first`, as another node of a deployment:
/// it shares nothing with `first` but the database (and the instance key).
pub async fn spawn_node_of(first: &TestApp, configure: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::Shared { postgres: first.database.is_postgres() };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    start_app(dir, database, first.database_url.clone(), listener, configure).await
}

async fn start_app(
    dir: tempfile::TempDir,
    database: TestDatabase,
    database_url: String,
    listener: TcpListener,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let address = format!("http://{}", listener.local_addr().unwrap());

    let mut config =
        Config { data_dir: dir.path().to_path_buf(), database_url: Some(database_url.clone()), ..Config::default() };
    config.public_url = address.parse().unwrap();
    configure(&mut config);
    config.validate().expect("valid test configuration");

    let store = accountd_server::open_store(&config).await.expect("open store");
    let clock = Arc::new(TestClock::default());
    let state = accountd_server::app_state(&config, store, clock.clone(), test_key()).expect("app state");
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(accountd_server::serve_on(listener, state, async {
        let _ = stop.await;
    }));

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { address, client, clock, database_url, shutdown: Some(shutdown), database, _dir: dir }
}

/// A registered account and its session token.
pub struct Account {
    pub id: String,
    pub username: String,
    pub email: String,
    pub token: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!((self.status.as_u16(), self.code()), (status, code), "body: {}", self.body);
        assert_eq!(self.body["status"], status, "body: {}", self.body);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()), "body: {}", self.body);
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        &self.body
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply { status, headers, body }
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn post_owned(&self, path: String, token: Option<String>, body: Value) -> Reply {
        self.call(Method::POST, &path, token.as_deref(), Some(body)).await
    }

    pub async fn register_as(&self, username: &str) -> Account {
        let email = format!("{username}@example.com");
        let reply =
            self.post("/v1/users", None, json!({ "email": email, "username": username, "password": PASSWORD })).await;
        let body = reply.assert_status(201);
        Account {
            id: body["user"]["id"].as_str().unwrap().to_string(),
            username: username.to_string(),
            email,
            token: body["session"]["token"].as_str().unwrap().to_string(),
        }
    }

    pub async fn login(&self, identifier: &str, password: &str) -> Reply {
        self.post("/v1/auth/login", None, json!({ "identifier": identifier, "password": password })).await
    }

    /// Logs in and returns the new session token.
    pub async fn login_token(&self, identifier: &str) -> String {
        let reply = self.login(identifier, PASSWORD).await;
        reply.assert_status(200)["session"]["token"].as_str().unwrap().to_string()
    }
}

/// The value of a `Set-Cookie` header for the session cookie (under either of its names).
pub fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("accountd_session=") || value.starts_with("__Host-accountd_session="))
        .map(str::to_owned)
}

impl TestApp {
    /// Runs a statement on the test's database directly, for setting up states the
    /// API can't reach yet (a banned account). SQL must be valid on both backends.
    pub async fn execute_sql(&self, statement: &str) {
        use sqlx::Connection as _;
        if self.database.is_postgres() {
            let mut conn = sqlx::PgConnection::connect(&self.database_url).await.unwrap();
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.database_url).await.unwrap();
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        }
    }
}

/// A fixed instance key for in-process servers.
pub fn test_key() -> accountd_server::secret_key::SecretKey {
    secrecy::SecretBox::new(Box::new([7u8; 32]))
}

impl TestApp {
    /// Every value of every column of every table of the test's database, as text.
    pub async fn dump_database(&self) -> Vec<String> {
        use sqlx::Connection as _;
        let mut values = Vec::new();
        if self.database.is_postgres() {
            let mut conn = sqlx::PgConnection::connect(&self.database_url).await.unwrap();
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert!(!columns.is_empty());
            for (table, column) in columns {
                let cells: Vec<Option<String>> =
                    sqlx::query_scalar(&format!("SELECT \"{column}\"::text FROM \"{table}\""))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                values.extend(cells.into_iter().flatten());
            }
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.database_url).await.unwrap();
            let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut conn)
                .await
                .unwrap();
            assert!(!tables.is_empty());
            for table in tables {
                let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
                    .bind(&table)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                for column in columns {
                    let cells: Vec<Option<Vec<u8>>> =
                        sqlx::query_scalar(&format!("SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\""))
                            .fetch_all(&mut conn)
                            .await
                            .unwrap();
                    values
                        .extend(cells.into_iter().flatten().map(|bytes| String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
        }
        values
    }

    /// Makes an account an administrator, as `accountd user promote` does.
    pub async fn promote(&self, username: &str) {
        self.execute_sql(&format!("UPDATE users SET role = 'admin' WHERE username = '{username}'")).await;
    }

    /// Switches off the account's security mail (which security notices must ignore).
    pub async fn turn_off_security_mail(&self, session: &str) {
        let off = json!({ "notifications": { "email": { "security": false } } });
        self.call(Method::PATCH, "/v1/me", Some(session), Some(off)).await.assert_status(200);
    }

    /// Creates a personal access token with these scopes and returns it.
    pub async fn create_pat(&self, session: &str, scopes: &[&str]) -> String {
        let reply = self.post("/v1/me/tokens", Some(session), json!({ "name": "test", "scopes": scopes })).await;
        reply.assert_status(201)["token"].as_str().unwrap().to_string()
    }
}

/// A real SMTP listener (tests/peers/smtp_sink.py, aiosmtpd) in a child process.
pub struct MailSink {
    pub port: u16,
    /// `user:password` the listener demands, if any.
    pub auth: Option<String>,
    dir: tempfile::TempDir,
    child: Option<std::process::Child>,
}

/// A message as a mail client shows it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

impl ReceivedMail {
    /// The first link in the text body that starts with `{address}{path}`.
    pub fn link(&self, address: &str, path: &str) -> url::Url {
        let prefix = format!("{address}{path}");
        let line = self
            .text
            .lines()
            .map(str::trim)
            .find(|line| line.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {prefix} link in {}", self.text));
        url::Url::parse(line).unwrap()
    }

    pub fn token(&self, address: &str, path: &str) -> String {
        let link = self.link(address, path);
        let token = link
            .query_pairs()
            .find(|(key, _)| key == "token")
            .map(|(_, value)| value.into_owned())
            .expect("token in link");
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{token}");
        token
    }
}

impl MailSink {
    /// Reserves a port without listening on it yet (the relay is "down").
    pub fn reserve() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self { port, auth: None, dir: tempfile::tempdir().unwrap(), child: None }
    }

    pub async fn start() -> Self {
        let mut sink = Self::reserve();
        sink.listen().await;
        sink
    }

    /// Starts listening on the reserved port.
    pub async fn listen(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/peers/smtp_sink.py");
        let mut command = std::process::Command::new("python3");
        if let Some(auth) = &self.auth {
            command.arg(script).arg("--auth").arg(auth);
        } else {
            command.arg(script);
        }
        let child = command
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
            assert!(std::time::Instant::now() < deadline, "the SMTP sink did not start");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|path| {
                let bytes = std::fs::read(path).unwrap();
                let message = mail_parser::MessageParser::default().parse(&bytes).expect("a parseable message");
                ReceivedMail {
                    to: message
                        .to()
                        .and_then(|to| to.first())
                        .and_then(|addr| addr.address())
                        .unwrap_or_default()
                        .to_string(),
                    subject: message.subject().unwrap_or_default().to_string(),
                    text: message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
                    html: message.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
                    message_id: message.message_id().unwrap_or_default().to_string(),
                }
            })
            .collect()
    }

    /// Waits until `count` messages have arrived for `recipient`, and returns the newest.
    pub async fn wait_for(&self, recipient: &str, count: usize) -> ReceivedMail {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let mine: Vec<_> = self.messages().into_iter().filter(|m| m.to.eq_ignore_ascii_case(recipient)).collect();
            if mine.len() >= count {
                return mine[count - 1].clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail #{count} for {recipient}; got {:?}",
                self.messages().iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub fn count_for(&self, recipient: &str) -> usize {
        self.messages().iter().filter(|m| m.to.eq_ignore_ascii_case(recipient)).count()
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A test app that mails through a real SMTP listener.
pub async fn spawn_app_with_mail() -> (TestApp, MailSink) {
    let sink = MailSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|config| config.smtp_url = Some(url)).await;
    (app, sink)
}

impl TestApp {
    /// One integer from the test's database (SQL valid on both backends).
    pub async fn query_i64(&self, statement: &str) -> i64 {
        use sqlx::Connection as _;
        if self.database.is_postgres() {
            let mut conn = sqlx::PgConnection::connect(&self.database_url).await.unwrap();
            sqlx::query_scalar::<_, i64>(statement).fetch_one(&mut conn).await.unwrap()
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.database_url).await.unwrap();
            sqlx::query_scalar::<_, i64>(statement).fetch_one(&mut conn).await.unwrap()
        }
    }
}

/// A second server on an existing app's database, as another node of one deployment.
pub async fn spawn_node(
    database_url: &str,
    configure: impl FnOnce(&mut Config),
) -> (String, oneshot::Sender<()>, Arc<TestClock>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let mut config = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: Some(database_url.to_string()),
        ..Config::default()
    };
    config.public_url = address.parse().unwrap();
    configure(&mut config);
    let store = accountd_server::open_store(&config).await.unwrap();
    let clock = Arc::new(TestClock::default());
    let state = accountd_server::app_state(&config, store, clock.clone(), test_key()).expect("app state");
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(accountd_server::serve_on(listener, state, async {
        let _ = stop.await;
    }));
    (address, shutdown, clock, dir)
}

impl TestApp {
    /// The app's data directory (media, exports, mail files).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}
