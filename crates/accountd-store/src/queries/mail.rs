//! Credentials, identity changes, email tokens and addresses.

use accountd_core::mail::{Address, EmailToken, TokenPurpose};
use accountd_core::password::PasswordHashString;
use accountd_core::token::TokenHash;
use accountd_core::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::rows::{AddressRow, EmailTokenRow, ADDRESS_COLUMNS, EMAIL_TOKEN_COLUMNS};
use crate::{classify, AddressRepo, CredentialRepo, EmailTokenRepo, IdentityRepo, StoreError};

/// How many earlier hashes are kept: with the current one, the last five passwords.
const PASSWORD_HISTORY: i64 = 4;

for_each_backend! {

#[async_trait]
impl CredentialRepo for BackendConn {
    async fn set_password(
        &mut self,
        user: UserId,
        hash: &PasswordHashString,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO password_history (id, user_id, password_hash, created_at) \
             SELECT $1, id, password_hash, $2 FROM users WHERE id = $3 AND password_hash IS NOT NULL",
        )
        .bind(Uuid::now_v7())
        .bind(at)
        .bind(user.as_uuid())
        .execute(self.db())
        .await?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(&hash.0)
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        sqlx::query(
            "DELETE FROM password_history WHERE user_id = $1 AND id NOT IN \
             (SELECT id FROM password_history WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)",
        )
        .bind(user.as_uuid())
        .bind(PASSWORD_HISTORY)
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn remove_password(&mut self, user: UserId, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = NULL, updated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        sqlx::query("DELETE FROM password_history WHERE user_id = $1").bind(user.as_uuid()).execute(self.db()).await?;
        Ok(())
    }

    async fn password_history(&mut self, user: UserId, limit: i64) -> Result<Vec<PasswordHashString>, StoreError> {
        let hashes: Vec<String> = sqlx::query_scalar(
            "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(user.as_uuid())
        .bind(limit)
        .fetch_all(self.db())
        .await?;
        Ok(hashes.into_iter().map(PasswordHashString).collect())
    }
}

#[async_trait]
impl IdentityRepo for BackendConn {
    async fn set_email(
        &mut self,
        user: UserId,
        email: &str,
        email_normalized: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET email = $1, email_normalized = $2, email_verified = TRUE, updated_at = $3 WHERE id = $4",
        )
        .bind(email)
        .bind(email_normalized)
        .bind(at)
        .bind(user.as_uuid())
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn set_username(&mut self, user: UserId, username: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET username = $1, updated_at = $2 WHERE id = $3")
            .bind(username)
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn email_in_use(&mut self, email_normalized: &str) -> Result<bool, StoreError> {
        let used: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE email_normalized = $1) \
             OR EXISTS (SELECT 1 FROM addresses WHERE address_normalized = $1)",
        )
        .bind(email_normalized)
        .fetch_one(self.db())
        .await?;
        Ok(used)
    }
}

#[async_trait]
impl EmailTokenRepo for BackendConn {
    async fn insert_email_token(&mut self, token: &TokenHash, record: &EmailToken) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO email_tokens (token_hash, user_id, purpose, email, address_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&token.0)
        .bind(record.user_id.as_uuid())
        .bind(record.purpose.as_str())
        .bind(&record.email)
        .bind(record.address_id)
        .bind(record.created_at)
        .bind(record.expires_at)
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn consume_email_token(
        &mut self,
        token: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<EmailToken>, StoreError> {
        let row: Option<EmailTokenRow> = sqlx::query_as(&format!(
            "UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
             RETURNING {EMAIL_TOKEN_COLUMNS}"
        ))
        .bind(now)
        .bind(&token.0)
        .bind(purpose.as_str())
        .fetch_optional(self.db())
        .await?;
        row.map(EmailToken::try_from).transpose()
    }

    async fn peek_email_token(
        &mut self,
        token: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<EmailToken>, StoreError> {
        let row: Option<EmailTokenRow> = sqlx::query_as(&format!(
            "SELECT {EMAIL_TOKEN_COLUMNS} FROM email_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
        ))
        .bind(&token.0)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(self.db())
        .await?;
        row.map(EmailToken::try_from).transpose()
    }

    async fn retire_email_tokens(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
            .bind(now)
            .bind(user.as_uuid())
            .bind(purpose.as_str())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn count_email_tokens_since(
        &mut self,
        email_normalized: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        // Sign-ins by email (migration 0013) are mail with a token too.
        let count: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM email_tokens WHERE lower(email) = $1 AND created_at >= $2) \
             + (SELECT count(*) FROM email_logins WHERE email = $1 AND created_at >= $2)",
        )
                .bind(email_normalized)
                .bind(since)
                .fetch_one(self.db())
                .await?;
        Ok(count)
    }

    async fn live_email_token(
        &mut self,
        user: UserId,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<EmailToken>, StoreError> {
        let row: Option<EmailTokenRow> = sqlx::query_as(&format!(
            "SELECT {EMAIL_TOKEN_COLUMNS} FROM email_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL \
             AND expires_at > $3 ORDER BY created_at DESC LIMIT 1"
        ))
        .bind(user.as_uuid())
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(self.db())
        .await?;
        row.map(EmailToken::try_from).transpose()
    }
}

#[async_trait]
impl AddressRepo for BackendConn {
    async fn insert_address(&mut self, address: &Address, normalized: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO addresses (id, user_id, address, address_normalized, is_verified, added_at, verified_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(address.id)
        .bind(address.user_id.as_uuid())
        .bind(&address.address)
        .bind(normalized)
        .bind(address.is_verified)
        .bind(address.added_at)
        .bind(address.verified_at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn addresses_of(&mut self, user: UserId) -> Result<Vec<Address>, StoreError> {
        let rows: Vec<AddressRow> = sqlx::query_as(&format!(
            "SELECT {ADDRESS_COLUMNS} FROM addresses WHERE user_id = $1 ORDER BY added_at, id"
        ))
        .bind(user.as_uuid())
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(Address::from).collect())
    }

    async fn address_of(&mut self, user: UserId, id: Uuid) -> Result<Option<Address>, StoreError> {
        let row: Option<AddressRow> =
            sqlx::query_as(&format!("SELECT {ADDRESS_COLUMNS} FROM addresses WHERE user_id = $1 AND id = $2"))
                .bind(user.as_uuid())
                .bind(id)
                .fetch_optional(self.db())
                .await?;
        Ok(row.map(Address::from))
    }

    async fn delete_address(&mut self, user: UserId, id: Uuid) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM addresses WHERE user_id = $1 AND id = $2")
            .bind(user.as_uuid())
            .bind(id)
            .execute(self.db())
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn delete_addresses_of(&mut self, user: UserId) -> Result<u64, StoreError> {
        let result =
            sqlx::query("DELETE FROM addresses WHERE user_id = $1").bind(user.as_uuid()).execute(self.db()).await?;
        Ok(result.rows_affected())
    }

    async fn is_verified_address(&mut self, email_normalized: &str) -> Result<bool, StoreError> {
        let verified: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM addresses WHERE address_normalized = $1 AND is_verified = TRUE)",
        )
        .bind(email_normalized)
        .fetch_one(self.db())
        .await?;
        Ok(verified)
    }

    async fn mark_address_verified(&mut self, user: UserId, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE addresses SET is_verified = TRUE, verified_at = $1 WHERE user_id = $2 AND id = $3")
            .bind(at)
            .bind(user.as_uuid())
            .bind(id)
            .execute(self.db())
            .await?;
        Ok(())
    }
}

}
