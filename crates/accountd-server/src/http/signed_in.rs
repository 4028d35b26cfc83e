//! The one answer of every way to sign in: the owner's profile and the new session, which
//! is also set as the session cookie.

use accountd_core::user::User;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::cookies;
use super::dto::{AuthResponse, Profile, SessionToken};
use super::error::ApiError;
use super::AppState;
use crate::usecases::sessions::IssuedSession;

pub struct SignedIn {
    status: StatusCode,
    body: AuthResponse,
    cookie: axum::http::HeaderValue,
}

impl SignedIn {
    pub async fn new(state: &AppState, user: &User, session: &IssuedSession) -> Result<Self, ApiError> {
        let account = state.profiles.of(user).await?;
        let token = SessionToken::from_issued(session);
        let cookie = cookies::session_cookie(&token.token, session.expires_at, state.web.secure_cookies);
        let body = AuthResponse { user: Profile::of(&account, &state.web), session: token };
        Ok(Self { status: StatusCode::OK, body, cookie })
    }

    /// The answer of a sign-up: the account was made by this request.
    pub fn created(self) -> Self {
        Self { status: StatusCode::CREATED, ..self }
    }
}

impl IntoResponse for SignedIn {
    fn into_response(self) -> Response {
        (self.status, [(header::SET_COOKIE, self.cookie)], Json(self.body)).into_response()
    }
}
