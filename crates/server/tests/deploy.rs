//! The deployment files in `deploy/`, checked by the tools that read them.

use std::{path::Path, process::Command};

/// The systemd unit as it would be installed, with the hub binary just built
/// in place of `/usr/local/bin/postsale`.
fn unit_here(dir: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let unit = std::fs::read_to_string(root.join("deploy/postsale.service")).expect("the unit");
    let here = unit.replace("/usr/local/bin/postsale", env!("CARGO_BIN_EXE_postsale"));
    assert_ne!(here, unit, "the unit starts /usr/local/bin/postsale");
    let path = dir.join("postsale.service");
    std::fs::write(&path, here).expect("written");
    path
}

#[test]
fn the_systemd_unit_is_one_systemd_accepts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let unit = unit_here(dir.path());
    let verified = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("systemd-analyze runs (cargo xtask test installs it)");
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success(), "{said}");
    assert!(said.trim().is_empty(), "systemd-analyze warns: {said}");
}

#[test]
fn the_systemd_units_commands_are_ones_the_hub_takes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let unit = std::fs::read_to_string(unit_here(dir.path())).expect("the unit");
    let key = dir.path().join("master.key");
    std::fs::write(&key, "5".repeat(64)).expect("key");
    let database = format!("sqlite://{}", dir.path().join("hub.db").display());
    for line in unit.lines().filter(|l| l.starts_with("ExecStart")) {
        let (_, command) = line.split_once('=').expect("a command");
        let mut words = command.split_whitespace().map(|w| {
            w.replace(
                "${CREDENTIALS_DIRECTORY}/master.key",
                &key.display().to_string(),
            )
        });
        let binary = words.next().expect("the binary");
        let args: Vec<String> = words.collect();
        // `serve` is checked as `check-config` would start it; `migrate` runs.
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                if a == "serve" {
                    "check-config".to_owned()
                } else {
                    a.clone()
                }
            })
            .collect();
        let ran = Command::new(&binary)
            .args(&args)
            .args(["--database", &database])
            // The unit's config file is the operator's; these flags stand in.
            .env_remove("POSTSALE_CONFIG")
            .output()
            .expect("the hub runs");
        assert!(
            ran.status.success(),
            "{line}: {}{}",
            String::from_utf8_lossy(&ran.stdout),
            String::from_utf8_lossy(&ran.stderr)
        );
    }
}
