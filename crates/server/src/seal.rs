//! Secrets at rest. Every secret the hub keeps (affiliates' ticket keys, the
//! hub's own keys) is stored sealed under a master key the operator gives
//! the hub outside the database, so a copy of the database alone reveals
//! none. XChaCha20-Poly1305 from RustCrypto, a fresh random 192-bit nonce per
//! seal, and the row the secret belongs to as associated data, so that a
//! sealed value moved to another row does not open there.

use base64::Engine;
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use rand::RngCore;

/// How a sealed value starts; a stored value without it was never sealed.
const PREFIX: &str = "sealed:v1:";
/// What the database's check row holds, sealed, to tell a wrong master key.
const CHECK: &str = "postsale master key check";

/// Why a master key or a sealed value is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The master key is not 64 hex digits (32 bytes).
    #[error("the master key must be 64 hex digits (32 random bytes)")]
    BadKey,
    /// A stored value does not open with this master key in its place.
    #[error("a sealed secret does not open with this master key")]
    WrongKey,
}

/// Seals and opens secrets with the master key.
#[derive(Clone)]
pub(crate) struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([redacted])")
    }
}

impl Sealer {
    /// The sealer of a master key given as 64 hex digits.
    pub(crate) fn from_hex(hex_key: &str) -> Result<Self, SealError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| SealError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        })
    }

    /// Seals `secret` for the row `context` names.
    pub(crate) fn seal(&self, context: &str, secret: &str) -> String {
        let mut nonce = [0_u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: secret.as_bytes(),
            aad: context.as_bytes(),
        };
        // Encryption with a valid key and nonce size cannot fail.
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(out)
        )
    }

    /// Opens a value sealed for `context`.
    pub(crate) fn open(&self, context: &str, stored: &str) -> Result<String, SealError> {
        let encoded = stored.strip_prefix(PREFIX).ok_or(SealError::WrongKey)?;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(encoded)
            .map_err(|_| SealError::WrongKey)?;
        if bytes.len() < 24 {
            return Err(SealError::WrongKey);
        }
        let (nonce, sealed) = bytes.split_at(24);
        let payload = Payload {
            msg: sealed,
            aad: context.as_bytes(),
        };
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| SealError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| SealError::WrongKey)
    }

    /// Whether a stored value is sealed at all (rows from before sealing).
    pub(crate) fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// The check value stored once per database.
    pub(crate) fn check_value(&self) -> String {
        self.seal("check", CHECK)
    }

    /// Whether `stored` is this master key's check value.
    pub(crate) fn checks(&self, stored: &str) -> bool {
        self.open("check", stored).is_ok_and(|v| v == CHECK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(byte: char) -> Sealer {
        Sealer::from_hex(&byte.to_string().repeat(64)).expect("a key")
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_row() {
        let sealed = sealer('a').seal("secrets:shop:k1", "the ticket key");
        assert!(!sealed.contains("ticket"));
        assert_eq!(
            sealer('a').open("secrets:shop:k1", &sealed).as_deref(),
            Ok("the ticket key")
        );
        assert_eq!(
            sealer('b').open("secrets:shop:k1", &sealed),
            Err(SealError::WrongKey)
        );
        assert_eq!(
            sealer('a').open("secrets:other:k1", &sealed),
            Err(SealError::WrongKey)
        );
        assert_ne!(
            sealed,
            sealer('a').seal("secrets:shop:k1", "the ticket key"),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn bad_master_keys_and_tampered_values_are_refused() {
        for key in ["", "abc", &"g".repeat(64), &"a".repeat(62)] {
            assert_eq!(Sealer::from_hex(key).err(), Some(SealError::BadKey));
        }
        let sealed = sealer('a').seal("c", "s");
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(sealer('a').open("c", &tampered), Err(SealError::WrongKey));
        assert_eq!(sealer('a').open("c", "plain"), Err(SealError::WrongKey));
        assert!(sealer('a').checks(&sealer('a').check_value()));
        assert!(!sealer('b').checks(&sealer('a').check_value()));
    }
}
