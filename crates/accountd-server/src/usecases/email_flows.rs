//! The flows that ride on mail: email verification, password reset and change,
//! email change, username change, and additional addresses.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::mail::{Address, TokenPurpose};
use accountd_core::password::{check_policy, PasswordHashString, PolicyContext, PolicyKind};
use accountd_core::token::TokenHash;
use accountd_core::user::{ClientInfo, User};
use accountd_core::{Clock, DomainError, Email, SessionId, UserId, Username};
use accountd_store::Store;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::json;
use uuid::Uuid;

use super::mailing::Mailing;
use super::reauth::Reauth;
use super::{activity, AppResult};
use crate::mail::MailKind;
use crate::passwords::PasswordWorkers;

/// Together with the current password, the last five are refused (API.md).
const EARLIER_PASSWORDS_CHECKED: i64 = 4;

/// Links mailed before a password change, a reset or an email change must not outlive
/// it (API.md): whoever asked for them may be the one just shut out.
const LINKS_VOIDED_BY_CREDENTIAL_CHANGE: [TokenPurpose; 2] = [TokenPurpose::ResetPassword, TokenPurpose::ChangeEmail];

/// Each added address mails a stranger, so an account adds at most this many per window
/// (removed ones included); past it `429`.
const ADDRESSES_ADDED_PER_WINDOW: i64 = 10;
const ADDRESS_WINDOW: chrono::Duration = chrono::Duration::hours(1);

pub struct EmailFlows {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    passwords: PasswordWorkers,
    mailing: Arc<Mailing>,
    reauth: Arc<Reauth>,
    policy: PolicyKind,
    default_limits: accountd_core::access::Limits,
}

/// An email change waiting for confirmation from the new address.
pub struct PendingEmailChange {
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

impl EmailFlows {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        passwords: PasswordWorkers,
        mailing: Arc<Mailing>,
        reauth: Arc<Reauth>,
        policy: PolicyKind,
        default_limits: accountd_core::access::Limits,
    ) -> Self {
        Self { store, clock, passwords, mailing, reauth, policy, default_limits }
    }

    // ---- email verification ----

