//! Two-factor authentication of the signed-in account (TOTP and recovery codes).

use accountd_core::DomainError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::ExposeSecret as _;

use crate::http::dto::{
    EmailCodeSent, EnableTwoFactorRequest, ReauthRequest, RecoveryCodesQuery, RecoveryCodesRegenerated,
    RecoveryCodesStatus, TwoFactorEnabled, TwoFactorSetup, TwoFactorSetupRequest, TwoFactorStatus,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiQuery, Client, CurrentUser};
use crate::http::AppState;
use crate::usecases::two_factor::EnableOutcome;

/// Whether two-factor authentication is on, and how many recovery codes are left.
#[utoipa::path(get, path = "/v1/me/2fa", tag = "2fa", security(("session" = []), ("cookie" = [])), responses(
    (status = 200, body = TwoFactorStatus),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
))]
pub async fn status(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<Json<TwoFactorStatus>, ApiError> {
    let status = state.two_factor.status(current.user().id).await?;
    Ok(Json(TwoFactorStatus {
        enabled: status.enabled,
        enabled_at: status.enabled_at,
        recovery_codes_remaining: status.recovery_codes_remaining,
        pending_setup: status.pending_setup,
    }))
}

/// Starts a setup: a new secret, its `otpauth://` URI and a QR code of it. Setup again replaces a pending secret.
///
/// Needs the password when the account has one; wrong passwords count toward the account's login limit.
#[utoipa::path(post, path = "/v1/me/2fa/setup", tag = "2fa", security(("session" = []), ("cookie" = [])), request_body = TwoFactorSetupRequest, responses(
    (status = 200, body = TwoFactorSetup),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials` (wrong or missing password), `auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`"),
    (status = 409, body = ErrorBody, description = "`2fa:already_enabled`"),
    (status = 429, body = ErrorBody, description = "`rate_limited`: the account is past its login or second-factor limit"),
))]
pub async fn setup(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<TwoFactorSetupRequest>,
) -> Result<Json<TwoFactorSetup>, ApiError> {
    let setup = state.two_factor.setup(current.user(), body.password, &client).await?;
    Ok(Json(TwoFactorSetup {
        secret: setup.secret.expose_secret().to_string(),
        otpauth_uri: setup.otpauth_uri.expose_secret().to_string(),
        qr_code: setup.qr_code.expose_secret().to_string(),
    }))
}

/// Turns two-factor on with a code from the app and the password (when the account has one); answers the 10
/// recovery codes.
///
/// When configuration asks for email confirmation, the first call with a right code answers `202` and mails a
/// 6-digit code; the second call carries both `code` and `emailCode`.
#[utoipa::path(post, path = "/v1/me/2fa/enable", tag = "2fa", security(("session" = []), ("cookie" = [])), request_body = EnableTwoFactorRequest, responses(
    (status = 200, body = TwoFactorEnabled),
    (status = 202, body = EmailCodeSent, description = "A confirmation code was mailed"),
    (status = 400, body = ErrorBody, description = "`2fa:invalid_code` (wrong, used or expired code or email code)"),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials` (wrong or missing password), `auth:unauthenticated`"),
    (status = 409, body = ErrorBody, description = "`2fa:no_pending_setup`, `2fa:already_enabled`"),
    (status = 429, body = ErrorBody, description = "`rate_limited`: the account is past its login or second-factor limit"),
))]
pub async fn enable(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<EnableTwoFactorRequest>,
) -> Result<Response, ApiError> {
    let outcome =
        state.two_factor.enable(current.user(), body.password, &body.code, body.email_code.as_deref(), &client).await?;
    match outcome {
        EnableOutcome::EmailCodeSent => {
            Ok((StatusCode::ACCEPTED, Json(EmailCodeSent { email_code_sent: true })).into_response())
        }
        EnableOutcome::Enabled { recovery_codes } => {
            Ok(Json(TwoFactorEnabled { enabled: true, recovery_codes }).into_response())
        }
    }
}

/// Turns two-factor off; needs a TOTP or recovery code, and the password when the account has one.
#[utoipa::path(delete, path = "/v1/me/2fa", tag = "2fa", security(("session" = []), ("cookie" = [])), request_body = ReauthRequest, responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials` (wrong or missing password), `2fa:invalid_code`, `auth:unauthenticated`"),
    (status = 409, body = ErrorBody, description = "`2fa:not_enabled`"),
))]
pub async fn disable(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<ReauthRequest>,
) -> Result<StatusCode, ApiError> {
    state.two_factor.disable(current.user(), body.password, body.code.as_deref(), &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many recovery codes are left; `includeCodes=true` shows them to a session, the first time it is asked
/// within 15 minutes of their generation.
///
/// A personal access token asking with `includeCodes=true` gets `403` `auth:session_required`, and the codes stay
/// unshown.
#[utoipa::path(get, path = "/v1/me/2fa/recovery-codes", tag = "2fa", security(("session" = []), ("cookie" = [])), params(RecoveryCodesQuery), responses(
    (status = 200, body = RecoveryCodesStatus),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:session_required` (`includeCodes=true` with a personal access token), `auth:insufficient_scope`"),
    (status = 409, body = ErrorBody, description = "`2fa:not_enabled`"),
))]
pub async fn recovery_codes(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    ApiQuery(query): ApiQuery<RecoveryCodesQuery>,
) -> Result<Json<RecoveryCodesStatus>, ApiError> {
    let include_codes = query.include_codes.unwrap_or(false);
    if include_codes && current.session_id().is_none() {
        return Err(DomainError::SessionRequired.into());
    }
    let codes = state.two_factor.recovery_codes(current.user().id, include_codes).await?;
    Ok(Json(RecoveryCodesStatus {
        total: codes.total,
        remaining: codes.remaining,
        generated_at: codes.generated_at,
        codes: codes.codes,
    }))
}

/// Makes 10 new recovery codes; the old ones stop working at once. Needs a code (and the password when set).
#[utoipa::path(post, path = "/v1/me/2fa/recovery-codes", tag = "2fa", security(("session" = []), ("cookie" = [])), request_body = ReauthRequest, responses(
    (status = 200, body = RecoveryCodesRegenerated),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials`, `2fa:invalid_code`, `auth:unauthenticated`"),
    (status = 409, body = ErrorBody, description = "`2fa:not_enabled`"),
))]
pub async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<ReauthRequest>,
) -> Result<Json<RecoveryCodesRegenerated>, ApiError> {
    let recovery_codes = state
        .two_factor
        .regenerate_recovery_codes(current.user(), body.password, body.code.as_deref(), &client)
        .await?;
    Ok(Json(RecoveryCodesRegenerated { recovery_codes }))
}
