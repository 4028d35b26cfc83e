//! Tokens, limits, login throttling and administration.

use accountd_core::access::{LimitOverrides, PersonalAccessToken};
use accountd_core::token::TokenHash;
use accountd_core::user::{Activity, User};
use accountd_core::{TokenId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;

use crate::rows::{like_prefix, ActivityRow, LimitsRow, PatRow, PatWithUserRow, UserRow, PAT_COLUMNS, USER_COLUMNS};
use crate::{
    classify, AdminRepo, AuthFailureKind, LimitRepo, LoginThrottleRepo, Page, PageRequest, StoreError, TokenRepo,
};

for_each_backend! {

#[async_trait]
impl TokenRepo for BackendConn {
    async fn insert_pat(&mut self, token: &PersonalAccessToken, hash: &TokenHash) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO personal_access_tokens \
             (id, user_id, name, scopes, prefix, token_hash, created_at, last_used_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(token.id.as_uuid())
        .bind(token.user_id.as_uuid())
        .bind(&token.name)
        .bind(Json(&token.scopes))
        .bind(&token.prefix)
        .bind(&hash.0)
        .bind(token.created_at)
        .bind(token.last_used_at)
        .bind(token.expires_at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn pats_of(&mut self, user: UserId, now: DateTime<Utc>) -> Result<Vec<PersonalAccessToken>, StoreError> {
        let rows: Vec<PatRow> = sqlx::query_as(&format!(
            "SELECT {PAT_COLUMNS} FROM personal_access_tokens WHERE user_id = $1 \
             AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, id DESC"
        ))
        .bind(user.as_uuid())
        .bind(now)
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(PersonalAccessToken::from).collect())
    }

    async fn delete_pat(&mut self, user: UserId, id: TokenId) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM personal_access_tokens WHERE id = $1 AND user_id = $2")
            .bind(id.as_uuid())
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn delete_pats_of(&mut self, user: UserId) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM personal_access_tokens WHERE user_id = $1")
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(result.rows_affected())
    }

    async fn pat_by_token(
        &mut self,
        hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(PersonalAccessToken, User)>, StoreError> {
        let row: Option<PatWithUserRow> = sqlx::query_as(&format!(
            "SELECT {PAT_COLUMNS}, {USER_COLUMNS} FROM personal_access_tokens \
             JOIN users ON users.id = personal_access_tokens.user_id \
             WHERE personal_access_tokens.token_hash = $1 \
             AND (personal_access_tokens.expires_at IS NULL OR personal_access_tokens.expires_at > $2)"
        ))
        .bind(&hash.0)
        .bind(now)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(|row| (PersonalAccessToken::from(row.pat), User::from(row.user))))
    }

    async fn touch_pat(&mut self, id: TokenId, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE personal_access_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn upload_token_of(&mut self, user: UserId) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        let row: Option<(String, DateTime<Utc>)> =
            sqlx::query_as("SELECT sealed_token, created_at FROM upload_tokens WHERE user_id = $1")
                .bind(user.as_uuid())
                .fetch_optional(self.db())
                .await?;
        Ok(row)
    }

    async fn insert_upload_token_if_absent(
        &mut self,
        user: UserId,
        hash: &TokenHash,
        sealed: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO upload_tokens (user_id, token_hash, sealed_token, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user.as_uuid())
        .bind(&hash.0)
        .bind(sealed)
        .bind(at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn replace_upload_token(
        &mut self,
        user: UserId,
        hash: &TokenHash,
        sealed: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO upload_tokens (user_id, token_hash, sealed_token, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, \
             sealed_token = excluded.sealed_token, created_at = excluded.created_at",
        )
        .bind(user.as_uuid())
        .bind(&hash.0)
        .bind(sealed)
        .bind(at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn delete_upload_token(&mut self, user: UserId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM upload_tokens WHERE user_id = $1").bind(user.as_uuid()).execute(self.db()).await?;
        Ok(())
    }

    async fn user_by_upload_token(&mut self, hash: &TokenHash) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM upload_tokens JOIN users ON users.id = upload_tokens.user_id \
             WHERE upload_tokens.token_hash = $1"
        ))
        .bind(&hash.0)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(User::from))
    }
}

#[async_trait]
impl LimitRepo for BackendConn {
    async fn limit_overrides(&mut self, user: UserId) -> Result<LimitOverrides, StoreError> {
        let row: Option<LimitsRow> = sqlx::query_as(
            "SELECT personal_access_tokens, additional_addresses, sessions, storage_bytes \
             FROM account_limits WHERE user_id = $1",
        )
        .bind(user.as_uuid())
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(LimitOverrides::from).unwrap_or_default())
    }

    async fn set_limit_overrides(&mut self, user: UserId, overrides: &LimitOverrides) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO account_limits (user_id, personal_access_tokens, additional_addresses, sessions, storage_bytes) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
             personal_access_tokens = excluded.personal_access_tokens, \
             additional_addresses = excluded.additional_addresses, sessions = excluded.sessions, \
             storage_bytes = excluded.storage_bytes",
        )
        .bind(user.as_uuid())
        .bind(overrides.personal_access_tokens)
        .bind(overrides.additional_addresses)
        .bind(overrides.sessions)
        .bind(overrides.storage_bytes)
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn count_sessions(&mut self, user: UserId, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE user_id = $1 AND expires_at > $2")
            .bind(user.as_uuid())
            .bind(now)
            .fetch_one(self.db())
            .await?;
        Ok(count)
    }

    async fn trim_sessions(&mut self, user: UserId, keep: i64) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND id NOT IN \
             (SELECT id FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC LIMIT $2)",
        )
        .bind(user.as_uuid())
        .bind(keep.max(0))
        .execute(self.db())
        .await?;
        Ok(result.rows_affected())
    }
}

