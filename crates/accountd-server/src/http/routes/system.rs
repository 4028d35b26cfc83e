//! Health, readiness and metrics.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;

use crate::http::dto::{Readiness, Status};
use crate::http::AppState;

/// Answers while the process runs.
#[utoipa::path(get, path = "/health", tag = "system", responses((status = 200, body = Status)))]
pub async fn health() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// Whether the node can serve: `503` while the database is unreachable.
#[utoipa::path(get, path = "/ready", tag = "system", responses(
    (status = 200, body = Readiness),
    (status = 503, body = Readiness, description = "The database is unreachable."),
))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let reachable = matches!(tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await, Ok(Ok(())));
    if reachable {
        (StatusCode::OK, Json(Readiness { status: "ok", database: "ok" }))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(Readiness { status: "unavailable", database: "unavailable" }))
    }
}

/// Prometheus metrics: requests by route and status, their latency, login outcomes.
#[utoipa::path(get, path = "/metrics", tag = "system", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
