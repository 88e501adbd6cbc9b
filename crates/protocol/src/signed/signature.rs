//! The signature header on server-to-server calls between the hub and the
//! merchants (token + validator calls, order webhooks):
//! `Postsale-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
//! The timestamp inside the MAC bounds replay to the tolerance window; several
//! secrets are tried so a merchant can rotate without downtime. A header may
//! carry several `v1=` entries (a sender signing with old and new secret).

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The HTTP header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Postsale-Signature";

/// How far the header's timestamp may be from the verifier's clock, either way.
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// The longest header value accepted.
const MAX_HEADER_LEN: usize = 1024;

/// The most `v1=` entries accepted in one header.
const MAX_SIGNATURES: usize = 4;

/// Why a signature header is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// The header value is longer than 1024 bytes.
    TooLarge,
    /// The header is not `t=<digits>,v1=<64 lower-case hex>[,v1=...]`.
    Malformed,
    /// The timestamp is more than [`SIGNATURE_TOLERANCE_SECS`] from now.
    OutsideTolerance,
    /// No `v1` entry matches the body under any of the secrets.
    BadSignature,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooLarge => "signature header is longer than 1024 bytes",
            Self::Malformed => "signature header is not of the form t=<unix>,v1=<hex hmac>",
            Self::OutsideTolerance => {
                "signature timestamp is more than 300 seconds from the server's clock"
            }
            Self::BadSignature => "signature does not match the body",
        })
    }
}

impl std::error::Error for SignatureError {}

/// The header value for `body` sent at `now`, signed with `secret`.
pub fn sign_request(body: &[u8], secret: &[u8], now: i64) -> String {
    format!("t={now},v1={}", hex_mac(secret, now, body))
}

/// Checks `header` against `body`: well formed, timestamp within
/// [`SIGNATURE_TOLERANCE_SECS`] of `now`, and some `v1` entry equal (in
/// constant time) to the MAC under one of `secrets`. Empty secrets are skipped.
pub fn verify_request(
    header: &str,
    body: &[u8],
    secrets: &[&[u8]],
    now: i64,
) -> Result<(), SignatureError> {
    let (timestamp, signatures) = parse(header)?;
    if timestamp.abs_diff(now) > SIGNATURE_TOLERANCE_SECS.unsigned_abs() {
        return Err(SignatureError::OutsideTolerance);
    }
    let mut matched = subtle::Choice::from(0);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let expected = hex_mac(secret, timestamp, body);
        for candidate in &signatures {
            matched |= expected.as_bytes().ct_eq(candidate.as_bytes());
        }
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::BadSignature)
    }
}

/// Splits the header into its timestamp and `v1` entries. Strict: exactly one
/// `t` (decimal, no sign, no leading zero), first; 1 to 4 `v1`; no other keys, no spaces, no empty parts.
fn parse(header: &str) -> Result<(i64, Vec<&str>), SignatureError> {
    if header.len() > MAX_HEADER_LEN {
        return Err(SignatureError::TooLarge);
    }
    let mut parts = header.split(',');
    let timestamp = parts
        .next()
        .and_then(|p| p.strip_prefix("t="))
        .filter(|t| {
            (1..=19).contains(&t.len())
                && t.bytes().all(|b| b.is_ascii_digit())
                && (*t == "0" || !t.starts_with('0'))
        })
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or(SignatureError::Malformed)?;
    let signatures = parts
        .map(|p| {
            p.strip_prefix("v1=")
                .filter(|s| {
                    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                })
                .ok_or(SignatureError::Malformed)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if signatures.is_empty() || signatures.len() > MAX_SIGNATURES {
        return Err(SignatureError::Malformed);
    }
    Ok((timestamp, signatures))
}

/// Lower-case hex of HMAC-SHA256(secret, "<t>.<body>").
fn hex_mac(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this never falls back.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    // Eight lines of hex rather than a crate: the widget builds this module too.
    let tag = mac.finalize().into_bytes();
    let mut out = String::with_capacity(64);
    for byte in tag {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests;
