//! Social login and linked accounts: authorization requests, login or sign-up with a
//! provider's identity, and linking and unlinking identities.
//!
//! An identity is the provider's subject, never its email. A provider's verified email
//! that matches an account is refused (`oauth:account_exists`) rather than linked: the
//! owner logs in and links it, so controlling an email claim never takes an account over.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::oauth::{LinkedAccount, PendingAuthorization, PendingSignup, Purpose, STATE_TTL_MINUTES};
use accountd_core::sealed::InstanceKey;
use accountd_core::token::{random_urlsafe, TokenHash};
use accountd_core::user::{ClientInfo, Role, User};
use accountd_core::{Clock, DomainError, Email, UserId, Username};
use accountd_store::{Conn, NewUser, Store};
use chrono::Duration;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::json;
use subtle::ConstantTimeEq as _;
use url::Url;

use super::sessions::{IssuedSession, LoginOutcome, Sessions};
use super::tokens::Principal;
use super::{activity, AppError, AppResult};
use crate::oauth::{AuthorizeRequest, Callback, OAuthProvider, ProviderError, ProviderIdentity, Providers};

pub struct OAuth {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sessions: Arc<Sessions>,
    key: Arc<InstanceKey>,
    providers: Providers,
    public_url: Url,
    allowed_redirect_uris: Vec<String>,
}

/// What a login with a provider leads to.
pub enum OAuthLogin {
    /// The identity is linked: signed in (or the second factor is asked for).
    Linked(Box<LoginOutcome>),
    /// A new identity: the user picks a username and calls complete-signup.
    SignupRequired { token: SecretString, email: String, suggested_username: String },
}

