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

/// Where the demo affiliate shop and the demo upseller listen (the hub's demo data names them).
const SHOP_ADDR: &str = "127.0.0.1:8081";
const UPSELLER_ADDR: &str = "127.0.0.1:8082";
/// Where `trunk serve` listens.
const TRUNK_PORT: &str = "8083";

pub(crate) fn run(addr: &str) -> Result<(), Error> {
    setup::run()?;
    crate::widget::build(false)?;
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build
        .args(["build", "--package", "postsale-server", "--bin", "postsale"])
        .args(["--package", "postsale-affiliate", "--example", "demo_shop"])
        .current_dir(root());
    if !run::status(&mut build)? {
        return Err("building the hub and the demo shops failed".into());
    }

    let (stop_tx, stop_rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;

    let mut children = Vec::new();
    let result = start_all(addr, &mut children).map(|()| {
        println!();
        println!("postsale demo is running:");
        println!("  demo shop          http://{SHOP_ADDR}/   buy a camera, pay with the sandbox card, take the offer");
        println!("  demo upseller      http://{UPSELLER_ADDR}/   the orders the hub told upsellers to ship");
        println!("  demo order page    http://{addr}/   (the hub's own page; ?reason=OUTDOOR for the IFRAME)");
        println!("  widget live-reload http://127.0.0.1:{TRUNK_PORT}/   (trunk serve, rebuilds on save; the same offer,");
        println!("                     through trunk's proxy to the hub, which signs that page a ticket)");
        println!("  hub health         http://{addr}/healthz   API: http://{addr}/openapi.json");
        println!("  admin API          curl -H 'Authorization: Bearer psk_demo_camera_shop' http://{addr}/v1/admin/stats");
        println!("  merchant console   http://{addr}/console/   sign in as ada@northlight.example (admin) or");
        println!("                     ann@northlight.example (analyst), or as the hub's operator");
        println!("                     ops@postsale.example; password: postsale demo password");
        println!("Press Ctrl-C to stop.");
        wait_for_stop(&stop_rx, &mut children);
    });
    stop(&mut children);
    result
}

/// Starts the hub, the demo shops and trunk serve, each tracked in `children`.
fn start_all(addr: &str, children: &mut Vec<Child>) -> Result<(), Error> {
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
    let shops = Command::new(root().join("target/debug/examples/demo_shop"))
        .args([&format!("http://{addr}"), SHOP_ADDR, UPSELLER_ADDR])
        .current_dir(root())
        .spawn()
        .map_err(|e| format!("cannot start the demo shops: {e}"))?;
    children.push(shops);
    for listening in [addr, SHOP_ADDR, UPSELLER_ADDR] {
        wait_listening(listening, children)?;
    }
    // Widget work: trunk's live-reloading server (proxying /v1 to the hub),
    // building into its own folder so the hub's `dist` stays the release build.
    let trunk = Command::new("trunk")
        .args([
            "serve",
            "--port",
            TRUNK_PORT,
            "--dist",
            "target/trunk-serve",
        ])
        .current_dir(root())
        .env("PATH", tool_path())
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .spawn();
    match trunk {
        Ok(child) => children.push(child),
        Err(e) => eprintln!("trunk serve did not start ({e}); the demo runs without it"),
    }
    Ok(())
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
            return Err(format!("a demo process exited before {addr} listened"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listened on {addr} within 30 s"))
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
