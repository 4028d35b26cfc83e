//! Mail as the domain sees it: rendered messages waiting for delivery, and the
//! single-use tokens that mail carries.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::UserId;

/// A rendered message, ready to be queued for delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutgoingMail {
    pub id: Uuid,
    /// A parsed [`crate::Email`], so it can't carry header-breaking characters.
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
}

/// What an email token proves when it comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
    VerifyAddress,
}

impl TokenPurpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::ChangeEmail => "change_email",
            Self::VerifyAddress => "verify_address",
        }
    }

    /// How long a token stays good (API.md: verification 24 h, reset 1 h, email change 24 h).
    pub fn lifetime(self) -> Duration {
        match self {
            Self::ResetPassword => Duration::hours(1),
            Self::VerifyEmail | Self::ChangeEmail | Self::VerifyAddress => Duration::hours(24),
        }
    }
}

/// An email token as stored (by hash) and as returned when it is consumed.
#[derive(Debug, Clone)]
pub struct EmailToken {
    pub user_id: UserId,
    pub purpose: TokenPurpose,
    /// The address the token was sent to.
    pub email: String,
    pub address_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An additional email address of an account.
#[derive(Debug, Clone)]
pub struct Address {
    pub id: Uuid,
    pub user_id: UserId,
    pub address: String,
    pub is_verified: bool,
    pub added_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
}
