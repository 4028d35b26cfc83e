//! Personal access tokens and per-account limits.

use chrono::{DateTime, Utc};

use crate::scope::Scope;
use crate::{TokenId, UserId};

/// A personal access token as stored (its secret is never kept, only its hash).
#[derive(Debug, Clone)]
pub struct PersonalAccessToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The first characters of the token, so its owner can recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl PersonalAccessToken {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// An administrator's overrides of the configured per-account limits; `None`
/// means the configured default applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitOverrides {
    pub personal_access_tokens: Option<i64>,
    pub additional_addresses: Option<i64>,
    pub sessions: Option<i64>,
    pub storage_bytes: Option<i64>,
}

/// The limits that apply to one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub personal_access_tokens: i64,
    pub additional_addresses: i64,
    pub sessions: i64,
    pub storage_bytes: i64,
}

impl Limits {
    /// The defaults with an account's overrides applied.
    pub fn with_overrides(self, overrides: &LimitOverrides) -> Self {
        Self {
            personal_access_tokens: overrides.personal_access_tokens.unwrap_or(self.personal_access_tokens),
            additional_addresses: overrides.additional_addresses.unwrap_or(self.additional_addresses),
            sessions: overrides.sessions.unwrap_or(self.sessions),
            storage_bytes: overrides.storage_bytes.unwrap_or(self.storage_bytes),
        }
    }
}
