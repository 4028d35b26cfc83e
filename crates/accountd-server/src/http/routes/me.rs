//! The signed-in account: profile, sessions, login history.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::cookies;

use crate::http::dto::{
    AccountDeleted, ListOf, LoginHistoryEntry, PageQuery, Profile, ReauthRequest, RevokeAllQuery, SessionDto,
    SessionList, UpdateProfileRequest,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiQuery, Client, CurrentSession, CurrentUser, PathParam};
use crate::http::AppState;
use crate::usecases::Paging;
use accountd_core::SessionId;

/// The account of the session.
#[utoipa::path(get, path = "/v1/me", tag = "me", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), responses(
    (status = 200, body = Profile),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
))]
pub async fn get_me(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<Json<Profile>, ApiError> {
    let account = state.profiles.of_principal(&current).await?;
    Ok(Json(Profile::of(&account, &state.web)))
}

/// Changes the profile. Absent fields stay; `preferences` and `notifications` change only the fields given.
///
/// `displayName` and `bio` are NFC-normalised and refuse control characters (line feeds
/// are allowed in `bio`), bidirectional overrides and isolates, zero-width characters
/// other than U+200D, and byte-order marks. `discordWebhookUrl` must be an https URL
/// without a user name or password; a host that is `localhost` (or under it), or an
/// address that is loopback, private (RFC 1918, unique local), carrier-grade NAT,
/// link-local, cloud metadata, unspecified, multicast, broadcast, documentation or
/// reserved (IPv4-mapped and other embedding forms included), or a name that resolves to
/// one, gets `webhook:forbidden_target`. `webhooks.allow_private_targets` opens the
/// loopback, private and carrier-grade NAT ranges (never `localhost`, link-local or
/// metadata). A name that does not resolve when it is saved is accepted; every delivery
/// resolves and checks it again and connects only to the address it checked.
#[utoipa::path(patch, path = "/v1/me", tag = "me", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), request_body = UpdateProfileRequest, responses(
    (status = 200, body = Profile),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input` with `fields` (a `discordWebhookUrl` that is not https or carries credentials included); `webhook:forbidden_target`; `request:invalid_body` (including an unknown `theme`)"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`, `auth:insufficient_scope`"),
))]
pub async fn update_me(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<UpdateProfileRequest>,
) -> Result<Json<Profile>, ApiError> {
    let user = state.accounts.update_profile(current.user(), body.into(), &client).await?;
    Ok(Json(Profile::of(&state.profiles.of(&user).await?, &state.web)))
}

/// Deletes the account and everything of it; the email and username are free again. A goodbye mail is sent.
#[utoipa::path(delete, path = "/v1/me", tag = "me", security(("session" = []), ("cookie" = [])), request_body = ReauthRequest, responses(
    (status = 200, body = AccountDeleted),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials` (wrong or missing password), `2fa:invalid_code` (wrong or missing code when two-factor is on), `auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`"),
    (status = 409, body = ErrorBody, description = "`admin:last_admin`: the last administrator cannot delete itself"),
))]
pub async fn delete_me(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<ReauthRequest>,
) -> Result<Response, ApiError> {
    let deleted_at = state.deletion.delete(current.user(), body.password, body.code.as_deref(), &client).await?;
    Ok(([(header::SET_COOKIE, cookies::cleared_cookie(state.web.secure_cookies))], Json(AccountDeleted { deleted_at }))
        .into_response())
}

/// The account's live sessions, newest first.
#[utoipa::path(get, path = "/v1/me/sessions", tag = "sessions", security(("session" = []), ("cookie" = [])), responses(
    (status = 200, body = SessionList),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
))]
pub async fn list_sessions(
    State(state): State<AppState>,
    CurrentSession(current): CurrentSession,
) -> Result<Json<SessionList>, ApiError> {
    let sessions = state.sessions.list(current.user().id).await?;
    let items = sessions.iter().map(|session| SessionDto::new(session, session.id == current.session.id)).collect();
    Ok(Json(SessionList { items }))
}

/// Revokes every session, the current one too unless `keepCurrent=true`.
#[utoipa::path(delete, path = "/v1/me/sessions", tag = "sessions", security(("session" = []), ("cookie" = [])), params(RevokeAllQuery), responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`"),
))]
pub async fn revoke_sessions(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentSession(current): CurrentSession,
    ApiQuery(query): ApiQuery<RevokeAllQuery>,
) -> Result<StatusCode, ApiError> {
    state.sessions.revoke_all(&current, query.keep_current.unwrap_or(false), &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes one session of the account.
#[utoipa::path(delete, path = "/v1/me/sessions/{id}", tag = "sessions", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 404, body = ErrorBody, description = "`session:not_found`, also for another account's session"),
))]
pub async fn revoke_session(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentSession(current): CurrentSession,
    PathParam(id): PathParam<SessionId>,
) -> Result<StatusCode, ApiError> {
    state.sessions.revoke(&current, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Login attempts against the account, newest first.
#[utoipa::path(get, path = "/v1/me/login-history", tag = "sessions", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), params(PageQuery), responses(
    (status = 200, body = ListOf<LoginHistoryEntry>),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
))]
pub async fn login_history(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<ListOf<LoginHistoryEntry>>, ApiError> {
    let paging = Paging::new(query.limit, query.offset)?;
    let page = state.sessions.login_history(current.user().id, paging).await?;
    Ok(Json(ListOf {
        items: page.items.iter().map(LoginHistoryEntry::from).collect(),
        total: page.total,
        limit: paging.limit,
        offset: paging.offset,
    }))
}
