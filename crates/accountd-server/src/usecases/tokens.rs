//! Personal access tokens, the upload token, introspection, and the account's
//! limits and usage. Also the one place a bearer credential becomes a [`Principal`].

use std::sync::Arc;

use accountd_core::access::{Limits, PersonalAccessToken};
use accountd_core::activity::ActivityAction;
use accountd_core::scope::Scope;
use accountd_core::sealed::InstanceKey;
use accountd_core::token::{self, TokenHash, TokenKind};
use accountd_core::user::{ClientInfo, User};
use accountd_core::{Clock, DomainError, TokenId, UserId};
use accountd_store::{Conn, Store};
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::json;

use super::mailing::Mailing;
use super::sessions::TOUCH_INTERVAL;
use super::sessions::{Authenticated, Sessions};
use super::{activity, AppError, AppResult};
use crate::mail::MailKind;

/// How many characters of a token are kept to show its owner which one it is.
const SHOWN_PREFIX_LEN: usize = 10;
pub const NAME_MAX: usize = 64;
pub const EXPIRY_MAX_DAYS: i64 = 3650;

/// Who is making an authenticated request, and with what.
#[derive(Clone)]
pub enum Principal {
    Session(Authenticated),
    Pat { user: Box<User>, token: PersonalAccessToken },
}

impl Principal {
    /// The session making the request, if it is one.
    pub fn session_id(&self) -> Option<accountd_core::SessionId> {
        match self {
            Self::Session(session) => Some(session.session.id),
            Self::Pat { .. } => None,
        }
    }

    pub fn user(&self) -> &User {
        match self {
            Self::Session(session) => session.user(),
            Self::Pat { user, .. } => user,
        }
    }
}

/// What `POST /v1/auth/introspect` says about an active token.
pub struct ActiveToken {
    pub kind: TokenKind,
    pub user: User,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What counts against each limit of an account, and the limit.
pub struct Usage {
    pub limits: Limits,
    pub storage_bytes: i64,
    pub personal_access_tokens: i64,
    pub additional_addresses: i64,
    pub sessions: i64,
}

pub struct Tokens {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: Arc<InstanceKey>,
    sessions: Arc<Sessions>,
    mailing: Arc<Mailing>,
    default_limits: Limits,
}

/// The limits of an account: the configured defaults with an administrator's overrides.
pub async fn effective_limits(conn: &mut dyn Conn, defaults: Limits, user: UserId) -> AppResult<Limits> {
    Ok(defaults.with_overrides(&conn.limit_overrides(user).await?))
}

impl Tokens {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        key: Arc<InstanceKey>,
        sessions: Arc<Sessions>,
        mailing: Arc<Mailing>,
        default_limits: Limits,
    ) -> Self {
        Self { store, clock, key, sessions, mailing, default_limits }
    }

    /// The principal behind a bearer credential, looked up in the database on every
    /// request so that a revocation or a ban on any node holds on the next request.
    /// `None` for anything unknown, expired, revoked, of a banned account, or an
    /// upload token (those are for other services, through introspection).
    pub async fn authenticate(&self, token: &str) -> AppResult<Option<Principal>> {
        match TokenKind::of(token) {
            Some(TokenKind::Session) => Ok(self.sessions.authenticate(token).await?.map(Principal::Session)),
            Some(TokenKind::PersonalAccess) => {
                let now = self.clock.now();
                let found = self.store.reader().await?.pat_by_token(&TokenHash::of(token), now).await?;
                let Some((mut pat, user)) = found else {
                    return Ok(None);
                };
                if user.banned {
                    return Ok(None);
                }
                if pat.last_used_at.is_none_or(|last| now - last >= TOUCH_INTERVAL) {
                    pat.last_used_at = Some(now);
                    let mut tx = self.store.begin().await?;
                    tx.touch_pat(pat.id, now).await?;
                    tx.commit().await?;
                }
                Ok(Some(Principal::Pat { user: Box::new(user), token: pat }))
            }
            Some(TokenKind::Upload) | None => Ok(None),
        }
    }