    pub async fn verify_email(&self, token: &str, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let record = tx
            .consume_email_token(&TokenHash::of(token), TokenPurpose::VerifyEmail, now)
            .await?
            .ok_or(DomainError::InvalidToken)?;
        let user = tx.user_by_id(record.user_id).await?.ok_or(DomainError::InvalidToken)?;
        // A token sent to an address the account no longer has proves nothing.
        if user.email.normalized() != record.email.to_lowercase() {
            return Err(DomainError::InvalidToken.into());
        }
        if !user.email_verified {
            tx.set_email_verified(user.id, true, now).await?;
            tx.insert_activity(&activity(
                user.id,
                ActivityAction::EmailVerified,
                client,
                now,
                json!({ "email": user.email.as_str() }),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn resend_verification(&self, user: &User) -> AppResult<()> {
        if user.email_verified {
            return Err(DomainError::EmailAlreadyVerified.into());
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        self.queue_verification(&mut *tx, user, now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(())
    }

    /// Queues the verification mail of a new or unverified account in the caller's transaction.
    pub async fn queue_verification(
        &self,
        tx: &mut dyn accountd_store::Conn,
        user: &User,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let Some((token, _)) =
            self.mailing.issue_token(tx, user.id, TokenPurpose::VerifyEmail, user.email.as_str(), None, now).await?
        else {
            return Ok(());
        };
        let link = self.mailing.link("/verify-email", &[("token", &token)]);
        self.mailing
            .queue(
                tx,
                user.email.as_str(),
                &MailKind::VerifyEmail { username: user.username.as_str(), link: &link },
                now,
            )
            .await
    }

    pub fn wake_delivery(&self) {
        self.mailing.wake_delivery();
    }

    // ---- password reset ----

    /// Sends a reset link when the address belongs to an account. The answer is the
    /// same, and comes as fast, either way: the work happens after the caller has answered.
    pub fn forgot_password(self: &Arc<Self>, email: &str) {
        let Ok(email) = Email::parse(email) else {
            return;
        };
        let flows = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(error) = flows.send_reset_link(&email).await {
                tracing::warn!(error = %error, "sending a password reset mail failed");
            }
        });
    }

    async fn send_reset_link(&self, email: &Email) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(user) = tx.user_by_login(&email.normalized()).await? else {
            return Ok(());
        };
        if user.banned || user.email.normalized() != email.normalized() {
            return Ok(());
        }
        let Some((token, _)) = self
            .mailing
            .issue_token(&mut *tx, user.id, TokenPurpose::ResetPassword, user.email.as_str(), None, now)
            .await?
        else {
            return Ok(());
        };
        let link = self.mailing.link("/reset-password", &[("token", &token)]);
        self.mailing
            .queue(
                &mut *tx,
                user.email.as_str(),
                &MailKind::ResetPassword { username: user.username.as_str(), link: &link },
                now,
            )
            .await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(())
    }

    /// Sets a new password with a reset token and takes back every credential the account
    /// has out (API.md "Account recovery returns the account clean").
    pub async fn reset_password(&self, token: &str, new_password: SecretString, client: &ClientInfo) -> AppResult<()> {
        let hash = TokenHash::of(token);
        let now = self.clock.now();
        let record = self
            .store
            .reader()
            .await?
            .peek_email_token(&hash, TokenPurpose::ResetPassword, now)
            .await?
            .ok_or(DomainError::InvalidToken)?;
        let user = self.store.reader().await?.user_by_id(record.user_id).await?.ok_or(DomainError::InvalidToken)?;
        let new_hash = self.new_password_hash(&user, new_password).await?;

        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        // Consumed only now, so a refused password leaves the link usable; and consumed
        // atomically, so two concurrent resets with one token can't both succeed.
        tx.consume_email_token(&hash, TokenPurpose::ResetPassword, now).await?.ok_or(DomainError::InvalidToken)?;
        // Read again in the transaction: whether the email was ever verified decides what goes.
        let user = tx.user_by_id(user.id).await?.ok_or(DomainError::InvalidToken)?;
        tx.set_password(user.id, &new_hash, now).await?;
        return_account_clean(&mut *tx, &user, now).await?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::PasswordReset,
            client,
            now,
            json!({ "emailWasVerified": user.email_verified }),
        ))
        .await?;
        let notice = MailKind::PasswordChanged { username: user.username.as_str() };
        self.mailing.notify_security(&mut *tx, &user, &notice, now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(())
    }

    // ---- password change ----

    /// `currentPassword` is required when the account has a password (not for a social-only account).
    pub async fn change_password(
        &self,
        user: &User,
        keep_session: Option<SessionId>,
        current_password: Option<SecretString>,
        new_password: SecretString,
        client: &ClientInfo,
    ) -> AppResult<()> {
        self.reauth.check_password(user, current_password, client).await?;
        let new_hash = self.new_password_hash(user, new_password).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.set_password(user.id, &new_hash, now).await?;
        tx.delete_sessions_of(user.id, keep_session).await?;
        void_mailed_links(&mut *tx, user.id, now).await?;
        tx.insert_activity(&activity(user.id, ActivityAction::PasswordChanged, client, now, json!({}))).await?;
        let notice = MailKind::PasswordChanged { username: user.username.as_str() };
        self.mailing.notify_security(&mut *tx, user, &notice, now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(())
    }

    /// Checks the policy and the reuse rule, then hashes.
    async fn new_password_hash(&self, user: &User, password: SecretString) -> AppResult<PasswordHashString> {
        let context = PolicyContext {
            username: user.username.as_str(),
            email: user.email.as_str(),
            two_factor_enabled: user.two_factor_enabled,
        };
        check_policy(self.policy, password.expose_secret(), &context)?;
        let mut earlier = self.store.reader().await?.password_history(user.id, EARLIER_PASSWORDS_CHECKED).await?;
        earlier.extend(user.password_hash.clone());
        for hash in earlier {
            if self.passwords.verify(password.clone(), Some(hash)).await? {
                return Err(DomainError::PasswordReused.into());
            }
        }
        Ok(self.passwords.hash(password).await?)
    }

    // ---- email change ----

    pub async fn request_email_change(
        &self,
        user: &User,
        new_email: &str,
        password: Option<SecretString>,
        code: Option<&str>,
        client: &ClientInfo,
    ) -> AppResult<PendingEmailChange> {
        self.reauth.check(user, password, code, client).await?;
        let email = Email::parse(new_email)?;
        if email.normalized() == user.email.normalized() {
            return Err(DomainError::field("email", "is already the account's email").into());
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if tx.email_in_use(&email.normalized()).await? {
            return Err(DomainError::EmailTaken.into());
        }
        let expires_at = self.queue_email_change(&mut *tx, user, email.as_str(), now).await?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::EmailChangeRequested,
            client,
            now,
            json!({ "newEmail": email.as_str() }),
        ))
        .await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(PendingEmailChange { email: email.as_str().to_string(), expires_at })
    }

    pub async fn resend_email_change(&self, user: &User) -> AppResult<PendingEmailChange> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let pending = tx
            .live_email_token(user.id, TokenPurpose::ChangeEmail, now)
            .await?
            .ok_or(DomainError::NoPendingEmailChange)?;
        let expires_at = self.queue_email_change(&mut *tx, user, &pending.email, now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(PendingEmailChange { email: pending.email, expires_at })
    }

    async fn queue_email_change(
        &self,
        tx: &mut dyn accountd_store::Conn,
        user: &User,
        new_email: &str,
        now: DateTime<Utc>,
    ) -> AppResult<DateTime<Utc>> {
        let Some((token, expires_at)) =
            self.mailing.issue_token(tx, user.id, TokenPurpose::ChangeEmail, new_email, None, now).await?
        else {
            return Ok(now + TokenPurpose::ChangeEmail.lifetime());
        };
        let link = self.mailing.link("/confirm-email-change", &[("token", &token)]);
        let kind = MailKind::ConfirmEmailChange { username: user.username.as_str(), new_email, link: &link };
        self.mailing.queue(tx, new_email, &kind, now).await?;
        Ok(expires_at)
    }

    /// Switches the account to the confirmed address (verified), and tells the old address.
    pub async fn confirm_email_change(&self, token: &str, client: &ClientInfo) -> AppResult<User> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let record = tx
            .consume_email_token(&TokenHash::of(token), TokenPurpose::ChangeEmail, now)
            .await?
            .ok_or(DomainError::InvalidToken)?;
        let user = tx.user_by_id(record.user_id).await?.ok_or(DomainError::InvalidToken)?;
        let email = Email::parse(&record.email)?;
        if tx.email_in_use(&email.normalized()).await? {
            return Err(DomainError::EmailTaken.into());
        }
        tx.set_email(user.id, email.as_str(), &email.normalized(), now).await?;
        tx.retire_email_tokens(user.id, TokenPurpose::VerifyEmail, now).await?;
        void_mailed_links(&mut *tx, user.id, now).await?;
        let old = user.email.as_str();
        let notice = MailKind::EmailChanged { username: user.username.as_str(), new_email: email.as_str() };
        self.mailing.notify_security(&mut *tx, &user, &notice, now).await?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::EmailChanged,
            client,
            now,
            json!({ "from": old, "to": email.as_str() }),
        ))
        .await?;
        let updated = tx.user_by_id(user.id).await?.ok_or(DomainError::UserNotFound)?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(updated)
    }

    // ---- username ----

    pub async fn change_username(&self, user: &User, username: &str, client: &ClientInfo) -> AppResult<User> {
        let username = Username::parse(username)?;
        if username == user.username {
            return Ok(user.clone());
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.set_username(user.id, username.as_str(), now).await?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::UsernameChanged,
            client,
            now,
            json!({ "from": user.username.as_str(), "to": username.as_str() }),
        ))
        .await?;
        let updated = tx.user_by_id(user.id).await?.ok_or(DomainError::UserNotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    // ---- additional addresses ----

    pub async fn addresses(&self, user: UserId) -> AppResult<Vec<Address>> {
        Ok(self.store.reader().await?.addresses_of(user).await?)
    }

    pub async fn add_address(&self, user: &User, address: &str, client: &ClientInfo) -> AppResult<Address> {
        let email = Email::parse(address)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let added_lately =
            tx.count_activities_since(user.id, ActivityAction::AddressAdded.as_str(), now - ADDRESS_WINDOW).await?;
        if added_lately >= ADDRESSES_ADDED_PER_WINDOW {
            return Err(
                DomainError::RateLimited { retry_after_secs: ADDRESS_WINDOW.num_seconds().unsigned_abs() }.into()
            );
        }
        let limit = super::tokens::effective_limits(&mut *tx, self.default_limits, user.id).await?.additional_addresses;
        if tx.addresses_of(user.id).await?.len() as i64 >= limit {
            return Err(DomainError::LimitExceeded("additional addresses").into());
        }
        if tx.email_in_use(&email.normalized()).await? {
            return Err(DomainError::AddressTaken.into());
        }
        let address = Address {
            id: Uuid::now_v7(),
            user_id: user.id,
            address: email.as_str().to_string(),
            is_verified: false,
            added_at: now,
            verified_at: None,
        };
        tx.insert_address(&address, &email.normalized()).await?;
        self.queue_address_verification(&mut *tx, user, &address, now).await?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::AddressAdded,
            client,
            now,
            json!({ "addressId": address.id, "address": address.address }),
        ))
        .await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(address)
    }

    pub async fn remove_address(&self, user: &User, id: Uuid, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let address = tx.address_of(user.id, id).await?.ok_or(DomainError::AddressNotFound)?;
        tx.delete_address(user.id, id).await?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::AddressRemoved,
            client,
            now,
            json!({ "addressId": id, "address": address.address }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn send_address_verification(&self, user: &User, id: Uuid) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let address = tx.address_of(user.id, id).await?.ok_or(DomainError::AddressNotFound)?;
        if address.is_verified {
            return Err(DomainError::AddressAlreadyVerified.into());
        }
        self.queue_address_verification(&mut *tx, user, &address, now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(())
    }

    async fn queue_address_verification(
        &self,
        tx: &mut dyn accountd_store::Conn,
        user: &User,
        address: &Address,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let Some((token, _)) = self
            .mailing
            .issue_token(tx, user.id, TokenPurpose::VerifyAddress, &address.address, Some(address.id), now)
            .await?
        else {
            return Ok(());
        };
        let id = address.id.to_string();
        let link = self.mailing.link("/verify-address", &[("id", &id), ("token", &token)]);
        let kind = MailKind::VerifyAddress { username: user.username.as_str(), address: &address.address, link: &link };
        self.mailing.queue(tx, &address.address, &kind, now).await
    }

    pub async fn verify_address(&self, user: &User, id: Uuid, token: &str, client: &ClientInfo) -> AppResult<Address> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let address = tx.address_of(user.id, id).await?.ok_or(DomainError::AddressNotFound)?;
        let record = tx
            .peek_email_token(&TokenHash::of(token), TokenPurpose::VerifyAddress, now)
            .await?
            .ok_or(DomainError::InvalidToken)?;
        // The token must be this account's, for this address, as it still is.
        if record.user_id != user.id
            || record.address_id != Some(id)
            || record.email.to_lowercase() != address.address.to_lowercase()
        {
            return Err(DomainError::InvalidToken.into());
        }
        tx.consume_email_token(&TokenHash::of(token), TokenPurpose::VerifyAddress, now)
            .await?
            .ok_or(DomainError::InvalidToken)?;
        if !address.is_verified {
            tx.mark_address_verified(user.id, id, now).await?;
            tx.insert_activity(&activity(
                user.id,
                ActivityAction::AddressVerified,
                client,
                now,
                json!({ "addressId": id, "address": address.address }),
            ))
            .await?;
        }
        let verified = tx.address_of(user.id, id).await?.ok_or(DomainError::AddressNotFound)?;
        tx.commit().await?;
        Ok(verified)
    }
}

