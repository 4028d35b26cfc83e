//! Data export: queue, follow, download.

use accountd_core::export::ExportStatus;
use accountd_core::ExportId;
use accountd_store::{FeedEvent, FeedTopic};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::dto::{export_download_path, ExportDto, ExportQueued};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{CurrentUser, PathParam, RawCredential};
use crate::http::routes::activity::{last_event_id, CredentialCheck};
use crate::http::AppState;
use crate::streams::{json_event, StreamSource};

/// Queues an export of everything the account holds; follow it with `GET /v1/me/export/{id}`
/// or its `/events`. One export runs at a time per account.
#[utoipa::path(post, path = "/v1/me/export", tag = "export", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), responses(
    (status = 202, body = ExportQueued),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`, `auth:insufficient_scope`"),
    (status = 409, body = ErrorBody, description = "`export:in_progress`: an export of the account is pending or running"),
))]
pub async fn request_export(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<(StatusCode, Json<ExportQueued>), ApiError> {
    let export = state.exports.request(current.user().id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ExportQueued { id: export.id.as_uuid(), status: export.status.as_str(), progress: export.progress }),
    ))
}

/// An export of the account. `downloadUrl` is the archive's path on this server once the
/// export is `done`. Exports (and their archives) are deleted 7 days after the request;
/// another account's export, and an expired one, are `404 export:not_found`.
#[utoipa::path(get, path = "/v1/me/export/{id}", tag = "export", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 200, body = ExportDto),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 404, body = ErrorBody, description = "`export:not_found`"),
))]
pub async fn export_status(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    PathParam(id): PathParam<ExportId>,
) -> Result<Json<ExportDto>, ApiError> {
    let export = state.exports.status(current.user().id, id).await?;
    Ok(Json(ExportDto::new(&export)))
}

/// The archive (`application/zip`, as an attachment): `profile.json`, `sessions.json`,
/// `login-history.json`, `activity.json` (oldest first), `linked-accounts.json`,
/// `tokens.json` (names and prefixes, no secret), `addresses.json`, `credits.json`,
/// `referrals.json`, and `media/`. Lists are `{"items": [...]}` of the API's shapes.
/// `409 export:not_ready` until the export is `done`.
#[utoipa::path(get, path = "/v1/me/export/{id}/download", tag = "export", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 200, content_type = "application/zip", description = "The archive"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 404, body = ErrorBody, description = "`export:not_found`"),
    (status = 409, body = ErrorBody, description = "`export:not_ready`"),
))]
pub async fn download_export(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    PathParam(id): PathParam<ExportId>,
) -> Result<Response, ApiError> {
    let (export, archive) = state.exports.download(current.user().id, id).await?;
    let name = format!("accountd-export-{}.zip", export.created_at.format("%Y-%m-%d"));
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/zip"));
    if let Ok(disposition) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CONTENT_LENGTH, header::HeaderValue::from(archive.size));
    Ok((headers, axum::body::Body::from_stream(archive.chunks)).into_response())
}

/// The export's progress as `text/event-stream`: the current state at once, then events
/// `progress` (`{"progress": 0..100}`), and finally `done` (`{"downloadUrl"}`) or `failed`
/// (`{}`), after which the stream ends.
#[utoipa::path(get, path = "/v1/me/export/{id}/events", tag = "export", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 200, content_type = "text/event-stream", description = "Events `progress`, then `done` or `failed`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 404, body = ErrorBody, description = "`export:not_found`"),
    (status = 429, body = ErrorBody, description = "`rate_limited`: too many streams of this account"),
    (status = 503, body = ErrorBody, description = "`server:overloaded`: too many streams on this node"),
))]
pub async fn export_events(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    RawCredential(credential): RawCredential,
    PathParam(id): PathParam<ExportId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let user = current.user().id;
    let slot = state.streams.admit(Some(user))?;
    let after = state.streams.start(last_event_id(&headers)).await?;
    let export = state.exports.status(user, id).await?;
    let (first, finished) = export_event(export.id, export.status, export.progress);
    let source = ExportSource {
        export: id,
        shown: std::sync::atomic::AtomicI32::new(export.progress),
        check: CredentialCheck::new(&state, credential),
    };
    Ok(state.streams.respond(slot, source, after, first, finished).into_response())
}

fn export_event(id: ExportId, status: ExportStatus, progress: i32) -> (Option<Event>, bool) {
    match status {
        ExportStatus::Pending | ExportStatus::Running => {
            (json_event("progress", &serde_json::json!({ "progress": progress })), false)
        }
        ExportStatus::Done => {
            (json_event("done", &serde_json::json!({ "downloadUrl": export_download_path(id) })), true)
        }
        ExportStatus::Failed => (json_event("failed", &serde_json::json!({})), true),
    }
}

struct ExportSource {
    export: ExportId,
    /// The progress shown so far: the stream replays events from before the state it
    /// sent first, and an attempt after a restart starts over, but progress never goes back.
    shown: std::sync::atomic::AtomicI32,
    check: CredentialCheck,
}

#[async_trait::async_trait]
impl StreamSource for ExportSource {
    fn topic(&self) -> FeedTopic {
        FeedTopic::EXPORT
    }

    async fn event(&self, event: &FeedEvent) -> Option<(Event, bool)> {
        if event.payload["exportId"].as_str() != Some(self.export.to_string().as_str()) {
            return None;
        }
        let status = ExportStatus::parse(event.payload["status"].as_str()?)?;
        let progress = event.payload["progress"].as_i64().and_then(|value| i32::try_from(value).ok()).unwrap_or(0);
        if status.in_progress() && self.shown.fetch_max(progress, std::sync::atomic::Ordering::SeqCst) >= progress {
            return None;
        }
        let (event, last) = export_event(self.export, status, progress);
        event.map(|event| (event, last))
    }

    async fn still_allowed(&self) -> bool {
        self.check.still_allowed().await
    }
}
