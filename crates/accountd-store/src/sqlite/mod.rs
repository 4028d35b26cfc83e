//! The embedded backend. WAL lets readers run beside the one writer; every
//! transaction goes through a single writer connection so that concurrent
//! writers queue in the pool instead of failing with SQLITE_BUSY.

mod access;

use std::str::FromStr;
use std::time::Duration;

use accountd_core::oauth::{LinkedAccount, PendingAuthorization, PendingSignup};
use accountd_core::token::TokenHash;
use accountd_core::user::{Activity, LoginAttempt, Role, Session, User};
use accountd_core::{SessionId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::types::Json;
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use uuid::Uuid;

mod mail;
mod two_factor;

use crate::rows::{
    like_prefix, ActivityRow, LinkedAccountRow, LoginAttemptRow, PendingAuthorizationRow, PendingSignupRow, SessionRow,
    SessionWithUserRow, UserRow, LINKED_ACCOUNT_COLUMNS, PENDING_AUTHORIZATION_COLUMNS, PENDING_SIGNUP_COLUMNS,
    SESSION_COLUMNS, USER_COLUMNS,
};
use crate::{
    classify, AccountChangeRepo, ActivityRepo, ChangeCursor, Conn, LoginHistoryRepo, NewUser, OAuthRepo, Page,
    PageRequest, ProfileChanges, SessionRepo, Store, StoreError, UserRepo,
};

pub struct SqliteStore {
    readers: SqlitePool,
    writer: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode is durable across a crash of the process (kill -9);
            // only an OS crash or power loss can lose the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // No ping before each acquire: every ping is another round trip to the
        // connection's worker thread, on every query.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(false))
            .await?;
        Ok(Self { readers, writer })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn reader(&self) -> Result<Box<dyn Conn>, StoreError> {
        Ok(Box::new(SqliteConn::Pooled(self.readers.acquire().await?)))
    }

    async fn begin(&self) -> Result<Box<dyn Conn>, StoreError> {
        Ok(Box::new(SqliteConn::Tx(self.writer.begin().await?)))
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite").run(&self.writer).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

pub enum SqliteConn {
    Pooled(PoolConnection<Sqlite>),
    Tx(Transaction<'static, Sqlite>),
}

impl SqliteConn {
    pub(super) fn db(&mut self) -> &mut SqliteConnection {
        match self {
            Self::Pooled(conn) => conn,
            Self::Tx(tx) => tx,
        }
    }
}

#[async_trait]
impl Conn for SqliteConn {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        match *self {
            Self::Pooled(_) => Ok(()),
            Self::Tx(tx) => Ok(tx.commit().await?),
        }
    }
}

#[async_trait]
impl UserRepo for SqliteConn {
    async fn insert_user(&mut self, user: &NewUser) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, email, email_normalized, email_verified, username, display_name, role, \
             password_hash, preferences, notifications, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(user.id.as_uuid())
        .bind(&user.email)
        .bind(&user.email_normalized)
        .bind(user.email_verified)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(user.password_hash.as_ref().map(|hash| hash.0.as_str()))
        .bind(Json(accountd_core::user::Preferences::default()))
        .bind(Json(accountd_core::user::Notifications::default()))
        .bind(user.created_at)
        .bind(user.created_at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn user_by_id(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
            .bind(id.as_uuid())
            .fetch_optional(self.db())
            .await?;
        Ok(row.map(User::from))
    }

    async fn user_by_login(&mut self, identifier: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email_normalized = ?1 OR lower(username) = ?1 LIMIT 1"
        ))
        .bind(identifier)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(User::from))
    }

    async fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower(?)"))
                .bind(username)
                .fetch_optional(self.db())
                .await?;
        Ok(row.map(User::from))
    }

    async fn username_exists(&mut self, username: &str) -> Result<bool, StoreError> {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(?))")
            .bind(username)
            .fetch_one(self.db())
            .await?;
        Ok(exists)
    }

    async fn search_users(&mut self, prefix: &str, page: PageRequest) -> Result<Page<User>, StoreError> {
        let pattern = like_prefix(&prefix.to_lowercase());
        let filter = "banned = 0 AND (lower(username) LIKE ?1 ESCAPE '\\' OR lower(display_name) LIKE ?1 ESCAPE '\\')";
        let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM users WHERE {filter}"))
            .bind(&pattern)
            .fetch_one(self.db())
            .await?;
        let rows: Vec<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY lower(username) LIMIT ?2 OFFSET ?3"
        ))
        .bind(&pattern)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.db())
        .await?;
        Ok(Page { items: rows.into_iter().map(User::from).collect(), total })
    }

    async fn update_profile(&mut self, id: UserId, changes: &ProfileChanges) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET display_name = ?, bio = ?, preferences = ?, notifications = ?, \
             discord_webhook_url = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&changes.display_name)
        .bind(&changes.bio)
        .bind(Json(&changes.preferences))
        .bind(Json(&changes.notifications))
        .bind(&changes.discord_webhook_url)
        .bind(changes.updated_at)
        .bind(id.as_uuid())
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn set_role(&mut self, id: UserId, role: Role, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET role = ?, updated_at = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(at)
            .bind(id.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn set_last_login(&mut self, id: UserId, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET last_login_at = ? WHERE id = ?")
            .bind(at)
            .bind(id.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }
}

#[async_trait]
impl SessionRepo for SqliteConn {
    async fn insert_session(&mut self, session: &Session, token: &TokenHash) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent, device) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session.id.as_uuid())
        .bind(session.user_id.as_uuid())
        .bind(&token.0)
        .bind(session.created_at)
        .bind(session.last_seen_at)
        .bind(session.expires_at)
        .bind(&session.ip)
        .bind(&session.user_agent)
        .bind(Json(&session.device))
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn session_by_token(
        &mut self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let row: Option<SessionWithUserRow> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS}, {USER_COLUMNS} FROM sessions JOIN users ON users.id = sessions.user_id \
             WHERE sessions.token_hash = ? AND sessions.expires_at > ?"
        ))
        .bind(&token.0)
        .bind(now)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(|row| (Session::from(row.session), User::from(row.user))))
    }

    async fn touch_session(
        &mut self,
        id: SessionId,
        last_seen_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?")
            .bind(last_seen_at)
            .bind(expires_at)
            .bind(id.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn sessions_of(&mut self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, StoreError> {
        let rows: Vec<SessionRow> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, id DESC"
        ))
        .bind(user.as_uuid())
        .bind(now)
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(Session::from).collect())
    }

    async fn delete_session(&mut self, user: UserId, id: SessionId) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE id = ? AND user_id = ?")
            .bind(id.as_uuid())
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn delete_sessions_of(&mut self, user: UserId, keep: Option<SessionId>) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE user_id = ? AND (? IS NULL OR id <> ?)")
            .bind(user.as_uuid())
            .bind(keep.map(|id| id.as_uuid()))
            .bind(keep.map(|id| id.as_uuid()))
            .execute(self.db())
            .await?;
        Ok(result.rows_affected())
    }

    async fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?").bind(now).execute(self.db()).await?;
        Ok(result.rows_affected())
    }
}

