use std::fmt;
use std::str::FromStr;

use crate::DomainError;

/// A syntactically valid email address, trimmed, with the domain lower-cased.
/// The local part keeps its case, as it was given; uniqueness uses [`Email::normalized`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

/// RFC 5321 limits a path to 254 characters.
const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        if trimmed.len() > MAX_LEN || trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(DomainError::InvalidEmail);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(DomainError::InvalidEmail)?;
        // A dot-less domain is legal in RFC 5322 but never a deliverable address for a user.
        if local.is_empty() || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(DomainError::InvalidEmail);
        }
        let address = format!("{local}@{}", domain.to_lowercase());
        if !email_address::EmailAddress::is_valid(&address) {
            return Err(DomainError::InvalidEmail);
        }
        Ok(Self(address))
    }

    /// Trusts a value that was parsed before it was stored.
    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form compared for uniqueness and login: fully lower-cased.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_lowercases_the_domain_only() {
        let email = Email::parse("  Jane.Doe@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Jane.Doe@example.com");
        assert_eq!(email.normalized(), "jane.doe@example.com");
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "",
            "jane",
            "@example.com",
            "jane@",
            "jane@localhost",
            "ja ne@example.com",
            "jane@example.com\r\nBcc: x@y.z",
            "jane@.com",
        ] {
            assert_eq!(Email::parse(bad), Err(DomainError::InvalidEmail), "{bad:?}");
        }
    }

    #[test]
    fn refuses_overlong_addresses() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(DomainError::InvalidEmail));
    }

    proptest! {
        #[test]
        fn parsing_is_idempotent(input in "[ ]{0,2}[a-zA-Z0-9._+-]{1,20}@[a-zA-Z0-9-]{1,10}\\.[a-zA-Z]{2,6}[ ]{0,2}") {
            if let Ok(email) = Email::parse(&input) {
                let again = Email::parse(email.as_str()).unwrap();
                prop_assert_eq!(&again, &email);
                prop_assert_eq!(again.normalized(), email.normalized());
            }
        }

        #[test]
        fn case_variants_normalize_alike(local in "[a-z0-9]{1,12}", domain in "[a-z]{1,10}") {
            let lower = Email::parse(&format!("{local}@{domain}.com")).unwrap();
            let upper = Email::parse(&format!("{}@{}.COM", local.to_uppercase(), domain.to_uppercase())).unwrap();
            prop_assert_eq!(lower.normalized(), upper.normalized());
        }

        #[test]
        fn never_panics(input in "\\PC{0,300}") {
            let _ = Email::parse(&input);
        }
    }
}
