//! The account and the records that hang off it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::password::PasswordHashString;
use crate::{Email, SessionId, UserId, Username};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }

    pub fn parse(stored: &str) -> Self {
        if stored == "admin" {
            Self::Admin
        } else {
            Self::User
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    pub theme: Theme,
    pub streamer_mode: bool,
    pub locale: String,
}

impl Default for Preferences {
    fn default() -> Self {
        Self { theme: Theme::System, streamer_mode: false, locale: "en".into() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailNotifications {
    pub security: bool,
    pub product: bool,
    pub weekly_digest: bool,
}

impl Default for EmailNotifications {
    fn default() -> Self {
        Self { security: true, product: false, weekly_digest: false }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    pub email: EmailNotifications,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub email_verified: bool,
    pub username: Username,
    pub display_name: Option<String>,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub banner_url: Option<String>,
    pub role: Role,
    pub banned: bool,
    pub password_hash: Option<PasswordHashString>,
    pub two_factor_enabled: bool,
    pub preferences: Preferences,
    pub notifications: Notifications,
    pub discord_webhook_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Bytes of the account's stored media (avatar and banner), counted toward its storage.
    pub media_bytes: i64,
    /// The upload domain the account selected; `None` means the instance's default.
    pub upload_domain: Option<String>,
}

/// The device a session or login came from, as read from its user agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub browser: String,
    pub version: String,
    pub os: String,
    pub platform: String,
    pub is_bot: bool,
}

impl Device {
    pub fn unknown() -> Self {
        let unknown = || "unknown".to_string();
        Self { browser: unknown(), version: unknown(), os: unknown(), platform: unknown(), is_bot: false }
    }
}

/// Where a request came from, as far as the server can tell.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device: Device,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device: Device,
}

/// One login attempt against an account, successful or not.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    pub user_id: UserId,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device: Device,
    pub success: bool,
    pub method: String,
    pub failure_reason: Option<String>,
}

/// A security-relevant event in an account's history (`user.registered`, `auth.login`, …).
#[derive(Debug, Clone)]
pub struct Activity {
    pub id: uuid::Uuid,
    pub user_id: Option<UserId>,
    pub action: String,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub metadata: serde_json::Value,
}
