//! Throttling of failed authentications: passwords and second-factor codes, given to log
//! in or to re-authenticate a sensitive call.
//!
//! Wrong passwords are counted per account **and client prefix** (an IPv4 address, or an
//! IPv6 network of `ipv6_prefix` bits, so one subscriber's 2^64 addresses count as one).
//! A prefix past `login_failures` in the window gets `429` for that account, while the
//! owner, elsewhere, still logs in: a stranger cannot lock them out by failing on purpose.
//! Counting per prefix alone would leave guessing from many addresses unbounded, so an
//! account-wide ceiling (`account_login_failures`, much higher) stops every prefix, and
//! the owner is mailed once when the account reaches it (once per lock, not per failure:
//! past the ceiling nothing more is counted). Identifiers no account has are counted the
//! same way, under a hash of the identifier, so the answers (`401`, then `429`) reveal
//! nothing about which accounts exist.
//!
//! Wrong second-factor codes are counted per account across every mfaToken and client:
//! whoever reaches the second step has the password, and a code of six digits falls to
//! guessing spread over many addresses, so `second_factor_failures` in the window stops
//! the second step (the right code included) and mails the owner.
//!
//! The counts live in the database, so every node sees the same ones.

use std::net::IpAddr;
use std::sync::Arc;

use accountd_core::client::client_prefix;
use accountd_core::sealed::InstanceKey;
use accountd_core::user::{ClientInfo, User};
use accountd_core::{Clock, DomainError, UserId};
use accountd_store::{account_subject, AuthFailureKind, Conn, Store};
use chrono::{DateTime, Duration, SecondsFormat, Utc};

use super::mailing::Mailing;
use super::AppResult;
use crate::mail::MailKind;

pub struct ThrottleSettings {
    /// Wrong passwords for one account from one client prefix.
    pub login_failures: usize,
    /// Wrong passwords for one account from every client prefix together.
    pub account_login_failures: usize,
    /// Wrong second-factor codes for one account, from anywhere.
    pub second_factor_failures: usize,
    /// The sliding window every count covers.
    pub window: Duration,
    pub ipv6_prefix: u8,
}

pub struct AuthThrottle {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mailing: Arc<Mailing>,
    /// Keys the digest unknown identifiers are counted under.
    instance_key: Arc<InstanceKey>,
    /// `None` when rate limiting is off.
    settings: Option<ThrottleSettings>,
}

