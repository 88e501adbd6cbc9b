//! Any bytes given to the ticket parser give a ticket or a typed error, and a
//! parsed ticket's checks never panic either. A parsed ticket signed again
//! with its own claims and key must parse to the same claims (one encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postsale_protocol::{SignedTicket, sign_ticket};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ticket) = SignedTicket::parse(raw) else {
        return;
    };
    let claims = ticket.unverified_claims().clone();
    let _ = ticket.verify(b"fuzz secret", claims.issued_at);
    let _ = ticket.verify(b"", i64::MIN);
    let _ = ticket.verify(b"fuzz secret", i64::MAX);
    // The encoding is canonical: re-signing the claims gives the same payload.
    let again = sign_ticket(&claims, ticket.key_id(), b"fuzz secret");
    let reparsed = SignedTicket::parse(&again).expect("a re-signed ticket parses");
    assert_eq!(reparsed.unverified_claims(), &claims);
    let payload = |t: &str| t.split('.').nth(2).map(str::to_owned);
    assert_eq!(payload(raw), payload(&again), "one claim set, one payload");
    assert!(reparsed.verify(b"fuzz secret", claims.issued_at).is_ok());
});
