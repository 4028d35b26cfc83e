//! Storage for accountd: one set of async traits, one per aggregate, and an
//! implementation of them that serves both backends. Nothing above this crate writes SQL.
//!
//! The backend is chosen once, at start-up, from the database URL's scheme
//! ([`connect`]). Use cases work on a [`Conn`]: either a plain reading connection
//! ([`Store::reader`]) or a transaction ([`Store::begin`]) that they commit.

mod postgres;
mod queries;
mod rows;
mod sqlite;

use std::sync::Arc;

use accountd_core::access::{LimitOverrides, PersonalAccessToken};
use accountd_core::mail::{Address, EmailToken, OutgoingMail, QueuedMail, TokenPurpose};
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

/// Where the feed of account changes stands (migration 0006): the position after the
/// last change read. Opaque outside the store (SQLite: a sequence number; PostgreSQL: a
/// transaction horizon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor(pub u64);

/// In the change feed, a change to every account (the nil id): written where naming the
/// account is not allowed (its erasure).
pub const EVERY_ACCOUNT: UserId = UserId::from_uuid(Uuid::nil());

/// One row of the change feed: the account it names, and where in the feed it was
/// written (SQLite: its sequence number; PostgreSQL: the writing transaction). A row read
/// again has the same `user` and `position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountChange {
    pub user: UserId,
    pub position: u64,
}

/// The feed of account changes that the database's triggers write, read by the account
/// cache before it trusts an entry.
#[async_trait]
pub trait AccountChangeRepo {
    /// Where the feed stands now; reading from here returns only later changes.
    async fn account_changes_cursor(&mut self) -> Result<ChangeCursor, StoreError>;
    /// The accounts changed by transactions committed since `cursor` (an account may be
    /// named more than once, and a change may be returned again), and the next cursor.
    async fn account_changes_since(
        &mut self,
        cursor: ChangeCursor,
    ) -> Result<(ChangeCursor, Vec<AccountChange>), StoreError>;
    /// Records that the node `reader` has read the feed up to `cursor`, now.
    async fn record_feed_reader(&mut self, reader: Uuid, cursor: ChangeCursor) -> Result<(), StoreError>;
    /// Forgets the readers not recorded within `silence` (they start over), then deletes
    /// the changes every remaining reader has read; returns how many changes.
    async fn prune_account_changes(&mut self, silence: std::time::Duration) -> Result<u64, StoreError>;
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

#[async_trait]
pub trait OutboxRepo {
    async fn enqueue_mail(&mut self, mail: &OutgoingMail, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Claims up to `limit` messages that are due and not claimed by a live worker,
    /// until `lease_until`. Concurrent workers never claim the same message.
    async fn claim_due_mail(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<QueuedMail>, StoreError>;
    async fn mark_mail_sent(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn mark_mail_retry(
        &mut self,
        id: Uuid,
        attempts: i32,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError>;
    async fn mark_mail_failed(&mut self, id: Uuid, attempts: i32, error: &str) -> Result<(), StoreError>;
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
    /// Tokens of every purpose sent to an address since a moment, for the per-recipient mail cap.
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
    /// Forgets the subject's failures from one client prefix (after a success from it).
    async fn clear_client_auth_failures(&mut self, subject: &str, client_prefix: &str) -> Result<(), StoreError>;
    /// Forgets every failure of the account, from every client (after a password reset).
    async fn clear_login_failures(&mut self, user: UserId) -> Result<(), StoreError>;
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

#[async_trait]
pub trait ErasureRepo {
    /// Removes the account and everything that cascades from it, its activity rows, and
    /// the mail addressed to `recipients` still in the outbox.
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
    + OutboxRepo
    + EmailTokenRepo
    + AddressRepo
    + TokenRepo
    + LimitRepo
    + LoginThrottleRepo
    + AdminRepo
    + OAuthRepo
    + TwoFactorRepo
    + ErasureRepo
    + AccountChangeRepo
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
