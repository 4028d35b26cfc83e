//! What every request passes through: request id, tracing span and metrics;
//! security and caching headers; cookie renewal; and the contract's bodies for 404, 405, 414,
//! 431 and panics.

use std::any::Any;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument as _;

use super::error::ApiError;
use super::extract::CookieRenewal;
use super::AppState;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Echoes a client's request id when it is reasonable, otherwise makes one.
fn request_id(request: &Request) -> HeaderValue {
    request
        .headers()
        .get(&REQUEST_ID)
        .filter(|value| {
            !value.is_empty() && value.len() <= 128 && value.as_bytes().iter().all(|b| b.is_ascii_graphic())
        })
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::now_v7().to_string()).unwrap_or_else(|_| HeaderValue::from_static("-"))
        })
}

/// The request span (id, method, route), one log line per request, the request metrics,
/// and the refusal of oversized requests.
pub async fn observe(request: Request, next: Next) -> Response {
    let id = request_id(&request);
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_owned());
    let span = tracing::info_span!(
        "request",
        id = %id.to_str().unwrap_or("-"),
        method = %method,
        route = route.as_deref().unwrap_or("unmatched"),
    );
    let started = Instant::now();
    // Checked here rather than in a layer of its own: one middleware less on every request.
    let mut response = match oversized(&request) {
        Some(refusal) => refusal.into_response(),
        None => next.run(request).instrument(span.clone()).await,
    };
    let elapsed = started.elapsed();
    let status = response.status();
    // A line per request is an access log: at DEBUG (`ACCOUNTD_LOG=debug`), as at INFO it
    // cost an eighth of the throughput of the hottest route. Server errors always show.
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), latency_ms, "finished");
        } else {
            tracing::debug!(status = status.as_u16(), latency_ms, "finished");
        }
    });

    // The route template, not the path, so that ids in paths don't explode the label space.
    let route = route.unwrap_or_else(|| "unmatched".into());
    let labels = [("method", method.to_string()), ("route", route), ("status", status.as_u16().to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());

    response.headers_mut().insert(REQUEST_ID.clone(), id);
    response
}

/// Paths whose responses carry a credential or a secret, or whose answers must not be
/// kept anyway: everything under `/v1/auth` and `/v1/me`, registration (a session), the
/// social login callback (a code) and the pages behind the links in mail (a token).
fn never_cached(path: &str) -> bool {
    const PREFIXES: &[&str] = &["/v1/auth/", "/v1/me/", "/oauth/"];
    const PATHS: &[&str] =
        &["/v1/me", "/v1/users", "/verify-email", "/reset-password", "/confirm-email-change", "/verify-address"];
    PREFIXES.iter().any(|prefix| path.starts_with(prefix)) || PATHS.contains(&path)
}

pub async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let no_store = never_cached(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if no_store {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.web.secure_cookies {
        // An https deployment: browsers must not be talked down to plain http later.
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    // A page that set its own, stricter policy (the console) keeps it.
    if is_html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                 frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
            ),
        );
    } else if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        // JSON, images, scripts, archives: nothing to run and nothing to frame. A route
        // that sets a policy of its own keeps it.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    response
}

/// The longest request target, and the most header bytes, a request may have. hyper's own
/// caps are far above these; when hyper refuses a request itself, the accept loop
/// (`http::server`) puts the contract's body into its bare answer.
const MAX_URI_BYTES: usize = 8 * 1024;
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The refusal of a request over [`MAX_URI_BYTES`] or [`MAX_HEADER_BYTES`].
fn oversized(request: &Request) -> Option<ApiError> {
    let target = request.uri().path_and_query().map_or(0, |target| target.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(ApiError::uri_too_long());
    }
    let header_bytes: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    (header_bytes > MAX_HEADER_BYTES).then(ApiError::headers_too_large)
}

/// Renews the session cookie's lifetime when authentication slid the session's expiry.
pub async fn renew_session_cookie(mut request: Request, next: Next) -> Response {
    let renewal = CookieRenewal::default();
    request.extensions_mut().insert(renewal.clone());
    let mut response = next.run(request).await;
    let renewed = renewal.0.lock().ok().and_then(|mut slot| slot.take());
    if let Some(cookie) = renewed {
        if !response.headers().contains_key(header::SET_COOKIE) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    response
}

pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "request:method_not_allowed",
        "This method is not allowed on this path.",
    )
}

/// A panic must never reach the client as a dropped connection or a stack trace.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(%detail, "handler panicked");
    ApiError::internal().into_response()
}
