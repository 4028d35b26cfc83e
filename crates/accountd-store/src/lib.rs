//! Storage for accountd: one set of async traits, one per aggregate, and an
//! implementation of them that serves both backends. Nothing above this crate writes SQL.
//!
//! The backend is chosen once, at start-up, from the database URL's scheme
//! ([`connect`]). Use cases work on a [`Conn`]: either a plain reading connection
//! ([`Store::reader`]) or a transaction ([`Store::begin`]) that they commit.

mod feed_watch;
mod postgres;
mod queries;
mod rows;
mod sqlite;

use std::sync::Arc;

use accountd_core::access::{LimitOverrides, PersonalAccessToken};
use accountd_core::mail::{Address, EmailToken, TokenPurpose};
use accountd_core::media::{MediaObject, MediaSlot};
use accountd_core::oauth::{LinkedAccount, PendingAuthorization, PendingSignup};
use accountd_core::password::PasswordHashString;
use accountd_core::referral::{CreditEntry, Referral};
use accountd_core::token::TokenHash;
use accountd_core::user::{Activity, LoginAttempt, Notifications, Preferences, Role, Session, User};
use accountd_core::{SessionId, TokenId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A unique key the database enforces; a violation names the key that was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    UserEmail,
    UserUsername,
    Address,
    /// A provider's identity is linked to an account already.
    LinkedIdentity,
    /// The account has an identity of this provider linked already.
    LinkedProvider,
    /// A passkey's credential id is registered already (to any account).
    PasskeyCredential,
    /// The account has an export pending or running already.
    ExportInProgress,
    /// Another account holds this referral code.
    ReferralCode,
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

impl StoreError {
    /// The database cannot be reached right now: it is down or restarting, the connection
    /// broke, or no connection came free in time. A retry may succeed.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database(
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed,
            ) => true,
            // PostgreSQL's classes 08 (connection exception) and 57P (the server is shutting
            // down, or starting and not yet accepting connections).
            Self::Database(sqlx::Error::Database(error)) => {
                error.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P"))
            }
            _ => false,
        }
    }

    /// The database has no room left to write: SQLite's `SQLITE_FULL` (13),
    /// PostgreSQL's `disk_full` (53100).
    pub fn is_storage_full(&self) -> bool {
        match self {
            Self::Database(sqlx::Error::Database(error)) => {
                error.code().is_some_and(|code| code == "13" || code == "53100")
            }
            _ => false,
        }
    }
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

/// A place in the feed: rows are numbered in commit order, and a reader keeps the
/// position of the last row it read and asks for the rows after it. Positions only rise
/// (never reused, also after pruning); numbers may be skipped. `FeedPosition(0)` is before
/// every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FeedPosition(pub u64);

impl FeedPosition {
    fn to_sql(self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }

    fn from_sql(value: i64) -> Self {
        Self(u64::try_from(value).unwrap_or(0))
    }
}

/// A stream of the feed. Topics are constants here, so that a writer and its readers
/// cannot disagree on a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeedTopic(&'static str);

impl FeedTopic {
    /// Changes to what authenticates a session or fills a profile: the account's row, its
    /// sessions going away, its addresses and linked accounts. The database's triggers
    /// write it (migrations 0006 and 0012), so no writer can forget it; the payload is `{}`.
    pub const ACCOUNT: Self = Self("account");

    /// A topic by name: for the constants of new topics, declared next to these, and tests.
    pub const fn named(name: &'static str) -> Self {
        Self(name)
    }

    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

/// In the account topic, a change to every account (the nil id): written where naming the
/// account is not allowed (its erasure).
pub const EVERY_ACCOUNT: UserId = UserId::from_uuid(Uuid::nil());

/// A row of the feed that has its position, as a stream reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    pub position: FeedPosition,
    pub user: Option<UserId>,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// A row of a topic as [`FeedRepo::feed_rows_after`] reads it: committed, and perhaps not
/// numbered yet (`position` is `None` until the PostgreSQL sequencer has run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeedRow {
    /// The row's identity, the same when it is read again with its position.
    pub id: i64,
    pub position: Option<FeedPosition>,
    pub user: Option<UserId>,
}

