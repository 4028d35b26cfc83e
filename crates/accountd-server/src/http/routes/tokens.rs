//! Personal access tokens, the upload token, introspection and the account's limits.

use accountd_core::scope::Scope;
use accountd_core::token::TokenKind;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use secrecy::{ExposeSecret as _, SecretString};

use crate::http::dto::{
    ActiveTokenDto, CreateTokenRequest, CreatedTokenDto, IntrospectRequest, IntrospectionDto, LimitsDto,
    PersonalAccessTokenDto, TokenList, UploadTokenDto,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, Client, CurrentSession, CurrentUser, IntrospectionCaller, PathParam};
use crate::http::AppState;
use accountd_core::TokenId;

/// The account's personal access tokens (never their secrets). Sessions only.
#[utoipa::path(get, path = "/v1/me/tokens", tag = "tokens", security(("session" = []), ("cookie" = [])), responses(
    (status = 200, body = TokenList),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:session_required` for a personal access token"),
))]
pub async fn list_tokens(
    State(state): State<AppState>,
    CurrentSession(current): CurrentSession,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = state.tokens.list_pats(current.user().id).await?;
    Ok(Json(TokenList { items: tokens.iter().map(PersonalAccessTokenDto::from).collect() }))
}

/// Creates a personal access token; its secret is in this answer only. Sessions only.
#[utoipa::path(post, path = "/v1/me/tokens", tag = "tokens", security(("session" = []), ("cookie" = [])), request_body = CreateTokenRequest, responses(
    (status = 201, body = CreatedTokenDto),
    (status = 400, body = ErrorBody, description = "`token:invalid_scope`, `validation:invalid_input` (name, expiresInDays), `request:invalid_body`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:session_required`, `auth:csrf_rejected`"),
    (status = 409, body = ErrorBody, description = "`limit:exceeded`"),
))]
pub async fn create_token(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentSession(current): CurrentSession,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreatedTokenDto>), ApiError> {
    let (token, secret) =
        state.tokens.create_pat(current.user(), &body.name, &body.scopes, body.expires_in_days, &client).await?;
    let created =
        CreatedTokenDto { details: PersonalAccessTokenDto::from(&token), token: secret.expose_secret().to_string() };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a personal access token; it stops working on the next request. Sessions only.
#[utoipa::path(delete, path = "/v1/me/tokens/{id}", tag = "tokens", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:session_required`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`token:not_found`, also for another account's token"),
))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentSession(current): CurrentSession,
    PathParam(id): PathParam<TokenId>,
) -> Result<StatusCode, ApiError> {
    state.tokens.revoke_pat(current.user().id, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's upload token, made on the first read and the same on later reads.
#[utoipa::path(get, path = "/v1/me/upload-token", tag = "tokens", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), responses(
    (status = 200, body = UploadTokenDto),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
))]
pub async fn get_upload_token(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<Json<UploadTokenDto>, ApiError> {
    let (token, created_at) = state.tokens.upload_token(current.user().id).await?;
    Ok(Json(upload_token_dto(&token, created_at)))
}

/// A new upload token; the old one stops working at once.
#[utoipa::path(post, path = "/v1/me/upload-token", tag = "tokens", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), responses(
    (status = 200, body = UploadTokenDto),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`, `auth:csrf_rejected`"),
))]
pub async fn regenerate_upload_token(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
) -> Result<Json<UploadTokenDto>, ApiError> {
    let (token, created_at) = state.tokens.regenerate_upload_token(current.user().id, &client).await?;
    Ok(Json(upload_token_dto(&token, created_at)))
}

fn upload_token_dto(token: &SecretString, created_at: chrono::DateTime<chrono::Utc>) -> UploadTokenDto {
    UploadTokenDto { token: token.expose_secret().to_string(), created_at }
}

/// The account's limits and what counts against them.
#[utoipa::path(get, path = "/v1/me/limits", tag = "me", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), responses(
    (status = 200, body = LimitsDto),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
))]
pub async fn limits(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<Json<LimitsDto>, ApiError> {
    let usage = state.tokens.usage(current.user().id).await?;
    Ok(Json(LimitsDto::from(&usage)))
}

/// For the operator's other services: what a token is and whose. Authenticated with
/// the configured introspection secret as a bearer token; `404` when none is configured.
#[utoipa::path(post, path = "/v1/auth/introspect", tag = "tokens", security(("introspection" = [])), request_body = IntrospectRequest, responses(
    (status = 200, body = IntrospectionDto, description = "`{\"active\": false}` for an unknown, expired or revoked token or a banned account"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`: a missing or wrong secret"),
    (status = 404, body = ErrorBody, description = "`request:not_found`: introspection is not configured"),
))]
pub async fn introspect(
    State(state): State<AppState>,
    _caller: IntrospectionCaller,
    ApiJson(body): ApiJson<IntrospectRequest>,
) -> Result<Json<IntrospectionDto>, ApiError> {
    let details = state.tokens.introspect(&body.token).await?.map(|active| ActiveTokenDto {
        kind: match active.kind {
            TokenKind::Session => "session",
            TokenKind::PersonalAccess => "pat",
            TokenKind::Upload => "upload",
        },
        user_id: active.user.id.as_uuid(),
        username: active.user.username.as_str().to_owned(),
        scopes: active.scopes.iter().map(|scope: &Scope| scope.as_str()).collect(),
        expires_at: active.expires_at,
    });
    Ok(Json(IntrospectionDto { active: details.is_some(), details }))
}
