//! Bytes on the merchant's page: the loader and the widget (wasm + JS glue)
//! as trunk built them, each compressed as a server would send it with
//! brotli at quality 11. Files are compressed one by one because they are
//! served one by one.

use std::{path::Path, process::Command};

use crate::run::{Error, root};

/// Brotli -q 11 size of one file.
fn brotli_bytes(file: &Path) -> Result<f64, Error> {
    let out = Command::new("brotli")
        .args(["-q", "11", "-c"])
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run brotli (apt-get install -y brotli): {e}"))?;
    if !out.status.success() {
        return Err(format!("brotli failed on {}", file.display()));
    }
    Ok(out.stdout.len() as f64)
}

/// `(loader, widget)` brotli sizes from `dist/widget/`.
pub(crate) fn measure() -> Result<(f64, f64), Error> {
    let dir = root().join("dist/widget");
    let loader = brotli_bytes(&dir.join("postsale.js"))?;
    let widget = brotli_bytes(&dir.join("postsale-widget_bg.wasm"))?
        + brotli_bytes(&dir.join("postsale-widget.js"))?;
    Ok((loader, widget))
}
