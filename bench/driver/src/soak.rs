//! The `soak` scenario: ten minutes (`--soak-seconds`) of mixed traffic at fixed, moderate
//! rates — password logins each followed by a `GET /v1/me` on the new session, `GET /v1/me`,
//! profile updates, personal access tokens created, used, deleted and refused once deleted,
//! and activity streams held open and reconnected with `Last-Event-ID` — every answer
//! checked, while the server's resident memory, its open file descriptors, the database's
//! size and the row counts of the tables the traffic writes to are sampled. The verdict
//! compares the mean of the last quarter of the samples with that of the second quarter
//! (the first quarter is warm-up), with the tolerances of [`judge`].

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{HeaderMap, Request, StatusCode};
use serde::Serialize;
use tokio::sync::watch;

use crate::load::{self, connect, excerpt, get, post_json, LoadResult, Outcome, Pace, Workload};
use crate::scenarios::{contains, shed_or_wrong, Me};
use crate::seed::{username, PASSWORD};
use crate::server::Server;
use crate::streams::open_stream;

// The rates are far below what two cores serve (login's included: 4 hashes a second is about
// a tenth of one core), so that the samples show the server's own drift, not a saturated
// machine's.
const ME_PER_SECOND: u64 = 100;
const LOGINS_PER_SECOND: u64 = 4;
const PROFILE_UPDATES_PER_SECOND: u64 = 10;
const TOKEN_CYCLES_PER_SECOND: u64 = 2;

/// Activity streams held open at once, on accounts `0..STREAMS`, which the profile updates
/// go to in turn, so every stream carries events.
const STREAMS: usize = 32;
/// Each stream is closed and reopened (with `Last-Event-ID`) after this long; the first
/// lifetimes are staggered so that the reconnections spread over the run.
const STREAM_LIFETIME: Duration = Duration::from_secs(60);
/// Accounts whose personal access tokens are cycled: the ones after the streams'.
const TOKEN_ACCOUNTS: usize = 32;
/// Accounts that log in: the last ones seeded, so that the sessions their logins end are
/// never the ones the other traffic uses.
pub const LOGIN_ACCOUNTS: usize = 5;
/// The login accounts' session limit, set as an administrator's override when seeding (the
/// default is 100): each reaches it within seconds, so from early in the warm-up every login
/// ends the account's least recently used session, and the sessions table must stay flat.
pub const LOGIN_SESSION_LIMIT: i64 = 10;
/// `GET /v1/me` goes to the sessions of this many accounts: a session's `lastSeenAt` is
/// written at most once a minute, so the active set, not the rate, decides how often `me`
/// writes; 1,000 active sessions at 100/s make about 17 writes a second.
const ME_SESSIONS: usize = 1_000;
/// Each retained row (activity, login attempt, feed event) may grow the database by this
/// much at most, its indexes and the page slack included; rows of either backend are a few
/// hundred bytes.
const BYTES_PER_RETAINED_ROW: f64 = 1024.0;
/// SQLite checkpoints its WAL every 1,000 pages (4 MiB): a WAL that is checkpointed never
/// grows past its size at the end of the warm-up by more than that.
const WAL_CHECKPOINT_SPAN: f64 = 4.0 * 1024.0 * 1024.0;

/// The accounts the soak needs seeded: streams, token cycling, and the login accounts.
pub const ACCOUNTS_NEEDED: usize = STREAMS + TOKEN_ACCOUNTS + LOGIN_ACCOUNTS;

#[derive(Debug, Clone, Serialize)]
pub struct SoakResult {
    /// From the first sample until both the traffic and the sampling had ended.
    pub seconds: f64,
    pub sample_every_seconds: f64,
    /// Every kind of traffic, its rate and its tally.
    pub traffic: Vec<Traffic>,
    pub streams: StreamTotals,
    pub samples: Vec<Sample>,
    pub checks: Vec<FlatCheck>,
    pub retained: RetainedGrowth,
    pub flat: bool,
}

