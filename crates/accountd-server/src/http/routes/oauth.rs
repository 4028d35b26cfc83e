//! Social login and linked accounts, and the callback page that finishes the flow in a browser.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::CookieJar;

use crate::http::cookies;
use crate::http::dto::{
    AuthResponse, AuthorizeQuery, AuthorizeUrl, CompleteSignupRequest, LinkedAccountDto, LinkedAccountList,
    LoginAuthorization, OAuthCallbackRequest, OAuthLoginRequest, OAuthLoginResponse, OAuthProviderDto,
    OAuthProviderList, SignupRequired,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiQuery, Client, CurrentUser, PathParam, ProviderId};
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::usecases::oauth::OAuthLogin;

const CALLBACK_PAGE: &str = include_str!("../../../assets/oauth-callback.html");
const CALLBACK_SCRIPT: &str = include_str!("../../../assets/oauth-callback.js");

/// The configured social login providers.
#[utoipa::path(get, path = "/v1/auth/oauth/providers", tag = "oauth", responses(
    (status = 200, body = OAuthProviderList),
))]
pub async fn providers(State(state): State<AppState>) -> Json<OAuthProviderList> {
    let items = state
        .oauth
        .providers()
        .into_iter()
        .map(|(id, name)| OAuthProviderDto { id: id.to_owned(), name: name.to_owned() })
        .collect();
    Json(OAuthProviderList { items })
}

/// The provider's authorization URL to send the user to, to log in or sign up.
///
/// The `state` in it is single-use, expires in 10 minutes, and is accepted only from the
/// client that asked: with the `accountd_oauth` cookie this answer sets (HttpOnly,
/// SameSite=Lax, `Path=/v1/auth/oauth`, ten minutes, Secure when the public URL is https),
/// or with the `flow` value of the answer.
#[utoipa::path(get, path = "/v1/auth/oauth/{provider}/authorize", tag = "oauth", params(("provider" = String, Path), AuthorizeQuery), responses(
    (status = 200, body = LoginAuthorization, headers(("Set-Cookie" = String, description = "`accountd_oauth`, the `flow` value bound to the state"))),
    (status = 400, body = ErrorBody, description = "`oauth:invalid_redirect_uri`: not an allowed redirect URI"),
    (status = 404, body = ErrorBody, description = "`oauth:unknown_provider`"),
    (status = 502, body = ErrorBody, description = "`oauth:provider_error`: discovery failed"),
))]
pub async fn authorize(
    State(state): State<AppState>,
    PathParam(ProviderId(provider)): PathParam<ProviderId>,
    ApiQuery(query): ApiQuery<AuthorizeQuery>,
) -> Result<Response, ApiError> {
    let (url, flow) = state.oauth.authorize_login(&provider, query.redirect_uri.as_deref()).await?;
    let cookie = cookies::oauth_cookie(&flow, state.web.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Json(LoginAuthorization { url: url.into(), flow })).into_response())
}

/// Finishes a login with the `code` and `state` the provider sent back.
///
/// The state must come back with the `accountd_oauth` cookie or the `flow` value of the
/// authorize answer; a state without either is refused and stays usable by its client. A
/// linked identity signs in (`{"user", "session"}` and the cookie; accounts with two-factor
/// authentication will answer `mfaRequired`); a new identity answers `signupRequired`.
#[utoipa::path(post, path = "/v1/auth/oauth/{provider}/login", operation_id = "oauth_login", tag = "oauth", params(("provider" = String, Path)),
    request_body = OAuthLoginRequest, responses(
    (status = 200, body = OAuthLoginResponse, description = "Signed in, a sign-up to complete, or — when the account has two-factor authentication on — `{\"mfaRequired\": true, \"mfaToken\", \"methods\"}` for `POST /v1/auth/login/2fa`"),
    (status = 400, body = ErrorBody, description = "`oauth:invalid_state`: unknown, used, expired, of another provider or purpose, or without the `accountd_oauth` cookie or `flow` value it was issued with"),
    (status = 403, body = ErrorBody, description = "`auth:account_banned`, `auth:email_not_verified`"),
    (status = 404, body = ErrorBody, description = "`oauth:unknown_provider`"),
    (status = 409, body = ErrorBody, description = "`oauth:account_exists`: the provider's verified email belongs to an account; log in and link"),
    (status = 502, body = ErrorBody, description = "`oauth:provider_error`: the code was refused, the ID token did not verify, or the provider shared no email"),
))]
pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    PathParam(ProviderId(provider)): PathParam<ProviderId>,
    jar: CookieJar,
    ApiJson(body): ApiJson<OAuthLoginRequest>,
) -> Result<Response, ApiError> {
    let flows: Vec<&str> =
        body.flow.as_deref().into_iter().chain(jar.get(cookies::OAUTH_COOKIE).map(|cookie| cookie.value())).collect();
    match state.oauth.login(&provider, &body.code, &body.state, &flows, &client).await? {
        OAuthLogin::Linked(outcome) => super::auth::login_answer(&state, *outcome).await,
        OAuthLogin::SignupRequired { token, email, suggested_username } => {
            use secrecy::ExposeSecret as _;
            Ok(Json(OAuthLoginResponse::SignupRequired(SignupRequired {
                signup_required: true,
                signup_token: token.expose_secret().to_owned(),
                email,
                suggested_username,
            }))
            .into_response())
        }
    }
}

