//! Two-factor authentication: setup, enable (optionally confirmed by a mailed code),
//! status, disable, recovery codes, and the second step of a login.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::token::TokenHash;
use accountd_core::totp::{self, TotpSecret};
use accountd_core::user::{ClientInfo, User};
use accountd_core::{Clock, DomainError, UserId};
use accountd_store::{AuthFailureKind, Conn, MfaChallenge, Store};
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde_json::json;
use subtle::ConstantTimeEq as _;

use super::mailing::Mailing;
use super::reauth::{open_secret, spend_code, totp_context, Accept, Reauth};
use super::sessions::{IssuedSession, Sessions};
use super::throttle::{AuthThrottle, Subject};
use super::{activity, AppError, AppResult};
use crate::mail::MailKind;

/// Wrong codes a login step survives; the fifth burns it.
pub(crate) const MFA_ATTEMPTS: i32 = 5;
const EMAIL_CODE_LIFETIME: Duration = Duration::minutes(10);
const EMAIL_CODE_ATTEMPTS: i32 = 5;
/// Recovery codes are shown (once) only this soon after they were made: a session that
/// turns up later, perhaps a stolen one, does not get them.
const RECOVERY_CODES_SHOWN_FOR: Duration = Duration::minutes(15);

pub struct TwoFactorSettings {
    /// The issuer shown by authenticator apps (the product name).
    pub issuer: String,
    /// `ACCOUNTD_TWO_FACTOR__EMAIL_CONFIRMATION`: enabling also needs a mailed code.
    pub email_confirmation: bool,
}

pub struct TwoFactor {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    reauth: Arc<Reauth>,
    sessions: Arc<Sessions>,
    mailing: Arc<Mailing>,
    throttle: Arc<AuthThrottle>,
    settings: TwoFactorSettings,
}

pub struct Status {
    pub enabled: bool,
    pub enabled_at: Option<DateTime<Utc>>,
    pub recovery_codes_remaining: i64,
    pub pending_setup: bool,
}

pub struct Setup {
    pub secret: SecretString,
    pub otpauth_uri: SecretString,
    pub qr_code: SecretString,
}

pub enum EnableOutcome {
    /// A code was mailed; the client calls again with it.
    EmailCodeSent,
    Enabled {
        recovery_codes: Vec<String>,
    },
}

pub struct RecoveryCodes {
    pub total: i64,
    pub remaining: i64,
    pub generated_at: Option<DateTime<Utc>>,
    /// Present only on the first request for them after they were generated.
    pub codes: Option<Vec<String>>,
}

/// The code a second login step carries.
pub enum LoginCode {
    /// A TOTP code (or a recovery code typed in the same field).
    Code(String),
    RecoveryCode(String),
}