/// From the second quarter's mean to the last's: the rows kept by design, and what the
/// database grew by for each of them.
#[derive(Debug, Clone, Serialize)]
pub struct RetainedGrowth {
    pub rows: f64,
    pub db_bytes: f64,
    pub db_bytes_per_row: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Traffic {
    pub name: &'static str,
    /// Requests (or, for the cycles, cycles) started a second.
    pub rate: u64,
    pub connections: usize,
    #[serde(flatten)]
    pub result: LoadResult,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamTotals {
    pub held: usize,
    pub lifetime_seconds: u64,
    /// Streams opened again after their lifetime, with `Last-Event-ID`.
    pub reconnects: u64,
    /// Profile updates to the streams' accounts answered `200`.
    pub writes: u64,
    /// `profile.updated` events received, each once.
    pub delivered: u64,
    /// Answered writes whose event had not arrived 5 s after the traffic stopped.
    pub lost: u64,
    pub duplicated: u64,
    /// Events that no answered write accounts for.
    pub unexpected: u64,
    /// Streams that could not be opened, or that the server ended.
    pub failures: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failure_samples: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub at_seconds: f64,
    pub rss_kib: u64,
    pub open_fds: u64,
    /// SQLite: the database file and its WAL; PostgreSQL: `pg_database_size`.
    pub db_bytes: u64,
    /// SQLite only: the WAL file alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wal_bytes: Option<u64>,
    pub rows: Rows,
}

#[derive(Debug, Clone, Copy, Serialize, sqlx::FromRow)]
pub struct Rows {
    pub sessions: i64,
    pub personal_access_tokens: i64,
    /// Jobs waiting to run: mail among them (each token creation mails a security notice).
    pub jobs_pending: i64,
    /// Jobs done or failed, kept a day before the hourly sweep deletes them.
    pub jobs_finished: i64,
    pub activities: i64,
    pub login_attempts: i64,
    pub feed_events: i64,
}

impl Rows {
    /// Rows kept by design for longer than the soak: activity and login history (a year),
    /// feed events (a day, so that streams can resume), finished jobs (a day).
    fn retained(&self) -> i64 {
        self.activities + self.login_attempts + self.feed_events + self.jobs_finished
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FlatCheck {
    pub metric: &'static str,
    pub unit: &'static str,
    pub rule: &'static str,
    pub start: f64,
    pub end: f64,
    pub second_quarter_mean: f64,
    pub last_quarter_mean: f64,
    pub allowed: f64,
    pub flat: bool,
}

/// The database the server under test uses, read on the side for its size and row counts.
pub enum Database {
    Sqlite { pool: sqlx::SqlitePool, file: PathBuf },
    Postgres(sqlx::PgPool),
}

const LIMIT_SESSIONS: &str =
    "INSERT INTO account_limits (user_id, sessions) SELECT id, $1 FROM users WHERE username = $2";

const ROW_COUNTS: &str = "SELECT (SELECT COUNT(*) FROM sessions) AS sessions, \
     (SELECT COUNT(*) FROM personal_access_tokens) AS personal_access_tokens, \
     (SELECT COUNT(*) FROM jobs WHERE status = 'pending') AS jobs_pending, \
     (SELECT COUNT(*) FROM jobs WHERE status <> 'pending') AS jobs_finished, \
     (SELECT COUNT(*) FROM activities) AS activities, \
     (SELECT COUNT(*) FROM login_attempts) AS login_attempts, \
     (SELECT COUNT(*) FROM feed_events) AS feed_events";

impl Database {
    /// Gives the login accounts [`LOGIN_SESSION_LIMIT`], as an administrator's override would.
    pub async fn limit_login_sessions(&self, accounts: usize) -> anyhow::Result<()> {
        for account in accounts - LOGIN_ACCOUNTS..accounts {
            let inserted = match self {
                Self::Sqlite { pool, .. } => sqlx::query(LIMIT_SESSIONS)
                    .bind(LOGIN_SESSION_LIMIT)
                    .bind(username(account))
                    .execute(pool)
                    .await?
                    .rows_affected(),
                Self::Postgres(pool) => sqlx::query(LIMIT_SESSIONS)
                    .bind(LOGIN_SESSION_LIMIT)
                    .bind(username(account))
                    .execute(pool)
                    .await?
                    .rows_affected(),
            };
            anyhow::ensure!(inserted == 1, "no account {} to limit", username(account));
        }
        Ok(())
    }

    /// The database's size in bytes, the WAL's (SQLite), and the row counts.
    async fn measure(&self) -> anyhow::Result<(u64, Option<u64>, Rows)> {
        match self {
            Self::Sqlite { pool, file } => {
                let rows = sqlx::query_as::<_, Rows>(ROW_COUNTS).fetch_one(pool).await?;
                let size = |path: PathBuf| std::fs::metadata(path).map_or(0, |metadata| metadata.len());
                let wal = size(PathBuf::from(format!("{}-wal", file.display())));
                Ok((size(file.clone()) + wal, Some(wal), rows))
            }
            Self::Postgres(pool) => {
                let rows = sqlx::query_as::<_, Rows>(ROW_COUNTS).fetch_one(pool).await?;
                let size: i64 =
                    sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(pool).await?;
                Ok((size.max(0) as u64, None, rows))
            }
        }
    }
}

/// Runs the soak against `server` for `duration`. `tokens` are the seeded sessions in
/// account order; the last [`LOGIN_ACCOUNTS`] accounts have [`LOGIN_SESSION_LIMIT`].
pub async fn run(
    server: &Server,
    database: &Database,
    tokens: Arc<Vec<String>>,
    stride: usize,
    duration: Duration,
) -> anyhow::Result<SoakResult> {
    let address = server.address;
    let pid = server.pid().context("the server has no pid")?;
    let accounts = tokens.len();
    anyhow::ensure!(accounts >= ACCOUNTS_NEEDED, "the soak needs at least {ACCOUNTS_NEEDED} accounts");
    let sample_every = (duration / 40).clamp(Duration::from_secs(1), Duration::from_secs(10));
    println!("soak: {} s of mixed traffic, sampled every {} s\n", duration.as_secs(), sample_every.as_secs_f64());

    // The streams are open before any write, so every answered write has its event to wait for.
    let tally = Arc::new(StreamTally::new(STREAMS));
    let (stop_streams, stop) = watch::channel(false);
    let mut holders = Vec::new();
    for index in 0..STREAMS {
        let body =
            open_stream(address, &tokens[index], None).await.with_context(|| format!("opening stream {index}"))?;
        let first_lifetime = STREAM_LIFETIME.mul_f64((index + 1) as f64 / STREAMS as f64);
        let (token, tally, stop) = (tokens[index].clone(), tally.clone(), stop.clone());
        holders.push(tokio::spawn(hold_stream(address, token, index, body, first_lifetime, stop, tally)));
    }

    let started = Instant::now();
    let first = sample(pid, database, 0.0).await?;
    print_sample(&first);
    let until = started + duration;
    let sampler = async move {
        let mut samples = vec![first];
        let mut due = started + sample_every;
        while due <= until {
            tokio::time::sleep_until(due.into()).await;
            let next = sample(pid, database, due.duration_since(started).as_secs_f64()).await?;
            print_sample(&next);
            samples.push(next);
            due += sample_every;
        }
        anyhow::Ok(samples)
    };

    let me_tokens = Arc::new(tokens[..accounts - LOGIN_ACCOUNTS].to_vec());
    let me = Arc::new(Me::new(me_tokens, ME_SESSIONS, stride));
    let profile = Arc::new(ProfileUpdate { tokens: tokens.clone(), answered: tally.writes.clone() });
    let logins = Arc::new(LoginCycle { first: accounts - LOGIN_ACCOUNTS });
    let token_cycle = Arc::new(TokenCycle { tokens: tokens.clone() });
    // A sample that fails (the server gone) ends the run at once.
    let (samples, me_result, profile_result, login_result, token_result) = tokio::try_join!(
        sampler,
        load::run(address, me, 4, Pace::Rate { per_second: ME_PER_SECOND }, duration),
        load::run(address, profile, 2, Pace::Rate { per_second: PROFILE_UPDATES_PER_SECOND }, duration),
        cycles(address, LOGINS_PER_SECOND, 2, duration, move |n, client| {
            let logins = logins.clone();
            async move { logins.run(n, client).await }
        }),
        cycles(address, TOKEN_CYCLES_PER_SECOND, 2, duration, move |n, client| {
            let token_cycle = token_cycle.clone();
            async move { token_cycle.run(n, client).await }
        }),
    )?;
    let seconds = started.elapsed().as_secs_f64();

    // The last events get 5 s to arrive, then the streams close.
    let waiting = Instant::now();
    while !tally.settled() && waiting.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop_streams.send_replace(true);
    for holder in holders {
        holder.await.context("a stream holder failed")?;
    }

    let traffic = vec![
        Traffic { name: "me", rate: ME_PER_SECOND, connections: 4, result: me_result },
        Traffic { name: "login + me", rate: LOGINS_PER_SECOND, connections: 2, result: login_result },
        Traffic { name: "profile update", rate: PROFILE_UPDATES_PER_SECOND, connections: 2, result: profile_result },
        Traffic { name: "token cycle", rate: TOKEN_CYCLES_PER_SECOND, connections: 2, result: token_result },
    ];
    let (checks, retained) = judge(&samples, duration.as_secs_f64());
    let flat = checks.iter().all(|check| check.flat);
    Ok(SoakResult {
        seconds,
        sample_every_seconds: sample_every.as_secs_f64(),
        traffic,
        streams: tally.totals(),
        samples,
        checks,
        retained,
        flat,
    })
}

async fn sample(pid: u32, database: &Database, at_seconds: f64) -> anyhow::Result<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading the server's status")?;
    let rss_kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .context("no VmRSS in the server's status: the server has exited")?;
    let open_fds =
        std::fs::read_dir(format!("/proc/{pid}/fd")).context("listing the server's descriptors")?.count() as u64;
    let (db_bytes, wal_bytes, rows) = database.measure().await.context("measuring the database")?;
    Ok(Sample { at_seconds, rss_kib, open_fds, db_bytes, wal_bytes, rows })
}

fn print_sample(sample: &Sample) {
    let wal = sample.wal_bytes.map(|wal| format!(" (WAL {:.2} MiB)", mib(wal as f64))).unwrap_or_default();
    println!(
        "soak {:>4.0} s  RSS {:>6.1} MiB  fds {:>4}  db {:>7.2} MiB{wal}  sessions {}  tokens {}  jobs {} \
         pending, {} finished  activities {}  login attempts {}  feed events {}",
        sample.at_seconds,
        sample.rss_kib as f64 / 1024.0,
        sample.open_fds,
        mib(sample.db_bytes as f64),
        sample.rows.sessions,
        sample.rows.personal_access_tokens,
        sample.rows.jobs_pending,
        sample.rows.jobs_finished,
        sample.rows.activities,
        sample.rows.login_attempts,
        sample.rows.feed_events,
    );
}

fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

/// Each metric: the mean of the last quarter of the samples against the mean of the second
/// quarter (the first is warm-up: caches, pools and the login accounts' sessions filling up).
///
/// - RSS at most 10 % higher.
/// - Open descriptors at most 5 % or 8 more, whichever allows more (a stream being
///   reconnected holds one extra for a moment).
/// - Sessions and personal access tokens: at most 5 % of the rows created in between
///   (logins, token creations, at their fixed rates) may remain: the rest must have been
///   ended (past the session limit) or deleted.
/// - Pending jobs: at most 10 more (the queue keeps up; the recurring sweeps queue a row per run).
/// - Database size: at most [`BYTES_PER_RETAINED_ROW`] for each row added in between to the
///   tables that keep their rows by design (activities, login attempts, feed events, finished
///   jobs).
/// - SQLite's WAL: at most one checkpoint span ([`WAL_CHECKPOINT_SPAN`]) more.
pub fn judge(samples: &[Sample], seconds: f64) -> (Vec<FlatCheck>, RetainedGrowth) {
    let in_quarter = |quarter: f64| {
        let (from, to) = (seconds * quarter / 4.0, seconds * (quarter + 1.0) / 4.0);
        samples.iter().filter(move |sample| sample.at_seconds >= from && sample.at_seconds <= to)
    };
    let mean = |quarter: f64, value: &dyn Fn(&Sample) -> f64| {
        let values: Vec<f64> = in_quarter(quarter).map(value).collect();
        if values.is_empty() {
            f64::NAN
        } else {
            values.iter().sum::<f64>() / values.len() as f64
        }
    };
    let second_mid = mean(1.0, &|sample| sample.at_seconds);
    let last_mid = mean(3.0, &|sample| sample.at_seconds);
    let between = last_mid - second_mid;
    let retained_growth =
        mean(3.0, &|sample| sample.rows.retained() as f64) - mean(1.0, &|sample| sample.rows.retained() as f64);
    let db_growth = mean(3.0, &|sample| sample.db_bytes as f64) - mean(1.0, &|sample| sample.db_bytes as f64);
    let retained =
        RetainedGrowth { rows: retained_growth, db_bytes: db_growth, db_bytes_per_row: db_growth / retained_growth };

    let mut checks = Vec::new();
    let mut check = |metric, unit, rule, value: &dyn Fn(&Sample) -> f64, allowed: &dyn Fn(f64) -> f64| {
        let (second, last) = (mean(1.0, value), mean(3.0, value));
        let allowed = allowed(second);
        checks.push(FlatCheck {
            metric,
            unit,
            rule,
            start: samples.first().map_or(f64::NAN, value),
            end: samples.last().map_or(f64::NAN, value),
            second_quarter_mean: second,
            last_quarter_mean: last,
            allowed,
            // NaN (a quarter without samples) is never flat.
            flat: last <= allowed,
        });
    };
    check("server RSS", "MiB", "+10 %", &|sample| sample.rss_kib as f64 / 1024.0, &|second| 1.10 * second);
    check("open file descriptors", "", "+5 % or +8", &|sample| sample.open_fds as f64, &|second| {
        (1.05 * second).max(second + 8.0)
    });
    check("sessions", "rows", "+5 % of the logins in between", &|sample| sample.rows.sessions as f64, &|second| {
        second + 0.05 * LOGINS_PER_SECOND as f64 * between
    });
    check(
        "personal access tokens",
        "rows",
        "+5 % of the tokens created in between",
        &|sample| sample.rows.personal_access_tokens as f64,
        &|second| second + 0.05 * TOKEN_CYCLES_PER_SECOND as f64 * between,
    );
    check("pending jobs", "rows", "+10", &|sample| sample.rows.jobs_pending as f64, &|second| second + 10.0);
    check("database size", "MiB", "+1 KiB per retained row added", &|sample| mib(sample.db_bytes as f64), &|second| {
        second + mib(BYTES_PER_RETAINED_ROW * retained_growth.max(0.0))
    });
    if samples.iter().all(|sample| sample.wal_bytes.is_some()) {
        check(
            "SQLite WAL",
            "MiB",
            "+4 MiB (one checkpoint span)",
            &|sample| mib(sample.wal_bytes.unwrap_or_default() as f64),
            &|second| second + mib(WAL_CHECKPOINT_SPAN),
        );
    }
    (checks, retained)
}

/// `PATCH /v1/me` with a new display name and bio, to the streams' accounts in turn.
struct ProfileUpdate {
    tokens: Arc<Vec<String>>,
    /// Writes answered `200`, per stream account: each must arrive on its stream once.
    answered: Arc<Vec<AtomicU64>>,
}

impl Workload for ProfileUpdate {
    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        let body = serde_json::json!({ "displayName": format!("Soak {n}"), "bio": format!("soak write {n}") });
        Request::patch("/v1/me")
            .header("host", "127.0.0.1")
            .header("authorization", format!("Bearer {}", self.tokens[n as usize % STREAMS]))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap_or_default()
    }

    fn check(&self, n: u64, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> Outcome {
        let account = n as usize % STREAMS;
        let expected = [format!("\"username\":\"{}\"", username(account)), format!("\"bio\":\"soak write {n}\"")];
        if status == StatusCode::OK && expected.iter().all(|part| contains(body, part.as_bytes())) {
            self.answered[account].fetch_add(1, Ordering::Relaxed);
            Outcome::Ok
        } else {
            Outcome::Wrong(format!("profile update: {status} {}", excerpt(body)))
        }
    }
}

/// A password login to one of the login accounts, then `GET /v1/me` on the new session.
struct LoginCycle {
    /// The first login account; the last [`LOGIN_ACCOUNTS`] accounts log in, in turn.
    first: usize,
}

impl LoginCycle {
    async fn run(&self, n: u64, mut client: Client) -> Client {
        let account = self.first + n as usize % LOGIN_ACCOUNTS;
        let name = username(account);
        let body = serde_json::json!({ "identifier": name, "password": PASSWORD }).to_string();
        let Some((status, headers, body)) = client.send(post_json("/v1/auth/login", body)).await else { return client };
        let expected = format!("\"username\":\"{name}\"");
        let session = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|answer| answer["session"]["token"].as_str().map(str::to_string))
            .filter(|token| token.starts_with("ses_"));
        let session = match session {
            Some(session) if status == StatusCode::OK && contains(&body, expected.as_bytes()) => {
                client.tally.ok += 1;
                session
            }
            _ => {
                client.judge(shed_or_wrong("login", status, &headers, &body));
                return client;
            }
        };
        let Some((status, _, body)) = client.send(get("/v1/me", &session)).await else { return client };
        let right = status == StatusCode::OK && contains(&body, expected.as_bytes());
        client.expect(right, || format!("me with a new session: {status} {}", excerpt(&body)));
        client
    }
}

/// On a token account in turn: `POST /v1/me/tokens`, `GET /v1/me` with the new token,
/// `DELETE /v1/me/tokens/{id}`, and `GET /v1/me` with the deleted token, which must be refused.
struct TokenCycle {
    tokens: Arc<Vec<String>>,
}

impl TokenCycle {
    async fn run(&self, n: u64, mut client: Client) -> Client {
        let account = STREAMS + n as usize % TOKEN_ACCOUNTS;
        let (session, name) = (&self.tokens[account], username(account));
        let body = serde_json::json!({ "name": format!("soak {n}"), "scopes": ["user:read"], "expiresInDays": 1 });
        let create = bearer(Request::post("/v1/me/tokens"), session)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap_or_default();
        let Some((status, _, body)) = client.send(create).await else { return client };
        let created = serde_json::from_slice::<serde_json::Value>(&body).ok().and_then(|answer| {
            let id = answer["id"].as_str()?.to_string();
            let token = answer["token"].as_str().filter(|token| token.starts_with("pat_"))?.to_string();
            Some((id, token))
        });
        let (id, token) = match created {
            Some(created) if status == StatusCode::CREATED => {
                client.tally.ok += 1;
                created
            }
            _ => {
                client.judge(Outcome::Wrong(format!("token creation: {status} {}", excerpt(&body))));
                return client;
            }
        };
        let expected = format!("\"username\":\"{name}\"");
        let Some((status, _, body)) = client.send(get("/v1/me", &token)).await else { return client };
        let right = status == StatusCode::OK && contains(&body, expected.as_bytes());
        client.expect(right, || format!("me with a new token: {status} {}", excerpt(&body)));

        let delete = bearer(Request::delete(format!("/v1/me/tokens/{id}")), session)
            .body(Full::new(Bytes::new()))
            .unwrap_or_default();
        let Some((status, _, body)) = client.send(delete).await else { return client };
        client.expect(status == StatusCode::NO_CONTENT, || format!("token deletion: {status} {}", excerpt(&body)));

        let Some((status, _, body)) = client.send(get("/v1/me", &token)).await else { return client };
        let refused = status == StatusCode::UNAUTHORIZED && contains(&body, b"\"code\":\"auth:unauthenticated\"");
        client.expect(refused, || format!("me with a deleted token: {status} {}", excerpt(&body)));
        client
    }
}

fn bearer(request: hyper::http::request::Builder, token: &str) -> hyper::http::request::Builder {
    request.header("host", "127.0.0.1").header("authorization", format!("Bearer {token}"))
}

#[derive(Default)]
struct Tally {
    ok: u64,
    shed: u64,
    errors: u64,
    samples: Vec<String>,
}

/// One keep-alive connection of a cycle, reopened when it fails, with the tally of its answers.
struct Client {
    address: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
    latencies: Histogram<u64>,
    tally: Tally,
}

impl Client {
    /// The answer to `request`, or `None` (counted wrong) when the connection failed.
    async fn send(&mut self, request: Request<Full<Bytes>>) -> Option<(StatusCode, HeaderMap, Bytes)> {
        let started = Instant::now();
        let answer = async {
            let mut sender = match self.sender.take() {
                Some(sender) if !sender.is_closed() => sender,
                _ => connect(self.address).await?,
            };
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            self.sender = Some(sender);
            anyhow::Ok((parts.status, parts.headers, body))
        }
        .await;
        match answer {
            Ok(answer) => {
                let micros = started.elapsed().as_micros().try_into().unwrap_or(u64::MAX).max(1);
                self.latencies.saturating_record(micros);
                Some(answer)
            }
            Err(error) => {
                self.judge(Outcome::Wrong(format!("transport: {error:#}")));
                None
            }
        }
    }

    fn judge(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Ok => self.tally.ok += 1,
            Outcome::Shed => self.tally.shed += 1,
            Outcome::Wrong(what) => {
                self.tally.errors += 1;
                if self.tally.samples.len() < 5 {
                    self.tally.samples.push(what);
                }
            }
        }
    }

    fn expect(&mut self, right: bool, what: impl FnOnce() -> String) {
        self.judge(if right { Outcome::Ok } else { Outcome::Wrong(what()) });
    }
}

/// Runs `cycle` `per_second` times a second over `connections` connections for `duration`;
/// latencies are per request, counted from when it was sent.
async fn cycles<F, Fut>(
    address: SocketAddr,
    per_second: u64,
    connections: usize,
    duration: Duration,
    cycle: F,
) -> anyhow::Result<LoadResult>
where
    F: Fn(u64, Client) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Client> + Send + 'static,
{
    let started = Instant::now();
    let until = started + duration;
    let next = Arc::new(AtomicU64::new(0));
    let period = Duration::from_secs_f64(connections as f64 / per_second.max(1) as f64);
    let mut tasks = Vec::new();
    for connection in 0..connections {
        let (cycle, next) = (cycle.clone(), next.clone());
        let mut client = Client {
            address,
            sender: None,
            latencies: Histogram::new_with_bounds(1, 600_000_000, 3)?,
            tally: Tally::default(),
        };
        tasks.push(tokio::spawn(async move {
            let first = tokio::time::Instant::now() + period.mul_f64(connection as f64 / connections as f64);
            let mut ticks = tokio::time::interval_at(first, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if Instant::now() >= until {
                    break;
                }
                client = cycle(next.fetch_add(1, Ordering::Relaxed), client).await;
            }
            client
        }));
    }
    let mut latencies = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let mut tally = Tally::default();
    for task in tasks {
        let client = task.await.context("a cycle connection failed")?;
        latencies.add(&client.latencies)?;
        tally.ok += client.tally.ok;
        tally.shed += client.tally.shed;
        tally.errors += client.tally.errors;
        tally.samples.extend(client.tally.samples);
    }
    let seconds = started.elapsed().as_secs_f64();
    let ms = |micros: u64| micros as f64 / 1000.0;
    tally.samples.truncate(5);
    Ok(LoadResult {
        requests: tally.ok + tally.shed + tally.errors,
        ok: tally.ok,
        shed: tally.shed,
        errors: tally.errors,
        seconds,
        per_second: tally.ok as f64 / seconds,
        p50_ms: ms(latencies.value_at_quantile(0.50)),
        p90_ms: ms(latencies.value_at_quantile(0.90)),
        p99_ms: ms(latencies.value_at_quantile(0.99)),
        max_ms: ms(latencies.max()),
        samples: tally.samples,
    })
}

/// What the stream holders counted, per stream account where it matters.
struct StreamTally {
    /// Profile updates answered `200`, per stream account (the profile workload counts them).
    writes: Arc<Vec<AtomicU64>>,
    delivered: Vec<AtomicU64>,
    duplicated: AtomicU64,
    unexpected: AtomicU64,
    reconnects: AtomicU64,
    failures: AtomicU64,
    failure_samples: Mutex<Vec<String>>,
}

impl StreamTally {
    fn new(streams: usize) -> Self {
        Self {
            writes: Arc::new((0..streams).map(|_| AtomicU64::new(0)).collect()),
            delivered: (0..streams).map(|_| AtomicU64::new(0)).collect(),
            duplicated: AtomicU64::new(0),
            unexpected: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            failure_samples: Mutex::new(Vec::new()),
        }
    }

