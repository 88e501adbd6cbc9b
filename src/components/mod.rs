//! The widget's components, one per file.

mod app;
mod card_entry;
mod confirmation;
mod consent;
mod dialog;
mod failure;
mod incentives;
mod offer;
mod processing;
mod teaser;

pub(crate) use app::App;
pub use app::AppProps;
pub(crate) use card_entry::CardEntry;
pub(crate) use confirmation::Confirmation;
pub(crate) use consent::ConsentStep;
pub(crate) use dialog::Dialog;
pub(crate) use failure::FailureView;
pub(crate) use incentives::IncentiveChooser;
pub(crate) use offer::OfferView;
pub(crate) use processing::Processing;
pub(crate) use teaser::Teaser;
