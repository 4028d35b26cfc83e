//! The session cookie: HttpOnly, SameSite=Lax. When the public URL is https it is also
//! Secure and named with the `__Host-` prefix, which browsers accept only from a secure
//! origin, with `Path=/` and without `Domain`: a sibling subdomain cannot plant or
//! overwrite it.
//!
//! The `accountd_oauth` cookie ties a social login's `state` to the browser that started
//! it. It lives ten minutes (the state's life), is HttpOnly, SameSite=Lax (it must come
//! along after the provider's redirect) and Secure on https, and is sent only under
//! `/v1/auth/oauth`. Its name keeps no `__Host-` prefix, which would need `Path=/`: a
//! sibling subdomain that can set cookies for the parent domain could plant it, so
//! deployments should not share their registrable domain with untrusted hosts.

use axum::http::HeaderValue;
use chrono::{DateTime, Utc};

pub const SESSION_COOKIE: &str = "accountd_session";
pub const SECURE_SESSION_COOKIE: &str = "__Host-accountd_session";
pub const OAUTH_COOKIE: &str = "accountd_oauth";

/// The cookie's name: [`SECURE_SESSION_COOKIE`] when `secure`, else [`SESSION_COOKIE`].
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

pub fn session_cookie(token: &str, expires_at: DateTime<Utc>, secure: bool) -> HeaderValue {
    let max_age = (expires_at - Utc::now()).num_seconds().max(0);
    let name = session_cookie_name(secure);
    let flag = if secure { "; Secure" } else { "" };
    let value = format!("{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{flag}");
    // Tokens are base64url with an ASCII prefix, so the value is always a valid header.
    HeaderValue::from_str(&value).unwrap_or_else(|_| cleared_cookie(secure))
}

pub fn cleared_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("__Host-accountd_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure")
    } else {
        HeaderValue::from_static("accountd_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    }
}

/// The `accountd_oauth` cookie carrying a login's `flow` value.
pub fn oauth_cookie(flow: &str, secure: bool) -> HeaderValue {
    let flag = if secure { "; Secure" } else { "" };
    let max_age = accountd_core::oauth::STATE_TTL_MINUTES * 60;
    let value = format!("{OAUTH_COOKIE}={flow}; Path=/v1/auth/oauth; Max-Age={max_age}; HttpOnly; SameSite=Lax{flag}");
    // The flow value is base64url, so the value is always a valid header.
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("accountd_oauth=; Max-Age=0"))
}
