//! The affiliate's handoff answer (which carries the customer schema under
//! `payment_reference`) is outside input to the hub: any bytes give a value or
//! a serde error, and what parses survives a round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postsale_protocol::{CustomerRecord, HandoffResponse};

fuzz_target!(|data: &[u8]| {
    if let Ok(answer) = serde_json::from_slice::<HandoffResponse>(data) {
        let again = serde_json::to_vec(&answer).expect("a parsed answer serialises");
        let back: HandoffResponse = serde_json::from_slice(&again).expect("and parses back");
        assert_eq!(back, answer);
    }
    if let Ok(customer) = serde_json::from_slice::<CustomerRecord>(data) {
        let again = serde_json::to_vec(&customer).expect("a parsed record serialises");
        let back: CustomerRecord = serde_json::from_slice(&again).expect("and parses back");
        assert_eq!(back, customer);
    }
});
