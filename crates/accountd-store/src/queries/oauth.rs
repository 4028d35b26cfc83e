//! Social login: linked identities and the sign-ins in progress.

use accountd_core::oauth::{LinkedAccount, PendingAuthorization, PendingSignup};
use accountd_core::token::TokenHash;
use accountd_core::UserId;
use async_trait::async_trait;

use crate::rows::{
    LinkedAccountRow, PendingAuthorizationRow, PendingSignupRow, LINKED_ACCOUNT_COLUMNS, PENDING_AUTHORIZATION_COLUMNS,
    PENDING_SIGNUP_COLUMNS,
};
use crate::{classify, OAuthRepo, StoreError};

for_each_backend! {

#[async_trait]
impl OAuthRepo for BackendConn {
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
        // Concurrent unlinks of one account queue on its row (on SQLite, on the one writer), so
        // each counts what the other left.
        sqlx::query(&format!("SELECT 1 FROM users WHERE id = $1 {}", Self::FOR_UPDATE))
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
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

}
