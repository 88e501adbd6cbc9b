//! The widget's components, one per file. Only [`App`] is a Yew component
//! (it holds the state, the hooks and the dialog's focus); the dialog and the
//! steps are plain view functions of that state that `App` calls. A component costs the wasm its own copy of Yew's
//! lifecycle (a few KB each), so the steps, which hold no state of their own,
//! are not components.

mod app;
#[cfg(feature = "frame")]
mod card_entry;
mod confirmation;
mod consent;
mod deadline;
mod dialog;
mod failure;
mod incentives;
mod offer;
mod processing;
mod teaser;
mod ui;

pub(crate) use app::App;
pub use app::AppProps;
#[cfg(feature = "frame")]
pub(crate) use card_entry::{ShipTo, card_entry, read_card, read_ship_to};
pub(crate) use confirmation::{Receipt, confirmation};
pub(crate) use consent::{Confirming, consent};
pub(crate) use deadline::deadline;
pub(crate) use failure::failure;
pub(crate) use incentives::incentives;
pub(crate) use offer::offer;
pub(crate) use processing::processing;
pub(crate) use teaser::teaser;
pub(crate) use ui::{Ui, button};
