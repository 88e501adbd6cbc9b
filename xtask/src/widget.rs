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
//! each file gets a brotli copy for the hub to serve.

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
/// Says which of the two builds it made.
pub(crate) fn build() -> Result<&'static str, Error> {
    let built = trunk_build()?;
    let dir = root().join("dist/widget");
    crate::glue::shrink(&dir).map_err(|e| format!("shrinking the widget's glue: {e}"))?;
    precompress(&dir)?;
    Ok(built)
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
        let mut cargo = Command::new("cargo");
        cargo
            .args(["build", "--package", "postsale-widget", "--lib"])
            .args([
                "--target",
                "wasm32-unknown-unknown",
                "--profile",
                "wasm-release",
            ])
            .current_dir(root())
            .envs(env.iter().copied());
        if !run::status(&mut cargo)? {
            return Err("cargo build of the widget with std rebuilt failed".into());
        }
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
