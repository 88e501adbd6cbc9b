//! The postsale widget: the code that the loader (`www/postsale.js`) fetches lazily
//! onto an affiliate's order-confirmation page. It drains the loader's call queue,
//! asks the hub for an opportunity, and shows it inside a shadow root (or a
//! hub-origin IFRAME) so that the host page's styles and ours never meet. Any
//! failure shows nothing.

mod bootstrap;
mod components;
mod config;
mod events;
mod format;
mod frame;
mod js;
mod mount;
mod net;
mod session;
pub mod state;
mod theme;
mod wire;

pub use components::AppProps;

/// The widget's readers of the hub's answers, for the contract test
/// (`tests/widget/contract.rs`): not part of the widget's API.
#[doc(hidden)]
pub mod contract {
    use postsale_protocol::{AcceptResponse, Offer, Opportunity};
    use wasm_bindgen::JsValue;

    fn parsed(json: &str) -> JsValue {
        js_sys::JSON::parse(json).unwrap_or(JsValue::UNDEFINED)
    }

    /// An opportunity, as the widget reads the hub's JSON text of one.
    pub fn opportunity(json: &str) -> Option<Opportunity> {
        crate::wire::opportunity(&parsed(json))
    }

    /// An offer, as the widget reads it.
    pub fn offer(json: &str) -> Option<Offer> {
        crate::wire::offer(&parsed(json))
    }

    /// An accept's answer, as the widget reads it.
    pub fn accept_response(json: &str) -> Option<AcceptResponse> {
        crate::wire::accept_response(&parsed(json))
    }
}
pub use mount::{MountError, Mounted, mount};
pub use session::{Hub, Session};

use wasm_bindgen::prelude::wasm_bindgen;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::cell::TalcSyncCell<talc::wasm::WasmGrowAndClaim, talc::wasm::WasmBinning> =
    talc::cell::TalcSyncCell::new_wasm(talc::wasm::WasmGrowAndClaim);

/// Entry point run by the wasm-bindgen glue once the module is instantiated.
///
/// It never throws into the host page: every failure ends as at most one console
/// warning and nothing shown. Calling it again after the loader's stub has been
/// replaced does nothing.
#[wasm_bindgen(start)]
pub fn start() {
    bootstrap::run();
}
