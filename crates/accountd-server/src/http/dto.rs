//! Request and response bodies of the API, separate from the domain types.

use accountd_core::access::PersonalAccessToken;
use accountd_core::oauth::LinkedAccount;
use accountd_core::user::{Activity, Device, LoginAttempt, Role, Session, Theme, User};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::usecases::accounts::ProfileUpdate;
use crate::usecases::admin::AccountChange;
use crate::usecases::sessions::IssuedSession;
use crate::usecases::tokens::Usage;

/// `{"items": [...], "total", "limit", "offset"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOf<T: ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// `?limit=` (default 20, at most 100) and `?offset=` (default 0).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `ok` or `unavailable`.
    #[schema(example = "ok")]
    pub database: &'static str,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    #[schema(example = "jane@example.com")]
    pub email: String,
    /// 3-32 characters of `a-z 0-9 _ -` (compared lower-cased), starting with a letter or digit.
    #[schema(example = "jane", min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    pub username: String,
    /// Omitted for a passwordless account: it adds a passkey in the returned session
    /// (`POST /v1/me/passkeys/options`, then `POST /v1/me/passkeys`), signs in by email, or sets a
    /// password later (`PUT /v1/me/password` without `currentPassword`).
    #[schema(value_type = Option<String>, format = Password, example = "Correct-Horse-9", min_length = 8, max_length = 128)]
    pub password: Option<SecretString>,
    /// At most 64 characters.
    #[schema(max_length = 64)]
    pub display_name: Option<String>,
    /// Another account's referral code, compared case-insensitively; its holder is
    /// credited `referrals.reward_credits` in the same transaction as the new account.
    pub referral_code: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// An email address or a username, matched case-insensitively.
    #[schema(example = "jane")]
    pub identifier: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionToken {
    /// The session token (`ses_…`); also set as the `accountd_session` cookie.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl SessionToken {
    pub fn from_issued(issued: &IssuedSession) -> Self {
        use secrecy::ExposeSecret as _;
        Self { token: issued.token.expose_secret().to_string(), expires_at: issued.expires_at }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthResponse {
    pub user: Profile,
    pub session: SessionToken,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesDto {
    /// `system`, `light` or `dark`.
    #[schema(value_type = String, example = "system")]
    pub theme: Theme,
    pub streamer_mode: bool,
    pub locale: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailNotificationsDto {
    pub security: bool,
    pub product: bool,
    pub weekly_digest: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationsDto {
    pub email: EmailNotificationsDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StorageDto {
    pub used: u64,
    pub limit: u64,
}

/// An additional email address of the account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressDto {
    pub id: Uuid,
    pub address: String,
    pub is_verified: bool,
    pub added_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
}

/// An identity at a social login provider linked to the account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkedAccountDto {
    pub provider: String,
    pub provider_user_id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub linked_at: DateTime<Utc>,
}

/// The account as its owner (or an administrator) sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: Uuid,
    pub email: String,
    pub email_verified: bool,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub banner_url: Option<String>,
    /// `user` or `admin`.
    pub role: &'static str,
    pub banned: bool,
    pub two_factor_enabled: bool,
    pub preferences: PreferencesDto,
    pub notifications: NotificationsDto,
    pub discord_webhook_url: Option<String>,
    /// The upload domain of the account's uploader integrations: its selection while
    /// that is a verified domain of the instance, otherwise the default; `null` when the
    /// instance has no upload domain.
    pub upload_domain: Option<String>,
    pub additional_addresses: Vec<AddressDto>,
    pub linked_accounts: Vec<LinkedAccountDto>,
    pub storage: StorageDto,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl Profile {
    /// The profile with the account's linked identities; loaded only where a profile is
    /// answered, not on every authenticated request.
    pub(crate) fn with_linked_accounts(mut self, accounts: &[LinkedAccount]) -> Self {
        self.linked_accounts = accounts.iter().map(LinkedAccountDto::from).collect();
        self
    }

    /// The owner's view of the account, with every record it lists.
    pub fn of(account: &crate::account_cache::CachedAccount, web: &super::WebSettings) -> Self {
        Self::of_account(account, web.storage_limit, &web.upload_domains)
    }

    /// [`Profile::of`] outside a request (the export archive), from the same settings.
    pub fn of_account(
        account: &crate::account_cache::CachedAccount,
        storage_limit: u64,
        upload_domains: &crate::usecases::uploads::UploadDomains,
    ) -> Self {
        let mut profile =
            Self::new(&account.user, storage_limit, &account.addresses).with_linked_accounts(&account.linked_accounts);
        profile.upload_domain = upload_domains.of(&account.user).map(str::to_owned);
        profile
    }

    pub(crate) fn new(user: &User, storage_limit: u64, addresses: &[accountd_core::mail::Address]) -> Self {
        Self {
            id: user.id.as_uuid(),
            email: user.email.as_str().to_owned(),
            email_verified: user.email_verified,
            username: user.username.as_str().to_owned(),
            display_name: user.display_name.clone(),
            bio: user.bio.clone(),
            avatar_url: user.avatar_url.clone(),
            banner_url: user.banner_url.clone(),
            role: user.role.as_str(),
            banned: user.banned,
            two_factor_enabled: user.two_factor_enabled,
            preferences: PreferencesDto {
                theme: user.preferences.theme,
                streamer_mode: user.preferences.streamer_mode,
                locale: user.preferences.locale.clone(),
            },
            notifications: NotificationsDto {
                email: EmailNotificationsDto {
                    security: user.notifications.email.security,
                    product: user.notifications.email.product,
                    weekly_digest: user.notifications.email.weekly_digest,
                },
            },
            discord_webhook_url: user.discord_webhook_url.clone(),
            upload_domain: None,
            additional_addresses: addresses.iter().map(AddressDto::from).collect(),
            linked_accounts: Vec::new(),
            storage: StorageDto { used: u64::try_from(user.media_bytes).unwrap_or(0), limit: storage_limit },
            created_at: user.created_at,
            updated_at: user.updated_at,
            last_login_at: user.last_login_at,
        }
    }
}

/// What anyone may see of an account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicProfile {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub banner_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for PublicProfile {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.as_uuid(),
            username: user.username.as_str().to_owned(),
            display_name: user.display_name.clone(),
            bio: user.bio.clone(),
            avatar_url: user.avatar_url.clone(),
            banner_url: user.banner_url.clone(),
            created_at: user.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Availability {
    pub username: String,
    pub available: bool,
    /// `taken`, `invalid` or `reserved`; absent when available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesPatch {
    #[schema(value_type = Option<String>, pattern = "^(system|light|dark)$")]
    pub theme: Option<Theme>,
    pub streamer_mode: Option<bool>,
    pub locale: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailNotificationsPatch {
    pub security: Option<bool>,
    pub product: Option<bool>,
    pub weekly_digest: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NotificationsPatch {
    pub email: Option<EmailNotificationsPatch>,
}

/// Any of the fields; absent fields stay as they are, `null` clears the nullable ones.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProfileRequest {
    /// At most 64 characters; `null` or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 64)]
    pub display_name: Option<Option<String>>,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub bio: Option<String>,
    /// Only the fields given change.
    pub preferences: Option<PreferencesPatch>,
    /// Only the fields given change.
    pub notifications: Option<NotificationsPatch>,
    /// An https URL, or `null` to remove it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub discord_webhook_url: Option<Option<String>>,
}

/// Tells a field that is `null` (`Some(None)`) from one that is absent (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

impl From<UpdateProfileRequest> for ProfileUpdate {
    fn from(request: UpdateProfileRequest) -> Self {
        let preferences = request.preferences;
        let email = request.notifications.and_then(|n| n.email);
        Self {
            display_name: request.display_name,
            bio: request.bio,
            theme: preferences.as_ref().and_then(|p| p.theme),
            streamer_mode: preferences.as_ref().and_then(|p| p.streamer_mode),
            locale: preferences.and_then(|p| p.locale),
            email_security: email.as_ref().and_then(|e| e.security),
            email_product: email.as_ref().and_then(|e| e.product),
            email_weekly_digest: email.and_then(|e| e.weekly_digest),
            discord_webhook_url: request.discord_webhook_url,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceDto {
    pub browser: String,
    pub version: String,
    pub os: String,
    /// `desktop`, `mobile`, `appliance`, `bot` or `unknown`.
    pub platform: String,
    pub is_bot: bool,
}

impl From<&Device> for DeviceDto {
    fn from(device: &Device) -> Self {
        Self {
            browser: device.browser.clone(),
            version: device.version.clone(),
            os: device.os.clone(),
            platform: device.platform.clone(),
            is_bot: device.is_bot,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    pub id: Uuid,
    /// Whether this is the session making the request.
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device: DeviceDto,
    /// Not resolved by this version: always `null`.
    #[schema(value_type = Option<String>)]
    pub location: Option<String>,
}

impl SessionDto {
    pub fn new(session: &Session, current: bool) -> Self {
        Self {
            id: session.id.as_uuid(),
            current,
            created_at: session.created_at,
            last_seen_at: session.last_seen_at,
            expires_at: session.expires_at,
            ip: session.ip.clone(),
            user_agent: session.user_agent.clone(),
            device: DeviceDto::from(&session.device),
            location: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionDto>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct RevokeAllQuery {
    /// Keep the session making the request.
    pub keep_current: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginHistoryEntry {
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device: DeviceDto,
    pub success: bool,
    /// How the login was made: `password`.
    pub method: String,
    /// `invalid_password`, `banned` or `email_not_verified` for failed attempts.
    pub failure_reason: Option<String>,
}

impl From<&LoginAttempt> for LoginHistoryEntry {
    fn from(attempt: &LoginAttempt) -> Self {
        Self {
            at: attempt.at,
            ip: attempt.ip.clone(),
            user_agent: attempt.user_agent.clone(),
            device: DeviceDto::from(&attempt.device),
            success: attempt.success,
            method: attempt.method.clone(),
            failure_reason: attempt.failure_reason.clone(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A prefix of the username or display name, case-insensitive; 1-64 characters after trimming.
    #[param(required = true, max_length = 64, pattern = r"\S")]
    pub query: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The admin listing's filter: unlike the public search, `query` is optional, and empty or
/// blank lists every account.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminSearchQuery {
    /// A prefix of the email, username or display name, case-insensitive; at most 254
    /// characters after trimming. Absent, empty or blank: every account.
    #[param(max_length = 254)]
    pub query: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// The token from the link in the mail.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailVerified {
    pub email_verified: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ForgotPasswordRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordRequest {
    pub token: String,
    #[schema(value_type = String, format = Password)]
    pub new_password: SecretString,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    /// Required when the account has a password; omitted to set a first password on a social-only account.
    #[schema(value_type = Option<String>, format = Password)]
    pub current_password: Option<SecretString>,
    #[schema(value_type = String, format = Password)]
    pub new_password: SecretString,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeUsernameRequest {
    /// 3-32 characters of `a-z 0-9 _ -` (compared lower-cased), starting with a letter or digit.
    #[schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    pub username: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeEmailRequest {
    /// The new address; a confirmation link is sent to it.
    pub email: String,
    /// The current password (when the account has one).
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<SecretString>,
    /// A TOTP or recovery code, required when two-factor authentication is on.
    pub code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingEmail {
    pub pending_email: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddAddressRequest {
    pub address: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddressList {
    pub items: Vec<AddressDto>,
}

impl From<&accountd_core::mail::Address> for AddressDto {
    fn from(address: &accountd_core::mail::Address) -> Self {
        Self {
            id: address.id,
            address: address.address.clone(),
            is_verified: address.is_verified,
            added_at: address.added_at,
            verified_at: address.verified_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenRequest {
    /// 1-64 characters, to recognise the token by.
    #[schema(example = "backup script", min_length = 1, max_length = 64)]
    pub name: String,
    /// `user:read` and/or `user:write`; an unknown scope gets `token:invalid_scope`.
    #[schema(example = json!(["user:read"]))]
    pub scopes: Vec<String>,
    /// 1-3650; without it the token does not expire.
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
}

/// A personal access token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessTokenDto {
    pub id: Uuid,
    pub name: String,
    #[schema(example = json!(["user:read"]))]
    pub scopes: Vec<&'static str>,
    /// The first characters of the token.
    #[schema(example = "pat_x3Jd9q")]
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&PersonalAccessToken> for PersonalAccessTokenDto {
    fn from(token: &PersonalAccessToken) -> Self {
        Self {
            id: token.id.as_uuid(),
            name: token.name.clone(),
            scopes: token.scopes.iter().map(|scope| scope.as_str()).collect(),
            prefix: token.prefix.clone(),
            created_at: token.created_at,
            last_used_at: token.last_used_at,
            expires_at: token.expires_at,
        }
    }
}

/// A new personal access token: the only time its secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTokenDto {
    #[serde(flatten)]
    pub details: PersonalAccessTokenDto,
    /// The token (`pat_…`); it is not shown again.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<PersonalAccessTokenDto>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadTokenDto {
    /// The upload token (`upl_…`).
    pub token: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IntrospectRequest {
    pub token: String,
}

/// `{"active": false}`, or what the token is and whose.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntrospectionDto {
    pub active: bool,
    #[serde(flatten)]
    pub details: Option<ActiveTokenDto>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActiveTokenDto {
    /// `session`, `pat` or `upload`.
    pub kind: &'static str,
    pub user_id: Uuid,
    pub username: String,
    /// A session has every scope; an upload token none.
    pub scopes: Vec<&'static str>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageDto {
    pub used: i64,
    pub limit: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LimitsDto {
    /// Bytes.
    pub storage: UsageDto,
    pub personal_access_tokens: UsageDto,
    pub additional_addresses: UsageDto,
    pub sessions: UsageDto,
}

impl From<&Usage> for LimitsDto {
    fn from(usage: &Usage) -> Self {
        let limits = &usage.limits;
        Self {
            storage: UsageDto { used: usage.storage_bytes, limit: limits.storage_bytes },
            personal_access_tokens: UsageDto {
                used: usage.personal_access_tokens,
                limit: limits.personal_access_tokens,
            },
            additional_addresses: UsageDto { used: usage.additional_addresses, limit: limits.additional_addresses },
            sessions: UsageDto { used: usage.sessions, limit: limits.sessions },
        }
    }
}

/// Overrides of an account's limits; `null` goes back to the configured default.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LimitsPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub personal_access_tokens: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub additional_addresses: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub sessions: Option<Option<i64>>,
    /// Bytes.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub storage: Option<Option<i64>>,
}

/// Any of the fields; absent ones stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserPatch {
    /// `user` or `admin`.
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    /// `true` ends every session and token of the account at once.
    pub banned: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub ban_reason: Option<Option<String>>,
    pub email_verified: Option<bool>,
    pub limits: Option<LimitsPatch>,
}

impl From<AdminUserPatch> for AccountChange {
    fn from(patch: AdminUserPatch) -> Self {
        let limits = patch.limits.unwrap_or_default();
        Self {
            role: patch.role,
            banned: patch.banned,
            ban_reason: patch.ban_reason,
            email_verified: patch.email_verified,
            personal_access_tokens: limits.personal_access_tokens,
            additional_addresses: limits.additional_addresses,
            sessions: limits.sessions,
            storage_bytes: limits.storage,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AdminActivityQuery {
    /// Only this account's activity.
    pub user_id: Option<String>,
    /// Only this action (`auth.login`, `admin.user_banned`, …).
    pub action: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// An activity row of any account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminActivityDto {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub action: String,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Admin actions carry `adminId`, the acting administrator.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
}

impl From<&Activity> for AdminActivityDto {
    fn from(activity: &Activity) -> Self {
        Self {
            id: activity.id,
            user_id: activity.user_id.map(|id| id.as_uuid()),
            action: activity.action.clone(),
            at: activity.at,
            ip: activity.ip.clone(),
            user_agent: activity.user_agent.clone(),
            metadata: activity.metadata.clone(),
        }
    }
}

// ---- social login and linked accounts ------------------------------------------------------

impl From<&LinkedAccount> for LinkedAccountDto {
    fn from(account: &LinkedAccount) -> Self {
        Self {
            provider: account.provider.clone(),
            provider_user_id: account.subject.clone(),
            username: account.username.clone(),
            email: account.email.clone(),
            avatar_url: account.avatar_url.clone(),
            linked_at: account.linked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthProviderDto {
    #[schema(example = "github")]
    pub id: String,
    #[schema(example = "GitHub")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthProviderList {
    pub items: Vec<OAuthProviderDto>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeQuery {
    /// Where the provider sends the user back; must be allowed by configuration.
    /// Default `{publicUrl}/oauth/{provider}/callback`.
    pub redirect_uri: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizeUrl {
    /// Send the user here.
    pub url: String,
}

/// A login's authorization URL, and the value that ties its `state` to this client.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAuthorization {
    /// Send the user here.
    pub url: String,
    /// Send it back with the code to `POST /v1/auth/oauth/{provider}/login`, unless the
    /// client keeps cookies: the `accountd_oauth` cookie set with this answer carries the
    /// same value. Keep it in the client; never put it in a URL.
    pub flow: String,
}

/// What the provider sent back to the redirect URI.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OAuthCallbackRequest {
    pub code: String,
    pub state: String,
}

/// What the provider sent back to the redirect URI, and the client's proof that it
/// started the login.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OAuthLoginRequest {
    pub code: String,
    pub state: String,
    /// The `flow` value of the authorize answer; may be left out when the request
    /// carries the `accountd_oauth` cookie instead.
    pub flow: Option<String>,
}

/// A new identity: choose a username and call `POST /v1/auth/complete-signup`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignupRequired {
    /// Always `true`.
    pub signup_required: bool,
    /// Single-use, valid for 10 minutes.
    pub signup_token: String,
    pub email: String,
    pub suggested_username: String,
}

/// A session, or a sign-up to complete.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum OAuthLoginResponse {
    SignedIn(Box<AuthResponse>),
    SignupRequired(SignupRequired),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompleteSignupRequest {
    pub signup_token: String,
    #[schema(example = "jane")]
    pub username: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedAccountList {
    pub items: Vec<LinkedAccountDto>,
}

/// The answer to a correct password when the account has two-factor authentication on.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MfaRequired {
    /// Always `true`.
    pub mfa_required: bool,
    /// Single-use, lives 5 minutes; send it to `POST /v1/auth/login/2fa` with a code.
    pub mfa_token: String,
    #[schema(example = json!(["totp", "recovery_code"]))]
    pub methods: Vec<&'static str>,
}

/// What `POST /v1/auth/login` answers with `200`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    SignedIn(Box<AuthResponse>),
    MfaRequired(MfaRequired),
}

/// `{"mfaToken", "code"}`, `{"mfaToken", "recoveryCode"}` or, with a passkey,
/// `{"mfaToken", "challengeId", "credential"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginSecondStepRequest {
    pub mfa_token: String,
    /// A 6-digit TOTP code.
    #[schema(example = "123456")]
    pub code: Option<String>,
    /// A recovery code, `xxxxx-xxxxx`.
    pub recovery_code: Option<String>,
    /// The ceremony of `POST /v1/auth/login/2fa/passkey-options`.
    pub challenge_id: Option<Uuid>,
    /// `AuthenticationResponseJSON`.
    #[schema(value_type = Option<Object>)]
    pub credential: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub enabled_at: Option<DateTime<Utc>>,
    pub recovery_codes_remaining: i64,
    /// A setup waits for its first code.
    pub pending_setup: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorSetup {
    /// The secret in base32 (160 bits), for typing into an app by hand.
    pub secret: String,
    /// `otpauth://totp/{issuer}:{username}?secret=…&issuer=…`
    pub otpauth_uri: String,
    /// `data:image/png;base64,…`: a QR code of `otpauthUri`.
    pub qr_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnableTwoFactorRequest {
    /// A code from the authenticator app.
    pub code: String,
    /// The current password, when the account has one.
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<SecretString>,
    /// The mailed 6-digit code, when configuration asks for email confirmation.
    pub email_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorEnabled {
    pub enabled: bool,
    /// 10 single-use codes, `xxxxx-xxxxx`.
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailCodeSent {
    pub email_code_sent: bool,
}

/// The start of a two-factor setup re-authenticates with the password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TwoFactorSetupRequest {
    /// The current password, when the account has one.
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<SecretString>,
}

/// Re-authentication of a sensitive call.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReauthRequest {
    /// The current password, when the account has one.
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<SecretString>,
    /// A TOTP or recovery code, when two-factor authentication is on.
    pub code: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodesQuery {
    /// Return the codes: only the first time they are asked for after they were generated.
    pub include_codes: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodesStatus {
    pub total: i64,
    pub remaining: i64,
    pub generated_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codes: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodesRegenerated {
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountDeleted {
    pub deleted_at: DateTime<Utc>,
}

// ---- media -----------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvatarUrl {
    pub avatar_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BannerUrl {
    pub banner_url: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkedAvatarRequest {
    /// The id of a linked social login provider (`github`, …).
    pub provider: String,
}

/// An image upload (`multipart/form-data`).
#[derive(Debug, ToSchema)]
pub struct UploadForm {
    /// The image: JPEG, PNG, WebP or GIF, at most 5 MiB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

// ---- passkeys and sign-in by email ----

/// `Passkey`: `id` is accountd's id, not the credential id.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyDto {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The authenticator said the credential is backed up (synced to other devices).
    pub backed_up: bool,
    /// As the authenticator reported them (`internal`, `usb`, `hybrid`, ...).
    pub transports: Vec<String>,
}

impl From<accountd_store::PasskeyRecord> for PasskeyDto {
    fn from(passkey: accountd_store::PasskeyRecord) -> Self {
        Self {
            id: passkey.id,
            name: passkey.name,
            created_at: passkey.created_at,
            last_used_at: passkey.last_used_at,
            backed_up: passkey.backed_up,
            transports: passkey.transports,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyList {
    pub items: Vec<PasskeyDto>,
}

/// A ceremony's options and the id that finishes it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyOptions {
    /// Lives 5 minutes; single-use.
    pub challenge_id: Uuid,
    /// `PublicKeyCredentialCreationOptionsJSON` or `PublicKeyCredentialRequestOptionsJSON`, for
    /// `PublicKeyCredential.parseCreationOptionsFromJSON()` / `parseRequestOptionsFromJSON()`.
    #[schema(value_type = Object)]
    pub public_key: serde_json::Value,
}

/// `{"challengeId", "credential", "name"?}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterPasskeyRequest {
    pub challenge_id: Uuid,
    /// `RegistrationResponseJSON` (the browser's `credential.toJSON()`).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
    /// At most 64 characters; defaults to "Passkey".
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RenamePasskeyRequest {
    pub name: String,
}

/// `{"identifier"?}`: an email or username, or nothing for a discoverable credential.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasskeyLoginOptionsRequest {
    pub identifier: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeySecondStepOptionsRequest {
    pub mfa_token: String,
}

/// `{"challengeId", "credential"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyLoginRequest {
    pub challenge_id: Uuid,
    /// `AuthenticationResponseJSON` (the browser's `credential.toJSON()`).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailLoginRequest {
    pub email: String,
}

/// `{"token"}` (from the link) or `{"email", "code"}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailLoginVerifyRequest {
    pub token: Option<String>,
    pub email: Option<String>,
    #[schema(example = "123456")]
    pub code: Option<String>,
}

// ---- activity ------------------------------------------------------------------------------

/// `Activity`: one action on the account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDto {
    pub id: Uuid,
    /// A dotted action name (`auth.login`, `password.changed`, …).
    pub action: String,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
}

impl From<&Activity> for ActivityDto {
    fn from(activity: &Activity) -> Self {
        Self {
            id: activity.id,
            action: activity.action.clone(),
            at: activity.at,
            ip: activity.ip.clone(),
            user_agent: activity.user_agent.clone(),
            metadata: activity.metadata.clone(),
        }
    }
}

/// Who did a public action.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorDto {
    pub id: Uuid,
    pub username: String,
}

/// An entry of the public feed: no address, IP, user agent or metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicActionDto {
    pub id: Uuid,
    /// `user.registered`, `username.changed` or `avatar.changed`.
    pub action: String,
    pub at: DateTime<Utc>,
    pub actor: ActorDto,
}

impl From<&accountd_store::PublicActivity> for PublicActionDto {
    fn from(activity: &accountd_store::PublicActivity) -> Self {
        Self {
            id: activity.id,
            action: activity.action.clone(),
            at: activity.at,
            actor: ActorDto { id: activity.actor_id.as_uuid(), username: activity.actor_username.clone() },
        }
    }
}

// ---- data export ---------------------------------------------------------------------------

/// `202` to `POST /v1/me/export`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportQueued {
    pub id: Uuid,
    /// `pending`.
    pub status: &'static str,
    pub progress: i32,
}

/// An export and where its archive is.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportDto {
    pub id: Uuid,
    /// `pending`, `running`, `done` or `failed`. `failed` is final: the build gave up (its
    /// job failed for good, or was lost); no archive is offered and a new export may be
    /// requested at once.
    pub status: &'static str,
    /// 0 to 100.
    pub progress: i32,
    pub created_at: DateTime<Utc>,
    /// When the export and its archive are deleted (7 days after the request).
    pub expires_at: DateTime<Utc>,
    /// The archive, once `status` is `done`; `null` before.
    pub download_url: Option<String>,
}

impl ExportDto {
    pub fn new(export: &accountd_core::export::Export) -> Self {
        let done = export.status == accountd_core::export::ExportStatus::Done;
        Self {
            id: export.id.as_uuid(),
            status: export.status.as_str(),
            progress: export.progress,
            created_at: export.created_at,
            expires_at: export.expires_at,
            download_url: done.then(|| export_download_path(export.id)),
        }
    }
}

/// The path of an export's archive (relative to the API's origin).
pub fn export_download_path(id: accountd_core::ExportId) -> String {
    format!("/v1/me/export/{id}/download")
}

/// Which view of `GET /v1/me/referrals`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReferralView {
    Stats,
    History,
}

/// `?view=stats|history`; `limit` and `offset` page the history.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralsQuery {
    /// Absent: the code and its link.
    #[param(inline)]
    pub view: Option<ReferralView>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The account's referral code and the link that carries it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralLinkDto {
    #[schema(example = "k7m2x9q4ab")]
    pub code: String,
    /// `{publicUrl}/?ref={code}`.
    pub url: String,
}

impl From<crate::usecases::referrals::ReferralLink> for ReferralLinkDto {
    fn from(link: crate::usecases::referrals::ReferralLink) -> Self {
        Self { code: link.code, url: link.url }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralStatsDto {
    pub total_referrals: i64,
    /// The credits earned from referrals.
    pub rewards_earned: i64,
}

/// An account registered with the code.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralHistoryEntry {
    /// `null` once that account is deleted (the referral and its reward stay).
    pub username: Option<String>,
    pub joined_at: DateTime<Utc>,
    pub reward: i64,
}

/// The answer of `GET /v1/me/referrals`, by `view`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReferralsAnswer {
    Link(ReferralLinkDto),
    Stats(ReferralStatsDto),
    History(ListOf<ReferralHistoryEntry>),
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetReferralCodeRequest {
    /// 4–32 of `a-z 0-9 -` (upper case is lower-cased), not starting or ending with `-`;
    /// a reserved word (`admin`, `support`, …) is refused with `validation:invalid_input`.
    #[schema(min_length = 4, max_length = 32, pattern = "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$")]
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditEntryDto {
    pub id: Uuid,
    /// Positive for a credit, negative for a debit.
    pub amount: i64,
    /// `referral`, or the reason an administrator gave.
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl From<&accountd_core::referral::CreditEntry> for CreditEntryDto {
    fn from(entry: &accountd_core::referral::CreditEntry) -> Self {
        Self { id: entry.id, amount: entry.amount, reason: entry.reason.clone(), at: entry.at }
    }
}

/// The balance (the sum of the ledger) and one page of the ledger, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditsDto {
    pub balance: i64,
    pub items: Vec<CreditEntryDto>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreditAdjustmentRequest {
    /// Positive grants, negative debits; never zero, at most 1000000000 either way.
    pub amount: i64,
    /// 1–200 characters, shown to the account in its ledger.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditAdjustmentDto {
    pub entry: CreditEntryDto,
    /// The account's balance after the entry.
    pub balance: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PerkProgressDto {
    pub current: i64,
    pub target: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PerkDto {
    pub id: String,
    pub name: String,
    pub description: String,
    pub eligible: bool,
    pub progress: PerkProgressDto,
    /// When the provider last answered for this perk; `null` for perks computed here
    /// (referrals, account age) and provider perks never checked.
    pub checked_at: Option<DateTime<Utc>>,
    /// `true` when a refresh got no answer from the provider in time (or the provider
    /// is not linked): the progress is the last known one.
    pub stale: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PerksDto {
    pub items: Vec<PerkDto>,
    /// The roles of the perks the account is eligible for.
    pub perk_roles: Vec<String>,
}

impl From<crate::usecases::perks::PerksView> for PerksDto {
    fn from(view: crate::usecases::perks::PerksView) -> Self {
        let items = view
            .items
            .into_iter()
            .map(|perk| PerkDto {
                id: perk.id,
                name: perk.name,
                description: perk.description,
                eligible: perk.eligible,
                progress: PerkProgressDto { current: perk.current, target: perk.target },
                checked_at: perk.checked_at,
                stale: perk.stale,
            })
            .collect();
        Self { items, perk_roles: view.perk_roles }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadDomainDto {
    pub domain: String,
    pub verified: bool,
    pub is_default: bool,
    /// The domain the account's uploads use: its selection, or the default.
    pub selected: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadDomainList {
    pub items: Vec<UploadDomainDto>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadDomainSelection {
    #[schema(example = "files.example.com")]
    pub domain: String,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FlameshotMode {
    /// Pick a region.
    #[default]
    Gui,
    /// Every screen.
    Full,
    /// The screen under the pointer.
    Screen,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FlameshotRequest {
    pub mode: Option<FlameshotMode>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SpectacleMode {
    #[default]
    Region,
    Full,
    Window,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SpectacleRequest {
    pub mode: Option<SpectacleMode>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookTestDto {
    pub delivered: bool,
}
