//! `/ready` through a real PostgreSQL outage. The test runs a private PostgreSQL
//! cluster, so stopping it does not disturb the other tests; it needs the
//! PostgreSQL server binaries and root (to run them as the `postgres` user), as CI has.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accountd_server::config::Config;

fn pg_bin(name: &str) -> PathBuf {
    let versions = std::fs::read_dir("/usr/lib/postgresql").expect("PostgreSQL server binaries in /usr/lib/postgresql");
    let mut candidates: Vec<PathBuf> = versions
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    candidates.sort();
    candidates.pop().unwrap_or_else(|| panic!("{name} not found"))
}

fn as_postgres(dir: &Path, program: PathBuf, args: &[&str]) {
    let output = Command::new("runuser")
        .current_dir(dir)
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .output()
        .expect("runuser");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn create() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status().unwrap();
        let data = dir.path().join("data");
        as_postgres(
            dir.path(),
            pg_bin("initdb"),
            &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = Self { dir, port };
        cluster.start();
        cluster
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.path().join("data");
        let mut all = vec!["-D", data.to_str().unwrap()];
        all.extend_from_slice(args);
        as_postgres(self.dir.path(), pg_bin("pg_ctl"), &all);
    }

    fn start(&self) {
        let options = format!("-p {} -c listen_addresses=127.0.0.1 -k {}", self.port, self.dir.path().display());
        self.pg_ctl(&["-o", &options, "-w", "-l", self.dir.path().join("log").to_str().unwrap(), "start"]);
    }

    fn stop(&self) {
        self.pg_ctl(&["-m", "fast", "-w", "stop"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(pg_bin("pg_ctl"))
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}

async fn ready_status(client: &reqwest::Client, address: &str) -> u16 {
    client.get(format!("{address}/ready")).send().await.unwrap().status().as_u16()
}

async fn wait_for(client: &reqwest::Client, address: &str, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while ready_status(client, address).await != status {
        assert!(Instant::now() < deadline, "/ready never answered {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn ready_answers_503_while_postgresql_is_down_and_recovers_by_itself() {
    if std::env::var("ACCOUNTD_TEST_DATABASE_URL").is_err() {
        eprintln!(
            "ready_answers_503_while_postgresql_is_down: runs in the PostgreSQL pass (ACCOUNTD_TEST_DATABASE_URL)"
        );
        return;
    }
    let cluster = Cluster::create();
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let config = Config {
        data_dir: data.path().to_path_buf(),
        database_url: Some(format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port)),
        ..Config::default()
    };
    let store = accountd_server::open_store(&config).await.unwrap();
    let state =
        accountd_server::app_state(&config, store, Arc::new(accountd_core::SystemClock), crate::helpers::test_key())
            .unwrap();
    tokio::spawn(accountd_server::serve_on(listener, state, std::future::pending()));
    let client = reqwest::Client::new();

    assert_eq!(ready_status(&client, &address).await, 200);
    cluster.stop();
    wait_for(&client, &address, 503).await;
    let body: serde_json::Value = client.get(format!("{address}/ready")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "status": "unavailable", "database": "unavailable" }));
    // Requests that need the database fail cleanly, in the contract's format.
    let login = client
        .post(format!("{address}/v1/auth/login"))
        .json(&serde_json::json!({ "identifier": "a", "password": "b" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 503);
    let error: serde_json::Value = login.json().await.unwrap();
    assert_eq!(error["code"], "server:unavailable");
    assert!(client.get(format!("{address}/health")).send().await.unwrap().status().is_success());

    cluster.start();
    wait_for(&client, &address, 200).await;
}
