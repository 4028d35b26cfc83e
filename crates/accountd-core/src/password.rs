//! Password policy and password hashing.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher as _, PasswordVerifier as _, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::DomainError;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;
/// NIST SP 800-63B asks for 15 characters when the password is the only factor.
pub const NIST_MIN_LEN_SINGLE_FACTOR: usize = 15;

/// Which rule set a new password must satisfy (`ACCOUNTD_PASSWORD__POLICY`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    /// 8–128 characters with lower, upper, digit and other characters.
    #[default]
    Complexity,
    /// NIST SP 800-63B: length and a blocklist, no composition rules.
    Nist,
}

/// What the policy knows about the account the password is for.
pub struct PolicyContext<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub two_factor_enabled: bool,
}

/// Checks a new password exactly as sent: no trimming, no truncation.
pub fn check_policy(kind: PolicyKind, password: &str, context: &PolicyContext<'_>) -> Result<(), DomainError> {
    // A byte length past four bytes per character can only be too long; refusing it
    // before counting keeps a megabyte-sized password cheap to reject.
    if password.len() > MAX_LEN * 4 {
        return Err(DomainError::PasswordTooLong(MAX_LEN));
    }
    let length = password.chars().count();
    if length > MAX_LEN {
        return Err(DomainError::PasswordTooLong(MAX_LEN));
    }
    let min_len = match kind {
        PolicyKind::Complexity => MIN_LEN,
        PolicyKind::Nist if context.two_factor_enabled => MIN_LEN,
        PolicyKind::Nist => NIST_MIN_LEN_SINGLE_FACTOR,
    };
    if length < min_len {
        return Err(DomainError::PasswordTooShort(min_len));
    }
    if kind == PolicyKind::Complexity {
        let missing = missing_character_classes(password);
        if !missing.is_empty() {
            return Err(DomainError::PasswordTooWeak(format!("add at least one {}", missing.join(", one "))));
        }
    }
    let lowered = password.to_lowercase();
    if is_common(&lowered) {
        return Err(DomainError::PasswordCommon);
    }
    let email_local = context.email.rsplit_once('@').map_or(context.email, |(local, _)| local);
    if lowered == context.username.to_lowercase()
        || lowered == context.email.to_lowercase()
        || lowered == email_local.to_lowercase()
    {
        return Err(DomainError::PasswordTooWeak("it must not be your username or email".into()));
    }
    Ok(())
}

fn missing_character_classes(password: &str) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !password.chars().any(char::is_lowercase) {
        missing.push("lower-case letter");
    }
    if !password.chars().any(char::is_uppercase) {
        missing.push("upper-case letter");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        missing.push("digit");
    }
    if !password.chars().any(|c| !c.is_alphanumeric()) {
        missing.push("symbol");
    }
    missing
}

/// In the blocklist as it is, or once the digits and symbols people append to a
/// common word to satisfy composition rules are taken off (`Sunshine2024!`).
fn is_common(lowered: &str) -> bool {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| include_str!("../data/common-passwords.txt").lines().collect());
    let stem = lowered.trim_end_matches(|c: char| !c.is_alphabetic());
    list.contains(lowered) || (stem.chars().count() >= 4 && list.contains(stem))
}

/// Argon2's memory cost in KiB (one block is 1 KiB).
const MEMORY_KIB: u32 = 19 * 1024;

