//! Row shapes shared by both backends: sqlx decodes the same Rust types from
//! SQLite's and PostgreSQL's column types, so only the SQL differs per backend.

use accountd_core::access::{LimitOverrides, PersonalAccessToken};
use accountd_core::mail::{Address, EmailToken, TokenPurpose};
use accountd_core::oauth::{LinkedAccount, PendingAuthorization, PendingSignup, Purpose};
use accountd_core::password::PasswordHashString;
use accountd_core::scope::Scope;
use accountd_core::token::TokenHash;
use accountd_core::user::{Activity, Device, LoginAttempt, Notifications, Preferences, Role, Session, User};
use accountd_core::{Email, SessionId, TokenId, UserId, Username};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

/// The column list of [`UserRow`], for `SELECT {USER_COLUMNS} FROM users`.
pub const USER_COLUMNS: &str = "users.id, users.email, users.email_verified, users.username, users.display_name, \
     users.bio, users.avatar_url, users.banner_url, users.role, users.banned, users.password_hash, \
     users.two_factor_enabled, users.preferences, users.notifications, users.discord_webhook_url, \
     users.created_at, users.updated_at, users.last_login_at, users.upload_domain, users.media_bytes";

#[derive(sqlx::FromRow)]
pub struct UserRow {
    id: Uuid,
    email: String,
    email_verified: bool,
    username: String,
    display_name: Option<String>,
    bio: String,
    avatar_url: Option<String>,
    banner_url: Option<String>,
    role: String,
    banned: bool,
    password_hash: Option<String>,
    two_factor_enabled: bool,
    preferences: Json<Preferences>,
    notifications: Json<Notifications>,
    discord_webhook_url: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
    media_bytes: i64,
    upload_domain: Option<String>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: UserId::from_uuid(row.id),
            email: Email::from_trusted(row.email),
            email_verified: row.email_verified,
            username: Username::from_trusted(row.username),
            display_name: row.display_name,
            bio: row.bio,
            avatar_url: row.avatar_url,
            banner_url: row.banner_url,
            role: Role::parse(&row.role),
            banned: row.banned,
            password_hash: row.password_hash.map(PasswordHashString),
            two_factor_enabled: row.two_factor_enabled,
            preferences: row.preferences.0,
            notifications: row.notifications.0,
            discord_webhook_url: row.discord_webhook_url,
            created_at: row.created_at,
            updated_at: row.updated_at,
            last_login_at: row.last_login_at,
            media_bytes: row.media_bytes,
            upload_domain: row.upload_domain,
        }
    }
}

pub const SESSION_COLUMNS: &str =
    "sessions.id AS session_id, sessions.user_id AS session_user_id, sessions.created_at AS session_created_at, \
     sessions.last_seen_at, sessions.expires_at, sessions.ip, sessions.user_agent, sessions.device";

