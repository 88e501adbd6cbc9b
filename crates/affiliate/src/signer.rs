//! The affiliate's ticket signer: the one object its order-confirmation page
//! handler needs. It holds the key id and secret the hub registered, reads the
//! clock and draws the nonce, so that handlers cannot get those wrong.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use postsale_protocol::{ReasonCode, TicketClaims, TicketError, sign_ticket};
use rand::RngCore;
use rand::rngs::OsRng;

use crate::Secret;

/// The shortest ticket secret accepted: HMAC-SHA256 wants 256 bits of key.
const MIN_SECRET_LEN: usize = 32;

/// Why a signer cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerError {
    /// The key id is not 1 to 64 characters of `A-Z a-z 0-9 - _`.
    InvalidKeyId,
    /// The affiliate id is empty, longer than 128 bytes or holds control characters.
    InvalidAffiliateId,
    /// The secret is shorter than 32 bytes.
    WeakSecret,
}

impl fmt::Display for SignerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidKeyId => "key id must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_'",
            Self::InvalidAffiliateId => "affiliate id must be 1 to 128 printable bytes",
            Self::WeakSecret => "ticket secret must be at least 32 bytes",
        })
    }
}

impl std::error::Error for SignerError {}

/// Signs tickets for one affiliate with one of its registered keys.
/// `Debug` never prints the secret.
#[derive(Debug, Clone)]
pub struct TicketSigner {
    affiliate_id: String,
    key_id: String,
    secret: Secret,
}

impl TicketSigner {
    /// A signer for `affiliate_id` (the hub's id for this merchant) with the
    /// key `key_id` and its `secret`, as the hub's admin API issued them.
    pub fn new(affiliate_id: &str, key_id: &str, secret: Secret) -> Result<Self, SignerError> {
        let key_id_ok = (1..=64).contains(&key_id.len())
            && key_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !key_id_ok {
            return Err(SignerError::InvalidKeyId);
        }
        if affiliate_id.is_empty()
            || affiliate_id.len() > 128
            || affiliate_id.chars().any(char::is_control)
        {
            return Err(SignerError::InvalidAffiliateId);
        }
        if secret.expose().len() < MIN_SECRET_LEN {
            return Err(SignerError::WeakSecret);
        }
        Ok(Self {
            affiliate_id: affiliate_id.to_owned(),
            key_id: key_id.to_owned(),
            secret,
        })
    }

    /// The ticket for an order that was just paid, issued now with a fresh
    /// random nonce, ready to put in the order page for the widget.
    /// Refuses (naming the claim) an order id or customer token that is empty,
    /// longer than 128 bytes or holds control characters, and an incentive
    /// longer than 64 bytes.
    pub fn sign(
        &self,
        order_id: &str,
        customer_token: &str,
        reason_code: Option<&ReasonCode>,
        incentive: Option<&str>,
    ) -> Result<String, TicketError> {
        self.sign_at(
            order_id,
            customer_token,
            reason_code,
            incentive,
            crate::unix_now(),
        )
    }

    /// [`TicketSigner::sign`] with the clock given, in unix seconds.
    pub fn sign_at(
        &self,
        order_id: &str,
        customer_token: &str,
        reason_code: Option<&ReasonCode>,
        incentive: Option<&str>,
        now: i64,
    ) -> Result<String, TicketError> {
        self.sign_ticket_at(
            &Ticket {
                order_id,
                customer_token,
                reason_code,
                incentive,
                promotion_id: None,
            },
            now,
        )
    }

    /// The ticket for `ticket`, issued now: [`TicketSigner::sign`] with
    /// every claim, the promotion an upseller gave you among them.
    pub fn sign_ticket(&self, ticket: &Ticket<'_>) -> Result<String, TicketError> {
        self.sign_ticket_at(ticket, crate::unix_now())
    }

    /// [`TicketSigner::sign_ticket`] with the clock given, in unix seconds.
    pub fn sign_ticket_at(&self, ticket: &Ticket<'_>, now: i64) -> Result<String, TicketError> {
        let claims = TicketClaims {
            affiliate_id: self.affiliate_id.clone(),
            order_id: ticket.order_id.to_owned(),
            reason_code: ticket.reason_code.cloned(),
            customer_token: ticket.customer_token.to_owned(),
            incentive: ticket.incentive.map(str::to_owned),
            promotion_id: ticket.promotion_id.map(str::to_owned),
            issued_at: now,
            nonce: new_nonce(),
        };
        claims.validate()?;
        Ok(sign_ticket(&claims, &self.key_id, self.secret.expose()))
    }
}