/// Argon2id with OWASP's recommended parameters: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    #[allow(clippy::unwrap_used)] // constant parameters inside Argon2's documented bounds
    let params = Params::new(MEMORY_KIB, 2, 1, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Argon2's 19 MiB of working memory, allocated once and reused by every hash a
/// thread computes with [`hash_in`] and [`verify_in`]. Allocating it per hash
/// left the allocator holding a freed 19 MiB block in each of its per-thread
/// arenas: hundreds of MiB of resident memory under a login storm.
pub struct Workspace(Vec<Block>);

impl Workspace {
    pub fn new() -> Self {
        Self(vec![Block::default(); MEMORY_KIB as usize])
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

/// Argon2 of `password` with `salt` into `workspace`, or `None` when the
/// parameters don't fit it (a hash made with more memory than ours).
fn compute(argon2: &Argon2<'_>, password: &SecretString, salt: Salt<'_>, workspace: &mut Workspace) -> Option<Output> {
    let mut salt_buffer = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buffer).ok()?;
    let memory = workspace.0.get_mut(..argon2.params().block_count())?;
    let length = argon2.params().output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    Output::init_with(length, |out| {
        argon2
            .hash_password_into_with_memory(password.expose_secret().as_bytes(), salt, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .ok()
}

/// [`hash`], with Argon2's memory taken from `workspace`.
pub fn hash_in(password: &SecretString, workspace: &mut Workspace) -> PasswordHashString {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = argon2();
    let phc = compute(&argon2, password, salt.as_salt(), workspace).and_then(|output| {
        let params = argon2::password_hash::ParamsString::try_from(argon2.params()).ok()?;
        let hash = PasswordHash {
            algorithm: argon2::ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Some(PasswordHashString(hash.to_string()))
    });
    phc.unwrap_or_else(|| hash(password))
}

/// [`verify`], with Argon2's memory taken from `workspace` when the stored hash's
/// parameters fit in it.
pub fn verify_in(password: &SecretString, stored: Option<&PasswordHashString>, workspace: &mut Workspace) -> bool {
    let (target, real) = match stored {
        Some(hash) => (hash, true),
        None => (dummy_hash(), false),
    };
    let Ok(parsed) = PasswordHash::new(&target.0) else {
        return false;
    };
    let matches = match verify_parsed(password, &parsed, workspace) {
        Some(matches) => matches,
        None => argon2().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok(),
    };
    matches && real
}

fn verify_parsed(password: &SecretString, parsed: &PasswordHash<'_>, workspace: &mut Workspace) -> Option<bool> {
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = match parsed.version {
        Some(version) => Version::try_from(version).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(parsed).ok()?;
    let expected = parsed.hash?;
    let computed = compute(&Argon2::new(algorithm, version, params), password, parsed.salt?, workspace)?;
    // Output's equality is constant-time.
    Some(computed == expected)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHashString(pub String);

/// Hashes a password. CPU-bound for tens of milliseconds: call it off the async workers.
pub fn hash(password: &SecretString) -> PasswordHashString {
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2().hash_password(password.expose_secret().as_bytes(), &salt).map(|hash| hash.to_string());
    // Hashing only fails for parameters or output lengths outside Argon2's bounds, and ours are constant.
    #[allow(clippy::unwrap_used)]
    PasswordHashString(hash.unwrap())
}

/// Verifies a password against a stored hash, or against a dummy hash when there
/// is none, so that an unknown account costs the same time as a known one.
pub fn verify(password: &SecretString, stored: Option<&PasswordHashString>) -> bool {
    let dummy = dummy_hash();
    let (target, real) = match stored {
        Some(hash) => (hash, true),
        None => (dummy, false),
    };
    let Ok(parsed) = PasswordHash::new(&target.0) else {
        return false;
    };
    let matches = argon2().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok();
    matches && real
}

fn dummy_hash() -> &'static PasswordHashString {
    static DUMMY: OnceLock<PasswordHashString> = OnceLock::new();
    DUMMY.get_or_init(|| hash(&SecretString::from(crate::token::random_urlsafe(32))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ctx() -> PolicyContext<'static> {
        PolicyContext { username: "janedoe", email: "jane@example.com", two_factor_enabled: false }
    }

    #[test]
    fn complexity_accepts_a_strong_password() {
        assert_eq!(check_policy(PolicyKind::Complexity, "Correct-Horse-9", &ctx()), Ok(()));
    }

    #[test]
    fn complexity_names_every_missing_class() {
        let Err(DomainError::PasswordTooWeak(message)) = check_policy(PolicyKind::Complexity, "abcdefghij", &ctx())
        else {
            panic!("expected too_weak");
        };
        assert!(message.contains("upper-case"), "{message}");
        assert!(message.contains("digit"), "{message}");
        assert!(message.contains("symbol"), "{message}");
        assert!(!message.contains("lower-case"), "{message}");
    }

    #[test]
    fn length_bounds() {
        assert_eq!(check_policy(PolicyKind::Complexity, "Ab1!", &ctx()), Err(DomainError::PasswordTooShort(8)));
        let long = format!("Ab1!{}", "x".repeat(125));
        assert_eq!(check_policy(PolicyKind::Complexity, &long, &ctx()), Err(DomainError::PasswordTooLong(128)));
        let exact = format!("Ab1!{}", "x".repeat(124));
        assert_eq!(check_policy(PolicyKind::Complexity, &exact, &ctx()), Ok(()));
    }

    #[test]
    fn a_megabyte_is_too_long() {
        let huge = "A1!a".repeat(256 * 1024);
        assert_eq!(check_policy(PolicyKind::Complexity, &huge, &ctx()), Err(DomainError::PasswordTooLong(128)));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Eight characters, sixteen bytes.
        assert_eq!(check_policy(PolicyKind::Complexity, "Ää1!ääää", &ctx()), Ok(()));
    }

    #[test]
    fn whitespace_is_kept() {
        assert_eq!(check_policy(PolicyKind::Complexity, " Ab1!xyz", &ctx()), Ok(()));
        assert_eq!(check_policy(PolicyKind::Complexity, " Ab1!xy ", &ctx()), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert_eq!(check_policy(PolicyKind::Nist, "1qaz2wsx3edc4rfv", &ctx()), Err(DomainError::PasswordCommon));
        assert_eq!(check_policy(PolicyKind::Complexity, "P@ssw0rd", &ctx()), Err(DomainError::PasswordCommon));
        assert_eq!(check_policy(PolicyKind::Complexity, "Sunshine2024!", &ctx()), Err(DomainError::PasswordCommon));
        assert_eq!(check_policy(PolicyKind::Complexity, "Password1!", &ctx()), Err(DomainError::PasswordCommon));
        assert!(is_common("123456"));
        assert!(is_common("qwerty"));
    }

    #[test]
    fn the_blocklist_is_large() {
        assert!(include_str!("../data/common-passwords.txt").lines().count() >= 10_000);
    }

    #[test]
    fn password_equal_to_username_or_email_is_refused() {
        let context = PolicyContext { username: "Tr0ub4dor&3", email: "x@example.com", two_factor_enabled: false };
        assert!(matches!(
            check_policy(PolicyKind::Complexity, "tr0ub4dor&3", &context),
            Err(DomainError::PasswordTooWeak(_))
        ));
        let context =
            PolicyContext { username: "someone", email: "Tr0ub4dor&3@example.com", two_factor_enabled: false };
        assert!(matches!(
            check_policy(PolicyKind::Complexity, "Tr0ub4dor&3@example.com", &context),
            Err(DomainError::PasswordTooWeak(_))
        ));
    }

    #[test]
    fn nist_needs_fifteen_characters_without_2fa_and_no_composition() {
        assert_eq!(check_policy(PolicyKind::Nist, "abcdefghijklmn", &ctx()), Err(DomainError::PasswordTooShort(15)));
        assert_eq!(check_policy(PolicyKind::Nist, "abcdefghijklmnz", &ctx()), Ok(()));
        let with_2fa = PolicyContext { two_factor_enabled: true, ..ctx() };
        assert_eq!(check_policy(PolicyKind::Nist, "lowercaseonly", &with_2fa), Ok(()));
    }

    #[test]
    fn hash_and_verify() {
        let password = SecretString::from("Correct-Horse-9");
        let hash = hash(&password);
        assert!(hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&password, Some(&hash)));
        assert!(!verify(&SecretString::from("correct-horse-9"), Some(&hash)));
        assert!(!verify(&password, None));
        assert!(!verify(&password, Some(&PasswordHashString("garbage".into()))));
    }

    #[test]
    fn workspace_hashes_agree_with_the_allocating_ones() {
        let mut workspace = Workspace::new();
        let password = SecretString::from("Correct-Horse-9");
        let made_in_workspace = hash_in(&password, &mut workspace);
        assert!(made_in_workspace.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&password, Some(&made_in_workspace)));
        let made_alone = hash(&password);
        assert!(verify_in(&password, Some(&made_alone), &mut workspace));
        assert!(verify_in(&password, Some(&made_in_workspace), &mut workspace));
        assert!(!verify_in(&SecretString::from("correct-horse-9"), Some(&made_alone), &mut workspace));
        assert!(!verify_in(&password, None, &mut workspace));
        assert!(!verify_in(&password, Some(&PasswordHashString("garbage".into())), &mut workspace));
    }

    #[test]
    fn hashes_with_more_memory_than_the_workspace_still_verify() {
        let params = Params::new(MEMORY_KIB * 2, 1, 1, None).unwrap();
        let bigger = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let phc = bigger.hash_password(b"Correct-Horse-9", &salt).unwrap().to_string();
        let mut workspace = Workspace::new();
        assert!(verify_in(&SecretString::from("Correct-Horse-9"), Some(&PasswordHashString(phc)), &mut workspace));
    }

    proptest! {
        #[test]
        fn policy_never_panics(password in "\\PC{0,200}") {
            let _ = check_policy(PolicyKind::Complexity, &password, &ctx());
            let _ = check_policy(PolicyKind::Nist, &password, &ctx());
        }

        #[test]
        fn accepted_passwords_satisfy_every_rule(password in "[a-zA-Z0-9!@#$%^&*]{0,140}") {
            if check_policy(PolicyKind::Complexity, &password, &ctx()).is_ok() {
                let length = password.chars().count();
                prop_assert!((MIN_LEN..=MAX_LEN).contains(&length));
                prop_assert!(missing_character_classes(&password).is_empty());
                prop_assert!(!is_common(&password.to_lowercase()));
            }
        }
    }
}
