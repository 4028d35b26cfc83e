//! Referral codes and the credit ledger.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use rand::Rng;

use crate::{DomainError, UserId};

pub const CODE_MIN_LEN: usize = 4;
pub const CODE_MAX_LEN: usize = 32;
/// Length of a generated code: 10 characters of 32 give 50 bits, too many to guess.
const GENERATED_LEN: usize = 10;
/// Lower-case letters and digits without the look-alikes (0/o, 1/l/i), so a code read
/// aloud or from a screenshot survives.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A referral code: 4–32 of `a-z 0-9 -`, lower-cased, not a reserved word, not
/// starting or ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralCode(String);

impl ReferralCode {
    /// A code a person chose; compared case-insensitively, so it is lower-cased here.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let invalid = |problem: &str| DomainError::field("code", problem);
        let length = input.chars().count();
        if !(CODE_MIN_LEN..=CODE_MAX_LEN).contains(&length) {
            return Err(invalid("must be 4-32 characters"));
        }
        let lower = input.to_ascii_lowercase();
        if !lower.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(invalid("may contain only a-z, 0-9 and -"));
        }
        if lower.starts_with('-') || lower.ends_with('-') {
            return Err(invalid("must start and end with a letter or digit"));
        }
        if crate::username::is_reserved(&lower) || RESERVED.contains(&lower.as_str()) {
            return Err(invalid("is reserved"));
        }
        Ok(Self(lower))
    }

    /// A new random code from the OS CSPRNG.
    pub fn generate() -> Self {
        let code = (0..GENERATED_LEN).map(|_| char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())])).collect();
        Self(code)
    }

    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Words a code would pass off as the operator's or a promotion's.
const RESERVED: &[&str] = &["free", "promo", "referral", "referrals", "invite", "official", "staff", "team"];

/// One entry of the credit ledger; never changed once written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditEntry {
    pub id: uuid::Uuid,
    pub user_id: UserId,
    /// Positive for a credit, negative for a debit, never zero.
    pub amount: i64,
    /// `referral`, or the reason an administrator gave.
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// An account that registered with another's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// `None` once the referred account is deleted.
    pub username: Option<String>,
    pub joined_at: DateTime<Utc>,
    pub reward: i64,
}

/// The ledger reason of a referral reward.
pub const REFERRAL_REASON: &str = "referral";

/// The address without its `+tag` and lower-cased: `Jane+alt@Example.com` and
/// `jane@example.com` reach one mailbox, so one person.
pub fn mailbox_of(email: &str) -> String {
    let email = email.to_ascii_lowercase();
    match email.split_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(base, _)| base);
            format!("{local}@{domain}")
        }
        None => email,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_lower_cased_and_bounded() {
        assert_eq!(ReferralCode::parse("Jane-2026").unwrap().as_str(), "jane-2026");
        assert!(ReferralCode::parse("abc").is_err());
        assert!(ReferralCode::parse(&"a".repeat(33)).is_err());
        assert!(ReferralCode::parse("jane_2026").is_err());
        assert!(ReferralCode::parse("-jane").is_err());
        assert!(ReferralCode::parse("jané").is_err());
        assert!(ReferralCode::parse("ADMIN").is_err());
        assert!(ReferralCode::parse("promo").is_err());
    }

    #[test]
    fn generated_codes_are_valid_and_differ() {
        let first = ReferralCode::generate();
        assert_eq!(ReferralCode::parse(first.as_str()), Ok(first.clone()));
        assert_ne!(first, ReferralCode::generate());
    }

    #[test]
    fn plus_tags_name_the_same_mailbox() {
        assert_eq!(mailbox_of("Jane+alt@Example.com"), "jane@example.com");
        assert_eq!(mailbox_of("jane@example.com"), "jane@example.com");
    }
}