#[derive(sqlx::FromRow)]
pub struct SessionRow {
    session_id: Uuid,
    session_user_id: Uuid,
    session_created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    ip: Option<String>,
    user_agent: Option<String>,
    device: Json<Device>,
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Self {
            id: SessionId::from_uuid(row.session_id),
            user_id: UserId::from_uuid(row.session_user_id),
            created_at: row.session_created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            ip: row.ip,
            user_agent: row.user_agent,
            device: row.device.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct SessionWithUserRow {
    #[sqlx(flatten)]
    pub session: SessionRow,
    #[sqlx(flatten)]
    pub user: UserRow,
}

#[derive(sqlx::FromRow)]
pub struct LoginAttemptRow {
    user_id: Uuid,
    at: DateTime<Utc>,
    ip: Option<String>,
    user_agent: Option<String>,
    device: Json<Device>,
    success: bool,
    method: String,
    failure_reason: Option<String>,
}

impl From<LoginAttemptRow> for LoginAttempt {
    fn from(row: LoginAttemptRow) -> Self {
        Self {
            user_id: UserId::from_uuid(row.user_id),
            at: row.at,
            ip: row.ip,
            user_agent: row.user_agent,
            device: row.device.0,
            success: row.success,
            method: row.method,
            failure_reason: row.failure_reason,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ActivityRow {
    id: Uuid,
    user_id: Option<Uuid>,
    action: String,
    at: DateTime<Utc>,
    ip: Option<String>,
    user_agent: Option<String>,
    metadata: Json<serde_json::Value>,
}

impl From<ActivityRow> for Activity {
    fn from(row: ActivityRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id.map(UserId::from_uuid),
            action: row.action,
            at: row.at,
            ip: row.ip,
            user_agent: row.user_agent,
            metadata: row.metadata.0,
        }
    }
}

/// Escapes `%`, `_` and `\` so a user's text is matched literally by `LIKE … ESCAPE '\'`.
pub fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[derive(sqlx::FromRow)]
pub struct EmailTokenRow {
    user_id: Uuid,
    purpose: String,
    email: String,
    address_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl TryFrom<EmailTokenRow> for EmailToken {
    type Error = crate::StoreError;

    fn try_from(row: EmailTokenRow) -> Result<Self, Self::Error> {
        let purpose = [
            TokenPurpose::VerifyEmail,
            TokenPurpose::ResetPassword,
            TokenPurpose::ChangeEmail,
            TokenPurpose::VerifyAddress,
        ]
        .into_iter()
        .find(|purpose| purpose.as_str() == row.purpose)
        .ok_or_else(|| crate::StoreError::Corrupt(format!("unknown token purpose {}", row.purpose)))?;
        Ok(Self {
            user_id: UserId::from_uuid(row.user_id),
            purpose,
            email: row.email,
            address_id: row.address_id,
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    }
}

pub const EMAIL_TOKEN_COLUMNS: &str = "user_id, purpose, email, address_id, created_at, expires_at";

#[derive(sqlx::FromRow)]
pub struct AddressRow {
    id: Uuid,
    user_id: Uuid,
    address: String,
    is_verified: bool,
    added_at: DateTime<Utc>,
    verified_at: Option<DateTime<Utc>>,
}

impl From<AddressRow> for Address {
    fn from(row: AddressRow) -> Self {
        Self {
            id: row.id,
            user_id: UserId::from_uuid(row.user_id),
            address: row.address,
            is_verified: row.is_verified,
            added_at: row.added_at,
            verified_at: row.verified_at,
        }
    }
}

pub const ADDRESS_COLUMNS: &str = "id, user_id, address, is_verified, added_at, verified_at";

pub const PAT_COLUMNS: &str = "personal_access_tokens.id AS pat_id, personal_access_tokens.user_id AS pat_user_id, \
     personal_access_tokens.name AS pat_name, personal_access_tokens.scopes AS pat_scopes, \
     personal_access_tokens.prefix AS pat_prefix, personal_access_tokens.created_at AS pat_created_at, \
     personal_access_tokens.last_used_at AS pat_last_used_at, personal_access_tokens.expires_at AS pat_expires_at";

#[derive(sqlx::FromRow)]
pub struct PatRow {
    pat_id: Uuid,
    pat_user_id: Uuid,
    pat_name: String,
    pat_scopes: Json<Vec<Scope>>,
    pat_prefix: String,
    pat_created_at: DateTime<Utc>,
    pat_last_used_at: Option<DateTime<Utc>>,
    pat_expires_at: Option<DateTime<Utc>>,
}

impl From<PatRow> for PersonalAccessToken {
    fn from(row: PatRow) -> Self {
        Self {
            id: TokenId::from_uuid(row.pat_id),
            user_id: UserId::from_uuid(row.pat_user_id),
            name: row.pat_name,
            scopes: row.pat_scopes.0,
            prefix: row.pat_prefix,
            created_at: row.pat_created_at,
            last_used_at: row.pat_last_used_at,
            expires_at: row.pat_expires_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct PatWithUserRow {
    #[sqlx(flatten)]
    pub pat: PatRow,
    #[sqlx(flatten)]
    pub user: UserRow,
}

#[derive(sqlx::FromRow)]
pub struct LimitsRow {
    personal_access_tokens: Option<i64>,
    additional_addresses: Option<i64>,
    sessions: Option<i64>,
    storage_bytes: Option<i64>,
}

impl From<LimitsRow> for LimitOverrides {
    fn from(row: LimitsRow) -> Self {
        Self {
            personal_access_tokens: row.personal_access_tokens,
            additional_addresses: row.additional_addresses,
            sessions: row.sessions,
            storage_bytes: row.storage_bytes,
        }
    }
}

pub const LINKED_ACCOUNT_COLUMNS: &str = "user_id, provider, subject, username, email, email_verified, avatar_url, \
     access_token_sealed, linked_at, updated_at";

#[derive(sqlx::FromRow)]
pub struct LinkedAccountRow {
    user_id: Uuid,
    provider: String,
    subject: String,
    username: Option<String>,
    email: Option<String>,
    email_verified: bool,
    avatar_url: Option<String>,
    access_token_sealed: Option<String>,
    linked_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<LinkedAccountRow> for LinkedAccount {
    fn from(row: LinkedAccountRow) -> Self {
        Self {
            user_id: UserId::from_uuid(row.user_id),
            provider: row.provider,
            subject: row.subject,
            username: row.username,
            email: row.email,
            email_verified: row.email_verified,
            avatar_url: row.avatar_url,
            access_token_sealed: row.access_token_sealed,
            linked_at: row.linked_at,
            updated_at: row.updated_at,
        }
    }
}

pub const PENDING_AUTHORIZATION_COLUMNS: &str =
    "provider, purpose, user_id, redirect_uri, pkce_verifier_sealed, nonce, binding_hash, created_at, expires_at";

#[derive(sqlx::FromRow)]
pub struct PendingAuthorizationRow {
    provider: String,
    purpose: String,
    user_id: Option<Uuid>,
    redirect_uri: String,
    pkce_verifier_sealed: String,
    nonce: String,
    binding_hash: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl TryFrom<PendingAuthorizationRow> for PendingAuthorization {
    type Error = crate::StoreError;

    fn try_from(row: PendingAuthorizationRow) -> Result<Self, Self::Error> {
        let purpose = Purpose::parse(&row.purpose)
            .ok_or_else(|| crate::StoreError::Corrupt(format!("oauth state purpose {}", row.purpose)))?;
        Ok(Self {
            provider: row.provider,
            purpose,
            user_id: row.user_id.map(UserId::from_uuid),
            redirect_uri: row.redirect_uri,
            pkce_verifier_sealed: row.pkce_verifier_sealed,
            nonce: row.nonce,
            binding: TokenHash(row.binding_hash),
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    }
}

pub const PENDING_SIGNUP_COLUMNS: &str =
    "provider, subject, username, email, email_verified, avatar_url, access_token_sealed, created_at, expires_at";

#[derive(sqlx::FromRow)]
pub struct PendingSignupRow {
    provider: String,
    subject: String,
    username: Option<String>,
    email: String,
    email_verified: bool,
    avatar_url: Option<String>,
    access_token_sealed: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl From<PendingSignupRow> for PendingSignup {
    fn from(row: PendingSignupRow) -> Self {
        Self {
            provider: row.provider,
            subject: row.subject,
            username: row.username,
            email: row.email,
            email_verified: row.email_verified,
            avatar_url: row.avatar_url,
            access_token_sealed: row.access_token_sealed,
            created_at: row.created_at,
            expires_at: row.expires_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct TwoFactorRow {
    secret_sealed: String,
    enabled_at: Option<DateTime<Utc>>,
    last_step: i64,
    email_code_hash: Option<String>,
    email_code_expires_at: Option<DateTime<Utc>>,
    recovery_generated_at: Option<DateTime<Utc>>,
}

impl From<TwoFactorRow> for crate::TwoFactorRecord {
    fn from(row: TwoFactorRow) -> Self {
        Self {
            secret_sealed: row.secret_sealed,
            enabled_at: row.enabled_at,
            last_step: row.last_step,
            email_code_hash: row.email_code_hash,
            email_code_expires_at: row.email_code_expires_at,
            recovery_generated_at: row.recovery_generated_at,
        }
    }
}

pub const TWO_FACTOR_COLUMNS: &str =
    "secret_sealed, enabled_at, last_step, email_code_hash, email_code_expires_at, recovery_generated_at";

#[derive(sqlx::FromRow)]
pub struct MfaChallengeRow {
    user_id: Uuid,
    method: String,
}

impl From<MfaChallengeRow> for crate::MfaChallenge {
    fn from(row: MfaChallengeRow) -> Self {
        Self { user_id: UserId::from_uuid(row.user_id), method: row.method }
    }
}

/// The column list of [`PasskeyRow`].
pub const PASSKEY_COLUMNS: &str = "id, user_id, credential_id, credential, name, backup_eligible, backed_up, \
     transports, sign_count, created_at, last_used_at";

#[derive(sqlx::FromRow)]
pub struct PasskeyRow {
    id: Uuid,
    user_id: Uuid,
    credential_id: String,
    credential: String,
    name: String,
    backup_eligible: bool,
    backed_up: bool,
    transports: String,
    sign_count: i64,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl TryFrom<PasskeyRow> for crate::PasskeyRecord {
    type Error = crate::StoreError;

    fn try_from(row: PasskeyRow) -> Result<Self, Self::Error> {
        let transports = serde_json::from_str(&row.transports)
            .map_err(|e| crate::StoreError::Corrupt(format!("transports of passkey {}: {e}", row.id)))?;
        Ok(Self {
            id: row.id,
            user_id: UserId::from_uuid(row.user_id),
            credential_id: row.credential_id,
            credential: row.credential,
            name: row.name,
            backup_eligible: row.backup_eligible,
            backed_up: row.backed_up,
            transports,
            sign_count: row.sign_count,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct CeremonyRow {
    id: Uuid,
    user_id: Option<Uuid>,
    purpose: String,
    mfa_token_hash: Option<String>,
    state: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl TryFrom<CeremonyRow> for crate::Ceremony {
    type Error = crate::StoreError;

    fn try_from(row: CeremonyRow) -> Result<Self, Self::Error> {
        use crate::CeremonyPurpose as P;
        let purpose = match row.purpose.as_str() {
            "register" => P::Register,
            "login" => P::Login,
            "second_factor" => P::SecondFactor,
            other => return Err(crate::StoreError::Corrupt(format!("ceremony purpose {other}"))),
        };
        Ok(Self {
            id: row.id,
            user_id: row.user_id.map(UserId::from_uuid),
            purpose,
            mfa_token: row.mfa_token_hash.map(TokenHash),
            state: row.state,
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct EmailLoginRow {
    token_hash: String,
    user_id: Uuid,
    email: String,
    code_hash: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl EmailLoginRow {
    pub fn into_parts(self) -> (TokenHash, crate::EmailLogin) {
        let login = crate::EmailLogin {
            user_id: UserId::from_uuid(self.user_id),
            email: self.email,
            code_hash: TokenHash(self.code_hash),
            created_at: self.created_at,
            expires_at: self.expires_at,
        };
        (TokenHash(self.token_hash), login)
    }
}
#[derive(sqlx::FromRow)]
pub struct PublicActivityRow {
    id: Uuid,
    action: String,
    at: DateTime<Utc>,
    actor_id: Uuid,
    actor_username: String,
}

impl From<PublicActivityRow> for crate::PublicActivity {
    fn from(row: PublicActivityRow) -> Self {
        Self {
            id: row.id,
            action: row.action,
            at: row.at,
            actor_id: UserId::from_uuid(row.actor_id),
            actor_username: row.actor_username,
        }
    }
}

/// The column list of [`ExportRow`].
pub const EXPORT_COLUMNS: &str =
    "id, user_id, status, progress, created_at, expires_at, finished_at, archive_key, size_bytes";

#[derive(sqlx::FromRow)]
pub struct ExportRow {
    id: Uuid,
    user_id: Uuid,
    status: String,
    progress: i32,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    archive_key: Option<String>,
    size_bytes: Option<i64>,
}

impl TryFrom<ExportRow> for accountd_core::export::Export {
    type Error = crate::StoreError;

    fn try_from(row: ExportRow) -> Result<Self, Self::Error> {
        let status = accountd_core::export::ExportStatus::parse(&row.status)
            .ok_or_else(|| crate::StoreError::Corrupt(format!("export status {:?}", row.status)))?;
        Ok(Self {
            id: accountd_core::ExportId::from_uuid(row.id),
            user_id: UserId::from_uuid(row.user_id),
            status,
            progress: row.progress,
            created_at: row.created_at,
            expires_at: row.expires_at,
            finished_at: row.finished_at,
            archive_key: row.archive_key,
            size_bytes: row.size_bytes,
        })
    }
}
