//! The scale-out backend: any number of accountd nodes share one PostgreSQL.

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
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
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

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        // Lazy, so that a node starts (and reports itself not ready) while the database is down.
        // No ping before each acquire: it is a round trip per query on the hot path, and a
        // connection that broke is closed by the query that finds out and replaced.
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .test_before_acquire(false)
            .connect_lazy_with(options);
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn reader(&self) -> Result<Box<dyn Conn>, StoreError> {
        Ok(Box::new(PostgresConn::Pooled(self.pool.acquire().await?)))
    }

    async fn begin(&self) -> Result<Box<dyn Conn>, StoreError> {
        Ok(Box::new(PostgresConn::Tx(self.pool.begin().await?)))
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

pub enum PostgresConn {
    Pooled(PoolConnection<Postgres>),
    Tx(Transaction<'static, Postgres>),
}

impl PostgresConn {
    pub(super) fn db(&mut self) -> &mut PgConnection {
        match self {
            Self::Pooled(conn) => conn,
            Self::Tx(tx) => tx,
        }
    }
}

#[async_trait]
impl Conn for PostgresConn {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        match *self {
            Self::Pooled(_) => Ok(()),
            Self::Tx(tx) => Ok(tx.commit().await?),
        }
    }
}

#[async_trait]
impl UserRepo for PostgresConn {
    async fn insert_user(&mut self, user: &NewUser) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, email, email_normalized, email_verified, username, display_name, role, \
             password_hash, preferences, notifications, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.as_uuid())
            .fetch_optional(self.db())
            .await?;
        Ok(row.map(User::from))
    }

    async fn user_by_login(&mut self, identifier: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email_normalized = $1 OR lower(username) = $1 LIMIT 1"
        ))
        .bind(identifier)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(User::from))
    }

    async fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower($1)"))
                .bind(username)
                .fetch_optional(self.db())
                .await?;
        Ok(row.map(User::from))
    }

    async fn username_exists(&mut self, username: &str) -> Result<bool, StoreError> {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))")
            .bind(username)
            .fetch_one(self.db())
            .await?;
        Ok(exists)
    }

    async fn search_users(&mut self, prefix: &str, page: PageRequest) -> Result<Page<User>, StoreError> {
        let pattern = like_prefix(&prefix.to_lowercase());
        let filter = "NOT banned AND (lower(username) LIKE $1 ESCAPE '\\' OR lower(display_name) LIKE $1 ESCAPE '\\')";
        let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM users WHERE {filter}"))
            .bind(&pattern)
            .fetch_one(self.db())
            .await?;
        let rows: Vec<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY lower(username) LIMIT $2 OFFSET $3"
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
            "UPDATE users SET display_name = $1, bio = $2, preferences = $3, notifications = $4, \
             discord_webhook_url = $5, updated_at = $6 WHERE id = $7",
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
        sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(at)
            .bind(id.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn set_last_login(&mut self, id: UserId, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }
}

#[async_trait]
impl SessionRepo for PostgresConn {
    async fn insert_session(&mut self, session: &Session, token: &TokenHash) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent, device) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
             WHERE sessions.token_hash = $1 AND sessions.expires_at > $2"
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
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
            .bind(last_seen_at)
            .bind(expires_at)
            .bind(id.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn sessions_of(&mut self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, StoreError> {
        let rows: Vec<SessionRow> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id DESC"
        ))
        .bind(user.as_uuid())
        .bind(now)
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(Session::from).collect())
    }

    async fn delete_session(&mut self, user: UserId, id: SessionId) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(id.as_uuid())
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn delete_sessions_of(&mut self, user: UserId, keep: Option<SessionId>) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2::uuid IS NULL OR id <> $2)")
            .bind(user.as_uuid())
            .bind(keep.map(|id| id.as_uuid()))
            .bind(keep.map(|id| id.as_uuid()))
            .execute(self.db())
            .await?;
        Ok(result.rows_affected())
    }

    async fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(self.db()).await?;
        Ok(result.rows_affected())
    }
}