/// Creates the account of a new identity with the chosen username, and signs it in.
///
/// The email is the provider's, verified only when the provider said so. The account has no
/// password; one can be set later with `PUT /v1/me/password`.
#[utoipa::path(post, path = "/v1/auth/complete-signup", tag = "oauth", request_body = CompleteSignupRequest, responses(
    (status = 201, body = AuthResponse, description = "Signed up; the session is also set as the cookie."),
    (status = 400, body = ErrorBody, description = "`token:invalid` (unknown, used or expired), `validation:invalid_username`, `validation:reserved_username`"),
    (status = 409, body = ErrorBody, description = "`user:username_taken` (the token stays usable), `user:email_taken`, `oauth:identity_in_use`"),
))]
pub async fn complete_signup(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<CompleteSignupRequest>,
) -> Result<Response, ApiError> {
    let (user, session) = state.oauth.complete_signup(&body.signup_token, &body.username, &client).await?;
    Ok(SignedIn::new(&state, &user, &session).await?.created().into_response())
}

/// The identities linked to the account.
#[utoipa::path(get, path = "/v1/me/linked-accounts", tag = "oauth", security(("session" = []), ("cookie" = [])), responses(
    (status = 200, body = LinkedAccountList),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
))]
pub async fn linked_accounts(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<Json<LinkedAccountList>, ApiError> {
    let links = state.oauth.linked_accounts(current.user().id).await?;
    Ok(Json(LinkedAccountList { items: links.iter().map(LinkedAccountDto::from).collect() }))
}

/// The provider's authorization URL to link an identity to the account.
///
/// The `state` in it finishes only with the credential (session or personal access token)
/// that asked for it.
#[utoipa::path(post, path = "/v1/me/linked-accounts/{provider}/authorize", tag = "oauth", security(("session" = []), ("cookie" = [])),
    params(("provider" = String, Path), AuthorizeQuery), responses(
    (status = 200, body = AuthorizeUrl),
    (status = 400, body = ErrorBody, description = "`oauth:invalid_redirect_uri`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`oauth:unknown_provider`"),
    (status = 502, body = ErrorBody, description = "`oauth:provider_error`"),
))]
pub async fn link_authorize(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    PathParam(ProviderId(provider)): PathParam<ProviderId>,
    ApiQuery(query): ApiQuery<AuthorizeQuery>,
) -> Result<Json<AuthorizeUrl>, ApiError> {
    let url = state.oauth.authorize_link(&provider, query.redirect_uri.as_deref(), &current).await?;
    Ok(Json(AuthorizeUrl { url: url.into() }))
}

/// Links the identity the provider sent back (`code`, `state`) to the account.
///
/// The state must come back with the session (or personal access token) that asked for it.
#[utoipa::path(post, path = "/v1/me/linked-accounts/{provider}", tag = "oauth", security(("session" = []), ("cookie" = [])),
    params(("provider" = String, Path)), request_body = OAuthCallbackRequest, responses(
    (status = 201, body = LinkedAccountDto),
    (status = 400, body = ErrorBody, description = "`oauth:invalid_state`, also for a state another session, token or account asked for"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`oauth:unknown_provider`"),
    (status = 409, body = ErrorBody, description = "`oauth:identity_in_use`: linked to another account; `oauth:already_linked`: another identity of this provider is linked"),
    (status = 502, body = ErrorBody, description = "`oauth:provider_error`"),
))]
pub async fn link(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    PathParam(ProviderId(provider)): PathParam<ProviderId>,
    ApiJson(body): ApiJson<OAuthCallbackRequest>,
) -> Result<(StatusCode, Json<LinkedAccountDto>), ApiError> {
    let linked = state.oauth.link(&current, &provider, &body.code, &body.state, &client).await?;
    Ok((StatusCode::CREATED, Json(LinkedAccountDto::from(&linked))))
}

/// Unlinks the account's identity at the provider.
#[utoipa::path(delete, path = "/v1/me/linked-accounts/{provider}", tag = "oauth", security(("session" = []), ("cookie" = [])),
    params(("provider" = String, Path)), responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`oauth:unknown_provider`"),
    (status = 409, body = ErrorBody, description = "`oauth:last_login_method`: no password and no other identity; `oauth:not_linked`"),
))]
pub async fn unlink(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    PathParam(ProviderId(provider)): PathParam<ProviderId>,
) -> Result<StatusCode, ApiError> {
    state.oauth.unlink(current.user(), &provider, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The default redirect URI: a page that posts `code` and `state` to the API and, for a
/// new identity, asks for a username to complete the sign-up.
#[utoipa::path(get, path = "/oauth/{provider}/callback", tag = "pages", params(("provider" = String, Path)), responses(
    (status = 200, content_type = "text/html", body = String),
))]
pub async fn callback_page(PathParam(_provider): PathParam<ProviderId>) -> Response {
    // The code in the URL must not be cached; the page reads the provider from its own path.
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], CALLBACK_PAGE)
        .into_response()
}

/// The callback page's script, a separate same-origin file so the page needs no inline script.
#[utoipa::path(get, path = "/oauth/callback.js", tag = "pages", responses(
    (status = 200, content_type = "text/javascript", body = String),
))]
pub async fn callback_script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], CALLBACK_SCRIPT)
        .into_response()
}
