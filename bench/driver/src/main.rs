//! `accountd-bench`: the benchmark driver behind `bench/run`. It starts accountd on a
//! fresh database, seeds accounts, runs the scenarios with every response checked,
//! measures the raw Argon2id ceiling, and reports a table, the targets and a JSON file.
//! With `--peer better-auth` it runs `me` and `login` against accountd and better-auth
//! instead, side by side (`peer.rs`); with `--scenarios soak`, ten minutes of mixed traffic
//! with the server's memory, descriptors and database sampled (`soak.rs`).

mod avatar;
mod load;
mod peer;
mod scenarios;
mod seed;
mod server;
mod soak;
mod streams;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use secrecy::SecretString;
use serde::Serialize;

use crate::load::{LoadResult, Pace, Workload};
use crate::scenarios::{Login, Me, Register};
use crate::server::{print_log_tail, Memory, Setup};

/// Spreads consecutive requests over the accounts: a prime larger than any account
/// count, so `n * STRIDE mod accounts` visits every account.
const STRIDE: usize = 2_654_435_761;

#[derive(Parser)]
#[command(name = "accountd-bench", about = "Benchmarks accountd; run through bench/run")]
struct Args {
    /// The accountd binary to benchmark (a release build).
    #[arg(long)]
    server: PathBuf,
    /// PostgreSQL server to benchmark on (a fresh database is created and dropped); SQLite when absent.
    #[arg(long)]
    database_url: Option<String>,
    /// Accounts to seed.
    #[arg(long, default_value_t = 10_000)]
    accounts: usize,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Every scenario for 2 s with few accounts; fails on any wrong response; writes no result file.
    #[arg(long)]
    smoke: bool,
    /// Where the JSON result file goes.
    #[arg(long, default_value = "bench/results")]
    results: PathBuf,
    /// Only these scenarios (comma-separated: me, login, register, storm, avatar, stream, export;
    /// or soak alone, which is not in the default set as it takes ten minutes).
    #[arg(long, value_delimiter = ',', default_value = "me,login,register,storm,avatar,stream,export")]
    scenarios: Vec<String>,
    /// `soak`: seconds of mixed traffic (30 at most with --smoke).
    #[arg(long, default_value_t = 600)]
    soak_seconds: u64,
    /// `stream`: activity streams held open at once, one per account (needs as many accounts
    /// and file descriptors: the driver and the server each hold one per stream).
    #[arg(long, default_value_t = 10_000)]
    streams: usize,
    /// `stream`: profile updates written a second, to the streams' accounts in turn.
    #[arg(long, default_value_t = 200)]
    stream_rate: u64,
    /// `export`: activity rows of the exported account.
    #[arg(long, default_value_t = 100_000)]
    export_rows: usize,
    /// The `me` probe's rate during `storm`, requests per second.
    #[arg(long, default_value_t = 200)]
    storm_rate: u64,
    /// Accounts whose sessions `me` (and the `storm` probe) use, spread evenly over all the
    /// seeded ones: runs at different `--accounts` then differ only in the database's size.
    #[arg(long, default_value_t = 10_000)]
    active_sessions: usize,
    /// Compare with this peer instead (`me` and `login` only); the result file is <date>-peer-<name>.json.
    #[arg(long, value_parser = ["better-auth"])]
    peer: Option<String>,
    /// The peer's directory (a copy of bench/peers/<name> with node_modules installed; bench/run makes it).
    #[arg(long)]
    peer_dir: Option<PathBuf>,
}

#[derive(Serialize)]
struct Scenario {
    name: String,
    connections: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    rate: Option<u64>,
    #[serde(flatten)]
    result: LoadResult,
}

#[derive(Serialize)]
struct Limit {
    threads: usize,
    verifications: u64,
    seconds: f64,
    per_second: f64,
    /// One verification on one core.
    hash_ms: f64,
}

#[derive(Serialize)]
struct Target {
    name: &'static str,
    target: String,
    measured: String,
    pass: bool,
}

#[derive(Serialize)]
struct Report {
    date: String,
    backend: &'static str,
    cores: usize,
    cpu: String,
    accounts: usize,
    seed_seconds: f64,
    duration_seconds: u64,
    scenarios: Vec<Scenario>,
    limit: Limit,
    /// The `avatar` scenario's limit: the image crate alone (absent when it did not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar_limit: Option<avatar::AvatarLimit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<streams::StreamResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    export: Option<streams::ExportResult>,
    rss_idle_mib: f64,
    rss_peak_mib: f64,
    targets: Vec<Target>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(args))
}

