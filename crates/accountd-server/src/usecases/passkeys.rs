//! Passkeys (WebAuthn Level 3): registration after re-authentication, the list, renaming
//! and removal, login with a discoverable credential or by identifier, and the second step
//! of a login with two-factor on.
//!
//! The WebAuthn checks (attestation, signatures, origins, the relying party, counters)
//! are webauthn-rs's. Ceremony state lives in the store, so any node finishes a ceremony
//! another began; a ceremony is taken (deleted) before its response is looked at, so it
//! is single-use whether the response passes or not.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::sealed::InstanceKey;
use accountd_core::token::TokenHash;
use accountd_core::user::{ClientInfo, User};
use accountd_core::{Clock, DomainError, UserId};
use accountd_store::Store;
use accountd_store::{
    AuthFailureKind, Ceremony, CeremonyPurpose, Conn, PasskeyRecord, PasskeyUse, StoreError, UniqueKey,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde_json::json;
use url::Url;
use uuid::Uuid;
use webauthn_rs_core::proto::{
    AllowCredentials, AttestationConveyancePreference, AuthenticationResult, AuthenticationState, Credential,
    PublicKeyCredential, RegisterPublicKeyCredential, RegistrationState, UserVerificationPolicy,
};
use webauthn_rs_core::WebauthnCore;

use super::mailing::Mailing;
use super::reauth::Reauth;
use super::sessions::{IssuedSession, LoginOutcome, Sessions};
use super::throttle::{AuthThrottle, Subject};
use super::two_factor::{open_second_step, SecondStep, MFA_ATTEMPTS};
use super::{activity, AppError, AppResult};
use crate::mail::MailKind;

/// A ceremony's `challengeId` lives this long (API.md).
pub const CEREMONY_LIFETIME: Duration = Duration::minutes(5);
/// Longest passkey name, in characters.
pub const NAME_MAX: usize = 64;
const DEFAULT_NAME: &str = "Passkey";

/// The relying party: its id, name and the origin ceremonies must come from.
pub struct RelyingParty {
    core: WebauthnCore,
}

impl RelyingParty {
    /// `rp_id` must already be checked ([`crate::config::Config::passkey_rp_id`]).
    pub fn new(rp_id: &str, rp_name: &str, origin: Url) -> Self {
        let timeout = CEREMONY_LIFETIME.to_std().unwrap_or(std::time::Duration::from_secs(300));
        // Exactly the configured origin: no other port, no subdomain.
        Self {
            core: WebauthnCore::new_unsafe_experts_only(
                rp_name,
                rp_id,
                vec![origin],
                timeout,
                Some(false),
                Some(false),
            ),
        }
    }
}

pub struct Passkeys {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    reauth: Arc<Reauth>,
    sessions: Arc<Sessions>,
    mailing: Arc<Mailing>,
    throttle: Arc<AuthThrottle>,
    key: Arc<InstanceKey>,
    /// `None` when passkeys are off (no usable relying-party id).
    rp: Option<RelyingParty>,
}

/// The options of a ceremony, for the browser, and the id that finishes it.
pub struct CeremonyOptions {
    pub challenge_id: Uuid,
    /// `PublicKeyCredentialCreationOptionsJSON` or `PublicKeyCredentialRequestOptionsJSON`.
    pub public_key: serde_json::Value,
}

impl Passkeys {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        reauth: Arc<Reauth>,
        sessions: Arc<Sessions>,
        mailing: Arc<Mailing>,
        throttle: Arc<AuthThrottle>,
        key: Arc<InstanceKey>,
        rp: Option<RelyingParty>,
    ) -> Self {
        Self { store, clock, reauth, sessions, mailing, throttle, key, rp }
    }

    pub fn enabled(&self) -> bool {
        self.rp.is_some()
    }

    fn rp(&self) -> AppResult<&WebauthnCore> {
        self.rp.as_ref().map(|rp| &rp.core).ok_or_else(|| DomainError::SignInMethodDisabled.into())
    }

    // ---- the account's passkeys ----

    /// Creation options for a new passkey: resident key required, user verification
    /// preferred, the account's passkeys excluded. Re-authenticates like other sensitive calls.
    pub async fn registration_options(
        &self,
        user: &User,
        password: Option<SecretString>,
        code: Option<&str>,
        client: &ClientInfo,
    ) -> AppResult<CeremonyOptions> {
        let rp = self.rp()?;
        self.reauth.check(user, password, code, client).await?;
        let existing = self.store.reader().await?.passkeys_of(user.id).await?;
        let exclude =
            existing.iter().map(credential_of).map(|cred| cred.map(|cred| cred.cred_id)).collect::<Result<_, _>>()?;
        let user_id = user.id.as_uuid();
        let display_name = user.display_name.as_deref().filter(|name| !name.trim().is_empty());
        let builder = rp
            .new_challenge_register_builder(
                user_id.as_bytes(),
                user.username.as_str(),
                display_name.unwrap_or(user.username.as_str()),
            )
            .map_err(webauthn_internal)?
            .attestation(AttestationConveyancePreference::None)
            .user_verification_policy(UserVerificationPolicy::Preferred)
            .require_resident_key(true)
            .exclude_credentials(Some(exclude));
        let (options, state) = rp.generate_challenge_register(builder).map_err(webauthn_internal)?;
        let state = serde_json::to_string(&state).map_err(internal)?;
        let challenge_id = self.begin_ceremony(Some(user.id), CeremonyPurpose::Register, None, state).await?;
        Ok(CeremonyOptions { challenge_id, public_key: serde_json::to_value(&options.public_key).map_err(internal)? })
    }

    /// Finishes a registration: `passkey:invalid_response` (400) for anything that does not
    /// verify, `passkey:already_registered` for a credential some account has.
    pub async fn register(
        &self,
        user: &User,
        challenge_id: Uuid,
        credential: serde_json::Value,
        name: Option<&str>,
        client: &ClientInfo,
    ) -> AppResult<PasskeyRecord> {
        let rp = self.rp()?;
        let name = passkey_name(name)?;
        let ceremony = self
            .take_ceremony(challenge_id, CeremonyPurpose::Register)
            .await?
            .filter(|ceremony| ceremony.user_id == Some(user.id))
            .ok_or(DomainError::PasskeyRegistrationInvalid)?;
        let response: RegisterPublicKeyCredential =
            serde_json::from_value(credential).map_err(|_| DomainError::PasskeyRegistrationInvalid)?;
        let state: RegistrationState = serde_json::from_str(&ceremony.state).map_err(internal)?;
        let cred = rp.register_credential(&response, &state, None).map_err(|error| {
            tracing::debug!(%error, "a passkey registration did not verify");
            DomainError::PasskeyRegistrationInvalid
        })?;
        let transports = response
            .response
            .transports
            .iter()
            .flatten()
            .filter_map(|transport| serde_json::to_value(transport).ok()?.as_str().map(str::to_owned))
            .collect();
        let now = self.clock.now();
        let record = PasskeyRecord {
            id: Uuid::now_v7(),
            user_id: user.id,
            credential_id: URL_SAFE_NO_PAD.encode(cred.cred_id.as_slice()),
            credential: serde_json::to_string(&cred).map_err(internal)?,
            name: name.unwrap_or_else(|| DEFAULT_NAME.to_string()),
            backup_eligible: cred.backup_eligible,
            backed_up: cred.backup_state,
            transports,
            sign_count: i64::from(cred.counter),
            created_at: now,
            last_used_at: None,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_passkey(&record).await.map_err(|error| match error {
            StoreError::Conflict(UniqueKey::PasskeyCredential) => DomainError::PasskeyAlreadyRegistered.into(),
            other => AppError::from(other),
        })?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::PasskeyAdded,
            client,
            now,
            json!({ "passkeyId": record.id, "name": record.name }),
        ))
        .await?;
        let notice = MailKind::PasskeyAdded { username: user.username.as_str(), name: &record.name };
        self.mailing.notify_security(&mut *tx, user, &notice, now).await?;
        tx.commit().await?;
        self.mailing.wake_delivery();
        Ok(record)
    }

    /// The account's passkeys, oldest first.
    pub async fn list(&self, user: UserId) -> AppResult<Vec<PasskeyRecord>> {
        self.rp()?;
        Ok(self.store.reader().await?.passkeys_of(user).await?)
    }

    pub async fn rename(&self, user: UserId, id: Uuid, name: &str) -> AppResult<PasskeyRecord> {
        self.rp()?;
        let name = passkey_name(Some(name))?.ok_or_else(|| DomainError::field("name", "must not be empty"))?;
        let mut tx = self.store.begin().await?;
        if !tx.rename_passkey(user, id, &name).await? {
            return Err(DomainError::PasskeyNotFound.into());
        }
        let renamed = tx.passkeys_of(user).await?.into_iter().find(|passkey| passkey.id == id);
        tx.commit().await?;
        renamed.ok_or_else(|| DomainError::PasskeyNotFound.into())
    }

    /// Removes a passkey, unless it is the only way left to log in (no password, no
    /// linked identity): `auth:last_login_method`.
    pub async fn remove(&self, user: UserId, id: Uuid, client: &ClientInfo) -> AppResult<()> {
        self.rp()?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let left = tx.delete_passkey(user, id).await?.ok_or(DomainError::PasskeyNotFound)?;
        if left == 0 {
            let has_password = tx.user_by_id(user).await?.is_some_and(|user| user.password_hash.is_some());
            if !has_password && tx.linked_accounts_of(user).await?.is_empty() {
                return Err(DomainError::LastLoginMethod.into());
            }
        }
        tx.insert_activity(&activity(user, ActivityAction::PasskeyRemoved, client, now, json!({ "passkeyId": id })))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- login ----

    /// Request options. Without an identifier: a discoverable credential, empty
    /// `allowCredentials`. With one: that account's passkeys; an identifier no account
    /// has gets the same shape, with a credential id derived from it (the same each time),
    /// so the answer does not tell which accounts exist.
    pub async fn login_options(&self, identifier: Option<&str>) -> AppResult<CeremonyOptions> {
        let rp = self.rp()?;
        let identifier = identifier.map(|identifier| identifier.trim().to_lowercase()).filter(|id| !id.is_empty());
        let (user, creds, decoy) = match &identifier {
            None => (None, Vec::new(), None),
            Some(identifier) => {
                let mut conn = self.store.reader().await?;
                match conn.user_by_login(identifier).await? {
                    Some(user) => {
                        let passkeys = conn.passkeys_of(user.id).await?;
                        let creds = passkeys.iter().map(credential_of).collect::<Result<Vec<_>, _>>()?;
                        (Some(user.id), creds, None)
                    }
                    None => (None, Vec::new(), Some(self.key.digest(identifier, "passkey-decoy"))),
                }
            }
        };
        let builder = rp
            .new_challenge_authenticate_builder(creds, Some(UserVerificationPolicy::Preferred))
            .map_err(webauthn_internal)?;
        let (mut options, state) = rp.generate_challenge_authenticate(builder).map_err(webauthn_internal)?;
        if let Some(decoy) = decoy {
            let id: Vec<u8> = decoy.as_bytes().iter().take(32).copied().collect();
            options.public_key.allow_credentials.push(AllowCredentials {
                type_: "public-key".into(),
                id: id.into(),
                transports: None,
            });
        }
        let state = serde_json::to_string(&state).map_err(internal)?;
        let challenge_id = self.begin_ceremony(user, CeremonyPurpose::Login, None, state).await?;
        Ok(CeremonyOptions { challenge_id, public_key: serde_json::to_value(&options.public_key).map_err(internal)? })
    }

    /// Finishes a passkey login. With user verification it is multi-factor (no TOTP
    /// step); without, it is one factor and an account with two-factor gets the second step.
    pub async fn login(
        &self,
        challenge_id: Uuid,
        credential: serde_json::Value,
        client: &ClientInfo,
    ) -> AppResult<LoginOutcome> {
        let rp = self.rp()?;
        let ceremony = self
            .take_ceremony(challenge_id, CeremonyPurpose::Login)
            .await?
            .ok_or(DomainError::PasskeyInvalidResponse)?;
        let response: PublicKeyCredential =
            serde_json::from_value(credential).map_err(|_| DomainError::PasskeyInvalidResponse)?;
        let mut conn = self.store.reader().await?;
        let passkey = conn
            .passkey_by_credential_id(&URL_SAFE_NO_PAD.encode(response.raw_id.as_slice()))
            .await?
            .ok_or(DomainError::PasskeyInvalidResponse)?;
        // Identified before the ceremony: the credential must be that account's. Either way
        // the user handle, when sent, must name the credential's account.
        let handle_matches = response
            .response
            .user_handle
            .as_ref()
            .is_none_or(|handle| handle.as_slice() == passkey.user_id.as_uuid().as_bytes());
        if ceremony.user_id.is_some_and(|user| user != passkey.user_id) || !handle_matches {
            return Err(DomainError::PasskeyInvalidResponse.into());
        }
        let user = conn.user_by_id(passkey.user_id).await?.ok_or(DomainError::PasskeyInvalidResponse)?;
        drop(conn);
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(result) = self.verify_and_record(&mut *tx, rp, &response, &ceremony.state, &passkey, now).await?
        else {
            self.sessions.record_attempt(&mut *tx, user.id, "passkey", client, now, Some("invalid_passkey")).await?;
            tx.commit().await?;
            return Err(DomainError::PasskeyInvalidResponse.into());
        };
        tx.commit().await?;
        if result.user_verified() {
            self.sessions.login_multi_factor(user, "passkey", client).await
        } else {
            self.sessions.login_verified(user, "passkey", client).await
        }
    }

    // ---- the second step of a login with two-factor on ----

    /// Request options for the account's passkeys, bound to the login step. Does not
    /// count as an attempt of the step.
    pub async fn second_factor_options(&self, mfa_token: &str) -> AppResult<CeremonyOptions> {
        let rp = self.rp()?;
        let hash = TokenHash::of(mfa_token);
        let mut conn = self.store.reader().await?;
        let challenge =
            conn.peek_mfa_token(&hash, self.clock.now(), MFA_ATTEMPTS).await?.ok_or(DomainError::MfaTokenInvalid)?;
        let passkeys = conn.passkeys_of(challenge.user_id).await?;
        drop(conn);
        let creds = passkeys.iter().map(credential_of).collect::<Result<Vec<_>, _>>()?;
        let builder = rp
            .new_challenge_authenticate_builder(creds, Some(UserVerificationPolicy::Preferred))
            .map_err(webauthn_internal)?;
        let (options, state) = rp.generate_challenge_authenticate(builder).map_err(webauthn_internal)?;
        let state = serde_json::to_string(&state).map_err(internal)?;
        let challenge_id =
            self.begin_ceremony(Some(challenge.user_id), CeremonyPurpose::SecondFactor, Some(hash), state).await?;
        Ok(CeremonyOptions { challenge_id, public_key: serde_json::to_value(&options.public_key).map_err(internal)? })
    }

    /// `POST /v1/auth/login/2fa` with a passkey: the attempt counts against the login step
    /// before the response is looked at, and a failed assertion counts as a wrong code
    /// (toward the step's five and the account's second-factor limit).
    pub async fn complete_second_factor(
        &self,
        mfa_token: &str,
        challenge_id: Uuid,
        credential: serde_json::Value,
        client: &ClientInfo,
    ) -> AppResult<(User, IssuedSession)> {
        let rp = self.rp()?;
        let hash = TokenHash::of(mfa_token);
        let now = self.clock.now();
        let SecondStep::Open { mut tx, challenge, user } =
            open_second_step(&*self.store, &self.throttle, &hash, client, now).await?
        else {
            return Err(DomainError::AccountBanned.into());
        };
        let user = *user;
        let subject = Subject::Account(&user);
        let method = format!("{}+passkey", challenge.method);
        let verified = self.verify_second_factor(&mut *tx, rp, &hash, &user, challenge_id, credential, now).await?;
        if !verified {
            self.sessions.record_attempt(&mut *tx, user.id, &method, client, now, Some("invalid_passkey")).await?;
            tx.commit().await?;
            self.throttle.record_failure(&subject, AuthFailureKind::SecondFactor, client).await?;
            return Err(DomainError::PasskeyInvalidResponse.into());
        }
        if !tx.delete_mfa_token(&hash).await? {
            return Err(DomainError::MfaTokenInvalid.into());
        }
        let session = self.sessions.open_session(&mut *tx, user.id, client, now).await?;
        self.sessions.record_attempt(&mut *tx, user.id, &method, client, now, None).await?;
        tx.commit().await?;
        Ok((User { last_login_at: Some(now), ..user }, session))
    }

    #[allow(clippy::too_many_arguments)]
    async fn verify_second_factor(
        &self,
        tx: &mut dyn Conn,
        rp: &WebauthnCore,
        mfa_token: &TokenHash,
        user: &User,
        challenge_id: Uuid,
        credential: serde_json::Value,
        now: DateTime<Utc>,
    ) -> AppResult<bool> {
        let Some(ceremony) = tx.take_ceremony(challenge_id).await? else {
            return Ok(false);
        };
        let bound = ceremony.purpose == CeremonyPurpose::SecondFactor
            && ceremony.expires_at > now
            && ceremony.user_id == Some(user.id)
            && ceremony.mfa_token.as_ref() == Some(mfa_token);
        let Ok(response) = serde_json::from_value::<PublicKeyCredential>(credential) else {
            return Ok(false);
        };
        if !bound {
            return Ok(false);
        }
        let credential_id = URL_SAFE_NO_PAD.encode(response.raw_id.as_slice());
        let Some(passkey) = tx.passkey_by_credential_id(&credential_id).await?.filter(|p| p.user_id == user.id) else {
            return Ok(false);
        };
        Ok(self.verify_and_record(tx, rp, &response, &ceremony.state, &passkey, now).await?.is_some())
    }

    /// Checks an assertion against the stored credential (read now, not when the ceremony
    /// began, so its counter is current) and records the use. `None` when it fails,
    /// including a counter that did not move forward on a key registered without the
    /// backup-eligible flag; for backup-eligible keys (synced passkeys, whose copies share
    /// no counter) the counter is not checked.
    async fn verify_and_record(
        &self,
        tx: &mut dyn Conn,
        rp: &WebauthnCore,
        response: &PublicKeyCredential,
        state: &str,
        passkey: &PasskeyRecord,
        now: DateTime<Utc>,
    ) -> AppResult<Option<AuthenticationResult>> {
        let mut state: AuthenticationState = serde_json::from_str(state).map_err(internal)?;
        let mut cred = credential_of(passkey)?;
        let stored_counter = cred.counter;
        if passkey.backup_eligible {
            // The library compares counters whenever either is non-zero.
            cred.counter = 0;
        }
        state.set_allowed_credentials(vec![cred.clone()]);
        let result = match rp.authenticate_credential(response, &state) {
            Ok(result) => result,
            Err(error) => {
                tracing::debug!(%error, "a passkey assertion did not verify");
                return Ok(None);
            }
        };
        cred.counter = result.counter().max(stored_counter);
        cred.backup_state = result.backup_state();
        let used = PasskeyUse {
            credential: serde_json::to_string(&cred).map_err(internal)?,
            sign_count: i64::from(result.counter()),
            backed_up: result.backup_state(),
            at: now,
        };
        if !tx.record_passkey_use(passkey.id, &used).await? {
            return Ok(None);
        }
        Ok(Some(result))
    }

    // ---- ceremonies ----

    async fn begin_ceremony(
        &self,
        user: Option<UserId>,
        purpose: CeremonyPurpose,
        mfa_token: Option<TokenHash>,
        state: String,
    ) -> AppResult<Uuid> {
        let now = self.clock.now();
        let ceremony = Ceremony {
            id: Uuid::now_v7(),
            user_id: user,
            purpose,
            mfa_token,
            state,
            created_at: now,
            expires_at: now + CEREMONY_LIFETIME,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_ceremony(&ceremony).await?;
        tx.commit().await?;
        Ok(ceremony.id)
    }

    /// Takes (and so spends) a live ceremony of `purpose`, in its own statement: a
    /// response that then fails has used it up all the same.
    async fn take_ceremony(&self, id: Uuid, purpose: CeremonyPurpose) -> AppResult<Option<Ceremony>> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let ceremony = tx.take_ceremony(id).await?;
        tx.commit().await?;
        Ok(ceremony.filter(|ceremony| ceremony.purpose == purpose && ceremony.expires_at > now))
    }
}

/// Trimmed; at most [`NAME_MAX`] characters of printable text; `None` when empty.
fn passkey_name(name: Option<&str>) -> Result<Option<String>, DomainError> {
    let Some(name) = name.map(str::trim).filter(|name| !name.is_empty()) else {
        return Ok(None);
    };
    if name.chars().count() > NAME_MAX {
        return Err(DomainError::field("name", format!("must be at most {NAME_MAX} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::field("name", "must not contain control characters"));
    }
    Ok(Some(name.to_string()))
}

fn credential_of(passkey: &PasskeyRecord) -> AppResult<Credential> {
    serde_json::from_str(&passkey.credential)
        .map_err(|error| AppError::Internal(format!("the credential of passkey {}: {error}", passkey.id).into()))
}

fn internal(error: serde_json::Error) -> AppError {
    AppError::Internal(Box::new(error))
}

fn webauthn_internal(error: webauthn_rs_core::error::WebauthnError) -> AppError {
    AppError::Internal(format!("webauthn: {error}").into())
}
