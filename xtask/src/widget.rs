//! The release build of the widget: `trunk build --release`, offline, with
//! the pinned tools first on PATH.
//!
//! Where the nightly toolchain has the standard library's sources, std is
//! rebuilt for the widget with panics that abort at once: no panic messages,
//! no formatting machinery behind them, about 9 KB less brotli on the
//! merchant's page. A panic in the widget aborts either way (the size profile
//! has `panic = "abort"`); only the unused message text goes. Without those
//! sources, or if that build fails, the widget is built on stable. Either
//! way `glue::shrink` then shortens the names between wasm and glue, and
//! each file gets a brotli copy for the hub to serve. Before that, function
//! table slots nothing can reach are made null (`glue/table.rs`) and
//! wasm-opt runs again. When the bench builds, what each step takes off
//! each build's brotli bytes goes to `target/widget-steps.json`, which the
//! bench lists.
//!
//! There are two builds of the widget. Trunk makes the one merchants' pages
//! load (`postsale-widget`); the hub's frame page loads the other
//! (`postsale-frame`, the `frame` feature), the only one with the card form.
//! It is built here with the same toolchain, the same wasm-bindgen and the
//! same wasm-opt settings as trunk's (read from `index.html`), and the build
//! fails if the card form shows up in the merchant-page build.

use std::{path::Path, process::Command};

use crate::run::{self, Error, root, tool_path};

/// What the nightly size build adds to trunk's and cargo's environment.
const NIGHTLY_ENV: [(&str, &str); 3] = [
    ("RUSTUP_TOOLCHAIN", "nightly"),
    ("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort"),
    (
        "RUSTFLAGS",
        "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none",
    ),
];

/// How the last build was made, for the bench report.
pub(crate) const NIGHTLY_BUILD: &str = "nightly, std rebuilt with -Cpanic=immediate-abort \
    (-Zbuild-std=std,panic_abort), no source locations or Debug text";
pub(crate) const STABLE_BUILD: &str = "stable";

/// Builds `dist/`: on nightly with std rebuilt when it can, else on stable,
/// then shortens the names between wasm and glue and minifies the glue.
/// With `measure`, it also writes what each step took off each build to
/// [`STEPS_FILE`] (for the bench: about a dozen brotli runs and one more
/// wasm-bindgen). Says which of the two builds it made.
pub(crate) fn build(measure: bool) -> Result<&'static str, Error> {
    let built = trunk_build()?;
    let dir = root().join("dist/widget");
    let html = std::fs::read_to_string(root().join("index.html"))
        .map_err(|e| format!("index.html: {e}"))?;
    let opt_args = wasm_opt_args(&html)?;
    let features: Vec<String> = opt_args
        .iter()
        .filter(|arg| arg.starts_with("--enable-"))
        .cloned()
        .collect();
    let mut steps = Steps {
        measure,
        ..Steps::default()
    };
    // Trunk ran wasm-bindgen and wasm-opt together; wasm-bindgen alone
    // again, on the same cargo build, says what wasm-opt saved.
    steps.start(PAGE, || unoptimised(PAGE))?;
    steps.record(PAGE, &wasm_opt_step(&opt_args), || served(&dir, PAGE))?;
    frame_build(&dir, built == NIGHTLY_BUILD, &opt_args, &mut steps)?;
    check_card_isolation(&dir)?;
    for stem in [PAGE, FRAME] {
        empty_table_slots(&dir, stem, &opt_args)?;
        steps.record(
            stem,
            "unreachable table slots made null, then wasm-opt again",
            || served(&dir, stem),
        )?;
        crate::glue::shrink(&dir, stem, &features, &mut |(step, wasm, js)| {
            steps.record(stem, step, || {
                Ok([brotli_len(wasm)?, brotli_len(js.as_bytes())?])
            })
        })
        .map_err(|e| format!("shrinking the glue of {stem}: {e}"))?;
    }
    steps.write()?;
    crate::glue::minify_loader(&dir).map_err(|e| format!("minifying the loader: {e}"))?;
    precompress(&dir)?;
    // After the widget's: trunk replaces `dist` whole, and the console's
    // build is a folder of it.
    console_build()?;
    Ok(built)
}

