//! `cargo xtask setup`: installs what building and testing postsale needs, and
//! skips what is already there at the right version, so that a second run costs
//! seconds. Every tool comes from a package registry (crates, npm, Debian),
//! never from a download of its own.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use crate::run::{self, Error, human, output, root};

use crate::versions::{
    BINARYEN as BINARYEN_VERSION, CARGO_FUZZ as CARGO_FUZZ_VERSION,
    GECKODRIVER as GECKODRIVER_VERSION, TERSER as TERSER_VERSION, TRUNK as TRUNK_VERSION,
};

/// Where the tools the tests drive live, once set up.
#[derive(Debug, Clone)]
pub(crate) struct Tools {
    pub(crate) chromedriver: PathBuf,
    pub(crate) geckodriver: PathBuf,
}

/// The folder npm installs the project's node tools into.
pub(crate) fn node_prefix() -> PathBuf {
    root().join("target/tools")
}

/// The folder of the node tools' executables (wasm-opt).
pub(crate) fn node_bin() -> PathBuf {
    node_prefix().join("node_modules/.bin")
}

/// Installs everything missing and says what it did, step by step.
pub(crate) fn run() -> Result<Tools, Error> {
    let started = Instant::now();
    println!("setup: checking the toolchain");

    step("wasm32 target", || {
        let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
        if installed
            .lines()
            .any(|l| l.trim() == "wasm32-unknown-unknown")
        {
            return Ok(Done::Present);
        }
        install(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
    })?;

    step(&format!("trunk {TRUNK_VERSION}"), || {
        if version_of("trunk", &["--version"]).is_some_and(|v| v.contains(TRUNK_VERSION)) {
            return Ok(Done::Present);
        }
        install(Command::new("cargo").args([
            "install",
            "trunk",
            "--version",
            TRUNK_VERSION,
            "--locked",
        ]))
    })?;

    let bindgen = wasm_bindgen_version()?;
    step(&format!("wasm-bindgen-cli {bindgen}"), || {
        if version_of("wasm-bindgen", &["--version"]).is_some_and(|v| v.contains(&bindgen)) {
            return Ok(Done::Present);
        }
        // Not --locked: the CLI's own lock file pins a crate the registry lacks.
        install(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &bindgen]))
    })?;

    step(
        &format!("wasm-opt (binaryen {BINARYEN_VERSION}) and terser {TERSER_VERSION}, npm"),
        || {
            let wasm_opt = node_bin().join("wasm-opt");
            let terser = node_bin().join("terser");
            if version_of(&wasm_opt.to_string_lossy(), &["--version"])
                .is_some_and(|v| v.contains(&format!("version {BINARYEN_VERSION}")))
                && version_of(&terser.to_string_lossy(), &["--version"])
                    .is_some_and(|v| v.contains(TERSER_VERSION))
            {
                return Ok(Done::Present);
            }
            if output("npm", &["--version"]).is_none() {
                apt(&["nodejs", "npm"])?;
            }
            std::fs::create_dir_all(node_prefix())
                .map_err(|e| format!("cannot create target/tools: {e}"))?;
            install(
                Command::new("npm")
                    .args(["install", "--no-audit", "--no-fund", "--prefix"])
                    .arg(node_prefix())
                    .arg(format!("binaryen@{BINARYEN_VERSION}"))
                    .arg(format!("terser@{TERSER_VERSION}")),
            )
        },
    )?;

    // Debian packages: checked one by one, installed in one apt-get run.
    let wanted = [
        ("chromium", "/usr/bin/chromium"),
        ("chromium-driver", "/usr/bin/chromedriver"),
        ("firefox-esr", "/usr/bin/firefox-esr"),
        ("brotli", "/usr/bin/brotli"),
        ("wrk", "/usr/bin/wrk"),
        ("postgresql", "/usr/lib/postgresql"),
        // `systemd-analyze verify` checks the unit in `deploy/`; nginx runs
        // `deploy/nginx.conf` in front of the hub in the API tests.
        ("systemd", "/usr/bin/systemd-analyze"),
        ("nginx", "/usr/sbin/nginx"),
        ("openssl", "/usr/bin/openssl"),
        // Japanese glyphs for the widget's screenshots in Japanese (Arabic
        // comes with DejaVu).
        (
            "fonts-ipafont-gothic",
            "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
        ),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(_, path)| !Path::new(path).exists())
        .map(|(package, _)| *package)
        .collect();
    step(
        &format!("Debian packages ({})", wanted.map(|w| w.0).join(", ")),
        || {
            if missing.is_empty() {
                return Ok(Done::Present);
            }
            apt(&missing).map(|()| Done::Installed)
        },
    )?;

    step(&format!("geckodriver {GECKODRIVER_VERSION}"), || {
        if version_of("geckodriver", &["--version"])
            .is_some_and(|v| v.contains(GECKODRIVER_VERSION))
        {
            return Ok(Done::Present);
        }
        install(Command::new("cargo").args([
            "install",
            "geckodriver",
            "--version",
            GECKODRIVER_VERSION,
            "--locked",
        ]))
    })?;

    step(
        &format!("cargo-fuzz {CARGO_FUZZ_VERSION} (nightly)"),
        || {
            let toolchains = output("rustup", &["toolchain", "list"]).unwrap_or_default();
            if !toolchains.lines().any(|l| l.starts_with("nightly")) {
                install(Command::new("rustup").args([
                    "toolchain",
                    "install",
                    "nightly",
                    "--profile",
                    "minimal",
                ]))?;
            }
            if version_of("cargo-fuzz", &["--version"])
                .is_some_and(|v| v.contains(CARGO_FUZZ_VERSION))
            {
                return Ok(Done::Present);
            }
            install(Command::new("cargo").args([
                "install",
                "cargo-fuzz",
                "--version",
                CARGO_FUZZ_VERSION,
                "--locked",
            ]))
        },
    )?;

    let schemathesis = crate::schema_fuzz::SCHEMATHESIS_VERSION;
    step(
        &format!("schemathesis {schemathesis} (PyPI, own venv)"),
        || python_tool(&crate::schema_fuzz::venv(), "schemathesis", schemathesis),
    )?;
    let localstripe = crate::localstripe::VERSION;
    step(
        &format!("localstripe {localstripe} (PyPI, own venv)"),
        || python_tool(&crate::localstripe::venv(), "localstripe", localstripe),
    )?;

    step("nightly std sources for the widget's size build", || {
        if crate::widget::nightly_std_available() {
            return Ok(Done::Present);
        }
        let added = install(Command::new("rustup").args([
            "component",
            "add",
            "rust-src",
            "--toolchain",
            "nightly",
        ]))
        .and_then(|_| {
            install(Command::new("rustup").args([
                "target",
                "add",
                "wasm32-unknown-unknown",
                "--toolchain",
                "nightly",
            ]))
        });
        // Not fatal: the widget then builds on stable, larger.
        Ok(added.unwrap_or(Done::Unavailable))
    })?;

    let geckodriver = which("geckodriver").ok_or("geckodriver is not on PATH after its install")?;
    println!("setup: done in {}", human(started.elapsed()));
    Ok(Tools {
        chromedriver: PathBuf::from("/usr/bin/chromedriver"),
        geckodriver,
    })
}

