//! Takes over from the loader: drains the calls the page queued on the
//! `postsale` stub, then replaces the stub with a function that handles calls
//! at once. Nothing here may throw into the host page: bad input ends in one
//! console warning.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::Element;

use crate::components::AppProps;

/// The one global name the loader defines.
const GLOBAL: &str = "postsale";
/// The custom element that hosts the widget's shadow root.
const HOST_TAG: &str = "postsale-widget";
/// Inline style for the host element. `!important` inline declarations win over
/// any rule of the host page, so the host never takes up layout space.
const HOST_STYLE: &str = "all:initial!important;position:fixed!important;top:0!important;\
left:0!important;width:0!important;height:0!important;z-index:2147483647!important";

/// Drains the loader's queue and installs the real `postsale` function.
pub(crate) fn run() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(stub) = Reflect::get(&window, &JsValue::from_str(GLOBAL)) else {
        return;
    };
    if !stub.is_function() {
        // Not loaded by the loader (a test harness, or a page without the snippet).
        return;
    }
    if let Ok(queue) = Reflect::get(&stub, &JsValue::from_str("q"))
        && let Some(queue) = queue.dyn_ref::<Array>()
    {
        for call in queue.iter() {
            handle(&Array::from(&call));
        }
    }
    let real = Closure::<dyn Fn(JsValue, JsValue)>::new(|command: JsValue, payload: JsValue| {
        handle(&Array::of2(&command, &payload));
    });
    let real: Function = real.into_js_value().unchecked_into();
    // Marks the function so that a second copy of the loader sees it is done.
    let _ = Reflect::set(&real, &JsValue::from_str("loaded"), &JsValue::TRUE);
    let _ = Reflect::set(&window, &JsValue::from_str(GLOBAL), &real);
}

/// Handles one `postsale(command, payload)` call.
fn handle(call: &Array) {
    match call.get(0).as_string().as_deref() {
        Some("purchase") => {
            if let Err(err) = show() {
                warn(&format!("postsale: {err}"));
            }
        }
        Some("init" | "on") => {}
        _ => warn("postsale: unknown call ignored"),
    }
}

fn show() -> Result<(), crate::MountError> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(crate::MountError::Dom)?;
    let body = document.body().ok_or(crate::MountError::Dom)?;
    let host: Element = document
        .create_element(HOST_TAG)
        .map_err(|_| crate::MountError::Dom)?;
    host.set_attribute("style", HOST_STYLE)
        .map_err(|_| crate::MountError::Dom)?;
    body.append_child(&host)
        .map_err(|_| crate::MountError::Dom)?;
    let props = AppProps {
        teaser: "A thank-you offer for your order".into(),
    };
    // The widget stays mounted until the customer closes it.
    std::mem::forget(crate::mount(&host, props)?);
    Ok(())
}

fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}