async fn run(mut args: Args) -> anyhow::Result<()> {
    if args.smoke {
        args.duration = 2;
        args.accounts = args.accounts.min(1_000);
        args.streams = args.streams.min(50);
        args.stream_rate = args.stream_rate.min(50);
        args.export_rows = args.export_rows.min(2_000);
        args.soak_seconds = args.soak_seconds.min(30);
    }
    let soak = args.scenarios.iter().any(|wanted| wanted == "soak");
    if soak && (args.scenarios.len() > 1 || args.peer.is_some()) {
        bail!("the soak runs alone: --scenarios soak, without other scenarios or --peer");
    }
    if args.peer.is_some() && args.database_url.is_some() {
        bail!("--peer compares on SQLite, as the peer runs here; leave out --database-url");
    }
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let scratch = tempfile::Builder::new().prefix("accountd-bench-").tempdir()?;
    let backend = if args.database_url.is_some() { "postgres" } else { "sqlite" };
    let (database_url, postgres) = match &args.database_url {
        None => (format!("sqlite://{}/accountd.db", scratch.path().display()), None),
        Some(url) => {
            let fresh = FreshPostgres::create(url).await?;
            (fresh.url.clone(), Some(fresh))
        }
    };
    let setup = Setup {
        binary: args.server.clone(),
        data_dir: scratch.path().to_path_buf(),
        database_url: database_url.clone(),
        log: scratch.path().join("accountd.log"),
    };
    let outcome = if args.peer.is_some() {
        peer::compare(&args, &setup, cores, scratch.path()).await
    } else if soak {
        soak_benchmark(&args, &setup, backend, cores).await
    } else {
        benchmark(&args, &setup, backend, cores).await
    };
    if let Some(fresh) = postgres {
        fresh.drop_database().await?;
    }
    if outcome.is_err() {
        print_log_tail("accountd", &setup.log);
    }
    outcome
}

/// Migrates and seeds accountd's database; returns the accounts' session tokens and the
/// seconds seeding took.
async fn seed_accountd(args: &Args, setup: &Setup, backend: &str) -> anyhow::Result<(Vec<String>, f64, f64)> {
    let export = args.peer.is_none() && args.scenarios.iter().any(|wanted| wanted == "export");
    setup.migrate().await?;
    println!("seeding {} accounts into {backend} ...", args.accounts);
    let seeding = Instant::now();
    let (seeded, activity_seconds) = if backend == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&setup.database_url).await?;
        let seeded = seed::seed_sqlite(&pool, args.accounts).await?;
        let activity = Instant::now();
        if export {
            streams::seed_activity_sqlite(&pool, &seed::username(0), args.export_rows).await?;
        }
        sqlx::query("ANALYZE").execute(&pool).await?;
        pool.close().await;
        (seeded, activity.elapsed().as_secs_f64())
    } else {
        let pool = sqlx::PgPool::connect(&setup.database_url).await?;
        let seeded = seed::seed_postgres(&pool, args.accounts).await?;
        let activity = Instant::now();
        if export {
            streams::seed_activity_postgres(&pool, &seed::username(0), args.export_rows).await?;
        }
        sqlx::query("ANALYZE").execute(&pool).await?;
        pool.close().await;
        (seeded, activity.elapsed().as_secs_f64())
    };
    let seed_seconds = seeding.elapsed().as_secs_f64();
    println!("seeded {} accounts in {seed_seconds:.1} s", args.accounts);
    if export {
        println!("seeded {} activity rows of {} in {activity_seconds:.1} s", args.export_rows, seed::username(0));
    }
    Ok((seeded.tokens, seed_seconds, activity_seconds))
}

