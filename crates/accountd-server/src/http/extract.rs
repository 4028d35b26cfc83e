//! Extractors: they parse and authorise, so handlers only call a use case.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use accountd_core::token::TokenKind;
use accountd_core::user::{ClientInfo, Role, User};
use accountd_core::{DomainError, SessionId, TokenId, UserId};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum_extra::extract::cookie::CookieJar;
use ipnet::IpNet;
use serde::de::DeserializeOwned;

use super::access;
use super::cookies;
use super::error::ApiError;
use super::AppState;
use crate::usecases::sessions::Authenticated;
use crate::usecases::tokens::Principal;

/// A JSON body: `413` past the configured size, `400 request:invalid_body` when malformed.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
            let is_json = content_type
                .to_str()
                .ok()
                .and_then(|value| value.split(';').next())
                .map(|mime| mime.trim().eq_ignore_ascii_case("application/json") || mime.trim().ends_with("+json"))
                .unwrap_or(false);
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "request:unsupported_media_type",
                    "The body must be JSON (Content-Type: application/json).",
                ));
            }
        }
        let parts_limit = request.extensions().get::<JsonLimit>().copied();
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            _ => ApiError::invalid_body("The request body could not be read."),
        })?;
        if bytes.is_empty() {
            return Err(ApiError::invalid_body("A JSON body is required."));
        }
        if bytes.len() > json_limit(&parts_limit) && !is_oversized_by_a_password(&bytes) {
            return Err(too_large());
        }
        match serde_json::from_slice(&bytes) {
            Ok(value) => Ok(ApiJson(value)),
            Err(error) => from_integral_floats(&bytes)
                .map(ApiJson)
                .ok_or_else(|| ApiError::invalid_body(format!("The JSON body is invalid: {error}"))),
        }
    }
}

/// JSON Schema counts `3.0` as an integer, and the document promises integers, but serde
/// refuses a number with a fraction part for an integer field. A body refused that way is
/// read again with each integral float written as an integer; anything else it got wrong
/// is still refused, with the first reading's error. Only refused bodies pay for this.
fn from_integral_floats<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    fn integral(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Number(number) if number.is_f64() => {
                let float = number.as_f64().unwrap_or(f64::NAN);
                // Exactly representable and in i64's range: below 2^63 in magnitude.
                if float.fract() == 0.0 && float.abs() < 9.223_372_036_854_775e18 {
                    *value = serde_json::Value::from(float as i64);
                    return true;
                }
                false
            }
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |changed, item| integral(item) | changed),
            serde_json::Value::Object(fields) => {
                fields.values_mut().fold(false, |changed, field| integral(field) | changed)
            }
            _ => false,
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if !integral(&mut value) {
        return None;
    }
    serde_json::from_value(value).ok()
}

/// A JSON body that may be left out: a request without a body (and without a
/// `Content-Type`) reads as `T::default()`; one with a body is [`ApiJson`].
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if request.headers().contains_key(header::CONTENT_TYPE) {
            return ApiJson::from_request(request, state).await.map(|ApiJson(value)| Self(value));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError::invalid_body("The request body could not be read."))?;
        if bytes.is_empty() {
            Ok(Self(T::default()))
        } else {
            Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "request:unsupported_media_type",
                "The body must be JSON (Content-Type: application/json).",
            ))
        }
    }
}

/// The configured JSON body limit, put into each request by the router.
///
/// The transport reads bodies up to [`PASSWORD_BODY_CAP`]; past the configured
/// limit a body is refused with `413`, except when what makes it large is an
/// over-long password: the contract answers that with `password:too_long`, and
/// the policy refuses it by length before any hashing.
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

/// The most any JSON body may be, whatever it holds.
pub const PASSWORD_BODY_CAP: usize = 2 * 1024 * 1024;

fn json_limit(limit: &Option<JsonLimit>) -> usize {
    limit.map_or(64 * 1024, |JsonLimit(bytes)| bytes)
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request:too_large", "The request body is too large.")
}

const PASSWORD_FIELDS: [&str; 3] = ["password", "newPassword", "currentPassword"];

/// Whether a body is large only because of an over-long password field.
fn is_oversized_by_a_password(bytes: &[u8]) -> bool {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return false;
    };
    let password_bytes: usize = PASSWORD_FIELDS
        .iter()
        .filter_map(|name| fields.get(*name).and_then(|value| value.as_str()))
        .map(str::len)
        .sum();
    password_bytes > accountd_core::password::MAX_LEN * 4 && bytes.len() - password_bytes <= 64 * 1024
}

/// One value of the path, parsed by its kind. Whatever does not parse (a malformed id,
/// percent-encoded bytes that are not UTF-8) gets the kind's refusal in the contract's
/// error body, never axum's plain-text rejection.
pub struct PathParam<T>(pub T);

