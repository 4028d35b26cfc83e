//! The `stream` scenario: many concurrent `GET /v1/me/activity/stream` connections, one
//! per account, while profile updates are written at a steady rate; and the `export`
//! scenario: one account's data export with many activity rows, timed to a finished
//! archive while the server's memory is sampled.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

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
    /// Writes whose event had not arrived 5 s after the last write.
    pub lost: u64,
    /// Events that arrived without a write waiting for them.
    pub unexpected: u64,
    /// From the write's request being sent (its commit included) to the event's arrival.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub rss_before_mib: f64,
    pub rss_with_streams_mib: f64,
    pub rss_per_stream_kib: f64,
    /// Writes answered with anything but `200`.
    pub write_errors: u64,
}

/// The sends of one stream's account whose events have not arrived yet.
type Pending = Arc<Vec<Mutex<VecDeque<Instant>>>>;

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
    let rss_before = server.memory().map_or(0.0, |memory| memory.rss_mib);
    let pending: Pending = Arc::new((0..streams).map(|_| Mutex::new(VecDeque::new())).collect());
    let latencies = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?));
    let delivered = Arc::new(AtomicU64::new(0));
    let unexpected = Arc::new(AtomicU64::new(0));

    // Connect, at most 256 handshakes at a time.
    let connecting = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    let mut opened = Vec::with_capacity(streams);
    for index in 0..streams {
        let permit = gate.clone().acquire_owned().await?;
        let token = tokens[index].clone();
        opened.push(tokio::spawn(async move {
            let body = open_stream(address, &token).await;
            drop(permit);
            body
        }));
    }
    let mut readers = Vec::with_capacity(streams);
    for (index, handle) in opened.into_iter().enumerate() {
        let body = handle.await?.with_context(|| format!("opening stream {index}"))?;
        let (pending, latencies, delivered, unexpected) =
            (pending.clone(), latencies.clone(), delivered.clone(), unexpected.clone());
        readers.push(tokio::spawn(async move {
            read_stream(body, index, pending, latencies, delivered, unexpected).await;
        }));
    }
    let connect_seconds = connecting.elapsed().as_secs_f64();
    // Let the server settle before its memory is read.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_with_streams = server.memory().map_or(0.0, |memory| memory.rss_mib);

    // Write: a few connections together keep the rate.
    let writers = 4.min(rate.max(1)) as usize;
    let next = Arc::new(AtomicU64::new(0));
    let write_errors = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + duration;
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let (tokens, pending, next, write_errors) =
            (tokens.clone(), pending.clone(), next.clone(), write_errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(address).await?;
            let period = Duration::from_secs_f64(writers as f64 / rate.max(1) as f64);
            let start = tokio::time::Instant::now() + period.mul_f64(writer as f64 / writers as f64);
            let mut ticks = tokio::time::interval_at(start, period);
            while Instant::now() < until {
                ticks.tick().await;
                let n = next.fetch_add(1, Ordering::Relaxed);
                let index = (n % streams as u64) as usize;
                let body = serde_json::json!({ "bio": format!("bench write {n}") }).to_string();
                let request = Request::patch("/v1/me")
                    .header("host", "127.0.0.1")
                    .header("authorization", format!("Bearer {}", tokens[index]))
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))?;
                lock(&pending[index]).push_back(Instant::now());
                let response = sender.send_request(request).await?;
                let status = response.status();
                response.into_body().collect().await?;
                if status != StatusCode::OK {
                    lock(&pending[index]).pop_back();
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
    let lost = pending.iter().map(|queue| lock(queue).len() as u64).sum();
    for reader in readers {
        reader.abort();
    }
    let histogram = lock(&latencies).clone();
    let ms = |micros: u64| micros as f64 / 1000.0;
    Ok(StreamResult {
        streams,
        connect_seconds,
        connects_per_second: streams as f64 / connect_seconds,
        writes,
        rate,
        delivered: delivered.load(Ordering::Relaxed),
        lost,
        unexpected: unexpected.load(Ordering::Relaxed),
        p50_ms: ms(histogram.value_at_quantile(0.5)),
        p99_ms: ms(histogram.value_at_quantile(0.99)),
        max_ms: ms(histogram.max()),
        rss_before_mib: rss_before,
        rss_with_streams_mib: rss_with_streams,
        rss_per_stream_kib: 1024.0 * (rss_with_streams - rss_before) / streams.max(1) as f64,
        write_errors: write_errors.load(Ordering::Relaxed),
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn connect(address: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(address).await.context("connecting")?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// `GET /v1/me/activity/stream`; the body, once the server answered `200 text/event-stream`.
async fn open_stream(address: SocketAddr, token: &str) -> anyhow::Result<hyper::body::Incoming> {
    let stream = TcpStream::connect(address).await.context("connecting")?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = Request::get("/v1/me/activity/stream")
        .header("host", "127.0.0.1")
        .header("accept", "text/event-stream")
        .header("authorization", format!("Bearer {token}"))
        .body(Empty::<Bytes>::new())?;
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

/// Reads one stream's events: each `activity` event settles the oldest write of its account.
async fn read_stream(
    mut body: hyper::body::Incoming,
    index: usize,
    pending: Pending,
    latencies: Arc<Mutex<Histogram<u64>>>,
    delivered: Arc<AtomicU64>,
    unexpected: Arc<AtomicU64>,
) {
    let mut buffer = Vec::new();
    while let Some(Ok(frame)) = body.frame().await {
        let Ok(data) = frame.into_data() else { continue };
        buffer.extend_from_slice(&data);
        while let Some(end) = buffer.windows(2).position(|window| window == b"\n\n") {
            let event: Vec<u8> = buffer.drain(..end + 2).collect();
            if !event.split(|&byte| byte == b'\n').any(|line| line == b"event: activity") {
                continue;
            }
            let arrived = Instant::now();
            match lock(&pending[index]).pop_front() {
                Some(sent) => {
                    let micros = arrived.duration_since(sent).as_micros().max(1) as u64;
                    let _ = lock(&latencies).record(micros);
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
                None => {
                    unexpected.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportResult {
    pub activity_rows: usize,
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
    if status != StatusCode::OK || !archive.starts_with(b"PK") {
        bail!("export download: {status}, {} bytes", archive.len());
    }
    Ok(ExportResult {
        activity_rows,
        seed_seconds,
        seconds,
        archive_bytes: archive.len(),
        rss_before_mib: rss_before,
        rss_peak_mib: peak,
    })
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
                        .push_bind(now - chrono::Duration::seconds(n as i64))
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
