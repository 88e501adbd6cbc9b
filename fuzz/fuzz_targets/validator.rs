//! Any bytes given to the validator parser give a validator or a typed error;
//! verifying a parsed one against its own or another binding never panics,
//! and a re-minted validator verifies against its own claims.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postsale_protocol::{SignedValidator, ValidatorBinding, mint_validator};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(validator) = SignedValidator::parse(raw) else {
        return;
    };
    let claims = validator.unverified_claims().clone();
    let amount = claims.amount().expect("parse refuses negative amounts");
    let binding = ValidatorBinding {
        opportunity_id: &claims.opportunity_id,
        ticket_nonce: &claims.ticket_nonce,
        amount,
        customer_sha256: &claims.customer_sha256,
    };
    let _ = validator.verify(b"fuzz secret", claims.expires_at, &binding);
    let _ = validator.verify(b"", i64::MIN, &binding);
    let _ = validator.verify(b"fuzz secret", i64::MAX, &binding);
    let again = mint_validator(&claims, validator.key_id(), b"fuzz secret");
    let reparsed = SignedValidator::parse(&again).expect("a re-minted validator parses");
    assert_eq!(
        reparsed.verify(b"fuzz secret", claims.expires_at, &binding),
        Ok(claims.clone())
    );
});