impl OAuth {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        sessions: Arc<Sessions>,
        key: Arc<InstanceKey>,
        providers: Providers,
        public_url: Url,
        allowed_redirect_uris: Vec<String>,
    ) -> Self {
        Self { store, clock, sessions, key, providers, public_url, allowed_redirect_uris }
    }

    /// `(id, name)` of every configured provider.
    pub fn providers(&self) -> Vec<(&str, &str)> {
        self.providers.values().map(|provider| (provider.id(), provider.name())).collect()
    }

    fn provider(&self, id: &str) -> AppResult<&Arc<dyn OAuthProvider>> {
        self.providers.get(id).ok_or_else(|| DomainError::OAuthUnknownProvider.into())
    }

    /// `{publicUrl}/oauth/{provider}/callback`, the page accountd serves.
    pub fn default_redirect_uri(&self, provider: &str) -> String {
        format!("{}/oauth/{provider}/callback", self.public_url.as_str().trim_end_matches('/'))
    }

    /// A login's authorization URL, and the `flow` value that ties its state to the
    /// client: the client sends it back (or its cookie) with the code.
    pub async fn authorize_login(&self, provider_id: &str, redirect_uri: Option<&str>) -> AppResult<(Url, String)> {
        let flow = random_urlsafe(32);
        let url = self.authorize(provider_id, redirect_uri, None, TokenHash::of(&flow)).await?;
        Ok((url, flow))
    }

    /// The authorization URL to link an identity to the requester's account; the state
    /// finishes only with the same credential (session or personal access token).
    pub async fn authorize_link(
        &self,
        provider_id: &str,
        redirect_uri: Option<&str>,
        requester: &Principal,
    ) -> AppResult<Url> {
        self.authorize(provider_id, redirect_uri, Some(requester.user().id), credential_binding(requester)).await
    }

    /// `linking` names the signed-in account that asked to link; `None` is a login.
    async fn authorize(
        &self,
        provider_id: &str,
        redirect_uri: Option<&str>,
        linking: Option<UserId>,
        binding: TokenHash,
    ) -> AppResult<Url> {
        let provider = self.provider(provider_id)?;
        let default = self.default_redirect_uri(provider_id);
        let redirect_uri = match redirect_uri {
            None => default,
            Some(uri) if uri == default || self.allowed_redirect_uris.iter().any(|allowed| allowed == uri) => {
                uri.to_owned()
            }
            Some(_) => return Err(DomainError::OAuthInvalidRedirectUri.into()),
        };
        let purpose = if linking.is_some() { Purpose::Link } else { Purpose::Login };
        // The purpose is readable in the state so the callback page knows which API to
        // call; the server still trusts only what it stored under the state's hash.
        let state = format!("{}_{}", purpose.as_str(), random_urlsafe(32));
        let nonce = random_urlsafe(32);
        let pkce_verifier = random_urlsafe(32);
        let state_hash = TokenHash::of(&state);
        let url = provider
            .authorize_url(&AuthorizeRequest {
                state: &state,
                nonce: &nonce,
                pkce_verifier: &pkce_verifier,
                redirect_uri: &redirect_uri,
            })
            .await
            .map_err(provider_failure)?;
        let now = self.clock.now();
        let pending = PendingAuthorization {
            provider: provider_id.to_owned(),
            purpose,
            user_id: linking,
            pkce_verifier_sealed: self.key.seal(pkce_verifier.as_bytes(), &state_context(&state_hash)),
            redirect_uri,
            nonce,
            binding,
            created_at: now,
            expires_at: now + Duration::minutes(STATE_TTL_MINUTES),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_pending_authorization(&state_hash, &pending).await?;
        tx.commit().await?;
        Ok(url)
    }

    /// Uses up the state, when it comes back with one of the `proofs` of its binding, and
    /// redeems the code at the provider. A refused state stays usable by its own client.
    async fn finish(
        &self,
        provider_id: &str,
        code: &str,
        state: &str,
        purpose: Purpose,
        user: Option<UserId>,
        proofs: &[TokenHash],
    ) -> AppResult<ProviderIdentity> {
        let provider = self.provider(provider_id)?;
        if code.is_empty() {
            return Err(DomainError::field("code", "is required").into());
        }
        let state_hash = TokenHash::of(state);
        let mut tx = self.store.begin().await?;
        let Some(pending) = tx.pending_authorization(&state_hash).await? else {
            return Err(DomainError::OAuthInvalidState.into());
        };
        let bound = proofs.iter().fold(subtle::Choice::from(0), |matched, proof| {
            matched | proof.0.as_bytes().ct_eq(pending.binding.0.as_bytes())
        });
        let valid = bool::from(bound)
            && pending.provider == provider_id
            && pending.purpose == purpose
            && pending.user_id == user
            && pending.expires_at > self.clock.now();
        if !valid {
            return Err(DomainError::OAuthInvalidState.into());
        }
        // Of two concurrent uses of one state only one takes it.
        if tx.take_pending_authorization(&state_hash).await?.is_none() {
            return Err(DomainError::OAuthInvalidState.into());
        }
        tx.commit().await?;
        let verifier = self
            .key
            .open(&pending.pkce_verifier_sealed, &state_context(&state_hash))
            .map_err(|_| DomainError::OAuthInvalidState)?;
        let verifier = String::from_utf8(verifier).map_err(|_| DomainError::OAuthInvalidState)?;
        provider
            .exchange(&Callback {
                code,
                nonce: &pending.nonce,
                pkce_verifier: &verifier,
                redirect_uri: &pending.redirect_uri,
            })
            .await
            .map_err(provider_failure)
    }

    /// `flows` are the flow values the client sent back (the body's, the cookie's): the
    /// state is accepted when one of them is the one it was issued with.
    pub async fn login(
        &self,
        provider_id: &str,
        code: &str,
        state: &str,
        flows: &[&str],
        client: &ClientInfo,
    ) -> AppResult<OAuthLogin> {
        let proofs: Vec<TokenHash> = flows.iter().map(|flow| TokenHash::of(flow)).collect();
        let identity = self.finish(provider_id, code, state, Purpose::Login, None, &proofs).await?;
        let now = self.clock.now();
        let mut reader = self.store.reader().await?;
        if let Some(linked) = reader.linked_account_by_identity(provider_id, &identity.subject).await? {
            let user = reader
                .user_by_id(linked.user_id)
                .await?
                .ok_or_else(|| AppError::Internal("linked account without its user".into()))?;
            drop(reader);
            let refreshed = self.refreshed(linked, identity, now);
            let mut tx = self.store.begin().await?;
            tx.refresh_linked_account(&refreshed).await?;
            tx.commit().await?;
            let outcome = self.sessions.login_verified(user, &format!("oauth:{provider_id}"), client).await?;
            return Ok(OAuthLogin::Linked(Box::new(outcome)));
        }

        let Some(email) = identity.email.as_deref() else {
            // An account needs an email; a provider that shares none can't sign up.
            return Err(provider_failure(ProviderError("the provider shared no email address".into())));
        };
        let email = Email::parse(email).map_err(|_| provider_failure(ProviderError("unusable email".into())))?;
        // A verified additional address is as much its account's as the primary email.
        if identity.email_verified
            && (reader.user_by_login(&email.normalized()).await?.is_some()
                || reader.is_verified_address(&email.normalized()).await?)
        {
            return Err(DomainError::OAuthAccountExists.into());
        }
        let suggested_username = suggest_username(&mut *reader, &identity, &email).await?;
        drop(reader);

        let token = format!("sup_{}", random_urlsafe(32));
        let signup = PendingSignup {
            access_token_sealed: Some(self.key.seal(
                identity.access_token.expose_secret().as_bytes(),
                &signup_context(provider_id, &identity.subject),
            )),
            provider: provider_id.to_owned(),
            subject: identity.subject,
            username: identity.username,
            email: email.as_str().to_owned(),
            email_verified: identity.email_verified,
            avatar_url: identity.avatar_url,
            created_at: now,
            expires_at: now + Duration::minutes(STATE_TTL_MINUTES),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_pending_signup(&TokenHash::of(&token), &signup).await?;
        tx.commit().await?;
        Ok(OAuthLogin::SignupRequired {
            token: SecretString::from(token),
            email: email.as_str().to_owned(),
            suggested_username,
        })
    }

    /// Creates the account of a new identity with the username its user chose.
    /// A taken username leaves the sign-up token usable, so the user can pick another.
    pub async fn complete_signup(
        &self,
        token: &str,
        username: &str,
        client: &ClientInfo,
    ) -> AppResult<(User, IssuedSession)> {
        let now = self.clock.now();
        let token_hash = TokenHash::of(token);
        let signup = self
            .store
            .reader()
            .await?
            .pending_signup(&token_hash)
            .await?
            .filter(|signup| signup.expires_at > now)
            .ok_or(DomainError::SignupTokenInvalid)?;
        let username = Username::parse(username)?;
        let email = Email::parse(&signup.email)?;
        let user_id = UserId::new();
        let access_token_sealed = signup
            .access_token_sealed
            .as_deref()
            .and_then(|sealed| self.key.open(sealed, &signup_context(&signup.provider, &signup.subject)).ok())
            .map(|token| self.key.seal(&token, &link_context(&signup.provider, user_id)));

        let mut tx = self.store.begin().await?;
        if !tx.delete_pending_signup(&token_hash).await? {
            return Err(DomainError::SignupTokenInvalid.into());
        }
        // Registration's rule: another account's verified additional address is taken.
        if tx.is_verified_address(&email.normalized()).await? {
            return Err(DomainError::EmailTaken.into());
        }
        tx.insert_user(&NewUser {
            id: user_id,
            email: email.as_str().to_owned(),
            email_normalized: email.normalized(),
            username: username.as_str().to_owned(),
            display_name: None,
            password_hash: None,
            role: Role::User,
            email_verified: signup.email_verified,
            created_at: now,
        })
        .await?;
        tx.insert_linked_account(&LinkedAccount {
            user_id,
            provider: signup.provider.clone(),
            subject: signup.subject.clone(),
            username: signup.username,
            email: Some(signup.email),
            email_verified: signup.email_verified,
            avatar_url: signup.avatar_url,
            access_token_sealed,
            linked_at: now,
            updated_at: now,
        })
        .await?;
        let session = self.sessions.open_session(&mut *tx, user_id, client, now).await?;
        let method = format!("oauth:{}", signup.provider);
        tx.insert_activity(&activity(
            user_id,
            ActivityAction::UserRegistered,
            client,
            now,
            json!({ "username": username.as_str(), "method": method }),
        ))
        .await?;
        tx.insert_activity(&activity(
            user_id,
            ActivityAction::AccountLinked,
            client,
            now,
            json!({ "provider": signup.provider, "providerUserId": signup.subject }),
        ))
        .await?;
        let user = tx.user_by_id(user_id).await?.ok_or_else(|| AppError::Internal("new user vanished".into()))?;
        tx.commit().await?;
        metrics::counter!("accountd_registrations_total").increment(1);
        Ok((user, session))
    }

    /// Links the identity the provider vouched for to the requester's account.
    pub async fn link(
        &self,
        requester: &Principal,
        provider_id: &str,
        code: &str,
        state: &str,
        client: &ClientInfo,
    ) -> AppResult<LinkedAccount> {
        let user = requester.user();
        let proof = credential_binding(requester);
        let identity = self.finish(provider_id, code, state, Purpose::Link, Some(user.id), &[proof]).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if let Some(existing) = tx.linked_account_by_identity(provider_id, &identity.subject).await? {
            if existing.user_id != user.id {
                return Err(DomainError::OAuthIdentityInUse.into());
            }
            // Linking it again is harmless: refresh what the provider says of it.
            let refreshed = self.refreshed(existing, identity, now);
            tx.refresh_linked_account(&refreshed).await?;
            tx.commit().await?;
            return Ok(refreshed);
        }
        let account = LinkedAccount {
            user_id: user.id,
            provider: provider_id.to_owned(),
            access_token_sealed: Some(
                self.key.seal(identity.access_token.expose_secret().as_bytes(), &link_context(provider_id, user.id)),
            ),
            subject: identity.subject,
            username: identity.username,
            email: identity.email,
            email_verified: identity.email_verified,
            avatar_url: identity.avatar_url,
            linked_at: now,
            updated_at: now,
        };
        tx.insert_linked_account(&account).await?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::AccountLinked,
            client,
            now,
            json!({ "provider": provider_id, "providerUserId": account.subject }),
        ))
        .await?;
        tx.commit().await?;
        Ok(account)
    }

    /// Unlinks the account's identity at `provider`, unless it is the last way to log in.
    pub async fn unlink(&self, user: &User, provider_id: &str, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(left) = tx.delete_linked_account(user.id, provider_id).await? else {
            // A provider no longer configured can still be unlinked while it is linked.
            return Err(if self.providers.contains_key(provider_id) {
                DomainError::OAuthNotLinked
            } else {
                DomainError::OAuthUnknownProvider
            }
            .into());
        };
        // Read again inside the transaction: a password set meanwhile counts.
        let has_password = tx.user_by_id(user.id).await?.is_some_and(|user| user.password_hash.is_some());
        if left == 0 && !has_password && tx.passkeys_of(user.id).await?.is_empty() {
            return Err(DomainError::OAuthLastLoginMethod.into());
        }
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::AccountUnlinked,
            client,
            now,
            json!({ "provider": provider_id }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn linked_accounts(&self, user: UserId) -> AppResult<Vec<LinkedAccount>> {
        Ok(self.store.reader().await?.linked_accounts_of(user).await?)
    }

    fn refreshed(
        &self,
        linked: LinkedAccount,
        identity: ProviderIdentity,
        now: chrono::DateTime<chrono::Utc>,
    ) -> LinkedAccount {
        LinkedAccount {
            access_token_sealed: Some(self.key.seal(
                identity.access_token.expose_secret().as_bytes(),
                &link_context(&linked.provider, linked.user_id),
            )),
            username: identity.username,
            email: identity.email,
            email_verified: identity.email_verified,
            avatar_url: identity.avatar_url,
            updated_at: now,
            ..linked
        }
    }
}

/// A provider that failed: the reason goes to the log, the client gets `oauth:provider_error`.
fn provider_failure(error: ProviderError) -> AppError {
    tracing::warn!(%error, "social login provider failed");
    DomainError::OAuthProviderError.into()
}

/// What a link flow is bound to: the credential that asked for it.
fn credential_binding(requester: &Principal) -> TokenHash {
    match requester {
        Principal::Session(authenticated) => TokenHash::of(&format!("session:{}", authenticated.session.id)),
        Principal::Pat { token, .. } => TokenHash::of(&format!("pat:{}", token.id)),
    }
}

fn state_context(state: &TokenHash) -> String {
    format!("oauth-state:{}", state.0)
}

fn signup_context(provider: &str, subject: &str) -> String {
    format!("oauth-signup:{provider}:{subject}")
}

fn link_context(provider: &str, user: UserId) -> String {
    format!("oauth:{provider}:{}", user.as_uuid())
}

/// A username for the sign-up form: the provider's username (or the email's local part)
/// made valid, with a number added when it is taken.
async fn suggest_username(conn: &mut dyn Conn, identity: &ProviderIdentity, email: &Email) -> AppResult<String> {
    let source = identity.username.clone().unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("").to_owned());
    let mut base: String = source
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .skip_while(|c| !c.is_ascii_alphanumeric())
        .take(26)
        .collect();
    if Username::parse(&base).is_err() {
        base = "user".to_owned();
    }
    if !conn.username_exists(&base).await? {
        return Ok(base);
    }
    for _ in 0..5 {
        let candidate = format!("{base}{}", rand::random::<u16>() % 10_000);
        if !conn.username_exists(&candidate).await? {
            return Ok(candidate);
        }
    }
    Ok(base)
}
