//! What the fault tests share: the real server process, a private PostgreSQL cluster,
//! and a small HTTP client that records what the server acknowledged.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BINARY: &str = env!("CARGO_BIN_EXE_accountd");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `accountd serve`, killed when dropped.
pub struct Server {
    child: std::sync::Mutex<Child>,
    pub address: String,
    pub client: reqwest::Client,
}

impl Server {
    pub async fn start(data_dir: &Path, database_url: &str) -> Self {
        Self::start_with(data_dir, database_url, &[]).await
    }

    pub async fn start_with(data_dir: &Path, database_url: &str, env: &[(&str, String)]) -> Self {
        let port = free_port();
        let address = format!("http://127.0.0.1:{port}");
        let child = Command::new(BINARY)
            .arg("serve")
            .current_dir(data_dir)
            .env("ACCOUNTD_DATA_DIR", data_dir)
            .env("ACCOUNTD_DATABASE_URL", database_url)
            .env("ACCOUNTD_LOG", "error")
            .env("ACCOUNTD_LISTEN", format!("127.0.0.1:{port}"))
            .env("ACCOUNTD_PUBLIC_URL", &address)
            .env("ACCOUNTD_RATE_LIMIT__ENABLED", "false")
            .env_remove("ACCOUNTD_CONFIG")
            .envs(env.iter().map(|(key, value)| (*key, value.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.get(format!("{address}/health")).send().await.is_err() {
            assert!(Instant::now() < deadline, "accountd did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { child: std::sync::Mutex::new(child), address, client }
    }

    /// `kill -9`: no shutdown, no flush, nothing the process could do about it.
    pub fn kill_9(&self) {
        let mut child = self.child.lock().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, Value), reqwest::Error> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    pub async fn register(&self, username: &str) -> Result<(u16, Value), reqwest::Error> {
        // Passwordless: the tests measure the database, not the password hash.
        let body = json!({ "email": format!("{username}@example.com"), "username": username });
        self.send(self.client.post(format!("{}/v1/users", self.address)).json(&body)).await
    }

    pub async fn set_display_name(&self, token: &str, name: &str) -> Result<(u16, Value), reqwest::Error> {
        let request = self
            .client
            .patch(format!("{}/v1/me", self.address))
            .bearer_auth(token)
            .json(&json!({ "displayName": name }));
        self.send(request).await
    }

    pub async fn me(&self, token: &str) -> Result<(u16, Value), reqwest::Error> {
        self.send(self.client.get(format!("{}/v1/me", self.address)).bearer_auth(token)).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(child) = self.child.get_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An error body in the contract's format with this status and code.
pub fn assert_error(status: u16, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["status"], json!(expected_status), "{body}");
    assert_eq!(body["code"], json!(code), "{body}");
    assert!(body["message"].as_str().is_some_and(|message| !message.is_empty()), "{body}");
}

/// A PostgreSQL cluster of the test's own (initdb into a temporary directory, its own
/// port, run as the `postgres` user), so stopping it disturbs nobody. Stopped when dropped.
pub struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

impl PrivatePostgres {
    pub fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's server binaries under /usr/lib/postgresql")
            .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
            .filter(|bin| bin.join("initdb").is_file())
            .max()
            .expect("an initdb under /usr/lib/postgresql/*/bin");
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("chown").arg("postgres").arg(dir.path()));
        let cluster = Self { dir, bin, port: free_port() };
        cluster.as_postgres("initdb", &["-D", &cluster.data(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        cluster.start_again();
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn as_postgres(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program).display().to_string();
        run(Command::new("runuser").args(["-u", "postgres", "--", &program]).args(args));
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn start_again(&self) {
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on", self.port, self.dir.path().display());
        let log = self.dir.path().join("log").display().to_string();
        self.as_postgres("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "start"]);
    }

    /// Stops the server the way a crash or an operator would: every connection is cut.
    pub fn stop(&self) {
        self.as_postgres("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    pub async fn connect(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.url()).await.unwrap()
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let program = self.bin.join("pg_ctl").display().to_string();
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--", &program, "-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn run(command: &mut Command) {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}
