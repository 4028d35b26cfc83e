//! Per-client-IP rate limits on the unauthenticated auth endpoints, held for the
//! deployment as a whole.
//!
//! A route is limited by naming it in [`LIMITED_ROUTES`]; the layer in
//! [`per_ip`] applies to every route of the router and looks the matched route
//! up there. Each (route, client prefix) pair has an allowance: an IPv4 address
//! or an IPv6 network (`/64` by default, see [`client_prefix`]), since one subscriber
//! holds a whole IPv6 network. An allowance is `burst` requests at once, refilled at
//! `per_minute`: a token bucket, kept as the generic cell rate algorithm (GCRA) in one
//! database row per key (`rate_limits`, migration 0019), taken by one atomic upsert. Every
//! node (and every process on one SQLite file) shares the rows, so N nodes allow what one
//! does, not N times as much.
//!
//! Two things keep the hot path cheap. A refusal is remembered in this process until
//! the key's next allowance is due: the row's arrival time only moves forward, so
//! nothing any node does can make the key allowed sooner, and a flood from one client
//! costs one statement per refill interval instead of one per request. And when the
//! database cannot be reached, the request is judged by a bucket of this process
//! ([`LocalBuckets`]) rather than waved through or refused: the shield stays up, per
//! node. Keys whose allowance is full again are deleted by the `rate_limits.prune` sweep.
//!
//! The limits that count failures, passwords and codes per account, are in
//! `usecases::throttle::AuthThrottle`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use accountd_core::client::{client_prefix, ClientPrefix};
use accountd_core::{Clock, DomainError};
use accountd_store::{RateLimitDecision, Store, StoreError};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::error::ApiError;
use super::extract::client_ip;
use super::AppState;
use crate::jobs::{Job, JobFailure, JobHandler};

/// The rate-limited routes: (method, route template).
pub const LIMITED_ROUTES: &[(Method, &str)] = &[
    (Method::POST, "/v1/users"),
    (Method::POST, "/v1/auth/login"),
    (Method::POST, "/v1/auth/login/2fa"),
    (Method::POST, "/v1/auth/forgot-password"),
    (Method::POST, "/v1/auth/verify-email"),
    (Method::POST, "/v1/auth/resend-verification"),
    (Method::POST, "/v1/auth/passkey/options"),
    (Method::POST, "/v1/auth/passkey/login"),
    (Method::POST, "/v1/auth/login/2fa/passkey-options"),
    (Method::POST, "/v1/auth/email-login"),
    (Method::POST, "/v1/auth/email-login/verify"),
];

/// Past this many entries, a process's maps forget the ones that hold nothing.
const PRUNE_ABOVE: usize = 50_000;

/// The per-IP limits of the deployment: the shared rows, a memory of refusals, and a
/// bucket of this process for when the database is out of reach.
pub struct IpRateLimiter {
    enabled: bool,
    /// One request's worth of refill, in milliseconds (the GCRA emission interval).
    interval_ms: i64,
    /// How far ahead of now a key's arrival time may be and still allow a request:
    /// `burst - 1` intervals.
    tolerance_ms: i64,
    ipv6_prefix: u8,
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    /// Keys refused, and until when (milliseconds since the epoch) they stay refused.
    refused: Mutex<HashMap<String, i64>>,
    fallback: LocalBuckets,
}

impl IpRateLimiter {
    pub fn new(
        enabled: bool,
        burst: u32,
        per_minute: u32,
        ipv6_prefix: u8,
        clock: Arc<dyn Clock>,
        store: Arc<dyn Store>,
    ) -> Self {
        let interval_ms = 60_000 / i64::from(per_minute.max(1));
        Self {
            enabled,
            interval_ms,
            tolerance_ms: interval_ms * (i64::from(burst.max(1)) - 1),
            ipv6_prefix,
            clock: clock.clone(),
            store,
            refused: Mutex::new(HashMap::new()),
            fallback: LocalBuckets::new(burst, per_minute, clock),
        }
    }

