//! Opaque credentials: 32 random bytes from the OS CSPRNG, URL-safe, with a kind prefix.
//! Only the SHA-256 of a token is ever stored or looked up.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// What a token is for; the prefix tells a reader (and a secret scanner) at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    PersonalAccess,
    Upload,
}

impl TokenKind {
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Session => "ses_",
            Self::PersonalAccess => "pat_",
            Self::Upload => "upl_",
        }
    }

    pub fn of(token: &str) -> Option<Self> {
        [Self::Session, Self::PersonalAccess, Self::Upload].into_iter().find(|kind| token.starts_with(kind.prefix()))
    }
}

/// The stored form of a token: lower-case hex SHA-256 of the whole token string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

impl TokenHash {
    pub fn of(token: &str) -> Self {
        use std::fmt::Write as _;
        let digest = Sha256::digest(token.as_bytes());
        let mut hex = String::with_capacity(2 * digest.len());
        for byte in digest {
            // Writing into a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
        }
        Self(hex)
    }
}

/// A freshly issued token: the secret to hand out once, and the hash to store.
pub struct IssuedToken {
    pub secret: SecretString,
    pub hash: TokenHash,
}

pub fn issue(kind: TokenKind) -> IssuedToken {
    let secret = format!("{}{}", kind.prefix(), random_urlsafe(32));
    let hash = TokenHash::of(&secret);
    IssuedToken { secret: SecretString::from(secret), hash }
}

/// `bytes` random bytes from the OS CSPRNG, base64url without padding.
pub fn random_urlsafe(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

impl IssuedToken {
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_urlsafe_and_unique() {
        let a = issue(TokenKind::Session);
        let b = issue(TokenKind::Session);
        assert!(a.expose().starts_with("ses_"));
        assert_eq!(a.expose().len(), 4 + 43);
        assert!(a.expose()[4..].bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a.expose(), b.expose());
        assert_eq!(TokenHash::of(a.expose()), a.hash);
        assert_eq!(a.hash.0.len(), 64);
    }

    #[test]
    fn kind_is_read_from_the_prefix() {
        assert_eq!(TokenKind::of("pat_abc"), Some(TokenKind::PersonalAccess));
        assert_eq!(TokenKind::of("upl_abc"), Some(TokenKind::Upload));
        assert_eq!(TokenKind::of("xyz"), None);
    }
}