async fn benchmark(args: &Args, setup: &Setup, backend: &'static str, cores: usize) -> anyhow::Result<()> {
    let (tokens, seed_seconds, activity_seconds) = seed_accountd(args, setup, backend).await?;
    let tokens = Arc::new(tokens);

    let server = setup.start().await?;
    let address = server.address;
    // Let start-up allocations settle before reading idle memory.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = server.memory();
    let duration = Duration::from_secs(args.duration);
    let login_connections = 2 * cores;
    let mut scenarios = Vec::new();

    let me = Arc::new(Me::new(tokens.clone(), args.active_sessions, STRIDE));
    let login = Arc::new(Login { accounts: args.accounts, stride: STRIDE });
    let register = Arc::new(Register { prefix: "new".into() });
    let wanted = |name: &str| args.scenarios.iter().any(|wanted| wanted == name);
    if wanted("me") || wanted("storm") {
        warm_up("accountd", address, Arc::new(me.each_once()), me.sessions()).await?;
    }

    let mut step = |name: &str, connections: usize, rate: Option<u64>, result: LoadResult| {
        print_row(name, connections, rate, &result);
        scenarios.push(Scenario { name: name.into(), connections, rate, result });
    };
    print_header();
    if wanted("me") {
        step("me", 50, None, load::run(address, me.clone(), 50, Pace::Closed, duration).await?);
    }
    if wanted("login") {
        step(
            "login",
            login_connections,
            None,
            load::run(address, login.clone(), login_connections, Pace::Closed, duration).await?,
        );
        step("login", 50, None, load::run(address, login.clone(), 50, Pace::Closed, duration).await?);
    }
    if wanted("register") {
        step(
            "register",
            login_connections,
            None,
            load::run(address, register, login_connections, Pace::Closed, duration).await?,
        );
    }
    if wanted("storm") {
        storm(address, &login, &me, duration, args.storm_rate, &mut step).await?;
    }
    let photo = avatar::photo();
    if wanted("avatar") {
        let uploads = Arc::new(avatar::Avatar::new(tokens.clone(), &photo));
        step(
            "avatar",
            login_connections,
            None,
            load::run(address, uploads, login_connections, Pace::Closed, duration).await?,
        );
    }
    let mut stream = None;
    if wanted("stream") {
        let result = streams::run(address, &server, tokens.clone(), args.streams, args.stream_rate, duration).await?;
        println!(
            "{:<14} {:>5} connected in {:.1} s ({:.0}/s); {} writes at {}/s: {} delivered, {} lost, {} duplicated, \
             {} unexpected, {} write errors",
            "stream",
            result.streams,
            result.connect_seconds,
            result.connects_per_second,
            result.writes,
            result.rate,
            result.delivered,
            result.lost,
            result.duplicated,
            result.unexpected,
            result.write_errors,
        );
        println!(
            "{:<14} write sent to receipt p50 {:.1} ms p99 {:.1} ms max {:.1} ms; write answered to receipt p50 {:.1} ms \
             p99 {:.1} ms max {:.1} ms ({} events arrived before their write's response)",
            "",
            result.p50_ms,
            result.p99_ms,
            result.max_ms,
            result.after_response_p50_ms,
            result.after_response_p99_ms,
            result.after_response_max_ms,
            result.before_response,
        );
        println!(
            "{:<14} RSS {:.1} MiB before, {:.1} MiB with the streams open: {:.1} KiB per stream",
            "", result.rss_before_mib, result.rss_with_streams_mib, result.rss_per_stream_kib
        );
        stream = Some(result);
    }
    let mut export = None;
    if wanted("export") {
        let result = streams::export(address, &server, &tokens[0], args.export_rows, activity_seconds).await?;
        println!(
            "{:<14} {:>5} activity rows ({} in activity.json): archive of {} KiB done in {:.2} s; \
             RSS {:.1} MiB before, {:.1} MiB peak",
            "export",
            result.activity_rows,
            result.archived_activities,
            result.archive_bytes / 1024,
            result.seconds,
            result.rss_before_mib,
            result.rss_peak_mib
        );
        export = Some(result);
    }
    let peak = server.memory();
    server.stop().await?;

    let limit = limit(cores, duration)?;
    println!(
        "{:<14} {:>5} {:>9.0}/s   one verification {:.1} ms on one core",
        "limit",
        format!("{}t", limit.threads),
        limit.per_second,
        limit.hash_ms
    );
    let avatar_limit = if wanted("avatar") { Some(avatar::limit(&photo, cores, duration)?) } else { None };
    if let Some(limit) = &avatar_limit {
        println!(
            "{:<14} {:>5} {:>9.1}/s   one {} KiB 1600x1200 JPEG to 512x384 in {:.1} ms on one core",
            "avatar-limit",
            format!("{}t", limit.threads),
            limit.per_second,
            photo.len() / 1024,
            limit.picture_ms
        );
    }
    let idle = idle.map_or(0.0, |Memory { rss_mib, .. }| rss_mib);
    let peak = peak.map_or(0.0, |Memory { peak_mib, .. }| peak_mib);
    println!("server RSS: {idle:.1} MiB idle after seeding, {peak:.1} MiB peak");

    let targets = targets(backend, &scenarios, &limit, avatar_limit.as_ref(), idle, peak, login_connections);
    println!();
    for target in &targets {
        let verdict = if target.pass { "ok  " } else { "MISS" };
        println!("{verdict} {:<36} target {:<22} measured {}", target.name, target.target, target.measured);
    }
    let wrong: u64 = scenarios.iter().map(|scenario| scenario.result.errors).sum();
    for scenario in scenarios.iter().filter(|scenario| scenario.result.errors > 0) {
        for sample in &scenario.result.samples {
            eprintln!("wrong answer in {}: {sample}", scenario.name);
        }
    }
    let report = Report {
        date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        backend,
        cores,
        cpu: cpu_model(),
        accounts: args.accounts,
        seed_seconds,
        duration_seconds: args.duration,
        scenarios,
        limit,
        avatar_limit,
        stream,
        export,
        rss_idle_mib: idle,
        rss_peak_mib: peak,
        targets,
    };
    let streams_ran = report.stream.as_ref().is_none_or(|stream| {
        stream.delivered > 0
            && stream.lost == 0
            && stream.duplicated == 0
            && stream.unexpected == 0
            && stream.write_errors == 0
    });
    let ran = report.scenarios.iter().all(|scenario| scenario.result.ok > 0) && streams_ran;
    finish(args, backend, &report, wrong, ran)
}

