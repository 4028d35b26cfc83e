use std::collections::BTreeMap;

/// Every way an account operation can be refused by the rules of the domain.
/// The HTTP layer maps each variant to one status and one stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("The email address is not valid.")]
    InvalidEmail,
    #[error("The username is not valid: {0}.")]
    InvalidUsername(&'static str),
    #[error("This username is reserved.")]
    ReservedUsername,
    #[error("An account with this email already exists.")]
    EmailTaken,
    #[error("This username is already taken.")]
    UsernameTaken,
    #[error("The password must be at least {0} characters long.")]
    PasswordTooShort(usize),
    #[error("The password must be at most {0} characters long.")]
    PasswordTooLong(usize),
    #[error("The password is too weak: {0}.")]
    PasswordTooWeak(String),
    #[error("This password is too common; choose another one.")]
    PasswordCommon,
    #[error("The identifier or password is wrong.")]
    InvalidCredentials,
    #[error("Authentication is required.")]
    Unauthenticated,
    #[error("This account is banned.")]
    AccountBanned,
    #[error("The email address of this account must be verified first.")]
    EmailNotVerified,
    #[error("The request's origin is not allowed.")]
    CsrfRejected,
    #[error("No such session.")]
    SessionNotFound,
    #[error("No such user.")]
    UserNotFound,
    #[error("The referral code is unknown.")]
    UnknownReferralCode,
    #[error("The token is invalid, used or expired.")]
    InvalidToken,
    #[error("The email address is already verified.")]
    EmailAlreadyVerified,
    #[error("There is no pending email change.")]
    NoPendingEmailChange,
    #[error("This password was used recently; choose another one.")]
    PasswordReused,
    #[error("This address is already in use.")]
    AddressTaken,
    #[error("No such address.")]
    AddressNotFound,
    #[error("This address is already verified.")]
    AddressAlreadyVerified,
    #[error("This credential does not have the scope this call needs.")]
    InsufficientScope,
    #[error("This call needs a session; personal access tokens cannot make it.")]
    SessionRequired,
    #[error("You are not allowed to do this.")]
    Forbidden,
    #[error("Unknown scope; the scopes are user:read and user:write.")]
    InvalidScope,
    #[error("No such token.")]
    TokenNotFound,
    #[error("This account has reached its limit of {0}.")]
    LimitExceeded(&'static str),
    #[error("Two-factor authentication is already enabled.")]
    TwoFactorAlreadyEnabled,
    #[error("Two-factor authentication is not enabled.")]
    TwoFactorNotEnabled,
    #[error("There is no pending two-factor setup; start with setup.")]
    TwoFactorNoPendingSetup,
    /// A wrong code while turning two-factor on (the request is at fault, not the caller's identity).
    #[error("The code is wrong or expired.")]
    TwoFactorSetupCodeInvalid,
    /// A wrong, missing or replayed TOTP or recovery code where it proves who the caller is.
    #[error("The two-factor code is wrong, used or expired.")]
    TwoFactorCodeInvalid,
    #[error("The login step is unknown, used or expired; sign in again.")]
    MfaTokenInvalid,
    #[error("Too many requests; try again later.")]
    RateLimited { retry_after_secs: u64 },
    #[error("No such export.")]
    ExportNotFound,
    #[error("An export of this account is already in progress.")]
    ExportInProgress,
    #[error("The export's archive is not ready.")]
    ExportNotReady,
    #[error("No such social login provider.")]
    OAuthUnknownProvider,
    #[error("The sign-in request is unknown, was already used, or expired; start again.")]
    OAuthInvalidState,
    #[error("This redirect URI is not allowed.")]
    OAuthInvalidRedirectUri,
    #[error("The social login provider did not complete the sign-in.")]
    OAuthProviderError,
    #[error(
        "An account with this email already exists; log in to it and link this provider from the account settings."
    )]
    OAuthAccountExists,
    #[error("This identity is already linked to another account.")]
    OAuthIdentityInUse,
    #[error("Another identity of this provider is already linked to the account; unlink it first.")]
    OAuthAlreadyLinked,
    #[error("This provider is not linked to the account.")]
    OAuthNotLinked,
    #[error("This is the only way left to log in; set a password or link another provider first.")]
    OAuthLastLoginMethod,
    #[error("The sign-up token is unknown, was already used, or expired.")]
    SignupTokenInvalid,
    #[error("Administrators cannot ban themselves.")]
    AdminSelf,
    #[error("This is the last administrator; make another account an administrator first.")]
    LastAdmin,
    #[error(
        "This address is not an allowed target: loopback, private, link-local and metadata addresses are refused."
    )]
    WebhookForbiddenTarget,
    #[error("The file is larger than 5 MiB.")]
    MediaTooLarge,
    #[error("The file is not a JPEG, PNG, WebP or GIF image.")]
    MediaUnsupportedType,
    #[error("The image cannot be decoded, or it declares more than 40 megapixels.")]
    MediaInvalidImage,
    #[error("No such media.")]
    MediaNotFound,
    /// A passkey assertion that proves nothing: unknown credential, bad signature, wrong
    /// origin or relying party, an unknown, expired or reused ceremony, a counter gone back.
    #[error("The passkey response is not valid; start again.")]
    PasskeyInvalidResponse,
    /// The same, for a registration (the request is at fault, not the caller's identity).
    #[error("The passkey registration response is not valid; start again.")]
    PasskeyRegistrationInvalid,
    #[error("This passkey is already registered.")]
    PasskeyAlreadyRegistered,
    #[error("No such passkey.")]
    PasskeyNotFound,
    /// Passkeys are off (no usable relying-party id) or sign-in by email is turned off.
    #[error("This way to sign in is not available on this server.")]
    SignInMethodDisabled,
    #[error("This is the only way left to log in; set a password or add another way first.")]
    LastLoginMethod,
    #[error("This referral code is already taken.")]
    ReferralCodeTaken,
    #[error("An account cannot be referred by its own code.")]
    SelfReferral,
    #[error("No such upload domain.")]
    UploadDomainNotFound,
    #[error("This upload domain is not verified yet.")]
    UploadDomainNotVerified,
    #[error("No Discord webhook is configured; set discordWebhookUrl first.")]
    WebhookNotConfigured,
    #[error("The webhook did not accept the message.")]
    WebhookRejected,
    #[error("Some fields are invalid.")]
    Validation(BTreeMap<&'static str, String>),
}

impl DomainError {
    /// A validation failure of a single field.
    pub fn field(name: &'static str, problem: impl Into<String>) -> Self {
        Self::Validation(BTreeMap::from([(name, problem.into())]))
    }
}
