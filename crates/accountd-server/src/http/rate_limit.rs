//! Per-client-IP rate limits on the unauthenticated auth endpoints.
//!
//! A route is limited by naming it in [`LIMITED_ROUTES`]; the layer in
//! [`per_ip`] applies to every route of the router and looks the matched route
//! up there. Each (route, client prefix) pair has a token bucket: an IPv4 address
//! or an IPv6 network (`/64` by default, see [`client_prefix`]), since one subscriber
//! holds a whole IPv6 network. A bucket allows `burst` requests at once,
//! refilled at `per_minute`. The buckets live in this process: per-IP limits are
//! a shield against floods, and a deployment of N nodes allows N times as much.
//! The limits that must be exact across nodes, failed passwords and codes per
//! account, are in the database (`usecases::throttle::AuthThrottle`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use accountd_core::client::{client_prefix, ClientPrefix};
use accountd_core::{Clock, DomainError};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::error::ApiError;
use super::extract::client_ip;
use super::AppState;

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

/// Past this many buckets, full ones are forgotten (they hold nothing a fresh one wouldn't).
const PRUNE_ABOVE: usize = 50_000;

pub struct IpRateLimiter {
    enabled: bool,
    burst: f64,
    per_second: f64,
    ipv6_prefix: u8,
    clock: Arc<dyn Clock>,
    buckets: Mutex<HashMap<(&'static str, ClientPrefix), Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

impl IpRateLimiter {
    pub fn new(enabled: bool, burst: u32, per_minute: u32, ipv6_prefix: u8, clock: Arc<dyn Clock>) -> Self {
        Self {
            enabled,
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            ipv6_prefix,
            clock,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the bucket, or says in how many seconds one is free.
    pub fn check(&self, route: &'static str, ip: IpAddr) -> Result<(), u64> {
        if !self.enabled {
            return Ok(());
        }
        let now = self.clock.now();
        let Ok(mut buckets) = self.buckets.lock() else {
            // A poisoned lock means a panic elsewhere; fail open rather than lock everyone out.
            return Ok(());
        };
        if buckets.len() > PRUNE_ABOVE {
            let (burst, per_second) = (self.burst, self.per_second);
            buckets.retain(|_, bucket| refilled(bucket, now, burst, per_second) < burst);
        }
        let client = client_prefix(ip, self.ipv6_prefix);
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
        if let Err(retry_after_secs) = state.rate_limiter.check(route, ip) {
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

    #[test]
    fn a_bucket_allows_its_burst_then_refills_over_time() {
        let clock = Arc::new(Fixed(Mutex::new(Utc::now())));
        let limiter = IpRateLimiter::new(true, 3, 6, 64, clock.clone());
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limiter.check("/x", ip), Ok(()));
        }
        assert_eq!(limiter.check("/x", ip), Err(10));
        assert_eq!(limiter.check("/y", ip), Ok(()), "each route has its own bucket");
        assert_eq!(limiter.check("/x", "203.0.113.2".parse().unwrap()), Ok(()), "and each address");
        *clock.0.lock().unwrap() += chrono::Duration::seconds(10);
        assert_eq!(limiter.check("/x", ip), Ok(()));
        assert!(limiter.check("/x", ip).is_err());
    }

    #[test]
    fn ipv6_addresses_of_one_network_share_a_bucket() {
        let limiter = IpRateLimiter::new(true, 2, 1, 64, Arc::new(Fixed(Mutex::new(Utc::now()))));
        assert_eq!(limiter.check("/x", "2001:db8:1:2::1".parse().unwrap()), Ok(()));
        assert_eq!(limiter.check("/x", "2001:db8:1:2:ffff::9".parse().unwrap()), Ok(()));
        assert!(limiter.check("/x", "2001:db8:1:2::77".parse().unwrap()).is_err(), "one /64, one allowance");
        assert_eq!(limiter.check("/x", "2001:db8:1:3::1".parse().unwrap()), Ok(()), "another /64 has its own");
    }

    #[test]
    fn a_wider_configured_prefix_groups_more_addresses() {
        let limiter = IpRateLimiter::new(true, 1, 1, 48, Arc::new(Fixed(Mutex::new(Utc::now()))));
        assert_eq!(limiter.check("/x", "2001:db8:1:2::1".parse().unwrap()), Ok(()));
        assert!(limiter.check("/x", "2001:db8:1:3::1".parse().unwrap()).is_err());
    }

    #[test]
    fn a_disabled_limiter_allows_everything() {
        let limiter = IpRateLimiter::new(false, 1, 1, 64, Arc::new(Fixed(Mutex::new(Utc::now()))));
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        for _ in 0..10 {
            assert_eq!(limiter.check("/x", ip), Ok(()));
        }
    }
}
