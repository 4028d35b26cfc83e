//! The one error path of the HTTP layer: every failure becomes an [`ApiError`],
//! whose status and code come from the single table in [`domain_status`].

use std::collections::BTreeMap;

use accountd_core::DomainError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::usecases::AppError;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status, repeated.
    #[schema(example = 409)]
    pub status: u16,
    /// Stable, machine-readable `area:reason`.
    #[schema(example = "user:email_taken")]
    pub code: &'static str,
    /// For humans.
    #[schema(example = "An account with this email already exists.")]
    pub message: String,
    /// Per-field problems of a validation error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Option<BTreeMap<String, String>>,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), fields: None, retry_after_secs: None }
    }

    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "request:invalid_body", message)
    }

    /// A request hyper could not parse: the accept loop answers it (see `http::server`).
    pub fn malformed_request() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "request:malformed", "The request is not valid HTTP.")
    }

    pub fn uri_too_long() -> Self {
        Self::new(StatusCode::URI_TOO_LONG, "request:uri_too_long", "The request URI is too long.")
    }

    pub fn headers_too_large() -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request:headers_too_large",
            "The request headers are too large.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "request:not_found", "There is nothing at this path.")
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server:internal", "Something went wrong on our side.")
    }

    pub fn unauthenticated() -> Self {
        DomainError::Unauthenticated.into()
    }

    pub fn into_body(self) -> ErrorBody {
        ErrorBody { status: self.status.as_u16(), code: self.code, message: self.message, fields: self.fields }
    }
}

