//! Signed tokens that cross trust boundaries: the affiliate's ticket, the hub's
//! validator, and the signature header on server-to-server calls.
//!
//! Tickets and validators share one envelope, `v1.<key id>.<payload>.<mac>`:
//! the payload is canonical JSON in unpadded URL-safe base64, and the MAC is
//! HMAC-SHA256 over `<context> NUL v1.<key id>.<payload>` in the same base64,
//! where the context (`postsale-ticket` or `postsale-validator`) keeps a token
//! of one kind from ever verifying as the other. Everything here takes the time
//! as a parameter and draws no randomness, so it builds for wasm32 and tests
//! can pin the clock.

mod envelope;
mod signature;
mod ticket;
mod validator;

pub use signature::{
    SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECS, SignatureError, sign_request, verify_request,
};
pub use ticket::{
    CLOCK_SKEW_SECS, MAX_TICKET_LEN, SignedTicket, TICKET_TTL_SECS, TicketClaims, TicketError,
    sign_ticket,
};
pub use validator::{
    MAX_VALIDATOR_LEN, SignedValidator, VALIDATOR_TTL_SECS, ValidatorBinding, ValidatorClaims,
    ValidatorError, customer_digest, mint_validator,
};

/// Whether `value` is a free-text claim we accept: 1 to `max` bytes, no
/// control characters (they have no business in ids and break logs).
fn is_text(value: &str, max: usize) -> bool {
    !value.is_empty() && value.len() <= max && !value.chars().any(char::is_control)
}

/// Whether `value` is an id-like claim: `min` to `max` characters of the
/// URL-safe alphabet `A-Z a-z 0-9 - _`.
fn is_token(value: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
