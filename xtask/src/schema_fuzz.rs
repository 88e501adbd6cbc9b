//! The schema fuzz: Schemathesis (pinned, from PyPI) reads the hub's own
//! `/openapi.json` and sends what it describes, valid and invalid, with every
//! check on: no 5xx, only documented statuses and bodies, schema-valid
//! requests accepted and schema-invalid ones refused. Once as a merchant of
//! the demo data, once as the operator; a fixed seed and a bounded number of
//! examples keep the run reproducible and its time bounded.

use std::process::Command;

use crate::{
    bench::hub::{Hub, OPERATOR_KEY, fresh_sqlite},
    run::{Error, root},
};

pub(crate) use crate::versions::SCHEMATHESIS as SCHEMATHESIS_VERSION;
/// Examples per operation and phase.
const MAX_EXAMPLES: &str = "100";
/// The demo affiliate's API key (the hub's demo data).
const MERCHANT_KEY: &str = "psk_demo_camera_shop";

/// Where the pinned Schemathesis lives.
pub(crate) fn venv() -> std::path::PathBuf {
    crate::setup::node_prefix().join("venv")
}

/// The release hub, as the bench builds it.
pub(crate) fn build() -> Result<(), Error> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = crate::run::status(
        Command::new(cargo)
            .args([
                "build",
                "--release",
                "--package",
                "postsale-server",
                "--bin",
                "postsale",
            ])
            .current_dir(root()),
    )?;
    if built {
        Ok(())
    } else {
        Err("cargo build --release --bin postsale failed".into())
    }
}

/// Both passes against a fresh release hub with the demo data; an error
/// names the pass that found something.
pub(crate) fn run() -> Result<(), Error> {
    let dir = root().join("target/schema-fuzz");
    let (_, database) = fresh_sqlite(&dir, "hub")?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("no tokio runtime: {e}"))?;
    let hub = runtime.block_on(Hub::start(&database, &dir.join("hub.log"), &["--demo"]))?;
    let schema = format!("{}/openapi.json", hub.base);
    // A body over the hub's limit is refused before it is read, with 413:
    // as much a refusal of invalid data as a 400 or a 422.
    let config = dir.join("schemathesis.toml");
    std::fs::write(
        &config,
        "[checks.negative_data_rejection]\n\
         expected-statuses = [\"400\", \"401\", \"403\", \"404\", \"405\", \"406\", \"409\", \"413\", \"415\", \"422\", \"428\", \"429\"]\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let passes = [
        (
            "as a merchant",
            MERCHANT_KEY,
            // Deleting itself would leave the rest of the run unauthorised.
            vec![
                "--exclude-method",
                "DELETE",
                "--exclude-path",
                "/v1/admin/merchant",
            ],
        ),
        (
            "as the operator",
            OPERATOR_KEY,
            vec!["--include-path-regex", "^/v1/(operator/|admin/merchants$)"],
        ),
    ];
    let mut failed = Vec::new();
    for (name, key, filters) in passes {
        println!("schema fuzz {name}");
        // Run from the hub's folder under target/: Schemathesis keeps its
        // cache of crashes in the working directory.
        let run = || {
            Command::new(venv().join("bin/st"))
                .current_dir(&dir)
                .args(["--no-color", "--config-file"])
                .arg(&config)
                .args(["run", &schema, "--checks", "all"])
                .args([
                    "--max-examples",
                    MAX_EXAMPLES,
                    "--seed",
                    "1",
                    "--workers",
                    "2",
                ])
                .args(["--header", &format!("Authorization: Bearer {key}")])
                .args(&filters)
                .output()
                .map_err(|e| format!("cannot run schemathesis: {e}"))
        };
        let mut outcome = run()?;
        echo(&outcome);
        // Schemathesis 4.32.5 can crash on its own: it reads every string
        // of a 2xx answer that starts like a URL as one, and Python's
        // `urlsplit` raises on a name such as `https://[x` (which a merchant
        // may well be called). That is no finding about the hub: such a run
        // is made once more, and a second crash fails the pass.
        if crashed(&outcome) {
            println!("schema fuzz {name}: schemathesis crashed on its own; running the pass again");
            outcome = run()?;
            echo(&outcome);
        }
        if !outcome.status.success() {
            failed.push(name);
        }
    }
    drop(hub);
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "schemathesis found failures {} (hub log: {})",
            failed.join(" and "),
            dir.join("hub.log").display()
        ))
    }
}

fn echo(outcome: &std::process::Output) {
    print!("{}", String::from_utf8_lossy(&outcome.stdout));
    eprint!("{}", String::from_utf8_lossy(&outcome.stderr));
}

/// A run that ended in Schemathesis's own error, with no finding.
fn crashed(outcome: &std::process::Output) -> bool {
    let text = String::from_utf8_lossy(&outcome.stdout);
    !outcome.status.success()
        && text.contains("Test Execution Error")
        && !text.contains("Failures:")
}
