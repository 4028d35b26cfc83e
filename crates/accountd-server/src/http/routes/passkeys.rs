//! Passkeys (WebAuthn) of the signed-in account, passkey login, and sign-in by email.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::dto::{
    EmailLoginRequest, EmailLoginVerifyRequest, PasskeyDto, PasskeyList, PasskeyLoginOptionsRequest,
    PasskeyLoginRequest, PasskeyOptions, PasskeySecondStepOptionsRequest, ReauthRequest, RegisterPasskeyRequest,
    RenamePasskeyRequest,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, Client, CurrentSession, PasskeyId, PathParam};
use crate::http::routes::auth::login_answer;
use crate::http::AppState;
use crate::usecases::email_login::EmailLoginProof;
use crate::usecases::passkeys::CeremonyOptions;

fn options(options: CeremonyOptions) -> Json<PasskeyOptions> {
    Json(PasskeyOptions { challenge_id: options.challenge_id, public_key: options.public_key })
}

/// The account's passkeys (session-only).
///
/// Passkeys are off when the relying-party id cannot work (the public URL's host is an IP address and no
/// `ACCOUNTD_PASSKEYS__RP_ID` is set); then every passkey route answers `404`.
#[utoipa::path(get, path = "/v1/me/passkeys", operation_id = "list_passkeys", tag = "passkeys", security(("session" = []), ("cookie" = [])), responses(
    (status = 200, body = PasskeyList),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:session_required` (a personal access token)"),
    (status = 404, body = ErrorBody, description = "passkeys are off"),
))]
pub async fn list(
    State(state): State<AppState>,
    CurrentSession(current): CurrentSession,
) -> Result<Json<PasskeyList>, ApiError> {
    let passkeys = state.passkeys.list(current.user().id).await?;
    Ok(Json(PasskeyList { items: passkeys.into_iter().map(PasskeyDto::from).collect() }))
}

/// Creation options for a new passkey (resident key required, user verification preferred, the account's
/// passkeys excluded); re-authenticates like other sensitive calls (`password` when the account has one,
/// `code` when two-factor is on).
///
/// Passkey-first sign-up: `POST /v1/users` without `password` answers a session; with it, call this route (no
/// password to give), create the credential in the browser (`navigator.credentials.create` with
/// `PublicKeyCredential.parseCreationOptionsFromJSON(publicKey)`), and send `credential.toJSON()` to
/// `POST /v1/me/passkeys` with the `challengeId`. The account then logs in with the passkey, or by email, and
/// may set a password later with `PUT /v1/me/password` (no `currentPassword`).
#[utoipa::path(post, path = "/v1/me/passkeys/options", tag = "passkeys", security(("session" = []), ("cookie" = [])), request_body = ReauthRequest, responses(
    (status = 200, body = PasskeyOptions),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials` (wrong or missing password), `2fa:invalid_code`, `auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:session_required`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "passkeys are off"),
    (status = 429, body = ErrorBody, description = "`rate_limited`: the account is past its login or second-factor limit"),
))]
pub async fn registration_options(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentSession(current): CurrentSession,
    ApiJson(body): ApiJson<ReauthRequest>,
) -> Result<Json<PasskeyOptions>, ApiError> {
    let ceremony =
        state.passkeys.registration_options(current.user(), body.password, body.code.as_deref(), &client).await?;
    Ok(options(ceremony))
}

