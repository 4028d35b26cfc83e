//! The flows a link in a mail finishes: verification, password reset, email change.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::http::dto::{EmailVerified, ForgotPasswordRequest, Profile, ResetPasswordRequest, TokenRequest};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, Client, CurrentSession};
use crate::http::AppState;

/// Confirms the account's email with the token from the verification mail.
#[utoipa::path(post, path = "/v1/auth/verify-email", tag = "email", request_body = TokenRequest, responses(
    (status = 200, body = EmailVerified),
    (status = 400, body = ErrorBody, description = "`token:invalid`: unknown, used or expired"),
))]
pub async fn verify_email(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Json<EmailVerified>, ApiError> {
    state.flows.verify_email(&body.token, &client).await?;
    Ok(Json(EmailVerified { email_verified: true }))
}

/// Sends the verification mail again.
#[utoipa::path(post, path = "/v1/auth/resend-verification", tag = "email", security(("session" = []), ("cookie" = [])), responses(
    (status = 202, description = "Sent; or, past the cap of 5 mails per recipient per 15 minutes, withheld"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 409, body = ErrorBody, description = "`email:already_verified`"),
    (status = 429, body = ErrorBody, description = "`rate_limited`: too many requests from this client; see `Retry-After`"),
))]
pub async fn resend_verification(
    State(state): State<AppState>,
    CurrentSession(current): CurrentSession,
) -> Result<StatusCode, ApiError> {
    state.flows.resend_verification(current.user()).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Mails a password reset link when the address belongs to an account.
///
/// Always `202`, as fast for unknown addresses as for known ones, so it tells nobody which addresses have accounts.
#[utoipa::path(post, path = "/v1/auth/forgot-password", tag = "email", request_body = ForgotPasswordRequest, responses(
    (status = 202, description = "Accepted, whether or not the address has an account"),
    (status = 400, body = ErrorBody, description = "`request:invalid_body`"),
))]
pub async fn forgot_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ForgotPasswordRequest>,
) -> StatusCode {
    state.flows.forgot_password(&body.email);
    StatusCode::ACCEPTED
}

/// Sets a new password with the token from the reset mail. Every session and personal
/// access token of the account is revoked, the upload token replaced, and links mailed
/// earlier stop working. If the email had never been verified, the reset also removes
/// two-factor, linked identities and additional addresses, and marks the email verified.
#[utoipa::path(post, path = "/v1/auth/reset-password", tag = "email", request_body = ResetPasswordRequest, responses(
    (status = 204),
    (status = 400, body = ErrorBody, description = "`token:invalid`, `password:too_short`, `password:too_long`, `password:too_weak`, `password:common`, `password:reused`"),
))]
pub async fn reset_password(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<ResetPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    state.flows.reset_password(&body.token, body.new_password, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Switches the account to the new address with the token mailed to it; the new address counts as verified.
#[utoipa::path(post, path = "/v1/auth/confirm-email-change", tag = "email", request_body = TokenRequest, responses(
    (status = 200, body = Profile),
    (status = 400, body = ErrorBody, description = "`token:invalid`"),
    (status = 409, body = ErrorBody, description = "`user:email_taken`: another account took the address meanwhile"),
))]
pub async fn confirm_email_change(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Json<Profile>, ApiError> {
    let user = state.flows.confirm_email_change(&body.token, &client).await?;
    Ok(Json(Profile::of(&state.profiles.of(&user).await?, &state.web)))
}
