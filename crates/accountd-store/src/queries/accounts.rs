//! Accounts, sessions, the login history and activity.

use accountd_core::token::TokenHash;
use accountd_core::user::{Activity, LoginAttempt, Role, Session, User};
use accountd_core::{SessionId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;

use crate::rows::{
    like_prefix, ActivityRow, LoginAttemptRow, SessionRow, SessionWithUserRow, UserRow, SESSION_COLUMNS, USER_COLUMNS,
};
use crate::{
    classify, ActivityRepo, FeedRepo as _, LoginHistoryRepo, NewUser, Page, PageRequest, ProfileChanges, SessionRepo,
    StoreError, UserRepo,
};

/// Actions recorded after the account is erased, which the feed does not carry.
const ERASURE_ACTIONS: [&str; 2] = ["account.deleted", "admin.user_deleted"];

for_each_backend! {

#[async_trait]
impl UserRepo for BackendConn {
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
impl SessionRepo for BackendConn {
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
        let statement =
            format!("DELETE FROM sessions WHERE user_id = $1 AND ($2{} IS NULL OR id <> $2)", Self::UUID_CAST);
        let result = sqlx::query(&statement)
            .bind(user.as_uuid())
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
impl LoginHistoryRepo for BackendConn {
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
impl ActivityRepo for BackendConn {
    async fn insert_activity(&mut self, activity: &Activity) -> Result<(), StoreError> {
        // Microseconds, as PostgreSQL keeps them, so the row and its feed event agree.
        let at = chrono::SubsecRound::trunc_subsecs(activity.at, 6);
        sqlx::query("INSERT INTO activities (id, user_id, action, at, ip, user_agent, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(activity.id)
            .bind(activity.user_id.map(|id| id.as_uuid()))
            .bind(&activity.action)
            .bind(at)
            .bind(&activity.ip)
            .bind(&activity.user_agent)
            .bind(Json(&activity.metadata))
            .execute(self.db())
            .await?;
        // Streams read activity from the feed: the event is written with the row. The record
        // of an erasure is the exception: the feed must not name an erased account, and the
        // account's streams end with its sessions.
        if ERASURE_ACTIONS.contains(&activity.action.as_str()) {
            return Ok(());
        }
        let payload = serde_json::json!({
            "id": activity.id,
            "userId": activity.user_id.map(|id| id.as_uuid()),
            "action": activity.action,
            "at": at,
            "ip": activity.ip,
            "userAgent": activity.user_agent,
            "metadata": activity.metadata,
        });
        self.append_feed_event(crate::FeedTopic::ACTIVITY, activity.user_id, &payload).await?;
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

}
