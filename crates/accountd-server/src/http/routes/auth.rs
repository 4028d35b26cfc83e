//! Login and logout.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::cookies;
use crate::http::dto::{AuthResponse, LoginAnswer, LoginRequest, LoginSecondStepRequest, MfaRequired};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, Client, CurrentSession};
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::usecases::sessions::LoginOutcome;
use crate::usecases::two_factor::LoginCode;
use secrecy::ExposeSecret as _;

/// Signs in with an email or username and a password.
///
/// Accounts with two-factor authentication answer `{"mfaRequired": true, "mfaToken", "methods"}` instead of
/// a session (no cookie); the login finishes at `POST /v1/auth/login/2fa`.
///
/// Failed logins are counted per account and client prefix (an IPv4 address or an IPv6 /64,
/// `ACCOUNTD_RATE_LIMIT__IPV6_PREFIX`): past `ACCOUNTD_RATE_LIMIT__LOGIN_FAILURES` (10) in the window (15 minutes)
/// that prefix gets `429` for the account, so a stranger failing on purpose does not lock the owner out from
/// elsewhere. Guessing spread over many prefixes is bounded by an account-wide ceiling
/// (`ACCOUNTD_RATE_LIMIT__ACCOUNT_LOGIN_FAILURES`, 100): past it every prefix gets `429` until the window passes,
/// and the owner gets one mail per lock (not one per failure). Identifiers no account has are counted the same
/// way (stored only as a hash) and answer the same, `401` then `429`, so the limit reveals nothing.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = LoginAnswer, description = "Signed in (the session is also set as the `accountd_session` cookie), or with two-factor on `MfaRequired` (no session, no cookie)."),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials`: the same body whether or not the account exists"),
    (status = 403, body = ErrorBody, description = "`auth:account_banned`, `auth:email_not_verified`"),
    (status = 429, body = ErrorBody, description = "`rate_limited`: too many failures for this account from this client prefix, or from everywhere; the right password included. `Retry-After` says when to try again"),
    (status = 503, body = ErrorBody, description = "`server:overloaded`: too many logins at once; retry after `Retry-After` seconds"),
))]
pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let outcome = state.sessions.login(&body.identifier, body.password, &client).await?;
    login_answer(&state, outcome).await
}

/// The answer to a passed first factor (a password, or a social login): a session and
/// its cookie, or the second step when the account has two-factor authentication on.
pub async fn login_answer(state: &AppState, outcome: LoginOutcome) -> Result<Response, ApiError> {
    match outcome {
        LoginOutcome::SignedIn { user, session } => Ok(SignedIn::new(state, &user, &session).await?.into_response()),
        LoginOutcome::MfaRequired { mfa_token, methods } => Ok(Json(MfaRequired {
            mfa_required: true,
            mfa_token: mfa_token.expose_secret().to_string(),
            methods: methods.to_vec(),
        })
        .into_response()),
    }
}

/// The second step of a login with two-factor authentication: the `mfaToken` and a TOTP or recovery code, or
/// a passkey of the account (`challengeId` from `POST /v1/auth/login/2fa/passkey-options` and `credential`,
/// an `AuthenticationResponseJSON`).
///
/// A failed passkey assertion gets `401` `passkey:invalid_response` and counts as a wrong code toward the five.
///
/// A TOTP code is accepted once; five wrong codes invalidate the `mfaToken`. Wrong codes also count per account,
/// across mfaTokens and client addresses: past `ACCOUNTD_RATE_LIMIT__SECOND_FACTOR_FAILURES` (10) in the login
/// window this step answers `429` for the account, the right code included, and the owner is mailed once.
#[utoipa::path(post, path = "/v1/auth/login/2fa", tag = "auth", request_body = LoginSecondStepRequest, responses(
    (status = 200, body = AuthResponse, description = "Signed in; the session is also set as the `accountd_session` cookie."),
    (status = 400, body = ErrorBody, description = "`request:invalid_body`"),
    (status = 401, body = ErrorBody, description = "`2fa:invalid_code` (wrong, used or replayed code); `passkey:invalid_response` (a passkey assertion that fails); `auth:mfa_token_invalid` (unknown, used, expired or burned by five wrong codes)"),
    (status = 403, body = ErrorBody, description = "`auth:account_banned`"),
    (status = 404, body = ErrorBody, description = "`request:not_found`: a passkey proof when passkeys are off on this server"),
    (status = 429, body = ErrorBody, description = "`rate_limited`: too many wrong codes for this account; `Retry-After` says when to try again"),
))]
pub async fn login_second_step(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<LoginSecondStepRequest>,
) -> Result<Response, ApiError> {
    // Exactly one complete proof, as the document's `oneOf` states: a passkey proof is
    // `challengeId` with `credential`, and half of one is no proof.
    let passkey = body.challenge_id.zip(body.credential);
    let (user, session) = match (body.code, body.recovery_code, passkey) {
        (None, None, Some((challenge_id, credential))) => {
            state.passkeys.complete_second_factor(&body.mfa_token, challenge_id, credential, &client).await?
        }
        (Some(code), None, None) => {
            state.two_factor.complete_login(&body.mfa_token, LoginCode::Code(code), &client).await?
        }
        (None, Some(code), None) => {
            state.two_factor.complete_login(&body.mfa_token, LoginCode::RecoveryCode(code), &client).await?
        }
        _ => {
            return Err(ApiError::invalid_body(
                "Send exactly one of `code`, `recoveryCode`, or `challengeId` with `credential`.",
            ))
        }
    };
    Ok(SignedIn::new(&state, &user, &session).await?.into_response())
}

/// Revokes the current session and clears the cookie.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", security(("session" = []), ("cookie" = [])), responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`"),
))]
pub async fn logout(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentSession(current): CurrentSession,
) -> Result<Response, ApiError> {
    state.sessions.logout(&current, &client).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookies::cleared_cookie(state.web.secure_cookies))])
        .into_response())
}
