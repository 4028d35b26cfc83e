//! The server processes under test: accountd, started on a fresh data directory (and, for
//! PostgreSQL, a fresh database), and the peers of `peer.rs`; each watched for memory and
//! stopped at the end.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use tokio::process::{Child, Command};

pub struct Server {
    child: Child,
    pub address: SocketAddr,
    /// What the server is, for messages.
    name: &'static str,
}

/// The environment every accountd process of the run gets.
pub struct Setup {
    pub binary: PathBuf,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub log: PathBuf,
}

impl Setup {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
        // The load comes from one address, which the per-IP and per-account abuse limits
        // exist to stop: the benchmark measures capacity with them off, unless the caller
        // sets ACCOUNTD_RATE_LIMIT__ENABLED itself (the loop below then overrides this).
        command.env("ACCOUNTD_RATE_LIMIT__ENABLED", "false");
        // The caller's own ACCOUNTD_* settings (ACCOUNTD_LOG, limits, …) reach the server;
        // where it stores and listens is the benchmark's to choose.
        for (name, value) in std::env::vars_os() {
            if name.to_str().is_some_and(|name| name.starts_with("ACCOUNTD_") || name == "TOKIO_WORKER_THREADS") {
                command.env(name, value);
            }
        }
        command
            .env("ACCOUNTD_DATA_DIR", &self.data_dir)
            .env("ACCOUNTD_DATABASE_URL", &self.database_url)
            .stdin(Stdio::null());
        command
    }

    /// `accountd migrate`: the schema exists before seeding writes into it.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let output = self.command().arg("migrate").output().await.context("running accountd migrate")?;
        if !output.status.success() {
            bail!("accountd migrate failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(())
    }

    pub async fn start(&self) -> anyhow::Result<Server> {
        let address = free_address()?;
        let mut command = self.command();
        command.arg("serve").env("ACCOUNTD_LISTEN", address.to_string());
        Server::spawn("accountd", command, address, &self.log).await
    }
}

pub fn free_address() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?)
}

impl Server {
    /// Starts `command` with its output going to `log`, and waits until it listens on `address`.
    pub async fn spawn(
        name: &'static str,
        mut command: Command,
        address: SocketAddr,
        log: &Path,
    ) -> anyhow::Result<Server> {
        let file = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let mut server = Server { child, address, name };
        server.wait_ready(log).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, log: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("{} exited ({status}) before listening; see {}", self.name, log.display());
            }
            if tokio::net::TcpStream::connect(self.address).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("{} did not listen on {} within 30 s; see {}", self.name, self.address, log.display())
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Resident memory now and at its highest, in MiB (`VmRSS`, `VmHWM`).
    pub fn memory(&self) -> Option<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let field = |name: &str| -> Option<f64> {
            let line = status.lines().find(|line| line.starts_with(name))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib / 1024.0)
        };
        Some(Memory { rss_mib: field("VmRSS:")?, peak_mib: field("VmHWM:")? })
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            // SIGTERM lets the server finish and close its database cleanly.
            let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status().await;
            if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
                self.child.kill().await?;
            }
        }
        Ok(())
    }
}

/// The last lines of a server's log, for when a run fails.
pub fn print_log_tail(name: &str, log: &Path) {
    if let Ok(log) = std::fs::read_to_string(log) {
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        eprintln!("last lines of {name}'s log:");
        for line in tail.into_iter().rev() {
            eprintln!("  {line}");
        }
    }
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Memory {
    pub rss_mib: f64,
    pub peak_mib: f64,
}