/// What a set-up step found.
enum Done {
    Present,
    Installed,
    /// Could not be installed and is not needed: the build goes without it.
    Unavailable,
}

fn step(name: &str, action: impl FnOnce() -> Result<Done, Error>) -> Result<(), Error> {
    let started = Instant::now();
    println!("setup: {name} ...");
    let done = action().map_err(|e| format!("{name}: {e}"))?;
    let what = match done {
        Done::Present => "present",
        Done::Installed => "installed",
        Done::Unavailable => "unavailable, going without",
    };
    println!("setup: {name}: {what} ({})", human(started.elapsed()));
    Ok(())
}

/// `package==version` from PyPI in a venv of its own (`venv`), unless there.
fn python_tool(venv: &Path, package: &str, version: &str) -> Result<Done, Error> {
    let pip = venv.join("bin/pip");
    if output(&pip.to_string_lossy(), &["show", package])
        .is_some_and(|shown| shown.lines().any(|l| l == format!("Version: {version}")))
    {
        return Ok(Done::Present);
    }
    let made = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(venv)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        // Debian keeps venv (and ensurepip) in a package of its own.
        apt(&["python3", "python3-venv"])?;
        install(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(venv),
        )?;
    }
    install(
        Command::new(pip)
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("{package}=={version}")),
    )
}

fn install(cmd: &mut Command) -> Result<Done, Error> {
    cmd.env("PATH", run::tool_path());
    if run::status(cmd)? {
        Ok(Done::Installed)
    } else {
        Err(format!("{cmd:?} failed"))
    }
}

/// The first line a tool prints about its version, looked up on the tool PATH.
fn version_of(program: &str, args: &[&str]) -> Option<String> {
    let path = if program.contains('/') {
        PathBuf::from(program)
    } else {
        which(program)?
    };
    output(&path.to_string_lossy(), args)
}

/// Finds a program on the tool PATH (npm tools, ~/.cargo/bin, then PATH).
pub(crate) fn which(program: &str) -> Option<PathBuf> {
    run::tool_path()
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

/// The wasm-bindgen version `Cargo.lock` resolved; the CLI must match it exactly.
fn wasm_bindgen_version() -> Result<String, Error> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock ({e}); run `cargo generate-lockfile`"))?;
    // Cargo.lock is TOML, but its `[[package]]` blocks always put `name` right
    // before `version`, so a line scan is enough and spares a TOML parser.
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

/// Installs Debian packages, or says how to when this is not root.
fn apt(packages: &[&str]) -> Result<(), Error> {
    let root_user = output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    let list = packages.join(" ");
    if !root_user {
        return Err(format!(
            "missing Debian packages; install them and run again:\n    sudo apt-get update && sudo apt-get install -y {list}"
        ));
    }
    let noninteractive = |cmd: &mut Command| {
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
    };
    let mut update = Command::new("apt-get");
    update.args(["update", "-q"]);
    noninteractive(&mut update);
    if !run::status(&mut update)? {
        return Err("apt-get update failed".into());
    }
    let mut install = Command::new("apt-get");
    install.args(["install", "-y", "-q"]).args(packages);
    noninteractive(&mut install);
    if run::status(&mut install)? {
        Ok(())
    } else {
        Err(format!("apt-get install -y {list} failed"))
    }
}
