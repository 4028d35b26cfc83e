//! Sign-in by email: one mail with a link and a 6-digit code, one sign-in (using either
//! spends both), 15 minutes, single-use; five wrong codes spend it. It proves the mailbox,
//! so it also verifies the address, and it leads to the second step when two-factor is on.
//! Proving an address that was never verified returns the account clean first: every
//! session, token, password, passkey, second factor, linked account and additional address
//! an earlier holder may have set up goes (the same rule as a password reset).

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::sealed::InstanceKey;
use accountd_core::token::{random_urlsafe, TokenHash};
use accountd_core::totp::email_code;
use accountd_core::user::ClientInfo;
use accountd_core::{Clock, DomainError, Email};
use accountd_store::{AuthFailureKind, EmailLogin, Store};
use chrono::Duration;
use serde_json::json;
use subtle::ConstantTimeEq as _;

use super::email_flows::return_account_clean;
use super::mailing::Mailing;
use super::sessions::{LoginOutcome, Sessions};
use super::throttle::{AuthThrottle, Subject};
use super::{activity, AppResult};
use crate::mail::MailKind;

/// The link and the code stay good this long (API.md).
pub const LIFETIME: Duration = Duration::minutes(15);
/// Wrong codes a sign-in survives; the fifth spends it.
const CODE_ATTEMPTS: i32 = 5;

pub struct EmailLogins {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sessions: Arc<Sessions>,
    mailing: Arc<Mailing>,
    throttle: Arc<AuthThrottle>,
    key: Arc<InstanceKey>,
    /// `ACCOUNTD_AUTH__EMAIL_LOGIN`.
    enabled: bool,
}

/// What comes back to finish a sign-in.
pub enum EmailLoginProof {
    Token(String),
    Code { email: String, code: String },
}

impl EmailLogins {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        sessions: Arc<Sessions>,
        mailing: Arc<Mailing>,
        throttle: Arc<AuthThrottle>,
        key: Arc<InstanceKey>,
        enabled: bool,
    ) -> Self {
        Self { store, clock, sessions, mailing, throttle, key, enabled }
    }

    fn ensure_enabled(&self) -> AppResult<()> {
        if self.enabled {
            Ok(())
        } else {
            Err(DomainError::SignInMethodDisabled.into())
        }
    }

    /// Mails a sign-in when the address is an account's email. The answer is the same,
    /// and comes as fast, either way: the work happens after the caller has answered.
    pub fn request(self: &Arc<Self>, email: &str) -> AppResult<()> {
        self.ensure_enabled()?;
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        let logins = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(error) = logins.send(&email).await {
                tracing::warn!(error = %error, "sending a sign-in mail failed");
            }
        });
        Ok(())
    }

    async fn send(&self, email: &Email) -> AppResult<()> {
        let now = self.clock.now();
        let address = email.normalized();
        let mut tx = self.store.begin().await?;
        let Some(user) = tx.user_by_login(&address).await? else {
            return Ok(());
        };
        if user.banned || user.email.normalized() != address {
            return Ok(());
        }
        // The per-recipient cap of every mail with a token (API.md "Conventions").
        if !self.mailing.may_send(&mut *tx, &address, now).await? {
            tracing::info!("sign-in mail withheld: the recipient had its share lately");
            return Ok(());
        }
        // A new request replaces the previous one.
        tx.retire_email_logins(user.id, now).await?;
        let token = random_urlsafe(32);
        let code = email_code();
        let token_hash = TokenHash::of(&token);
        let login = EmailLogin {
            user_id: user.id,
            email: address,
            code_hash: self.code_digest(&token_hash, &code),
            created_at: now,
            expires_at: now + LIFETIME,
        };
        tx.insert_email_login(&token_hash, &login).await?;
        let link = self.mailing.link("/email-login", &[("token", &token)]);
        let kind = MailKind::EmailLogin { username: user.username.as_str(), link: &link, code: &code };
        self.mailing.queue(&mut *tx, user.email.as_str(), &kind, now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(())
    }

    /// The code is kept as a keyed digest bound to its sign-in: six digits hashed plainly
    /// would fall to a million guesses by whoever reads the database.
    fn code_digest(&self, token_hash: &TokenHash, code: &str) -> TokenHash {
        TokenHash(self.key.digest(code, &format!("email-login:{}", token_hash.0)))
    }

    /// Finishes a sign-in with the link's token, or with the address and the code.
    /// `token:invalid` for an unknown, used, expired or spent one, and for a wrong code.
    pub async fn verify(&self, proof: EmailLoginProof, client: &ClientInfo) -> AppResult<LoginOutcome> {
        self.ensure_enabled()?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let login = match proof {
            EmailLoginProof::Token(token) => {
                tx.consume_email_login(&TokenHash::of(&token), now).await?.ok_or(DomainError::InvalidToken)?
            }
            EmailLoginProof::Code { email, code } => {
                let email = Email::parse(&email).map_err(|_| DomainError::InvalidToken)?;
                let (token_hash, login) =
                    tx.live_email_login(&email.normalized(), now).await?.ok_or(DomainError::InvalidToken)?;
                let user = tx.user_by_id(login.user_id).await?.ok_or(DomainError::InvalidToken)?;
                let subject = Subject::Account(&user);
                self.throttle.ensure_allowed(&mut *tx, &subject, AuthFailureKind::Password, client).await?;
                let given = self.code_digest(&token_hash, code.trim());
                if !bool::from(given.0.as_bytes().ct_eq(login.code_hash.0.as_bytes())) {
                    tx.fail_email_login_code(&token_hash, CODE_ATTEMPTS).await?;
                    tx.commit().await?;
                    self.throttle.record_failure(&subject, AuthFailureKind::Password, client).await?;
                    return Err(DomainError::InvalidToken.into());
                }
                tx.consume_email_login(&token_hash, now).await?.ok_or(DomainError::InvalidToken)?
            }
        };
        let mut user = tx.user_by_id(login.user_id).await?.ok_or(DomainError::InvalidToken)?;
        // A sign-in mailed to an address the account no longer has proves nothing.
        if user.email.normalized() != login.email {
            return Err(DomainError::InvalidToken.into());
        }
        if user.banned {
            tx.commit().await?;
            return Err(DomainError::AccountBanned.into());
        }
        if !user.email_verified {
            // Whoever signed up with the address before it was proven may have set the
            // account up to keep a way in (pre-hijacking). The mailbox's owner gets it as
            // a password reset would return it, and without the earlier password too: it
            // signs in by email until it sets one (docs/security.md §1).
            tx.remove_password(user.id, now).await?;
            return_account_clean(&mut *tx, &user, now).await?;
            tx.insert_activity(&activity(
                user.id,
                ActivityAction::EmailVerified,
                client,
                now,
                json!({ "email": user.email.as_str(), "via": "email_login", "credentialsRemoved": true }),
            ))
            .await?;
            user = tx.user_by_id(user.id).await?.ok_or(DomainError::InvalidToken)?;
        }
        tx.commit().await?;
        self.sessions.login_verified(user, "email", client).await
    }
}
