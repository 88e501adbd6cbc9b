//! The `v1.<key id>.<payload>.<mac>` envelope shared by tickets and validators,
//! parsed in one place so that both refuse bad input the same strict way:
//! one version, one shape, canonical base64, a 32-byte MAC, a size cap.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

/// The only envelope version this code reads and writes.
const VERSION: &str = "v1";

/// The longest key id accepted.
pub(super) const MAX_KEY_ID_LEN: usize = 64;

/// Length of an HMAC-SHA256 tag.
const MAC_LEN: usize = 32;

/// Why raw text is not an envelope. Each token kind maps these to its own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EnvelopeError {
    TooLarge,
    Malformed,
    UnsupportedVersion,
}

/// Which kind of token a MAC is for (domain separation).
#[derive(Debug, Clone, Copy)]
pub(super) enum Context {
    Ticket,
    Validator,
}

impl Context {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Ticket => b"postsale-ticket",
            Self::Validator => b"postsale-validator",
        }
    }
}

/// A parsed envelope: structure checked, MAC not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Envelope {
    /// `v1.<key id>.<payload>`, exactly as received: the MAC covers these bytes.
    signed: String,
    key_id: String,
    payload: Vec<u8>,
    mac: [u8; MAC_LEN],
}

impl Envelope {
    /// Splits and decodes `raw`. Total: any input gives a value or an error.
    pub(super) fn parse(raw: &str, max_len: usize) -> Result<Self, EnvelopeError> {
        if raw.len() > max_len {
            return Err(EnvelopeError::TooLarge);
        }
        let (version, rest) = raw.split_once('.').ok_or(EnvelopeError::Malformed)?;
        if version != VERSION {
            let looks_versioned = version.len() > 1
                && version.starts_with('v')
                && version[1..].bytes().all(|b| b.is_ascii_digit());
            return Err(if looks_versioned {
                EnvelopeError::UnsupportedVersion
            } else {
                EnvelopeError::Malformed
            });
        }
        let (signed_len, mac_b64) = match raw.rfind('.') {
            Some(i) => (i, &raw[i + 1..]),
            None => return Err(EnvelopeError::Malformed),
        };
        let mut parts = rest.split('.');
        let (Some(key_id), Some(payload_b64), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(EnvelopeError::Malformed);
        };
        if !super::is_token(key_id, 1, MAX_KEY_ID_LEN) || payload_b64.is_empty() {
            return Err(EnvelopeError::Malformed);
        }
        // The engine refuses padding and non-zero trailing bits, so each byte
        // string has exactly one accepted encoding.
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|_| EnvelopeError::Malformed)?;
        let mac: [u8; MAC_LEN] = URL_SAFE_NO_PAD
            .decode(mac_b64)
            .map_err(|_| EnvelopeError::Malformed)?
            .try_into()
            .map_err(|_| EnvelopeError::Malformed)?;
        Ok(Self {
            signed: raw[..signed_len].to_owned(),
            key_id: key_id.to_owned(),
            payload,
            mac,
        })
    }

    /// The key id the signer named.
    pub(super) fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Decodes the payload as `T`, refusing any byte string that is not
    /// exactly how we would have written `T` (so one value has one encoding).
    pub(super) fn claims<T: Serialize + DeserializeOwned>(&self) -> Result<T, EnvelopeError> {
        let value: T =
            serde_json::from_slice(&self.payload).map_err(|_| EnvelopeError::Malformed)?;
        match serde_json::to_vec(&value) {
            Ok(canonical) if canonical == self.payload => Ok(value),
            _ => Err(EnvelopeError::Malformed),
        }
    }

    /// Whether the MAC is right for `secret`, compared in constant time.
    /// An empty secret never verifies: it can only be a configuration mistake.
    pub(super) fn mac_is_valid(&self, context: Context, secret: &[u8]) -> bool {
        !secret.is_empty()
            && mac(context, secret, self.signed.as_bytes())
                .verify_slice(&self.mac)
                .is_ok()
    }
}

/// Writes an envelope around `claims`.
pub(super) fn seal<T: Serialize>(
    context: Context,
    claims: &T,
    key_id: &str,
    secret: &[u8],
) -> String {
    // Serialising plain structs of strings and integers cannot fail.
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    let signed = format!("{VERSION}.{key_id}.{}", URL_SAFE_NO_PAD.encode(payload));
    let tag = mac(context, secret, signed.as_bytes())
        .finalize()
        .into_bytes();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag))
}

fn mac(context: Context, secret: &[u8], signed: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this never falls back.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
    mac.update(context.label());
    mac.update(&[0]);
    mac.update(signed);
    mac
}
