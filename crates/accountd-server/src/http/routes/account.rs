//! Changing the account's credentials and identity: password, username, email.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::http::dto::{ChangeEmailRequest, ChangePasswordRequest, ChangeUsernameRequest, PendingEmail, Profile};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, Client, CurrentUser};
use crate::http::AppState;

/// Changes the password (or sets a first one on a social-only account); every other session is revoked.
#[utoipa::path(put, path = "/v1/me/password", tag = "me", security(("session" = []), ("cookie" = [])), request_body = ChangePasswordRequest, responses(
    (status = 204),
    (status = 400, body = ErrorBody, description = "`password:reused` (one of the last five, the current one included), `password:too_short`, `password:too_long`, `password:too_weak`, `password:common`"),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials` (wrong or missing current password), `auth:unauthenticated`"),
))]
pub async fn change_password(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .flows
        .change_password(current.user(), current.session_id(), body.current_password, body.new_password, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the username; the old one is free again.
#[utoipa::path(put, path = "/v1/me/username", tag = "me", security(("session" = []), ("cookie" = [])), request_body = ChangeUsernameRequest, responses(
    (status = 200, body = Profile),
    (status = 400, body = ErrorBody, description = "`validation:invalid_username`, `validation:reserved_username`"),
    (status = 409, body = ErrorBody, description = "`user:username_taken`"),
))]
pub async fn change_username(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<ChangeUsernameRequest>,
) -> Result<Json<Profile>, ApiError> {
    let user = state.flows.change_username(current.user(), &body.username, &client).await?;
    Ok(Json(Profile::of(&state.profiles.of(&user).await?, &state.web)))
}

/// Starts an email change: a confirmation link goes to the new address; the account keeps its address until then.
#[utoipa::path(post, path = "/v1/me/email", tag = "me", security(("session" = []), ("cookie" = [])), request_body = ChangeEmailRequest, responses(
    (status = 202, body = PendingEmail),
    (status = 400, body = ErrorBody, description = "`validation:invalid_email`, `validation:invalid_input` (the current address)"),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials` (wrong or missing password), `2fa:invalid_code` (wrong, missing or used code when two-factor is on)"),
    (status = 409, body = ErrorBody, description = "`user:email_taken`"),
    (status = 429, body = ErrorBody, description = "`rate_limited`"),
))]
pub async fn request_email_change(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<ChangeEmailRequest>,
) -> Result<(StatusCode, Json<PendingEmail>), ApiError> {
    let pending = state
        .flows
        .request_email_change(current.user(), &body.email, body.password, body.code.as_deref(), &client)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(PendingEmail { pending_email: pending.email, expires_at: pending.expires_at })))
}

/// Sends the confirmation of the pending email change again (with a new link; the old one stops working).
#[utoipa::path(post, path = "/v1/me/email/resend", tag = "me", security(("session" = []), ("cookie" = [])), responses(
    (status = 202, body = PendingEmail, description = "Sent; or, past the cap of 5 mails per recipient per 15 minutes, withheld"),
    (status = 409, body = ErrorBody, description = "`email:no_pending_change`"),
))]
pub async fn resend_email_change(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<(StatusCode, Json<PendingEmail>), ApiError> {
    let pending = state.flows.resend_email_change(current.user()).await?;
    Ok((StatusCode::ACCEPTED, Json(PendingEmail { pending_email: pending.email, expires_at: pending.expires_at })))
}
