use std::fmt;
use std::str::FromStr;

use crate::DomainError;

/// An address mail can reach: an ASCII dot-atom local part, `@`, and a DNS domain name
/// of at least two labels, trimmed, with the domain lower-cased and an internationalised
/// domain in its ASCII (punycode) form. Quoted local parts, comments and address
/// literals (`x@[127.0.0.1]`) are refused: the mailer cannot deliver them, and an address
/// literal would point mail at any host.
/// The local part keeps its case, as it was given; uniqueness uses [`Email::normalized`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

/// RFC 5321 limits a path to 254 characters and a local part to 64.
pub const MAX_LEN: usize = 254;
const LOCAL_MAX_LEN: usize = 64;
/// RFC 1035: a name of at most 253 characters in labels of at most 63.
const DOMAIN_MAX_LEN: usize = 253;
const LABEL_MAX_LEN: usize = 63;

impl Email {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let (local, domain) = input.trim().rsplit_once('@').ok_or(DomainError::InvalidEmail)?;
        if !is_dot_atom(local) {
            return Err(DomainError::InvalidEmail);
        }
        let domain = dns_domain(domain).ok_or(DomainError::InvalidEmail)?;
        let address = format!("{local}@{domain}");
        if address.len() > MAX_LEN {
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

/// RFC 5322's dot-atom: atoms of `atext` joined by single dots.
fn is_dot_atom(local: &str) -> bool {
    let is_atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b);
    (1..=LOCAL_MAX_LEN).contains(&local.len())
        && local.split('.').all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

/// The domain in lower-case ASCII, or `None` when it is not a DNS name with at least one
/// dot (an IPv4 address, whose last label is all digits, is not one).
fn dns_domain(domain: &str) -> Option<String> {
    let ascii = idna::domain_to_ascii(domain).ok()?;
    let labels: Vec<&str> = ascii.split('.').collect();
    let valid_label = |label: &&str| {
        (1..=LABEL_MAX_LEN).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let top_level = labels.last()?;
    let valid = ascii.len() <= DOMAIN_MAX_LEN
        && labels.len() >= 2
        && labels.iter().all(valid_label)
        && !top_level.bytes().all(|b| b.is_ascii_digit());
    valid.then_some(ascii)
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
            "\"a\"@example.com",
            "\"jane doe\"@example.com",
            "x@[127.0.0.1]",
            "x@[IPv6:::1]",
            "x@127.0.0.1",
            "jane..doe@example.com",
            ".jane@example.com",
            "jane.@example.com",
            "jané@example.com",
            "jane(comment)@example.com",
            "jane@-example.com",
            "jane@example-.com",
            "jane@exa_mple.com",
            "jane@example..com",
        ] {
            assert_eq!(Email::parse(bad), Err(DomainError::InvalidEmail), "{bad:?}");
        }
    }

    #[test]
    fn refuses_overlong_addresses_local_parts_and_labels() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(DomainError::InvalidEmail));
        assert_eq!(Email::parse(&format!("{}@example.com", "a".repeat(65))), Err(DomainError::InvalidEmail));
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(64))).is_ok());
        assert_eq!(Email::parse(&format!("a@{}.com", "b".repeat(64))), Err(DomainError::InvalidEmail));
        assert!(Email::parse(&format!("a@{}.com", "b".repeat(63))).is_ok());
    }

    #[test]
    fn accepts_every_dot_atom_character() {
        let email = Email::parse("o'brien+tag/x=y{z}~!#$%&*?^_`|-@mail.example.org").unwrap();
        assert_eq!(email.as_str(), "o'brien+tag/x=y{z}~!#$%&*?^_`|-@mail.example.org");
    }

    #[test]
    fn stores_an_internationalised_domain_in_ascii() {
        let email = Email::parse("Jane@Bücher.Example").unwrap();
        assert_eq!(email.as_str(), "Jane@xn--bcher-kva.example");
        assert_eq!(Email::parse(email.as_str()).unwrap(), email);
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

        #[test]
        fn accepted_addresses_are_ascii_dot_atoms_at_dns_names(
            input in "[a-zA-Z0-9.\"\\[\\] (),:;<>!#é]{1,20}@[a-zA-Z0-9.\\[\\]:ü_-]{1,20}"
        ) {
            if let Ok(email) = Email::parse(&input) {
                let (local, domain) = email.as_str().rsplit_once('@').unwrap();
                prop_assert!(email.as_str().is_ascii());
                prop_assert!(!local.contains('"') && !local.contains(' ') && !local.contains(".."));
                prop_assert!(domain.contains('.') && !domain.contains('[') && !domain.contains(']'));
                prop_assert_eq!(domain.to_ascii_lowercase(), domain);
            }
        }
    }
}
