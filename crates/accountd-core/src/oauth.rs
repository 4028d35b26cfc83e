//! Social login: identities at OAuth 2.0 / OpenID Connect providers linked to accounts,
//! and the short-lived records of a sign-in in progress.

use chrono::{DateTime, Utc};

use crate::token::TokenHash;
use crate::UserId;

/// How long a `state` (and a sign-up token) stays usable.
pub const STATE_TTL_MINUTES: i64 = 10;

/// An identity at a provider, linked to an account. The identity is the provider's
/// subject (its stable user id), never its email: emails change hands.
#[derive(Debug, Clone)]
pub struct LinkedAccount {
    pub user_id: UserId,
    pub provider: String,
    pub subject: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub avatar_url: Option<String>,
    /// The provider's access token, sealed under the instance key (context
    /// `oauth:<provider>:<user id>`), kept for later calls on the user's behalf.
    pub access_token_sealed: Option<String>,
    pub linked_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an authorization request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Login,
    Link,
}

impl Purpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Link => "link",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "login" => Some(Self::Login),
            "link" => Some(Self::Link),
            _ => None,
        }
    }
}

/// An authorization request in flight, found again by the hash of its `state`.
#[derive(Debug, Clone)]
pub struct PendingAuthorization {
    pub provider: String,
    pub purpose: Purpose,
    /// The account that asked to link; `None` for a login.
    pub user_id: Option<UserId>,
    pub redirect_uri: String,
    /// The PKCE verifier, sealed under the instance key.
    pub pkce_verifier_sealed: String,
    pub nonce: String,
    /// The hash of what ties the state to the client that started it: the login's
    /// `flow` value (also its cookie), or the credential that asked to link. A state
    /// is accepted only with it, so an attacker's state can't finish in a victim's browser.
    pub binding: TokenHash,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A new identity waiting for its user to choose a username, found by the hash of
/// its sign-up token.
#[derive(Debug, Clone)]
pub struct PendingSignup {
    pub provider: String,
    pub subject: String,
    pub username: Option<String>,
    pub email: String,
    pub email_verified: bool,
    pub avatar_url: Option<String>,
    /// Sealed with context `oauth-signup:<provider>:<subject>` until the account exists.
    pub access_token_sealed: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