/// The merchant console (`crates/console`), into `dist/console`: trunk's
/// release build on stable (no checkout page loads it, so no size build),
/// each file with its brotli copy beside it.
fn console_build() -> Result<(), Error> {
    let mut trunk = Command::new("trunk");
    trunk
        .args(["build", "--release"])
        .current_dir(root().join("crates/console"))
        .env("PATH", tool_path())
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    if !run::status(&mut trunk)? {
        return Err("trunk build of the console failed".into());
    }
    precompress(&root().join("dist/console"))
}

/// The build merchants' pages load, as trunk names it.
pub(crate) const PAGE: &str = "postsale-widget";
/// The hub frame page's build, with the card form.
pub(crate) const FRAME: &str = "postsale-frame";
/// Text only the card form has (its autofill hint).
const CARD_MARKER: &[u8] = b"cc-number";

/// Builds the `frame` feature into `dir` as `postsale-frame.js` and
/// `postsale-frame_bg.wasm`, as trunk builds the page's.
fn frame_build(
    dir: &Path,
    nightly: bool,
    opt_args: &[String],
    steps: &mut Steps,
) -> Result<(), Error> {
    cargo_build(nightly, &["--features", "frame"]).map_err(|e| format!("{e} (the frame build)"))?;
    bindgen(FRAME, dir).map_err(|e| format!("{e} (the frame build)"))?;
    steps.start(FRAME, || served(dir, FRAME))?;
    wasm_opt(&dir.join(format!("{FRAME}_bg.wasm")), opt_args)?;
    steps.record(FRAME, &wasm_opt_step(opt_args), || served(dir, FRAME))
}

/// The widget library cargo built last.
fn cargo_artifact() -> std::path::PathBuf {
    root().join("target/wasm32-unknown-unknown/wasm-release/postsale_widget.wasm")
}

/// wasm-bindgen on [`cargo_artifact`], into `dir` as `stem`.
fn bindgen(stem: &str, dir: &Path) -> Result<(), Error> {
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen
        .args(["--target", "web", "--no-typescript", "--out-name", stem])
        .arg("--out-dir")
        .arg(dir)
        .arg(cargo_artifact())
        .env("PATH", tool_path());
    if run::status(&mut bindgen)? {
        Ok(())
    } else {
        Err("wasm-bindgen failed".into())
    }
}

/// The brotli bytes of `stem` as wasm-bindgen leaves it, before wasm-opt.
fn unoptimised(stem: &str) -> Sizes {
    let dir = root().join("target/widget-steps");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    bindgen(stem, &dir).map_err(|e| format!("{e} (measuring {stem} before wasm-opt)"))?;
    served(&dir, stem)
}

fn wasm_opt_step(opt_args: &[String]) -> String {
    format!("wasm-opt {}", opt_args.first().map_or("", String::as_str))
}

