//! Registration, the profile, public profiles, and the operator's account commands.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::password::{check_policy, PolicyContext, PolicyKind};
use accountd_core::referral::ReferralCode;
use accountd_core::text::{person_text, Lines};
use accountd_core::user::{ClientInfo, EmailNotifications, Notifications, Preferences, Role, Theme, User};
use accountd_core::{Clock, DomainError, Email, UserId, Username};
use accountd_store::{NewUser, Page, ProfileChanges, Store};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::email_flows::EmailFlows;
use super::referrals::Referrals;
use super::sessions::{IssuedSession, Sessions};
use super::{activity, AppResult, Paging};
use crate::outbound::{OutboundGuard, Refusal};
use crate::passwords::PasswordWorkers;

pub const DISPLAY_NAME_MAX: usize = 64;
pub const BIO_MAX: usize = 500;

pub struct Accounts {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    passwords: PasswordWorkers,
    sessions: Arc<Sessions>,
    flows: Arc<EmailFlows>,
    policy: PolicyKind,
    outbound: OutboundGuard,
    referrals: Arc<Referrals>,
}

pub struct Registration {
    pub email: String,
    pub username: String,
    /// `None` for a passwordless account (a passkey or sign-in by email, a password later).
    pub password: Option<SecretString>,
    pub display_name: Option<String>,
    pub referral_code: Option<String>,
}

/// Why a username can't be had, as `GET /v1/usernames/{username}/availability` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    Taken,
    Invalid,
    Reserved,
}

/// A change to the profile; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    /// `Some(None)` clears the display name.
    pub display_name: Option<Option<String>>,
    pub bio: Option<String>,
    pub theme: Option<Theme>,
    pub streamer_mode: Option<bool>,
    pub locale: Option<String>,
    pub email_security: Option<bool>,
    pub email_product: Option<bool>,
    pub email_weekly_digest: Option<bool>,
    /// `Some(None)` removes the webhook.
    pub discord_webhook_url: Option<Option<String>>,
}