    /// Takes one request of the client's allowance for `route`, or says in how many
    /// seconds one is free.
    pub async fn check(&self, route: &'static str, ip: IpAddr) -> Result<(), u64> {
        if !self.enabled {
            return Ok(());
        }
        let client = client_prefix(ip, self.ipv6_prefix);
        let key = format!("{route} {client}");
        let now_ms = self.clock.now().timestamp_millis();
        if let Some(until) = self.refused_until(&key, now_ms) {
            return Err(seconds(until - now_ms));
        }
        match self.take(&key, now_ms).await {
            Ok(RateLimitDecision::Allowed) => Ok(()),
            Ok(RateLimitDecision::Refused { wait_ms }) => {
                if let Ok(mut refused) = self.refused.lock() {
                    if refused.len() > PRUNE_ABOVE {
                        refused.retain(|_, until| *until > now_ms);
                    }
                    refused.insert(key, now_ms + wait_ms);
                }
                Err(seconds(wait_ms))
            }
            Err(error) => {
                tracing::warn!(%error, "rate limit: the shared allowance is out of reach; judged by this node alone");
                metrics::counter!("accountd_rate_limit_fallback_total").increment(1);
                self.fallback.check(route, client)
            }
        }
    }

    async fn take(&self, key: &str, now_ms: i64) -> Result<RateLimitDecision, StoreError> {
        // One statement, outside a transaction: atomic by itself, one round trip.
        let mut conn = self.store.reader().await?;
        conn.take_rate_limit(key, now_ms, self.interval_ms, self.tolerance_ms).await
    }

    fn refused_until(&self, key: &str, now_ms: i64) -> Option<i64> {
        let refused = self.refused.lock().ok()?;
        refused.get(key).copied().filter(|until| *until > now_ms)
    }
}

fn seconds(wait_ms: i64) -> u64 {
    u64::try_from((wait_ms + 999) / 1000).unwrap_or(1).max(1)
}

