//! The validator: the hub's one-time proof that a customer accepted this
//! opportunity, for this ticket, at this amount. The hub mints it on accept and
//! sends it to the affiliate, which checks it before charging or releasing
//! anything; the hub checks it again when the affiliate answers.
//!
//! Single use is NOT something a signature can prove: the hub's database
//! records each validator `id` when it is redeemed and refuses a second
//! redemption, and an affiliate that verifies validators must do the same.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::envelope::{Context, Envelope, EnvelopeError, seal};
use super::ticket::CLOCK_SKEW_SECS;
use super::{is_text, is_token};
use crate::{CurrencyCode, Money};

/// How long a validator lives; the hub sets `expires_at = now + VALIDATOR_TTL_SECS`.
/// A validator that claims to live longer than this (plus skew) is refused.
pub const VALIDATOR_TTL_SECS: i64 = 10 * 60;

/// The longest validator text accepted, checked before any decoding.
pub const MAX_VALIDATOR_LEN: usize = 1024;

const MAX_ID_LEN: usize = 128;

/// What the hub binds a validator to.
///
/// Field rules: `opportunity_id` 1 to 128 bytes without control characters;
/// `ticket_nonce` and `id` 1 to 128 characters of `A-Z a-z 0-9 - _`;
/// `amount_minor` not negative; `customer_sha256` 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorClaims {
    /// The opportunity the customer accepted.
    #[serde(rename = "opp")]
    pub opportunity_id: String,
    /// The nonce of the ticket that opened the opportunity.
    #[serde(rename = "tkn")]
    pub ticket_nonce: String,
    /// The amount to charge, in minor units of `currency`.
    #[serde(rename = "amt")]
    pub amount_minor: i64,
    /// The currency of `amount_minor`.
    #[serde(rename = "cur")]
    pub currency: CurrencyCode,
    /// After this instant (unix seconds) the validator is refused.
    #[serde(rename = "exp")]
    pub expires_at: i64,
    /// The validator's unique id, the key of its single redemption.
    #[serde(rename = "jti")]
    pub id: String,
    /// [`customer_digest`] of the customer token in the ticket: the
    /// affiliate charges the customer of its own order record, and only when
    /// this matches it.
    #[serde(rename = "cus")]
    pub customer_sha256: String,
}

/// The SHA-256 of a customer token, lowercase hex: what a validator carries
/// of the customer, so that it names one without revealing the token.
pub fn customer_digest(customer_token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(customer_token.as_bytes()))
}

impl ValidatorClaims {
    /// Checks the field rules, naming the first claim that breaks them.
    pub fn validate(&self) -> Result<(), ValidatorError> {
        let checks = [
            ("opportunity_id", is_text(&self.opportunity_id, MAX_ID_LEN)),
            ("ticket_nonce", is_token(&self.ticket_nonce, 1, MAX_ID_LEN)),
            ("amount_minor", self.amount_minor >= 0),
            ("id", is_token(&self.id, 1, MAX_ID_LEN)),
            (
                "customer_sha256",
                self.customer_sha256.len() == 64
                    && self
                        .customer_sha256
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            ),
        ];
        match checks.iter().find(|(_, ok)| !ok) {
            Some((field, _)) => Err(ValidatorError::InvalidClaim(field)),
            None => Ok(()),
        }
    }

    /// The bound amount as money.
    pub fn amount(&self) -> Option<Money> {
        Money::from_minor(self.amount_minor, self.currency).ok()
    }
}

/// What the verifier expects a validator to be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatorBinding<'a> {
    /// The opportunity being paid for.
    pub opportunity_id: &'a str,
    /// The nonce of the ticket behind that opportunity.
    pub ticket_nonce: &'a str,
    /// The amount and currency about to be charged.
    pub amount: Money,
    /// [`customer_digest`] of the customer of the verifier's own order record.
    pub customer_sha256: &'a str,
}

/// Why a validator is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidatorError {
    /// The text is longer than [`MAX_VALIDATOR_LEN`].
    TooLarge,
    /// The text is not `v1.<key id>.<payload>.<mac>` with canonical base64 and JSON.
    Malformed,
    /// The validator names a version other than `v1`.
    UnsupportedVersion,
    /// A claim breaks its field rule; the name is the claim's.
    InvalidClaim(&'static str),
    /// The MAC does not match the hub's secret for this key id.
    BadSignature,
    /// `expires_at` has passed (beyond [`CLOCK_SKEW_SECS`]).
    Expired,
    /// `expires_at` is further ahead than a validator may live.
    LifetimeTooLong,
    /// The validator is for another opportunity.
    WrongOpportunity,
    /// The validator is for another ticket.
    WrongTicket,
    /// The validator is for another currency.
    WrongCurrency,
    /// The validator is for another amount.
    WrongAmount,
    /// The validator is for another customer than the one of the order.
    WrongCustomer,
}