/// A kind of value in a path: how it parses, and how one that does not is refused.
pub trait FromPath: Sized {
    fn refusal() -> DomainError;
    fn from_path(raw: String) -> Option<Self>;
}

impl<T: FromPath, S: Send + Sync> FromRequestParts<S> for PathParam<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| T::refusal())?;
        T::from_path(raw).map(PathParam).ok_or_else(|| T::refusal().into())
    }
}

/// An id in the path: one that is not an id names nothing, so it is not found.
macro_rules! id_from_path {
    ($($id:ty => $not_found:expr),* $(,)?) => {$(
        impl FromPath for $id {
            fn refusal() -> DomainError {
                $not_found
            }

            fn from_path(raw: String) -> Option<Self> {
                raw.parse().ok()
            }
        }
    )*};
}

/// An additional address of the account, by id.
pub struct AddressId(pub uuid::Uuid);

id_from_path!(
    accountd_core::ExportId => DomainError::ExportNotFound,
    UserId => DomainError::UserNotFound,
    SessionId => DomainError::SessionNotFound,
    TokenId => DomainError::TokenNotFound,
);

impl FromPath for AddressId {
    fn refusal() -> DomainError {
        DomainError::AddressNotFound
    }

    fn from_path(raw: String) -> Option<Self> {
        raw.parse().ok().map(AddressId)
    }
}

/// A passkey of the account, by accountd's id.
pub struct PasskeyId(pub uuid::Uuid);

impl FromPath for PasskeyId {
    fn refusal() -> DomainError {
        DomainError::PasskeyNotFound
    }

    fn from_path(raw: String) -> Option<Self> {
        raw.parse().ok().map(PasskeyId)
    }
}

/// A social login provider's id: text that is not UTF-8 names no provider.
pub struct ProviderId(pub String);

impl FromPath for ProviderId {
    fn refusal() -> DomainError {
        DomainError::OAuthUnknownProvider
    }

    fn from_path(raw: String) -> Option<Self> {
        Some(ProviderId(raw))
    }
}

/// A username to look up: text that is not UTF-8 names no account.
pub struct UsernameLookup(pub String);

impl FromPath for UsernameLookup {
    fn refusal() -> DomainError {
        DomainError::UserNotFound
    }

    fn from_path(raw: String) -> Option<Self> {
        Some(UsernameLookup(raw))
    }
}

/// A username someone would register: text that is not UTF-8 is not a username.
pub struct UsernameCandidate(pub String);

impl FromPath for UsernameCandidate {
    fn refusal() -> DomainError {
        DomainError::InvalidUsername("it is not UTF-8 text")
    }

    fn from_path(raw: String) -> Option<Self> {
        Some(UsernameCandidate(raw))
    }
}

/// Query parameters: `400 request:invalid_query` when they don't parse.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded_from_str(query).map(ApiQuery).map_err(|message| {
            ApiError::new(StatusCode::BAD_REQUEST, "request:invalid_query", format!("The query is invalid: {message}"))
        })
    }
}

fn serde_urlencoded_from_str<T: DeserializeOwned>(query: &str) -> Result<T, String> {
    axum::extract::Query::<T>::try_from_uri(&format!("/?{query}").parse().map_err(|_| "malformed query".to_string())?)
        .map(|axum::extract::Query(value)| value)
        .map_err(|rejection| rejection.body_text())
}

/// Where the request came from: the peer address, or the client named by
/// `X-Forwarded-For` when the peer is a trusted proxy.
pub struct Client(pub ClientInfo);

impl FromRequestParts<AppState> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let ip = peer.map(|peer| client_ip(peer, &parts.headers, &state.web.trusted_proxies));
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(512).collect::<String>());
        let device = crate::device::parse(user_agent.as_deref());
        Ok(Self(ClientInfo { ip: ip.map(|ip| ip.to_string()), user_agent, device }))
    }
}

/// The client's address: walk `X-Forwarded-For` from the right, past our own
/// trusted proxies; the first address that is not one of them is the client.
/// A header from an untrusted peer is ignored entirely, so it cannot be spoofed.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded.into_iter().rev().find(|ip| !is_trusted(ip)).unwrap_or(peer)
}

/// A slot the authentication extractor fills when a cookie session slid its
/// expiry, so the response can renew the cookie's lifetime too.
#[derive(Clone, Default)]
pub struct CookieRenewal(pub Arc<Mutex<Option<HeaderValue>>>);

/// The credential of a request: a bearer token, or the session cookie (then `true`).
/// Public for the fuzz target `credentials`.
pub fn credential(headers: &HeaderMap, secure_cookies: bool) -> Option<(String, bool)> {
    match bearer_token(headers) {
        Some(token) => Some((token, false)),
        None => CookieJar::from_headers(headers)
            .get(cookies::session_cookie_name(secure_cookies))
            .map(|cookie| (cookie.value().to_string(), true)),
    }
}

