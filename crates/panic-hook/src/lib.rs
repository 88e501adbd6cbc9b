//! The panic hook Yew installs when it first renders.
//!
//! The widget's release build aborts on a panic before any hook runs
//! (std rebuilt with `-Cpanic=immediate-abort`, see `xtask/src/widget.rs`);
//! on stable it aborts right after the hook. The crates.io hook formats the
//! panic into a message with the JS stack, and that formatting machinery
//! stayed in the wasm although it never ran: 2.4 KB brotli on every
//! merchant's page. Here the message goes to the console in debug builds
//! (`trunk serve`, the browser tests) and release builds keep no formatting.

use std::panic::PanicHookInfo;

/// Writes the panic's message to the console in debug builds.
pub fn hook(info: &PanicHookInfo<'_>) {
    if cfg!(debug_assertions) {
        console::error(&info.to_string());
    }
}

/// Installs [`hook`] as the panic hook, the first time only.
pub fn set_once() {
    static SET: std::sync::Once = std::sync::Once::new();
    SET.call_once(|| std::panic::set_hook(Box::new(hook)));
}

#[cfg(target_arch = "wasm32")]
mod console {
    use wasm_bindgen::prelude::wasm_bindgen;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = console)]
        pub(crate) fn error(message: &str);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod console {
    pub(crate) fn error(message: &str) {
        eprintln!("{message}");
    }
}
