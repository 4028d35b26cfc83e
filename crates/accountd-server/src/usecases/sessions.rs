//! Login, logout, and the sessions of an account.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::password::PasswordHashString;
use accountd_core::token::{self, IssuedToken, TokenHash, TokenKind};
use accountd_core::user::{ClientInfo, LoginAttempt, Session, User};
use accountd_core::{Clock, DomainError, SessionId, UserId};
use accountd_store::{AuthFailureKind, Conn, MfaChallenge, Page, Store};
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::json;

use super::throttle::{AuthThrottle, Subject};
use super::{activity, AppResult, Paging};
use crate::account_cache::{AccountCache, CachedAccount, CachedSession};
use crate::passwords::PasswordWorkers;

/// `lastSeenAt` (and the sliding expiry with it) is written at most this often,
/// so a busy session does not turn every read into a write.
pub(crate) const TOUCH_INTERVAL: Duration = Duration::seconds(60);

pub struct SessionSettings {
    pub ttl: Duration,
    pub require_verified_email: bool,
    /// Live sessions an account may have unless an administrator says otherwise.
    pub default_session_limit: i64,
}

pub struct Sessions {
    store: Arc<dyn Store>,
    cache: AccountCache,
    clock: Arc<dyn Clock>,
    passwords: PasswordWorkers,
    throttle: Arc<AuthThrottle>,
    settings: SessionSettings,
}

/// A session token handed to the client, once.
pub struct IssuedSession {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
}

/// The second login step lives this long (API.md).
pub const MFA_TOKEN_LIFETIME: Duration = Duration::minutes(5);

/// What a correct password leads to: a session, or for an account with two-factor
/// authentication a single-use token for the second step (`POST /v1/auth/login/2fa`).
pub enum LoginOutcome {
    SignedIn { user: Box<User>, session: IssuedSession },
    MfaRequired { mfa_token: SecretString, methods: &'static [&'static str] },
}

/// The account and session behind an authenticated request.
#[derive(Clone)]
pub struct Authenticated {
    pub session: Session,
    /// Whether this request slid the session's expiry forward.
    pub renewed: bool,
    /// The account with its profile records, as read for this request.
    pub account: Arc<CachedAccount>,
}

impl Authenticated {
    pub fn user(&self) -> &User {
        &self.account.user
    }
}

