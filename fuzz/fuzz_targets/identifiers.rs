//! Email, username and referral-code normalisation: never a panic, a parsed value parses
//! again to itself (idempotent), and what is accepted has the documented shape.
#![no_main]

use accountd_core::referral::ReferralCode;
use accountd_core::{Email, Username};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(email) = Email::parse(input) {
        let stored = email.as_str();
        assert!(stored.is_ascii() && stored.len() <= 254, "{stored:?}");
        assert_eq!(stored, stored.trim());
        let (local, domain) = stored.rsplit_once('@').expect("an accepted address has an @");
        assert!(!local.is_empty() && local.len() <= 64 && !local.contains(".."));
        assert!(domain.contains('.') && domain.to_ascii_lowercase() == domain);
        let again = Email::parse(stored).expect("an accepted address parses again");
        assert_eq!(again, email);
        // The normalised form is a fixed point too: it is what uniqueness compares.
        let normalized = email.normalized();
        let renormalized = Email::parse(&normalized).expect("the normalised address parses").normalized();
        assert_eq!(renormalized, normalized);
    }

    if let Ok(username) = Username::parse(input) {
        let name = username.as_str();
        assert!((3..=32).contains(&name.len()), "{name:?}");
        assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'));
        assert_eq!(Username::parse(name).expect("an accepted username parses again"), username);
        // Case never makes a second account: the upper-case spelling is the same name.
        assert_eq!(Username::parse(&name.to_ascii_uppercase()).ok(), Some(username.clone()));
    }

    if let Ok(code) = ReferralCode::parse(input) {
        assert_eq!(ReferralCode::parse(code.as_str()).expect("an accepted code parses again"), code);
        assert_eq!(code.as_str(), code.as_str().to_ascii_lowercase());
    }
});