#[derive(Serialize)]
struct SoakReport {
    date: String,
    backend: &'static str,
    cores: usize,
    cpu: String,
    accounts: usize,
    seed_seconds: f64,
    #[serde(flatten)]
    soak: soak::SoakResult,
}

/// `--scenarios soak`: seeds, limits the login accounts' sessions, runs the soak, prints the
/// traffic, the streams and the flatness checks, and writes `<date>-<backend>-soak.json`.
/// Fails on any wrong answer and on any metric that is not flat.
async fn soak_benchmark(args: &Args, setup: &Setup, backend: &'static str, cores: usize) -> anyhow::Result<()> {
    if args.accounts < soak::ACCOUNTS_NEEDED {
        bail!("the soak needs --accounts {} at least", soak::ACCOUNTS_NEEDED);
    }
    let (tokens, seed_seconds, _) = seed_accountd(args, setup, backend).await?;
    let database = if backend == "sqlite" {
        let file = setup.data_dir.join("accountd.db");
        soak::Database::Sqlite { pool: sqlx::SqlitePool::connect(&setup.database_url).await?, file }
    } else {
        soak::Database::Postgres(sqlx::PgPool::connect(&setup.database_url).await?)
    };
    database.limit_login_sessions(tokens.len()).await?;
    let server = setup.start().await?;
    let result = soak::run(&server, &database, Arc::new(tokens), STRIDE, Duration::from_secs(args.soak_seconds)).await;
    server.stop().await?;
    let result = result?;

    print_header();
    for traffic in &result.traffic {
        print_row(traffic.name, traffic.connections, Some(traffic.rate), &traffic.result);
    }
    let streams = &result.streams;
    println!(
        "{:<14} {:>5} held, reopened {} times after {} s each: {} writes, {} delivered, {} lost, {} duplicated, \
         {} unexpected, {} failures",
        "streams",
        streams.held,
        streams.reconnects,
        streams.lifetime_seconds,
        streams.writes,
        streams.delivered,
        streams.lost,
        streams.duplicated,
        streams.unexpected,
        streams.failures
    );
    println!(
        "{:<14} from quarter 2 to quarter 4 the database grew {:.2} MiB for {:.0} retained rows added \
         (activities, login attempts, feed events, finished jobs): {:.0} bytes a row",
        "retained",
        result.retained.db_bytes / (1024.0 * 1024.0),
        result.retained.rows,
        result.retained.db_bytes_per_row
    );
    println!("\nsecond quarter of the samples against the last (the first is warm-up):");
    for check in &result.checks {
        let verdict = if check.flat { "flat" } else { "GROWS" };
        println!(
            "{verdict:<5} {:<24} start {:>10.1} end {:>10.1}  quarter 2 {:>10.1} quarter 4 {:>10.1}  allowed {:>10.1} {:<4} ({})",
            check.metric,
            check.start,
            check.end,
            check.second_quarter_mean,
            check.last_quarter_mean,
            check.allowed,
            check.unit,
            check.rule
        );
    }
    let mut wrong: u64 = result.traffic.iter().map(|traffic| traffic.result.errors + traffic.result.shed).sum();
    wrong += streams.lost + streams.duplicated + streams.unexpected + streams.failures;
    for traffic in result.traffic.iter().filter(|traffic| traffic.result.errors > 0) {
        for sample in &traffic.result.samples {
            eprintln!("wrong answer in {}: {sample}", traffic.name);
        }
    }
    for sample in &streams.failure_samples {
        eprintln!("stream failure: {sample}");
    }
    let ran = result.traffic.iter().all(|traffic| traffic.result.ok > 0) && streams.delivered > 0;
    let flat = result.flat;
    let report = SoakReport {
        date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        backend,
        cores,
        cpu: cpu_model(),
        accounts: args.accounts,
        seed_seconds,
        soak: result,
    };
    finish(args, &format!("{backend}-soak"), &report, wrong, ran)?;
    if !flat {
        bail!("the soak is not flat: see the checks marked GROWS");
    }
    println!("every metric stayed flat");
    Ok(())
}