/// The one authentication path: resolves the credential (as of this request: see
/// [`crate::account_cache`]), checks the cookie's origin, and applies the access table for
/// the matched route ([`super::access`]).
async fn authenticate(parts: &mut Parts, state: &AppState) -> Result<Principal, ApiError> {
    let (token, from_cookie) =
        credential(&parts.headers, state.web.secure_cookies).ok_or_else(ApiError::unauthenticated)?;
    if from_cookie && TokenKind::of(&token) != Some(TokenKind::Session) {
        return Err(ApiError::unauthenticated());
    }
    if from_cookie && !is_safe(&parts.method) && !origin_allowed(&parts.headers, &state.web.allowed_origins) {
        return Err(DomainError::CsrfRejected.into());
    }
    let principal = state.tokens.authenticate(&token).await?.ok_or_else(ApiError::unauthenticated)?;
    let route = parts.extensions.get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or_default();
    access::authorize(&parts.method, route, &principal)?;
    if let Principal::Session(authenticated) = &principal {
        if from_cookie && authenticated.renewed {
            if let Some(CookieRenewal(slot)) = parts.extensions.get::<CookieRenewal>() {
                let renewed =
                    cookies::session_cookie(&token, authenticated.session.expires_at, state.web.secure_cookies);
                if let Ok(mut slot) = slot.lock() {
                    *slot = Some(renewed);
                }
            }
        }
    }
    Ok(principal)
}

/// The account making the request, with a session or a personal access token whose
/// scopes the route's entry in the access table allows.
pub struct CurrentUser(pub Principal);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        authenticate(parts, state).await.map(Self)
    }
}

/// The raw credential of an authenticated request, for work that outlives the request
/// and must check it again (an event stream ends when its session is revoked).
pub struct RawCredential(pub secrecy::SecretString);

impl FromRequestParts<AppState> for RawCredential {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (token, _) = credential(&parts.headers, state.web.secure_cookies).ok_or_else(ApiError::unauthenticated)?;
        Ok(Self(secrecy::SecretString::from(token)))
    }
}

/// The signed-in account of a request authenticated with a session; a personal
/// access token gets `403 auth:session_required`.
pub struct CurrentSession(pub Authenticated);

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match authenticate(parts, state).await? {
            Principal::Session(authenticated) => Ok(Self(authenticated)),
            Principal::Pat { .. } => Err(DomainError::SessionRequired.into()),
        }
    }
}

/// An administrator's session; anyone else signed in gets `403 auth:forbidden`.
pub struct Admin(pub User);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let CurrentSession(authenticated) = CurrentSession::from_request_parts(parts, state).await?;
        if authenticated.user().role != Role::Admin {
            return Err(DomainError::Forbidden.into());
        }
        Ok(Self(authenticated.user().clone()))
    }
}

/// The secret of the operator's services, for `POST /v1/auth/introspect`:
/// `404` when introspection is not configured, `401` for a wrong secret.
pub struct IntrospectionCaller;

impl FromRequestParts<AppState> for IntrospectionCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(secret) = &state.web.introspection_secret else {
            return Err(ApiError::not_found());
        };
        let presented = bearer_token(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        if !crate::usecases::tokens::secret_matches(&presented, secret) {
            return Err(ApiError::unauthenticated());
        }
        Ok(Self)
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `Origin`, or failing that the origin of `Referer`, must be an allowed origin.
/// A cookie request that names neither is refused: every browser sends `Origin`
/// on unsafe requests, and non-browser clients should use a bearer token.
fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()).map(str::to_owned).or_else(|| {
        let referer = headers.get(header::REFERER)?.to_str().ok()?;
        Some(url::Url::parse(referer).ok()?.origin().ascii_serialization())
    });
    origin
        .is_some_and(|origin| allowed.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin.trim_end_matches('/'))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(client_ip(peer, &spoofed, &[]), peer);
        assert_eq!(client_ip(peer, &spoofed, &["10.0.0.0/8".parse().unwrap()]), peer);
    }

    #[test]
    fn forwarded_for_is_walked_from_the_right_past_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.1")]);
        assert_eq!(client_ip(peer, &chain, &trusted), "198.51.100.7".parse::<IpAddr>().unwrap());
        assert_eq!(client_ip(peer, &HeaderMap::new(), &trusted), peer);
    }

    #[test]
    fn origins() {
        let allowed = vec!["https://app.example.com".to_string()];
        assert!(origin_allowed(&headers(&[("origin", "https://app.example.com")]), &allowed));
        assert!(!origin_allowed(&headers(&[("origin", "https://evil.example")]), &allowed));
        assert!(origin_allowed(&headers(&[("referer", "https://app.example.com/settings?x=1")]), &allowed));
        assert!(!origin_allowed(&headers(&[("referer", "https://app.example.com.evil.example/")]), &allowed));
        assert!(!origin_allowed(&HeaderMap::new(), &allowed));
    }
}
