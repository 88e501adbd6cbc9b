//! Bad input from the merchant's page: malformed purchases, forged entries in
//! the loader's queue, an untidy hub address. Bad input is one console warning
//! per page, no request to the hub, nothing shown and nothing thrown.

use js_sys::{Array, Reflect};
use wasm_bindgen_test::wasm_bindgen_test;

use super::hub::{FAKE_HUB, OPPORTUNITY, fake_hub, requests, restore_fetch, shop};
use super::*;

/// Records `console.warn` calls in `__warnings` instead of printing them.
fn capture_warnings() {
    script(
        "window.__warnings = []; window.__realWarn = window.__realWarn || console.warn;
         console.warn = function (m) { __warnings.push(String(m)); };",
    );
}

fn warnings() -> u32 {
    Array::from(&global("__warnings")).length()
}

fn release_warnings() {
    script("console.warn = window.__realWarn;");
}

/// The README snippet's stub, with nothing queued yet.
const STUB: &str = "delete window.postsale;
    window.postsale=window.postsale||function(){(postsale.q=postsale.q||[]).push(arguments)};";

#[wasm_bindgen_test]
async fn bad_merchant_input_is_one_warning_no_request_and_nothing_shown() {
    fake_hub(&format!(
        "function (method, path) {{ return path === '/v1/opportunities' ? [201, {OPPORTUNITY}] : [404, null]; }}"
    ));
    capture_warnings();
    let item = "[{ sku: 'CAM', quantity: 1, unit_price: '10.00' }]";
    let tk = "ticket: 'tk', ";
    // (what, ticket, items, total, currency, more of the purchase)
    let purchases = [
        ("no ticket", "", item, "10.00", "USD", ""),
        ("an empty ticket", "ticket: '', ", item, "10.00", "USD", ""),
        ("a currency in lower case", tk, item, "10.00", "usd", ""),
        ("a negative total", tk, item, "-1.00", "USD", ""),
        ("a total in exponent form", tk, item, "1e3", "USD", ""),
        ("items that are not a list", tk, "'CAM'", "10.00", "USD", ""),
        (
            "an item without a quantity",
            tk,
            "[{ sku: 'CAM', unit_price: '10.00' }]",
            "10.00",
            "USD",
            "",
        ),
        (
            "a fractional quantity",
            tk,
            "[{ sku: 'CAM', quantity: 1.5, unit_price: '10.00' }]",
            "10.00",
            "USD",
            "",
        ),
        // A sparse array claiming 2^32 - 1 items and holding none.
        (
            "an oversized sparse item list",
            tk,
            "Object.assign([], { length: 4294967295 })",
            "10.00",
            "USD",
            "",
        ),
        (
            "a first name that is not text",
            tk,
            item,
            "10.00",
            "USD",
            ", customer: { first_name: 7 }",
        ),
    ];
    for (what, ticket, items, total, currency, more) in purchases {
        let purchase = format!(
            "{{ {ticket}order: {{ id: 'A-1', items: {items}, total: '{total}', currency: '{currency}' }}{more} }}"
        );
        script(&format!(
            "__warnings.length = 0; __requests.length = 0; {STUB}
             postsale('init', {{ hub: '{FAKE_HUB}', affiliate: 'demo' }});
             postsale('purchase', {purchase});
             postsale('purchase', {purchase});"
        ));
        postsale_widget::start();
        sleep(100).await;
        assert_eq!(warnings(), 1, "one warning for {what}, however many calls");
        assert!(requests().is_empty(), "nothing sent to the hub for {what}");
        assert_eq!(widget_hosts(), 0, "nothing shown for {what}");
    }
    release_warnings();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn forged_calls_in_the_queue_are_one_warning_and_nothing_thrown() {
    capture_warnings();
    script(&format!(
        "{STUB}
         postsale.q = [null, 7, 'init', {{ length: 4294967295 }}, [[], {{}}]];
         postsale.q.length = 4294967295;"
    ));
    // A throw would fail the test here; draining 2^32 - 1 entries would
    // hold it for minutes.
    postsale_widget::start();
    sleep(50).await;
    assert_eq!(warnings(), 1);
    let loaded = Reflect::get(&global("postsale"), &"loaded".into()).expect("postsale");
    assert_eq!(loaded.as_bool(), Some(true), "the real function took over");
    release_warnings();
}

#[wasm_bindgen_test]
async fn a_hub_address_with_trailing_slashes_is_used_without_them() {
    fake_hub("function () { return [204, null]; }");
    shop(&[FAKE_HUB, "//"].concat());
    assert!(
        until(2_000, || !requests().is_empty()).await,
        "the hub was asked"
    );
    let (method, path, _, _) = requests().remove(0);
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/v1/opportunities")
    );
    restore_fetch();
}