/// Token buckets of this process alone: the judge while the database is out of reach.
pub struct LocalBuckets {
    burst: f64,
    per_second: f64,
    clock: Arc<dyn Clock>,
    buckets: Mutex<HashMap<(&'static str, ClientPrefix), Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

impl LocalBuckets {
    pub fn new(burst: u32, per_minute: u32, clock: Arc<dyn Clock>) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            clock,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the bucket, or says in how many seconds one is free.
    pub fn check(&self, route: &'static str, client: ClientPrefix) -> Result<(), u64> {
        let now = self.clock.now();
        let Ok(mut buckets) = self.buckets.lock() else {
            // A poisoned lock means a panic elsewhere; fail open rather than lock everyone out.
            return Ok(());
        };
        if buckets.len() > PRUNE_ABOVE {
            let (burst, per_second) = (self.burst, self.per_second);
            buckets.retain(|_, bucket| refilled(bucket, now, burst, per_second) < burst);
        }
        let bucket = buckets.entry((route, client)).or_insert(Bucket { tokens: self.burst, at: now });
        let tokens = refilled(bucket, now, self.burst, self.per_second);
        if tokens >= 1.0 {
            *bucket = Bucket { tokens: tokens - 1.0, at: now };
            Ok(())
        } else {
            *bucket = Bucket { tokens, at: now };
            Err(((1.0 - tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

fn refilled(bucket: &Bucket, now: DateTime<Utc>, burst: f64, per_second: f64) -> f64 {
    let elapsed = (now - bucket.at).num_milliseconds().max(0) as f64 / 1000.0;
    (bucket.tokens + elapsed * per_second).min(burst)
}

/// The sweep of allowances that are full again (a row of them is the same as none).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct PruneRateLimits {}

impl Job for PruneRateLimits {
    const KIND: &'static str = "rate_limits.prune";
    const MAX_ATTEMPTS: i32 = 3;
}

pub struct RateLimitPruner {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

#[async_trait::async_trait]
impl JobHandler<PruneRateLimits> for RateLimitPruner {
    async fn run(&self, _: PruneRateLimits) -> Result<(), JobFailure> {
        let mut conn = self.store.reader().await?;
        let pruned = conn.prune_rate_limits(self.clock.now().timestamp_millis()).await?;
        tracing::debug!(pruned, "rate limits: pruned");
        Ok(())
    }
}

/// The layer: `429 rate_limited` with `Retry-After` once a client prefix used up a limited route's bucket.
pub async fn per_ip(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    let limited = LIMITED_ROUTES
        .iter()
        .find(|(method, path)| method == request.method() && Some(*path) == route)
        .map(|(_, path)| *path);
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    if let (Some(route), Some(peer)) = (limited, peer) {
        let ip = client_ip(peer, request.headers(), &state.web.trusted_proxies);
        if let Err(retry_after_secs) = state.rate_limiter.check(route, ip).await {
            metrics::counter!("accountd_rate_limited_total", "route" => route).increment(1);
            return ApiError::from(DomainError::RateLimited { retry_after_secs }).into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Mutex<DateTime<Utc>>);
    impl Clock for Fixed {
        fn now(&self) -> DateTime<Utc> {
            *self.0.lock().unwrap()
        }
    }

    fn prefix(ip: &str, bits: u8) -> ClientPrefix {
        client_prefix(ip.parse().unwrap(), bits)
    }

    #[test]
    fn a_local_bucket_allows_its_burst_then_refills_over_time() {
        let clock = Arc::new(Fixed(Mutex::new(Utc::now())));
        let buckets = LocalBuckets::new(3, 6, clock.clone());
        let ip = prefix("203.0.113.1", 64);
        for _ in 0..3 {
            assert_eq!(buckets.check("/x", ip), Ok(()));
        }
        assert_eq!(buckets.check("/x", ip), Err(10));
        assert_eq!(buckets.check("/y", ip), Ok(()), "each route has its own bucket");
        assert_eq!(buckets.check("/x", prefix("203.0.113.2", 64)), Ok(()), "and each address");
        *clock.0.lock().unwrap() += chrono::Duration::seconds(10);
        assert_eq!(buckets.check("/x", ip), Ok(()));
        assert!(buckets.check("/x", ip).is_err());
    }

    #[test]
    fn ipv6_addresses_of_one_network_share_a_bucket() {
        let buckets = LocalBuckets::new(2, 1, Arc::new(Fixed(Mutex::new(Utc::now()))));
        assert_eq!(buckets.check("/x", prefix("2001:db8:1:2::1", 64)), Ok(()));
        assert_eq!(buckets.check("/x", prefix("2001:db8:1:2:ffff::9", 64)), Ok(()));
        assert!(buckets.check("/x", prefix("2001:db8:1:2::77", 64)).is_err(), "one /64, one allowance");
        assert_eq!(buckets.check("/x", prefix("2001:db8:1:3::1", 64)), Ok(()), "another /64 has its own");
    }

    #[test]
    fn a_wider_configured_prefix_groups_more_addresses() {
        let buckets = LocalBuckets::new(1, 1, Arc::new(Fixed(Mutex::new(Utc::now()))));
        assert_eq!(buckets.check("/x", prefix("2001:db8:1:2::1", 48)), Ok(()));
        assert!(buckets.check("/x", prefix("2001:db8:1:3::1", 48)).is_err());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(seconds(1), 1);
        assert_eq!(seconds(1000), 1);
        assert_eq!(seconds(1001), 2);
        assert_eq!(seconds(60_000), 60);
    }

    async fn sqlite_store(dir: &tempfile::TempDir) -> Arc<dyn Store> {
        let store = accountd_store::connect(&format!("sqlite://{}/limits.db", dir.path().display())).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    #[tokio::test]
    async fn two_limiters_on_one_database_share_one_allowance() {
        let dir = tempfile::tempdir().unwrap();
        let (first_store, second_store) = (sqlite_store(&dir).await, sqlite_store(&dir).await);
        let clock = Arc::new(Fixed(Mutex::new(Utc::now())));
        let first = IpRateLimiter::new(true, 3, 6, 64, clock.clone(), first_store);
        let second = IpRateLimiter::new(true, 3, 6, 64, clock.clone(), second_store.clone());
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        assert_eq!(first.check("/x", ip).await, Ok(()));
        assert_eq!(second.check("/x", ip).await, Ok(()));
        assert_eq!(first.check("/x", ip).await, Ok(()));
        assert_eq!(second.check("/x", ip).await, Err(10), "three in all, not three each");
        assert_eq!(first.check("/x", ip).await, Err(10));
        assert_eq!(first.check("/y", ip).await, Ok(()), "each route has its own allowance");
        *clock.0.lock().unwrap() += chrono::Duration::seconds(10);
        assert_eq!(first.check("/x", ip).await, Ok(()), "the refusal was remembered only until the refill");
        assert!(second.check("/x", ip).await.is_err());

        // Once the allowance is full again the sweep deletes the rows.
        *clock.0.lock().unwrap() += chrono::Duration::seconds(60);
        let pruner = RateLimitPruner { store: second_store.clone(), clock: clock.clone() };
        JobHandler::<PruneRateLimits>::run(&pruner, PruneRateLimits {}).await.unwrap();
        let mut conn = second_store.reader().await.unwrap();
        assert_eq!(conn.prune_rate_limits(clock.now().timestamp_millis()).await.unwrap(), 0, "nothing left to prune");
    }

    #[tokio::test]
    async fn a_disabled_limiter_allows_everything() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(Fixed(Mutex::new(Utc::now())));
        let limiter = IpRateLimiter::new(false, 1, 1, 64, clock, sqlite_store(&dir).await);
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        for _ in 0..10 {
            assert_eq!(limiter.check("/x", ip).await, Ok(()));
        }
    }
}
