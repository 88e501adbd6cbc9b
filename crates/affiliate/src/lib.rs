//! What an affiliate with a Rust backend links in to take part in postsale:
//! signing the tickets it puts on its order page, and answering the hub's
//! server-to-server calls when a customer accepts an offer.
//!
//! The formats themselves live in `postsale-protocol`, shared with the hub;
//! this crate adds what only the affiliate's side has: its secret, its clock
//! and a source of randomness for nonces ([`TicketSigner`]), and the endpoint
//! the hub calls when a customer accepts ([`handoff::router`]).

pub mod handoff;
mod secret;
mod signer;

pub use postsale_protocol::{
    ReasonCode, SIGNATURE_HEADER, SignatureError, TicketError, ValidatorError,
};
pub use secret::Secret;
pub use signer::{SignerError, Ticket, TicketSigner};

/// Checks the hub's `Postsale-Signature` header on a call to the affiliate:
/// `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, within 300 seconds of
/// `now` (unix seconds), under any of `secrets` (pass the new and the old one
/// while rotating). Run it on the raw body bytes, before parsing them.
pub fn verify_hub_call(
    header: &str,
    body: &[u8],
    secrets: &[&Secret],
    now: i64,
) -> Result<(), SignatureError> {
    let secrets: Vec<&[u8]> = secrets.iter().map(|s| s.expose()).collect();
    postsale_protocol::verify_request(header, body, &secrets, now)
}

/// The current time in unix seconds, as the ticket and signature checks want it.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    #[test]
    fn a_call_the_hub_signed_is_accepted_and_a_changed_body_is_not() {
        let secret = Secret::new(b"hub-to-affiliate secret, 32 byte".to_vec());
        let header = postsale_protocol::sign_request(b"{\"a\":1}", secret.expose(), NOW);
        assert_eq!(
            verify_hub_call(&header, b"{\"a\":1}", &[&secret], NOW),
            Ok(())
        );
        assert_eq!(
            verify_hub_call(&header, b"{\"a\":2}", &[&secret], NOW),
            Err(SignatureError::BadSignature)
        );
    }

    #[test]
    fn while_rotating_the_old_secret_is_still_accepted() {
        let old = Secret::new(b"the old secret, thirty-two bytes".to_vec());
        let new = Secret::new(b"the new secret, thirty-two bytes".to_vec());
        let header = postsale_protocol::sign_request(b"body", old.expose(), NOW);
        assert_eq!(
            verify_hub_call(&header, b"body", &[&new, &old], NOW),
            Ok(())
        );
        assert_eq!(
            verify_hub_call(&header, b"body", &[&new], NOW),
            Err(SignatureError::BadSignature)
        );
    }

    #[test]
    fn the_clock_reads_a_plausible_unix_time() {
        assert!(unix_now() > 1_700_000_000);
    }
}
