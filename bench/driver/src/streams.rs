//! The `stream` scenario: many concurrent `GET /v1/me/activity/stream` connections, one
//! per account, while profile updates are written at a steady rate; and the `export`
//! scenario: one account's data export with many activity rows, timed to a finished
//! archive while the server's memory is sampled.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::load::connect;
use crate::server::Server;

#[derive(Debug, Clone, serde::Serialize)]
pub struct StreamResult {
    pub streams: usize,
    pub connect_seconds: f64,
    pub connects_per_second: f64,
    /// Profile updates written, at `rate` a second.
    pub writes: u64,
    pub rate: u64,
    /// Events received on the streams (one per write when nothing is lost).
    pub delivered: u64,
    /// Writes answered `200` whose event had not arrived 5 s after the last write.
    pub lost: u64,
    /// Activity events that arrived without a write waiting for them.
    pub unexpected: u64,
    /// Activity events that arrived a second time on the same stream.
    pub duplicated: u64,
    /// From the write's request being sent (its commit included) to the event's arrival.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// From the write's response (the commit seen by the writer) to the event's arrival;
    /// an event that arrived before its write's response counts as 0.
    pub after_response_p50_ms: f64,
    pub after_response_p99_ms: f64,
    pub after_response_max_ms: f64,
    /// Events that arrived before their write's response did.
    pub before_response: u64,
    pub rss_before_mib: f64,
    pub rss_with_streams_mib: f64,
    pub rss_per_stream_kib: f64,
    /// Writes answered with anything but `200`.
    pub write_errors: u64,
}

/// One profile update: when it was sent, answered, and its event arrived on its stream.
#[derive(Default)]
struct Write {
    sent: OnceLock<Instant>,
    answered: OnceLock<Instant>,
    arrived: OnceLock<Instant>,
}

/// The writes of each stream's account whose events have not arrived yet, oldest first.
type Pending = Arc<Vec<Mutex<VecDeque<Arc<Write>>>>>;

