//! Storage for accountd: one set of async traits, one per aggregate, and an
//! implementation of them for each backend. Nothing above this crate writes SQL.
//!
//! The backend is chosen once, at start-up, from the database URL's scheme
//! ([`connect`]). Use cases work on a [`Conn`]: either a plain reading connection
//! ([`Store::reader`]) or a transaction ([`Store::begin`]) that they commit.

mod postgres;
mod rows;
mod sqlite;

use std::sync::Arc;

use accountd_core::oauth::{LinkedAccount, PendingAuthorization, PendingSignup};
use accountd_core::password::PasswordHashString;
use accountd_core::token::TokenHash;
use accountd_core::user::{Activity, LoginAttempt, Notifications, Preferences, Role, Session, User};
use accountd_core::{SessionId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A unique key the database enforces; a violation names the key that was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    UserEmail,
    UserUsername,
    /// A provider's identity is linked to an account already.
    LinkedIdentity,
    /// The account has an identity of this provider linked already.
    LinkedProvider,
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unique key {0:?} violated")]
    Conflict(UniqueKey),
    #[error("the database URL is not supported: {0}")]
    UnsupportedUrl(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// The fields of a new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub email: String,
    pub email_normalized: String,
    pub username: String,
    pub display_name: Option<String>,
    pub password_hash: Option<PasswordHashString>,
    pub role: Role,
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
}

/// The fields of a profile the user edits themselves.
#[derive(Debug, Clone)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub bio: String,
    pub preferences: Preferences,
    pub notifications: Notifications,
    pub discord_webhook_url: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// One page of a list and the size of the whole list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    pub offset: i64,
}

