//! The one re-authentication rule of sensitive calls (API.md): the password when the
//! account has one and, when two-factor is on, a TOTP or recovery code. A code that
//! passes is spent, as at login. Wrong passwords and codes count toward the account's
//! login and second-factor limits ([`AuthThrottle`]), and past either the call is refused.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::sealed::InstanceKey;
use accountd_core::token::TokenHash;
use accountd_core::totp::{normalize_recovery_code, TotpSecret};
use accountd_core::user::{ClientInfo, User};
use accountd_core::{Clock, DomainError, UserId};
use accountd_store::{AuthFailureKind, Conn, Store};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::json;

use super::throttle::{AuthThrottle, Subject};
use super::{activity, AppError, AppResult};
use crate::passwords::PasswordWorkers;

pub struct Reauth {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    passwords: PasswordWorkers,
    key: Arc<InstanceKey>,
    throttle: Arc<AuthThrottle>,
}

/// Which kinds of code a caller may present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    TotpOrRecovery,
    RecoveryOnly,
}

impl Reauth {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        passwords: PasswordWorkers,
        key: Arc<InstanceKey>,
        throttle: Arc<AuthThrottle>,
    ) -> Self {
        Self { store, clock, passwords, key, throttle }
    }

    pub fn key(&self) -> &InstanceKey {
        &self.key
    }

    /// Wrong or missing password: `auth:invalid_credentials`; wrong, missing or replayed
    /// code: `2fa:invalid_code`. The password is checked first, so a code is never spent
    /// by a caller who does not know the password.
    pub async fn check(
        &self,
        user: &User,
        password: Option<SecretString>,
        code: Option<&str>,
        client: &ClientInfo,
    ) -> AppResult<()> {
        self.check_password(user, password, client).await?;
        if !user.two_factor_enabled {
            return Ok(());
        }
        let code = code.ok_or(DomainError::TwoFactorCodeInvalid)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !spend_code(&mut *tx, &self.key, user.id, code, Accept::TotpOrRecovery, client, now).await? {
            drop(tx);
            self.throttle.record_failure(&Subject::Account(user), AuthFailureKind::SecondFactor, client).await?;
            return Err(DomainError::TwoFactorCodeInvalid.into());
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Reauth {
    /// The password half alone (when the account has one), for the calls that prove only
    /// the current password: `PUT /v1/me/password`, 2FA setup and enable. Refused with `429`
    /// while the account is past its login or second-factor limit, whatever is given.
    pub async fn check_password(
        &self,
        user: &User,
        password: Option<SecretString>,
        client: &ClientInfo,
    ) -> AppResult<()> {
        let subject = Subject::Account(user);
        let mut conn = self.store.reader().await?;
        for kind in [AuthFailureKind::Password, AuthFailureKind::SecondFactor] {
            self.throttle.ensure_allowed(&mut *conn, &subject, kind, client).await?;
        }
        drop(conn);
        let Some(stored) = &user.password_hash else {
            return Ok(());
        };
        let given = password.ok_or(DomainError::InvalidCredentials)?;
        if self.passwords.verify(given, Some(stored.clone())).await? {
            Ok(())
        } else {
            self.throttle.record_failure(&subject, AuthFailureKind::Password, client).await?;
            Err(DomainError::InvalidCredentials.into())
        }
    }
}

/// The sealing context of an account's TOTP secret: a sealed secret copied to another
/// account's row does not open.
pub fn totp_context(user: UserId) -> String {
    format!("totp:{user}")
}

pub fn open_secret(key: &InstanceKey, user: UserId, sealed: &str) -> AppResult<TotpSecret> {
    key.open(sealed, &totp_context(user))
        .map(TotpSecret::from_bytes)
        .map_err(|_| AppError::Internal(format!("the TOTP secret of {user} does not open").into()))
}

/// Checks `code` against the account's enabled factor and spends it in `tx`: a TOTP
/// code's time step is recorded (and no step up to it is accepted again), a recovery
/// code is marked used. Both are single conditional statements, so two concurrent
/// requests with one code can't both pass. `false` for anything else.
pub async fn spend_code(
    tx: &mut dyn Conn,
    key: &InstanceKey,
    user: UserId,
    code: &str,
    accept: Accept,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(record) = tx.two_factor_of(user).await? else {
        return Ok(false);
    };
    if record.enabled_at.is_none() {
        return Ok(false);
    }
    if accept == Accept::TotpOrRecovery {
        let secret = open_secret(key, user, &record.secret_sealed)?;
        if let Some(step) = secret.matching_step(code, now) {
            return Ok(tx.accept_totp_step(user, step).await?);
        }
    }
    let Some(recovery) = normalize_recovery_code(code) else {
        return Ok(false);
    };
    if !tx.use_recovery_code(user, &TokenHash::of(&recovery), now).await? {
        return Ok(false);
    }
    let (_, remaining) = tx.recovery_code_counts(user).await?;
    tx.insert_activity(&activity(
        user,
        ActivityAction::RecoveryCodeUsed,
        client,
        now,
        json!({ "remaining": remaining }),
    ))
    .await?;
    Ok(true)
}
