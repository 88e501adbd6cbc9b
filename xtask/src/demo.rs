//! `cargo xtask demo`: builds the widget with trunk and the hub with cargo,
//! starts the hub with the demo order page, prints where to look, and on
//! Ctrl-C stops everything it started.

use std::{
    net::TcpStream,
    process::{Child, Command},
    sync::mpsc,
    time::{Duration, Instant},
};

use crate::{
    run::{self, Error, root, tool_path},
    setup,
};

pub(crate) fn run(addr: &str) -> Result<(), Error> {
    setup::run()?;
    build_widget()?;
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build
        .args(["build", "--package", "postsale-server", "--bin", "postsale"])
        .current_dir(root());
    if !run::status(&mut build)? {
        return Err("building the hub failed".into());
    }

    let (stop_tx, stop_rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;

    let mut children = Vec::new();
    let data = root().join("target/demo");
    std::fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let hub = Command::new(root().join("target/debug/postsale"))
        .args(["serve", "--demo", "--addr", addr, "--assets"])
        .arg(root().join("dist"))
        .arg("--database")
        .arg(format!("sqlite://{}", data.join("postsale.db").display()))
        .current_dir(root())
        .spawn()
        .map_err(|e| format!("cannot start the hub: {e}"))?;
    children.push(hub);

    let result = wait_listening(addr, &mut children).map(|()| {
        println!();
        println!("postsale demo is running:");
        println!("  demo order page   http://{addr}/   (the offer pops up after the page loads)");
        println!("  another reason    http://{addr}/?reason=OUTDOOR   (IFRAME, unaffiliated upseller)");
        println!("  hub health        http://{addr}/healthz");
        println!("  admin API         curl -H 'Authorization: Bearer psk_demo_camera_shop' http://{addr}/v1/admin/stats");
        println!("Press Ctrl-C to stop.");
        wait_for_stop(&stop_rx, &mut children);
    });
    stop(&mut children);
    result
}

/// `trunk build --release`, offline, with the pinned tools first on PATH.
pub(crate) fn build_widget() -> Result<(), Error> {
    let mut trunk = Command::new("trunk");
    trunk
        .args(["build", "--release"])
        .current_dir(root())
        .env("PATH", tool_path())
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    if run::status(&mut trunk)? {
        Ok(())
    } else {
        Err("trunk build failed".into())
    }
}

fn wait_listening(addr: &str, children: &mut [Child]) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        if children
            .iter_mut()
            .any(|c| matches!(c.try_wait(), Ok(Some(_))))
        {
            return Err("the hub exited during start-up".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("the hub did not listen on {addr} within 30 s"))
}

fn wait_for_stop(stop_rx: &mpsc::Receiver<()>, children: &mut [Child]) {
    loop {
        if stop_rx.recv_timeout(Duration::from_millis(300)).is_ok() {
            println!("\nstopping the demo");
            return;
        }
        if children
            .iter_mut()
            .any(|c| matches!(c.try_wait(), Ok(Some(_))))
        {
            eprintln!("a demo process exited; stopping the rest");
            return;
        }
    }
}

fn stop(children: &mut [Child]) {
    for child in children.iter_mut() {
        if matches!(child.try_wait(), Ok(None)) {
            // SIGTERM first so the hub drains; the wait below reaps it.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    for child in children.iter_mut() {
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