    /// Every answered write's event has arrived.
    fn settled(&self) -> bool {
        self.writes
            .iter()
            .zip(&self.delivered)
            .all(|(writes, delivered)| delivered.load(Ordering::Relaxed) >= writes.load(Ordering::Relaxed))
    }

    fn fail(&self, what: String) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        let mut samples = self.failure_samples.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if samples.len() < 5 {
            samples.push(what);
        }
    }

    fn totals(&self) -> StreamTotals {
        let (mut writes, mut delivered, mut lost, mut extra) = (0, 0, 0, 0);
        for (written, arrived) in self.writes.iter().zip(&self.delivered) {
            let (written, arrived) = (written.load(Ordering::Relaxed), arrived.load(Ordering::Relaxed));
            writes += written;
            delivered += arrived;
            lost += written.saturating_sub(arrived);
            extra += arrived.saturating_sub(written);
        }
        StreamTotals {
            held: self.delivered.len(),
            lifetime_seconds: STREAM_LIFETIME.as_secs(),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            writes,
            delivered,
            lost,
            duplicated: self.duplicated.load(Ordering::Relaxed),
            unexpected: self.unexpected.load(Ordering::Relaxed) + extra,
            failures: self.failures.load(Ordering::Relaxed),
            failure_samples: self.failure_samples.lock().map(|samples| samples.clone()).unwrap_or_default(),
        }
    }
}