/// Registers the passkey the browser created for the options of `challengeId`; the owner is mailed a notice.
#[utoipa::path(post, path = "/v1/me/passkeys", operation_id = "register_passkey", tag = "passkeys", security(("session" = []), ("cookie" = [])), request_body = RegisterPasskeyRequest, responses(
    (status = 201, body = PasskeyDto),
    (status = 400, body = ErrorBody, description = "`passkey:invalid_response` (does not verify; unknown, expired or reused `challengeId`), `validation:invalid_input` (name)"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:session_required`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "passkeys are off"),
    (status = 409, body = ErrorBody, description = "`passkey:already_registered`: this credential belongs to an account already"),
))]
pub async fn register(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentSession(current): CurrentSession,
    ApiJson(body): ApiJson<RegisterPasskeyRequest>,
) -> Result<(StatusCode, Json<PasskeyDto>), ApiError> {
    let passkey = state
        .passkeys
        .register(current.user(), body.challenge_id, body.credential, body.name.as_deref(), &client)
        .await?;
    Ok((StatusCode::CREATED, Json(PasskeyDto::from(passkey))))
}

/// Renames a passkey.
#[utoipa::path(patch, path = "/v1/me/passkeys/{id}", tag = "passkeys", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), request_body = RenamePasskeyRequest, responses(
    (status = 200, body = PasskeyDto),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input`: empty, longer than 64 characters, or control characters"),
    (status = 404, body = ErrorBody, description = "`passkey:not_found`"),
))]
pub async fn rename(
    State(state): State<AppState>,
    CurrentSession(current): CurrentSession,
    PathParam(PasskeyId(id)): PathParam<PasskeyId>,
    ApiJson(body): ApiJson<RenamePasskeyRequest>,
) -> Result<Json<PasskeyDto>, ApiError> {
    let passkey = state.passkeys.rename(current.user().id, id, &body.name).await?;
    Ok(Json(PasskeyDto::from(passkey)))
}

/// Removes a passkey, unless it is the only way left to log in (no password, no linked identity, no other
/// passkey; sign-in by email does not count).
#[utoipa::path(delete, path = "/v1/me/passkeys/{id}", operation_id = "remove_passkey", tag = "passkeys", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 204),
    (status = 404, body = ErrorBody, description = "`passkey:not_found`"),
    (status = 409, body = ErrorBody, description = "`auth:last_login_method`"),
))]
pub async fn remove(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentSession(current): CurrentSession,
    PathParam(PasskeyId(id)): PathParam<PasskeyId>,
) -> Result<StatusCode, ApiError> {
    state.passkeys.remove(current.user().id, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Request options for a passkey login. Without `identifier`: a discoverable credential (empty
/// `allowCredentials`). With one: that account's passkeys; an identifier no account has gets an answer of the
/// same shape.
#[utoipa::path(post, path = "/v1/auth/passkey/options", tag = "passkeys", request_body = PasskeyLoginOptionsRequest, responses(
    (status = 200, body = PasskeyOptions),
    (status = 404, body = ErrorBody, description = "passkeys are off"),
    (status = 429, body = ErrorBody, description = "`rate_limited` (per client IP)"),
))]
pub async fn login_options(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PasskeyLoginOptionsRequest>,
) -> Result<Json<PasskeyOptions>, ApiError> {
    Ok(options(state.passkeys.login_options(body.identifier.as_deref()).await?))
}

/// Logs in with a passkey. With user verification the login is multi-factor and never asks for the TOTP step;
/// without, it counts as one factor and an account with two-factor gets the `mfaRequired` answer.
///
/// The signature counter of a key registered without the backup-eligible flag must move forward (a cloned
/// authenticator is refused); for backup-eligible (synced) keys it is not checked.
#[utoipa::path(post, path = "/v1/auth/passkey/login", operation_id = "passkey_login", tag = "passkeys", request_body = PasskeyLoginRequest, responses(
    (status = 200, body = crate::http::dto::LoginAnswer, description = "Signed in (and the session cookie), or `MfaRequired`"),
    (status = 401, body = ErrorBody, description = "`passkey:invalid_response`: unknown credential, bad signature, wrong origin or RP, unknown/expired/reused `challengeId`, a counter gone backwards"),
    (status = 403, body = ErrorBody, description = "`auth:account_banned`, `auth:email_not_verified`"),
    (status = 404, body = ErrorBody, description = "passkeys are off"),
))]
pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<PasskeyLoginRequest>,
) -> Result<Response, ApiError> {
    let outcome = state.passkeys.login(body.challenge_id, body.credential, &client).await?;
    login_answer(&state, outcome).await
}

