//! Two-factor secrets and codes: TOTP per RFC 6238 (HMAC-SHA-1, 6 digits, 30-second
//! steps, one step of skew either way), recovery codes, and mailed confirmation codes.
//! Every random value comes from the OS CSPRNG.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::{Rng as _, RngCore as _};
use sha1::Sha1;
use subtle::ConstantTimeEq as _;

/// Seconds per time step (RFC 6238 `X`).
pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps of clock skew accepted on either side of the current one.
pub const SKEW_STEPS: i64 = 1;
/// 160 bits, the length RFC 4226 recommends for HMAC-SHA-1.
pub const SECRET_BYTES: usize = 20;
pub const RECOVERY_CODE_COUNT: usize = 10;

/// A TOTP shared secret (raw bytes, never logged).
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32 without padding, as authenticator apps take it.
    pub fn base32(&self) -> String {
        base32(&self.0)
    }

    /// The code of one time step (HOTP with the step as counter, RFC 4226 §5.3).
    pub fn code_at_step(&self, step: i64) -> String {
        // HMAC accepts keys of any length, so this never fails.
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[digest.len() - 1] & 0x0f);
        let binary = u32::from_be_bytes([digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]])
            & 0x7fff_ffff;
        format!("{:0width$}", binary % 10u32.pow(DIGITS), width = DIGITS as usize)
    }

    /// The time step within the accepted skew whose code `code` is, if any.
    /// Every candidate is compared, in constant time, so timing tells nothing.
    pub fn matching_step(&self, code: &str, now: DateTime<Utc>) -> Option<i64> {
        let code = code.trim();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = step_of(now);
        let mut found = None;
        for step in current - SKEW_STEPS..=current + SKEW_STEPS {
            if bool::from(self.code_at_step(step).as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
                found = Some(step);
            }
        }
        found
    }
}

/// The RFC 6238 time step of a moment.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…` (the Key Uri Format of authenticator apps).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &TotpSecret) -> String {
    let label = format!("{}:{}", uri_escape(issuer), uri_escape(account));
    format!(
        "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        secret.base32(),
        uri_escape(issuer)
    )
}

fn uri_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

const RECOVERY_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh set of recovery codes, `xxxxx-xxxxx` of lower-case letters and digits
/// (about 51 bits each, so a plain SHA-256 of them is a safe stored form).
pub fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let mut code: String =
                (0..10).map(|_| char::from(RECOVERY_ALPHABET[OsRng.gen_range(0..RECOVERY_ALPHABET.len())])).collect();
            code.insert(5, '-');
            code
        })
        .collect()
}

/// A recovery code as typed (any case, with or without the hyphen, spaces around)
/// in its stored form; `None` when it can't be one.
pub fn normalize_recovery_code(input: &str) -> Option<String> {
    let compact: String = input.trim().chars().filter(|c| *c != '-').map(|c| c.to_ascii_lowercase()).collect();
    if compact.len() != 10 || !compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
        return None;
    }
    Some(format!("{}-{}", &compact[..5], &compact[5..]))
}

/// A 6-digit code for mail, uniformly drawn.
pub fn email_code() -> String {
    format!("{:06}", OsRng.gen_range(0..1_000_000u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 6238 Appendix B seed for SHA-1.
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn rfc6238_appendix_b_sha1_vectors_truncated_to_six_digits() {
        // The appendix lists 8 digits; 6 digits are the last six of the same value.
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, eight) in vectors {
            assert_eq!(rfc_secret().code_at_step(step_of(at(time))), eight[2..], "time {time}");
        }
        assert_eq!(rfc_secret().code_at_step(step_of(at(1_234_567_890))), "005924");
        assert_eq!(rfc_secret().code_at_step(step_of(at(20_000_000_000))), "353130");
    }

    #[test]
    fn one_step_of_skew_is_accepted_and_two_are_not() {
        let secret = rfc_secret();
        let now = at(1_000_000_005);
        let step = step_of(now);
        for delta in -1..=1 {
            assert_eq!(secret.matching_step(&secret.code_at_step(step + delta), now), Some(step + delta));
        }
        for delta in [-2, 2] {
            let code = secret.code_at_step(step + delta);
            let near = (-1..=1).any(|d| secret.code_at_step(step + d) == code);
            assert!(near || secret.matching_step(&code, now).is_none());
        }
        assert_eq!(secret.matching_step("12345", now), None);
        assert_eq!(secret.matching_step("12345a", now), None);
        assert_eq!(secret.matching_step("", now), None);
    }

    #[test]
    fn base32_of_the_rfc_seed() {
        assert_eq!(rfc_secret().base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(TotpSecret::generate().base32().len(), 32);
    }

    #[test]
    fn otpauth_uri_names_issuer_and_account() {
        let uri = otpauth_uri("Acme Inc", "jane", &rfc_secret());
        assert!(
            uri.starts_with("otpauth://totp/Acme%20Inc:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20Inc")
        );
    }

    #[test]
    fn recovery_codes_have_the_contract_shape_and_normalize() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert_eq!(&code[5..6], "-");
            assert!(code.bytes().all(|b| b == b'-' || b.is_ascii_lowercase() || b.is_ascii_digit()));
            assert_eq!(normalize_recovery_code(&code.to_uppercase().replace('-', "")).as_deref(), Some(code.as_str()));
        }
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert_eq!(normalize_recovery_code("abc"), None);
        assert_eq!(normalize_recovery_code("abcde-fghi!"), None);
    }

    #[test]
    fn email_codes_are_six_digits() {
        let code = email_code();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
    }
}
