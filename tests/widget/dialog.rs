//! The dialog: where it mounts, how it is labelled, and the keyboard.

use postsale_widget::mount;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{HtmlElement, KeyboardEvent, KeyboardEventInit};

use super::*;

pub(super) fn press(target: &HtmlElement, key: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_composed(true);
    let event =
        KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("an event");
    target.dispatch_event(&event).expect("dispatched");
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
async fn the_close_button_takes_the_dialog_and_its_host_away() {
    let host = new_host();
    let _mounted = mount(&host, props()).expect("mounted");
    yew::scheduler::flush().await;
    let shadow = host.shadow_root().expect("a shadow root");
    query(&shadow, "button.close")
        .expect("a close button")
        .click();
    yew::scheduler::flush().await;
    assert!(query(&shadow, "[role=dialog]").is_none());
    assert!(!host.is_connected(), "the host element left the page");
}

#[wasm_bindgen_test]
async fn a_host_that_already_has_a_shadow_root_is_refused() {
    let host = new_host();
    let first = mount(&host, props()).expect("first mount");
    assert!(mount(&host, props()).is_err());
    yew::scheduler::flush().await;
    first.destroy();
    host.remove();
}

#[wasm_bindgen_test]
async fn focus_moves_in_tab_stays_inside_and_esc_gives_focus_back() {
    let before: HtmlElement = document()
        .create_element("button")
        .expect("a button")
        .unchecked_into();
    before.set_text_content(Some("the merchant's button"));
    body().append_child(&before).expect("appended");
    before.focus().expect("focused");
    assert_eq!(document().active_element(), Some(before.clone().into()));

    let host = new_host();
    let _mounted = mount(&host, props()).expect("mounted");
    yew::scheduler::flush().await;
    let shadow = host.shadow_root().expect("a shadow root");

    // Focus moved in, to the first control (the teaser's "Show me").
    let first = query(&shadow, ".primary").expect("the first control");
    let last = query(&shadow, "button.close").expect("the close button");
    assert_eq!(shadow.active_element(), Some(first.clone().into()));
    assert_eq!(
        document().active_element(),
        Some(host.clone()),
        "the page sees the widget focused"
    );

    // Tab on the last control wraps to the first, Shift+Tab on the first to the last.
    last.focus().expect("focused");
    press(&last, "Tab", false);
    assert_eq!(shadow.active_element(), Some(first.clone().into()));
    press(&first, "Tab", true);
    assert_eq!(shadow.active_element(), Some(last.clone().into()));

    // Esc closes, and focus is back on the merchant's button.
    press(&last, "Escape", false);
    yew::scheduler::flush().await;
    assert!(query(&shadow, "[role=dialog]").is_none());
    assert_eq!(document().active_element(), Some(before.clone().into()));
    before.remove();
    host.remove();
}
