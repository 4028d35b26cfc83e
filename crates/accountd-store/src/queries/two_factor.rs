//! Two-factor authentication and account erasure.

use accountd_core::token::TokenHash;
use accountd_core::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::rows::{MfaChallengeRow, TwoFactorRow, TWO_FACTOR_COLUMNS};
use crate::{ErasureRepo, MfaChallenge, StoreError, TwoFactorRecord, TwoFactorRepo};

for_each_backend! {

#[async_trait]
impl TwoFactorRepo for BackendConn {
    async fn two_factor_of(&mut self, user: UserId) -> Result<Option<TwoFactorRecord>, StoreError> {
        let row: Option<TwoFactorRow> =
            sqlx::query_as(&format!("SELECT {TWO_FACTOR_COLUMNS} FROM two_factor WHERE user_id = $1"))
                .bind(user.as_uuid())
                .fetch_optional(self.db())
                .await?;
        Ok(row.map(TwoFactorRecord::from))
    }

    async fn save_pending_two_factor(
        &mut self,
        user: UserId,
        secret_sealed: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO two_factor (user_id, secret_sealed, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, \
             created_at = excluded.created_at, last_step = -1, email_code_hash = NULL, \
             email_code_expires_at = NULL, email_code_failures = 0 \
             WHERE two_factor.enabled_at IS NULL",
        )
        .bind(user.as_uuid())
        .bind(secret_sealed)
        .bind(at)
        .execute(self.db())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn set_two_factor_email_code(
        &mut self,
        user: UserId,
        code: Option<(&TokenHash, DateTime<Utc>)>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE two_factor SET email_code_hash = $1, email_code_expires_at = $2, email_code_failures = 0 \
             WHERE user_id = $3",
        )
        .bind(code.map(|(hash, _)| hash.0.clone()))
        .bind(code.map(|(_, expires_at)| expires_at))
        .bind(user.as_uuid())
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn fail_two_factor_email_code(&mut self, user: UserId, max_failures: i32) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE two_factor SET email_code_failures = email_code_failures + 1, \
             email_code_hash = CASE WHEN email_code_failures + 1 >= $1 THEN NULL ELSE email_code_hash END \
             WHERE user_id = $2",
        )
        .bind(max_failures)
        .bind(user.as_uuid())
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn accept_totp_step(&mut self, user: UserId, step: i64) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE two_factor SET last_step = $1 WHERE user_id = $2 AND last_step < $1")
            .bind(step)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn enable_two_factor(&mut self, user: UserId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE two_factor SET enabled_at = $1, email_code_hash = NULL, email_code_expires_at = NULL \
             WHERE user_id = $2 AND enabled_at IS NULL",
        )
        .bind(at)
        .bind(user.as_uuid())
        .execute(self.db())
        .await?;
        if result.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET two_factor_enabled = $1, updated_at = $2 WHERE id = $3")
            .bind(true)
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(true)
    }

    async fn delete_two_factor(&mut self, user: UserId, at: DateTime<Utc>) -> Result<(), StoreError> {
        for statement in [
            "DELETE FROM two_factor WHERE user_id = $1",
            "DELETE FROM recovery_codes WHERE user_id = $1",
            "DELETE FROM mfa_tokens WHERE user_id = $1",
        ] {
            sqlx::query(statement).bind(user.as_uuid()).execute(self.db()).await?;
        }
        sqlx::query("UPDATE users SET two_factor_enabled = $1, updated_at = $2 WHERE id = $3")
            .bind(false)
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn replace_recovery_codes(
        &mut self,
        user: UserId,
        hashes: &[TokenHash],
        sealed: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.as_uuid()).execute(self.db()).await?;
        for hash in hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
                .bind(user.as_uuid())
                .bind(&hash.0)
                .bind(at)
                .execute(self.db())
                .await?;
        }
        sqlx::query("UPDATE two_factor SET recovery_codes_sealed = $1, recovery_generated_at = $2 WHERE user_id = $3")
            .bind(sealed)
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn use_recovery_code(
        &mut self,
        user: UserId,
        hash: &TokenHash,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(at)
        .bind(user.as_uuid())
        .bind(&hash.0)
        .execute(self.db())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn recovery_code_counts(&mut self, user: UserId) -> Result<(i64, i64), StoreError> {
        let counts: (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE used_at IS NULL) FROM recovery_codes WHERE user_id = $1",
        )
        .bind(user.as_uuid())
        .fetch_one(self.db())
        .await?;
        Ok(counts)
    }

    async fn take_sealed_recovery_codes(&mut self, user: UserId) -> Result<Option<String>, StoreError> {
        // The row lock holds a concurrent reveal until this transaction ends; it then sees NULL.
        // On SQLite transactions run one at a time on the writer, so nothing can take the set in between.
        let statement = format!("SELECT recovery_codes_sealed FROM two_factor WHERE user_id = $1 {}", Self::FOR_UPDATE);
        let sealed: Option<Option<String>> =
            sqlx::query_scalar(&statement)
                .bind(user.as_uuid())
                .fetch_optional(self.db())
                .await?;
        let sealed = sealed.flatten();
        if sealed.is_some() {
            sqlx::query("UPDATE two_factor SET recovery_codes_sealed = NULL WHERE user_id = $1")
                .bind(user.as_uuid())
                .execute(self.db())
                .await?;
        }
        Ok(sealed)
    }

    async fn insert_mfa_token(
        &mut self,
        token: &TokenHash,
        challenge: &MfaChallenge,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO mfa_tokens (token_hash, user_id, method, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&token.0)
        .bind(challenge.user_id.as_uuid())
        .bind(&challenge.method)
        .bind(created_at)
        .bind(expires_at)
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn begin_mfa_attempt(
        &mut self,
        token: &TokenHash,
        now: DateTime<Utc>,
        max_attempts: i32,
    ) -> Result<Option<MfaChallenge>, StoreError> {
        let row: Option<MfaChallengeRow> = sqlx::query_as(
            "UPDATE mfa_tokens SET failures = failures + 1 \
             WHERE token_hash = $1 AND expires_at > $2 AND failures < $3 RETURNING user_id, method",
        )
        .bind(&token.0)
        .bind(now)
        .bind(max_attempts)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(MfaChallenge::from))
    }

    async fn delete_mfa_token(&mut self, token: &TokenHash) -> Result<bool, StoreError> {
        let result =
            sqlx::query("DELETE FROM mfa_tokens WHERE token_hash = $1").bind(&token.0).execute(self.db()).await?;
        Ok(result.rows_affected() == 1)
    }
}

#[async_trait]
impl ErasureRepo for BackendConn {
    async fn erase_account(&mut self, user: UserId, recipients: &[String]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM activities WHERE user_id = $1").bind(user.as_uuid()).execute(self.db()).await?;
        for recipient in recipients {
            sqlx::query("DELETE FROM jobs WHERE about = 'mailto:' || lower($1)")
                .bind(recipient)
                .execute(self.db())
                .await?;
        }
        // Every other record of the account cascades from this row.
        sqlx::query("DELETE FROM users WHERE id = $1").bind(user.as_uuid()).execute(self.db()).await?;
        // The feed must not name the account either (in any topic): its rows give way to
        // one that tells every account cache to start over.
        sqlx::query("DELETE FROM feed_events WHERE user_id = $1").bind(user.as_uuid()).execute(self.db()).await?;
        crate::FeedRepo::append_feed_event(
            self,
            crate::FeedTopic::ACCOUNT,
            Some(crate::EVERY_ACCOUNT),
            &serde_json::json!({}),
        )
        .await?;
        Ok(())
    }
}

}
