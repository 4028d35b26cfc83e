//! `--peer better-auth`: the same `me` and `login` load against accountd and against
//! better-auth on Node with SQLite (bench/peers/better-auth, installed by bench/run). Both
//! run at once; each scenario is measured on accountd, then straight away on better-auth;
//! the results are printed side by side with the ratio.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};
use tokio::process::Command;

use crate::load::{self, Pace, Workload};
use crate::scenarios::{Login, Me, PeerLogin, PeerMe};
use crate::server::{free_address, print_log_tail, Memory, Server, Setup};
use crate::{print_header, print_row, seed, Args, Limit, Scenario, STRIDE};

/// Said with every comparison: the login rows measure two different password hashes.
const HASH_NOTE: &str = "better-auth hashes passwords with scrypt (N=16384, r=16, p=1, node:crypto on libuv's thread \
                         pool), not Argon2id (accountd: m=19 MiB, t=2, p=1), so login rates are not hash-for-hash \
                         comparable";

/// The peer's secret signs its session cookies; the database is thrown away after the run.
const SECRET: &str = "accountd-bench-throwaway-secret-for-a-temporary-database";

/// better-auth's files (package.json, auth.mjs, seed.mjs, server.mjs, limit.mjs) with node_modules installed.
struct BetterAuth {
    dir: PathBuf,
    database: PathBuf,
    tokens: PathBuf,
    log: PathBuf,
    base_url: String,
}

/// What seed.mjs writes: the session cookie's name and each account's signed cookie value.
#[derive(Deserialize)]
struct PeerSeeded {
    cookie: String,
    tokens: Vec<String>,
}

impl BetterAuth {
    fn command(&self, script: &str) -> Command {
        let mut command = Command::new("node");
        command.arg(script).current_dir(&self.dir).env_clear();
        // Node's own tuning (the size of libuv's thread pool, where scrypt runs) is the caller's.
        for name in ["PATH", "HOME", "UV_THREADPOOL_SIZE", "NODE_OPTIONS"] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        command
            .env("NODE_ENV", "production")
            .env("PEER_DATABASE", &self.database)
            .env("PEER_BASE_URL", &self.base_url)
            .env("BETTER_AUTH_SECRET", SECRET);
        command
    }