#[async_trait]
impl LoginHistoryRepo for SqliteConn {
    async fn insert_login_attempt(&mut self, attempt: &LoginAttempt) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO login_attempts (id, user_id, at, ip, user_agent, device, success, method, failure_reason) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(attempt.user_id.as_uuid())
        .bind(attempt.at)
        .bind(&attempt.ip)
        .bind(&attempt.user_agent)
        .bind(Json(&attempt.device))
        .bind(attempt.success)
        .bind(&attempt.method)
        .bind(&attempt.failure_reason)
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn login_attempts_of(&mut self, user: UserId, page: PageRequest) -> Result<Page<LoginAttempt>, StoreError> {
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM login_attempts WHERE user_id = ?")
            .bind(user.as_uuid())
            .fetch_one(self.db())
            .await?;
        let rows: Vec<LoginAttemptRow> = sqlx::query_as(
            "SELECT user_id, at, ip, user_agent, device, success, method, failure_reason FROM login_attempts \
             WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
        )
        .bind(user.as_uuid())
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.db())
        .await?;
        Ok(Page { items: rows.into_iter().map(LoginAttempt::from).collect(), total })
    }
}

#[async_trait]
impl ActivityRepo for SqliteConn {
    async fn insert_activity(&mut self, activity: &Activity) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO activities (id, user_id, action, at, ip, user_agent, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(activity.id)
        .bind(activity.user_id.map(|id| id.as_uuid()))
        .bind(&activity.action)
        .bind(activity.at)
        .bind(&activity.ip)
        .bind(&activity.user_agent)
        .bind(Json(&activity.metadata))
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn activities_of(&mut self, user: UserId, page: PageRequest) -> Result<Page<Activity>, StoreError> {
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM activities WHERE user_id = ?")
            .bind(user.as_uuid())
            .fetch_one(self.db())
            .await?;
        let rows: Vec<ActivityRow> = sqlx::query_as(
            "SELECT id, user_id, action, at, ip, user_agent, metadata FROM activities \
             WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
        )
        .bind(user.as_uuid())
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.db())
        .await?;
        Ok(Page { items: rows.into_iter().map(Activity::from).collect(), total })
    }