#[async_trait]
impl LoginHistoryRepo for PostgresConn {
    async fn insert_login_attempt(&mut self, attempt: &LoginAttempt) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO login_attempts (id, user_id, at, ip, user_agent, device, success, method, failure_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM login_attempts WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_one(self.db())
            .await?;
        let rows: Vec<LoginAttemptRow> = sqlx::query_as(
            "SELECT user_id, at, ip, user_agent, device, success, method, failure_reason FROM login_attempts \
             WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
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
impl ActivityRepo for PostgresConn {
    async fn insert_activity(&mut self, activity: &Activity) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO activities (id, user_id, action, at, ip, user_agent, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)")
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
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM activities WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_one(self.db())
            .await?;
        let rows: Vec<ActivityRow> = sqlx::query_as(
            "SELECT id, user_id, action, at, ip, user_agent, metadata FROM activities \
             WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
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
            sqlx::query_scalar("SELECT count(*) FROM activities WHERE user_id = $1 AND action = $2 AND at >= $3")
                .bind(user.as_uuid())
                .bind(action)
                .bind(since)
                .fetch_one(self.db())
                .await?;
        Ok(count)
    }
}

#[async_trait]
impl OAuthRepo for PostgresConn {
    async fn insert_pending_authorization(
        &mut self,
        state: &TokenHash,
        pending: &PendingAuthorization,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
            .bind(pending.created_at)
            .execute(self.db())
            .await?;
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, provider, purpose, user_id, redirect_uri, pkce_verifier_sealed, \
             nonce, created_at, expires_at, binding_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
            sqlx::query_as(&format!("SELECT {PENDING_AUTHORIZATION_COLUMNS} FROM oauth_states WHERE state_hash = $1"))
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
            "DELETE FROM oauth_states WHERE state_hash = $1 RETURNING {PENDING_AUTHORIZATION_COLUMNS}"
        ))
        .bind(&state.0)
        .fetch_optional(self.db())
        .await?;
        row.map(PendingAuthorization::try_from).transpose()
    }

    async fn insert_pending_signup(&mut self, token: &TokenHash, signup: &PendingSignup) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM oauth_signups WHERE expires_at <= $1")
            .bind(signup.created_at)
            .execute(self.db())
            .await?;
        sqlx::query(&format!(
            "INSERT INTO oauth_signups (token_hash, {PENDING_SIGNUP_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
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
            sqlx::query_as(&format!("SELECT {PENDING_SIGNUP_COLUMNS} FROM oauth_signups WHERE token_hash = $1"))
                .bind(&token.0)
                .fetch_optional(self.db())
                .await?;
        Ok(row.map(PendingSignup::from))
    }

    async fn delete_pending_signup(&mut self, token: &TokenHash) -> Result<bool, StoreError> {
        let result =
            sqlx::query("DELETE FROM oauth_signups WHERE token_hash = $1").bind(&token.0).execute(self.db()).await?;
        Ok(result.rows_affected() > 0)
    }

    async fn insert_linked_account(&mut self, account: &LinkedAccount) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO linked_accounts ({LINKED_ACCOUNT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
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
            "SELECT {LINKED_ACCOUNT_COLUMNS} FROM linked_accounts WHERE provider = $1 AND subject = $2"
        ))
        .bind(provider)
        .bind(subject)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(LinkedAccount::from))
    }

    async fn linked_accounts_of(&mut self, user: UserId) -> Result<Vec<LinkedAccount>, StoreError> {
        let rows: Vec<LinkedAccountRow> = sqlx::query_as(&format!(
            "SELECT {LINKED_ACCOUNT_COLUMNS} FROM linked_accounts WHERE user_id = $1 ORDER BY linked_at, provider"
        ))
        .bind(user.as_uuid())
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(LinkedAccount::from).collect())
    }

    async fn refresh_linked_account(&mut self, account: &LinkedAccount) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE linked_accounts SET username = $1, email = $2, email_verified = $3, avatar_url = $4, \
             access_token_sealed = $5, updated_at = $6 WHERE provider = $7 AND subject = $8",
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
        // Concurrent unlinks of one account queue on its row, so each counts what the other left.
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(user.as_uuid()).execute(self.db()).await?;
        let deleted = sqlx::query("DELETE FROM linked_accounts WHERE user_id = $1 AND provider = $2")
            .bind(user.as_uuid())
            .bind(provider)
            .execute(self.db())
            .await?;
        if deleted.rows_affected() == 0 {
            return Ok(None);
        }
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM linked_accounts WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_one(self.db())
            .await?;
        Ok(Some(left))
    }

    async fn delete_linked_accounts_of(&mut self, user: UserId) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM linked_accounts WHERE user_id = $1")
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(result.rows_affected())
    }
}

#[async_trait]
impl AccountChangeRepo for PostgresConn {
    async fn account_changes_cursor(&mut self) -> Result<ChangeCursor, StoreError> {
        let horizon: String =
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetch_one(self.db()).await?;
        Ok(ChangeCursor(parse_xact(&horizon)?))
    }

    async fn account_changes_since(&mut self, cursor: ChangeCursor) -> Result<(ChangeCursor, Vec<UserId>), StoreError> {
        // Transactions commit out of id order, so read by the writing transaction's id
        // from the oldest one that was still running at the previous read: whatever had
        // not committed then is at or past that horizon. The new horizon comes from this
        // statement's own snapshot. Changes may be read twice; forgetting twice is harmless.
        let rows: Vec<(String, Option<Uuid>)> = sqlx::query_as(
            "SELECT now_.horizon::text, account_changes.user_id \
             FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon) AS now_ \
             LEFT JOIN account_changes ON account_changes.xact >= $1::text::xid8",
        )
        .bind(cursor.0.to_string())
        .fetch_all(self.db())
        .await?;
        let next = match rows.first() {
            Some((horizon, _)) => ChangeCursor(parse_xact(horizon)?),
            None => cursor,
        };
        Ok((next, rows.into_iter().filter_map(|(_, user)| user.map(UserId::from_uuid)).collect()))
    }

    async fn prune_account_changes(&mut self, age: Duration) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM account_changes WHERE changed_at < now() - make_interval(secs => $1)")
            .bind(age.as_secs_f64())
            .execute(self.db())
            .await?;
        Ok(result.rows_affected())
    }
}

fn parse_xact(text: &str) -> Result<u64, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt(format!("not a transaction id: {text}")))
}
