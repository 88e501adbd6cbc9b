//! The words the widget, the hub and the affiliate's backend exchange, as types.
//! It builds for wasm32 and native alike, so that both ends of every request
//! parse the same way: a value of these types is valid once it exists.

mod reason_code;

pub use reason_code::{ReasonCode, ReasonCodeError};