impl Sessions {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        passwords: PasswordWorkers,
        throttle: Arc<AuthThrottle>,
        settings: SessionSettings,
    ) -> Self {
        let cache = AccountCache::new(store.clone());
        Self { store, cache, clock, passwords, throttle, settings }
    }

    pub fn ttl(&self) -> Duration {
        self.settings.ttl
    }

    pub async fn login(
        &self,
        identifier: &str,
        password: SecretString,
        client: &ClientInfo,
    ) -> AppResult<LoginOutcome> {
        // No stored password can be longer than the policy allows; refuse before any hashing.
        if password.expose_secret().len() > accountd_core::password::MAX_LEN * 4 {
            record_login_metric("invalid_credentials");
            return Err(DomainError::InvalidCredentials.into());
        }
        let identifier = identifier.trim().to_lowercase();
        let mut conn = self.store.reader().await?;
        let user = if identifier.is_empty() { None } else { conn.user_by_login(&identifier).await? };
        // Identifiers no account has are throttled like accounts, so `429` reveals nothing.
        let subject = user.as_ref().map_or(Subject::Unknown(&identifier), Subject::Account);
        if let Err(throttled) =
            self.throttle.ensure_allowed(&mut *conn, &subject, AuthFailureKind::Password, client).await
        {
            record_login_metric("throttled");
            return Err(throttled);
        }
        drop(conn);
        // Unknown accounts are verified against a dummy hash, so they cost the same time.
        let stored_hash: Option<PasswordHashString> = user.as_ref().and_then(|user| user.password_hash.clone());
        let password_ok = self.passwords.verify(password, stored_hash).await?;
        let Some(user) = &user else {
            self.throttle.record_failure(&subject, AuthFailureKind::Password, client).await?;
            record_login_metric("invalid_credentials");
            return Err(DomainError::InvalidCredentials.into());
        };
        let refusal = if !password_ok {
            Some(("invalid_password", DomainError::InvalidCredentials))
        } else if user.banned {
            Some(("banned", DomainError::AccountBanned))
        } else if self.settings.require_verified_email && !user.email_verified {
            Some(("email_not_verified", DomainError::EmailNotVerified))
        } else {
            None
        };
        if let Some((reason, error)) = refusal {
            self.record_failed_login(user, reason, client).await?;
            if !password_ok {
                self.throttle.record_failure(&subject, AuthFailureKind::Password, client).await?;
            }
            record_login_metric(reason);
            return Err(error.into());
        }
        self.after_first_factor(user.clone(), "password", client).await
    }

    /// Once the first factor (`method`) has passed: the second step when the account has
    /// two-factor authentication on, a session otherwise. Password and social login share it.
    async fn after_first_factor(&self, user: User, method: &str, client: &ClientInfo) -> AppResult<LoginOutcome> {
        if user.two_factor_enabled {
            let mfa_token = self.issue_mfa_token(user.id, method).await?;
            record_login_metric("mfa_required");
            // An account with a passkey may finish the second step with it (API.md).
            let has_passkey = !self.store.reader().await?.passkeys_of(user.id).await?.is_empty();
            let methods: &'static [&'static str] =
                if has_passkey { &["totp", "recovery_code", "passkey"] } else { &["totp", "recovery_code"] };
            return Ok(LoginOutcome::MfaRequired { mfa_token, methods });
        }
        let (session, signed_in_at) = self.sign_in(&user, method, client).await?;
        record_login_metric("success");
        Ok(LoginOutcome::SignedIn { user: Box::new(User { last_login_at: Some(signed_in_at), ..user }), session })
    }

    /// A single-use token for the second step of a login whose first step (`method`) passed.
    async fn issue_mfa_token(&self, user: UserId, method: &str) -> AppResult<SecretString> {
        let now = self.clock.now();
        let token = format!("mfa_{}", token::random_urlsafe(32));
        let challenge = MfaChallenge { user_id: user, method: method.to_string() };
        let mut tx = self.store.begin().await?;
        tx.insert_mfa_token(&TokenHash::of(&token), &challenge, now, now + MFA_TOKEN_LIFETIME).await?;
        tx.commit().await?;
        Ok(SecretString::from(token))
    }

    // ---- social login (oauth) ----------------------------------------------------------
    /// Signs in an account whose identity a social login provider vouched for, recording
    /// `method` (`oauth:NAME`). It answers a [`LoginOutcome`] like the password login, so
    /// the two-factor step belongs here too.
    pub async fn login_verified(&self, user: User, method: &str, client: &ClientInfo) -> AppResult<LoginOutcome> {
        let refusal = if user.banned {
            Some(("banned", DomainError::AccountBanned))
        } else if self.settings.require_verified_email && !user.email_verified {
            Some(("email_not_verified", DomainError::EmailNotVerified))
        } else {
            None
        };
        if let Some((reason, error)) = refusal {
            record_login_metric(reason);
            return Err(error.into());
        }
        self.after_first_factor(user, method, client).await
    }
    // ---- end social login -----------------------------------------------------------------

    /// Signs in an account whose credential proved more than one factor at once (a passkey
    /// with user verification): no second step, even with two-factor on.
    pub async fn login_multi_factor(&self, user: User, method: &str, client: &ClientInfo) -> AppResult<LoginOutcome> {
        let refusal = if user.banned {
            Some(("banned", DomainError::AccountBanned))
        } else if self.settings.require_verified_email && !user.email_verified {
            Some(("email_not_verified", DomainError::EmailNotVerified))
        } else {
            None
        };
        if let Some((reason, error)) = refusal {
            record_login_metric(reason);
            return Err(error.into());
        }
        let (session, signed_in_at) = self.sign_in(&user, method, client).await?;
        record_login_metric("success");
        Ok(LoginOutcome::SignedIn { user: Box::new(User { last_login_at: Some(signed_in_at), ..user }), session })
    }

    /// Opens a session for an account whose credentials were checked, and records the login.
    async fn sign_in(
        &self,
        user: &User,
        method: &str,
        client: &ClientInfo,
    ) -> AppResult<(IssuedSession, DateTime<Utc>)> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let issued = self.open_session(&mut *tx, user.id, client, now).await?;
        self.record_attempt(&mut *tx, user.id, method, client, now, None).await?;
        tx.commit().await?;
        Ok((issued, now))
    }

    async fn record_failed_login(&self, user: &User, reason: &str, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        self.record_attempt(&mut *tx, user.id, "password", client, now, Some(reason)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a login attempt in the caller's transaction: the login history, the
    /// activity, and on success the account's last login.
    pub async fn record_attempt(
        &self,
        tx: &mut dyn Conn,
        user: UserId,
        method: &str,
        client: &ClientInfo,
        now: DateTime<Utc>,
        failure: Option<&str>,
    ) -> AppResult<()> {
        tx.insert_login_attempt(&attempt(user, client, now, method, failure)).await?;
        match failure {
            None => {
                tx.insert_activity(&activity(
                    user,
                    ActivityAction::AuthLogin,
                    client,
                    now,
                    json!({ "method": method }),
                ))
                .await?;
                tx.set_last_login(user, now).await?;
                self.throttle.forget_client(tx, user, client).await?;
            }
            Some(reason) => {
                tx.insert_activity(&activity(
                    user,
                    ActivityAction::AuthLoginFailed,
                    client,
                    now,
                    json!({ "reason": reason, "method": method }),
                ))
                .await?;
            }
        }
        Ok(())
    }

    /// Creates a session inside the caller's transaction (login, registration).
    pub async fn open_session(
        &self,
        tx: &mut dyn Conn,
        user: UserId,
        client: &ClientInfo,
        now: DateTime<Utc>,
    ) -> AppResult<IssuedSession> {
        let IssuedToken { secret, hash } = token::issue(TokenKind::Session);
        let session = Session {
            id: SessionId::new(),
            user_id: user,
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.settings.ttl,
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            device: client.device.clone(),
        };
        tx.insert_session(&session, &hash).await?;
        // Past the account's session limit, the least recently used sessions end.
        let limit = tx.limit_overrides(user).await?.sessions.unwrap_or(self.settings.default_session_limit);
        tx.trim_sessions(user, limit).await?;
        Ok(IssuedSession { token: secret, expires_at: session.expires_at })
    }

    /// The live session behind a session token, sliding its expiry forward when it is used.
    /// `None` for a token that is unknown, expired, revoked or of a banned account.
    pub async fn authenticate(&self, token: &str) -> AppResult<Option<Authenticated>> {
        if TokenKind::of(token) != Some(TokenKind::Session) {
            return Ok(None);
        }
        let hash = TokenHash::of(token);
        let now = self.clock.now();
        if let Some(CachedSession { session, account }) = self.cache.session(&hash).await {
            // A session due to slide its expiry goes to the database, which writes it.
            if session.expires_at > now && now - session.last_seen_at < TOUCH_INTERVAL && !account.user.banned {
                return Ok(Some(Authenticated { session, renewed: false, account }));
            }
        }
        let ticket = self.cache.ticket();
        let mut conn = self.store.reader().await?;
        let Some((mut session, user)) = conn.session_by_token(&hash, now).await? else {
            self.cache.forget(&hash);
            return Ok(None);
        };
        if user.banned {
            return Ok(None);
        }
        let addresses = conn.addresses_of(user.id).await?;
        let linked_accounts = conn.linked_accounts_of(user.id).await?;
        drop(conn);
        let renewed = now - session.last_seen_at >= TOUCH_INTERVAL;
        if renewed {
            session.last_seen_at = now;
            session.expires_at = now + self.settings.ttl;
            let mut tx = self.store.begin().await?;
            tx.touch_session(session.id, session.last_seen_at, session.expires_at).await?;
            tx.commit().await?;
        }
        let account = Arc::new(CachedAccount { user, addresses, linked_accounts });
        self.cache.store(hash, CachedSession { session: session.clone(), account: account.clone() }, ticket);
        Ok(Some(Authenticated { session, renewed, account }))
    }

    pub async fn logout(&self, current: &Authenticated, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.delete_session(current.user().id, current.session.id).await?;
        tx.insert_activity(&activity(
            current.user().id,
            ActivityAction::AuthLogout,
            client,
            now,
            json!({ "sessionId": current.session.id }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list(&self, user: UserId) -> AppResult<Vec<Session>> {
        Ok(self.store.reader().await?.sessions_of(user, self.clock.now()).await?)
    }

    pub async fn revoke(&self, current: &Authenticated, id: SessionId, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !tx.delete_session(current.user().id, id).await? {
            return Err(DomainError::SessionNotFound.into());
        }
        tx.insert_activity(&activity(
            current.user().id,
            ActivityAction::SessionRevoked,
            client,
            now,
            json!({ "sessionId": id }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes every session of the account, or every one but the current.
    pub async fn revoke_all(&self, current: &Authenticated, keep_current: bool, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let keep = keep_current.then_some(current.session.id);
        let mut tx = self.store.begin().await?;
        let revoked = tx.delete_sessions_of(current.user().id, keep).await?;
        tx.insert_activity(&activity(
            current.user().id,
            ActivityAction::SessionRevoked,
            client,
            now,
            json!({ "all": true, "keptCurrent": keep_current, "count": revoked }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn login_history(&self, user: UserId, paging: Paging) -> AppResult<Page<LoginAttempt>> {
        Ok(self.store.reader().await?.login_attempts_of(user, paging.request()).await?)
    }

    /// Deletes sessions that expired; run hourly by the [`PurgeExpiredSessions`] sweep.
    pub async fn purge_expired(&self) -> AppResult<u64> {
        let mut tx = self.store.begin().await?;
        let purged = tx.delete_expired_sessions(self.clock.now()).await?;
        tx.commit().await?;
        Ok(purged)
    }
}

/// The hourly sweep of expired sessions, on the job queue (one node runs each).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct PurgeExpiredSessions {}

impl crate::jobs::Job for PurgeExpiredSessions {
    const KIND: &'static str = "sessions.purge_expired";
    const MAX_ATTEMPTS: i32 = 3;
}

#[async_trait::async_trait]
impl crate::jobs::JobHandler<PurgeExpiredSessions> for Arc<Sessions> {
    async fn run(&self, _: PurgeExpiredSessions) -> Result<(), crate::jobs::JobFailure> {
        let purged = self.purge_expired().await.map_err(|error| crate::jobs::JobFailure::Retry(error.to_string()))?;
        tracing::debug!(purged, "purged expired sessions");
        Ok(())
    }
}

fn attempt(user: UserId, client: &ClientInfo, at: DateTime<Utc>, method: &str, failure: Option<&str>) -> LoginAttempt {
    LoginAttempt {
        user_id: user,
        at,
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        device: client.device.clone(),
        success: failure.is_none(),
        method: method.to_string(),
        failure_reason: failure.map(str::to_owned),
    }
}

fn record_login_metric(outcome: &'static str) {
    metrics::counter!("accountd_logins_total", "outcome" => outcome).increment(1);
}