    /// seed.mjs: better-auth's own migrations, then the accounts and their sessions.
    async fn seed(&self, accounts: usize) -> anyhow::Result<PeerSeeded> {
        let output = self
            .command("seed.mjs")
            .env("PEER_ACCOUNTS", accounts.to_string())
            .env("PEER_PASSWORD", seed::PASSWORD)
            .env("PEER_TOKENS", &self.tokens)
            .output()
            .await
            .context("running node seed.mjs (is Node installed?)")?;
        if !output.status.success() {
            bail!("better-auth's seed.mjs failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        let text =
            std::fs::read_to_string(&self.tokens).with_context(|| format!("reading {}", self.tokens.display()))?;
        let seeded: PeerSeeded = serde_json::from_str(&text).context("parsing the peer's session tokens")?;
        if seeded.tokens.len() != accounts {
            bail!("better-auth's seed.mjs made {} sessions for {accounts} accounts", seeded.tokens.len());
        }
        Ok(seeded)
    }

    /// limit.mjs: scrypt verifications/s with better-auth's own code, the server stopped.
    async fn limit(&self, cores: usize, duration: Duration) -> anyhow::Result<Limit> {
        #[derive(Deserialize)]
        struct Measured {
            threads: usize,
            verifications: u64,
            seconds: f64,
        }
        let output = self
            .command("limit.mjs")
            .env("PEER_PASSWORD", seed::PASSWORD)
            .env("PEER_LIMIT_SECONDS", duration.as_secs_f64().to_string())
            .output()
            .await
            .context("running node limit.mjs")?;
        if !output.status.success() {
            bail!("better-auth's limit.mjs failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        let measured: Measured = serde_json::from_slice(&output.stdout).context("parsing limit.mjs's output")?;
        let per_second = measured.verifications as f64 / measured.seconds;
        Ok(Limit {
            threads: measured.threads,
            verifications: measured.verifications,
            seconds: measured.seconds,
            per_second,
            // The pool may have more threads than there are cores; the cores are what hash.
            hash_ms: 1000.0 * cores.min(measured.threads) as f64 / per_second,
        })
    }

    fn version(&self) -> String {
        let manifest = self.dir.join("node_modules/better-auth/package.json");
        std::fs::read_to_string(manifest)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|manifest| manifest["version"].as_str().map(str::to_string))
            .unwrap_or_else(|| "unknown".into())
    }
}

/// One server's side of the comparison.
#[derive(Serialize)]
struct Side {
    name: String,
    version: String,
    stack: String,
    password_hash: &'static str,
    seed_seconds: f64,
    rss_idle_mib: f64,
    rss_peak_mib: f64,
    scenarios: Vec<Scenario>,
    /// Password verifications/s with the server's own hashing code, the server stopped.
    limit: Limit,
}

#[derive(Serialize)]
struct Row {
    scenario: String,
    connections: usize,
    accountd_per_second: f64,
    accountd_p99_ms: f64,
    peer_per_second: f64,
    peer_p99_ms: f64,
    /// accountd's req/s over the peer's.
    ratio: f64,
}

#[derive(Serialize)]
struct Report {
    date: String,
    peer: &'static str,
    cores: usize,
    cpu: String,
    accounts: usize,
    duration_seconds: u64,
    note: &'static str,
    comparison: Vec<Row>,
    accountd: Side,
    better_auth: Side,
}

/// The scenarios both servers run, as (name, connections).
fn plan(args: &Args, cores: usize) -> anyhow::Result<Vec<(&'static str, usize)>> {
    let wanted = |name: &str| args.scenarios.iter().any(|wanted| wanted == name);
    let mut plan = Vec::new();
    if wanted("me") {
        plan.push(("me", 50));
    }
    if wanted("login") {
        plan.push(("login", 2 * cores));
    }
    if plan.is_empty() {
        bail!("--peer runs only the scenarios me and login");
    }
    Ok(plan)
}

pub async fn compare(args: &Args, setup: &Setup, cores: usize, scratch: &Path) -> anyhow::Result<()> {
    let Some(dir) = &args.peer_dir else {
        bail!("--peer better-auth needs --peer-dir, a copy of bench/peers/better-auth with node_modules installed");
    };
    let plan = plan(args, cores)?;
    let duration = Duration::from_secs(args.duration);

    println!("== seeding accountd (SQLite)");
    let (tokens, seed_seconds, _) = crate::seed_accountd(args, setup, "sqlite").await?;
    let address = free_address()?;
    let peer = BetterAuth {
        dir: dir.clone(),
        database: scratch.join("better-auth.db"),
        tokens: scratch.join("better-auth-tokens.json"),
        log: scratch.join("better-auth.log"),
        base_url: format!("http://{address}"),
    };
    println!("== seeding better-auth (Node, SQLite through better-sqlite3)");
    println!("seeding {} accounts into better-auth ...", args.accounts);
    let seeding = Instant::now();
    let seeded = peer.seed(args.accounts).await?;
    let peer_seed_seconds = seeding.elapsed().as_secs_f64();
    println!("seeded {} accounts in {peer_seed_seconds:.1} s", args.accounts);

    let me = Arc::new(Me::new(Arc::new(tokens), args.accounts, STRIDE));
    let login = Arc::new(Login { accounts: args.accounts, stride: STRIDE });
    let peer_me = Arc::new(PeerMe { cookie: seeded.cookie, tokens: Arc::new(seeded.tokens), stride: STRIDE });
    let peer_login = Arc::new(PeerLogin { accounts: args.accounts, stride: STRIDE });
    let accountd_server = setup.start().await?;
    let peer_server = match Server::spawn("better-auth", peer.command("server.mjs"), address, &peer.log).await {
        Ok(server) => server,
        Err(error) => {
            print_log_tail("better-auth", &peer.log);
            return Err(error);
        }
    };
    // Both servers are up and each idles while the other is measured: the two runs of a
    // scenario follow each other, so a machine whose other load changes over the run (a
    // shared one) skews the ratio less than one server's whole run after the other's.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = [memory(&accountd_server).0, memory(&peer_server).0];
    // Both sides see each session once before they are measured (see `warm_up`).
    crate::warm_up("accountd", accountd_server.address, Arc::new(me.each_once()), me.sessions()).await?;
    let each_once = PeerMe { cookie: peer_me.cookie.clone(), tokens: peer_me.tokens.clone(), stride: 1 };
    crate::warm_up("better-auth", peer_server.address, Arc::new(each_once), peer_me.tokens.len()).await?;
    let mut accountd_scenarios = Vec::new();
    let mut peer_scenarios = Vec::new();
    for &(name, connections) in &plan {
        let (ours, theirs): (Arc<dyn Workload>, Arc<dyn Workload>) = match name {
            "me" => (me.clone(), peer_me.clone()),
            _ => (login.clone(), peer_login.clone()),
        };
        println!("\n{name}, {connections} connections");
        print_header();
        let sides = [
            ("accountd", &accountd_server, ours, &mut accountd_scenarios),
            ("better-auth", &peer_server, theirs, &mut peer_scenarios),
        ];
        for (side, server, workload, scenarios) in sides {
            let result = load::run(server.address, workload, connections, Pace::Closed, duration).await?;
            print_row(side, connections, None, &result);
            scenarios.push(Scenario { name: name.into(), connections, rate: None, result });
        }
    }
    let peak = [memory(&accountd_server).1, memory(&peer_server).1];
    accountd_server.stop().await?;
    peer_server.stop().await?;

    // The two hash ceilings one after the other too, with both servers stopped.
    let limits = [crate::limit(cores, duration)?, peer.limit(cores, duration).await?];
    let [accountd_limit, peer_limit] = limits;
    let accountd = Side {
        name: "accountd".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        stack: "Rust, axum, sqlx, SQLite (WAL)".into(),
        password_hash: "Argon2id m=19456 KiB, t=2, p=1",
        seed_seconds,
        rss_idle_mib: idle[0],
        rss_peak_mib: peak[0],
        scenarios: accountd_scenarios,
        limit: accountd_limit,
    };
    let better_auth = Side {
        name: "better-auth".into(),
        version: peer.version(),
        stack: format!("Node {}, node:http, better-sqlite3 (WAL)", node_version().await),
        password_hash: "scrypt N=16384, r=16, p=1",
        seed_seconds: peer_seed_seconds,
        rss_idle_mib: idle[1],
        rss_peak_mib: peak[1],
        scenarios: peer_scenarios,
        limit: peer_limit,
    };

    let comparison = side_by_side(&accountd, &better_auth);
    print_comparison(&comparison, &accountd, &better_auth);
    let wrong: u64 =
        accountd.scenarios.iter().chain(&better_auth.scenarios).map(|scenario| scenario.result.errors).sum();
    for side in [&accountd, &better_auth] {
        for scenario in side.scenarios.iter().filter(|scenario| scenario.result.errors > 0) {
            for sample in &scenario.result.samples {
                eprintln!("wrong answer from {} in {}: {sample}", side.name, scenario.name);
            }
        }
    }
    let report = Report {
        date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        peer: "better-auth",
        cores,
        cpu: crate::cpu_model(),
        accounts: args.accounts,
        duration_seconds: args.duration,
        note: HASH_NOTE,
        comparison,
        accountd,
        better_auth,
    };
    let ran = report.accountd.scenarios.iter().chain(&report.better_auth.scenarios).all(|s| s.result.ok > 0);
    crate::finish(args, "peer-better-auth", &report, wrong, ran)
}

/// A server's resident memory now and at its highest, in MiB (0 where /proc has none).
fn memory(server: &Server) -> (f64, f64) {
    server.memory().map_or((0.0, 0.0), |Memory { rss_mib, peak_mib }| (rss_mib, peak_mib))
}

fn side_by_side(accountd: &Side, peer: &Side) -> Vec<Row> {
    accountd
        .scenarios
        .iter()
        .zip(&peer.scenarios)
        .map(|(ours, theirs)| Row {
            scenario: ours.name.clone(),
            connections: ours.connections,
            accountd_per_second: ours.result.per_second,
            accountd_p99_ms: ours.result.p99_ms,
            peer_per_second: theirs.result.per_second,
            peer_p99_ms: theirs.result.p99_ms,
            ratio: ours.result.per_second / theirs.result.per_second,
        })
        .collect()
}

fn print_comparison(rows: &[Row], accountd: &Side, peer: &Side) {
    println!(
        "\n{:<10} {:>5} {:>15} {:>9} {:>18} {:>9} {:>8}",
        "scenario", "conns", "accountd req/s", "p99 ms", "better-auth req/s", "p99 ms", "ratio"
    );
    for row in rows {
        println!(
            "{:<10} {:>5} {:>15.0} {:>9.2} {:>18.0} {:>9.2} {:>7.2}x",
            row.scenario,
            row.connections,
            row.accountd_per_second,
            row.accountd_p99_ms,
            row.peer_per_second,
            row.peer_p99_ms,
            row.ratio
        );
    }
    let (ours, theirs) = (&accountd.limit, &peer.limit);
    println!(
        "{:<10} {:>5} {:>15.0} {:>9} {:>18.0} {:>9} {:>7.2}x",
        "limit",
        "",
        ours.per_second,
        "",
        theirs.per_second,
        "",
        ours.per_second / theirs.per_second
    );
    println!(
        "limit: password verifications/s with each server's own code, server stopped (Argon2id {:.1} ms, \
         scrypt {:.1} ms a hash on one core)",
        ours.hash_ms, theirs.hash_ms
    );
    if let (Some(ours_login), Some(theirs_login)) = (login_rate(accountd), login_rate(peer)) {
        println!(
            "login reached {:.0}% of its limit on accountd, {:.0}% on better-auth",
            100.0 * ours_login / ours.per_second,
            100.0 * theirs_login / theirs.per_second
        );
    }
    println!(
        "server RSS: accountd {:.1} MiB idle after seeding, {:.1} MiB peak; better-auth {:.1} MiB idle, {:.1} MiB peak",
        accountd.rss_idle_mib, accountd.rss_peak_mib, peer.rss_idle_mib, peer.rss_peak_mib
    );
    println!("ratio: accountd req/s over better-auth req/s (same accounts, connections and duration)");
    println!("note: {HASH_NOTE}");
}

fn login_rate(side: &Side) -> Option<f64> {
    side.scenarios.iter().find(|scenario| scenario.name == "login").map(|scenario| scenario.result.per_second)
}

async fn node_version() -> String {
    match Command::new("node").arg("--version").output().await {
        Ok(output) => String::from_utf8_lossy(&output.stdout).trim().to_string(),
        Err(_) => "unknown".into(),
    }
}
