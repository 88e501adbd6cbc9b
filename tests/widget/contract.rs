//! The contract with the hub: the JSON the hub writes for each answer
//! (`tests/contract/*.json`, held equal to the protocol's serialisation by
//! `tests/contract.rs`), read by the widget's own readers, gives back every
//! value the hub meant. A field the widget reads under another name than
//! the hub writes fails here.

use postsale_widget::contract;
use wasm_bindgen_test::wasm_bindgen_test;

#[path = "../contract/values.rs"]
mod values;

const OPPORTUNITY: &str = include_str!("../contract/opportunity.json");
const OFFER: &str = include_str!("../contract/offer.json");
const ACCEPT: &str = include_str!("../contract/accept_response.json");

#[wasm_bindgen_test]
fn the_widget_reads_every_answer_as_the_hub_writes_it() {
    assert_eq!(
        contract::opportunity(OPPORTUNITY),
        Some(values::opportunity())
    );
    assert_eq!(contract::offer(OFFER), Some(values::offer()));
    assert_eq!(
        contract::accept_response(ACCEPT),
        Some(values::accept_response())
    );
}

#[wasm_bindgen_test]
fn an_answer_with_a_field_renamed_is_not_read() {
    let renamed = OFFER.replace("\"text_sha256\"", "\"text_hash\"");
    assert_eq!(contract::offer(&renamed), None);
    let renamed = OPPORTUNITY.replace("\"no_thanks\"", "\"no_thank_you\"");
    assert_eq!(contract::opportunity(&renamed), None);
    let renamed = ACCEPT.replace("\"order_id\"", "\"id\"");
    assert_eq!(contract::accept_response(&renamed), None);
}