impl TwoFactor {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        reauth: Arc<Reauth>,
        sessions: Arc<Sessions>,
        mailing: Arc<Mailing>,
        throttle: Arc<AuthThrottle>,
        settings: TwoFactorSettings,
    ) -> Self {
        Self { store, clock, reauth, sessions, mailing, throttle, settings }
    }

    pub async fn status(&self, user: UserId) -> AppResult<Status> {
        let mut conn = self.store.reader().await?;
        let record = conn.two_factor_of(user).await?;
        let (_, remaining) = conn.recovery_code_counts(user).await?;
        Ok(Status {
            enabled: record.as_ref().is_some_and(|record| record.enabled_at.is_some()),
            enabled_at: record.as_ref().and_then(|record| record.enabled_at),
            recovery_codes_remaining: remaining,
            pending_setup: record.is_some_and(|record| record.enabled_at.is_none()),
        })
    }

    /// A new secret waiting for its first code; replaces an earlier pending one. Needs the
    /// password (when the account has one), so a stolen token cannot enrol its own app.
    pub async fn setup(&self, user: &User, password: Option<SecretString>, client: &ClientInfo) -> AppResult<Setup> {
        if user.two_factor_enabled {
            return Err(DomainError::TwoFactorAlreadyEnabled.into());
        }
        self.reauth.check_password(user, password, client).await?;
        let secret = TotpSecret::generate();
        let sealed = self.reauth.key().seal(secret.as_bytes(), &totp_context(user.id));
        let mut tx = self.store.begin().await?;
        if !tx.save_pending_two_factor(user.id, &sealed, self.clock.now()).await? {
            return Err(DomainError::TwoFactorAlreadyEnabled.into());
        }
        tx.commit().await?;
        let uri = totp::otpauth_uri(&self.settings.issuer, user.username.as_str(), &secret);
        let qr = crate::qr::png_data_uri(&uri).ok_or_else(|| AppError::Internal("QR encoding failed".into()))?;
        Ok(Setup {
            secret: SecretString::from(secret.base32()),
            otpauth_uri: SecretString::from(uri),
            qr_code: SecretString::from(qr),
        })
    }

    /// Turns the pending factor on with a code from the app and the password (when the
    /// account has one), and, when configured, the mailed code: the first call with a right
    /// TOTP code mails it and changes nothing else.
    pub async fn enable(
        &self,
        user: &User,
        password: Option<SecretString>,
        code: &str,
        email_code: Option<&str>,
        client: &ClientInfo,
    ) -> AppResult<EnableOutcome> {
        self.reauth.check_password(user, password, client).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let record = tx.two_factor_of(user.id).await?.ok_or(DomainError::TwoFactorNoPendingSetup)?;
        if record.enabled_at.is_some() {
            return Err(DomainError::TwoFactorAlreadyEnabled.into());
        }
        let secret = open_secret(self.reauth.key(), user.id, &record.secret_sealed)?;
        let step = secret.matching_step(code, now).ok_or(DomainError::TwoFactorSetupCodeInvalid)?;
        if step <= record.last_step {
            return Err(DomainError::TwoFactorSetupCodeInvalid.into());
        }
        if self.settings.email_confirmation {
            let Some(email_code) = email_code else {
                let mailed = totp::email_code();
                tx.set_two_factor_email_code(user.id, Some((&TokenHash::of(&mailed), now + EMAIL_CODE_LIFETIME)))
                    .await?;
                let kind = MailKind::TwoFactorCode { username: user.username.as_str(), code: &mailed };
                self.mailing.queue(&mut *tx, user.email.as_str(), &kind, now).await?;
                tx.commit().await?;
                self.mailing.wake_delivery();
                return Ok(EnableOutcome::EmailCodeSent);
            };
            let expected = record.email_code_hash.as_deref().filter(|_| record.email_code_expires_at > Some(now));
            let matches = expected
                .is_some_and(|hash| bool::from(hash.as_bytes().ct_eq(TokenHash::of(email_code.trim()).0.as_bytes())));
            if !matches {
                tx.fail_two_factor_email_code(user.id, EMAIL_CODE_ATTEMPTS).await?;
                tx.commit().await?;
                return Err(DomainError::TwoFactorSetupCodeInvalid.into());
            }
        }
        if !tx.accept_totp_step(user.id, step).await? {
            return Err(DomainError::TwoFactorSetupCodeInvalid.into());
        }
        if !tx.enable_two_factor(user.id, now).await? {
            return Err(DomainError::TwoFactorNoPendingSetup.into());
        }
        let recovery_codes = self.replace_recovery_codes(&mut *tx, user.id, now).await?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::TwoFactorEnabled,
            client,
            now,
            json!({ "method": "totp" }),
        ))
        .await?;
        self.notify(&mut *tx, user, "Two-factor authentication was turned on for your account.", now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(EnableOutcome::Enabled { recovery_codes })
    }

    pub async fn disable(
        &self,
        user: &User,
        password: Option<SecretString>,
        code: Option<&str>,
        client: &ClientInfo,
    ) -> AppResult<()> {
        if !user.two_factor_enabled {
            return Err(DomainError::TwoFactorNotEnabled.into());
        }
        self.reauth.check(user, password, code, client).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.delete_two_factor(user.id, now).await?;
        tx.insert_activity(&activity(user.id, ActivityAction::TwoFactorDisabled, client, now, json!({}))).await?;
        self.notify(&mut *tx, user, "Two-factor authentication was turned off for your account.", now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(())
    }

    /// The counts, and with `include_codes` the codes themselves the first time they are
    /// asked for within [`RECOVERY_CODES_SHOWN_FOR`] of being made. Only a session may ask
    /// for them; the caller checks that before, so a refused token does not use them up.
    pub async fn recovery_codes(&self, user: UserId, include_codes: bool) -> AppResult<RecoveryCodes> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let record = tx.two_factor_of(user).await?.filter(|record| record.enabled_at.is_some());
        let record = record.ok_or(DomainError::TwoFactorNotEnabled)?;
        let (total, remaining) = tx.recovery_code_counts(user).await?;
        let fresh = record.recovery_generated_at.is_some_and(|at| now - at <= RECOVERY_CODES_SHOWN_FOR);
        let codes = if include_codes {
            // Taken either way: codes too old to show are not kept any longer.
            match tx.take_sealed_recovery_codes(user).await?.filter(|_| fresh) {
                Some(sealed) => {
                    let plain = self
                        .reauth
                        .key()
                        .open(&sealed, &recovery_context(user))
                        .map_err(|_| AppError::Internal("sealed recovery codes do not open".into()))?;
                    let codes: Vec<String> =
                        serde_json::from_slice(&plain).map_err(|error| AppError::Internal(error.into()))?;
                    Some(codes)
                }
                None => None,
            }
        } else {
            None
        };
        tx.commit().await?;
        Ok(RecoveryCodes { total, remaining, generated_at: record.recovery_generated_at, codes })
    }

    /// A new set of recovery codes; the old ones stop working in the same transaction.
    pub async fn regenerate_recovery_codes(
        &self,
        user: &User,
        password: Option<SecretString>,
        code: Option<&str>,
        client: &ClientInfo,
    ) -> AppResult<Vec<String>> {
        if !user.two_factor_enabled {
            return Err(DomainError::TwoFactorNotEnabled.into());
        }
        self.reauth.check(user, password, code, client).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let codes = self.replace_recovery_codes(&mut *tx, user.id, now).await?;
        tx.insert_activity(&activity(user.id, ActivityAction::RecoveryCodesRegenerated, client, now, json!({})))
            .await?;
        self.notify(&mut *tx, user, "New recovery codes were made for your account; the old ones no longer work.", now)
            .await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(codes)
    }

    async fn replace_recovery_codes(
        &self,
        tx: &mut dyn accountd_store::Conn,
        user: UserId,
        now: DateTime<Utc>,
    ) -> AppResult<Vec<String>> {
        let codes = totp::recovery_codes();
        let hashes: Vec<TokenHash> = codes.iter().map(|code| TokenHash::of(code)).collect();
        let plain = serde_json::to_vec(&codes).map_err(|error| AppError::Internal(error.into()))?;
        let sealed = self.reauth.key().seal(&plain, &recovery_context(user));
        tx.replace_recovery_codes(user, &hashes, &sealed, now).await?;
        Ok(codes)
    }

    async fn notify(
        &self,
        tx: &mut dyn accountd_store::Conn,
        user: &User,
        change: &str,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let kind = MailKind::TwoFactorChanged { username: user.username.as_str(), change };
        self.mailing.notify_security(tx, user, &kind, now).await
    }

    /// The second login step. Every attempt counts against the token before the code is
    /// looked at; the right code consumes the token and the code, and opens a session.
    pub async fn complete_login(
        &self,
        mfa_token: &str,
        code: LoginCode,
        client: &ClientInfo,
    ) -> AppResult<(User, IssuedSession)> {
        let hash = TokenHash::of(mfa_token);
        let now = self.clock.now();
        let SecondStep::Open { mut tx, challenge, user } =
            open_second_step(&*self.store, &self.throttle, &hash, client, now).await?
        else {
            return Err(DomainError::AccountBanned.into());
        };
        let user = *user;
        let subject = Subject::Account(&user);
        let (code, accept, factor) = match &code {
            LoginCode::Code(code) if code.trim().len() == totp::DIGITS as usize => {
                (code.as_str(), Accept::TotpOrRecovery, "totp")
            }
            LoginCode::Code(code) => (code.as_str(), Accept::TotpOrRecovery, "recovery_code"),
            LoginCode::RecoveryCode(code) => (code.as_str(), Accept::RecoveryOnly, "recovery_code"),
        };
        let key = self.reauth.key();
        if !spend_code(&mut *tx, key, user.id, code, accept, client, now).await? {
            let method = format!("{}+{factor}", challenge.method);
            self.sessions.record_attempt(&mut *tx, user.id, &method, client, now, Some("invalid_2fa_code")).await?;
            let locked_mail =
                self.throttle.record_failure_in(&mut *tx, &subject, AuthFailureKind::SecondFactor, client).await?;
            tx.commit().await?;
            if locked_mail {
                self.mailing.wake_delivery();
            }
            return Err(DomainError::TwoFactorCodeInvalid.into());
        }
        if !tx.delete_mfa_token(&hash).await? {
            return Err(DomainError::MfaTokenInvalid.into());
        }
        let method = format!("{}+{factor}", challenge.method);
        let session = self.sessions.open_session(&mut *tx, user.id, client, now).await?;
        self.sessions.record_attempt(&mut *tx, user.id, &method, client, now, None).await?;
        tx.commit().await?;
        Ok((User { last_login_at: Some(now), ..user }, session))
    }
}

