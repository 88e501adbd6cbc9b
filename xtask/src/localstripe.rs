//! A throwaway localstripe (a stateful implementation of Stripe's API, with
//! a Stripe.js shim, from PyPI) for the hub's Stripe tests: on a free
//! loopback port, from scratch, stopped when the guard drops.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::run::{Error, root};

pub(crate) use crate::versions::LOCALSTRIPE as VERSION;

/// Where the pinned localstripe lives.
pub(crate) fn venv() -> PathBuf {
    crate::setup::node_prefix().join("localstripe-venv")
}

/// A running localstripe.
#[derive(Debug)]
pub(crate) struct Localstripe {
    child: Child,
    /// Its origin, `http://127.0.0.1:PORT`.
    pub(crate) url: String,
}

impl Localstripe {
    /// Starts one and waits until it answers.
    pub(crate) fn start() -> Result<Self, Error> {
        rename_shims_element()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let logs = root().join("target/test-logs");
        std::fs::create_dir_all(&logs)
            .map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
        let log = std::fs::File::create(logs.join("localstripe.log"))
            .map_err(|e| format!("cannot create the localstripe log: {e}"))?;
        let child = Command::new(venv().join("bin/localstripe"))
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().map_err(|e| e.to_string())?))
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| format!("cannot run localstripe (cargo xtask setup installs it): {e}"))?;
        let stripe = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(stripe);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("localstripe did not listen within 30 s (target/test-logs/localstripe.log)".into())
    }
}

impl Drop for Localstripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What localstripe's Stripe.js shim calls its card field, and what it is
/// called here.
const SHIM_CLASS: [(&str, &str); 3] = [
    ("class Element {", "class LocalstripeCardElement {"),
    ("new Element(this)", "new LocalstripeCardElement(this)"),
    ("instanceof Element)", "instanceof LocalstripeCardElement)"),
];

/// localstripe's Stripe.js shim declares its card field as a global
/// `class Element`, which shadows the DOM's `Element` for every script of
/// the page it is loaded into (the widget's glue asks `instanceof Element`,
/// and then finds no element anywhere). Stripe's own Stripe.js declares no
/// global but `Stripe`. So the shim's class gets a name of its own before
/// it is served; the test environment adapts, not the widget.
fn rename_shims_element() -> Result<(), Error> {
    let lib = venv().join("lib");
    let shim = std::fs::read_dir(&lib)
        .map_err(|e| format!("{}: {e}", lib.display()))?
        .filter_map(Result::ok)
        .map(|python| {
            python
                .path()
                .join("site-packages/localstripe/localstripe-v3.js")
        })
        .find(|path| path.is_file())
        .ok_or("localstripe's Stripe.js shim is not installed (cargo xtask setup)")?;
    let text = std::fs::read_to_string(&shim).map_err(|e| format!("{}: {e}", shim.display()))?;
    if !text.contains(SHIM_CLASS[0].0) {
        return if text.contains(SHIM_CLASS[0].1) {
            Ok(())
        } else {
            Err(format!(
                "{} no longer declares `class Element`: look at it again",
                shim.display()
            ))
        };
    }
    let renamed = SHIM_CLASS
        .iter()
        .fold(text, |text, (from, to)| text.replace(from, to));
    std::fs::write(&shim, renamed).map_err(|e| format!("{}: {e}", shim.display()))
}
