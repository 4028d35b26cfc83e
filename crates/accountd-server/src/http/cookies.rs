//! The session cookie: HttpOnly, SameSite=Lax, Secure when the public URL is https.

use axum::http::HeaderValue;
use chrono::{DateTime, Utc};

pub const SESSION_COOKIE: &str = "accountd_session";

pub fn session_cookie(token: &str, expires_at: DateTime<Utc>, secure: bool) -> HeaderValue {
    let max_age = (expires_at - Utc::now()).num_seconds().max(0);
    let secure = if secure { "; Secure" } else { "" };
    let value = format!("{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    // Tokens are base64url with an ASCII prefix, so the value is always a valid header.
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("accountd_session=; Path=/; Max-Age=0"))
}

pub fn cleared_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("accountd_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure")
    } else {
        HeaderValue::from_static("accountd_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    }
}