/// The table from a domain refusal to its status and code.
pub fn domain_status(error: &DomainError) -> (StatusCode, &'static str) {
    use DomainError as E;
    match error {
        E::InvalidEmail => (StatusCode::BAD_REQUEST, "validation:invalid_email"),
        E::InvalidUsername(_) => (StatusCode::BAD_REQUEST, "validation:invalid_username"),
        E::ReservedUsername => (StatusCode::BAD_REQUEST, "validation:reserved_username"),
        E::Validation(_) => (StatusCode::BAD_REQUEST, "validation:invalid_input"),
        E::EmailTaken => (StatusCode::CONFLICT, "user:email_taken"),
        E::UsernameTaken => (StatusCode::CONFLICT, "user:username_taken"),
        E::PasswordTooShort(_) => (StatusCode::BAD_REQUEST, "password:too_short"),
        E::PasswordTooLong(_) => (StatusCode::BAD_REQUEST, "password:too_long"),
        E::PasswordTooWeak(_) => (StatusCode::BAD_REQUEST, "password:too_weak"),
        E::PasswordCommon => (StatusCode::BAD_REQUEST, "password:common"),
        E::InvalidCredentials => (StatusCode::UNAUTHORIZED, "auth:invalid_credentials"),
        E::Unauthenticated => (StatusCode::UNAUTHORIZED, "auth:unauthenticated"),
        E::AccountBanned => (StatusCode::FORBIDDEN, "auth:account_banned"),
        E::EmailNotVerified => (StatusCode::FORBIDDEN, "auth:email_not_verified"),
        E::CsrfRejected => (StatusCode::FORBIDDEN, "auth:csrf_rejected"),
        E::SessionNotFound => (StatusCode::NOT_FOUND, "session:not_found"),
        E::UserNotFound => (StatusCode::NOT_FOUND, "user:not_found"),
        E::UnknownReferralCode => (StatusCode::BAD_REQUEST, "referral:unknown_code"),
        E::InvalidToken => (StatusCode::BAD_REQUEST, "token:invalid"),
        E::EmailAlreadyVerified => (StatusCode::CONFLICT, "email:already_verified"),
        E::NoPendingEmailChange => (StatusCode::CONFLICT, "email:no_pending_change"),
        E::PasswordReused => (StatusCode::BAD_REQUEST, "password:reused"),
        E::AddressTaken => (StatusCode::CONFLICT, "address:taken"),
        E::AddressNotFound => (StatusCode::NOT_FOUND, "address:not_found"),
        E::AddressAlreadyVerified => (StatusCode::CONFLICT, "address:already_verified"),
        E::InsufficientScope => (StatusCode::FORBIDDEN, "auth:insufficient_scope"),
        E::SessionRequired => (StatusCode::FORBIDDEN, "auth:session_required"),
        E::Forbidden => (StatusCode::FORBIDDEN, "auth:forbidden"),
        E::InvalidScope => (StatusCode::BAD_REQUEST, "token:invalid_scope"),
        E::TokenNotFound => (StatusCode::NOT_FOUND, "token:not_found"),
        E::LimitExceeded(_) => (StatusCode::CONFLICT, "limit:exceeded"),
        E::TwoFactorAlreadyEnabled => (StatusCode::CONFLICT, "2fa:already_enabled"),
        E::TwoFactorNotEnabled => (StatusCode::CONFLICT, "2fa:not_enabled"),
        E::TwoFactorNoPendingSetup => (StatusCode::CONFLICT, "2fa:no_pending_setup"),
        E::TwoFactorSetupCodeInvalid => (StatusCode::BAD_REQUEST, "2fa:invalid_code"),
        E::TwoFactorCodeInvalid => (StatusCode::UNAUTHORIZED, "2fa:invalid_code"),
        E::MfaTokenInvalid => (StatusCode::UNAUTHORIZED, "auth:mfa_token_invalid"),
        // The contract's one code without an area.
        E::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        E::ExportNotFound => (StatusCode::NOT_FOUND, "export:not_found"),
        E::ExportInProgress => (StatusCode::CONFLICT, "export:in_progress"),
        E::ExportNotReady => (StatusCode::CONFLICT, "export:not_ready"),
        E::OAuthUnknownProvider => (StatusCode::NOT_FOUND, "oauth:unknown_provider"),
        E::OAuthInvalidState => (StatusCode::BAD_REQUEST, "oauth:invalid_state"),
        E::OAuthInvalidRedirectUri => (StatusCode::BAD_REQUEST, "oauth:invalid_redirect_uri"),
        E::OAuthProviderError => (StatusCode::BAD_GATEWAY, "oauth:provider_error"),
        E::OAuthAccountExists => (StatusCode::CONFLICT, "oauth:account_exists"),
        E::OAuthIdentityInUse => (StatusCode::CONFLICT, "oauth:identity_in_use"),
        E::OAuthAlreadyLinked => (StatusCode::CONFLICT, "oauth:already_linked"),
        E::OAuthNotLinked => (StatusCode::CONFLICT, "oauth:not_linked"),
        E::OAuthLastLoginMethod => (StatusCode::CONFLICT, "oauth:last_login_method"),
        E::SignupTokenInvalid => (StatusCode::BAD_REQUEST, "token:invalid"),
        E::AdminSelf => (StatusCode::CONFLICT, "admin:self"),
        E::LastAdmin => (StatusCode::CONFLICT, "admin:last_admin"),
        E::WebhookForbiddenTarget => (StatusCode::BAD_REQUEST, "webhook:forbidden_target"),
        E::MediaTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "media:too_large"),
        E::MediaUnsupportedType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "media:unsupported_type"),
        E::MediaInvalidImage => (StatusCode::BAD_REQUEST, "media:invalid_image"),
        E::MediaNotFound => (StatusCode::NOT_FOUND, "media:not_found"),
        E::PasskeyInvalidResponse => (StatusCode::UNAUTHORIZED, "passkey:invalid_response"),
        E::PasskeyRegistrationInvalid => (StatusCode::BAD_REQUEST, "passkey:invalid_response"),
        E::PasskeyAlreadyRegistered => (StatusCode::CONFLICT, "passkey:already_registered"),
        E::PasskeyNotFound => (StatusCode::NOT_FOUND, "passkey:not_found"),
        E::SignInMethodDisabled => (StatusCode::NOT_FOUND, "request:not_found"),
        E::LastLoginMethod => (StatusCode::CONFLICT, "auth:last_login_method"),
        E::ReferralCodeTaken => (StatusCode::CONFLICT, "referral:code_taken"),
        E::SelfReferral => (StatusCode::BAD_REQUEST, "referral:self_referral"),
        E::UploadDomainNotFound => (StatusCode::NOT_FOUND, "domain:not_found"),
        E::UploadDomainNotVerified => (StatusCode::BAD_REQUEST, "domain:not_verified"),
        E::WebhookNotConfigured => (StatusCode::BAD_REQUEST, "webhook:not_configured"),
        E::WebhookRejected => (StatusCode::BAD_GATEWAY, "webhook:rejected"),
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        let (status, code) = domain_status(&error);
        let fields = match &error {
            DomainError::Validation(fields) => {
                Some(fields.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect())
            }
            DomainError::InvalidUsername(problem) => {
                Some(BTreeMap::from([("username".to_string(), (*problem).to_string())]))
            }
            _ => None,
        };
        let retry_after_secs = match error {
            DomainError::RateLimited { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        };
        Self { status, code, message: error.to_string(), fields, retry_after_secs }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Domain(error) => error.into(),
            AppError::Overloaded => Self {
                retry_after_secs: Some(1),
                ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "server:overloaded", "The server is busy; retry shortly.")
            },
            AppError::Unavailable(reason) => {
                tracing::warn!(reason = %source_chain(&reason), "database unavailable");
                Self {
                    retry_after_secs: Some(1),
                    ..Self::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "server:unavailable",
                        "The database is unavailable; retry shortly.",
                    )
                }
            }
            AppError::MediaUnavailable(reason) => {
                tracing::warn!(reason = %source_chain(reason.as_ref()), "media storage unavailable");
                Self {
                    retry_after_secs: Some(5),
                    ..Self::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "media:storage_unavailable",
                        "The picture could not be stored; retry shortly. Nothing was changed.",
                    )
                }
            }
            AppError::StorageFull(reason) => {
                tracing::error!(reason = %source_chain(&reason), "database out of storage");
                Self::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "server:storage_full",
                    "The server has no room left to store this; nothing was changed.",
                )
            }
            AppError::Internal(reason) => {
                // The reason may name tables or drivers: it goes to the log, never to the client.
                tracing::error!(reason = %source_chain(reason.as_ref()), "request failed");
                Self::internal()
            }
        }
    }
}

