//! The JSON the hub writes for each answer the widget reads, held in
//! `tests/contract/*.json`: the protocol's serialisation of
//! `tests/contract/values.rs`, byte for byte. A field renamed or reshaped in
//! `crates/protocol` fails here until the files are written again
//! (`POSTSALE_BLESS=1 cargo test --test contract`), and then the widget's
//! browser test fails until the widget reads the new shape.
#![cfg(not(target_arch = "wasm32"))]

#[path = "contract/values.rs"]
mod values;

use std::path::PathBuf;

fn check(name: &str, value: serde_json::Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/contract")
        .join(format!("{name}.json"));
    let written = serde_json::to_string_pretty(&value).expect("serialises") + "\n";
    if std::env::var_os("POSTSALE_BLESS").is_some() {
        std::fs::write(&path, &written).expect("written");
        return;
    }
    let held = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        held == written,
        "{} is not what the hub writes now; if the change is meant, \
         POSTSALE_BLESS=1 cargo test --test contract, then make the widget read it:\n{written}",
        path.display()
    );
}

#[test]
fn the_files_hold_what_the_hub_writes() {
    let json = |value: Result<serde_json::Value, serde_json::Error>| value.expect("serialises");
    check(
        "opportunity",
        json(serde_json::to_value(values::opportunity())),
    );
    check("offer", json(serde_json::to_value(values::offer())));
    check(
        "accept_response",
        json(serde_json::to_value(values::accept_response())),
    );
}
