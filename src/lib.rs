//! The postsale widget: the code that the loader (`www/postsale.js`) fetches lazily
//! onto an affiliate's order-confirmation page. It drains the loader's call queue,
//! and renders the post-sale opportunity inside a shadow root so that the host
//! page's styles and ours never meet. Any failure shows nothing.

mod bootstrap;
mod components;
mod mount;
pub mod state;

pub use components::AppProps;
pub use mount::{MountError, Mounted, mount};

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point run by the wasm-bindgen glue once the module is instantiated.
///
/// It never throws into the host page: every failure ends as at most one console
/// warning and nothing shown.
#[wasm_bindgen(start)]
pub fn start() {
    bootstrap::run();
}
