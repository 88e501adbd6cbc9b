//! Validators: round trip, tampering, expiry, binding, strict parsing.

use proptest::prelude::*;

use super::*;
use crate::signed::{TicketClaims, sign_ticket};

const SECRET: &[u8] = b"the hub's validator secret, 32 b";
const NOW: i64 = 1_790_000_000;

fn usd() -> CurrencyCode {
    CurrencyCode::parse("USD").expect("USD")
}

fn claims() -> ValidatorClaims {
    ValidatorClaims {
        opportunity_id: "opp_3f9c".into(),
        ticket_nonce: "n0nce-n0nce-n0nce".into(),
        amount_minor: 4_999,
        currency: usd(),
        expires_at: NOW + VALIDATOR_TTL_SECS,
        id: "val_01".into(),
        customer_sha256: customer_digest("cust-1"),
    }
}

/// The customer digest of `claims()`, as a verifier computes it.
const CUSTOMER: &str = "21d120906fd394b11c7a5ea3e84254bb8b1bf5f918ea5079e8eb7fe9f12907bd";

fn binding() -> ValidatorBinding<'static> {
    ValidatorBinding {
        opportunity_id: "opp_3f9c",
        ticket_nonce: "n0nce-n0nce-n0nce",
        amount: Money::from_minor(4_999, usd()).expect("money"),
        customer_sha256: CUSTOMER,
    }
}

fn verify(
    raw: &str,
    now: i64,
    expected: &ValidatorBinding<'_>,
) -> Result<ValidatorClaims, ValidatorError> {
    SignedValidator::parse(raw)?.verify(SECRET, now, expected)
}

#[test]
fn a_minted_validator_verifies_against_its_binding() {
    let raw = mint_validator(&claims(), "hub1", SECRET);
    let validator = SignedValidator::parse(&raw).expect("parses");
    assert_eq!(validator.key_id(), "hub1");
    assert_eq!(validator.verify(SECRET, NOW, &binding()), Ok(claims()));
    assert_eq!(claims().amount(), Some(binding().amount));
}

#[test]
fn a_validator_under_another_secret_is_refused() {
    let raw = mint_validator(&claims(), "hub1", SECRET);
    assert_eq!(
        SignedValidator::parse(&raw).and_then(|v| v.verify(b"not it", NOW, &binding())),
        Err(ValidatorError::BadSignature)
    );
}

#[test]
fn an_expired_validator_is_refused() {
    let raw = mint_validator(&claims(), "hub1", SECRET);
    let expiry = NOW + VALIDATOR_TTL_SECS;
    assert!(verify(&raw, expiry + CLOCK_SKEW_SECS, &binding()).is_ok());
    assert_eq!(
        verify(&raw, expiry + CLOCK_SKEW_SECS + 1, &binding()),
        Err(ValidatorError::Expired)
    );
}

#[test]
fn a_validator_that_claims_to_live_for_hours_is_refused() {
    let mut c = claims();
    c.expires_at = NOW + 3_600;
    let raw = mint_validator(&c, "hub1", SECRET);
    assert_eq!(
        verify(&raw, NOW, &binding()),
        Err(ValidatorError::LifetimeTooLong)
    );
}

#[test]
fn a_validator_for_another_amount_is_refused() {
    let raw = mint_validator(&claims(), "hub1", SECRET);
    let expected = ValidatorBinding {
        amount: Money::from_minor(5_000, usd()).expect("money"),
        ..binding()
    };
    assert_eq!(
        verify(&raw, NOW, &expected),
        Err(ValidatorError::WrongAmount)
    );
}

#[test]
fn a_validator_for_another_customer_is_refused() {
    assert_eq!(customer_digest("cust-1"), CUSTOMER);
    let raw = mint_validator(&claims(), "hub1", SECRET);
    let other = customer_digest("cust-2");
    let expected = ValidatorBinding {
        customer_sha256: &other,
        ..binding()
    };
    assert_eq!(
        verify(&raw, NOW, &expected),
        Err(ValidatorError::WrongCustomer)
    );
}

#[test]
fn a_validator_whose_customer_is_not_a_digest_does_not_parse() {
    for bad in ["", "cust-1", &"A".repeat(64), &"a".repeat(63)] {
        let mut c = claims();
        c.customer_sha256 = bad.to_owned();
        assert_eq!(
            SignedValidator::parse(&mint_validator(&c, "hub1", SECRET)),
            Err(ValidatorError::InvalidClaim("customer_sha256"))
        );
    }
}

#[test]
fn a_validator_for_another_currency_is_refused() {
    let raw = mint_validator(&claims(), "hub1", SECRET);
    let eur = CurrencyCode::parse("EUR").expect("EUR");
    let expected = ValidatorBinding {
        amount: Money::from_minor(4_999, eur).expect("money"),
        ..binding()
    };
    assert_eq!(
        verify(&raw, NOW, &expected),
        Err(ValidatorError::WrongCurrency)
    );
}

