//! Bytes on the merchant's page: the loader and the widget (wasm + JS glue)
//! as the hub sends them to a browser that accepts brotli, which are the
//! quality-11 copies the widget build leaves beside each file
//! (`xtask/src/widget.rs`). Files count one by one because they are served
//! one by one.

use std::path::Path;

use crate::run::{Error, root};

/// The size of the brotli copy the hub serves for `file`.
fn served_bytes(dir: &Path, file: &str) -> Result<f64, Error> {
    let copy = dir.join(format!("{file}.br"));
    std::fs::metadata(&copy)
        .map(|m| m.len() as f64)
        .map_err(|e| {
            format!(
                "{}: {e} (built by cargo xtask's widget build)",
                copy.display()
            )
        })
}

/// `(loader, widget)` brotli sizes from `dist/widget/`.
pub(crate) fn measure() -> Result<(f64, f64), Error> {
    let dir = root().join("dist/widget");
    let loader = served_bytes(&dir, "postsale.js")?;
    let widget =
        served_bytes(&dir, "postsale-widget_bg.wasm")? + served_bytes(&dir, "postsale-widget.js")?;
    Ok((loader, widget))
}
