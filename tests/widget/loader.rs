//! The loader (`www/postsale.js`) as a merchant's page runs it: calls made
//! before it arrived are kept, in order, and replayed by the widget; a second
//! copy changes nothing; HTML-only merchants get the same calls from data-*.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::*;

const LOADER: &str = include_str!("../../www/postsale.js");
/// The older first line of the snippet, which the README says still works.
const SNIPPET: &str =
    "window.postsale=window.postsale||function(){(postsale.q=postsale.q||[]).push(arguments)};";

fn fresh_page() {
    script(
        "delete window.postsale; delete window[Symbol.for('postsale')]; window.__seen = []; window.__errors = 0;",
    );
}

fn queue() -> Array {
    Reflect::get(&global("postsale"), &"q".into())
        .expect("q")
        .dyn_into()
        .expect("an array")
}

fn command(call: &JsValue) -> String {
    Array::from(call).get(0).as_string().unwrap_or_default()
}

fn seen() -> Vec<String> {
    Array::from(&global("__seen"))
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

#[wasm_bindgen_test]
async fn calls_made_before_the_loader_are_kept_and_replayed_in_order() {
    fresh_page();
    script(SNIPPET);
    script(&format!(
        "postsale('on', 'error', function (d) {{ __seen.push('error:' + d.reason); }});
         postsale('init', {{ hub: '{DEAD_HUB}', affiliate: 'demo' }});
         postsale('purchase', {{ ticket: 't', order: {{ id: 'A-1', items: [], total: '10.00', currency: 'USD' }} }});"
    ));
    script(LOADER);
    // The loader kept the stub's queue and its order, and queues what comes next.
    script("postsale('on', 'closed', function () { __seen.push('closed'); });");
    let calls: Vec<String> = queue().iter().map(|c| command(&c)).collect();
    assert_eq!(calls, ["on", "init", "purchase", "on"]);

    // The widget takes over and replays: the listener is there before the
    // purchase fails, and the init before the purchase (else: nothing at all).
    postsale_widget::start();
    assert!(
        Reflect::get(&global("postsale"), &"loaded".into()).is_ok_and(|v| v.is_truthy()),
        "the stub was replaced"
    );
    assert!(
        until(5_000, || !seen().is_empty()).await,
        "the error event came"
    );
    assert_eq!(seen(), ["error:unreachable"]);
    assert_eq!(widget_hosts(), 0, "a failing hub shows nothing");
}

#[wasm_bindgen_test]
async fn a_second_copy_of_the_loader_is_harmless() {
    fresh_page();
    script("addEventListener('error', function () { __errors++; });");
    script(SNIPPET);
    script("postsale('init', { affiliate: 'demo' });");
    script(LOADER);
    let first = global("postsale");
    script("postsale('on', 'shown', function () {});");
    script(LOADER);
    assert!(Object::is(&first, &global("postsale")), "the same stub");
    assert_eq!(queue().length(), 2, "the queue survived");
    // Once the widget has taken over, another copy leaves the real function.
    postsale_widget::start();
    let real = global("postsale");
    script(LOADER);
    assert!(Object::is(&real, &global("postsale")));
    sleep(50).await;
    assert_eq!(
        global("__errors").as_f64(),
        Some(0.0),
        "nothing thrown into the page"
    );
}

#[wasm_bindgen_test]
fn html_only_merchants_get_the_same_calls_from_data_attributes() {
    fresh_page();
    let order = document().create_element("script").expect("a script");
    order
        .set_attribute("type", "application/json")
        .expect("typed");
    order.set_id("postsale-order");
    order.set_text_content(Some(
        r#"{"ticket":"tk","order":{"items":[],"currency":"EUR"}}"#,
    ));
    body().append_child(&order).expect("appended");
    let page = document().create_element("div").expect("a div");
    page.set_inner_html(r#"<b id="oid"> A-7 </b><b id="tot">1.299,00 €</b>"#);
    body().append_child(&page).expect("appended");

    let loader = document().create_element("script").expect("a script");
    for (name, value) in [
        ("data-affiliate", "demo"),
        ("data-hub", DEAD_HUB),
        ("data-order-id-selector", "#oid"),
        ("data-total-selector", "#tot"),
    ] {
        loader.set_attribute(name, value).expect("set");
    }
    loader.set_text_content(Some(LOADER));
    body().append_child(&loader).expect("run");

    let calls = queue();
    assert_eq!(calls.length(), 2);
    let init = Array::from(&calls.get(0));
    assert_eq!(init.get(0).as_string().as_deref(), Some("init"));
    let get = |v: &JsValue, k: &str| Reflect::get(v, &k.into()).expect("field");
    assert_eq!(
        get(&init.get(1), "affiliate").as_string().as_deref(),
        Some("demo")
    );
    assert_eq!(
        get(&init.get(1), "hub").as_string().as_deref(),
        Some(DEAD_HUB)
    );
    let purchase = Array::from(&calls.get(1));
    assert_eq!(purchase.get(0).as_string().as_deref(), Some("purchase"));
    let order_value = get(&purchase.get(1), "order");
    assert_eq!(
        get(&purchase.get(1), "ticket").as_string().as_deref(),
        Some("tk")
    );
    assert_eq!(get(&order_value, "id").as_string().as_deref(), Some("A-7"));
    assert_eq!(
        get(&order_value, "total").as_string().as_deref(),
        Some("1299.00")
    );
    assert_eq!(
        get(&order_value, "currency").as_string().as_deref(),
        Some("EUR")
    );
    order.remove();
    page.remove();
    loader.remove();
}