/// The end of a run: with `--smoke` a verdict (any wrong answer, or a scenario that never
/// answered, fails it); otherwise the report goes to `<results>/<date>-<name>.json`.
fn finish(
    args: &Args,
    name: &str,
    report: &impl Serialize,
    wrong: u64,
    every_scenario_ran: bool,
) -> anyhow::Result<()> {
    if args.smoke {
        if wrong > 0 || !every_scenario_ran {
            bail!(
                "smoke run failed: {wrong} wrong responses; every scenario answered at least once: {every_scenario_ran}"
            );
        }
        println!("\nsmoke run passed: every response was right");
        return Ok(());
    }
    std::fs::create_dir_all(&args.results)?;
    let file = args.results.join(format!("{}-{name}.json", chrono::Utc::now().format("%Y-%m-%d")));
    std::fs::write(&file, serde_json::to_string_pretty(report)? + "\n")
        .with_context(|| format!("writing {}", file.display()))?;
    println!("\nresults written to {}", file.display());
    if wrong > 0 {
        bail!("{wrong} responses were wrong");
    }
    Ok(())
}

/// One unmeasured request per active session before `me` is measured, as a server that
/// has been up a while has seen them: the first request of a session reads it from the
/// database, later ones are answered from the account cache. Every answer is checked.
pub async fn warm_up(
    server: &str,
    address: std::net::SocketAddr,
    each_once: Arc<dyn Workload>,
    sessions: usize,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let result = load::run_requests(address, each_once, 50, sessions as u64).await?;
    if result.errors > 0 {
        bail!("{server} warm-up: {} wrong answers, e.g. {:?}", result.errors, result.samples.first());
    }
    println!(
        "{server} warm-up: one request per active session ({sessions}) in {:.1} s, {:.0}/s, p99 {:.1} ms (not counted)",
        started.elapsed().as_secs_f64(),
        result.per_second,
        result.p99_ms
    );
    Ok(())
}

/// `login` at saturation while `me` is probed at a fixed, modest rate.
async fn storm(
    address: std::net::SocketAddr,
    login: &Arc<Login>,
    me: &Arc<Me>,
    duration: Duration,
    rate: u64,
    step: &mut impl FnMut(&str, usize, Option<u64>, LoadResult),
) -> anyhow::Result<()> {
    let logins = tokio::spawn(load::run(address, login.clone(), 50, Pace::Closed, duration));
    // The probe starts once the login load has filled the hashing pool.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let probe = load::run(
        address,
        me.clone(),
        16,
        Pace::Rate { per_second: rate },
        duration.saturating_sub(Duration::from_millis(400)),
    )
    .await?;
    step("storm: login", 50, None, logins.await??);
    step("storm: me", 16, Some(rate), probe);
    Ok(())
}

fn print_header() {
    println!(
        "\n{:<14} {:>5} {:>10} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7}",
        "scenario", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "shed"
    );
}

fn print_row(name: &str, connections: usize, rate: Option<u64>, result: &LoadResult) {
    let conns = match rate {
        Some(rate) => format!("{rate}/s"),
        None => connections.to_string(),
    };
    println!(
        "{:<14} {:>5} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>7}",
        name,
        conns,
        result.per_second,
        result.p50_ms,
        result.p90_ms,
        result.p99_ms,
        result.max_ms,
        result.errors,
        result.shed
    );
}

