//! The short fuzz runs that `cargo xtask test` makes: one per parser of outside
//! input, long enough to catch a regression in the parsers' totality, short
//! enough for every test run. Long campaigns are `cargo +nightly fuzz run <t>`
//! in `fuzz/` by hand. Needs the nightly toolchain and cargo-fuzz 0.13.2.

use std::process::Command;

use crate::run::{root, tool_path};

/// Every fuzz target in `fuzz/fuzz_targets/`.
const TARGETS: &[&str] = &["ticket", "validator", "signature_header", "customer_schema"];

/// Seconds each target runs for.
const SECONDS_PER_TARGET: u32 = 10;

/// One `(name, command)` per target. Each run starts from the committed seeds
/// (`fuzz/seeds/<target>`, valid inputs made by another implementation) and
/// keeps what it finds in `fuzz/corpus/<target>` (ignored by git), so later
/// runs start further in. A crash exits non-zero and leaves the input in
/// `fuzz/artifacts/<target>/`.
pub(crate) fn commands() -> Vec<(String, Command)> {
    let fuzz_dir = root().join("fuzz");
    TARGETS
        .iter()
        .map(|target| {
            let corpus = fuzz_dir.join("corpus").join(target);
            // libFuzzer refuses a corpus folder that does not exist; if this
            // fails, the run below fails and says so.
            let _ = std::fs::create_dir_all(&corpus);
            // `cargo` from PATH, not $CARGO: only the rustup proxy takes `+nightly`.
            let mut cmd = Command::new("cargo");
            cmd.args(["+nightly", "fuzz", "run", target])
                .arg(&corpus)
                .arg(fuzz_dir.join("seeds").join(target))
                .args(["--", &format!("-max_total_time={SECONDS_PER_TARGET}")])
                .current_dir(&fuzz_dir)
                .env("PATH", tool_path());
            (format!("fuzz {target} ({SECONDS_PER_TARGET} s)"), cmd)
        })
        .collect()
}
