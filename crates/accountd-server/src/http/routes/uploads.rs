//! Upload domains, the uploader integrations and the Discord webhook test.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::dto::{
    FlameshotMode, FlameshotRequest, SpectacleMode, SpectacleRequest, UploadDomainDto, UploadDomainList,
    UploadDomainSelection, WebhookTestDto,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, Client, CurrentUser, OptionalJson};
use crate::http::AppState;
use crate::usecases::uploads::{Capture, GeneratedFile, Integration};

/// The instance's upload domains, and which one the account's uploads use.
#[utoipa::path(get, path = "/v1/me/upload-domains", tag = "uploads", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), responses(
    (status = 200, body = UploadDomainList),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
))]
pub async fn upload_domains(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Json<UploadDomainList> {
    let (domains, default, selected) = state.uploads.list(current.user());
    let items = domains
        .into_iter()
        .map(|domain| UploadDomainDto {
            is_default: default == Some(domain.domain.as_str()),
            selected: selected == Some(domain.domain.as_str()),
            verified: domain.verified,
            domain: domain.domain,
        })
        .collect();
    Json(UploadDomainList { items })
}

/// Selects the account's upload domain (compared case-insensitively); the profile's
/// `uploadDomain` and every generated integration use it from now on.
#[utoipa::path(put, path = "/v1/me/upload-domain", tag = "uploads", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), request_body = UploadDomainSelection, responses(
    (status = 200, body = UploadDomainSelection),
    (status = 400, body = ErrorBody, description = "`domain:not_verified`, `request:invalid_body`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`domain:not_found`: not a domain of this instance"),
))]
pub async fn select_upload_domain(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<UploadDomainSelection>,
) -> Result<Json<UploadDomainSelection>, ApiError> {
    let domain = state.uploads.select(current.user(), &body.domain, &client).await?;
    Ok(Json(UploadDomainSelection { domain }))
}

/// A ShareX custom uploader (`.sxcu`) with the account's upload token and domain. It
/// uploads as `multipart/form-data` (field `file`, plus `domain`) to the configured
/// upload URL with `Authorization: Bearer upl_…`, and reads the link from the answer's
/// `url` (an error from its `message`).
#[utoipa::path(get, path = "/v1/me/integrations/sharex", tag = "uploads", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), responses(
    (status = 200, content_type = "application/json", body = String, description = "The `.sxcu` file, as an attachment"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
    (status = 404, body = ErrorBody, description = "`domain:not_found`: the instance has no upload domain"),
))]
pub async fn sharex(State(state): State<AppState>, CurrentUser(current): CurrentUser) -> Result<Response, ApiError> {
    Ok(attachment(state.uploads.integration(current.user(), Integration::ShareX).await?))
}

/// A bash script for Flameshot: takes a screenshot (`gui` picks a region, `full` every
/// screen, `screen` the one under the pointer; default `gui`) and uploads it with `curl`,
/// printing the link. Given a file name it uploads that file instead. Every value in it
/// is shell-quoted.
#[utoipa::path(post, path = "/v1/me/integrations/flameshot", tag = "uploads", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), request_body(content = FlameshotRequest, description = "Optional"), responses(
    (status = 200, content_type = "text/x-shellscript", body = String, description = "The script, as an attachment"),
    (status = 400, body = ErrorBody, description = "`request:invalid_body` (an unknown `mode`)"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`domain:not_found`: the instance has no upload domain"),
))]
pub async fn flameshot(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    OptionalJson(body): OptionalJson<FlameshotRequest>,
) -> Result<Response, ApiError> {
    let capture = match body.mode.unwrap_or_default() {
        FlameshotMode::Gui => Capture::Region,
        FlameshotMode::Full => Capture::Full,
        FlameshotMode::Screen => Capture::Screen,
    };
    Ok(attachment(state.uploads.integration(current.user(), Integration::Flameshot(capture)).await?))
}

/// A bash script for Spectacle (`region`, `full` or `window`; default `region`), as the
/// Flameshot one.
#[utoipa::path(post, path = "/v1/me/integrations/spectacle", tag = "uploads", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), request_body(content = SpectacleRequest, description = "Optional"), responses(
    (status = 200, content_type = "text/x-shellscript", body = String, description = "The script, as an attachment"),
    (status = 400, body = ErrorBody, description = "`request:invalid_body` (an unknown `mode`)"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`domain:not_found`: the instance has no upload domain"),
))]
pub async fn spectacle(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    OptionalJson(body): OptionalJson<SpectacleRequest>,
) -> Result<Response, ApiError> {
    let capture = match body.mode.unwrap_or_default() {
        SpectacleMode::Region => Capture::Region,
        SpectacleMode::Full => Capture::Full,
        SpectacleMode::Window => Capture::Window,
    };
    Ok(attachment(state.uploads.integration(current.user(), Integration::Spectacle(capture)).await?))
}

/// A bash script that uploads the file it is given with `curl` and prints the link.
#[utoipa::path(get, path = "/v1/me/integrations/bash", tag = "uploads", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), responses(
    (status = 200, content_type = "text/x-shellscript", body = String, description = "The script, as an attachment"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
    (status = 404, body = ErrorBody, description = "`domain:not_found`: the instance has no upload domain"),
))]
pub async fn bash(State(state): State<AppState>, CurrentUser(current): CurrentUser) -> Result<Response, ApiError> {
    Ok(attachment(state.uploads.integration(current.user(), Integration::Bash).await?))
}

/// Posts a Discord embed to the profile's `discordWebhookUrl` now (5 s timeout). The URL
/// is checked again (every address its host resolves to, and every redirect, at most
/// three) as when it was saved; the message mentions no one.
#[utoipa::path(post, path = "/v1/me/discord-webhook/test", tag = "uploads", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), responses(
    (status = 200, body = WebhookTestDto),
    (status = 400, body = ErrorBody, description = "`webhook:not_configured`; `webhook:forbidden_target` (the host or a redirect leads to a forbidden address now)"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`, `auth:csrf_rejected`"),
    (status = 502, body = ErrorBody, description = "`webhook:rejected`: no answer in time, or an answer other than 2xx"),
))]
pub async fn test_webhook(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<Json<WebhookTestDto>, ApiError> {
    state.webhooks.test(current.user()).await?;
    Ok(Json(WebhookTestDto { delivered: true }))
}

fn attachment(file: GeneratedFile) -> Response {
    // The name is made of [A-Za-z0-9._-] only, so it needs no escaping in the header.
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    ([(header::CONTENT_TYPE, file.content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], file.body)
        .into_response()
}
