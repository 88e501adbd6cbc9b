//! What the merchant's page hears: `postsale('on', name, callback)` callbacks
//! and `postsale:<name>` DOM events on `window`, for the same five happenings.
//! A merchant callback that throws is caught here: its error stays its own.
//! Inside the hub's frame, events go to the parent page instead (see `frame.rs`).

use std::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit};

/// The happenings a merchant can listen to.
pub(crate) const NAMES: [&str; 5] = ["shown", "accepted", "declined", "closed", "error"];

thread_local! {
    static LISTENERS: RefCell<Vec<(String, Function)>> = const { RefCell::new(Vec::new()) };
}

/// Forgets every callback: a new take-over of the loader's stub starts afresh.
pub(crate) fn reset() {
    LISTENERS.with(|l| l.borrow_mut().clear());
}

/// Registers a callback; `false` when the name or the callback is not valid.
pub(crate) fn on(name: &JsValue, callback: &JsValue) -> bool {
    let (Some(name), Some(callback)) = (name.as_string(), callback.dyn_ref::<Function>().cloned())
    else {
        return false;
    };
    if !NAMES.contains(&name.as_str()) {
        return false;
    }
    LISTENERS.with(|l| l.borrow_mut().push((name, callback)));
    true
}

/// Tells the merchant's page that `name` happened.
pub(crate) fn emit(name: &str, detail: &JsValue) {
    #[cfg(feature = "frame")]
    if crate::frame::inside::forward(name, detail) {
        return;
    }
    deliver(name, detail);
}

/// Calls the page's callbacks and dispatches the DOM event, here.
pub(crate) fn deliver(name: &str, detail: &JsValue) {
    if !NAMES.contains(&name) {
        return;
    }
    let callbacks: Vec<Function> = LISTENERS.with(|l| {
        l.borrow()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .collect()
    });
    for callback in callbacks {
        // A throwing callback is the merchant's bug; it must not become ours.
        let _ = callback.call1(&JsValue::NULL, detail);
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let init = CustomEventInit::new();
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(&["postsale:", name].concat(), &init) {
        let _ = window.dispatch_event(&event);
    }
}
