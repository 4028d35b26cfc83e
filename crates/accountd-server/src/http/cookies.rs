//! The session cookie: HttpOnly, SameSite=Lax. When the public URL is https it is also
//! Secure and named with the `__Host-` prefix, which browsers accept only from a secure
//! origin, with `Path=/` and without `Domain`: a sibling subdomain cannot plant or
//! overwrite it.

use axum::http::HeaderValue;
use chrono::{DateTime, Utc};

pub const SESSION_COOKIE: &str = "accountd_session";
pub const SECURE_SESSION_COOKIE: &str = "__Host-accountd_session";

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
