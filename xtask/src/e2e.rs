//! The end-to-end runs that `cargo xtask test` makes: the widget built by
//! trunk, the hub and the demo shops built by cargo, axe-core from npm, then
//! `tests/e2e` once per browser with its driver started for the run. Each
//! test starts its own hub and demo shops (see `tests/e2e/main.rs`); the shops'
//! ports are fixed by the hub's demo data, so the tests run one at a time.
//! Screenshots and process logs land in `target/e2e/<browser>/<test>/`.

use std::{path::Path, process::Command};

use crate::{
    run::{self, Error, root, tool_path},
    setup::Tools,
};

/// The driver ports of the runs (chromedriver, geckodriver).
const CHROMEDRIVER_PORT: u16 = 9515;
const GECKODRIVER_PORT: u16 = 4444;

/// One `(name, command)` per browser. The preparation (builds, axe-core)
/// happens here; when it fails, or a browser is missing, the entry is a
/// command that fails and says why, so the suite counts as broken (under
/// `CI=true` and outside it: a missing browser is reported, never skipped).
pub(crate) fn commands(tools: &Tools) -> Vec<(String, Command)> {
    if let Err(err) = prepare() {
        return vec![("end to end (preparation)".into(), failing(&err))];
    }
    let browsers = [
        (
            "Chromium",
            "chromium",
            Path::new("/usr/bin/chromium").to_path_buf(),
            &tools.chromedriver,
        ),
        (
            "Firefox",
            "firefox",
            Path::new("/usr/bin/firefox-esr").to_path_buf(),
            &tools.geckodriver,
        ),
    ];
    browsers
        .into_iter()
        .map(|(label, name, browser, driver)| {
            let title = format!("end to end in headless {label}");
            if !browser.is_file() || !driver.is_file() {
                let why = format!(
                    "{label} or its driver is missing ({}, {}); `cargo xtask setup` installs them",
                    browser.display(),
                    driver.display()
                );
                return (title, failing(&why));
            }
            (title, browser_run(name, driver))
        })
        .collect()
}

/// Builds the widget, the hub and the demo shops; installs axe-core once.
fn prepare() -> Result<(), Error> {
    crate::widget::build(false)?;
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build
        .args(["build", "--package", "postsale-server", "--bin", "postsale"])
        .args(["--package", "postsale-affiliate", "--example", "demo_shop"])
        .current_dir(root());
    if !run::status(&mut build)? {
        return Err("building the hub and the demo shops failed".into());
    }
    let tools = root().join("target/tools");
    if !tools.join("node_modules/axe-core/axe.min.js").is_file() {
        let mut npm = Command::new("npm");
        npm.args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&tools)
            .arg(format!("axe-core@{}", crate::versions::AXE_CORE))
            .env("PATH", tool_path());
        if !run::status(&mut npm)? {
            return Err(format!(
                "npm install axe-core@{} failed",
                crate::versions::AXE_CORE
            ));
        }
    }
    Ok(())
}

/// `sh -c` that starts `driver`, waits for it, runs the e2e tests against
/// it, and stops it whatever happened: the driver lives exactly as long as
/// the run. A fresh browser profile per test is made by the tests.
fn browser_run(browser: &str, driver: &Path) -> Command {
    let (port, driver_args) = if browser == "firefox" {
        (GECKODRIVER_PORT, format!("--port {GECKODRIVER_PORT}"))
    } else {
        (CHROMEDRIVER_PORT, format!("--port={CHROMEDRIVER_PORT}"))
    };
    let out = root().join("target/e2e").join(browser);
    let script = format!(
        "\"$DRIVER\" {driver_args} >\"$OUT/driver.log\" 2>&1 & driver=$!\n\
         trap 'kill $driver 2>/dev/null; wait $driver 2>/dev/null' EXIT\n\
         for _ in $(seq 100); do\n\
           (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && break\n\
           kill -0 $driver 2>/dev/null || {{ echo \"the driver exited; see $OUT/driver.log\" >&2; exit 1; }}\n\
           sleep 0.1\n\
         done\n\
         \"$CARGO_BIN\" test --package postsale-widget --test e2e -- --test-threads=1"
    );
    let _ = std::fs::create_dir_all(&out);
    let mut cmd = Command::new("bash");
    cmd.args(["-c", &script])
        .current_dir(root())
        .env("PATH", tool_path())
        .env("DRIVER", driver)
        .env("OUT", &out)
        .env(
            "CARGO_BIN",
            std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        )
        .env("POSTSALE_E2E_WEBDRIVER", format!("http://127.0.0.1:{port}"))
        .env("POSTSALE_E2E_BROWSER", browser)
        .env("POSTSALE_E2E_HUB_BIN", root().join("target/debug/postsale"))
        .env(
            "POSTSALE_E2E_SHOP_BIN",
            root().join("target/debug/examples/demo_shop"),
        )
        .env("POSTSALE_E2E_ASSETS", root().join("dist"))
        .env(
            "POSTSALE_E2E_AXE",
            root().join("target/tools/node_modules/axe-core/axe.min.js"),
        )
        .env("POSTSALE_E2E_OUT", &out);
    cmd
}

/// A command that prints `why` and fails.
fn failing(why: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "echo \"$0\" >&2; exit 1", why]);
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `cargo xtask test` does with these commands, for running the
    /// end-to-end suites alone: `cargo test -p xtask -- --ignored e2e`.
    #[test]
    #[ignore = "builds the widget and drives both browsers; cargo xtask test runs it"]
    fn e2e_runs_pass_in_every_browser() {
        let tools = Tools {
            chromedriver: "/usr/bin/chromedriver".into(),
            geckodriver: crate::run::home().join(".cargo/bin/geckodriver"),
        };
        for (name, mut cmd) in commands(&tools) {
            let started = std::time::Instant::now();
            let ok = cmd.status().is_ok_and(|s| s.success());
            println!(
                "{name}: {} in {}",
                if ok { "passed" } else { "FAILED" },
                crate::run::human(started.elapsed())
            );
            assert!(ok, "{name} failed");
        }
    }
}
