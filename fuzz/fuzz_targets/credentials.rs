//! Credentials as a request carries them: the `Authorization` header and the session
//! cookie (`http::extract::credential`), the token kind read from its prefix, the stored
//! hash, and the other opaque keys taken from a URL (media keys, scopes, OAuth purposes).
#![no_main]

use accountd_core::oauth::Purpose;
use accountd_core::scope::Scope;
use accountd_core::token::{TokenHash, TokenKind};
use accountd_server::http::extract::credential;
use accountd_server::media::MediaKey;
use axum::http::{header, HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks where the bytes go: the Authorization header or a Cookie header.
    let Some((&selector, rest)) = data.split_first() else { return };
    if let Ok(value) = HeaderValue::from_bytes(rest) {
        let mut headers = HeaderMap::new();
        let name = if selector % 2 == 0 { header::AUTHORIZATION } else { header::COOKIE };
        headers.insert(name.clone(), value.clone());
        for secure in [false, true] {
            if let Some((token, from_cookie)) = credential(&headers, secure) {
                assert_eq!(from_cookie, name == header::COOKIE);
                let text = value.to_str().unwrap_or_default();
                // Whatever was read is a part of what was sent, never more.
                assert!(from_cookie || text.contains(token.as_str()), "{token:?} not in {text:?}");
                if !from_cookie {
                    assert_eq!(token, token.trim());
                }
            }
        }
    }

    let Ok(text) = std::str::from_utf8(rest) else { return };
    if let Some(kind) = TokenKind::of(text) {
        assert!(text.starts_with(kind.prefix()));
    }
    let hash = TokenHash::of(text);
    assert_eq!(hash.0.len(), 64);
    assert!(hash.0.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert_eq!(TokenHash::of(text), hash);

    if let Some(key) = MediaKey::parse(text) {
        // Round trip: an accepted key is exactly the text it came from, and names its format.
        assert_eq!(key.as_str(), text);
        assert!(text.ends_with(key.format().extension()));
        assert!(!text.contains('/') && !text.contains(".."));
    }
    if let Ok(scope) = Scope::parse(text) {
        assert_eq!(Scope::parse(scope.as_str()).ok(), Some(scope));
    }
    if let Some(purpose) = Purpose::parse(text) {
        assert_eq!(Purpose::parse(purpose.as_str()), Some(purpose));
    }
});