    async fn count_activities_since(
        &mut self,
        user: UserId,
        action: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM activities WHERE user_id = ?1 AND action = ?2 AND at >= ?3")
                .bind(user.as_uuid())
                .bind(action)
                .bind(since)
                .fetch_one(self.db())
                .await?;
        Ok(count)
    }
}

#[async_trait]
impl OAuthRepo for SqliteConn {
    async fn insert_pending_authorization(
        &mut self,
        state: &TokenHash,
        pending: &PendingAuthorization,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM oauth_states WHERE expires_at <= ?1")
            .bind(pending.created_at)
            .execute(self.db())
            .await?;
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, provider, purpose, user_id, redirect_uri, pkce_verifier_sealed, \
             nonce, created_at, expires_at, binding_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(&state.0)
        .bind(&pending.provider)
        .bind(pending.purpose.as_str())
        .bind(pending.user_id.map(|id| id.as_uuid()))
        .bind(&pending.redirect_uri)
        .bind(&pending.pkce_verifier_sealed)
        .bind(&pending.nonce)
        .bind(pending.created_at)
        .bind(pending.expires_at)
        .bind(&pending.binding.0)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn pending_authorization(&mut self, state: &TokenHash) -> Result<Option<PendingAuthorization>, StoreError> {
        let row: Option<PendingAuthorizationRow> =
            sqlx::query_as(&format!("SELECT {PENDING_AUTHORIZATION_COLUMNS} FROM oauth_states WHERE state_hash = ?1"))
                .bind(&state.0)
                .fetch_optional(self.db())
                .await?;
        row.map(PendingAuthorization::try_from).transpose()
    }

    async fn take_pending_authorization(
        &mut self,
        state: &TokenHash,
    ) -> Result<Option<PendingAuthorization>, StoreError> {
        let row: Option<PendingAuthorizationRow> = sqlx::query_as(&format!(
            "DELETE FROM oauth_states WHERE state_hash = ?1 RETURNING {PENDING_AUTHORIZATION_COLUMNS}"
        ))
        .bind(&state.0)
        .fetch_optional(self.db())
        .await?;
        row.map(PendingAuthorization::try_from).transpose()
    }

    async fn insert_pending_signup(&mut self, token: &TokenHash, signup: &PendingSignup) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM oauth_signups WHERE expires_at <= ?1")
            .bind(signup.created_at)
            .execute(self.db())
            .await?;
        sqlx::query(&format!(
            "INSERT INTO oauth_signups (token_hash, {PENDING_SIGNUP_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ))
        .bind(&token.0)
        .bind(&signup.provider)
        .bind(&signup.subject)
        .bind(&signup.username)
        .bind(&signup.email)
        .bind(signup.email_verified)
        .bind(&signup.avatar_url)
        .bind(&signup.access_token_sealed)
        .bind(signup.created_at)
        .bind(signup.expires_at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn pending_signup(&mut self, token: &TokenHash) -> Result<Option<PendingSignup>, StoreError> {
        let row: Option<PendingSignupRow> =
            sqlx::query_as(&format!("SELECT {PENDING_SIGNUP_COLUMNS} FROM oauth_signups WHERE token_hash = ?1"))
                .bind(&token.0)
                .fetch_optional(self.db())
                .await?;
        Ok(row.map(PendingSignup::from))
    }

    async fn delete_pending_signup(&mut self, token: &TokenHash) -> Result<bool, StoreError> {
        let result =
            sqlx::query("DELETE FROM oauth_signups WHERE token_hash = ?1").bind(&token.0).execute(self.db()).await?;
        Ok(result.rows_affected() > 0)
    }

    async fn insert_linked_account(&mut self, account: &LinkedAccount) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO linked_accounts ({LINKED_ACCOUNT_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ))
        .bind(account.user_id.as_uuid())
        .bind(&account.provider)
        .bind(&account.subject)
        .bind(&account.username)
        .bind(&account.email)
        .bind(account.email_verified)
        .bind(&account.avatar_url)
        .bind(&account.access_token_sealed)
        .bind(account.linked_at)
        .bind(account.updated_at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn linked_account_by_identity(
        &mut self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<LinkedAccount>, StoreError> {
        let row: Option<LinkedAccountRow> = sqlx::query_as(&format!(
            "SELECT {LINKED_ACCOUNT_COLUMNS} FROM linked_accounts WHERE provider = ?1 AND subject = ?2"
        ))
        .bind(provider)
        .bind(subject)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(LinkedAccount::from))
    }

    async fn linked_accounts_of(&mut self, user: UserId) -> Result<Vec<LinkedAccount>, StoreError> {
        let rows: Vec<LinkedAccountRow> = sqlx::query_as(&format!(
            "SELECT {LINKED_ACCOUNT_COLUMNS} FROM linked_accounts WHERE user_id = ?1 ORDER BY linked_at, provider"
        ))
        .bind(user.as_uuid())
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(LinkedAccount::from).collect())
    }

    async fn refresh_linked_account(&mut self, account: &LinkedAccount) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE linked_accounts SET username = ?1, email = ?2, email_verified = ?3, avatar_url = ?4, \
             access_token_sealed = ?5, updated_at = ?6 WHERE provider = ?7 AND subject = ?8",
        )
        .bind(&account.username)
        .bind(&account.email)
        .bind(account.email_verified)
        .bind(&account.avatar_url)
        .bind(&account.access_token_sealed)
        .bind(account.updated_at)
        .bind(&account.provider)
        .bind(&account.subject)
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn delete_linked_account(&mut self, user: UserId, provider: &str) -> Result<Option<i64>, StoreError> {
        // SQLite runs one write transaction at a time, so concurrent unlinks are serialized already.
        let deleted = sqlx::query("DELETE FROM linked_accounts WHERE user_id = ?1 AND provider = ?2")
            .bind(user.as_uuid())
            .bind(provider)
            .execute(self.db())
            .await?;
        if deleted.rows_affected() == 0 {
            return Ok(None);
        }
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM linked_accounts WHERE user_id = ?1")
            .bind(user.as_uuid())
            .fetch_one(self.db())
            .await?;
        Ok(Some(left))
    }

    async fn delete_linked_accounts_of(&mut self, user: UserId) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM linked_accounts WHERE user_id = ?1")
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(result.rows_affected())
    }
}

#[async_trait]
impl AccountChangeRepo for SqliteConn {
    async fn account_changes_cursor(&mut self) -> Result<ChangeCursor, StoreError> {
        let seq: i64 =
            sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM account_changes").fetch_one(self.db()).await?;
        Ok(ChangeCursor(u64::try_from(seq).unwrap_or(0)))
    }

    async fn account_changes_since(&mut self, cursor: ChangeCursor) -> Result<(ChangeCursor, Vec<UserId>), StoreError> {
        // One writer commits at a time, so sequence numbers follow commit order.
        let after = i64::try_from(cursor.0).unwrap_or(i64::MAX);
        let rows: Vec<(i64, Uuid)> =
            sqlx::query_as("SELECT seq, user_id FROM account_changes WHERE seq > ? ORDER BY seq")
                .bind(after)
                .fetch_all(self.db())
                .await?;
        let next = rows.last().map_or(cursor, |(seq, _)| ChangeCursor(u64::try_from(*seq).unwrap_or(cursor.0)));
        Ok((next, rows.into_iter().map(|(_, user)| UserId::from_uuid(user)).collect()))
    }

    async fn prune_account_changes(&mut self, age: Duration) -> Result<u64, StoreError> {
        let result =
            sqlx::query("DELETE FROM account_changes WHERE changed_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)")
                .bind(format!("-{} seconds", age.as_secs()))
                .execute(self.db())
                .await?;
        Ok(result.rows_affected())
    }
}
