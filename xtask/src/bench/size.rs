//! Bytes on the merchant's page, the loader and the widget (wasm + JS glue),
//! and beside them the hub frame page's build, as the hub sends them to a
//! browser that accepts brotli: the quality-11 copies the widget build leaves
//! beside each file (`xtask/src/widget.rs`); and the merchant console's.
//! Files count one by one because they are served one by one.

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

/// Brotli sizes from `dist/widget/`.
#[derive(Debug)]
pub(crate) struct Sizes {
    /// The loader merchants paste.
    pub(crate) loader: f64,
    /// The widget build merchants' pages load: wasm and glue.
    pub(crate) widget: f64,
    /// The hub frame page's build (card form included): wasm, glue and
    /// `frame.js`. Not on the merchant's page; reported beside it.
    pub(crate) frame: f64,
    /// The merchant console (`dist/console`): its wasm, glue and styles as
    /// served, and its page (served uncompressed).
    pub(crate) console: f64,
}

/// The console's files as the hub serves them to a browser taking brotli.
fn console_bytes() -> Result<f64, Error> {
    let dir = root().join("dist/console");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut total = 0.0;
    for entry in entries {
        let name = entry
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name == "index.html" {
            total += std::fs::metadata(dir.join(&name))
                .map_err(|e| format!("{name}: {e}"))?
                .len() as f64;
        } else if !name.ends_with(".br") {
            total += served_bytes(&dir, &name)?;
        }
    }
    Ok(total)
}

/// The sizes of the loader and of both widget builds as served.
pub(crate) fn measure() -> Result<Sizes, Error> {
    let dir = root().join("dist/widget");
    let build = |stem: &str| -> Result<f64, Error> {
        Ok(served_bytes(&dir, &format!("{stem}_bg.wasm"))?
            + served_bytes(&dir, &format!("{stem}.js"))?)
    };
    Ok(Sizes {
        loader: served_bytes(&dir, "postsale.js")?,
        widget: build(crate::widget::PAGE)?,
        frame: build(crate::widget::FRAME)? + served_bytes(&dir, "frame.js")?,
        console: console_bytes()?,
    })
}

/// What each step of the last widget build did to its bytes, as the build
/// left it (`crate::widget::STEPS_FILE`).
pub(crate) fn build_steps() -> Result<Vec<serde_json::Value>, Error> {
    let path = root().join(crate::widget::STEPS_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e} (written by the widget build)", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