/// How a stream's reading ended.
enum Ended {
    /// Its lifetime was over: the holder closes it and reopens it.
    Lifetime,
    Stop,
    /// The server ended it.
    Closed,
}

/// Holds account `index`'s stream open: reads it for its lifetime, then closes it and opens
/// it again after the last event id seen, until told to stop.
async fn hold_stream(
    address: SocketAddr,
    token: String,
    index: usize,
    first: hyper::body::Incoming,
    first_lifetime: Duration,
    mut stop: watch::Receiver<bool>,
    tally: Arc<StreamTally>,
) {
    let mut seen = HashSet::new();
    let mut last_event_id: Option<String> = None;
    let mut body = Some(first);
    let mut lifetime = first_lifetime;
    loop {
        let open = match body.take() {
            Some(open) => open,
            None => match open_stream(address, &token, last_event_id.as_deref()).await {
                Ok(open) => {
                    tally.reconnects.fetch_add(1, Ordering::Relaxed);
                    open
                }
                Err(error) => {
                    tally.fail(format!("reopening stream {index}: {error:#}"));
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        _ = stop.changed() => return,
                    }
                }
            },
        };
        let deadline = tokio::time::Instant::now() + lifetime;
        lifetime = STREAM_LIFETIME;
        match read_events(open, index, deadline, &mut stop, &mut seen, &mut last_event_id, &tally).await {
            Ended::Lifetime => {}
            Ended::Stop => return,
            Ended::Closed => tally.fail(format!("stream {index} ended by the server")),
        }
    }
}