/// The commit-ordered feed (migration 0012): writers append in their transaction, readers
/// read a topic after a position. SQLite numbers a row as it is written (one writer at a
/// time); PostgreSQL numbers committed rows in [`FeedRepo::sequence_feed`], which each
/// node's feed listener runs when a commit notifies it (see [`Store::feed_signal`]).
#[async_trait]
pub trait FeedRepo {
    /// Appends an event in this connection's transaction; readers see it once that commits.
    async fn append_feed_event(
        &mut self,
        topic: FeedTopic,
        user: Option<UserId>,
        payload: &serde_json::Value,
    ) -> Result<(), StoreError>;
    /// Up to `limit` events of `topic` after `after`, oldest first, only rows that have a
    /// position: what a stream reads, resuming from the last position it delivered.
    async fn feed_events_after(
        &mut self,
        topic: FeedTopic,
        after: FeedPosition,
        limit: i64,
    ) -> Result<Vec<FeedEvent>, StoreError>;
    /// Every committed row of `topic` after `after`, and every one not numbered yet, in no
    /// particular order: a committed change is seen at once, before the sequencer runs. A
    /// row not numbered yet is read again (by the same `id`) until it is behind the cursor.
    async fn feed_rows_after(&mut self, topic: FeedTopic, after: FeedPosition) -> Result<Vec<FeedRow>, StoreError>;
    /// The newest position given out: reading after it returns only later rows.
    async fn feed_head(&mut self) -> Result<FeedPosition, StoreError>;
    /// Numbers the committed rows that have no position (PostgreSQL; nothing to do on
    /// SQLite) and returns the head. Call it on a reading connection, not in a transaction.
    async fn sequence_feed(&mut self) -> Result<FeedPosition, StoreError>;
    /// Records that the node `reader` has read every topic up to `position`, now.
    async fn record_feed_reader(&mut self, reader: Uuid, position: FeedPosition) -> Result<(), StoreError>;
    /// Forgets the readers not recorded within `silence` (they start over), then deletes
    /// the rows that have a position, that every remaining reader has read, and that are
    /// older than `min_age` (so a stream can still resume from them); returns how many.
    /// With no live reader nothing is deleted.
    async fn prune_feed(
        &mut self,
        silence: std::time::Duration,
        min_age: std::time::Duration,
    ) -> Result<u64, StoreError>;
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
    /// How often the account did `action` since a moment, for per-account rate limits.
    async fn count_activities_since(
        &mut self,
        user: UserId,
        action: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
}

#[async_trait]
pub trait CredentialRepo {
    /// Replaces the password; the previous hash, if any, goes into the history.
    async fn set_password(
        &mut self,
        user: UserId,
        hash: &PasswordHashString,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Removes the password and the earlier ones: the account signs in without one.
    async fn remove_password(&mut self, user: UserId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Earlier password hashes, newest first.
    async fn password_history(&mut self, user: UserId, limit: i64) -> Result<Vec<PasswordHashString>, StoreError>;
}

/// Changes to the account's identity fields.
#[async_trait]
pub trait IdentityRepo {
    /// Fails with `Conflict(UserEmail)` when another account has the email.
    async fn set_email(
        &mut self,
        user: UserId,
        email: &str,
        email_normalized: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Fails with `Conflict(UserUsername)` when another account has the username.
    async fn set_username(&mut self, user: UserId, username: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Whether any account uses this (lower-cased) address, as its email or as an additional address.
    async fn email_in_use(&mut self, email_normalized: &str) -> Result<bool, StoreError>;
}

/// A job to queue (migration 0011).
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub id: Uuid,
    /// The kind's stable name, which picks the handler (`mail.send`, …).
    pub kind: &'a str,
    /// The job's value, as JSON.
    pub payload: &'a str,
    /// What the job concerns, so that it can be dropped with it (`mailto:` + address).
    pub about: Option<&'a str>,
    /// At most one job is ever queued per key; `None` for ordinary jobs.
    pub dedupe_key: Option<&'a str>,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
}

/// A job a worker leased: it owns it until the lease ends, under this attempt's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: String,
    /// This attempt's number, from 1; the outcome is recorded under it.
    pub attempt: i32,
    pub max_attempts: i32,
}

/// The job queue. Every outcome is recorded under the attempt that claimed the job, and
/// answers `false` when that attempt no longer holds it (its lease ran out and another
/// worker took the job over), so a late worker changes nothing.
#[async_trait]
pub trait JobRepo {
    /// Queues a job, unless one with the same dedupe key was ever queued (then `false`).
    async fn enqueue_job(&mut self, job: &NewJob<'_>, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Whether a job of `kind` is due and not leased: a read, so that an idle queue's polls
    /// take no write lock.
    async fn has_due_jobs(&mut self, kind: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Leases up to `limit` due jobs of `kind` that no live lease holds, oldest due first,
    /// until `lease_until`, counting an attempt of each. Concurrent workers never lease the
    /// same job; jobs out of attempts are not leased.
    async fn claim_jobs(
        &mut self,
        kind: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>, StoreError>;
    /// Keeps a long job leased while it runs.
    async fn extend_job_lease(&mut self, job: &ClaimedJob, lease_until: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Marks the job done and forgets what it was about (payload and `about`).
    async fn finish_job(&mut self, job: &ClaimedJob, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Releases the job to run again at `run_at`.
    async fn retry_job(&mut self, job: &ClaimedJob, run_at: DateTime<Utc>, error: &str) -> Result<bool, StoreError>;
    /// Marks the job failed for good.
    async fn fail_job(&mut self, job: &ClaimedJob, error: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Deletes the jobs done before `done_before`, and fails the jobs whose last attempt's
    /// lease ran out (their worker died); returns how many rows it deleted or failed.
    async fn prune_jobs(&mut self, done_before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// The status and attempts of a job (`pending`, `done`, `failed`), for the tests and the operator.
    async fn job_status(&mut self, id: Uuid) -> Result<Option<(String, i32)>, StoreError>;
    /// Whether a job of `kind` with exactly this payload is still pending (due, leased or
    /// waiting for a retry), as opposed to done, failed or gone.
    async fn pending_job_exists(&mut self, kind: &str, payload: &str) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait EmailTokenRepo {
    async fn insert_email_token(&mut self, token: &TokenHash, record: &EmailToken) -> Result<(), StoreError>;
    /// Marks an unused, unexpired token of this purpose used and returns it; `None` otherwise.
    async fn consume_email_token(
        &mut self,
        token: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<EmailToken>, StoreError>;
    /// An unused, unexpired token of this purpose, without consuming it.
    async fn peek_email_token(
        &mut self,
        token: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<EmailToken>, StoreError>;
    /// Retires every unused token of an account for a purpose (a newer one replaces them).
    async fn retire_email_tokens(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Tokens of every purpose (and sign-ins by email) sent to an address since a moment,
    /// for the per-recipient mail cap.
    async fn count_email_tokens_since(
        &mut self,
        email_normalized: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// The newest unused, unexpired token of a purpose (an email change waiting for confirmation).
    async fn live_email_token(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<EmailToken>, StoreError>;
}

#[async_trait]
pub trait AddressRepo {
    /// Fails with `Conflict(Address)` when the address is taken.
    async fn insert_address(&mut self, address: &Address, normalized: &str) -> Result<(), StoreError>;
    /// Oldest first.
    async fn addresses_of(&mut self, user: UserId) -> Result<Vec<Address>, StoreError>;
    async fn address_of(&mut self, user: UserId, id: Uuid) -> Result<Option<Address>, StoreError>;
    async fn delete_address(&mut self, user: UserId, id: Uuid) -> Result<bool, StoreError>;
    async fn delete_addresses_of(&mut self, user: UserId) -> Result<u64, StoreError>;
    /// Whether this (lower-cased) address is a verified additional address of some account.
    async fn is_verified_address(&mut self, email_normalized: &str) -> Result<bool, StoreError>;
    async fn mark_address_verified(&mut self, user: UserId, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
}

/// Personal access tokens and the upload token.
#[async_trait]
pub trait TokenRepo {
    async fn insert_pat(&mut self, token: &PersonalAccessToken, hash: &TokenHash) -> Result<(), StoreError>;
    /// The account's tokens that have not expired, newest first.
    async fn pats_of(&mut self, user: UserId, now: DateTime<Utc>) -> Result<Vec<PersonalAccessToken>, StoreError>;
    /// Whether a token of this account was deleted.
    async fn delete_pat(&mut self, user: UserId, id: TokenId) -> Result<bool, StoreError>;
    async fn delete_pats_of(&mut self, user: UserId) -> Result<u64, StoreError>;
    /// The unexpired token with this hash, and its account.
    async fn pat_by_token(
        &mut self,
        hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(PersonalAccessToken, User)>, StoreError>;
    async fn touch_pat(&mut self, id: TokenId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The sealed upload token of an account and when it was made.
    async fn upload_token_of(&mut self, user: UserId) -> Result<Option<(String, DateTime<Utc>)>, StoreError>;
    /// Stores the account's upload token unless it already has one.
    async fn insert_upload_token_if_absent(
        &mut self,
        user: UserId,
        hash: &TokenHash,
        sealed: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Stores the account's upload token in place of any old one, in one statement.
    async fn replace_upload_token(
        &mut self,
        user: UserId,
        hash: &TokenHash,
        sealed: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn delete_upload_token(&mut self, user: UserId) -> Result<(), StoreError>;
    /// The account whose upload token has this hash.
    async fn user_by_upload_token(&mut self, hash: &TokenHash) -> Result<Option<User>, StoreError>;
}

/// Per-account limits and what counts against them.
#[async_trait]
pub trait LimitRepo {
    async fn limit_overrides(&mut self, user: UserId) -> Result<LimitOverrides, StoreError>;
    async fn set_limit_overrides(&mut self, user: UserId, overrides: &LimitOverrides) -> Result<(), StoreError>;
    async fn count_sessions(&mut self, user: UserId, now: DateTime<Utc>) -> Result<i64, StoreError>;
    /// Deletes the account's least recently seen sessions so that at most `keep` remain.
    async fn trim_sessions(&mut self, user: UserId, keep: i64) -> Result<u64, StoreError>;
}

/// What a failed authentication got wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailureKind {
    Password,
    SecondFactor,
}

impl AuthFailureKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::SecondFactor => "second_factor",
        }
    }
}

/// The throttling subject of an account; identifiers no account has are keyed by the
/// caller as `unknown:` and a hash.
pub fn account_subject(user: UserId) -> String {
    format!("account:{user}")
}

/// Failed authentications, for throttling that holds across nodes (migration 0008).
/// The `subject` is the caller's key for an account or for an identifier no account has.
#[async_trait]
pub trait LoginThrottleRepo {
    /// Records one failure, and deletes every failure (of any subject) from before
    /// `forget_before`, so the table holds no more than the window.
    async fn record_auth_failure(
        &mut self,
        subject: &str,
        client_prefix: &str,
        kind: AuthFailureKind,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The subject's failures of `kind` after `since`, oldest first: when, and from which client prefix.
    async fn auth_failures_since(
        &mut self,
        subject: &str,
        kind: AuthFailureKind,
        since: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, String)>, StoreError>;
    /// Makes the transaction the only one counting and recording the subject's failures
    /// until it ends, on every node: a count read after this sees every failure recorded
    /// by a transaction that held it before.
    async fn hold_auth_failures(&mut self, subject: &str) -> Result<(), StoreError>;
    /// Forgets the subject's failures from one client prefix (after a success from it).
    async fn clear_client_auth_failures(&mut self, subject: &str, client_prefix: &str) -> Result<(), StoreError>;
    /// Forgets every failure of the account, from every client (after a password reset).
    async fn clear_login_failures(&mut self, user: UserId) -> Result<(), StoreError>;
}

/// What [`RateLimitRepo::take_rate_limit`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitDecision {
    Allowed,
    /// Refused; the next request of the key is allowed this many milliseconds from now.
    Refused {
        wait_ms: i64,
    },
}

/// Request allowances shared by every node (migration 0019): the generic cell rate
/// algorithm, one row per key, each request taken by one atomic statement.
#[async_trait]
pub trait RateLimitRepo {
    /// Takes one request of `key` at `now_ms` (milliseconds since the epoch): allowed while
    /// the key's theoretical arrival time is at most `tolerance_ms` ahead of now, which it
    /// then moves on by `interval_ms`; a refusal changes nothing. A token bucket of
    /// `tolerance_ms / interval_ms + 1` requests refilled one per `interval_ms`.
    async fn take_rate_limit(
        &mut self,
        key: &str,
        now_ms: i64,
        interval_ms: i64,
        tolerance_ms: i64,
    ) -> Result<RateLimitDecision, StoreError>;
    /// Deletes the keys whose allowance is full again by `now_ms` (the same as no row).
    async fn prune_rate_limits(&mut self, now_ms: i64) -> Result<u64, StoreError>;
}

/// What administrators do to accounts.
#[async_trait]
pub trait AdminRepo {
    /// Every account (banned ones too) whose email, username or display name starts
    /// with `prefix`, or every account when it is `None`.
    async fn list_users(&mut self, prefix: Option<&str>, page: PageRequest) -> Result<Page<User>, StoreError>;
    async fn set_banned(
        &mut self,
        user: UserId,
        banned: bool,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn set_email_verified(&mut self, user: UserId, verified: bool, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The administrators that are not banned, locked until the transaction ends: of two
    /// transactions that each take one away, the second waits for the first and sees
    /// what it left (PostgreSQL row locks; SQLite has one writer at a time).
    async fn lock_active_admins(&mut self) -> Result<Vec<UserId>, StoreError>;
    /// Activity of every account, newest first, optionally of one account or one action.
    async fn all_activities(
        &mut self,
        user: Option<UserId>,
        action: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Activity>, StoreError>;
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
    /// Reads the authorization request without using it up, so a request that fails its
    /// checks (a missing binding) leaves it to the client that started it.
    async fn pending_authorization(&mut self, state: &TokenHash) -> Result<Option<PendingAuthorization>, StoreError>;
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
    async fn delete_linked_accounts_of(&mut self, user: UserId) -> Result<u64, StoreError>;
}

/// The TOTP factor of an account, as stored.
#[derive(Debug, Clone)]
pub struct TwoFactorRecord {
    /// Sealed under the instance key.
    pub secret_sealed: String,
    /// `None` while the setup waits for its first code.
    pub enabled_at: Option<DateTime<Utc>>,
    pub last_step: i64,
    pub email_code_hash: Option<String>,
    pub email_code_expires_at: Option<DateTime<Utc>>,
    pub recovery_generated_at: Option<DateTime<Utc>>,
}

/// A live second login step.
#[derive(Debug, Clone)]
pub struct MfaChallenge {
    pub user_id: UserId,
    /// How the first step was made (`password`), for the login history.
    pub method: String,
}

#[async_trait]
pub trait TwoFactorRepo {
    async fn two_factor_of(&mut self, user: UserId) -> Result<Option<TwoFactorRecord>, StoreError>;
    /// Stores a new pending secret, replacing an earlier pending one; `false` (and no change)
    /// when the factor is already enabled.
    async fn save_pending_two_factor(
        &mut self,
        user: UserId,
        secret_sealed: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Sets or (with `None`) clears the mailed confirmation code of the enable step.
    async fn set_two_factor_email_code(
        &mut self,
        user: UserId,
        code: Option<(&TokenHash, DateTime<Utc>)>,
    ) -> Result<(), StoreError>;
    /// Counts a wrong mailed code; at `max_failures` the code is cleared.
    async fn fail_two_factor_email_code(&mut self, user: UserId, max_failures: i32) -> Result<(), StoreError>;
    /// Records `step` as accepted when it is newer than every step accepted before, in one
    /// conditional statement, so two requests with one code can't both pass. `false` otherwise.
    async fn accept_totp_step(&mut self, user: UserId, step: i64) -> Result<bool, StoreError>;
    /// Turns the pending factor on (and `users.two_factor_enabled` with it); `false` when none was pending.
    async fn enable_two_factor(&mut self, user: UserId, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Removes the factor, its recovery codes and open login steps; `users.two_factor_enabled` off.
    async fn delete_two_factor(&mut self, user: UserId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Replaces every recovery code of the account with `hashes`, keeping the sealed set until revealed.
    async fn replace_recovery_codes(
        &mut self,
        user: UserId,
        hashes: &[TokenHash],
        sealed: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Marks an unused code used, atomically; `false` for an unknown or used code.
    async fn use_recovery_code(
        &mut self,
        user: UserId,
        hash: &TokenHash,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// `(total, remaining)`.
    async fn recovery_code_counts(&mut self, user: UserId) -> Result<(i64, i64), StoreError>;
    /// The sealed set of the newest codes, dropped as it is returned: it is revealed once.
    async fn take_sealed_recovery_codes(&mut self, user: UserId) -> Result<Option<String>, StoreError>;
    async fn insert_mfa_token(
        &mut self,
        token: &TokenHash,
        challenge: &MfaChallenge,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Counts an attempt on a live login step with attempts left, and returns it;
    /// `None` for an unknown, expired or burned one. Locks the step for the transaction.
    async fn begin_mfa_attempt(
        &mut self,
        token: &TokenHash,
        now: DateTime<Utc>,
        max_attempts: i32,
    ) -> Result<Option<MfaChallenge>, StoreError>;
    /// Whether the login step existed (it is single-use).
    async fn delete_mfa_token(&mut self, token: &TokenHash) -> Result<bool, StoreError>;
}

/// The avatar and banner of accounts (migration 0015): which stored object each is.
#[async_trait]
pub trait MediaRepo {
    /// The account's pictures, avatar first.
    async fn media_of(&mut self, user: UserId) -> Result<Vec<MediaObject>, StoreError>;
    /// Makes `object` the account's picture of its slot and points the profile's URL of
    /// that slot at `url`; returns the picture it replaced. The slot's row is locked until
    /// the transaction ends.
    async fn replace_media(&mut self, object: &MediaObject, url: &str) -> Result<Option<MediaObject>, StoreError>;
    /// Removes the account's picture of `slot` and clears the profile's URL of it; returns
    /// the picture removed.
    async fn remove_media(
        &mut self,
        user: UserId,
        slot: MediaSlot,
        at: DateTime<Utc>,
    ) -> Result<Option<MediaObject>, StoreError>;
    /// Whether some account's picture is the object with this key.
    async fn media_key_in_use(&mut self, key: &str) -> Result<bool, StoreError>;
}

/// A passkey of an account, as stored (migration 0013).
#[derive(Debug, Clone)]
pub struct PasskeyRecord {
    pub id: Uuid,
    pub user_id: UserId,
    /// base64url of the WebAuthn credential id.
    pub credential_id: String,
    /// The credential as the WebAuthn library keeps it (public key, counter, flags), as JSON.
    pub credential: String,
    pub name: String,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub transports: Vec<String>,
    pub sign_count: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What a WebAuthn ceremony in progress is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyPurpose {
    Register,
    Login,
    SecondFactor,
}

impl CeremonyPurpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
            Self::SecondFactor => "second_factor",
        }
    }
}

/// A WebAuthn ceremony in progress: the library's state, and whom it is for.
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub id: Uuid,
    /// `None` for a login with a discoverable credential.
    pub user_id: Option<UserId>,
    pub purpose: CeremonyPurpose,
    /// The second login step it belongs to.
    pub mfa_token: Option<TokenHash>,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The updates a passed assertion makes to its passkey.
#[derive(Debug, Clone)]
pub struct PasskeyUse {
    pub credential: String,
    pub sign_count: i64,
    pub backed_up: bool,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait PasskeyRepo {
    /// Fails with `Conflict(PasskeyCredential)` when the credential id is registered already.
    async fn insert_passkey(&mut self, passkey: &PasskeyRecord) -> Result<(), StoreError>;
    /// Oldest first.
    async fn passkeys_of(&mut self, user: UserId) -> Result<Vec<PasskeyRecord>, StoreError>;
    async fn passkey_by_credential_id(&mut self, credential_id: &str) -> Result<Option<PasskeyRecord>, StoreError>;
    /// Whether a passkey of this account was renamed.
    async fn rename_passkey(&mut self, user: UserId, id: Uuid, name: &str) -> Result<bool, StoreError>;
    /// Deletes a passkey of the account and returns how many the account has left, or
    /// `None` when it had no such passkey. Concurrent deletions of one account are
    /// serialized (a row lock on the account), so the count is exact in the transaction.
    async fn delete_passkey(&mut self, user: UserId, id: Uuid) -> Result<Option<i64>, StoreError>;
    async fn delete_passkeys_of(&mut self, user: UserId) -> Result<u64, StoreError>;
    /// Records a passed assertion, in one conditional statement: `false` (and no change)
    /// when the stored counter is no longer below the new one, so of two assertions with
    /// one counter value only one passes. A counter of 0 (authenticators without one)
    /// and backup-eligible keys are not compared.
    async fn record_passkey_use(&mut self, id: Uuid, used: &PasskeyUse) -> Result<bool, StoreError>;
    /// Also deletes the ceremonies that expired, so they don't pile up.
    async fn insert_ceremony(&mut self, ceremony: &Ceremony) -> Result<(), StoreError>;
    /// Deletes and returns the ceremony in one statement (single use under concurrency).
    /// Expiry is the caller's to check.
    async fn take_ceremony(&mut self, id: Uuid) -> Result<Option<Ceremony>, StoreError>;
    /// The live second login step of this token without counting an attempt:
    /// `None` for an unknown, expired or burned one.
    async fn peek_mfa_token(
        &mut self,
        token: &TokenHash,
        now: DateTime<Utc>,
        max_attempts: i32,
    ) -> Result<Option<MfaChallenge>, StoreError>;
}

/// A sign-in by email as stored: the link's token (by hash) and the code (by hash).
#[derive(Debug, Clone)]
pub struct EmailLogin {
    pub user_id: UserId,
    /// The lower-cased address it was sent to.
    pub email: String,
    pub code_hash: TokenHash,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait EmailLoginRepo {
    async fn insert_email_login(&mut self, token: &TokenHash, login: &EmailLogin) -> Result<(), StoreError>;
    /// Spends every unused sign-in of the account (a newer one replaces them; a
    /// credential change voids them).
    async fn retire_email_logins(&mut self, user: UserId, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Spends the unused, unexpired sign-in with this link token and returns it, in one
    /// statement; `None` otherwise.
    async fn consume_email_login(
        &mut self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<EmailLogin>, StoreError>;
    /// The newest unused, unexpired sign-in sent to this (lower-cased) address, with its
    /// token hash, locked for the transaction.
    async fn live_email_login(
        &mut self,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenHash, EmailLogin)>, StoreError>;
    /// Counts a wrong code; at `max_failures` the sign-in is spent.
    async fn fail_email_login_code(&mut self, token: &TokenHash, max_failures: i32) -> Result<(), StoreError>;
}

#[async_trait]
pub trait ErasureRepo {
    /// Removes the account and everything that cascades from it, its activity rows, and
    /// the jobs about `recipients` (their mail, pending or failed).
    async fn erase_account(&mut self, user: UserId, recipients: &[String]) -> Result<(), StoreError>;
}

/// Referral codes and who registered with whose code (migration 0014).
#[async_trait]
pub trait ReferralRepo {
    /// The account's code (lower-cased).
    async fn referral_code_of(&mut self, user: UserId) -> Result<Option<String>, StoreError>;
    /// Gives the account this code unless it has one already or another account holds
    /// the code (then nothing changes: a generated code that collides is dropped, and
    /// the account gets another one when it is asked for).
    async fn insert_referral_code_if_absent(
        &mut self,
        user: UserId,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Replaces the account's code; fails with `Conflict(ReferralCode)` when another
    /// account holds it (case-insensitively).
    async fn set_referral_code(&mut self, user: UserId, code: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The account holding a code, compared case-insensitively; banned accounts too. In a
    /// transaction the account is locked until it ends, so a ban racing a registration
    /// with its code waits for it.
    async fn user_by_referral_code(&mut self, code: &str) -> Result<Option<User>, StoreError>;
    async fn insert_referral(
        &mut self,
        referrer: UserId,
        referee: UserId,
        reward: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The accounts referred by `user`, newest first.
    async fn referrals_of(&mut self, user: UserId, page: PageRequest) -> Result<Page<Referral>, StoreError>;
    /// How many accounts `user` referred, and the rewards it got for them.
    async fn referral_stats(&mut self, user: UserId) -> Result<(i64, i64), StoreError>;
}

/// The credit ledger (migration 0014): entries are appended and read, never changed or
/// removed (the database refuses both; entries go only with their account).
#[async_trait]
pub trait CreditRepo {
    async fn append_credit(&mut self, entry: &CreditEntry) -> Result<(), StoreError>;
    /// The sum of the account's entries.
    async fn credit_balance(&mut self, user: UserId) -> Result<i64, StoreError>;
    /// Newest first.
    async fn credit_entries_of(&mut self, user: UserId, page: PageRequest) -> Result<Page<CreditEntry>, StoreError>;
}

/// The last value a provider check of a perk gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerkCheck {
    pub perk_id: String,
    pub current: i64,
    pub checked_at: DateTime<Utc>,
}

#[async_trait]
pub trait PerkRepo {
    async fn perk_checks_of(&mut self, user: UserId) -> Result<Vec<PerkCheck>, StoreError>;
    /// Inserts or replaces the account's check of one perk.
    async fn save_perk_check(&mut self, user: UserId, check: &PerkCheck) -> Result<(), StoreError>;
}

#[async_trait]
pub trait UploadDomainRepo {
    /// Selects the account's upload domain; `None` goes back to the instance's default.
    async fn set_upload_domain(
        &mut self,
        user: UserId,
        domain: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// A connection to the store: every repository on one connection, so a use case
/// can make several changes in one transaction.
#[async_trait]
pub trait Conn:
    UserRepo
    + SessionRepo
    + LoginHistoryRepo
    + ActivityRepo
    + CredentialRepo
    + IdentityRepo
    + JobRepo
    + EmailTokenRepo
    + AddressRepo
    + TokenRepo
    + LimitRepo
    + LoginThrottleRepo
    + RateLimitRepo
    + AdminRepo
    + OAuthRepo
    + TwoFactorRepo
    + ErasureRepo
    + FeedRepo
    + MediaRepo
    + PasskeyRepo
    + EmailLoginRepo
    + ActivityLogRepo
    + ExportRepo
    + ReferralRepo
    + CreditRepo
    + PerkRepo
    + UploadDomainRepo
    + Send
{
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
    /// The feed's head as this process last saw it; it changes when rows may have been
    /// added to the feed (by any node), so a stream waits on it and then reads after its
    /// cursor. The first call starts, on the current Tokio runtime, the task that follows
    /// the feed: on PostgreSQL it listens for the commits' notifications and runs the
    /// sequencer; on SQLite it looks after each commit of this process. Both also look
    /// every [`FEED_POLL`], so a missed notification (or a write by another process)
    /// costs latency, never an event. The task ends when the store is dropped.
    fn feed_signal(&self) -> tokio::sync::watch::Receiver<u64>;
}

/// How often the feed follower looks at the feed without being woken.
pub const FEED_POLL: std::time::Duration = std::time::Duration::from_secs(1);

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
            } else if detail.contains("addresses_address_key") || detail.contains("addresses.address_normalized") {
                UniqueKey::Address
            } else if detail.contains("linked_accounts_identity_key")
                || detail.contains("linked_accounts.provider, linked_accounts.subject")
            {
                UniqueKey::LinkedIdentity
            } else if detail.contains("linked_accounts_pkey")
                || detail.contains("linked_accounts.user_id, linked_accounts.provider")
            {
                UniqueKey::LinkedProvider
            } else if detail.contains("passkeys_credential_key") || detail.contains("passkeys.credential_id") {
                UniqueKey::PasskeyCredential
            } else if detail.contains("exports_one_active_key") || detail.contains("exports.user_id") {
                UniqueKey::ExportInProgress
            } else if detail.contains("referral_codes_code_key") || detail.contains("referral_codes.code") {
                UniqueKey::ReferralCode
            } else {
                UniqueKey::Other
            };
            return StoreError::Conflict(key);
        }
    }
    StoreError::Database(error)
}

/// A public action (`user.registered`, `username.changed`, `avatar.changed`) with the
/// account that did it, as the public feed shows it: no address, IP or user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicActivity {
    pub id: Uuid,
    pub action: String,
    pub at: DateTime<Utc>,
    pub actor_id: UserId,
    pub actor_username: String,
}

/// Where a walk through an account's activity stands: the last row read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityCursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

/// Reading activity beyond one account's page: the public feed, the walk of an export,
/// and the retention sweep.
#[async_trait]
pub trait ActivityLogRepo {
    /// Rows whose action is one of `actions`, of accounts that exist and are not banned,
    /// newest first.
    async fn public_activities(
        &mut self,
        actions: &[&str],
        page: PageRequest,
    ) -> Result<Page<PublicActivity>, StoreError>;
    /// Up to `limit` rows of the account after `after` (from the start when `None`), oldest
    /// first: a walk whose memory does not grow with the account's history.
    async fn activities_after(
        &mut self,
        user: UserId,
        after: Option<ActivityCursor>,
        limit: i64,
    ) -> Result<Vec<Activity>, StoreError>;
    /// Deletes the activity rows from before `before`; returns how many.
    async fn prune_activities(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Deletes the login attempts from before `before`; returns how many.
    async fn prune_login_attempts(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Data exports (migration 0016).
#[async_trait]
pub trait ExportRepo {
    /// Fails with `Conflict(ExportInProgress)` when the account has one pending or running.
    async fn insert_export(&mut self, export: &accountd_core::export::Export) -> Result<(), StoreError>;
    async fn export_by_id(
        &mut self,
        id: accountd_core::ExportId,
    ) -> Result<Option<accountd_core::export::Export>, StoreError>;
    /// Moves a pending or running export to `running` at `progress`; `false` when it is
    /// neither (finished, failed, or gone with its account).
    async fn set_export_progress(&mut self, id: accountd_core::ExportId, progress: i32) -> Result<bool, StoreError>;
    /// Marks the export done with its stored archive.
    async fn finish_export(
        &mut self,
        id: accountd_core::ExportId,
        archive_key: &str,
        size_bytes: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Marks a pending or running export failed with `error`; `false` when it is neither.
    async fn fail_export(
        &mut self,
        id: accountd_core::ExportId,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Up to `limit` exports that are pending or running, oldest first.
    async fn unfinished_exports(&mut self, limit: i64) -> Result<Vec<accountd_core::export::Export>, StoreError>;
    /// Up to `limit` exports whose expiry has passed, oldest first.
    async fn expired_exports(
        &mut self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<accountd_core::export::Export>, StoreError>;
    async fn delete_export(&mut self, id: accountd_core::ExportId) -> Result<(), StoreError>;
}

impl FeedTopic {
    /// Every activity row, written with it in its transaction ([`ActivityRepo::insert_activity`]);
    /// the payload is the row (`id`, `userId`, `action`, `at`, `ip`, `userAgent`, `metadata`).
    pub const ACTIVITY: Self = Self::named("activity");
    /// An export's progress (`exportId`, `status`, `progress`), for its event stream.
    pub const EXPORT: Self = Self::named("export");
}