/// An error and each of its causes, outermost first, as one line for the log.
fn source_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(" <- ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, retry_after_secs) = (self.status, self.retry_after_secs);
        let mut response = (status, axum::Json(self.into_body())).into_response();
        if let Some(seconds) = retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_error_has_a_stable_code_in_its_area() {
        let all = [
            DomainError::InvalidEmail,
            DomainError::InvalidUsername("x"),
            DomainError::ReservedUsername,
            DomainError::field("x", "y"),
            DomainError::EmailTaken,
            DomainError::UsernameTaken,
            DomainError::PasswordTooShort(8),
            DomainError::PasswordTooLong(128),
            DomainError::PasswordTooWeak("x".into()),
            DomainError::PasswordCommon,
            DomainError::InvalidCredentials,
            DomainError::Unauthenticated,
            DomainError::AccountBanned,
            DomainError::EmailNotVerified,
            DomainError::CsrfRejected,
            DomainError::SessionNotFound,
            DomainError::UserNotFound,
            DomainError::UnknownReferralCode,
            DomainError::InvalidToken,
            DomainError::EmailAlreadyVerified,
            DomainError::NoPendingEmailChange,
            DomainError::PasswordReused,
            DomainError::AddressTaken,
            DomainError::AddressNotFound,
            DomainError::AddressAlreadyVerified,
            DomainError::TwoFactorAlreadyEnabled,
            DomainError::TwoFactorNotEnabled,
            DomainError::TwoFactorNoPendingSetup,
            DomainError::TwoFactorSetupCodeInvalid,
            DomainError::TwoFactorCodeInvalid,
            DomainError::MfaTokenInvalid,
            DomainError::RateLimited { retry_after_secs: 60 },
            DomainError::ExportNotFound,
            DomainError::ExportInProgress,
            DomainError::ExportNotReady,
            DomainError::InsufficientScope,
            DomainError::SessionRequired,
            DomainError::Forbidden,
            DomainError::InvalidScope,
            DomainError::TokenNotFound,
            DomainError::LimitExceeded("x"),
            DomainError::OAuthUnknownProvider,
            DomainError::OAuthInvalidState,
            DomainError::OAuthInvalidRedirectUri,
            DomainError::OAuthProviderError,
            DomainError::OAuthAccountExists,
            DomainError::OAuthIdentityInUse,
            DomainError::OAuthAlreadyLinked,
            DomainError::OAuthNotLinked,
            DomainError::OAuthLastLoginMethod,
            DomainError::SignupTokenInvalid,
            DomainError::AdminSelf,
            DomainError::LastAdmin,
            DomainError::WebhookForbiddenTarget,
            DomainError::MediaTooLarge,
            DomainError::MediaUnsupportedType,
            DomainError::MediaInvalidImage,
            DomainError::MediaNotFound,
            DomainError::PasskeyInvalidResponse,
            DomainError::PasskeyRegistrationInvalid,
            DomainError::PasskeyAlreadyRegistered,
            DomainError::PasskeyNotFound,
            DomainError::SignInMethodDisabled,
            DomainError::LastLoginMethod,
            DomainError::ReferralCodeTaken,
            DomainError::SelfReferral,
            DomainError::UploadDomainNotFound,
            DomainError::UploadDomainNotVerified,
            DomainError::WebhookNotConfigured,
            DomainError::WebhookRejected,
        ];
        for error in all {
            let (status, code) = domain_status(&error);
            // A provider (or webhook receiver) that fails is not the client's fault.
            if matches!(error, DomainError::OAuthProviderError | DomainError::WebhookRejected) {
                assert_eq!(status, StatusCode::BAD_GATEWAY);
            } else {
                assert!(status.is_client_error(), "{error:?} maps to {status}");
            }
            // The contract names one code without an area: `rate_limited`.
            if code != "rate_limited" {
                let (area, reason) = code.split_once(':').expect("area:reason");
                assert!(!area.is_empty() && !reason.is_empty());
            }
        }
        assert_eq!(domain_status(&DomainError::EmailTaken), (StatusCode::CONFLICT, "user:email_taken"));
        assert_eq!(
            domain_status(&DomainError::InvalidCredentials),
            (StatusCode::UNAUTHORIZED, "auth:invalid_credentials")
        );
        assert_eq!(domain_status(&DomainError::LastAdmin), (StatusCode::CONFLICT, "admin:last_admin"));
        assert_eq!(
            domain_status(&DomainError::WebhookForbiddenTarget),
            (StatusCode::BAD_REQUEST, "webhook:forbidden_target")
        );
        assert_eq!(domain_status(&DomainError::CsrfRejected), (StatusCode::FORBIDDEN, "auth:csrf_rejected"));
        assert_eq!(domain_status(&DomainError::LimitExceeded("x")), (StatusCode::CONFLICT, "limit:exceeded"));
        assert_eq!(domain_status(&DomainError::InsufficientScope), (StatusCode::FORBIDDEN, "auth:insufficient_scope"));
        assert_eq!(domain_status(&DomainError::SessionRequired), (StatusCode::FORBIDDEN, "auth:session_required"));
        assert_eq!(domain_status(&DomainError::OAuthAccountExists), (StatusCode::CONFLICT, "oauth:account_exists"));
        assert_eq!(
            domain_status(&DomainError::OAuthLastLoginMethod),
            (StatusCode::CONFLICT, "oauth:last_login_method")
        );
        assert_eq!(
            domain_status(&DomainError::TwoFactorSetupCodeInvalid),
            (StatusCode::BAD_REQUEST, "2fa:invalid_code")
        );
        assert_eq!(domain_status(&DomainError::TwoFactorCodeInvalid), (StatusCode::UNAUTHORIZED, "2fa:invalid_code"));
        assert_eq!(domain_status(&DomainError::MfaTokenInvalid), (StatusCode::UNAUTHORIZED, "auth:mfa_token_invalid"));
        assert_eq!(domain_status(&DomainError::MediaTooLarge), (StatusCode::PAYLOAD_TOO_LARGE, "media:too_large"));
        assert_eq!(
            domain_status(&DomainError::MediaUnsupportedType),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "media:unsupported_type")
        );
        assert_eq!(domain_status(&DomainError::MediaInvalidImage), (StatusCode::BAD_REQUEST, "media:invalid_image"));
        // One code, two statuses: a failed login is the caller's identity, a failed registration the request.
        assert_eq!(
            domain_status(&DomainError::PasskeyInvalidResponse),
            (StatusCode::UNAUTHORIZED, "passkey:invalid_response")
        );
        assert_eq!(
            domain_status(&DomainError::PasskeyRegistrationInvalid),
            (StatusCode::BAD_REQUEST, "passkey:invalid_response")
        );
        assert_eq!(domain_status(&DomainError::LastLoginMethod), (StatusCode::CONFLICT, "auth:last_login_method"));
        assert_eq!(domain_status(&DomainError::ReferralCodeTaken), (StatusCode::CONFLICT, "referral:code_taken"));
        assert_eq!(domain_status(&DomainError::UploadDomainNotFound), (StatusCode::NOT_FOUND, "domain:not_found"));
        assert_eq!(
            domain_status(&DomainError::UploadDomainNotVerified),
            (StatusCode::BAD_REQUEST, "domain:not_verified")
        );
        assert_eq!(domain_status(&DomainError::WebhookRejected), (StatusCode::BAD_GATEWAY, "webhook:rejected"));
    }

    #[test]
    fn rate_limited_carries_retry_after() {
        let api: ApiError = DomainError::RateLimited { retry_after_secs: 42 }.into();
        assert_eq!(
            (api.status, api.code, api.retry_after_secs),
            (StatusCode::TOO_MANY_REQUESTS, "rate_limited", Some(42))
        );
    }

    #[test]
    fn internal_errors_do_not_leak_their_reason() {
        let api: ApiError = AppError::Internal("relation \"users\" does not exist".into()).into();
        assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!api.message.contains("users"));
    }

    #[test]
    fn the_log_line_of_an_internal_error_names_every_cause() {
        #[derive(Debug, thiserror::Error)]
        #[error("reading the session failed")]
        struct Outer(#[source] std::io::Error);
        let cause = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "the database hung up");
        let AppError::Internal(reason) = AppError::Internal(Box::new(Outer(cause))) else { unreachable!() };
        assert_eq!(source_chain(reason.as_ref()), "reading the session failed <- the database hung up");
    }

    #[test]
    fn overload_asks_to_retry() {
        let api: ApiError = AppError::Overloaded.into();
        assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(api.retry_after_secs, Some(1));
    }
}
