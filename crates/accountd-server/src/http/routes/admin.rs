//! Administration: `/v1/admin/*`, for sessions of accounts with the role `admin`.

use accountd_core::{DomainError, UserId};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::http::dto::{AdminActivityDto, AdminActivityQuery, AdminSearchQuery, AdminUserPatch, ListOf, Profile};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, ApiJson, ApiQuery, Client, PathParam};
use crate::http::AppState;
use crate::usecases::Paging;

/// Every account (banned ones too), optionally those whose email, username or display name starts with `query`.
#[utoipa::path(get, path = "/v1/admin/users", tag = "admin", security(("session" = []), ("cookie" = [])), params(AdminSearchQuery), responses(
    (status = 200, body = ListOf<Profile>),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:forbidden` for non-admins; `auth:session_required` for a personal access token"),
))]
pub async fn list_users(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiQuery(query): ApiQuery<AdminSearchQuery>,
) -> Result<Json<ListOf<Profile>>, ApiError> {
    let paging = Paging::new(query.limit, query.offset)?;
    let page = state.admin.list(query.query.as_deref(), paging).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for user in &page.items {
        items.push(Profile::of(&state.profiles.of(user).await?, &state.web));
    }
    Ok(Json(ListOf { items, total: page.total, limit: paging.limit, offset: paging.offset }))
}

/// One account.
#[utoipa::path(get, path = "/v1/admin/users/{id}", tag = "admin", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 200, body = Profile),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:forbidden`"),
    (status = 404, body = ErrorBody, description = "`user:not_found`"),
))]
pub async fn get_user(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    PathParam(id): PathParam<UserId>,
) -> Result<Json<Profile>, ApiError> {
    let user = state.admin.get(id).await?;
    Ok(Json(Profile::of(&state.profiles.of(&user).await?, &state.web)))
}

/// Changes an account's role, ban, email verification or limits. A ban ends every
/// session and token of the account at once and blocks its login. Administrators may
/// demote and ban other administrators, but not ban themselves, and the last
/// administrator that is not banned cannot be demoted or banned.
#[utoipa::path(patch, path = "/v1/admin/users/{id}", tag = "admin", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), request_body = AdminUserPatch, responses(
    (status = 200, body = Profile),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input`, `request:invalid_body`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:forbidden`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`user:not_found`"),
    (status = 409, body = ErrorBody, description = "`admin:self` (banning oneself), `admin:last_admin`"),
))]
pub async fn update_user(
    State(state): State<AppState>,
    Client(client): Client,
    Admin(admin): Admin,
    PathParam(id): PathParam<UserId>,
    ApiJson(body): ApiJson<AdminUserPatch>,
) -> Result<Json<Profile>, ApiError> {
    let user = state.admin.update(&admin, id, body.into(), &client).await?;
    Ok(Json(Profile::of(&state.profiles.of(&user).await?, &state.web)))
}

/// Deletes an account as `DELETE /v1/me` does (every record of it, its activity history,
/// the goodbye mail); its email and username are free again. The last administrator that
/// is not banned cannot be deleted.
#[utoipa::path(delete, path = "/v1/admin/users/{id}", tag = "admin", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:forbidden`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`user:not_found`"),
    (status = 409, body = ErrorBody, description = "`admin:last_admin`"),
))]
pub async fn delete_user(
    State(state): State<AppState>,
    Client(client): Client,
    Admin(admin): Admin,
    PathParam(id): PathParam<UserId>,
) -> Result<StatusCode, ApiError> {
    state.deletion.delete_by_admin(&admin, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of an account.
#[utoipa::path(delete, path = "/v1/admin/users/{id}/sessions", tag = "admin", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:forbidden`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`user:not_found`"),
))]
pub async fn revoke_user_sessions(
    State(state): State<AppState>,
    Client(client): Client,
    Admin(admin): Admin,
    PathParam(id): PathParam<UserId>,
) -> Result<StatusCode, ApiError> {
    state.admin.revoke_sessions(&admin, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Activity of every account, newest first; filter with `userId` and `action`.
#[utoipa::path(get, path = "/v1/admin/activity", tag = "admin", security(("session" = []), ("cookie" = [])), params(AdminActivityQuery), responses(
    (status = 200, body = ListOf<AdminActivityDto>),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input` (a `userId` that is not a UUID), `request:invalid_query`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:forbidden`"),
))]
pub async fn activity(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiQuery(query): ApiQuery<AdminActivityQuery>,
) -> Result<Json<ListOf<AdminActivityDto>>, ApiError> {
    let paging = Paging::new(query.limit, query.offset)?;
    let user = match query.user_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => Some(id.parse::<UserId>().map_err(|_| DomainError::field("userId", "must be a UUID"))?),
        None => None,
    };
    let page = state.admin.activity(user, query.action.as_deref(), paging).await?;
    Ok(Json(ListOf {
        items: page.items.iter().map(AdminActivityDto::from).collect(),
        total: page.total,
        limit: paging.limit,
        offset: paging.offset,
    }))
}
