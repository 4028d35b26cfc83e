//! Who may call what: the one table from (method, route template) to the
//! credential a call needs. Handlers never check scopes themselves; the
//! authentication extractors apply this table to every authenticated request.

use accountd_core::scope::Scope;
use accountd_core::DomainError;
use axum::http::Method;

use crate::usecases::tokens::Principal;

/// What a route asks of the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Sessions only; a personal access token gets `403 auth:session_required`.
    SessionOnly,
    /// A session, or a personal access token with this scope.
    Scope(Scope),
}

/// Routes under `/v1/me` that manage credentials themselves: a token must not be
/// able to mint or revoke tokens or sessions.
const SESSION_ONLY_UNDER_ME: [&str; 3] = ["/v1/me/tokens", "/v1/me/sessions", "/v1/me/passkeys"];

/// The access a route needs. Personal access tokens reach only `/v1/me`; every
/// other authenticated route (logout, administration) is for sessions.
pub fn required_access(method: &Method, route: &str) -> Access {
    let under = |prefix: &str| route == prefix || route.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'));
    if !under("/v1/me") || SESSION_ONLY_UNDER_ME.iter().any(|prefix| under(prefix)) {
        return Access::SessionOnly;
    }
    if matches!(*method, Method::GET | Method::HEAD) {
        Access::Scope(Scope::UserRead)
    } else {
        Access::Scope(Scope::UserWrite)
    }
}

/// Whether the principal may call the route.
pub fn authorize(method: &Method, route: &str, principal: &Principal) -> Result<(), DomainError> {
    match (required_access(method, route), principal) {
        (_, Principal::Session(_)) => Ok(()),
        (Access::SessionOnly, Principal::Pat { .. }) => Err(DomainError::SessionRequired),
        (Access::Scope(scope), Principal::Pat { token, .. }) if token.allows(scope) => Ok(()),
        (Access::Scope(_), Principal::Pat { .. }) => Err(DomainError::InsufficientScope),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_under_me_need_their_scope() {
        assert_eq!(required_access(&Method::GET, "/v1/me"), Access::Scope(Scope::UserRead));
        assert_eq!(required_access(&Method::PATCH, "/v1/me"), Access::Scope(Scope::UserWrite));
        assert_eq!(required_access(&Method::GET, "/v1/me/upload-token"), Access::Scope(Scope::UserRead));
        assert_eq!(required_access(&Method::POST, "/v1/me/upload-token"), Access::Scope(Scope::UserWrite));
        assert_eq!(required_access(&Method::DELETE, "/v1/me/avatar"), Access::Scope(Scope::UserWrite));
    }

    #[test]
    fn credentials_and_everything_outside_me_are_for_sessions() {
        for (method, route) in [
            (Method::GET, "/v1/me/tokens"),
            (Method::DELETE, "/v1/me/tokens/{id}"),
            (Method::GET, "/v1/me/sessions"),
            (Method::DELETE, "/v1/me/sessions/{id}"),
            (Method::GET, "/v1/me/passkeys"),
            (Method::POST, "/v1/me/passkeys/options"),
            (Method::DELETE, "/v1/me/passkeys/{id}"),
            (Method::POST, "/v1/auth/logout"),
            (Method::GET, "/v1/admin/users"),
            (Method::GET, "/v1/meta"),
            (Method::GET, ""),
        ] {
            assert_eq!(required_access(&method, route), Access::SessionOnly, "{method} {route}");
        }
        assert_eq!(required_access(&Method::GET, "/v1/me/tokensx"), Access::Scope(Scope::UserRead));
    }
}
