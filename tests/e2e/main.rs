//! End-to-end tests: the hub, the demo shops and a real browser, used the way
//! a customer uses them. Each test starts its own hub (fresh SQLite file,
//! demo data) and demo shop processes, and its own browser session, so no test
//! sees another's orders. The demo shops listen on the ports the hub's demo
//! data names (8081, 8082): the tests run one at a time (`--test-threads=1`,
//! and a lock besides).
//!
//! `cargo xtask test` runs this once per browser, with the driver started and
//! these variables set (see `xtask/src/e2e.rs`); without them every test
//! fails. `cargo test --workspace` leaves this suite out (`test = false`).
//!
//! - `POSTSALE_E2E_WEBDRIVER`: the driver's URL, e.g. `http://127.0.0.1:9515`
//! - `POSTSALE_E2E_BROWSER`: `chromium` or `firefox`
//! - `POSTSALE_E2E_HUB_BIN`, `POSTSALE_E2E_SHOP_BIN`: the `postsale` binary and
//!   the `demo_shop` example
//! - `POSTSALE_E2E_ASSETS`: the trunk build (`dist/`)
//! - `POSTSALE_E2E_AXE`: axe-core's `axe.min.js`
//! - `POSTSALE_E2E_OUT`: where screenshots and process logs go
//! - `POSTSALE_E2E_STRIPE`: localstripe's address, for the Stripe tests
#![cfg(not(target_arch = "wasm32"))]

mod a11y;
mod console;
mod frame;
mod harness;
mod hub_down;
mod keyboard;
mod languages;
mod popup;
mod stripe;
mod tls;
