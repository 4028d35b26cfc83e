//! Deleting an account (`DELETE /v1/me`, `DELETE /v1/admin/users/{id}`): everything of it
//! goes in one transaction.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::mail::TokenPurpose;
use accountd_core::user::{Activity, ClientInfo};
use accountd_core::{Clock, DomainError, UserId};
use accountd_store::Store;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::json;

use super::admin::ensure_not_last_admin;
use super::mailing::Mailing;
use super::reauth::Reauth;
use super::{activity, AppResult};
use crate::mail::MailKind;
use accountd_core::user::User;

pub struct AccountDeletion {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    reauth: Arc<Reauth>,
    mailing: Arc<Mailing>,
}

impl AccountDeletion {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, reauth: Arc<Reauth>, mailing: Arc<Mailing>) -> Self {
        Self { store, clock, reauth, mailing }
    }

    /// Removes the account and every record of it (sessions, tokens, addresses, password
    /// history, two-factor, login history, and whatever else hangs off the account by a
    /// cascading key), its activity history and the mail still queued to its addresses.
    /// What stays is one `account.deleted` activity that names only the account id, and
    /// the goodbye mail to the address the account had.
    pub async fn delete(
        &self,
        user: &User,
        password: Option<SecretString>,
        code: Option<&str>,
        client: &ClientInfo,
    ) -> AppResult<DateTime<Utc>> {
        self.reauth.check(user, password, code, client).await?;
        let now = self.clock.now();
        // No address, agent or metadata: the row outlives the account and must not identify a person.
        let record = Activity {
            id: uuid::Uuid::now_v7(),
            user_id: Some(user.id),
            action: ActivityAction::AccountDeleted.as_str().into(),
            at: now,
            ip: None,
            user_agent: None,
            metadata: json!({}),
        };
        // The account may have been deleted by a concurrent request meanwhile.
        self.erase(user.id, DomainError::Unauthenticated, record, now).await?;
        Ok(now)
    }

    /// An administrator's deletion: the same erasure and goodbye mail, recorded as
    /// `admin.user_deleted` with the administrator's id.
    pub async fn delete_by_admin(&self, admin: &User, id: UserId, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let record = activity(id, ActivityAction::AdminUserDeleted, client, now, json!({ "adminId": admin.id }));
        self.erase(id, DomainError::UserNotFound, record, now).await
    }

    /// Erases the account in one transaction, leaving only `record`; `missing` is the
    /// refusal when there is no such account.
    async fn erase(&self, id: UserId, missing: DomainError, record: Activity, now: DateTime<Utc>) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        ensure_not_last_admin(&mut *tx, id).await?;
        let user = tx.user_by_id(id).await?.ok_or(missing)?;
        let mut recipients = vec![user.email.as_str().to_string()];
        recipients.extend(tx.addresses_of(id).await?.into_iter().map(|address| address.address));
        if let Some(pending) = tx.live_email_token(id, TokenPurpose::ChangeEmail, now).await? {
            recipients.push(pending.email);
        }
        tx.erase_account(id, &recipients).await?;
        tx.insert_activity(&record).await?;
        self.mailing
            .queue(&mut *tx, user.email.as_str(), &MailKind::AccountDeleted { username: user.username.as_str() }, now)
            .await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        metrics::counter!("accountd_account_deletions_total").increment(1);
        Ok(())
    }
}
