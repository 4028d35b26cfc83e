//! Passkeys, WebAuthn ceremonies in progress, and sign-in by email (migration 0013).

use accountd_core::token::TokenHash;
use accountd_core::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::rows::{CeremonyRow, EmailLoginRow, MfaChallengeRow, PasskeyRow, PASSKEY_COLUMNS};
use crate::{
    classify, Ceremony, EmailLogin, EmailLoginRepo, MfaChallenge, PasskeyRecord, PasskeyRepo, PasskeyUse, StoreError,
};

for_each_backend! {

#[async_trait]
impl PasskeyRepo for BackendConn {
    async fn insert_passkey(&mut self, passkey: &PasskeyRecord) -> Result<(), StoreError> {
        let transports = serde_json::to_string(&passkey.transports).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO passkeys (id, user_id, credential_id, credential, name, backup_eligible, backed_up, \
             transports, sign_count, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(passkey.id)
        .bind(passkey.user_id.as_uuid())
        .bind(&passkey.credential_id)
        .bind(&passkey.credential)
        .bind(&passkey.name)
        .bind(passkey.backup_eligible)
        .bind(passkey.backed_up)
        .bind(transports)
        .bind(passkey.sign_count)
        .bind(passkey.created_at)
        .bind(passkey.last_used_at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn passkeys_of(&mut self, user: UserId) -> Result<Vec<PasskeyRecord>, StoreError> {
        let rows: Vec<PasskeyRow> = sqlx::query_as(&format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user.as_uuid())
        .fetch_all(self.db())
        .await?;
        rows.into_iter().map(PasskeyRecord::try_from).collect()
    }

    async fn passkey_by_credential_id(&mut self, credential_id: &str) -> Result<Option<PasskeyRecord>, StoreError> {
        let row: Option<PasskeyRow> =
            sqlx::query_as(&format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = $1"))
                .bind(credential_id)
                .fetch_optional(self.db())
                .await?;
        row.map(PasskeyRecord::try_from).transpose()
    }

    async fn rename_passkey(&mut self, user: UserId, id: Uuid, name: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE passkeys SET name = $1 WHERE user_id = $2 AND id = $3")
            .bind(name)
            .bind(user.as_uuid())
            .bind(id)
            .execute(self.db())
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_passkey(&mut self, user: UserId, id: Uuid) -> Result<Option<i64>, StoreError> {
        // Deletions of one account's ways in (passkeys, linked identities) queue on its row
        // (on SQLite, on the one writer), so each counts what the other left.
        sqlx::query(&format!("SELECT 1 FROM users WHERE id = $1 {}", Self::FOR_UPDATE))
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        let deleted = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND id = $2")
            .bind(user.as_uuid())
            .bind(id)
            .execute(self.db())
            .await?;
        if deleted.rows_affected() == 0 {
            return Ok(None);
        }
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM passkeys WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_one(self.db())
            .await?;
        Ok(Some(left))
    }

    async fn delete_passkeys_of(&mut self, user: UserId) -> Result<u64, StoreError> {
        let result =
            sqlx::query("DELETE FROM passkeys WHERE user_id = $1").bind(user.as_uuid()).execute(self.db()).await?;
        Ok(result.rows_affected())
    }

    async fn record_passkey_use(&mut self, id: Uuid, used: &PasskeyUse) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE passkeys SET credential = $1, sign_count = $2, backed_up = $3, last_used_at = $4 \
             WHERE id = $5 AND (backup_eligible OR $2 = 0 OR sign_count < $2)",
        )
        .bind(&used.credential)
        .bind(used.sign_count)
        .bind(used.backed_up)
        .bind(used.at)
        .bind(id)
        .execute(self.db())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn insert_ceremony(&mut self, ceremony: &Ceremony) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
            .bind(ceremony.created_at)
            .execute(self.db())
            .await?;
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id, user_id, purpose, mfa_token_hash, state, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(ceremony.id)
        .bind(ceremony.user_id.map(|user| user.as_uuid()))
        .bind(ceremony.purpose.as_str())
        .bind(ceremony.mfa_token.as_ref().map(|hash| hash.0.clone()))
        .bind(&ceremony.state)
        .bind(ceremony.created_at)
        .bind(ceremony.expires_at)
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn take_ceremony(&mut self, id: Uuid) -> Result<Option<Ceremony>, StoreError> {
        let row: Option<CeremonyRow> = sqlx::query_as(
            "DELETE FROM webauthn_ceremonies WHERE id = $1 \
             RETURNING id, user_id, purpose, mfa_token_hash, state, created_at, expires_at",
        )
        .bind(id)
        .fetch_optional(self.db())
        .await?;
        row.map(Ceremony::try_from).transpose()
    }

    async fn peek_mfa_token(
        &mut self,
        token: &TokenHash,
        now: DateTime<Utc>,
        max_attempts: i32,
    ) -> Result<Option<MfaChallenge>, StoreError> {
        let row: Option<MfaChallengeRow> = sqlx::query_as(
            "SELECT user_id, method FROM mfa_tokens WHERE token_hash = $1 AND expires_at > $2 AND failures < $3",
        )
        .bind(&token.0)
        .bind(now)
        .bind(max_attempts)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(MfaChallenge::from))
    }
}

#[async_trait]
impl EmailLoginRepo for BackendConn {
    async fn insert_email_login(&mut self, token: &TokenHash, login: &EmailLogin) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO email_logins (token_hash, user_id, email, code_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token.0)
        .bind(login.user_id.as_uuid())
        .bind(&login.email)
        .bind(&login.code_hash.0)
        .bind(login.created_at)
        .bind(login.expires_at)
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn retire_email_logins(&mut self, user: UserId, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE email_logins SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn consume_email_login(
        &mut self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<EmailLogin>, StoreError> {
        let row: Option<EmailLoginRow> = sqlx::query_as(
            "UPDATE email_logins SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
             RETURNING token_hash, user_id, email, code_hash, created_at, expires_at",
        )
        .bind(now)
        .bind(&token.0)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(|row| row.into_parts().1))
    }

    async fn live_email_login(
        &mut self,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenHash, EmailLogin)>, StoreError> {
        let row: Option<EmailLoginRow> = sqlx::query_as(&format!(
            "SELECT token_hash, user_id, email, code_hash, created_at, expires_at FROM email_logins \
             WHERE email = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY created_at DESC LIMIT 1 {}",
            Self::FOR_UPDATE
        ))
        .bind(email)
        .bind(now)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(EmailLoginRow::into_parts))
    }

    async fn fail_email_login_code(&mut self, token: &TokenHash, max_failures: i32) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE email_logins SET failures = failures + 1, \
             used_at = CASE WHEN failures + 1 >= $1 THEN created_at ELSE used_at END WHERE token_hash = $2",
        )
        .bind(max_failures)
        .bind(&token.0)
        .execute(self.db())
        .await?;
        Ok(())
    }
}

}
