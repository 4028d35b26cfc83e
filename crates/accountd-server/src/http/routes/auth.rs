//! Login and logout.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::cookies;
use crate::http::dto::{AuthResponse, LoginRequest, SessionToken};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, Client, CurrentSession};
use crate::http::AppState;
use crate::usecases::sessions::LoginOutcome;

/// Signs in with an email or username and a password.
///
/// Accounts with two-factor authentication will answer `{"mfaRequired": true, "mfaToken", "methods"}` instead of a session.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = AuthResponse, description = "Signed in; the session is also set as the `accountd_session` cookie."),
    (status = 401, body = ErrorBody, description = "`auth:invalid_credentials`: the same body whether or not the account exists"),
    (status = 403, body = ErrorBody, description = "`auth:account_banned`, `auth:email_not_verified`"),
    (status = 503, body = ErrorBody, description = "`server:overloaded`: too many logins at once; retry after `Retry-After` seconds"),
))]
pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    match state.sessions.login(&body.identifier, body.password, &client).await? {
        LoginOutcome::SignedIn { user, session } => {
            let token = SessionToken::from_issued(&session);
            let cookie = cookies::session_cookie(&token.token, session.expires_at, state.web.secure_cookies);
            let body = AuthResponse { user: state.profile(&user).await?, session: token };
            Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
        }
    }
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