#[test]
fn a_validator_for_another_opportunity_or_ticket_is_refused() {
    let raw = mint_validator(&claims(), "hub1", SECRET);
    let other_opportunity = ValidatorBinding {
        opportunity_id: "opp_other",
        ..binding()
    };
    assert_eq!(
        verify(&raw, NOW, &other_opportunity),
        Err(ValidatorError::WrongOpportunity)
    );
    let other_ticket = ValidatorBinding {
        ticket_nonce: "another-nonce-123",
        ..binding()
    };
    assert_eq!(
        verify(&raw, NOW, &other_ticket),
        Err(ValidatorError::WrongTicket)
    );
}

#[test]
fn an_unknown_version_is_refused_as_unsupported() {
    let raw = mint_validator(&claims(), "hub1", SECRET).replacen("v1.", "v9.", 1);
    assert_eq!(
        SignedValidator::parse(&raw),
        Err(ValidatorError::UnsupportedVersion)
    );
}

#[test]
fn an_oversized_validator_is_refused() {
    let raw = format!("v1.k.{}.x", "A".repeat(MAX_VALIDATOR_LEN));
    assert_eq!(SignedValidator::parse(&raw), Err(ValidatorError::TooLarge));
}

#[test]
fn a_negative_amount_is_an_invalid_claim() {
    let mut c = claims();
    c.amount_minor = -1;
    let raw = mint_validator(&c, "hub1", SECRET);
    assert_eq!(
        SignedValidator::parse(&raw),
        Err(ValidatorError::InvalidClaim("amount_minor"))
    );
}

#[test]
fn a_ticket_is_never_accepted_as_a_validator_even_under_the_same_secret() {
    let ticket = TicketClaims {
        affiliate_id: "a".into(),
        order_id: "o".into(),
        reason_code: None,
        customer_token: "c".into(),
        incentive: None,
        promotion_id: None,
        issued_at: NOW,
        nonce: "n0nce-n0nce-n0nce".into(),
    };
    let raw = sign_ticket(&ticket, "hub1", SECRET);
    assert_eq!(SignedValidator::parse(&raw), Err(ValidatorError::Malformed));
}

prop_compose! {
    fn arb_claims()(
        opportunity_id in "[^\\p{Cc}]{1,30}",
        ticket_nonce in "[A-Za-z0-9_-]{1,64}",
        amount_minor in 0_i64..=i64::MAX,
        currency in prop::sample::select(vec!["USD", "EUR", "JPY", "KWD"]),
        expires_at in any::<i64>(),
        id in "[A-Za-z0-9_-]{1,64}",
        customer in "\\PC{1,40}",
    ) -> ValidatorClaims {
        ValidatorClaims {
            opportunity_id, ticket_nonce, amount_minor, expires_at, id,
            customer_sha256: customer_digest(&customer),
            currency: CurrencyCode::parse(currency).expect("listed codes are valid"),
        }
    }
}

fn binding_of(c: &ValidatorClaims) -> ValidatorBinding<'_> {
    ValidatorBinding {
        opportunity_id: &c.opportunity_id,
        ticket_nonce: &c.ticket_nonce,
        amount: c.amount().expect("non-negative"),
        customer_sha256: &c.customer_sha256,
    }
}

proptest! {
    #[test]
    fn every_valid_validator_round_trips(c in arb_claims()) {
        let raw = mint_validator(&c, "hub1", SECRET);
        let verdict = verify(&raw, c.expires_at, &binding_of(&c));
        prop_assert_eq!(verdict, Ok(c.clone()));
    }

    #[test]
    fn any_changed_byte_is_refused(
        c in arb_claims(),
        index in any::<prop::sample::Index>(),
        replacement in 0x20_u8..0x7f,
    ) {
        let raw = mint_validator(&c, "hub1", SECRET);
        let mut bytes = raw.clone().into_bytes();
        let i = index.index(bytes.len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let tampered = String::from_utf8(bytes).expect("ascii in, ascii out");
        let verdict = verify(&tampered, c.expires_at, &binding_of(&c));
        prop_assert!(verdict.is_err(), "{} accepted", tampered);
    }

    #[test]
    fn parse_never_panics_on_any_string(raw in "\\PC{0,300}") {
        let _ = SignedValidator::parse(&raw);
    }
}

#[test]
fn a_validator_made_by_another_implementation_verifies() {
    // Made with Python's hmac/base64/json (also fuzz/seeds/validator/valid).
    let raw = "v1.hub1.eyJvcHAiOiJvcHBfMSIsInRrbiI6Im4wbmNlIiwiYW10Ijo0OTk5LCJjdXIiOiJVU0QiLCJleHAiOjE3OTAwMDA2MDAsImp0aSI6InZhbF8xIiwiY3VzIjoiMjFkMTIwOTA2ZmQzOTRiMTFjN2E1ZWEzZTg0MjU0YmI4YjFiZjVmOTE4ZWE1MDc5ZThlYjdmZTlmMTI5MDdiZCJ9._xvqlrq3Rst4CBm9JQl-QDSGjbRIONjXD2Qe1YA5asY";
    let expected = ValidatorBinding {
        opportunity_id: "opp_1",
        ticket_nonce: "n0nce",
        amount: Money::from_minor(4_999, usd()).expect("money"),
        customer_sha256: CUSTOMER,
    };
    let validator = SignedValidator::parse(raw).expect("parses");
    assert_eq!(validator.unverified_claims().id, "val_1");
    assert!(validator.verify(b"fuzz secret", NOW, &expected).is_ok());
}