/// Reads one stream's events until `deadline`: each `profile.updated` activity counts once
/// for its account, any other activity is unexpected, and an activity seen before (on this
/// or an earlier connection) is a duplicate.
async fn read_events(
    mut body: hyper::body::Incoming,
    index: usize,
    deadline: tokio::time::Instant,
    stop: &mut watch::Receiver<bool>,
    seen: &mut HashSet<String>,
    last_event_id: &mut Option<String>,
    tally: &StreamTally,
) -> Ended {
    let mut buffer = Vec::new();
    loop {
        let frame = tokio::select! {
            frame = body.frame() => frame,
            () = tokio::time::sleep_until(deadline) => return Ended::Lifetime,
            _ = stop.changed() => return Ended::Stop,
        };
        let Some(Ok(frame)) = frame else { return Ended::Closed };
        let Ok(data) = frame.into_data() else { continue };
        buffer.extend_from_slice(&data);
        while let Some(end) = buffer.windows(2).position(|window| window == b"\n\n") {
            let event: Vec<u8> = buffer.drain(..end + 2).collect();
            let (mut name, mut id, mut data) = (None, None, None);
            for line in event.split(|&byte| byte == b'\n') {
                if let Some(value) = line.strip_prefix(b"event: ") {
                    name = Some(value);
                } else if let Some(value) = line.strip_prefix(b"id: ") {
                    id = Some(String::from_utf8_lossy(value).into_owned());
                } else if let Some(value) = line.strip_prefix(b"data: ") {
                    data = Some(value);
                }
            }
            if id.is_some() {
                *last_event_id = id;
            }
            if name != Some(b"activity".as_slice()) {
                // A keep-alive comment.
                continue;
            }
            let activity: serde_json::Value =
                data.and_then(|data| serde_json::from_slice(data).ok()).unwrap_or_default();
            if !seen.insert(activity["id"].to_string()) {
                tally.duplicated.fetch_add(1, Ordering::Relaxed);
            } else if activity["action"] == "profile.updated" {
                tally.delivered[index].fetch_add(1, Ordering::Relaxed);
            } else {
                tally.unexpected.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
