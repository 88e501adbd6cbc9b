//! Tickets: round trip, tampering, time window, strict parsing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;

use super::*;

const SECRET: &[u8] = b"an affiliate secret of 32 bytes!";
const NOW: i64 = 1_790_000_000;

fn claims() -> TicketClaims {
    TicketClaims {
        affiliate_id: "aff_3f9c".into(),
        order_id: "A-1001".into(),
        reason_code: ReasonCode::parse("CAMERA-HIGH").ok(),
        customer_token: "cus_77".into(),
        incentive: Some("free-shipping".into()),
        promotion_id: None,
        issued_at: NOW,
        nonce: "n0nce-n0nce-n0nce".into(),
    }
}

fn verify(raw: &str, now: i64) -> Result<TicketClaims, TicketError> {
    SignedTicket::parse(raw)?.verify(SECRET, now)
}

/// A ticket whose payload is `json`, correctly signed.
fn with_payload(json: &str) -> String {
    let signed = format!("v1.k1.{}", URL_SAFE_NO_PAD.encode(json));
    let good = sign_ticket(&claims(), "k1", SECRET);
    let mac = good.rsplit('.').next().unwrap_or_default();
    format!("{signed}.{mac}")
}

#[test]
fn a_signed_ticket_verifies_and_names_its_key() {
    let raw = sign_ticket(&claims(), "k1", SECRET);
    assert!(raw.starts_with("v1.k1."));
    let ticket = SignedTicket::parse(&raw).expect("parses");
    assert_eq!(ticket.key_id(), "k1");
    assert_eq!(ticket.unverified_claims(), &claims());
    assert_eq!(ticket.verify(SECRET, NOW), Ok(claims()));
}

#[test]
fn a_ticket_under_another_secret_is_refused() {
    let raw = sign_ticket(&claims(), "k1", SECRET);
    let ticket = SignedTicket::parse(&raw).expect("parses");
    assert_eq!(
        ticket.verify(b"another secret", NOW),
        Err(TicketError::BadSignature)
    );
    assert_eq!(ticket.verify(b"", NOW), Err(TicketError::BadSignature));
}

#[test]
fn an_empty_secret_never_verifies_even_a_ticket_signed_with_it() {
    let raw = sign_ticket(&claims(), "k1", b"");
    assert_eq!(
        SignedTicket::parse(&raw).and_then(|t| t.verify(b"", NOW)),
        Err(TicketError::BadSignature)
    );
}

#[test]
fn a_ticket_past_its_lifetime_is_expired() {
    let raw = sign_ticket(&claims(), "k1", SECRET);
    assert!(verify(&raw, NOW + TICKET_TTL_SECS).is_ok());
    assert_eq!(
        verify(&raw, NOW + TICKET_TTL_SECS + 1),
        Err(TicketError::Expired)
    );
}

#[test]
fn a_ticket_from_the_future_is_not_yet_valid() {
    let raw = sign_ticket(&claims(), "k1", SECRET);
    assert!(verify(&raw, NOW - CLOCK_SKEW_SECS).is_ok());
    assert_eq!(
        verify(&raw, NOW - CLOCK_SKEW_SECS - 1),
        Err(TicketError::NotYetValid)
    );
}

#[test]
fn extreme_timestamps_do_not_overflow() {
    let mut c = claims();
    c.issued_at = i64::MIN;
    let raw = sign_ticket(&c, "k1", SECRET);
    assert_eq!(verify(&raw, i64::MAX), Err(TicketError::Expired));
    c.issued_at = i64::MAX;
    let raw = sign_ticket(&c, "k1", SECRET);
    assert_eq!(verify(&raw, i64::MIN), Err(TicketError::NotYetValid));
}

#[test]
fn an_unknown_version_is_refused_as_unsupported() {
    let raw = sign_ticket(&claims(), "k1", SECRET);
    let v2 = raw.replacen("v1.", "v2.", 1);
    assert_eq!(
        SignedTicket::parse(&v2),
        Err(TicketError::UnsupportedVersion)
    );
    assert_eq!(
        SignedTicket::parse("x1.k1.e30.e30"),
        Err(TicketError::Malformed)
    );
}

#[test]
fn an_oversized_ticket_is_refused_before_decoding() {
    let raw = format!("v1.k1.{}.x", "A".repeat(MAX_TICKET_LEN));
    assert_eq!(SignedTicket::parse(&raw), Err(TicketError::TooLarge));
}

#[test]
fn trailing_garbage_and_extra_parts_are_malformed() {
    let raw = sign_ticket(&claims(), "k1", SECRET);
    for bad in [
        format!("{raw}."),
        format!("{raw}.x"),
        format!("{raw}="),
        format!(" {raw}"),
        raw.replacen(".k1.", "..", 1),
        raw.replacen(".k1.", ".k.1.", 1),
        String::new(),
        "v1".into(),
    ] {
        assert_eq!(
            SignedTicket::parse(&bad),
            Err(TicketError::Malformed),
            "{bad}"
        );
    }
}