/// What one ticket says, for [`TicketSigner::sign_ticket`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Ticket<'a> {
    /// Your order id (the widget's transaction must name the same).
    pub order_id: &'a str,
    /// Your opaque id for the customer.
    pub customer_token: &'a str,
    /// The class of this transaction, which picks the offer.
    pub reason_code: Option<&'a ReasonCode>,
    /// The thank-you reward you give for this order.
    pub incentive: Option<&'a str>,
    /// The promotion an upseller gave you: its items are the ones offered.
    pub promotion_id: Option<&'a str>,
}

/// 128 random bits from the operating system, URL-safe base64 (22 characters).
fn new_nonce() -> String {
    let mut bytes = [0_u8; 16];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use postsale_protocol::SignedTicket;

    use super::*;

    const SECRET: &[u8] = b"an affiliate secret of 32 bytes!";
    const NOW: i64 = 1_790_000_000;

    fn signer() -> TicketSigner {
        TicketSigner::new("aff_1", "k1", Secret::new(SECRET.to_vec())).expect("valid signer")
    }

    #[test]
    fn a_signed_ticket_verifies_at_the_hub() {
        let code = ReasonCode::parse("CAMERA-HIGH").expect("code");
        let raw = signer()
            .sign_at("A-1001", "cus_7", Some(&code), Some("points"), NOW)
            .expect("signs");
        let ticket = SignedTicket::parse(&raw).expect("parses");
        assert_eq!(ticket.key_id(), "k1");
        assert_eq!(ticket.unverified_claims().affiliate_id, "aff_1");
        let claims = ticket.verify(SECRET, NOW).expect("verifies");
        assert_eq!(claims.order_id, "A-1001");
        assert_eq!(claims.reason_code, Some(code));
        assert_eq!(claims.incentive.as_deref(), Some("points"));
        assert_eq!(claims.issued_at, NOW);
    }

    #[test]
    fn a_promotion_travels_signed_and_a_bad_one_is_refused() {
        let ticket = Ticket {
            order_id: "A-1",
            customer_token: "cus_7",
            promotion_id: Some("spring-26"),
            ..Ticket::default()
        };
        let raw = signer().sign_ticket_at(&ticket, NOW).expect("signs");
        let claims = SignedTicket::parse(&raw)
            .expect("parses")
            .verify(SECRET, NOW)
            .expect("verifies");
        assert_eq!(claims.promotion_id.as_deref(), Some("spring-26"));
        let long = "p".repeat(65);
        let refused = signer().sign_ticket_at(
            &Ticket {
                promotion_id: Some(&long),
                ..ticket
            },
            NOW,
        );
        assert_eq!(refused, Err(TicketError::InvalidClaim("promotion_id")));
    }

    #[test]
    fn signing_reads_the_clock() {
        let raw = signer().sign("A-1", "cus_7", None, None).expect("signs");
        let ticket = SignedTicket::parse(&raw).expect("parses");
        assert!(ticket.verify(SECRET, crate::unix_now()).is_ok());
    }

    #[test]
    fn every_ticket_gets_a_fresh_nonce() {
        let nonces: std::collections::HashSet<String> = (0..100)
            .map(|_| {
                let raw = signer()
                    .sign_at("A-1", "cus_7", None, None, NOW)
                    .expect("signs");
                let ticket = SignedTicket::parse(&raw).expect("parses");
                ticket.unverified_claims().nonce.clone()
            })
            .collect();
        assert_eq!(nonces.len(), 100);
    }

    #[test]
    fn the_secret_never_prints() {
        let printed = format!("{:?}", signer());
        assert!(printed.contains("k1"));
        assert!(!printed.contains("affiliate secret"), "{printed}");
    }

    #[test]
    fn a_bad_order_id_is_refused_by_name() {
        assert_eq!(
            signer().sign_at("", "cus_7", None, None, NOW),
            Err(TicketError::InvalidClaim("order_id"))
        );
        assert_eq!(
            signer().sign_at("A-1", "cus\n7", None, None, NOW),
            Err(TicketError::InvalidClaim("customer_token"))
        );
    }

    #[test]
    fn a_weak_secret_or_bad_key_id_is_refused() {
        let short = Secret::new(b"too short".to_vec());
        assert_eq!(
            TicketSigner::new("aff_1", "k1", short).map(|_| ()),
            Err(SignerError::WeakSecret)
        );
        let secret = Secret::new(SECRET.to_vec());
        assert_eq!(
            TicketSigner::new("aff_1", "k.1", secret.clone()).map(|_| ()),
            Err(SignerError::InvalidKeyId)
        );
        assert_eq!(
            TicketSigner::new("", "k1", secret).map(|_| ()),
            Err(SignerError::InvalidAffiliateId)
        );
    }
}
