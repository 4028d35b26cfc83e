//! Referrals, the credit ledger, perk checks and the upload-domain selection.

use accountd_core::referral::{CreditEntry, Referral};
use accountd_core::user::User;
use accountd_core::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::rows::{UserRow, USER_COLUMNS};
use crate::{classify, CreditRepo, Page, PageRequest, PerkCheck, PerkRepo, ReferralRepo, StoreError, UploadDomainRepo};

#[derive(sqlx::FromRow)]
struct ReferralRow {
    username: Option<String>,
    created_at: DateTime<Utc>,
    reward: i64,
}

#[derive(sqlx::FromRow)]
struct CreditRow {
    id: Uuid,
    user_id: Uuid,
    amount: i64,
    reason: String,
    at: DateTime<Utc>,
}

impl From<CreditRow> for CreditEntry {
    fn from(row: CreditRow) -> Self {
        Self { id: row.id, user_id: UserId::from_uuid(row.user_id), amount: row.amount, reason: row.reason, at: row.at }
    }
}

#[derive(sqlx::FromRow)]
struct PerkCheckRow {
    perk_id: String,
    current: i64,
    checked_at: DateTime<Utc>,
}

for_each_backend! {

#[async_trait]
impl ReferralRepo for BackendConn {
    async fn referral_code_of(&mut self, user: UserId) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT code FROM referral_codes WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_optional(self.db())
            .await?)
    }

    async fn insert_referral_code_if_absent(
        &mut self,
        user: UserId,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO referral_codes (user_id, code, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(user.as_uuid())
        .bind(code)
        .bind(at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn set_referral_code(&mut self, user: UserId, code: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO referral_codes (user_id, code, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET code = excluded.code, created_at = excluded.created_at",
        )
        .bind(user.as_uuid())
        .bind(code)
        .bind(at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn user_by_referral_code(&mut self, code: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM referral_codes JOIN users ON users.id = referral_codes.user_id \
             WHERE lower(referral_codes.code) = lower($1) {}",
            Self::FOR_UPDATE
        ))
        .bind(code)
        .fetch_optional(self.db())
        .await?;
        Ok(row.map(User::from))
    }

    async fn insert_referral(
        &mut self,
        referrer: UserId,
        referee: UserId,
        reward: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO referrals (id, referrer_id, referee_id, reward, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Uuid::now_v7())
        .bind(referrer.as_uuid())
        .bind(referee.as_uuid())
        .bind(reward)
        .bind(at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn referrals_of(&mut self, user: UserId, page: PageRequest) -> Result<Page<Referral>, StoreError> {
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM referrals WHERE referrer_id = $1")
            .bind(user.as_uuid())
            .fetch_one(self.db())
            .await?;
        let rows: Vec<ReferralRow> = sqlx::query_as(
            "SELECT users.username, referrals.created_at, referrals.reward FROM referrals \
             LEFT JOIN users ON users.id = referrals.referee_id WHERE referrals.referrer_id = $1 \
             ORDER BY referrals.created_at DESC, referrals.id DESC LIMIT $2 OFFSET $3",
        )
        .bind(user.as_uuid())
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.db())
        .await?;
        let items = rows
            .into_iter()
            .map(|row| Referral { username: row.username, joined_at: row.created_at, reward: row.reward })
            .collect();
        Ok(Page { items, total })
    }

    async fn referral_stats(&mut self, user: UserId) -> Result<(i64, i64), StoreError> {
        Ok(sqlx::query_as(
            "SELECT count(*), CAST(COALESCE(SUM(reward), 0) AS BIGINT) FROM referrals WHERE referrer_id = $1",
        )
        .bind(user.as_uuid())
        .fetch_one(self.db())
        .await?)
    }
}

#[async_trait]
impl CreditRepo for BackendConn {
    async fn append_credit(&mut self, entry: &CreditEntry) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO credit_entries (id, user_id, amount, reason, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(entry.id)
            .bind(entry.user_id.as_uuid())
            .bind(entry.amount)
            .bind(&entry.reason)
            .bind(entry.at)
            .execute(self.db())
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn credit_balance(&mut self, user: UserId) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM credit_entries WHERE user_id = $1",
        )
        .bind(user.as_uuid())
        .fetch_one(self.db())
        .await?)
    }

    async fn credit_entries_of(&mut self, user: UserId, page: PageRequest) -> Result<Page<CreditEntry>, StoreError> {
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM credit_entries WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_one(self.db())
            .await?;
        let rows: Vec<CreditRow> = sqlx::query_as(
            "SELECT id, user_id, amount, reason, at FROM credit_entries WHERE user_id = $1 \
             ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(user.as_uuid())
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.db())
        .await?;
        Ok(Page { items: rows.into_iter().map(CreditEntry::from).collect(), total })
    }
}

#[async_trait]
impl PerkRepo for BackendConn {
    async fn perk_checks_of(&mut self, user: UserId) -> Result<Vec<PerkCheck>, StoreError> {
        let rows: Vec<PerkCheckRow> =
            sqlx::query_as("SELECT perk_id, current, checked_at FROM perk_checks WHERE user_id = $1 ORDER BY perk_id")
                .bind(user.as_uuid())
                .fetch_all(self.db())
                .await?;
        Ok(rows
            .into_iter()
            .map(|row| PerkCheck { perk_id: row.perk_id, current: row.current, checked_at: row.checked_at })
            .collect())
    }

    async fn save_perk_check(&mut self, user: UserId, check: &PerkCheck) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO perk_checks (user_id, perk_id, current, checked_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, perk_id) DO UPDATE SET current = excluded.current, checked_at = excluded.checked_at",
        )
        .bind(user.as_uuid())
        .bind(&check.perk_id)
        .bind(check.current)
        .bind(check.checked_at)
        .execute(self.db())
        .await?;
        Ok(())
    }
}

#[async_trait]
impl UploadDomainRepo for BackendConn {
    async fn set_upload_domain(
        &mut self,
        user: UserId,
        domain: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET upload_domain = $1, updated_at = $2 WHERE id = $3")
            .bind(domain)
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        Ok(())
    }
}

}