#[async_trait]
pub trait UserRepo {
    /// Fails with `Conflict(UserEmail | UserUsername)` when either is taken.
    async fn insert_user(&mut self, user: &NewUser) -> Result<(), StoreError>;
    async fn user_by_id(&mut self, id: UserId) -> Result<Option<User>, StoreError>;
    /// An account by its lower-cased email or username.
    async fn user_by_login(&mut self, identifier: &str) -> Result<Option<User>, StoreError>;
    async fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StoreError>;
    async fn username_exists(&mut self, username: &str) -> Result<bool, StoreError>;
    /// Accounts that are not banned whose username or display name starts with `prefix`.
    async fn search_users(&mut self, prefix: &str, page: PageRequest) -> Result<Page<User>, StoreError>;
    async fn update_profile(&mut self, id: UserId, changes: &ProfileChanges) -> Result<(), StoreError>;
    async fn set_role(&mut self, id: UserId, role: Role, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn set_last_login(&mut self, id: UserId, at: DateTime<Utc>) -> Result<(), StoreError>;
}

#[async_trait]
pub trait SessionRepo {
    async fn insert_session(&mut self, session: &Session, token: &TokenHash) -> Result<(), StoreError>;
    /// The live (unexpired) session with this token, and its account.
    async fn session_by_token(
        &mut self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError>;
    async fn touch_session(
        &mut self,
        id: SessionId,
        last_seen_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Live sessions of an account, newest first.
    async fn sessions_of(&mut self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, StoreError>;
    /// Whether a session of this account was deleted.
    async fn delete_session(&mut self, user: UserId, id: SessionId) -> Result<bool, StoreError>;
    /// Deletes every session of an account but `keep`; returns how many went.
    async fn delete_sessions_of(&mut self, user: UserId, keep: Option<SessionId>) -> Result<u64, StoreError>;
    async fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait LoginHistoryRepo {
    async fn insert_login_attempt(&mut self, attempt: &LoginAttempt) -> Result<(), StoreError>;
    /// Newest first.
    async fn login_attempts_of(&mut self, user: UserId, page: PageRequest) -> Result<Page<LoginAttempt>, StoreError>;
}

#[async_trait]
pub trait ActivityRepo {
    async fn insert_activity(&mut self, activity: &Activity) -> Result<(), StoreError>;
    /// Newest first.
    async fn activities_of(&mut self, user: UserId, page: PageRequest) -> Result<Page<Activity>, StoreError>;
}

/// Social login: linked identities, and the single-use records of sign-ins in progress.
#[async_trait]
pub trait OAuthRepo {
    /// Also deletes the authorization requests that expired, so they don't pile up.
    async fn insert_pending_authorization(
        &mut self,
        state: &TokenHash,
        pending: &PendingAuthorization,
    ) -> Result<(), StoreError>;
    /// Deletes and returns the authorization request in one statement, so of two
    /// concurrent uses of one state only one gets it. Expiry is the caller's to check.
    async fn take_pending_authorization(
        &mut self,
        state: &TokenHash,
    ) -> Result<Option<PendingAuthorization>, StoreError>;
    /// Also deletes the sign-ups that expired.
    async fn insert_pending_signup(&mut self, token: &TokenHash, signup: &PendingSignup) -> Result<(), StoreError>;
    async fn pending_signup(&mut self, token: &TokenHash) -> Result<Option<PendingSignup>, StoreError>;
    /// Whether this call deleted it (single use under concurrency).
    async fn delete_pending_signup(&mut self, token: &TokenHash) -> Result<bool, StoreError>;
    /// Fails with `Conflict(LinkedIdentity | LinkedProvider)`.
    async fn insert_linked_account(&mut self, account: &LinkedAccount) -> Result<(), StoreError>;
    async fn linked_account_by_identity(
        &mut self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<LinkedAccount>, StoreError>;
    /// Oldest first.
    async fn linked_accounts_of(&mut self, user: UserId) -> Result<Vec<LinkedAccount>, StoreError>;
    /// Writes what the provider said of the identity at the latest login.
    async fn refresh_linked_account(&mut self, account: &LinkedAccount) -> Result<(), StoreError>;
    /// Deletes the account's identity at `provider` and returns how many identities the
    /// account has left. Concurrent unlinks of one account are serialized, so the count
    /// is exact in the transaction.
    async fn delete_linked_account(&mut self, user: UserId, provider: &str) -> Result<Option<i64>, StoreError>;
}

/// A connection to the store: every repository on one connection, so a use case
/// can make several changes in one transaction.
#[async_trait]
pub trait Conn: UserRepo + SessionRepo + LoginHistoryRepo + ActivityRepo + OAuthRepo + Send {
    /// Makes a transaction's changes durable. On a reading connection it does nothing;
    /// dropping a transaction without committing rolls it back.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A connection for reads (and single-statement writes that may run outside a transaction).
    async fn reader(&self) -> Result<Box<dyn Conn>, StoreError>;
    /// A transaction. On SQLite transactions are serialized through one writer
    /// connection, so they queue instead of failing with "database is locked".
    async fn begin(&self) -> Result<Box<dyn Conn>, StoreError>;
    /// Applies the pending migrations of this backend.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// Answers whether the database can be reached right now.
    async fn ping(&self) -> Result<(), StoreError>;
    /// The backend's name, for logs and `config check`.
    fn backend(&self) -> &'static str;
}

/// Opens the store named by a database URL: `sqlite://path` or `postgres://…`.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// The URL with any password replaced, fit for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(unparseable URL)".into(),
    }
}

/// Turns a driver error into a store error, naming the unique key a violation hit.
/// PostgreSQL reports the index name; SQLite reports the columns or the index name.
fn classify(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error {
        if db.is_unique_violation() {
            let detail = db.constraint().map(str::to_owned).unwrap_or_else(|| db.message().to_owned());
            let key = if detail.contains("users_email_key") || detail.contains("users.email_normalized") {
                UniqueKey::UserEmail
            } else if detail.contains("users_username_key") {
                UniqueKey::UserUsername
            } else if detail.contains("linked_accounts_identity_key")
                || detail.contains("linked_accounts.provider, linked_accounts.subject")
            {
                UniqueKey::LinkedIdentity
            } else if detail.contains("linked_accounts_pkey")
                || detail.contains("linked_accounts.user_id, linked_accounts.provider")
            {
                UniqueKey::LinkedProvider
            } else {
                UniqueKey::Other
            };
            return StoreError::Conflict(key);
        }
    }
    StoreError::Database(error)
}