#[async_trait]
impl LoginThrottleRepo for BackendConn {
    async fn record_auth_failure(
        &mut self,
        subject: &str,
        client_prefix: &str,
        kind: AuthFailureKind,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_failures WHERE at < $1").bind(forget_before).execute(self.db()).await?;
        sqlx::query("INSERT INTO auth_failures (id, subject, client_prefix, kind, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(uuid::Uuid::now_v7())
            .bind(subject)
            .bind(client_prefix)
            .bind(kind.as_str())
            .bind(at)
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn auth_failures_since(
        &mut self,
        subject: &str,
        kind: AuthFailureKind,
        since: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
        let failures: Vec<(DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT at, client_prefix FROM auth_failures \
             WHERE subject = $1 AND kind = $2 AND at > $3 ORDER BY at",
        )
        .bind(subject)
        .bind(kind.as_str())
        .bind(since)
        .fetch_all(self.db())
        .await?;
        Ok(failures)
    }

    async fn hold_auth_failures(&mut self, subject: &str) -> Result<(), StoreError> {
        if let Some(lock) = Self::TRANSACTION_LOCK {
            sqlx::query(lock).bind(format!("auth_failures:{subject}")).execute(self.db()).await?;
        }
        Ok(())
    }

    async fn clear_client_auth_failures(&mut self, subject: &str, client_prefix: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_failures WHERE subject = $1 AND client_prefix = $2")
            .bind(subject)
            .bind(client_prefix)
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn clear_login_failures(&mut self, user: UserId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_failures WHERE subject = $1")
            .bind(crate::account_subject(user))
            .execute(self.db())
            .await?;
        Ok(())
    }
}

#[async_trait]
impl AdminRepo for BackendConn {
    async fn list_users(&mut self, prefix: Option<&str>, page: PageRequest) -> Result<Page<User>, StoreError> {
        let pattern = like_prefix(&prefix.unwrap_or_default().to_lowercase());
        let filter = "(email_normalized LIKE $1 ESCAPE '\\' OR lower(username) LIKE $1 ESCAPE '\\' \
                      OR lower(display_name) LIKE $1 ESCAPE '\\')";
        let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM users WHERE {filter}"))
            .bind(&pattern)
            .fetch_one(self.db())
            .await?;
        let rows: Vec<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY created_at, id LIMIT $2 OFFSET $3"
        ))
        .bind(&pattern)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.db())
        .await?;
        Ok(Page { items: rows.into_iter().map(User::from).collect(), total })
    }

    async fn set_banned(
        &mut self,
        user: UserId,
        banned: bool,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET banned = $1, ban_reason = $2, updated_at = $3 WHERE id = $4")
            .bind(banned)
            .bind(reason)
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn set_email_verified(&mut self, user: UserId, verified: bool, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET email_verified = $1, updated_at = $2 WHERE id = $3")
            .bind(verified)
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn lock_active_admins(&mut self) -> Result<Vec<UserId>, StoreError> {
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(&format!(
            "SELECT id FROM users WHERE role = 'admin' AND NOT banned ORDER BY id {}",
            Self::FOR_UPDATE
        ))
        .fetch_all(self.db())
        .await?;
        Ok(ids.into_iter().map(UserId::from_uuid).collect())
    }

    async fn all_activities(
        &mut self,
        user: Option<UserId>,
        action: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Activity>, StoreError> {
        let filter = format!(
            "($1{} IS NULL OR user_id = $1) AND ($2{} IS NULL OR action = $2)",
            Self::UUID_CAST,
            Self::TEXT_CAST
        );
        let user = user.map(|id| id.as_uuid());
        let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM activities WHERE {filter}"))
            .bind(user)
            .bind(action)
            .fetch_one(self.db())
            .await?;
        let rows: Vec<ActivityRow> = sqlx::query_as(&format!(
            "SELECT id, user_id, action, at, ip, user_agent, metadata FROM activities WHERE {filter} \
             ORDER BY at DESC, id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(user)
        .bind(action)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.db())
        .await?;
        Ok(Page { items: rows.into_iter().map(Activity::from).collect(), total })
    }
}

}