impl fmt::Display for ValidatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(f, "validator is longer than {MAX_VALIDATOR_LEN} bytes"),
            Self::Malformed => f.write_str("validator is not a well-formed v1 validator"),
            Self::UnsupportedVersion => f.write_str("validator version is not supported (only v1)"),
            Self::InvalidClaim(field) => write!(f, "validator claim `{field}` is invalid"),
            Self::BadSignature => f.write_str("validator signature does not match"),
            Self::Expired => f.write_str("validator has expired"),
            Self::LifetimeTooLong => f.write_str("validator expires further ahead than allowed"),
            Self::WrongOpportunity => f.write_str("validator is for another opportunity"),
            Self::WrongTicket => f.write_str("validator is for another ticket"),
            Self::WrongCurrency => f.write_str("validator is for another currency"),
            Self::WrongAmount => f.write_str("validator is for another amount"),
            Self::WrongCustomer => f.write_str("validator is for another customer"),
        }
    }
}

impl std::error::Error for ValidatorError {}

impl From<EnvelopeError> for ValidatorError {
    fn from(e: EnvelopeError) -> Self {
        match e {
            EnvelopeError::TooLarge => Self::TooLarge,
            EnvelopeError::Malformed => Self::Malformed,
            EnvelopeError::UnsupportedVersion => Self::UnsupportedVersion,
        }
    }
}

/// A validator that parsed but whose signature, expiry and binding are not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedValidator {
    envelope: Envelope,
    claims: ValidatorClaims,
}

impl SignedValidator {
    /// Parses validator text. Total: any input gives a value or a typed error.
    pub fn parse(raw: &str) -> Result<Self, ValidatorError> {
        let envelope = Envelope::parse(raw, MAX_VALIDATOR_LEN)?;
        let claims: ValidatorClaims = envelope.claims()?;
        claims.validate()?;
        Ok(Self { envelope, claims })
    }

    /// The key id the hub minted with (it picks one of the hub's secrets).
    pub fn key_id(&self) -> &str {
        self.envelope.key_id()
    }

    /// The claims as written, NOT verified: for logs and lookups only; trust
    /// what [`SignedValidator::verify`] returns.
    pub fn unverified_claims(&self) -> &ValidatorClaims {
        &self.claims
    }

    /// Checks, in this order: the MAC under `secret` (constant time), that
    /// `now <= expires_at + CLOCK_SKEW_SECS`, that the lifetime is at most
    /// [`VALIDATOR_TTL_SECS`] + skew, and that opportunity, ticket nonce,
    /// currency, amount and customer equal `expected`. It does not check
    /// single use.
    pub fn verify(
        &self,
        secret: &[u8],
        now: i64,
        expected: &ValidatorBinding<'_>,
    ) -> Result<ValidatorClaims, ValidatorError> {
        if !self.envelope.mac_is_valid(Context::Validator, secret) {
            return Err(ValidatorError::BadSignature);
        }
        let c = &self.claims;
        if now > c.expires_at.saturating_add(CLOCK_SKEW_SECS) {
            return Err(ValidatorError::Expired);
        }
        if c.expires_at > now.saturating_add(VALIDATOR_TTL_SECS + CLOCK_SKEW_SECS) {
            return Err(ValidatorError::LifetimeTooLong);
        }
        if c.opportunity_id != expected.opportunity_id {
            return Err(ValidatorError::WrongOpportunity);
        }
        if c.ticket_nonce != expected.ticket_nonce {
            return Err(ValidatorError::WrongTicket);
        }
        if c.currency != expected.amount.currency() {
            return Err(ValidatorError::WrongCurrency);
        }
        if c.amount_minor != expected.amount.minor() {
            return Err(ValidatorError::WrongAmount);
        }
        if c.customer_sha256 != expected.customer_sha256 {
            return Err(ValidatorError::WrongCustomer);
        }
        Ok(c.clone())
    }
}

/// Mints `claims` as `v1.<key_id>.<payload>.<mac>`. The caller checks the
/// claims first ([`ValidatorClaims::validate`]) and passes a key id of 1 to 64
/// characters of `A-Z a-z 0-9 - _`: otherwise [`SignedValidator::parse`]
/// will refuse the result.
pub fn mint_validator(claims: &ValidatorClaims, key_id: &str, secret: &[u8]) -> String {
    seal(Context::Validator, claims, key_id, secret)
}

#[cfg(test)]
mod tests;