fn recovery_context(user: UserId) -> String {
    format!("recovery-codes:{user}")
}

/// What opening the second step of a login found.
pub(crate) enum SecondStep {
    /// The attempt is counted against the mfaToken in `tx`, which the caller finishes,
    /// and the account may try a second factor.
    /// (The account is boxed: it is most of the variant's size, and `Banned` is empty.)
    Open { tx: Box<dyn Conn>, challenge: MfaChallenge, user: Box<User> },
    /// The account is banned: its mfaToken is spent (committed) and nobody signs in.
    Banned,
}

/// Opens the second step of a login, whichever factor finishes it (a code or a passkey):
/// counts the attempt against the mfaToken before anything is checked (`mfa:token_invalid`
/// for an unknown, expired or spent one), loads the account, refuses a banned one, and
/// checks the account's second-factor limit (`429`).
pub(crate) async fn open_second_step(
    store: &dyn Store,
    throttle: &AuthThrottle,
    mfa_token: &TokenHash,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<SecondStep> {
    let mut tx = store.begin().await?;
    let challenge = tx.begin_mfa_attempt(mfa_token, now, MFA_ATTEMPTS).await?.ok_or(DomainError::MfaTokenInvalid)?;
    let user = tx.user_by_id(challenge.user_id).await?.ok_or(DomainError::MfaTokenInvalid)?;
    if user.banned {
        tx.delete_mfa_token(mfa_token).await?;
        tx.commit().await?;
        return Ok(SecondStep::Banned);
    }
    let subject = Subject::Account(&user);
    // Held from the count to the caller's commit: simultaneous guesses, with many mfaTokens
    // and on many nodes, queue here, so the account's cap is exact.
    throttle.hold(&mut *tx, &subject).await?;
    throttle.ensure_allowed(&mut *tx, &subject, AuthFailureKind::SecondFactor, client).await?;
    Ok(SecondStep::Open { tx, challenge, user: Box::new(user) })
}
