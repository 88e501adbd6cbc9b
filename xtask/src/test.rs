//! `cargo xtask test`: every suite, one after the other, counted together.
//! A suite that cannot run counts as failed: under `CI=true` nothing may be
//! skipped quietly, and outside CI a missing browser is reported, not hidden.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Instant,
};

use crate::{
    localstripe::Localstripe,
    postgres::Postgres,
    run::{Error, human, root, tool_path},
    setup::{self, Tools},
};

/// Totals over all suites.
#[derive(Debug, Default)]
struct Tally {
    passed: u64,
    failed: u64,
    broken_suites: Vec<String>,
}

pub(crate) fn run() -> Result<(), Error> {
    let started = Instant::now();
    let tools = setup::run()?;
    let mut tally = Tally::default();
    // The API tests' SQLite files of earlier runs.
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join("postsale-tests"));

    // Stripe's API, for the Stripe gateway's tests on both databases.
    let stripe = match Localstripe::start() {
        Ok(stripe) => Some(stripe),
        Err(err) => {
            println!("\n== localstripe: cannot start: {err}");
            tally.broken_suites.push("localstripe".into());
            None
        }
    };
    let stripe_url = stripe.as_ref().map(|s| s.url.clone()).unwrap_or_default();
    let mut native = cargo(&["test", "--workspace"]);
    native.env("POSTSALE_TEST_STRIPE", &stripe_url);
    suite(&mut tally, "native (workspace, hub on SQLite)", native);
    match Postgres::start() {
        Ok(pg) => {
            // This run also logs every event at trace level, as JSON, into a
            // file that the scan after it reads.
            let log = root().join("target/test-logs/api.jsonl");
            let _ = std::fs::create_dir_all(root().join("target/test-logs"));
            let _ = std::fs::remove_file(&log);
            let mut cmd = cargo(&["test", "--package", "postsale-server", "--test", "api"]);
            cmd.env("POSTSALE_TEST_POSTGRES", &pg.url)
                .env("POSTSALE_TEST_STRIPE", &stripe_url)
                .env("POSTSALE_TEST_LOG", &log);
            suite(&mut tally, "hub on PostgreSQL (logging everything)", cmd);
            // Several hub processes on one database, as replicas.
            let mut fleet = cargo(&[
                "test",
                "--package",
                "postsale-server",
                "--test",
                "api",
                "--",
                "--ignored",
                "fleet::",
            ]);
            fleet.env("POSTSALE_TEST_POSTGRES", &pg.url);
            suite(&mut tally, "replicas on PostgreSQL", fleet);
            let mut scan = cargo(&[
                "test",
                "--package",
                "postsale-server",
                "--test",
                "api",
                "--",
                "--ignored",
                "--exact",
                "logs::no_log_line_holds_a_card_a_ticket_a_customer_token_or_a_secret",
            ]);
            scan.env("POSTSALE_TEST_LOG", &log);
            suite(
                &mut tally,
                "the hub's logs hold no card, ticket, customer token or secret",
                scan,
            );
        }
        Err(err) => {
            println!("\n== hub on PostgreSQL: cannot start a server: {err}");
            tally.broken_suites.push("hub on PostgreSQL".into());
        }
    }
    for (browser, cmd) in browser_runs(&tools) {
        suite(&mut tally, &format!("widget in headless {browser}"), cmd);
    }
    for (name, mut cmd) in crate::e2e::commands(&tools) {
        cmd.env("POSTSALE_E2E_STRIPE", &stripe_url);
        suite(&mut tally, &name, cmd);
    }
    match typescript() {
        Ok(cmd) => check(
            &mut tally,
            "TypeScript: the loader's types, tsc --strict",
            cmd,
        ),
        Err(err) => {
            println!("TypeScript: {err}");
            tally.failed += 1;
        }
    }
    for (name, cmd) in crate::fuzz::commands() {
        check(&mut tally, &name, cmd);
    }
    // The offer selection in its simulated market: every key present (the
    // targets are judged by `cargo xtask simulate`).
    check(
        &mut tally,
        "cargo xtask simulate --quick (every key present)",
        cargo(&["xtask", "simulate", "--quick"]),
    );
    // Fails when any bench key is missing; the targets are judged by a full run.
    check(
        &mut tally,
        "cargo xtask bench --quick (every key present)",
        cargo(&["xtask", "bench", "--quick"]),
    );
    // After the bench: it runs the release hub the bench built.
    println!(
        "\n== schema fuzz (Schemathesis {})",
        crate::schema_fuzz::SCHEMATHESIS_VERSION
    );
    let fuzz_started = Instant::now();
    match crate::schema_fuzz::run() {
        Ok(()) => tally.passed += 1,
        Err(err) => {
            println!("schema fuzz: {err}");
            tally.failed += 1;
        }
    }
    println!("== schema fuzz: done in {}", human(fuzz_started.elapsed()));

    println!();
    for name in &tally.broken_suites {
        println!("FAILED suite: {name}");
    }
    println!(
        "{} passed, {} failed ({} suites could not finish) in {}",
        tally.passed,
        tally.failed,
        tally.broken_suites.len(),
        human(started.elapsed())
    );
    if tally.failed == 0 && tally.broken_suites.is_empty() {
        Ok(())
    } else {
        Err("tests failed".into())
    }
}

fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args).current_dir(root()).env("PATH", tool_path());
    cmd
}

/// One wasm-bindgen test run per browser, each naming its driver explicitly
/// (the runner would otherwise take the first driver it finds).
fn browser_runs(tools: &Tools) -> Vec<(&'static str, Command)> {
    let args = [
        "test",
        "--package",
        "postsale-widget",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "widget",
    ];
    let runner = (
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    );
    let mut chromium = cargo(&args);
    chromium
        .env(runner.0, runner.1)
        .env("CHROMEDRIVER", &tools.chromedriver)
        .env_remove("GECKODRIVER");
    let mut firefox = cargo(&args);
    firefox
        .env(runner.0, runner.1)
        .env("GECKODRIVER", &tools.geckodriver)
        .env_remove("CHROMEDRIVER");
    vec![("Chromium", chromium), ("Firefox", firefox)]
}

/// Runs one suite, echoing its output and adding up its `test result:` lines.
fn suite(tally: &mut Tally, name: &str, mut cmd: Command) {
    println!("\n== {name}");
    let started = Instant::now();
    let (mut passed, mut failed, mut results) = (0, 0, 0);
    let status = cmd.stdout(Stdio::piped()).spawn().and_then(|mut child| {
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("{line}");
                if let Some((p, f)) = parse_result(&line) {
                    passed += p;
                    failed += f;
                    results += 1;
                }
            }
        }
        child.wait()
    });
    tally.passed += passed;
    tally.failed += failed;
    let ok = matches!(status, Ok(s) if s.success());
    // A suite that exits non-zero with no failed test did not build or run.
    if !ok && failed == 0 || results == 0 {
        tally.broken_suites.push(name.to_owned());
    }
    println!(
        "== {name}: {passed} passed, {failed} failed in {}",
        human(started.elapsed())
    );
}

/// Runs a command that passes or fails as one check (a fuzz run).
fn check(tally: &mut Tally, name: &str, mut cmd: Command) {
    println!("\n== {name}");
    let started = Instant::now();
    let ok = cmd.status().is_ok_and(|s| s.success());
    if ok {
        tally.passed += 1;
    } else {
        tally.failed += 1;
    }
    println!(
        "== {name}: {} in {}",
        if ok { "passed" } else { "FAILED" },
        human(started.elapsed())
    );
}

use crate::versions::TYPESCRIPT as TYPESCRIPT_VERSION;

/// `tsc --strict` over a merchant's page written in TypeScript
/// (`tests/typescript/merchant.ts`) against `www/postsale.d.ts`: what it
/// must accept compiles, and what it must refuse is marked
/// `@ts-expect-error`, so a type that lets it through fails too. Installs
/// TypeScript into `target/tools` once.
fn typescript() -> Result<Command, Error> {
    let tools = root().join("target/tools");
    let tsc = tools.join("node_modules/.bin/tsc");
    let pinned = tools.join("node_modules/typescript/package.json");
    let installed = std::fs::read_to_string(&pinned)
        .is_ok_and(|p| p.contains(&format!("\"version\": \"{TYPESCRIPT_VERSION}\"")));
    if !installed {
        let mut npm = Command::new("npm");
        npm.args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&tools)
            .arg(format!("typescript@{TYPESCRIPT_VERSION}"))
            .env("PATH", tool_path());
        if !crate::run::status(&mut npm)? {
            return Err(format!(
                "npm install typescript@{TYPESCRIPT_VERSION} failed"
            ));
        }
    }
    let mut cmd = Command::new(tsc);
    cmd.args([
        "--strict",
        "--noEmit",
        "--target",
        "es2020",
        "--lib",
        "dom,es2020",
    ])
    .args(["--module", "esnext", "--moduleResolution", "bundler"])
    .arg("tests/typescript/merchant.ts")
    .current_dir(root())
    .env("PATH", tool_path());
    Ok(cmd)
}

/// Reads `test result: ok. 3 passed; 1 failed; ...` as (3, 1).
fn parse_result(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let count = |word: &str| -> Option<u64> {
        rest.split(';')
            .find_map(|part| part.trim().strip_suffix(word))
            .and_then(|n| n.trim().rsplit(' ').next()?.parse().ok())
    };
    Some((count(" passed")?, count(" failed")?))
}

#[cfg(test)]
mod tests {
    use super::parse_result;

    #[test]
    fn a_cargo_result_line_is_counted() {
        let line = "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(parse_result(line), Some((12, 0)));
    }

    #[test]
    fn a_failing_result_line_is_counted() {
        let line = "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 filtered out";
        assert_eq!(parse_result(line), Some((3, 2)));
    }

    #[test]
    fn other_lines_are_not_counted() {
        assert_eq!(parse_result("running 3 tests"), None);
        assert_eq!(parse_result("test widget::mounts ... ok"), None);
    }
}