/// Takes back every credential the account has out, for whoever just proved control of its
/// mailbox (a password reset, a sign-in by email that verifies the address): every session
/// and personal access token, the upload token (the next request for it makes a new one)
/// and the mailed links. When the email was never verified, someone else may have signed
/// up with the address and set the account up to keep a way in, so what an earlier holder
/// set up goes too and the address becomes verified (API.md "Account recovery returns the
/// account clean"; docs/security.md §1). `user` is the row read in `tx`.
pub(super) async fn return_account_clean(
    tx: &mut dyn accountd_store::Conn,
    user: &User,
    now: DateTime<Utc>,
) -> AppResult<()> {
    tx.delete_sessions_of(user.id, None).await?;
    tx.delete_pats_of(user.id).await?;
    tx.delete_upload_token(user.id).await?;
    void_mailed_links(tx, user.id, now).await?;
    if !user.email_verified {
        tx.delete_two_factor(user.id, now).await?;
        tx.delete_passkeys_of(user.id).await?;
        tx.delete_linked_accounts_of(user.id).await?;
        tx.delete_addresses_of(user.id).await?;
        tx.set_email_verified(user.id, true, now).await?;
    }
    // Whoever can read the account's mail is its owner: the login throttle starts over.
    tx.clear_login_failures(user.id).await?;
    Ok(())
}

/// Retires every outstanding link of the kinds a credential change voids.
async fn void_mailed_links(tx: &mut dyn accountd_store::Conn, user: UserId, now: DateTime<Utc>) -> AppResult<()> {
    for purpose in LINKS_VOIDED_BY_CREDENTIAL_CHANGE {
        tx.retire_email_tokens(user, purpose, now).await?;
    }
    // Sign-ins by email too (API.md): whoever asked for one may be the one just shut out.
    tx.retire_email_logins(user, now).await?;
    Ok(())
}
