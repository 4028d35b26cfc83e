use std::fmt;

use crate::DomainError;

/// A username: 3–32 of `a-z 0-9 _ -`, starting with a letter or digit, lower-cased.
/// Because it is lower-cased once here, equality of `Username`s is the
/// case-insensitive equality the contract asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

pub const MIN_LEN: usize = 3;
pub const MAX_LEN: usize = 32;

/// Names that would impersonate the operator or collide with routes and well-known mailboxes.
const RESERVED: &[&str] = &[
    "about",
    "abuse",
    "account",
    "accountd",
    "accounts",
    "admin",
    "administrator",
    "api",
    "app",
    "auth",
    "billing",
    "contact",
    "dashboard",
    "docs",
    "help",
    "health",
    "hostmaster",
    "info",
    "login",
    "logout",
    "mail",
    "me",
    "media",
    "metrics",
    "moderator",
    "new",
    "no-reply",
    "noreply",
    "null",
    "oauth",
    "official",
    "openapi",
    "owner",
    "postmaster",
    "ready",
    "register",
    "root",
    "security",
    "settings",
    "signup",
    "staff",
    "static",
    "status",
    "support",
    "system",
    "undefined",
    "user",
    "users",
    "webmaster",
    "www",
];

/// Whether a name is one the operator keeps (it impersonates the operator or names a
/// route); referral codes refuse the same names.
pub fn is_reserved(lower: &str) -> bool {
    RESERVED.contains(&lower)
}

impl Username {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        // Count before lower-casing: some characters grow when lower-cased, and none of them are allowed anyway.
        let length = input.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&length) {
            return Err(DomainError::InvalidUsername("must be 3-32 characters"));
        }
        let lower = input.to_ascii_lowercase();
        if !lower.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-') {
            return Err(DomainError::InvalidUsername("may contain only a-z, 0-9, _ and -"));
        }
        if !lower.as_bytes()[0].is_ascii_alphanumeric() {
            return Err(DomainError::InvalidUsername("must start with a letter or digit"));
        }
        if RESERVED.contains(&lower.as_str()) {
            return Err(DomainError::ReservedUsername);
        }
        Ok(Self(lower))
    }

    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lowercases() {
        assert_eq!(Username::parse("Jane_Doe-1").unwrap().as_str(), "jane_doe-1");
    }

    #[test]
    fn enforces_length_charset_and_first_character() {
        assert!(matches!(Username::parse("ab"), Err(DomainError::InvalidUsername(_))));
        assert!(matches!(Username::parse(&"a".repeat(33)), Err(DomainError::InvalidUsername(_))));
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(matches!(Username::parse("_jane"), Err(DomainError::InvalidUsername(_))));
        assert!(matches!(Username::parse("-jane"), Err(DomainError::InvalidUsername(_))));
        assert!(matches!(Username::parse("ja ne"), Err(DomainError::InvalidUsername(_))));
        assert!(matches!(Username::parse("jané"), Err(DomainError::InvalidUsername(_))));
        assert!(Username::parse("1jane").is_ok());
    }

    #[test]
    fn refuses_reserved_names_in_any_case() {
        for name in ["admin", "ROOT", "Api", "support", "settings"] {
            assert_eq!(Username::parse(name), Err(DomainError::ReservedUsername), "{name}");
        }
        // "me" is reserved too, but it is already shorter than the minimum.
        assert!(Username::parse("me").is_err());
    }

    proptest! {
        #[test]
        fn valid_names_are_lowercase_and_idempotent(input in "[a-zA-Z0-9][a-zA-Z0-9_-]{2,31}") {
            if let Ok(name) = Username::parse(&input) {
                prop_assert_eq!(name.as_str(), input.to_ascii_lowercase());
                prop_assert_eq!(Username::parse(name.as_str()).unwrap(), name);
            }
        }

        #[test]
        fn case_variants_are_equal(input in "[a-z0-9][a-z0-9_-]{2,31}") {
            prop_assert_eq!(Username::parse(&input).ok(), Username::parse(&input.to_uppercase()).ok());
        }

        #[test]
        fn never_panics(input in "\\PC{0,64}") {
            let _ = Username::parse(&input);
        }
    }
}
