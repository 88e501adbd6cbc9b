//! Small helpers for running commands: where the workspace is, and a command
//! runner that says what it runs.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

/// An error for the user: one sentence, ideally with the command that fixes it.
pub(crate) type Error = String;

/// The workspace root (the parent of `xtask/`).
pub(crate) fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Runs a command to completion with inherited output.
pub(crate) fn status(cmd: &mut Command) -> Result<bool, Error> {
    cmd.status()
        .map(|s| s.success())
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))
}

/// Runs a command and returns its stdout, or `None` when it cannot run or fails.
pub(crate) fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `cmd` with `input` on its standard input (written from a thread of
/// its own, so that a command writing as it reads cannot block on a full
/// pipe) and returns what it wrote to its standard output; standard error
/// is inherited. An error names the program.
pub(crate) fn piped(cmd: &mut Command, input: &[u8]) -> Result<Vec<u8>, Error> {
    use std::io::Write;
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or(format!("{program}: no stdin"))?;
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{program}: {e}"))?;
    writer
        .join()
        .map_err(|_| format!("{program}: the writer panicked"))?
        .map_err(|e| format!("{program}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{program} failed"));
    }
    Ok(output.stdout)
}

/// `1m23s` or `4.2s`.
pub(crate) fn human(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs >= 60.0 {
        format!(
            "{}m{:02}s",
            duration.as_secs() / 60,
            duration.as_secs() % 60
        )
    } else {
        format!("{secs:.1}s")
    }
}

/// The PATH with the project's own tool folder (npm's wasm-opt) first.
pub(crate) fn tool_path() -> String {
    let tools = crate::setup::node_bin();
    let cargo_bin = home().join(".cargo/bin");
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{}:{old}", tools.display(), cargo_bin.display())
}

/// The user's home folder.
pub(crate) fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}
