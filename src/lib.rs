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