/// Raw Argon2id verifications with accountd's own parameters and code, one thread per core.
fn limit(cores: usize, duration: Duration) -> anyhow::Result<Limit> {
    let password = SecretString::from(seed::PASSWORD);
    let hash = Arc::new(accountd_core::password::hash(&password));
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            let (hash, stop, count, password) = (hash.clone(), stop.clone(), count.clone(), password.clone());
            std::thread::spawn(move || {
                // Exactly what accountd's hashing threads do.
                let mut workspace = accountd_core::password::Workspace::new();
                while !stop.load(Ordering::Relaxed) {
                    if accountd_core::password::verify_in(&password, Some(&hash), &mut workspace) {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        if thread.join().is_err() {
            bail!("a verification thread panicked");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let verifications = count.load(Ordering::Relaxed);
    let per_second = verifications as f64 / seconds;
    Ok(Limit { threads: cores, verifications, seconds, per_second, hash_ms: 1000.0 * cores as f64 / per_second })
}

fn targets(
    backend: &str,
    scenarios: &[Scenario],
    limit: &Limit,
    avatar_limit: Option<&avatar::AvatarLimit>,
    idle: f64,
    peak: f64,
    login_connections: usize,
) -> Vec<Target> {
    let find = |name: &str, connections: usize| {
        scenarios.iter().find(|s| s.name == name && s.connections == connections).map(|s| &s.result)
    };
    let mut targets = Vec::new();
    if let Some(me) = find("me", 50) {
        let floor = if backend == "sqlite" { 15_000.0 } else { 8_000.0 };
        targets.push(Target {
            name: "me: throughput at 50 connections",
            target: format!(">= {floor:.0}/s"),
            measured: format!("{:.0}/s", me.per_second),
            pass: me.per_second >= floor,
        });
        targets.push(Target {
            name: "me: p99 at 50 connections",
            target: "<= 5 ms".into(),
            measured: format!("{:.2} ms", me.p99_ms),
            pass: me.p99_ms <= 5.0,
        });
    }
    if let (Some(uploads), Some(image)) = (find("avatar", login_connections), avatar_limit) {
        let share = uploads.per_second / image.per_second;
        targets.push(Target {
            name: "avatar: share of the image crate's speed",
            target: format!(">= 50% of {:.1}/s", image.per_second),
            measured: format!("{:.0}% ({:.1}/s)", 100.0 * share, uploads.per_second),
            pass: share >= 0.5,
        });
    }
    if let Some(login) = find("login", login_connections) {
        targets.push(Target {
            name: "login: share of the limit",
            target: format!(">= 90% of {:.0}/s", limit.per_second),
            measured: format!("{:.0}%", 100.0 * login.per_second / limit.per_second),
            pass: login.per_second >= 0.9 * limit.per_second,
        });
        targets.push(Target {
            name: "login: p99 at 2x cores connections",
            target: format!("<= {:.0} ms (4 hashes)", 4.0 * limit.hash_ms),
            measured: format!("{:.1} ms", login.p99_ms),
            pass: login.p99_ms <= 4.0 * limit.hash_ms,
        });
    }
    if let Some(probe) = find("storm: me", 16) {
        targets.push(Target {
            name: "storm: me p99 while login saturates",
            target: "<= 25 ms".into(),
            measured: format!("{:.2} ms", probe.p99_ms),
            pass: probe.p99_ms <= 25.0,
        });
    }
    targets.push(Target {
        name: "memory: RSS idle after seeding",
        target: "<= 60 MiB".into(),
        measured: format!("{idle:.1} MiB"),
        pass: idle <= 60.0,
    });
    targets.push(Target {
        name: "memory: RSS peak (storm included)",
        target: "<= 250 MiB".into(),
        measured: format!("{peak:.1} MiB"),
        pass: peak <= 250.0,
    });
    targets
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// A database of its own on the given PostgreSQL server, dropped at the end.
struct FreshPostgres {
    admin: String,
    name: String,
    url: String,
}

impl FreshPostgres {
    async fn create(admin: &str) -> anyhow::Result<Self> {
        let name = format!("accountd_bench_{}", std::process::id());
        let mut url = url::Url::parse(admin).context("parsing --database-url")?;
        url.set_path(&name);
        let pool = sqlx::PgPool::connect(admin).await.context("connecting to --database-url")?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\"")).execute(&pool).await?;
        sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&pool).await?;
        pool.close().await;
        Ok(Self { admin: admin.to_string(), name, url: url.to_string() })
    }

    async fn drop_database(self) -> anyhow::Result<()> {
        let pool = sqlx::PgPool::connect(&self.admin).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).execute(&pool).await?;
        pool.close().await;
        Ok(())
    }
}