/// The brotli (quality 11) bytes of `stem`'s wasm and glue in `dir`.
fn served(dir: &Path, stem: &str) -> Sizes {
    let read = |name: String| {
        std::fs::read(dir.join(&name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
    };
    Ok([
        brotli_len(&read(format!("{stem}_bg.wasm"))?)?,
        brotli_len(&read(format!("{stem}.js"))?)?,
    ])
}

/// How many bytes brotli at quality 11 makes of `bytes`.
fn brotli_len(bytes: &[u8]) -> Result<usize, Error> {
    let mut brotli = Command::new("brotli");
    brotli.args(["--quality=11", "--stdout"]);
    run::piped(&mut brotli, bytes).map(|compressed| compressed.len())
}

/// What each step of the build did to the bytes a browser downloads of
/// each build (wasm and glue, brotli at quality 11), in order; written to
/// [`STEPS_FILE`] for the bench's report. Without `measure`, nothing is
/// measured or written.
#[derive(Debug, Default)]
struct Steps {
    measure: bool,
    rows: Vec<serde_json::Value>,
    last: std::collections::HashMap<&'static str, [usize; 2]>,
}

/// Where the build leaves its steps, from the repository's root.
pub(crate) const STEPS_FILE: &str = "target/widget-steps.json";

/// The brotli bytes of a build's wasm and glue, measured when asked.
type Sizes = Result<[usize; 2], Error>;

impl Steps {
    /// The build `stem` as wasm-bindgen left it.
    fn start(&mut self, stem: &'static str, sizes: impl FnOnce() -> Sizes) -> Result<(), Error> {
        if !self.measure {
            return Ok(());
        }
        let sizes = sizes()?;
        self.rows.push(serde_json::json!({
            "build": stem, "step": "wasm-bindgen", "wasm": sizes[0], "glue": sizes[1],
        }));
        self.last.insert(stem, sizes);
        Ok(())
    }

    /// The build `stem` after `step`, and what the step took off.
    fn record(
        &mut self,
        stem: &'static str,
        step: &str,
        sizes: impl FnOnce() -> Sizes,
    ) -> Result<(), Error> {
        if !self.measure {
            return Ok(());
        }
        let sizes = sizes()?;
        let before = self.last.get(stem).copied().unwrap_or(sizes);
        let total = |s: [usize; 2]| (s[0] + s[1]) as i64;
        self.rows.push(serde_json::json!({
            "build": stem, "step": step, "wasm": sizes[0], "glue": sizes[1],
            "saved": total(before) - total(sizes),
        }));
        self.last.insert(stem, sizes);
        Ok(())
    }

    /// Writes the rows, the page's build first, each build's in order.
    fn write(&self) -> Result<(), Error> {
        if !self.measure {
            return Ok(());
        }
        let path = root().join(STEPS_FILE);
        let mut rows = self.rows.clone();
        rows.sort_by_key(|row| row["build"] != PAGE);
        let text = serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// `cargo build` of the widget's library for the wasm target with the size
/// profile, with `extra` arguments and, for the nightly build, its
/// environment.
fn cargo_build(nightly: bool, extra: &[&str]) -> Result<(), Error> {
    let env: &[(&str, &str)] = if nightly { &NIGHTLY_ENV } else { &[] };
    let mut cargo = Command::new("cargo");
    cargo
        .args(["build", "--package", "postsale-widget", "--lib"])
        .args(["--target", "wasm32-unknown-unknown"])
        .args(["--profile", "wasm-release"])
        .args(extra)
        .current_dir(root())
        .env("PATH", tool_path())
        .envs(env.iter().copied());
    if run::status(&mut cargo)? {
        Ok(())
    } else {
        Err("cargo build of the widget failed".into())
    }
}

/// Optimises `wasm` in place with trunk's settings (`wasm_opt_args`).
fn wasm_opt(wasm: &Path, opt_args: &[String]) -> Result<(), Error> {
    let mut opt = Command::new("wasm-opt");
    opt.args(opt_args)
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .env("PATH", tool_path());
    if run::status(&mut opt)? {
        Ok(())
    } else {
        Err(format!("wasm-opt failed on {}", wasm.display()))
    }
}

/// Empties the function-table slots nothing can reach (`glue/table.rs`),
/// then has wasm-opt drop the functions that leaves unreachable.
fn empty_table_slots(dir: &Path, stem: &str, opt_args: &[String]) -> Result<(), Error> {
    let path = dir.join(format!("{stem}_bg.wasm"));
    let wasm = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (wasm, emptied) = crate::glue::empty_unreachable_slots(&wasm)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if emptied == 0 {
        return Ok(());
    }
    std::fs::write(&path, wasm).map_err(|e| format!("{}: {e}", path.display()))?;
    wasm_opt(&path, opt_args)
}

/// wasm-opt's arguments as `index.html` gives them to trunk: the level of
/// `data-wasm-opt` and the flags of `data-wasm-opt-params`.
fn wasm_opt_args(html: &str) -> Result<Vec<String>, Error> {
    let attribute = |name: &str| {
        let start = html.find(&format!(" {name}=\""))? + name.len() + 3;
        let len = html[start..].find('"')?;
        Some(&html[start..start + len])
    };
    let level = attribute("data-wasm-opt").ok_or("index.html gives no data-wasm-opt")?;
    let params = attribute("data-wasm-opt-params").unwrap_or_default();
    Ok(std::iter::once(format!("-O{level}"))
        .chain(params.split_whitespace().map(str::to_owned))
        .collect())
}

/// The card form must be in the frame build and nowhere else.
fn check_card_isolation(dir: &Path) -> Result<(), Error> {
    let has_card_form = |stem: &str| -> Result<bool, Error> {
        let name = format!("{stem}_bg.wasm");
        let wasm = std::fs::read(dir.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        Ok(wasm.windows(CARD_MARKER.len()).any(|w| w == CARD_MARKER))
    };
    if has_card_form(PAGE)? {
        return Err(format!(
            "the card form is in {PAGE}, which merchants' pages load"
        ));
    }
    if !has_card_form(FRAME)? {
        return Err(format!("the card form is missing from {FRAME}"));
    }
    Ok(())
}

/// Leaves a brotli copy (`name.br`, quality 11) beside each file of `dir`;
/// the hub sends it to browsers that accept `br`.
fn precompress(dir: &Path) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|ext| ext == "br") || !path.is_file() {
            continue;
        }
        let mut brotli = Command::new("brotli");
        brotli
            .args(["--quality=11", "--force", "--keep"])
            .arg(&path);
        if !run::status(&mut brotli)? {
            return Err(format!("brotli failed on {}", path.display()));
        }
    }
    Ok(())
}

fn trunk_build() -> Result<&'static str, Error> {
    if nightly_std_available() {
        match trunk(true) {
            Ok(()) => return Ok(NIGHTLY_BUILD),
            Err(err) => {
                eprintln!("widget: the nightly size build failed ({err}); building on stable")
            }
        }
    } else {
        println!(
            "widget: no nightly rust-src (cargo xtask setup adds it): building on stable, larger"
        );
    }
    trunk(false).map(|()| STABLE_BUILD)
}

/// True when `rustup` has a nightly toolchain with `rust-src`.
pub(crate) fn nightly_std_available() -> bool {
    Command::new("rustup")
        .args(["component", "list", "--toolchain", "nightly", "--installed"])
        .output()
        .is_ok_and(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|l| l.starts_with("rust-src"))
        })
}