/// Whose failures are counted: an account, or an identifier no account has.
pub enum Subject<'a> {
    Account(&'a User),
    Unknown(&'a str),
}

impl AuthThrottle {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mailing: Arc<Mailing>,
        instance_key: Arc<InstanceKey>,
        settings: Option<ThrottleSettings>,
    ) -> Self {
        Self { store, clock, mailing, instance_key, settings }
    }

    /// What the subject's failures are stored under. Only a keyed digest of an unknown
    /// identifier: the table must not become a list of what people typed, and a plain hash
    /// of an address would let whoever reads the database confirm a guess.
    fn subject_key(&self, subject: &Subject<'_>) -> String {
        match subject {
            Subject::Account(user) => account_subject(user.id),
            Subject::Unknown(identifier) => {
                format!("unknown:{}", self.instance_key.digest(identifier, "login-identifier"))
            }
        }
    }

    /// `429` while the subject is past a limit of `kind` for this client.
    pub async fn ensure_allowed(
        &self,
        conn: &mut dyn Conn,
        subject: &Subject<'_>,
        kind: AuthFailureKind,
        client: &ClientInfo,
    ) -> AppResult<()> {
        let Some(settings) = &self.settings else {
            return Ok(());
        };
        let now = self.clock.now();
        let failures = conn.auth_failures_since(&self.subject_key(subject), kind, now - settings.window).await?;
        let everywhere: Vec<DateTime<Utc>> = failures.iter().map(|(at, _)| *at).collect();
        let frees_at = match kind {
            AuthFailureKind::Password => {
                let prefix = self.client_key(client);
                let from_client: Vec<DateTime<Utc>> =
                    failures.iter().filter(|(_, from)| *from == prefix).map(|(at, _)| *at).collect();
                let per_client = frees_at(&from_client, settings.login_failures, settings.window);
                let account_wide = frees_at(&everywhere, settings.account_login_failures, settings.window);
                per_client.max(account_wide)
            }
            AuthFailureKind::SecondFactor => frees_at(&everywhere, settings.second_factor_failures, settings.window),
        };
        match frees_at {
            None => Ok(()),
            Some(frees_at) => {
                let retry_after_secs = u64::try_from((frees_at - now).num_seconds() + 1).unwrap_or(1).max(1);
                metrics::counter!("accountd_auth_throttled_total", "kind" => kind.as_str()).increment(1);
                Err(DomainError::RateLimited { retry_after_secs }.into())
            }
        }
    }

    /// Makes `tx` the only transaction counting and recording the subject's failures until
    /// it ends, on every node. A caller that checks ([`Self::ensure_allowed`]) and records
    /// ([`Self::record_failure_in`]) in one held transaction counts exactly: concurrent
    /// attempts queue, and each sees the failures of those before it, where a count read
    /// before any was written would let every simultaneous guess through.
    pub async fn hold(&self, tx: &mut dyn Conn, subject: &Subject<'_>) -> AppResult<()> {
        if self.settings.is_some() {
            tx.hold_auth_failures(&self.subject_key(subject)).await?;
        }
        Ok(())
    }

    /// Counts a failure in its own transaction. The failure that brings an account to its
    /// account-wide limit of `kind` also mails the owner that the account is locked.
    pub async fn record_failure(
        &self,
        subject: &Subject<'_>,
        kind: AuthFailureKind,
        client: &ClientInfo,
    ) -> AppResult<()> {
        if self.settings.is_none() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        let locked_mail = self.record_failure_in(&mut *tx, subject, kind, client).await?;
        tx.commit().await?;
        if locked_mail {
            self.mailing.wake_delivery();
        }
        Ok(())
    }

    /// Counts a failure in the caller's transaction, as [`Self::record_failure`] does; says
    /// whether a lock mail was queued (the caller wakes the delivery after its commit).
    pub async fn record_failure_in(
        &self,
        tx: &mut dyn Conn,
        subject: &Subject<'_>,
        kind: AuthFailureKind,
        client: &ClientInfo,
    ) -> AppResult<bool> {
        let Some(settings) = &self.settings else {
            return Ok(false);
        };
        let now = self.clock.now();
        let since = now - settings.window;
        let key = self.subject_key(subject);
        tx.record_auth_failure(&key, &self.client_key(client), kind, now, since).await?;
        let mut locked_mail = false;
        if let Subject::Account(user) = subject {
            let ceiling = match kind {
                AuthFailureKind::Password => settings.account_login_failures,
                AuthFailureKind::SecondFactor => settings.second_factor_failures,
            };
            let failures = tx.auth_failures_since(&key, kind, since).await?;
            // Past the ceiling nothing more is counted, so this is the one failure that locks.
            if failures.len() == ceiling {
                let until = failures[0].0 + settings.window;
                let until = until.to_rfc3339_opts(SecondsFormat::Secs, true);
                let kind = MailKind::AccountLocked { username: user.username.as_str(), until: &until };
                self.mailing.notify_security(&mut *tx, user, &kind, now).await?;
                locked_mail = true;
            }
        }
        Ok(locked_mail)
    }

    /// Forgets the account's failures from this client once it signed in, in the caller's
    /// transaction: the owner's own typos do not pile up, while failures from elsewhere
    /// keep counting.
    pub async fn forget_client(&self, tx: &mut dyn Conn, user: UserId, client: &ClientInfo) -> AppResult<()> {
        if self.settings.is_some() {
            tx.clear_client_auth_failures(&account_subject(user), &self.client_key(client)).await?;
        }
        Ok(())
    }

    /// The client prefix failures are counted under; clients without a readable address
    /// share one key.
    fn client_key(&self, client: &ClientInfo) -> String {
        let ipv6_prefix = self.settings.as_ref().map_or(64, |settings| settings.ipv6_prefix);
        match client.ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok()) {
            Some(ip) => client_prefix(ip, ipv6_prefix).to_string(),
            None => "unknown".to_string(),
        }
    }
}

/// When `limit` failures (oldest first) stop being `limit` in the window; `None` while
/// there are fewer.
fn frees_at(times: &[DateTime<Utc>], limit: usize, window: Duration) -> Option<DateTime<Utc>> {
    let limit = limit.max(1);
    (times.len() >= limit).then(|| times[times.len() - limit] + window)
}
