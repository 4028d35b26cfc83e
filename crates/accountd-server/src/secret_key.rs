//! The instance secret key (`ACCOUNTD_SECRET_KEY`, or generated once into
//! `{data dir}/secret.key` with mode 0600). It encrypts the secrets that must be
//! shown again or used later (TOTP secrets, the upload token).

use std::io::Write as _;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretBox, SecretString};

pub type SecretKey = SecretBox<[u8; 32]>;

/// The key as the domain uses it, to seal and open secrets.
pub fn instance_key(key: SecretKey) -> accountd_core::sealed::InstanceKey {
    accountd_core::sealed::InstanceKey::new(key)
}

pub fn decode(encoded: &str) -> Result<SecretKey, String> {
    let bytes = STANDARD.decode(encoded.trim()).map_err(|_| "must be base64".to_string())?;
    let key: [u8; 32] = bytes.try_into().map_err(|_| "must be 32 bytes, base64-encoded".to_string())?;
    Ok(SecretBox::new(Box::new(key)))
}

/// The configured key, or the one in the data directory, created on first start.
pub fn load_or_create(configured: Option<&SecretString>, data_dir: &Path) -> anyhow::Result<SecretKey> {
    if let Some(key) = configured {
        return decode(key.expose_secret()).map_err(|problem| anyhow::anyhow!("secret_key: {problem}"));
    }
    let path = data_dir.join("secret.key");
    if path.exists() {
        let encoded = std::fs::read_to_string(&path)?;
        return decode(&encoded).map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()));
    }
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    file.write_all(STANDARD.encode(key).as_bytes())?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "generated a new instance secret key");
    Ok(SecretBox::new(Box::new(key)))
}
