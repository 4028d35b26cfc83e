//! Referral codes, the referrals they bring, and the credit ledger.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::referral::{mailbox_of, CreditEntry, Referral, ReferralCode, REFERRAL_REASON};
use accountd_core::user::{ClientInfo, Device, User};
use accountd_core::{Clock, DomainError, UserId};
use accountd_store::{Conn, NewUser, Page, Store};
use chrono::{DateTime, Utc};
use serde_json::json;
use url::Url;

use super::{activity, AppError, AppResult, Paging};

/// Longest reason an administrator may give for a grant or debit.
pub const REASON_MAX: usize = 200;
/// Largest single grant or debit.
pub const AMOUNT_MAX: i64 = 1_000_000_000;
/// Tries at a fresh generated code when one collides with another account's.
const GENERATE_TRIES: usize = 4;

pub struct Referrals {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    public_url: Url,
    reward: i64,
}

/// An account's code and the link that carries it.
pub struct ReferralLink {
    pub code: String,
    pub url: String,
}

impl Referrals {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, public_url: Url, reward: i64) -> Self {
        Self { store, clock, public_url, reward }
    }

    /// The account's code; an account made without one (social sign-up, the command
    /// line, before referrals existed) gets one now.
    pub async fn link(&self, user: &User) -> AppResult<ReferralLink> {
        if let Some(code) = self.store.reader().await?.referral_code_of(user.id).await? {
            return Ok(self.link_of(code));
        }
        for _ in 0..GENERATE_TRIES {
            let mut tx = self.store.begin().await?;
            tx.insert_referral_code_if_absent(user.id, ReferralCode::generate().as_str(), self.clock.now()).await?;
            let code = tx.referral_code_of(user.id).await?;
            tx.commit().await?;
            if let Some(code) = code {
                return Ok(self.link_of(code));
            }
        }
        Err(AppError::Internal("no free referral code after several tries".into()))
    }

    /// Sets a code the account chose.
    pub async fn set_code(&self, user: &User, code: &str, client: &ClientInfo) -> AppResult<ReferralLink> {
        let code = ReferralCode::parse(code.trim())?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let old = tx.referral_code_of(user.id).await?;
        if old.as_deref() != Some(code.as_str()) {
            // A code another account holds: `Conflict(ReferralCode)`, `referral:code_taken`.
            tx.set_referral_code(user.id, code.as_str(), now).await?;
            tx.insert_activity(&activity(
                user.id,
                ActivityAction::ReferralCodeChanged,
                client,
                now,
                json!({ "code": code.as_str() }),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(self.link_of(code.as_str().to_owned()))
    }

    /// `(totalReferrals, rewardsEarned)`.
    pub async fn stats(&self, user: UserId) -> AppResult<(i64, i64)> {
        Ok(self.store.reader().await?.referral_stats(user).await?)
    }

    pub async fn history(&self, user: UserId, paging: Paging) -> AppResult<Page<Referral>> {
        Ok(self.store.reader().await?.referrals_of(user, paging.request()).await?)
    }

    /// The balance and one page of the ledger, newest first.
    pub async fn credits(&self, user: UserId, paging: Paging) -> AppResult<(i64, Page<CreditEntry>)> {
        let mut reader = self.store.reader().await?;
        let balance = reader.credit_balance(user).await?;
        let page = reader.credit_entries_of(user, paging.request()).await?;
        Ok((balance, page))
    }

    /// A refusal of a code at registration, before the password is hashed; the
    /// registration's transaction checks again ([`Referrals::reward_referrer`]).
    pub async fn precheck(&self, code: &str, email: &str) -> AppResult<()> {
        let referrer = self.store.reader().await?.user_by_referral_code(code).await?;
        let referrer = referrer.filter(|referrer| !referrer.banned).ok_or(DomainError::UnknownReferralCode)?;
        if mailbox_of(referrer.email.as_str()) == mailbox_of(email) {
            return Err(DomainError::SelfReferral.into());
        }
        Ok(())
    }

    /// In the registration's transaction: records that `referee` came with `code` and
    /// credits the code's holder. The holder's row is locked, so a ban committed first
    /// refuses the code, and each registration appends exactly one reward.
    pub async fn reward_referrer(
        &self,
        tx: &mut dyn Conn,
        code: &str,
        referee: &NewUser,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let referrer = tx.user_by_referral_code(code).await?;
        let referrer = referrer.filter(|referrer| !referrer.banned).ok_or(DomainError::UnknownReferralCode)?;
        let own_mailbox = mailbox_of(&referee.email_normalized);
        let addresses = tx.addresses_of(referrer.id).await?;
        if mailbox_of(referrer.email.as_str()) == own_mailbox
            || addresses.iter().any(|address| mailbox_of(&address.address) == own_mailbox)
        {
            return Err(DomainError::SelfReferral.into());
        }
        tx.insert_referral(referrer.id, referee.id, self.reward, now).await?;
        if self.reward != 0 {
            let entry = CreditEntry {
                id: uuid::Uuid::now_v7(),
                user_id: referrer.id,
                amount: self.reward,
                reason: REFERRAL_REASON.into(),
                at: now,
            };
            tx.append_credit(&entry).await?;
        }
        // The referrer's history must not carry where the new account signed up from.
        let nowhere = ClientInfo { ip: None, user_agent: None, device: Device::unknown() };
        tx.insert_activity(&activity(
            referrer.id,
            ActivityAction::ReferralRewarded,
            &nowhere,
            now,
            json!({ "amount": self.reward, "username": referee.username }),
        ))
        .await?;
        Ok(())
    }

    /// An administrator's grant (positive) or debit (negative), recorded in the
    /// account's activity with the administrator's id. A debit may take the balance
    /// below zero (taking back credits already spent). Returns the entry and the balance.
    pub async fn adjust(
        &self,
        admin: &User,
        target: UserId,
        amount: i64,
        reason: &str,
        client: &ClientInfo,
    ) -> AppResult<(CreditEntry, i64)> {
        if amount == 0 || !(-AMOUNT_MAX..=AMOUNT_MAX).contains(&amount) {
            return Err(DomainError::field("amount", "must be a non-zero whole number of at most 1000000000").into());
        }
        let reason = accountd_core::text::person_text("reason", reason.trim(), accountd_core::text::Lines::One)?;
        if reason.is_empty() || reason.chars().count() > REASON_MAX {
            return Err(DomainError::field("reason", format!("must be 1-{REASON_MAX} characters")).into());
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.user_by_id(target).await?.ok_or(DomainError::UserNotFound)?;
        let entry = CreditEntry { id: uuid::Uuid::now_v7(), user_id: target, amount, reason, at: now };
        tx.append_credit(&entry).await?;
        let action = if amount > 0 { ActivityAction::CreditsGranted } else { ActivityAction::CreditsDebited };
        tx.insert_activity(&activity(
            target,
            action,
            client,
            now,
            json!({ "amount": amount, "reason": entry.reason, "entryId": entry.id, "adminId": admin.id }),
        ))
        .await?;
        let balance = tx.credit_balance(target).await?;
        tx.commit().await?;
        Ok((entry, balance))
    }

    fn link_of(&self, code: String) -> ReferralLink {
        ReferralLink { url: referral_url(&self.public_url, &code), code }
    }
}

/// The link that signs up with `code`: the public URL's root with `?ref=`.
pub fn referral_url(public_url: &url::Url, code: &str) -> String {
    let mut url = public_url.clone();
    url.set_path("/");
    url.query_pairs_mut().clear().append_pair("ref", code);
    url.to_string()
}