#[test]
fn non_canonical_payloads_are_malformed() {
    let canonical = String::from_utf8(serde_json::to_vec(&claims()).expect("json")).expect("utf8");
    assert!(SignedTicket::parse(&with_payload(&canonical)).is_ok());
    let spaced = canonical.replacen(':', ": ", 1);
    let null_field = canonical.replacen('{', "{\"inc\":null,", 1);
    let unknown = canonical.replacen('{', "{\"zzz\":1,", 1);
    let duplicated = canonical.replacen('{', "{\"ord\":\"B\",", 1);
    for bad in [
        spaced,
        null_field,
        unknown,
        duplicated,
        format!("{canonical} "),
    ] {
        assert_eq!(
            SignedTicket::parse(&with_payload(&bad)),
            Err(TicketError::Malformed),
            "{bad}"
        );
    }
}

#[test]
fn bad_claims_are_named() {
    let mut c = claims();
    c.nonce = "short".into();
    assert_eq!(c.validate(), Err(TicketError::InvalidClaim("nonce")));
    let raw = sign_ticket(&c, "k1", SECRET);
    assert_eq!(
        SignedTicket::parse(&raw),
        Err(TicketError::InvalidClaim("nonce"))
    );
    let mut c = claims();
    c.order_id = "A\n1".into();
    assert_eq!(c.validate(), Err(TicketError::InvalidClaim("order_id")));
    let mut c = claims();
    c.customer_token = String::new();
    assert_eq!(
        c.validate(),
        Err(TicketError::InvalidClaim("customer_token"))
    );
}

#[test]
fn errors_read_as_sentences() {
    assert_eq!(
        TicketError::InvalidClaim("nonce").to_string(),
        "ticket claim `nonce` is invalid"
    );
    assert!(TicketError::Expired.to_string().contains("expired"));
}

/// Up to 30 characters of at most 4 bytes: within the 128-byte id limit.
fn arb_text() -> impl Strategy<Value = String> {
    "[^\\p{Cc}]{1,30}"
}

prop_compose! {
    fn arb_claims()(
        affiliate_id in arb_text(),
        order_id in arb_text(),
        reason_code in proptest::option::of("[A-Z0-9][A-Z0-9_-]{0,20}"),
        customer_token in arb_text(),
        incentive in proptest::option::of("[^\\p{Cc}]{1,16}"),
        promotion_id in proptest::option::of("[^\\p{Cc}]{1,16}"),
        issued_at in any::<i64>(),
        nonce in "[A-Za-z0-9_-]{16,64}",
    ) -> TicketClaims {
        TicketClaims {
            affiliate_id, order_id, customer_token, incentive, promotion_id, issued_at, nonce,
            reason_code: reason_code.and_then(|r| ReasonCode::parse(&r).ok()),
        }
    }
}

proptest! {
    #[test]
    fn every_valid_ticket_round_trips(c in arb_claims(), kid in "[A-Za-z0-9_-]{1,64}") {
        let raw = sign_ticket(&c, &kid, SECRET);
        let ticket = SignedTicket::parse(&raw);
        prop_assert!(ticket.is_ok(), "{:?}", ticket);
        let ticket = ticket.expect("checked");
        prop_assert_eq!(ticket.key_id(), kid.as_str());
        prop_assert_eq!(ticket.verify(SECRET, c.issued_at), Ok(c));
    }

    #[test]
    fn any_changed_byte_is_refused(
        c in arb_claims(),
        index in any::<prop::sample::Index>(),
        replacement in 0x20_u8..0x7f,
    ) {
        let raw = sign_ticket(&c, "k1", SECRET);
        let mut bytes = raw.clone().into_bytes();
        let i = index.index(bytes.len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let tampered = String::from_utf8(bytes).expect("ascii in, ascii out");
        let verdict = SignedTicket::parse(&tampered).and_then(|t| t.verify(SECRET, c.issued_at));
        prop_assert!(verdict.is_err(), "{} accepted", tampered);
    }

    #[test]
    fn parse_never_panics_on_any_string(raw in "\\PC{0,300}") {
        let _ = SignedTicket::parse(&raw);
    }

    #[test]
    fn parse_never_panics_on_near_tickets(raw in "v1\\.[A-Za-z0-9_.-]{0,300}") {
        let _ = SignedTicket::parse(&raw);
    }
}

#[test]
fn a_ticket_made_by_another_implementation_verifies() {
    // Made with Python's hmac/base64/json from the construction in signed/mod.rs
    // (also the fuzz seed fuzz/seeds/ticket/valid).
    let raw = "v1.k1.eyJhZmYiOiJhZmZfMSIsIm9yZCI6IkEtMTAwMSIsInJjIjoiQ0FNRVJBLUhJR0giLCJjdXMiOiJjdXNfNyIsImluYyI6InBvaW50cyIsImlhdCI6MTc5MDAwMDAwMCwibm9uIjoibjBuY2UtbjBuY2UtbjBuY2UifQ.TARO64kiD4tA9_jcmXEtH6MpssrIgAK2Ryzl14SIG4Q";
    let ticket = SignedTicket::parse(raw).expect("parses");
    let mut expected = claims();
    expected.affiliate_id = "aff_1".into();
    expected.order_id = "A-1001".into();
    expected.customer_token = "cus_7".into();
    expected.incentive = Some("points".into());
    assert_eq!(ticket.verify(b"fuzz secret", NOW), Ok(expected.clone()));
    assert_eq!(sign_ticket(&expected, "k1", b"fuzz secret"), raw);
}
