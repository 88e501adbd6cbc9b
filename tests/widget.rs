//! The widget in a real browser (headless Chromium and Firefox, one run each,
//! driven by `cargo xtask test`): it mounts where we say and nowhere else.
#![cfg(target_arch = "wasm32")]

use postsale_widget::{AppProps, mount};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

fn new_host() -> Element {
    let host = document()
        .create_element("postsale-widget")
        .expect("an element");
    document()
        .body()
        .expect("a body")
        .append_child(&host)
        .expect("appended");
    host
}

fn props() -> AppProps {
    AppProps {
        teaser: "A thank-you offer".into(),
    }
}

#[wasm_bindgen_test]
async fn the_dialog_mounts_inside_a_shadow_root() {
    let host = new_host();
    let mounted = mount(&host, props()).expect("mounted");
    yew::scheduler::flush().await;

    let shadow = host.shadow_root().expect("a shadow root on the host");
    let dialog = shadow
        .query_selector("[role=dialog]")
        .expect("a valid selector")
        .expect("a dialog inside the shadow root");
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let label = dialog.get_attribute("aria-labelledby").expect("labelled");
    let title = shadow.get_element_by_id(&label).expect("the label exists");
    assert_eq!(title.text_content().as_deref(), Some("A thank-you offer"));

    // Nothing leaked into the light DOM.
    assert!(
        document()
            .query_selector("[role=dialog]")
            .expect("selector")
            .is_none()
    );
    mounted.destroy();
    host.remove();
}

#[wasm_bindgen_test]
async fn the_close_button_takes_the_dialog_away() {
    let host = new_host();
    let _mounted = mount(&host, props()).expect("mounted");
    yew::scheduler::flush().await;
    let shadow = host.shadow_root().expect("a shadow root");
    let close: HtmlElement = shadow
        .query_selector("button.close")
        .expect("selector")
        .expect("a close button")
        .unchecked_into();
    close.click();
    yew::scheduler::flush().await;
    assert!(
        shadow
            .query_selector("[role=dialog]")
            .expect("selector")
            .is_none()
    );
    host.remove();
}

#[wasm_bindgen_test]
fn a_host_that_already_has_a_shadow_root_is_refused() {
    let host = new_host();
    let _first = mount(&host, props()).expect("first mount");
    assert!(mount(&host, props()).is_err());
    host.remove();
}
