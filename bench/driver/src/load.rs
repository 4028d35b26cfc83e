//! The load generator: a fixed number of HTTP/1.1 keep-alive connections, each
//! sending one request after the other (closed loop), or together keeping a fixed
//! request rate (open loop, latency measured from when each request was due, so a
//! stalled server cannot hide its stall). Every response is checked.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{HeaderMap, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// What a scenario sends and what it accepts back.
pub trait Workload: Send + Sync + 'static {
    /// The `n`-th request of the run (`n` counts across all connections).
    fn request(&self, n: u64) -> Request<Full<Bytes>>;
    /// Judges the answer to the `n`-th request.
    fn check(&self, n: u64, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Outcome;
}

pub enum Outcome {
    Ok,
    /// Refused on purpose under overload (`503 server:overloaded` with `Retry-After`).
    Shed,
    Wrong(String),
}

/// How requests are paced.
#[derive(Clone, Copy)]
pub enum Pace {
    /// Each connection sends its next request as soon as the previous one is answered.
    Closed,
    /// The connections together start `per_second` requests a second.
    Rate { per_second: u64 },
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadResult {
    pub requests: u64,
    pub ok: u64,
    pub shed: u64,
    pub errors: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// A few of the wrong answers, to show what went wrong.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<String>,
}

struct Shared {
    workload: Arc<dyn Workload>,
    address: SocketAddr,
    next: AtomicU64,
    started: Instant,
    until: Instant,
    /// Requests to send at most.
    cap: u64,
    pace: Pace,
    samples: Mutex<Vec<String>>,
}

#[derive(Default)]
struct Tally {
    ok: u64,
    shed: u64,
    errors: u64,
}

/// Runs `workload` over `connections` connections for `duration`.
pub async fn run(
    address: SocketAddr,
    workload: Arc<dyn Workload>,
    connections: usize,
    pace: Pace,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    run_until(address, workload, connections, pace, duration, u64::MAX).await
}

/// Sends the first `count` requests of `workload` over `connections` connections, as fast
/// as they are answered.
pub async fn run_requests(
    address: SocketAddr,
    workload: Arc<dyn Workload>,
    connections: usize,
    count: u64,
) -> anyhow::Result<LoadResult> {
    run_until(address, workload, connections, Pace::Closed, Duration::from_secs(3600), count).await
}

async fn run_until(
    address: SocketAddr,
    workload: Arc<dyn Workload>,
    connections: usize,
    pace: Pace,
    duration: Duration,
    cap: u64,
) -> anyhow::Result<LoadResult> {
    let started = Instant::now();
    let shared = Arc::new(Shared {
        workload,
        address,
        next: AtomicU64::new(0),
        started,
        until: started + duration,
        cap,
        pace,
        samples: Mutex::new(Vec::new()),
    });
    let tasks: Vec<_> = (0..connections).map(|_| tokio::spawn(connection(shared.clone()))).collect();
    let mut histogram = new_histogram()?;
    let mut tally = Tally::default();
    for task in tasks {
        let (part, counts) = task.await.context("a load connection failed")??;
        histogram.add(part).context("merging latency histograms")?;
        tally.ok += counts.ok;
        tally.shed += counts.shed;
        tally.errors += counts.errors;
    }
    let seconds = started.elapsed().as_secs_f64();
    let requests = tally.ok + tally.shed + tally.errors;
    let ms = |micros: u64| micros as f64 / 1000.0;
    let samples = shared.samples.lock().map(|samples| samples.clone()).unwrap_or_default();
    Ok(LoadResult {
        requests,
        ok: tally.ok,
        shed: tally.shed,
        errors: tally.errors,
        seconds,
        // Only right answers count as throughput; shed and wrong ones never do.
        per_second: tally.ok as f64 / seconds,
        p50_ms: ms(histogram.value_at_quantile(0.50)),
        p90_ms: ms(histogram.value_at_quantile(0.90)),
        p99_ms: ms(histogram.value_at_quantile(0.99)),
        max_ms: ms(histogram.max()),
        samples,
    })
}

/// Latencies in microseconds, 1 µs to 10 minutes, 3 significant digits.
fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 600_000_000, 3).context("creating a latency histogram")
}

/// One HTTP/1.1 connection to `address`, its driver task spawned. Every scenario connects
/// through this.
pub async fn connect(address: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(address).await.with_context(|| format!("connecting to {address}"))?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

async fn connection(shared: Arc<Shared>) -> anyhow::Result<(Histogram<u64>, Tally)> {
    let mut histogram = new_histogram()?;
    let mut tally = Tally::default();
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    loop {
        let n = shared.next.fetch_add(1, Ordering::Relaxed);
        if n >= shared.cap {
            break;
        }
        // When the request is due: now for a closed loop, its slot for a fixed rate.
        let due = match shared.pace {
            Pace::Closed => Instant::now(),
            Pace::Rate { per_second } => {
                let due = shared.started + Duration::from_nanos(n.saturating_mul(1_000_000_000) / per_second.max(1));
                tokio::time::sleep_until(due.into()).await;
                due
            }
        };
        if due >= shared.until {
            break;
        }
        let mut live = match sender.take() {
            Some(live) if !live.is_closed() => live,
            _ => match connect(shared.address).await {
                Ok(fresh) => fresh,
                Err(error) => {
                    wrong(&shared, &mut tally, format!("connect: {error:#}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let request = shared.workload.request(n);
        let answer = async {
            live.ready().await?;
            let response = live.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok::<_, hyper::Error>((parts, body))
        }
        .await;
        let latency = due.elapsed();
        match answer {
            Ok((parts, body)) => {
                histogram.saturating_record(latency.as_micros().try_into().unwrap_or(u64::MAX).max(1));
                match shared.workload.check(n, parts.status, &parts.headers, &body) {
                    Outcome::Ok => tally.ok += 1,
                    Outcome::Shed => tally.shed += 1,
                    Outcome::Wrong(what) => wrong(&shared, &mut tally, what),
                }
                sender = Some(live);
            }
            Err(error) => wrong(&shared, &mut tally, format!("transport: {error}")),
        }
    }
    Ok((histogram, tally))
}

fn wrong(shared: &Shared, tally: &mut Tally, what: String) {
    tally.errors += 1;
    if let Ok(mut samples) = shared.samples.lock() {
        if samples.len() < 5 {
            samples.push(what);
        }
    }
}

/// `GET`/`POST` helpers for workloads.
pub fn get(path: &str, bearer: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {bearer}"))
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}

pub fn get_with_cookie(path: &str, cookie: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "127.0.0.1")
        .header("cookie", cookie)
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}

pub fn post_json(path: &str, body: String) -> Request<Full<Bytes>> {
    Request::post(path)
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

/// A short, printable excerpt of a body for error samples.
pub fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()
}
