//! The ticket: the affiliate's signed statement "this order, this customer,
//! this reason code, just now". It travels through the customer's browser, so
//! the hub trusts nothing in it until the MAC checks out under the affiliate's
//! secret; `unverified_claims` exists only to find which secret that is.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::envelope::{Context, Envelope, EnvelopeError, seal};
use super::{is_text, is_token};
use crate::ReasonCode;

/// How long after `issued_at` a ticket is still accepted: the widget posts it
/// as soon as the order page loads, so half an hour is generous.
pub const TICKET_TTL_SECS: i64 = 30 * 60;

/// How far ahead of the verifier's clock a signer's clock may run.
pub const CLOCK_SKEW_SECS: i64 = 2 * 60;

/// The longest ticket text accepted, checked before any decoding.
pub const MAX_TICKET_LEN: usize = 2048;

const MAX_ID_LEN: usize = 128;
const MAX_INCENTIVE_LEN: usize = 64;
const MIN_NONCE_LEN: usize = 16;
const MAX_NONCE_LEN: usize = 64;

/// What an affiliate vouches for in a ticket.
///
/// Field rules (checked by [`TicketClaims::validate`] and on parse):
/// `affiliate_id`, `order_id`, `customer_token` are 1 to 128 bytes without
/// control characters; `incentive` 1 to 64 such bytes; `nonce` 16 to 64
/// characters of `A-Z a-z 0-9 - _`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketClaims {
    /// The hub's id for the affiliate that signed the ticket.
    #[serde(rename = "aff")]
    pub affiliate_id: String,
    /// The affiliate's order id; the transaction the widget posts must match it.
    #[serde(rename = "ord")]
    pub order_id: String,
    /// The affiliate's class for this transaction, which picks the offer.
    #[serde(rename = "rc", default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<ReasonCode>,
    /// The affiliate's opaque id for the customer.
    #[serde(rename = "cus")]
    pub customer_token: String,
    /// The thank-you reward the customer picked, if the affiliate already knows it.
    #[serde(rename = "inc", default, skip_serializing_if = "Option::is_none")]
    pub incentive: Option<String>,
    /// The promotion an upseller gave the affiliate: its items are the ones
    /// offered for this order.
    #[serde(rename = "pro", default, skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
    /// When the affiliate signed the ticket, unix seconds.
    #[serde(rename = "iat")]
    pub issued_at: i64,
    /// A random value unique to this ticket; the hub refuses a second use of it.
    #[serde(rename = "non")]
    pub nonce: String,
}

impl TicketClaims {
    /// Checks the field rules, naming the first claim that breaks them.
    pub fn validate(&self) -> Result<(), TicketError> {
        let checks = [
            ("affiliate_id", is_text(&self.affiliate_id, MAX_ID_LEN)),
            ("order_id", is_text(&self.order_id, MAX_ID_LEN)),
            ("customer_token", is_text(&self.customer_token, MAX_ID_LEN)),
            (
                "incentive",
                self.incentive
                    .as_deref()
                    .is_none_or(|i| is_text(i, MAX_INCENTIVE_LEN)),
            ),
            (
                "promotion_id",
                self.promotion_id
                    .as_deref()
                    .is_none_or(|p| is_text(p, MAX_INCENTIVE_LEN)),
            ),
            ("nonce", is_token(&self.nonce, MIN_NONCE_LEN, MAX_NONCE_LEN)),
        ];
        match checks.iter().find(|(_, ok)| !ok) {
            Some((field, _)) => Err(TicketError::InvalidClaim(field)),
            None => Ok(()),
        }
    }
}

/// Why a ticket is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketError {
    /// The text is longer than [`MAX_TICKET_LEN`].
    TooLarge,
    /// The text is not `v1.<key id>.<payload>.<mac>` with canonical base64 and JSON.
    Malformed,
    /// The ticket names a version other than `v1`.
    UnsupportedVersion,
    /// A claim breaks its field rule; the name is the claim's.
    InvalidClaim(&'static str),
    /// The MAC does not match the affiliate's secret for this key id.
    BadSignature,
    /// `issued_at` is more than [`TICKET_TTL_SECS`] in the past.
    Expired,
    /// `issued_at` is more than [`CLOCK_SKEW_SECS`] in the future.
    NotYetValid,
}

impl fmt::Display for TicketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(f, "ticket is longer than {MAX_TICKET_LEN} bytes"),
            Self::Malformed => f.write_str("ticket is not a well-formed v1 ticket"),
            Self::UnsupportedVersion => f.write_str("ticket version is not supported (only v1)"),
            Self::InvalidClaim(field) => write!(f, "ticket claim `{field}` is invalid"),
            Self::BadSignature => f.write_str("ticket signature does not match"),
            Self::Expired => f.write_str("ticket has expired; reload the order page"),
            Self::NotYetValid => f.write_str("ticket is issued in the future; check the clock"),
        }
    }
}

impl std::error::Error for TicketError {}

impl From<EnvelopeError> for TicketError {
    fn from(e: EnvelopeError) -> Self {
        match e {
            EnvelopeError::TooLarge => Self::TooLarge,
            EnvelopeError::Malformed => Self::Malformed,
            EnvelopeError::UnsupportedVersion => Self::UnsupportedVersion,
        }
    }
}

/// A ticket that parsed but whose signature and time are not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTicket {
    envelope: Envelope,
    claims: TicketClaims,
}

impl SignedTicket {
    /// Parses ticket text. Total: any input gives a value or a typed error.
    pub fn parse(raw: &str) -> Result<Self, TicketError> {
        let envelope = Envelope::parse(raw, MAX_TICKET_LEN)?;
        let claims: TicketClaims = envelope.claims()?;
        claims.validate()?;
        Ok(Self { envelope, claims })
    }

    /// The key id the affiliate signed with (it picks one of its secrets).
    pub fn key_id(&self) -> &str {
        self.envelope.key_id()
    }

    /// The claims as written, NOT verified: use them only to look up the
    /// affiliate's secrets, then call [`SignedTicket::verify`].
    pub fn unverified_claims(&self) -> &TicketClaims {
        &self.claims
    }

    /// Checks the MAC under `secret` in constant time, then that `issued_at`
    /// lies in `[now - TICKET_TTL_SECS, now + CLOCK_SKEW_SECS]`.
    /// Replay (a nonce seen before) is for the caller's database to refuse.
    pub fn verify(&self, secret: &[u8], now: i64) -> Result<TicketClaims, TicketError> {
        if !self.envelope.mac_is_valid(Context::Ticket, secret) {
            return Err(TicketError::BadSignature);
        }
        let issued_at = self.claims.issued_at;
        if issued_at < now.saturating_sub(TICKET_TTL_SECS) {
            return Err(TicketError::Expired);
        }
        if issued_at > now.saturating_add(CLOCK_SKEW_SECS) {
            return Err(TicketError::NotYetValid);
        }
        Ok(self.claims.clone())
    }
}

/// Signs `claims` as `v1.<key_id>.<payload>.<mac>`. The caller checks the
/// claims first ([`TicketClaims::validate`]) and passes a key id of 1 to 64
/// characters of `A-Z a-z 0-9 - _`: otherwise the ticket is written but
/// [`SignedTicket::parse`] will refuse it.
pub fn sign_ticket(claims: &TicketClaims, key_id: &str, secret: &[u8]) -> String {
    seal(Context::Ticket, claims, key_id, secret)
}

#[cfg(test)]
mod tests;
