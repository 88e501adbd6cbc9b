//! Identifiers and secrets the hub makes: 128 random bits, hex, with a short
//! prefix that says what the id is for when it turns up in a log.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// `N` random bytes, hex.
fn random_hex<const N: usize>() -> String {
    let mut bytes = [0_u8; N];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new random id such as `opp_3f9c…` (prefix, underscore, 32 hex digits).
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_hex::<16>())
}

/// A new id for a row of a table that grows with every purchase
/// (opportunities, orders, webhooks): the prefix, an underscore, the milliseconds since the
/// epoch (12 hex digits) then 128 random bits (32 hex digits). Ids made
/// together sort together, so the rows a commit inserts land on the last
/// page of the id's index instead of one random page each; the random part
/// keeps the id as unguessable as [`new_id`]'s.
pub(crate) fn new_ordered_id(prefix: &str) -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    // 12 hex digits hold the milliseconds until the year 10889.
    format!(
        "{prefix}_{:012x}{}",
        millis & 0xffff_ffff_ffff,
        random_hex::<16>()
    )
}

/// A new API key (256 random bits); only its SHA-256 is stored.
pub(crate) fn new_api_key() -> String {
    format!("psk_{}", random_hex::<32>())
}

/// 256 random bits, hex: a challenge, a key's secret, a master key.
pub(crate) fn new_secret_hex() -> String {
    random_hex::<32>()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_ids_sort_by_time_and_stay_random() {
        let first = new_ordered_id("opp");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later = new_ordered_id("opp");
        assert!(first < later, "{first} then {later}");
        assert_eq!(first.len(), "opp_".len() + 12 + 32);
        assert!(first[4..].bytes().all(|b| b.is_ascii_hexdigit()));
        let twins = (new_ordered_id("opp"), new_ordered_id("opp"));
        assert_ne!(twins.0[16..], twins.1[16..], "the random part differs");
    }
}
