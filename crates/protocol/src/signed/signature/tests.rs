//! The signature header: round trip, tampering, tolerance, rotation, parsing.

use proptest::prelude::*;

use super::*;

const OLD: &[u8] = b"whsec_old_0123456789abcdef012345";
const NEW: &[u8] = b"whsec_new_0123456789abcdef012345";
const NOW: i64 = 1_790_000_000;

#[test]
fn the_header_has_the_documented_shape() {
    let header = sign_request(b"{}", NEW, NOW);
    let (t, v1) = header.split_once(',').expect("two parts");
    assert_eq!(t, format!("t={NOW}"));
    assert!(v1.starts_with("v1=") && v1.len() == 3 + 64);
}

#[test]
fn a_known_vector_matches_hmac_sha256_over_t_dot_body() {
    // Computed independently: printf '1.hello' | openssl dgst -sha256 -hmac key
    let header = sign_request(b"hello", b"key", 1);
    assert_eq!(
        header,
        "t=1,v1=9233658ef5e21fe59dba8abb099c978547d7626f87090a6a585c26a2a98a91f8"
    );
}

#[test]
fn a_header_exactly_at_the_tolerance_edge_verifies_and_one_second_past_does_not() {
    let header = sign_request(b"body", NEW, NOW);
    assert_eq!(verify_request(&header, b"body", &[NEW], NOW + 300), Ok(()));
    assert_eq!(verify_request(&header, b"body", &[NEW], NOW - 300), Ok(()));
    assert_eq!(
        verify_request(&header, b"body", &[NEW], NOW + 301),
        Err(SignatureError::OutsideTolerance)
    );
}

#[test]
fn no_secrets_or_only_empty_ones_never_verify() {
    let header = sign_request(b"body", b"", NOW);
    assert_eq!(
        verify_request(&header, b"body", &[], NOW),
        Err(SignatureError::BadSignature)
    );
    assert_eq!(
        verify_request(&header, b"body", &[b""], NOW),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn a_sender_mid_rotation_may_send_two_signatures() {
    let old = sign_request(b"body", OLD, NOW);
    let new = sign_request(b"body", NEW, NOW);
    let both = format!("{old},{}", new.split_once(',').expect("two parts").1);
    assert_eq!(verify_request(&both, b"body", &[NEW], NOW), Ok(()));
    assert_eq!(verify_request(&both, b"body", &[OLD], NOW), Ok(()));
}

#[test]
fn malformed_headers_are_refused() {
    let good = sign_request(b"body", NEW, NOW);
    let sig = good.split_once(",v1=").expect("v1").1;
    for bad in [
        String::new(),
        format!("v1={sig},t={NOW}"),
        format!("t={NOW}"),
        format!("t={NOW},v1={}", sig.to_uppercase()),
        format!("t={NOW},v1={sig},"),
        format!("t={NOW}, v1={sig}"),
        format!("t=0{NOW},v1={sig}"),
        format!("t=-{NOW},v1={sig}"),
        format!("t={NOW},v0={sig}"),
        format!("t={NOW},v1={}", &sig[1..]),
        format!("t={NOW},v1={sig},v1={sig},v1={sig},v1={sig},v1={sig}"),
        format!("t=99999999999999999999,v1={sig}"),
    ] {
        assert_eq!(
            verify_request(&bad, b"body", &[NEW], NOW),
            Err(SignatureError::Malformed),
            "{bad}"
        );
    }
    assert_eq!(
        verify_request(&"t".repeat(2000), b"body", &[NEW], NOW),
        Err(SignatureError::TooLarge)
    );
}

proptest! {
    #[test]
    fn a_signed_request_round_trips(body in any::<Vec<u8>>(), now in 0_i64..=i64::MAX / 2) {
        let header = sign_request(&body, NEW, now);
        prop_assert_eq!(verify_request(&header, &body, &[NEW], now), Ok(()));
    }

    #[test]
    fn a_tampered_body_is_refused(body in any::<Vec<u8>>(), index in any::<prop::sample::Index>(), flip in 1_u8..) {
        let header = sign_request(&body, NEW, NOW);
        let mut tampered = body.clone();
        if tampered.is_empty() {
            tampered.push(flip);
        } else {
            let i = index.index(tampered.len());
            tampered[i] ^= flip;
        }
        prop_assert_eq!(
            verify_request(&header, &tampered, &[NEW], NOW),
            Err(SignatureError::BadSignature)
        );
    }

    #[test]
    fn a_header_outside_the_tolerance_is_refused(skew in 301_i64..1_000_000, later in any::<bool>()) {
        let header = sign_request(b"body", NEW, NOW);
        let now = if later { NOW + skew } else { NOW - skew };
        prop_assert_eq!(
            verify_request(&header, b"body", &[NEW], now),
            Err(SignatureError::OutsideTolerance)
        );
    }

    #[test]
    fn during_rotation_the_old_secret_still_verifies(body in any::<Vec<u8>>(), drift in -300_i64..=300) {
        let header = sign_request(&body, OLD, NOW);
        prop_assert_eq!(verify_request(&header, &body, &[NEW, OLD], NOW + drift), Ok(()));
        prop_assert_eq!(
            verify_request(&header, &body, &[NEW], NOW + drift),
            Err(SignatureError::BadSignature)
        );
    }

    #[test]
    fn verify_never_panics_on_any_header(header in "\\PC{0,200}", body in any::<Vec<u8>>()) {
        let _ = verify_request(&header, &body, &[NEW], NOW);
    }
}
