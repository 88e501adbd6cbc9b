//! Identifiers and secrets the hub makes: 128 random bits, hex, with a short
//! prefix that says what the id is for when it turns up in a log.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random id such as `opp_3f9c…` (prefix, underscore, 32 hex digits).
pub(crate) fn new_id(prefix: &str) -> String {
    let mut bytes = [0_u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}

/// A new API key (256 random bits); only its SHA-256 is stored.
pub(crate) fn new_api_key() -> String {
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("psk_{}", hex::encode(bytes))
}

/// 256 random bits, hex: a challenge, a key's secret, a master key.
pub(crate) fn new_secret_hex() -> String {
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256, hex. API keys carry 256 random bits, so a fast hash is enough:
/// there is nothing to guess that a slow hash would protect.
pub(crate) fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data.as_ref()))
}

/// The current time in unix seconds.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
