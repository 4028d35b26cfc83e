//! What an account's activity records: one action per row, named on the wire by the
//! dotted names of the API contract. Streams and webhooks will carry the same names.

use serde::{Deserialize, Serialize};

/// Declares the actions once: each variant with its wire name.
macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ActivityAction {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
        }

        impl ActivityAction {
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The wire name, as stored and as answered.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    UserRegistered => "user.registered",
    AuthLogin => "auth.login",
    AuthLoginFailed => "auth.login_failed",
    AuthLogout => "auth.logout",
    EmailVerified => "email.verified",
    EmailChangeRequested => "email.change_requested",
    EmailChanged => "email.changed",
    PasswordChanged => "password.changed",
    PasswordReset => "password.reset",
    UsernameChanged => "username.changed",
    ProfileUpdated => "profile.updated",
    TwoFactorEnabled => "2fa.enabled",
    TwoFactorDisabled => "2fa.disabled",
    RecoveryCodesRegenerated => "2fa.recovery_codes_regenerated",
    RecoveryCodeUsed => "2fa.recovery_code_used",
    PasskeyAdded => "passkey.added",
    PasskeyRemoved => "passkey.removed",
    SessionRevoked => "session.revoked",
    TokenCreated => "token.created",
    TokenRevoked => "token.revoked",
    UploadTokenRegenerated => "upload_token.regenerated",
    AccountLinked => "account.linked",
    AccountUnlinked => "account.unlinked",
    /// Not emitted yet: media is on the roadmap.
    AvatarChanged => "avatar.changed",
    /// Not emitted yet: media is on the roadmap.
    BannerChanged => "banner.changed",
    AddressAdded => "address.added",
    AddressVerified => "address.verified",
    AddressRemoved => "address.removed",
    /// Not emitted yet: data export is on the roadmap.
    ExportCompleted => "export.completed",
    AccountDeleted => "account.deleted",
    AdminRoleChanged => "admin.role_changed",
    AdminUserBanned => "admin.user_banned",
    AdminUserUnbanned => "admin.user_unbanned",
    AdminEmailVerifiedChanged => "admin.email_verified_changed",
    AdminLimitsChanged => "admin.limits_changed",
    AdminSessionsRevoked => "admin.sessions_revoked",
    AdminUserDeleted => "admin.user_deleted",
    /// An administrator credited the account (metadata: amount, reason, the admin's id).
    CreditsGranted => "credits.granted",
    /// An administrator debited the account (metadata: amount, reason, the admin's id).
    CreditsDebited => "credits.debited",
    /// Someone registered with the account's referral code and the reward was credited.
    ReferralRewarded => "referral.rewarded",
    ReferralCodeChanged => "referral.code_changed",
    UploadDomainChanged => "upload_domain.changed",
}

impl ActivityAction {
    /// The actions the public feed shows (`GET /v1/action-logs`), of any account.
    pub const PUBLIC: [Self; 3] = [Self::UserRegistered, Self::UsernameChanged, Self::AvatarChanged];

    pub fn is_public(self) -> bool {
        Self::PUBLIC.contains(&self)
    }

    /// The action of a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|action| action.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::ActivityAction as A;

    #[test]
    fn every_action_round_trips_to_its_name_in_the_contract() {
        // API.md "Activity", in its order, then the administrators' actions.
        let names = [
            (A::UserRegistered, "user.registered"),
            (A::AuthLogin, "auth.login"),
            (A::AuthLoginFailed, "auth.login_failed"),
            (A::AuthLogout, "auth.logout"),
            (A::EmailVerified, "email.verified"),
            (A::EmailChangeRequested, "email.change_requested"),
            (A::EmailChanged, "email.changed"),
            (A::PasswordChanged, "password.changed"),
            (A::PasswordReset, "password.reset"),
            (A::UsernameChanged, "username.changed"),
            (A::ProfileUpdated, "profile.updated"),
            (A::TwoFactorEnabled, "2fa.enabled"),
            (A::TwoFactorDisabled, "2fa.disabled"),
            (A::RecoveryCodesRegenerated, "2fa.recovery_codes_regenerated"),
            (A::RecoveryCodeUsed, "2fa.recovery_code_used"),
            (A::PasskeyAdded, "passkey.added"),
            (A::PasskeyRemoved, "passkey.removed"),
            (A::SessionRevoked, "session.revoked"),
            (A::TokenCreated, "token.created"),
            (A::TokenRevoked, "token.revoked"),
            (A::UploadTokenRegenerated, "upload_token.regenerated"),
            (A::AccountLinked, "account.linked"),
            (A::AccountUnlinked, "account.unlinked"),
            (A::AvatarChanged, "avatar.changed"),
            (A::BannerChanged, "banner.changed"),
            (A::AddressAdded, "address.added"),
            (A::AddressVerified, "address.verified"),
            (A::AddressRemoved, "address.removed"),
            (A::ExportCompleted, "export.completed"),
            (A::AccountDeleted, "account.deleted"),
            (A::AdminRoleChanged, "admin.role_changed"),
            (A::AdminUserBanned, "admin.user_banned"),
            (A::AdminUserUnbanned, "admin.user_unbanned"),
            (A::AdminEmailVerifiedChanged, "admin.email_verified_changed"),
            (A::AdminLimitsChanged, "admin.limits_changed"),
            (A::AdminSessionsRevoked, "admin.sessions_revoked"),
            (A::AdminUserDeleted, "admin.user_deleted"),
            (A::CreditsGranted, "credits.granted"),
            (A::CreditsDebited, "credits.debited"),
            (A::ReferralRewarded, "referral.rewarded"),
            (A::ReferralCodeChanged, "referral.code_changed"),
            (A::UploadDomainChanged, "upload_domain.changed"),
        ];
        assert_eq!(names.len(), A::ALL.len(), "every action is listed here");
        for (action, name) in names {
            assert_eq!(action.as_str(), name);
            assert_eq!(serde_json::to_value(action).unwrap(), name);
            assert_eq!(serde_json::from_value::<A>(name.into()).unwrap(), action);
        }
    }
}
