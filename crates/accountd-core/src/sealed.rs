//! Secrets that must be read back (TOTP secrets, the upload token, provider
//! tokens) are sealed at rest with XChaCha20-Poly1305 under the instance key.
//! The 24-byte random nonce is stored in front of the ciphertext; the whole is
//! base64url text so it fits a TEXT column on both backends.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use secrecy::{ExposeSecret, SecretBox};

/// The instance secret key (`ACCOUNTD_SECRET_KEY` or `{data dir}/secret.key`).
pub struct InstanceKey(SecretBox<[u8; 32]>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the sealed value is corrupt or was sealed under another key")]
pub struct UnsealError;

const NONCE_LEN: usize = 24;

impl InstanceKey {
    pub fn new(key: SecretBox<[u8; 32]>) -> Self {
        Self(key)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.expose_secret().into())
    }

    /// Seals `plaintext`; `context` (say `"totp:<user id>"`) is authenticated but not
    /// stored, so a sealed value copied to another row or purpose does not open.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption only fails for messages beyond the cipher's length limit (256 GiB).
        let ciphertext =
            self.cipher().encrypt(&nonce, Payload { msg: plaintext, aad: context.as_bytes() }).unwrap_or_default();
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// A keyed digest (HMAC-SHA-256, hex) of `value` for `context`: for values that must be
    /// looked up but not recovered by someone holding only the database, where a plain
    /// hash of a guessable value (an email address) would confirm a guess.
    pub fn digest(&self, value: &str, context: &str) -> String {
        use hmac::{Hmac, Mac};
        // HMAC takes a key of any length: the error is unreachable.
        let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(self.0.expose_secret()) else {
            return String::new();
        };
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, UnsealError> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| UnsealError)?;
        if bytes.len() < NONCE_LEN {
            return Err(UnsealError);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(nonce.into(), Payload { msg: ciphertext, aad: context.as_bytes() })
            .map_err(|_| UnsealError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> InstanceKey {
        InstanceKey::new(SecretBox::new(Box::new([byte; 32])))
    }

    #[test]
    fn a_digest_depends_on_the_key_the_context_and_the_value() {
        let digest = key(1).digest("jane@example.com", "login");
        assert_eq!(digest.len(), 64);
        assert_eq!(digest, key(1).digest("jane@example.com", "login"), "stable");
        assert_ne!(digest, key(2).digest("jane@example.com", "login"), "keyed");
        assert_ne!(digest, key(1).digest("jane@example.com", "other"), "bound to its context");
        assert_ne!(digest, key(1).digest("john@example.com", "login"));
    }

    #[test]
    fn sealed_values_open_with_the_same_key_and_context_only() {
        let sealed = key(1).seal(b"JBSWY3DPEHPK3PXP", "totp:1");
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(key(1).open(&sealed, "totp:1").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert_eq!(key(2).open(&sealed, "totp:1"), Err(UnsealError));
        assert_eq!(key(1).open(&sealed, "totp:2"), Err(UnsealError));
        assert_eq!(key(1).open("garbage", "totp:1"), Err(UnsealError));
        assert_eq!(key(1).open("", "totp:1"), Err(UnsealError));
    }

    #[test]
    fn sealing_twice_gives_different_text() {
        assert_ne!(key(1).seal(b"x", "c"), key(1).seal(b"x", "c"));
    }
}
