//! The small HTML pages behind the links in mail. They are templates compiled
//! into the binary; the work happens in `pages.js`, when the person presses the
//! button, never on GET.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::http::AppState;

const LAYOUT: &str = include_str!("../../../templates/pages/layout.html");

fn render(state: &AppState, page: &str, title: &str, content: &str) -> Response {
    let product = escape(&state.web.product_name);
    let html = LAYOUT
        .replace("{{title}}", title)
        .replace("{{page}}", page)
        .replace("{{product}}", &product)
        .replace("{{content}}", content);
    // A page holds a token in its URL: it must not be cached anywhere.
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

fn escape(value: &str) -> String {
    value.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

pub async fn verify_email(State(state): State<AppState>) -> Response {
    render(&state, "verify-email", "Confirm your email", include_str!("../../../templates/pages/verify-email.html"))
}

pub async fn reset_password(State(state): State<AppState>) -> Response {
    render(
        &state,
        "reset-password",
        "Choose a new password",
        include_str!("../../../templates/pages/reset-password.html"),
    )
}

pub async fn confirm_email_change(State(state): State<AppState>) -> Response {
    render(
        &state,
        "confirm-email-change",
        "Confirm your new email",
        include_str!("../../../templates/pages/confirm-email-change.html"),
    )
}

pub async fn verify_address(State(state): State<AppState>) -> Response {
    render(&state, "verify-address", "Confirm an address", include_str!("../../../templates/pages/verify-address.html"))
}

pub async fn email_login(State(state): State<AppState>) -> Response {
    render(&state, "email-login", "Sign in", include_str!("../../../templates/pages/email-login.html"))
}

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../../templates/pages/pages.js"),
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../../templates/pages/pages.css"),
    )
        .into_response()
}
