//! What administrators do to accounts. Every change is recorded in the target
//! account's activity with the acting administrator's id in its metadata.

use std::sync::Arc;

use accountd_core::access::LimitOverrides;
use accountd_core::activity::ActivityAction;
use accountd_core::user::{Activity, ClientInfo, Role, User};
use accountd_core::{Clock, DomainError, UserId};
use accountd_store::{Conn, Page, Store};
use serde_json::json;

use super::{activity, AppResult, Paging};

pub const BAN_REASON_MAX: usize = 500;

pub struct Administration {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

/// A change to one limit override: `Some(None)` goes back to the configured default.
pub type LimitChange = Option<Option<i64>>;

/// An administrator's change to an account; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct AccountChange {
    pub role: Option<Role>,
    pub banned: Option<bool>,
    pub ban_reason: Option<Option<String>>,
    pub email_verified: Option<bool>,
    pub personal_access_tokens: LimitChange,
    pub additional_addresses: LimitChange,
    pub sessions: LimitChange,
    pub storage_bytes: LimitChange,
}

impl Administration {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    pub async fn list(&self, query: Option<&str>, paging: Paging) -> AppResult<Page<User>> {
        let query = query.map(str::trim).filter(|query| !query.is_empty());
        if query.is_some_and(|query| query.chars().count() > 254) {
            return Err(DomainError::field("query", "must be at most 254 characters").into());
        }
        Ok(self.store.reader().await?.list_users(query, paging.request()).await?)
    }

    pub async fn get(&self, id: UserId) -> AppResult<User> {
        self.store.reader().await?.user_by_id(id).await?.ok_or_else(|| DomainError::UserNotFound.into())
    }

    /// Applies the change in one transaction. A ban ends every session and token of
    /// the account at once.
    pub async fn update(
        &self,
        admin: &User,
        id: UserId,
        change: AccountChange,
        client: &ClientInfo,
    ) -> AppResult<User> {
        let ban_reason = match change.ban_reason {
            Some(Some(reason)) if reason.chars().count() > BAN_REASON_MAX => {
                return Err(
                    DomainError::field("banReason", format!("must be at most {BAN_REASON_MAX} characters")).into()
                )
            }
            other => other.map(|reason| reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty())),
        };
        if change.banned == Some(true) && id == admin.id {
            return Err(DomainError::AdminSelf.into());
        }
        let now = self.clock.now();
        let record = |action: ActivityAction, metadata: serde_json::Value| -> Activity {
            let mut metadata = metadata;
            metadata["adminId"] = json!(admin.id);
            activity(id, action, client, now, metadata)
        };
        let mut tx = self.store.begin().await?;
        let target = tx.user_by_id(id).await?.ok_or(DomainError::UserNotFound)?;
        let demoted = change.role.is_some_and(|role| role != Role::Admin);
        if demoted || change.banned == Some(true) {
            ensure_not_last_admin(&mut *tx, id).await?;
        }
        if let Some(role) = change.role.filter(|role| *role != target.role) {
            tx.set_role(id, role, now).await?;
            tx.insert_activity(&record(ActivityAction::AdminRoleChanged, json!({ "role": role.as_str() }))).await?;
        }
        match change.banned {
            Some(true) => {
                tx.set_banned(id, true, ban_reason.flatten().as_deref(), now).await?;
                let sessions = tx.delete_sessions_of(id, None).await?;
                let tokens = tx.delete_pats_of(id).await?;
                tx.delete_upload_token(id).await?;
                tx.insert_activity(&record(
                    ActivityAction::AdminUserBanned,
                    json!({ "sessionsEnded": sessions, "tokensRevoked": tokens }),
                ))
                .await?;
            }
            Some(false) if target.banned => {
                tx.set_banned(id, false, None, now).await?;
                tx.insert_activity(&record(ActivityAction::AdminUserUnbanned, json!({}))).await?;
            }
            _ => {}
        }
        if let Some(verified) = change.email_verified.filter(|verified| *verified != target.email_verified) {
            tx.set_email_verified(id, verified, now).await?;
            tx.insert_activity(&record(
                ActivityAction::AdminEmailVerifiedChanged,
                json!({ "emailVerified": verified }),
            ))
            .await?;
        }
        let changes =
            [change.personal_access_tokens, change.additional_addresses, change.sessions, change.storage_bytes];
        if changes.iter().any(Option::is_some) {
            if changes.iter().flatten().flatten().any(|limit| *limit < 0) {
                return Err(DomainError::field("limits", "must not be negative").into());
            }
            let old = tx.limit_overrides(id).await?;
            let new = LimitOverrides {
                personal_access_tokens: change.personal_access_tokens.unwrap_or(old.personal_access_tokens),
                additional_addresses: change.additional_addresses.unwrap_or(old.additional_addresses),
                sessions: change.sessions.unwrap_or(old.sessions),
                storage_bytes: change.storage_bytes.unwrap_or(old.storage_bytes),
            };
            tx.set_limit_overrides(id, &new).await?;
            tx.insert_activity(&record(
                ActivityAction::AdminLimitsChanged,
                json!({
                    "personalAccessTokens": new.personal_access_tokens,
                    "additionalAddresses": new.additional_addresses,
                    "sessions": new.sessions,
                    "storage": new.storage_bytes,
                }),
            ))
            .await?;
        }
        let updated = tx.user_by_id(id).await?.ok_or(DomainError::UserNotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn revoke_sessions(&self, admin: &User, id: UserId, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.user_by_id(id).await?.ok_or(DomainError::UserNotFound)?;
        let count = tx.delete_sessions_of(id, None).await?;
        tx.insert_activity(&activity(
            id,
            ActivityAction::AdminSessionsRevoked,
            client,
            now,
            json!({ "adminId": admin.id, "count": count }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn activity(
        &self,
        user: Option<UserId>,
        action: Option<&str>,
        paging: Paging,
    ) -> AppResult<Page<Activity>> {
        let action = action.map(str::trim).filter(|action| !action.is_empty());
        Ok(self.store.reader().await?.all_activities(user, action, paging.request()).await?)
    }
}

/// Refuses to take away the account's administration when no other administrator that
/// is not banned would be left. The check runs in the transaction that makes the change
/// and holds the administrators' rows locked until it ends, so two administrators
/// demoting each other at once are serialized: the second sees the first's change and is
/// refused.
pub async fn ensure_not_last_admin(tx: &mut dyn Conn, account: UserId) -> AppResult<()> {
    let admins = tx.lock_active_admins().await?;
    if admins == [account] {
        return Err(DomainError::LastAdmin.into());
    }
    Ok(())
}