/// Request options for the second step of a login with a passkey of the account (`methods` lists `passkey`
/// when it has one); finish with `POST /v1/auth/login/2fa` `{"mfaToken", "challengeId", "credential"}`.
#[utoipa::path(post, path = "/v1/auth/login/2fa/passkey-options", tag = "passkeys", request_body = PasskeySecondStepOptionsRequest, responses(
    (status = 200, body = PasskeyOptions),
    (status = 401, body = ErrorBody, description = "`auth:mfa_token_invalid`"),
    (status = 404, body = ErrorBody, description = "passkeys are off"),
))]
pub async fn second_step_options(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PasskeySecondStepOptionsRequest>,
) -> Result<Json<PasskeyOptions>, ApiError> {
    Ok(options(state.passkeys.second_factor_options(&body.mfa_token).await?))
}

/// Mails a sign-in link (`{publicUrl}/email-login?token=TOKEN`) and a 6-digit code when the address is an
/// account's email: both valid 15 minutes, one sign-in (using either spends both); a new request replaces the
/// previous one.
///
/// Always `202`, as fast for unknown addresses as for known ones. Mail is capped per recipient (5 per 15
/// minutes, across every kind of mail with a token) and requests per client IP. `ACCOUNTD_AUTH__EMAIL_LOGIN=false`
/// turns sign-in by email off (`404`).
#[utoipa::path(post, path = "/v1/auth/email-login", tag = "email", request_body = EmailLoginRequest, responses(
    (status = 202, description = "Accepted, whether or not the address has an account"),
    (status = 400, body = ErrorBody, description = "`request:invalid_body`"),
    (status = 404, body = ErrorBody, description = "sign-in by email is off"),
    (status = 429, body = ErrorBody, description = "`rate_limited` (per client IP)"),
))]
pub async fn email_login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<EmailLoginRequest>,
) -> Result<StatusCode, ApiError> {
    state.email_logins.request(&body.email)?;
    Ok(StatusCode::ACCEPTED)
}

/// Finishes a sign-in by email with the link's `token`, or with `email` and `code`. It also verifies the
/// address; with two-factor on it answers `mfaRequired`. Sign-in by email is not a way to log in that keeps an
/// account reachable (it proves the mailbox, not the person). When the address had never been verified, someone
/// else may have signed up with it first (pre-hijacking), so the sign-in returns the account clean before it
/// opens the session, as a password reset does: every other session and personal access token, the password,
/// passkeys, two-factor, linked accounts and additional addresses are removed (the owner sets a password again
/// with `PUT /v1/me/password`). An account whose address was verified keeps everything.
#[utoipa::path(post, path = "/v1/auth/email-login/verify", tag = "email", request_body = EmailLoginVerifyRequest, responses(
    (status = 200, body = crate::http::dto::LoginAnswer, description = "Signed in (and the session cookie), or `MfaRequired`"),
    (status = 400, body = ErrorBody, description = "`token:invalid`: unknown, used, expired or replaced; a wrong code (five wrong codes spend the sign-in)"),
    (status = 403, body = ErrorBody, description = "`auth:account_banned`"),
    (status = 404, body = ErrorBody, description = "sign-in by email is off"),
    (status = 429, body = ErrorBody, description = "`rate_limited`"),
))]
pub async fn email_login_verify(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<EmailLoginVerifyRequest>,
) -> Result<Response, ApiError> {
    // Exactly one complete proof, as the document's `oneOf` states: `email` without
    // `code` (or the reverse) is no proof.
    let proof = match (body.token, body.email.zip(body.code)) {
        (Some(token), None) => EmailLoginProof::Token(token),
        (None, Some((email, code))) => EmailLoginProof::Code { email, code },
        _ => return Err(ApiError::invalid_body("Send `token`, or `email` and `code`.")),
    };
    let outcome = state.email_logins.verify(proof, &client).await?;
    Ok(login_answer(&state, outcome).await?.into_response())
}
