//! The JSON bodies of the authentication routes: serde deserialisation of each request
//! DTO, then the same validation the use cases apply to its fields (email, username,
//! display name, password policy, referral code, scope). Never a panic; what validates
//! is a fixed point of its own validation.
#![no_main]

use accountd_core::password::{check_policy, PolicyContext, PolicyKind};
use accountd_core::referral::ReferralCode;
use accountd_core::text::{person_text, Lines};
use accountd_core::{Email, Username};
use accountd_server::http::dto::{
    ChangeEmailRequest, ChangePasswordRequest, ChangeUsernameRequest, EmailLoginRequest, EmailLoginVerifyRequest,
    ForgotPasswordRequest, LoginRequest, LoginSecondStepRequest, PasskeyLoginRequest, PasskeySecondStepOptionsRequest,
    RegisterRequest, ResetPasswordRequest, TokenRequest,
};
use libfuzzer_sys::fuzz_target;
use secrecy::ExposeSecret;

fn password(password: &str, username: &str, email: &str) {
    let context = PolicyContext { username, email, two_factor_enabled: false };
    for kind in [PolicyKind::Complexity, PolicyKind::Nist] {
        let first = check_policy(kind, password, &context);
        assert_eq!(first, check_policy(kind, password, &context), "the policy is deterministic");
        if first.is_ok() {
            assert!(password.chars().count() >= 8 && password.len() <= 4 * 128);
        }
    }
}

fn email(text: &str) {
    if let Ok(email) = Email::parse(text) {
        assert_eq!(Email::parse(email.as_str()).ok(), Some(email));
    }
}

fuzz_target!(|body: &[u8]| {
    if let Ok(request) = serde_json::from_slice::<RegisterRequest>(body) {
        email(&request.email);
        if let Ok(username) = Username::parse(&request.username) {
            assert_eq!(Username::parse(username.as_str()).ok(), Some(username));
        }
        if let Some(name) = &request.display_name {
            if let Ok(clean) = person_text("displayName", name.trim(), Lines::One) {
                assert!(!clean.contains('\n') && !clean.contains('\u{202e}'));
                assert_eq!(person_text("displayName", &clean, Lines::One).ok(), Some(clean.clone()));
            }
        }
        if let Some(secret) = &request.password {
            password(secret.expose_secret(), &request.username, &request.email);
        }
        if let Some(code) = &request.referral_code {
            if let Ok(code) = ReferralCode::parse(code.trim()) {
                assert_eq!(ReferralCode::parse(code.as_str()).ok(), Some(code));
            }
        }
    }
    if let Ok(request) = serde_json::from_slice::<LoginRequest>(body) {
        email(&request.identifier);
        let _ = Username::parse(&request.identifier);
        let _ = request.password.expose_secret().len();
    }
    if let Ok(request) = serde_json::from_slice::<ResetPasswordRequest>(body) {
        password(request.new_password.expose_secret(), "", "");
    }
    if let Ok(request) = serde_json::from_slice::<ChangePasswordRequest>(body) {
        password(request.new_password.expose_secret(), "jane", "jane@example.com");
    }
    if let Ok(request) = serde_json::from_slice::<ChangeUsernameRequest>(body) {
        let _ = Username::parse(&request.username);
    }
    if let Ok(request) = serde_json::from_slice::<ChangeEmailRequest>(body) {
        email(&request.email);
    }
    if let Ok(request) = serde_json::from_slice::<ForgotPasswordRequest>(body) {
        email(&request.email);
    }
    if let Ok(request) = serde_json::from_slice::<EmailLoginRequest>(body) {
        email(&request.email);
    }
    if let Ok(request) = serde_json::from_slice::<EmailLoginVerifyRequest>(body) {
        if let Some(address) = &request.email {
            email(address);
        }
    }
    let _ = serde_json::from_slice::<TokenRequest>(body);
    let _ = serde_json::from_slice::<LoginSecondStepRequest>(body);
    let _ = serde_json::from_slice::<PasskeySecondStepOptionsRequest>(body);
    let _ = serde_json::from_slice::<PasskeyLoginRequest>(body);
});