    /// Creates a personal access token and tells the owner (a security notice).
    pub async fn create_pat(
        &self,
        owner: &User,
        name: &str,
        scopes: &[String],
        expires_in_days: Option<i64>,
        client: &ClientInfo,
    ) -> AppResult<(PersonalAccessToken, SecretString)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
            return Err(DomainError::field("name", format!("must be 1-{NAME_MAX} characters")).into());
        }
        let scopes = Scope::parse_list(scopes)?;
        if expires_in_days.is_some_and(|days| !(1..=EXPIRY_MAX_DAYS).contains(&days)) {
            return Err(DomainError::field("expiresInDays", format!("must be between 1 and {EXPIRY_MAX_DAYS}")).into());
        }
        let user = owner.id;
        let now = self.clock.now();
        let issued = token::issue(TokenKind::PersonalAccess);
        let pat = PersonalAccessToken {
            id: TokenId::new(),
            user_id: user,
            name: name.to_string(),
            scopes,
            prefix: issued.expose().chars().take(SHOWN_PREFIX_LEN).collect(),
            created_at: now,
            last_used_at: None,
            expires_at: expires_in_days.map(|days| now + Duration::days(days)),
        };
        let mut tx = self.store.begin().await?;
        let limit = effective_limits(&mut *tx, self.default_limits, user).await?.personal_access_tokens;
        if tx.pats_of(user, now).await?.len() as i64 >= limit {
            return Err(DomainError::LimitExceeded("personal access tokens").into());
        }
        tx.insert_pat(&pat, &issued.hash).await?;
        let scope_names: Vec<&str> = pat.scopes.iter().map(|scope| scope.as_str()).collect();
        tx.insert_activity(&activity(
            user,
            ActivityAction::TokenCreated,
            client,
            now,
            json!({ "tokenId": pat.id, "name": pat.name, "scopes": scope_names }),
        ))
        .await?;
        let notice = MailKind::TokenCreated { username: owner.username.as_str(), name: &pat.name };
        self.mailing.notify_security(&mut *tx, owner, &notice, now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok((pat, issued.secret))
    }

    pub async fn list_pats(&self, user: UserId) -> AppResult<Vec<PersonalAccessToken>> {
        Ok(self.store.reader().await?.pats_of(user, self.clock.now()).await?)
    }

    pub async fn revoke_pat(&self, user: UserId, id: TokenId, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !tx.delete_pat(user, id).await? {
            return Err(DomainError::TokenNotFound.into());
        }
        tx.insert_activity(&activity(user, ActivityAction::TokenRevoked, client, now, json!({ "tokenId": id })))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account's upload token, made on first use.
    pub async fn upload_token(&self, user: UserId) -> AppResult<(SecretString, DateTime<Utc>)> {
        if let Some(found) = self.open_upload_token(&mut *self.store.reader().await?, user).await? {
            return Ok(found);
        }
        let issued = token::issue(TokenKind::Upload);
        let sealed = self.key.seal(issued.expose().as_bytes(), &upload_context(user));
        let mut tx = self.store.begin().await?;
        // Two first reads at once: the database keeps one, and both answer with it.
        tx.insert_upload_token_if_absent(user, &issued.hash, &sealed, self.clock.now()).await?;
        let stored = self.open_upload_token(&mut *tx, user).await?;
        tx.commit().await?;
        stored.ok_or_else(|| AppError::Internal("the upload token was not stored".into()))
    }

    /// A new upload token in place of the old one, which stops working at once.
    pub async fn regenerate_upload_token(
        &self,
        user: UserId,
        client: &ClientInfo,
    ) -> AppResult<(SecretString, DateTime<Utc>)> {
        let now = self.clock.now();
        let issued = token::issue(TokenKind::Upload);
        let sealed = self.key.seal(issued.expose().as_bytes(), &upload_context(user));
        let mut tx = self.store.begin().await?;
        tx.replace_upload_token(user, &issued.hash, &sealed, now).await?;
        tx.insert_activity(&activity(user, ActivityAction::UploadTokenRegenerated, client, now, json!({}))).await?;
        tx.commit().await?;
        Ok((issued.secret, now))
    }

    async fn open_upload_token(
        &self,
        conn: &mut dyn Conn,
        user: UserId,
    ) -> AppResult<Option<(SecretString, DateTime<Utc>)>> {
        let Some((sealed, created_at)) = conn.upload_token_of(user).await? else {
            return Ok(None);
        };
        let plain = self
            .key
            .open(&sealed, &upload_context(user))
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                AppError::Internal("the upload token does not open: was the instance secret key changed?".into())
            })?;
        Ok(Some((SecretString::from(plain), created_at)))
    }

    /// What a token is and whose, for the operator's other services; `None` when it
    /// is unknown, expired, revoked, or of a banned account.
    pub async fn introspect(&self, token: &str) -> AppResult<Option<ActiveToken>> {
        let now = self.clock.now();
        let hash = TokenHash::of(token);
        let mut conn = self.store.reader().await?;
        let found = match TokenKind::of(token) {
            Some(kind @ TokenKind::Session) => conn
                .session_by_token(&hash, now)
                .await?
                .map(|(session, user)| (kind, user, Scope::ALL.to_vec(), Some(session.expires_at))),
            Some(kind @ TokenKind::PersonalAccess) => {
                conn.pat_by_token(&hash, now).await?.map(|(pat, user)| (kind, user, pat.scopes, pat.expires_at))
            }
            Some(kind @ TokenKind::Upload) => {
                conn.user_by_upload_token(&hash).await?.map(|user| (kind, user, Vec::new(), None))
            }
            None => None,
        };
        Ok(found.filter(|(_, user, _, _)| !user.banned).map(|(kind, user, scopes, expires_at)| ActiveToken {
            kind,
            user,
            scopes,
            expires_at,
        }))
    }

    /// `GET /v1/me/limits`.
    pub async fn usage(&self, user: UserId) -> AppResult<Usage> {
        let now = self.clock.now();
        let mut conn = self.store.reader().await?;
        let limits = effective_limits(&mut *conn, self.default_limits, user).await?;
        let storage_bytes = conn.media_of(user).await?.iter().map(|media| media.bytes).sum();
        Ok(Usage {
            limits,
            storage_bytes,
            personal_access_tokens: conn.pats_of(user, now).await?.len() as i64,
            additional_addresses: conn.addresses_of(user).await?.len() as i64,
            sessions: conn.count_sessions(user, now).await?,
        })
    }
}

/// Authenticated, not stored: a sealed token copied to another account's row does not open.
fn upload_context(user: UserId) -> String {
    format!("upload:{user}")
}

/// Compares a presented secret with the configured one in constant time.
pub fn secret_matches(presented: &str, configured: &SecretString) -> bool {
    use subtle::ConstantTimeEq as _;
    let configured = configured.expose_secret().as_bytes();
    let presented = presented.as_bytes();
    // Lengths differ: still compare something, so timing tells nothing about the secret.
    if presented.len() != configured.len() {
        let _ = configured.ct_eq(configured);
        return false;
    }
    presented.ct_eq(configured).into()
}
