//! The widget's components, one per file.

mod app;
mod dialog;

pub(crate) use app::App;
pub use app::AppProps;
pub(crate) use dialog::Dialog;