/// Opens `streams` activity streams (the sessions of accounts `0..streams`), then writes
/// `rate` profile updates a second for `duration` to those accounts in turn and measures
/// each event's way to its stream.
pub async fn run(
    address: SocketAddr,
    server: &Server,
    tokens: Arc<Vec<String>>,
    streams: usize,
    rate: u64,
    duration: Duration,
) -> anyhow::Result<StreamResult> {
    if streams > tokens.len() {
        bail!("--streams {streams} needs as many seeded accounts (--accounts {})", tokens.len());
    }
    if let Some(limit) = open_files_limit() {
        if streams as u64 + 256 > limit {
            bail!("--streams {streams} needs that many file descriptors plus 256; `ulimit -n` is {limit}");
        }
    }
    let rss_before = server.memory().map_or(0.0, |memory| memory.rss_mib);
    let pending: Pending = Arc::new((0..streams).map(|_| Mutex::new(VecDeque::new())).collect());
    let strays = Arc::new(Strays::default());

    // Connect, at most 256 handshakes at a time.
    let connecting = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    let mut opened = Vec::with_capacity(streams);
    for token in tokens.iter().take(streams) {
        let permit = gate.clone().acquire_owned().await?;
        let token = token.clone();
        opened.push(tokio::spawn(async move {
            let body = open_stream(address, &token, None).await;
            drop(permit);
            body
        }));
    }
    let mut readers = Vec::with_capacity(streams);
    for (index, handle) in opened.into_iter().enumerate() {
        let body = handle.await?.with_context(|| format!("opening stream {index}"))?;
        let (pending, strays) = (pending.clone(), strays.clone());
        readers.push(tokio::spawn(async move {
            read_stream(body, index, pending, strays).await;
        }));
    }
    let connect_seconds = connecting.elapsed().as_secs_f64();
    // Let the server settle before its memory is read.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_with_streams = server.memory().map_or(0.0, |memory| memory.rss_mib);

    // Write: a few connections together keep the rate.
    let writers = 4.min(rate.max(1)) as usize;
    let next = Arc::new(AtomicU64::new(0));
    let written = Arc::new(Mutex::new(Vec::new()));
    let write_errors = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + duration;
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let (tokens, pending, next, written, write_errors) =
            (tokens.clone(), pending.clone(), next.clone(), written.clone(), write_errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(address).await?;
            let period = Duration::from_secs_f64(writers as f64 / rate.max(1) as f64);
            let start = tokio::time::Instant::now() + period.mul_f64(writer as f64 / writers as f64);
            let mut ticks = tokio::time::interval_at(start, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if Instant::now() >= until {
                    break;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                let index = (n % streams as u64) as usize;
                let body = serde_json::json!({ "bio": format!("bench write {n}") }).to_string();
                let request = Request::patch("/v1/me")
                    .header("host", "127.0.0.1")
                    .header("authorization", format!("Bearer {}", tokens[index]))
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))?;
                let write = Arc::new(Write::default());
                {
                    // Queued before it is sent: its event may arrive before its response.
                    let mut queue = lock(&pending[index]);
                    let _ = write.sent.set(Instant::now());
                    queue.push_back(write.clone());
                }
                sender.ready().await?;
                let response = sender.send_request(request).await?;
                let _ = write.answered.set(Instant::now());
                let status = response.status();
                response.into_body().collect().await?;
                if status == StatusCode::OK {
                    lock(&written).push(write);
                } else {
                    lock(&pending[index]).retain(|queued| !Arc::ptr_eq(queued, &write));
                    write_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let writes = next.load(Ordering::Relaxed);
    // The last events get 5 s to arrive.
    let waiting = Instant::now();
    while pending.iter().any(|queue| !lock(queue).is_empty()) && waiting.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for reader in &readers {
        reader.abort();
    }
    for reader in readers {
        let _ = reader.await;
    }

    let mut from_request = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let mut from_response = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let (mut delivered, mut lost, mut before_response) = (0, 0, 0);
    for write in lock(&written).iter() {
        let (Some(sent), Some(answered)) = (write.sent.get(), write.answered.get()) else { continue };
        let Some(arrived) = write.arrived.get() else {
            lost += 1;
            continue;
        };
        delivered += 1;
        from_request.record(micros(arrived.duration_since(*sent)))?;
        if arrived < answered {
            before_response += 1;
        }
        from_response.record(micros(arrived.saturating_duration_since(*answered)))?;
    }
    let ms = |micros: u64| micros as f64 / 1000.0;
    Ok(StreamResult {
        streams,
        connect_seconds,
        connects_per_second: streams as f64 / connect_seconds,
        writes,
        rate,
        delivered,
        lost,
        unexpected: strays.unexpected.load(Ordering::Relaxed),
        duplicated: strays.duplicated.load(Ordering::Relaxed),
        p50_ms: ms(from_request.value_at_quantile(0.5)),
        p99_ms: ms(from_request.value_at_quantile(0.99)),
        max_ms: ms(from_request.max()),
        after_response_p50_ms: ms(from_response.value_at_quantile(0.5)),
        after_response_p99_ms: ms(from_response.value_at_quantile(0.99)),
        after_response_max_ms: ms(from_response.max()),
        before_response,
        rss_before_mib: rss_before,
        rss_with_streams_mib: rss_with_streams,
        rss_per_stream_kib: 1024.0 * (rss_with_streams - rss_before) / streams.max(1) as f64,
        write_errors: write_errors.load(Ordering::Relaxed),
    })
}

/// At least 1 µs, so the histogram takes it.
fn micros(duration: Duration) -> u64 {
    (duration.as_micros() as u64).max(1)
}

/// This process's soft limit on open files (`Max open files` of `/proc/self/limits`).
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `GET /v1/me/activity/stream`, resuming after `last_event_id` when given; the body, once
/// the server answered `200 text/event-stream`.
pub async fn open_stream(
    address: SocketAddr,
    token: &str,
    last_event_id: Option<&str>,
) -> anyhow::Result<hyper::body::Incoming> {
    let stream = TcpStream::connect(address).await.context("connecting")?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut request = Request::get("/v1/me/activity/stream")
        .header("host", "127.0.0.1")
        .header("accept", "text/event-stream")
        .header("authorization", format!("Bearer {token}"));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let request = request.body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let event_stream = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/event-stream"));
    if status != StatusCode::OK || !event_stream {
        let body = response.into_body().collect().await?.to_bytes();
        bail!("stream: {status} {}", String::from_utf8_lossy(&body));
    }
    Ok(response.into_body())
}

/// What the readers of all streams counted besides the writes they settled.
#[derive(Default)]
struct Strays {
    /// `activity` events that settled no write (not a profile update, or none waiting).
    unexpected: AtomicU64,
    /// `activity` events whose activity id had already arrived on the same stream.
    duplicated: AtomicU64,
}

/// Reads one stream's events: each `activity` event of a profile update settles the oldest
/// write of its account still waiting; an activity seen before is a duplicate.
async fn read_stream(mut body: hyper::body::Incoming, index: usize, pending: Pending, strays: Arc<Strays>) {
    let mut buffer = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while let Some(Ok(frame)) = body.frame().await {
        let Ok(data) = frame.into_data() else { continue };
        buffer.extend_from_slice(&data);
        while let Some(end) = buffer.windows(2).position(|window| window == b"\n\n") {
            let event: Vec<u8> = buffer.drain(..end + 2).collect();
            let arrived = Instant::now();
            let mut lines = event.split(|&byte| byte == b'\n');
            if !lines.clone().any(|line| line == b"event: activity") {
                // A keep-alive comment.
                continue;
            }
            let activity = lines
                .find_map(|line| line.strip_prefix(b"data: "))
                .and_then(|data| serde_json::from_slice::<serde_json::Value>(data).ok())
                .unwrap_or_default();
            if !seen.insert(activity["id"].to_string()) {
                strays.duplicated.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let write = if activity["action"] == "profile.updated" { lock(&pending[index]).pop_front() } else { None };
            match write {
                Some(write) => {
                    let _ = write.arrived.set(arrived);
                }
                None => {
                    strays.unexpected.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportResult {
    pub activity_rows: usize,
    /// Entries of the archive's `activity.json` (the seeded rows and any the run added).
    pub archived_activities: usize,
    pub seed_seconds: f64,
    /// From `POST /v1/me/export` to the status `done`.
    pub seconds: f64,
    pub archive_bytes: usize,
    pub rss_before_mib: f64,
    /// The highest RSS sampled every 50 ms while the export ran.
    pub rss_peak_mib: f64,
}

/// Exports the account of `token` (seeded with `activity_rows` activities) and times it.
pub async fn export(
    address: SocketAddr,
    server: &Server,
    token: &str,
    activity_rows: usize,
    seed_seconds: f64,
) -> anyhow::Result<ExportResult> {
    let mut sender = connect(address).await?;
    let rss_before = server.memory().map_or(0.0, |memory| memory.rss_mib);
    let started = Instant::now();
    let (status, body) = call(&mut sender, Request::post("/v1/me/export"), token).await?;
    if status != StatusCode::ACCEPTED {
        bail!("export: {status} {}", String::from_utf8_lossy(&body));
    }
    let answer: serde_json::Value = serde_json::from_slice(&body)?;
    let id = answer["id"].as_str().context("export: no id")?.to_string();
    let mut peak = rss_before;
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        peak = peak.max(server.memory().map_or(0.0, |memory| memory.rss_mib));
        let (status, body) = call(&mut sender, Request::get(format!("/v1/me/export/{id}")), token).await?;
        if status != StatusCode::OK {
            bail!("export status: {status} {}", String::from_utf8_lossy(&body));
        }
        let answer: serde_json::Value = serde_json::from_slice(&body)?;
        match answer["status"].as_str() {
            Some("done") => break,
            Some("pending" | "running") => {}
            _ => bail!("export: {answer}"),
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("export: not done after 10 minutes");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let (status, archive) = call(&mut sender, Request::get(format!("/v1/me/export/{id}/download")), token).await?;
    if status != StatusCode::OK {
        bail!("export download: {status} {}", String::from_utf8_lossy(&archive));
    }
    let activities = check_archive(&archive).context("export: the archive")?;
    if activities < activity_rows {
        bail!("export: activity.json holds {activities} activities, the account has at least {activity_rows}");
    }
    Ok(ExportResult {
        activity_rows,
        archived_activities: activities,
        seed_seconds,
        seconds,
        archive_bytes: archive.len(),
        rss_before_mib: rss_before,
        rss_peak_mib: peak,
    })
}

/// Opens `archive` as a ZIP, reads every file to its end (which checks each CRC-32), checks
/// that every file of the contract is there and that each JSON file parses; returns the
/// entries of `activity.json`.
fn check_archive(archive: &[u8]) -> anyhow::Result<usize> {
    const FILES: [&str; 9] = [
        "profile.json",
        "sessions.json",
        "login-history.json",
        "activity.json",
        "linked-accounts.json",
        "tokens.json",
        "addresses.json",
        "credits.json",
        "referrals.json",
    ];
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).context("not a ZIP")?;
    for name in FILES {
        if zip.index_for_name(name).is_none() {
            bail!("{name} is missing");
        }
    }
    let mut activities = None;
    for index in 0..zip.len() {
        let mut file = zip.by_index(index)?;
        let name = file.name().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).with_context(|| format!("reading {name}"))?;
        if !name.ends_with(".json") {
            continue;
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes).with_context(|| format!("{name} is not JSON"))?;
        if name == "activity.json" {
            let items = value.as_array().or_else(|| value["items"].as_array());
            activities = Some(items.context("activity.json is not a list")?.len());
        }
    }
    activities.context("activity.json is missing")
}

async fn call(
    sender: &mut SendRequest<Full<Bytes>>,
    request: hyper::http::request::Builder,
    token: &str,
) -> anyhow::Result<(StatusCode, Bytes)> {
    let request = request
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))?;
    // The connection takes the next request only once it has finished the last one.
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    Ok((status, response.into_body().collect().await?.to_bytes()))
}

/// Activity rows for the exported account, straight into the database: `rows` of them,
/// one a second going back in time, as the store writes them.
macro_rules! seed_activity_backend {
    ($name:ident, $pool:ty) => {
        pub async fn $name(pool: &$pool, username: &str, rows: usize) -> anyhow::Result<()> {
            let user: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(username)
                .fetch_one(pool)
                .await
                .context("finding the exported account")?;
            let now = chrono::Utc::now();
            let mut tx = pool.begin().await?;
            for start in (0..rows).step_by(1000) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO activities (id, user_id, action, at, ip, user_agent, metadata) ",
                );
                insert.push_values(start..(start + 1000).min(rows), |mut row, n| {
                    row.push_bind(uuid::Uuid::now_v7())
                        .push_bind(user)
                        .push_bind("profile.updated")
                        .push_bind(chrono::SubsecRound::trunc_subsecs(now - chrono::Duration::seconds(n as i64), 6))
                        .push_bind("127.0.0.1")
                        .push_bind("accountd-bench")
                        .push_bind(sqlx::types::Json(serde_json::json!({ "fields": ["bio"] })));
                });
                insert.build().execute(&mut *tx).await.context("inserting activity rows")?;
            }
            tx.commit().await?;
            Ok(())
        }
    };
}

seed_activity_backend!(seed_activity_sqlite, sqlx::SqlitePool);
seed_activity_backend!(seed_activity_postgres, sqlx::PgPool);