fn trunk(nightly: bool) -> Result<(), Error> {
    let env: &[(&str, &str)] = if nightly { &NIGHTLY_ENV } else { &[] };
    if nightly {
        // Trunk calls cargo offline; std's own dependencies are fetched here
        // first, by the same build (trunk then finds it done).
        cargo_build(true, &[]).map_err(|e| format!("{e} (std rebuilt)"))?;
    }
    let mut trunk = Command::new("trunk");
    trunk
        .args(["build", "--release"])
        .current_dir(root())
        .env("PATH", tool_path())
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .envs(env.iter().copied());
    if run::status(&mut trunk)? {
        Ok(())
    } else {
        Err("trunk build failed".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_build_gets_index_htmls_wasm_opt_settings() {
        let html = std::fs::read_to_string(root().join("index.html")).expect("index.html");
        let args = wasm_opt_args(&html).expect("settings");
        assert_eq!(args[0], "-Oz");
        assert!(
            args.iter().any(|a| a == "--enable-reference-types"),
            "{args:?}"
        );
        assert!(args.iter().any(|a| a == "--converge"), "{args:?}");
    }

    #[test]
    fn a_page_without_wasm_opt_settings_is_refused() {
        assert!(wasm_opt_args("<link data-trunk rel=\"rust\" />").is_err());
        // The params alone do not name a level.
        assert!(wasm_opt_args("<link data-wasm-opt-params=\"--converge\" />").is_err());
        let args = wasm_opt_args("<link data-wasm-opt=\"s\" />").expect("a level alone");
        assert_eq!(args, ["-Os"]);
    }
}
