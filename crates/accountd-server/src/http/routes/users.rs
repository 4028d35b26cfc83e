//! Registration and public profiles.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::dto::{AuthResponse, Availability, ListOf, PublicProfile, RegisterRequest, SearchQuery};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiQuery, Client, PathParam, UsernameCandidate, UsernameLookup};
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::usecases::accounts::{Registration, Unavailable};
use crate::usecases::Paging;
use accountd_core::UserId;

/// Creates an account and signs it in (session in the body and as a cookie).
///
/// `email` must be an ASCII dot-atom local part, `@`, and a DNS domain name with at least
/// one dot; an internationalised domain is stored in its ASCII (punycode) form. Quoted
/// local parts and address literals get `validation:invalid_email`. `displayName` is
/// NFC-normalised and refuses control characters, bidirectional overrides and isolates,
/// zero-width characters other than U+200D, and byte-order marks (`validation:invalid_input`).
///
/// Passkey-first sign-up: leave out `password`. The account is passwordless and the answer's session is its
/// way in for now: with it, `POST /v1/me/passkeys/options` (no password to give) and `POST /v1/me/passkeys`
/// add a passkey. Later the account logs in with the passkey or signs in by email
/// (`POST /v1/auth/email-login`), and may set a password with `PUT /v1/me/password` without
/// `currentPassword`. Its last passkey cannot be deleted while it has no password and no linked identity.
#[utoipa::path(post, path = "/v1/users", tag = "registration", request_body = RegisterRequest, responses(
    (status = 201, body = AuthResponse),
    (status = 400, body = ErrorBody, description = "`validation:invalid_email`, `validation:invalid_username`, `validation:invalid_input` (`displayName`), `validation:reserved_username`, `password:too_short`, `password:too_long`, `password:too_weak`, `password:common`, `referral:unknown_code` (unknown, or the code of a banned or deleted account), `referral:self_referral` (the address reaches the code holder's own mailbox: the same address up to a `+tag`, or one of its additional addresses), `request:invalid_body`"),
    (status = 409, body = ErrorBody, description = "`user:email_taken` (also an address that is another account's verified additional address), `user:username_taken`"),
    (status = 413, body = ErrorBody),
))]
pub async fn register(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    let registration = Registration {
        email: body.email,
        username: body.username,
        password: body.password,
        display_name: body.display_name,
        referral_code: body.referral_code,
    };
    let (user, session) = state.accounts.register(registration, &client).await?;
    Ok(SignedIn::new(&state, &user, &session).await?.created().into_response())
}

/// Whether a username can be registered.
#[utoipa::path(get, path = "/v1/usernames/{username}/availability", tag = "registration",
    params(("username" = String, Path)),
    responses(
        (status = 200, body = Availability),
        (status = 400, body = ErrorBody, description = "`validation:invalid_username` for a name that is not UTF-8"),
    ))]
pub async fn availability(
    State(state): State<AppState>,
    PathParam(UsernameCandidate(username)): PathParam<UsernameCandidate>,
) -> Result<Json<Availability>, ApiError> {
    let (username, unavailable) = state.accounts.availability(&username).await?;
    let reason = unavailable.map(|reason| match reason {
        Unavailable::Taken => "taken",
        Unavailable::Invalid => "invalid",
        Unavailable::Reserved => "reserved",
    });
    Ok(Json(Availability { username, available: reason.is_none(), reason }))
}

/// A public profile by username. Banned accounts are not found.
#[utoipa::path(get, path = "/v1/users/{username}", tag = "profiles",
    params(("username" = String, Path)),
    responses((status = 200, body = PublicProfile), (status = 404, body = ErrorBody, description = "`user:not_found`")))]
pub async fn by_username(
    State(state): State<AppState>,
    PathParam(UsernameLookup(username)): PathParam<UsernameLookup>,
) -> Result<Json<PublicProfile>, ApiError> {
    let user = state.accounts.public_by_username(&username).await?;
    Ok(Json(PublicProfile::from(&user)))
}

/// A public profile by id. Banned accounts are not found.
#[utoipa::path(get, path = "/v1/users/by-id/{id}", tag = "profiles",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = PublicProfile), (status = 404, body = ErrorBody, description = "`user:not_found`")))]
pub async fn by_id(
    State(state): State<AppState>,
    PathParam(id): PathParam<UserId>,
) -> Result<Json<PublicProfile>, ApiError> {
    let user = state.accounts.public_by_id(id).await?;
    Ok(Json(PublicProfile::from(&user)))
}

/// Accounts whose username or display name starts with `query`, case-insensitively.
#[utoipa::path(get, path = "/v1/users", tag = "profiles", params(SearchQuery), responses(
    (status = 200, body = ListOf<PublicProfile>),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input` (query missing or longer than 64), `request:invalid_query`"),
))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<ListOf<PublicProfile>>, ApiError> {
    let paging = Paging::new(query.limit, query.offset)?;
    let page = state.accounts.search(query.query.as_deref().unwrap_or_default(), paging).await?;
    Ok(Json(ListOf {
        items: page.items.iter().map(PublicProfile::from).collect(),
        total: page.total,
        limit: paging.limit,
        offset: paging.offset,
    }))
}
