//! The use cases: every business rule of accountd, and the transaction around it.
//! Each takes what it needs (store, clock, password workers) explicitly.

pub mod accounts;
pub mod activity;
pub mod admin;
pub mod deletion;
pub mod email_flows;
pub mod email_login;
pub mod export;
pub mod mailing;
pub mod media;
pub mod oauth;
pub mod passkeys;
pub mod perks;
pub mod profiles;
pub mod reauth;
pub mod referrals;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod two_factor;
pub mod uploads;
pub mod webhooks;

use accountd_core::activity::ActivityAction;
use accountd_core::user::{Activity, ClientInfo};
use accountd_core::{DomainError, UserId};
use accountd_store::{StoreError, UniqueKey};
use chrono::{DateTime, Utc};

use crate::passwords::HashingError;

/// Why a use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// More work than the server accepts right now; the client should retry shortly.
    #[error("the server is overloaded")]
    Overloaded,
    /// The database cannot be reached (down, restarting); the client should retry shortly.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] StoreError),
    /// The media storage (S3) could not take a picture; nothing of the request was kept.
    #[error("the media storage is unavailable: {0}")]
    MediaUnavailable(#[source] BoxError),
    /// The database has no room left to write; nothing of the request was kept.
    #[error("the database is out of storage: {0}")]
    StorageFull(#[source] StoreError),
    /// A failure that is not the client's: the error keeps its source chain for the log.
    #[error("internal error: {0}")]
    Internal(#[source] BoxError),
}

/// Any error, with the causes it carries.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(UniqueKey::UserEmail) => Self::Domain(DomainError::EmailTaken),
            StoreError::Conflict(UniqueKey::UserUsername) => Self::Domain(DomainError::UsernameTaken),
            StoreError::Conflict(UniqueKey::Address) => Self::Domain(DomainError::AddressTaken),
            StoreError::Conflict(UniqueKey::LinkedIdentity) => Self::Domain(DomainError::OAuthIdentityInUse),
            StoreError::Conflict(UniqueKey::LinkedProvider) => Self::Domain(DomainError::OAuthAlreadyLinked),
            StoreError::Conflict(UniqueKey::ExportInProgress) => Self::Domain(DomainError::ExportInProgress),
            StoreError::Conflict(UniqueKey::ReferralCode) => Self::Domain(DomainError::ReferralCodeTaken),
            other if other.is_storage_full() => Self::StorageFull(other),
            other if other.is_unavailable() => Self::Unavailable(other),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<HashingError> for AppError {
    fn from(error: HashingError) -> Self {
        match error {
            HashingError::Overloaded => Self::Overloaded,
            failed @ HashingError::Failed(_) => Self::Internal(Box::new(failed)),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// An activity row for an account, stamped with where the request came from.
pub fn activity(
    user: UserId,
    action: ActivityAction,
    client: &ClientInfo,
    at: DateTime<Utc>,
    metadata: serde_json::Value,
) -> Activity {
    Activity {
        id: uuid::Uuid::now_v7(),
        user_id: Some(user),
        action: action.as_str().to_string(),
        at,
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        metadata,
    }
}

/// `limit` (default 20, at most 100) and `offset` (default 0) of a list request.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: i64,
    pub offset: i64,
}

impl Paging {
    pub const DEFAULT_LIMIT: i64 = 20;
    pub const MAX_LIMIT: i64 = 100;

    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Result<Self, DomainError> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        let offset = offset.unwrap_or(0);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(DomainError::field("limit", "must be between 1 and 100"));
        }
        if offset < 0 {
            return Err(DomainError::field("offset", "must not be negative"));
        }
        Ok(Self { limit, offset })
    }

    pub fn request(self) -> accountd_store::PageRequest {
        accountd_store::PageRequest { limit: self.limit, offset: self.offset }
    }
}