impl Accounts {
    // Each argument is a separate part the use case works with; a bundle of them would
    // only hide which.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        passwords: PasswordWorkers,
        sessions: Arc<Sessions>,
        flows: Arc<EmailFlows>,
        policy: PolicyKind,
        outbound: OutboundGuard,
        referrals: Arc<Referrals>,
    ) -> Self {
        Self { store, clock, passwords, sessions, flows, policy, outbound, referrals }
    }

    /// Creates an account and signs it in.
    pub async fn register(&self, input: Registration, client: &ClientInfo) -> AppResult<(User, IssuedSession)> {
        let email = Email::parse(&input.email)?;
        let username = Username::parse(&input.username)?;
        let display_name = input.display_name.map(|name| validate_display_name(&name)).transpose()?.flatten();
        if let Some(password) = &input.password {
            self.check_password(password, &username, &email)?;
        }
        let referral_code = input.referral_code.map(|code| code.trim().to_owned()).filter(|code| !code.is_empty());
        if let Some(code) = &referral_code {
            self.referrals.precheck(code, &email.normalized()).await?;
        }
        // A cheap early answer for the common case, before the expensive hash; the
        // unique keys in the database stay the authority for concurrent registrations.
        self.ensure_available(&email, &username).await?;
        let password_hash = match input.password {
            Some(password) => Some(self.passwords.hash(password).await?),
            None => None,
        };

        let now = self.clock.now();
        let new_user = NewUser { display_name, ..new_user(&email, &username, password_hash, Role::User, false, now) };
        let mut tx = self.store.begin().await?;
        tx.insert_user(&new_user).await?;
        tx.insert_referral_code_if_absent(new_user.id, ReferralCode::generate().as_str(), now).await?;
        if let Some(code) = &referral_code {
            self.referrals.reward_referrer(&mut *tx, code, &new_user, now).await?;
        }
        let session = self.sessions.open_session(&mut *tx, new_user.id, client, now).await?;
        tx.insert_activity(&activity(
            new_user.id,
            ActivityAction::UserRegistered,
            client,
            now,
            json!({ "username": username.as_str() }),
        ))
        .await?;
        let user =
            tx.user_by_id(new_user.id).await?.ok_or_else(|| super::AppError::Internal("new user vanished".into()))?;
        self.flows.queue_verification(&mut *tx, &user, now).await?;
        tx.commit().await?;
        self.flows.wake_delivery();
        metrics::counter!("accountd_registrations_total").increment(1);
        Ok((user, session))
    }

    /// `accountd user create`: an account made by the operator, email trusted as verified.
    pub async fn create_by_operator(
        &self,
        email: &str,
        username: &str,
        password: Option<SecretString>,
        admin: bool,
    ) -> AppResult<User> {
        let email = Email::parse(email)?;
        let username = Username::parse(username)?;
        let password_hash = match password {
            Some(password) => {
                self.check_password(&password, &username, &email)?;
                Some(self.passwords.hash(password).await?)
            }
            None => None,
        };
        let now = self.clock.now();
        let role = if admin { Role::Admin } else { Role::User };
        let new_user = new_user(&email, &username, password_hash, role, true, now);
        let cli = ClientInfo {
            ip: None,
            user_agent: Some("accountd cli".into()),
            device: accountd_core::user::Device::unknown(),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_user(&new_user).await?;
        tx.insert_activity(&activity(
            new_user.id,
            ActivityAction::UserRegistered,
            &cli,
            now,
            json!({ "username": username.as_str(), "by": "operator" }),
        ))
        .await?;
        let user =
            tx.user_by_id(new_user.id).await?.ok_or_else(|| super::AppError::Internal("new user vanished".into()))?;
        tx.commit().await?;
        Ok(user)
    }

    /// `accountd user promote`: makes an account an administrator.
    pub async fn promote(&self, username: &str) -> AppResult<User> {
        let mut tx = self.store.begin().await?;
        let user = tx.user_by_username(username.trim()).await?.ok_or(DomainError::UserNotFound)?;
        tx.set_role(user.id, Role::Admin, self.clock.now()).await?;
        let user = tx.user_by_id(user.id).await?.ok_or(DomainError::UserNotFound)?;
        tx.commit().await?;
        Ok(user)
    }

    fn check_password(&self, password: &SecretString, username: &Username, email: &Email) -> AppResult<()> {
        let context = PolicyContext { username: username.as_str(), email: email.as_str(), two_factor_enabled: false };
        Ok(check_policy(self.policy, password.expose_secret(), &context)?)
    }

    async fn ensure_available(&self, email: &Email, username: &Username) -> AppResult<()> {
        let mut conn = self.store.reader().await?;
        // A verified additional address is as much its account's as the primary email.
        if conn.user_by_login(&email.normalized()).await?.is_some()
            || conn.is_verified_address(&email.normalized()).await?
        {
            return Err(DomainError::EmailTaken.into());
        }
        if conn.username_exists(username.as_str()).await? {
            return Err(DomainError::UsernameTaken.into());
        }
        Ok(())
    }

    pub async fn availability(&self, username: &str) -> AppResult<(String, Option<Unavailable>)> {
        let username = match Username::parse(username) {
            Ok(username) => username,
            Err(DomainError::ReservedUsername) => {
                return Ok((username.to_ascii_lowercase(), Some(Unavailable::Reserved)))
            }
            Err(_) => return Ok((username.to_string(), Some(Unavailable::Invalid))),
        };
        let taken = self.store.reader().await?.username_exists(username.as_str()).await?;
        Ok((username.as_str().to_owned(), taken.then_some(Unavailable::Taken)))
    }

    pub async fn update_profile(&self, user: &User, update: ProfileUpdate, client: &ClientInfo) -> AppResult<User> {
        let mut changed = Vec::new();
        let display_name = match update.display_name {
            Some(Some(name)) => {
                changed.push("displayName");
                validate_display_name(&name)?
            }
            Some(None) => {
                changed.push("displayName");
                None
            }
            None => user.display_name.clone(),
        };
        let bio = match update.bio {
            Some(bio) => {
                changed.push("bio");
                validate_bio(&bio)?
            }
            None => user.bio.clone(),
        };
        let mut preferences: Preferences = user.preferences.clone();
        if let Some(theme) = update.theme {
            preferences.theme = theme;
        }
        if let Some(streamer_mode) = update.streamer_mode {
            preferences.streamer_mode = streamer_mode;
        }
        if let Some(locale) = update.locale {
            preferences.locale = validate_locale(locale)?;
        }
        if preferences != user.preferences {
            changed.push("preferences");
        }
        let current = &user.notifications.email;
        let notifications = Notifications {
            email: EmailNotifications {
                security: update.email_security.unwrap_or(current.security),
                product: update.email_product.unwrap_or(current.product),
                weekly_digest: update.email_weekly_digest.unwrap_or(current.weekly_digest),
            },
        };
        if notifications != user.notifications {
            changed.push("notifications");
        }
        let discord_webhook_url = match update.discord_webhook_url {
            Some(url) => {
                changed.push("discordWebhookUrl");
                match url {
                    Some(url) => Some(self.validate_webhook_url(&url).await?),
                    None => None,
                }
            }
            None => user.discord_webhook_url.clone(),
        };

        let now = self.clock.now();
        let changes =
            ProfileChanges { display_name, bio, preferences, notifications, discord_webhook_url, updated_at: now };
        let mut tx = self.store.begin().await?;
        tx.update_profile(user.id, &changes).await?;
        if !changed.is_empty() {
            tx.insert_activity(&activity(
                user.id,
                ActivityAction::ProfileUpdated,
                client,
                now,
                json!({ "fields": changed }),
            ))
            .await?;
        }
        let updated = tx.user_by_id(user.id).await?.ok_or(DomainError::UserNotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    /// An https URL without credentials whose host is not, and does not resolve to, a
    /// target the server must not reach.
    async fn validate_webhook_url(&self, url: &str) -> Result<String, DomainError> {
        let must_be_https = || DomainError::field("discordWebhookUrl", "must be an https URL");
        let parsed = url::Url::parse(url).map_err(|_| must_be_https())?;
        if url.len() > 2048 {
            return Err(must_be_https());
        }
        match self.outbound.check(&parsed).await {
            Ok(()) => Ok(parsed.to_string()),
            Err(Refusal::NotHttps) => Err(must_be_https()),
            Err(Refusal::Userinfo) => {
                Err(DomainError::field("discordWebhookUrl", "must not contain a user name or password"))
            }
            Err(Refusal::ForbiddenTarget) => Err(DomainError::WebhookForbiddenTarget),
        }
    }

    /// A visible (not banned) account by username.
    pub async fn public_by_username(&self, username: &str) -> AppResult<User> {
        let user = self.store.reader().await?.user_by_username(username).await?;
        user.filter(|user| !user.banned).ok_or_else(|| DomainError::UserNotFound.into())
    }

    pub async fn public_by_id(&self, id: UserId) -> AppResult<User> {
        let user = self.store.reader().await?.user_by_id(id).await?;
        user.filter(|user| !user.banned).ok_or_else(|| DomainError::UserNotFound.into())
    }

    pub async fn search(&self, query: &str, paging: Paging) -> AppResult<Page<User>> {
        let query = query.trim();
        if query.is_empty() || query.chars().count() > 64 {
            return Err(DomainError::field("query", "must be 1-64 characters").into());
        }
        Ok(self.store.reader().await?.search_users(query, paging.request()).await?)
    }
}

fn new_user(
    email: &Email,
    username: &Username,
    password_hash: Option<accountd_core::password::PasswordHashString>,
    role: Role,
    email_verified: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> NewUser {
    NewUser {
        id: UserId::new(),
        email: email.as_str().to_owned(),
        email_normalized: email.normalized(),
        username: username.as_str().to_owned(),
        display_name: None,
        password_hash,
        role,
        email_verified,
        created_at: now,
    }
}

/// A display name is trimmed; an empty one means none.
fn validate_display_name(name: &str) -> Result<Option<String>, DomainError> {
    let name = person_text("displayName", name.trim(), Lines::One)?;
    if name.chars().count() > DISPLAY_NAME_MAX {
        return Err(DomainError::field("displayName", format!("must be at most {DISPLAY_NAME_MAX} characters")));
    }
    Ok((!name.is_empty()).then_some(name))
}

fn validate_bio(bio: &str) -> Result<String, DomainError> {
    let bio = person_text("bio", bio, Lines::Many)?;
    if bio.chars().count() > BIO_MAX {
        return Err(DomainError::field("bio", format!("must be at most {BIO_MAX} characters")));
    }
    Ok(bio)
}

/// A BCP 47 language tag, loosely: letters, digits and hyphens.
fn validate_locale(locale: String) -> Result<String, DomainError> {
    let valid = (2..=35).contains(&locale.len())
        && locale
            .split('-')
            .all(|part| !part.is_empty() && part.len() <= 8 && part.bytes().all(|b| b.is_ascii_alphanumeric()))
        && locale.as_bytes()[0].is_ascii_alphabetic();
    if valid {
        Ok(locale)
    } else {
        Err(DomainError::field("preferences.locale", "must be a language tag such as en or pt-BR"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(validate_display_name("  Jane  "), Ok(Some("Jane".into())));
        assert_eq!(validate_display_name("   "), Ok(None));
        assert!(validate_display_name(&"x".repeat(65)).is_err());
        assert!(validate_display_name("a\u{0}b").is_err());
    }

    #[test]
    fn locales() {
        assert!(validate_locale("en".into()).is_ok());
        assert!(validate_locale("pt-BR".into()).is_ok());
        assert!(validate_locale("e".into()).is_err());
        assert!(validate_locale("en_US".into()).is_err());
        assert!(validate_locale("<script>".into()).is_err());
    }
}
