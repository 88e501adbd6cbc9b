//! Server figures: opportunity creation on SQLite and PostgreSQL beside the
//! bare-axum baseline in the same run, and accepts through the sandbox
//! gateway. Every timed request is prepared beforehand (signed tickets,
//! opportunities with card references), so wrk times the hub alone.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

use super::{
    Plan,
    hub::{self, CAMERA, Hub, ORIGIN, OUTDOOR},
    wrk::{self, Load, Run},
};
use crate::run::{Error, root};

/// Requests prepared per second of a 64-connection run: above what the hub
/// can serve here, so no thread runs out and repeats a ticket.
const BODIES_PER_SEC: u32 = 60_000;

/// `runs` opportunity runs against `hub`, each with fresh tickets.
pub(crate) fn opportunity_runs(
    hub: &Hub,
    plan: &Plan,
    tag: &str,
    dir: &Path,
) -> Result<Vec<Run>, Error> {
    (0..plan.runs)
        .map(|r| opportunity_run(hub, plan, tag, r, dir).map(|(run, _)| run))
        .collect()
}

/// Opportunity run `r` against `hub`, with fresh tickets, and the hub's CPU
/// time per request it answered, in microseconds.
pub(crate) fn opportunity_run(
    hub: &Hub,
    plan: &Plan,
    tag: &str,
    r: u32,
    dir: &Path,
) -> Result<(Run, f64), Error> {
    let file = dir.join(format!("{tag}-{r}.txt"));
    let n = BODIES_PER_SEC * plan.seconds;
    let lines = (0..n)
        .map(|i| {
            let body = hub::purchase(
                &format!("{tag}{r}-{i}"),
                &format!("c{tag}{r}-{i}"),
                CAMERA,
                "CAM",
            )?;
            Ok((
                "/v1/opportunities".to_owned(),
                String::new(),
                body.to_string(),
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    wrk::write_requests(&file, &lines)?;
    hub.quiet();
    let before = hub.cpu();
    let run = wrk::run(&hub.base, &file, ORIGIN, plan.load(), &dir.join("wrk.log"))?;
    // What the run left to do (copying the log back) is its cost too.
    hub.quiet();
    let cpu_us = per_request(before, hub.cpu(), &run);
    println!("bench: {tag} run {r}: {run:?}, {cpu_us:.1} µs of the hub's CPU per request");
    check(tag, &run)?;
    let _ = std::fs::remove_file(&file);
    Ok((run, cpu_us))
}

/// Microseconds of CPU per request answered between two readings.
fn per_request(before: Option<Duration>, after: Option<Duration>, run: &Run) -> f64 {
    match (before, after) {
        (Some(b), Some(a)) if run.requests > 0 => {
            a.saturating_sub(b).as_secs_f64() * 1e6 / run.requests as f64
        }
        _ => f64::NAN,
    }
}

/// The size of one opportunity answer, for the baseline's body.
pub(crate) async fn answer_size(hub: &Hub) -> Result<usize, Error> {
    let body = hub::purchase("size-probe", "size-probe-customer", CAMERA, "CAM")?;
    let (status, answer) = hub
        .post("/v1/opportunities", &[("origin", ORIGIN)], &body)
        .await?;
    if status != 201 {
        return Err(format!("opportunity probe answered {status}: {answer}"));
    }
    Ok(answer.to_string().len())
}

/// The bare-axum baseline, built in release like the hub.
#[derive(Debug)]
pub(crate) struct Baseline {
    child: Child,
    pub(crate) base: String,
}

impl Baseline {
    pub(crate) fn start(body_bytes: usize) -> Result<Self, Error> {
        let port = hub::free_port()?;
        let child = Command::new(root().join("target/release/postsale-bench-baseline"))
            .arg(format!("127.0.0.1:{port}"))
            .arg(body_bytes.to_string())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the baseline server: {e}"))?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(Self {
                    child,
                    base: format!("http://127.0.0.1:{port}"),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("the baseline server did not listen".into())
    }
}

impl Drop for Baseline {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The baseline's requests: the opportunity runs' request lines.
pub(crate) fn baseline_requests(dir: &Path) -> Result<std::path::PathBuf, Error> {
    let file = dir.join("baseline.txt");
    let body = hub::purchase("baseline", "baseline-customer", CAMERA, "CAM")?.to_string();
    let lines: Vec<_> = (0..1000)
        .map(|_| ("/v1/opportunities".to_owned(), String::new(), body.clone()))
        .collect();
    wrk::write_requests(&file, &lines)?;
    Ok(file)
}

/// Baseline run `r`, once the hub beside it has gone quiet (the hub's
/// background work after a run, copying its log back, would slow the
/// baseline and flatter the hub's ratio).
pub(crate) fn baseline_run(
    baseline: &Baseline,
    hub: &Hub,
    requests: &Path,
    plan: &Plan,
    r: u32,
    dir: &Path,
) -> Result<(Run, f64), Error> {
    hub.quiet();
    let pid = baseline.child.id();
    let before = hub::cpu(pid);
    let run = wrk::run(
        &baseline.base,
        requests,
        ORIGIN,
        plan.load(),
        &dir.join("wrk.log"),
    )?;
    let cpu_us = per_request(before, hub::cpu(pid), &run);
    println!("bench: baseline run {r}: {run:?}, {cpu_us:.1} µs of the baseline's CPU per request");
    Ok((run, cpu_us))
}

/// Accept runs: for each, opportunities and card references made first
/// (concurrently, untimed), then one accept per opportunity under wrk.
pub(crate) async fn accept_runs(hub: &Hub, plan: &Plan, dir: &Path) -> Result<Vec<Run>, Error> {
    let mut runs = Vec::new();
    for r in 0..plan.runs {
        let n = plan.accepts_per_run;
        let lines = prepare_accepts(hub, r, n).await?;
        let file = dir.join(format!("accept-{r}.txt"));
        wrk::write_requests(&file, &lines)?;
        let load = Load {
            seconds: plan.accept_seconds,
            ..plan.load()
        };
        let run = wrk::run(&hub.base, &file, "-", load, &dir.join("wrk.log"))?;
        println!("bench: accept run {r}: {run:?}");
        check("accept", &run)?;
        runs.push(run);
        let _ = std::fs::remove_file(&file);
    }
    Ok(runs)
}

async fn prepare_accepts(
    hub: &Hub,
    run: u32,
    n: u32,
) -> Result<Vec<(String, String, String)>, Error> {
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let workers = 16;
    for w in 0..workers {
        let (base, client) = (hub.base.clone(), hub.client.clone());
        tasks.spawn(async move {
            let hub = Hub::borrowed(base, client);
            let mut lines = Vec::new();
            for i in (w..n).step_by(workers as usize) {
                lines.push(prepare_accept(&hub, &format!("a{run}-{i}")).await?);
            }
            Ok::<_, Error>(lines)
        });
    }
    let mut all = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        all.extend(joined.map_err(|e| format!("accept preparation: {e}"))??);
    }
    println!(
        "bench: {n} accept requests prepared in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(all)
}

/// One OUTDOOR opportunity, its offer's disclosure and a card reference.
async fn prepare_accept(hub: &Hub, order: &str) -> Result<(String, String, String), Error> {
    let body = hub::purchase(order, &format!("c-{order}"), OUTDOOR, "CAM")?;
    let (status, opp) = hub
        .post("/v1/opportunities", &[("origin", ORIGIN)], &body)
        .await?;
    let id = opp["id"]
        .as_str()
        .filter(|_| status == 201)
        .ok_or_else(|| format!("opportunity: {status} {opp}"))?;
    let offer: Value = hub
        .client
        .get(format!("{}/v1/opportunities/{id}/offer", hub.base))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("offer: {e}"))?
        .json()
        .await
        .map_err(|e| format!("offer: {e}"))?;
    // Card entry and the accept come from inside the hub's frame: each
    // carries the token of the frame page, loaded once as the IFRAME does.
    let frame = hub
        .client
        .get(format!("{}/v1/opportunities/{id}/frame", hub.base))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("frame page: {e}"))?
        .text()
        .await
        .map_err(|e| format!("frame page: {e}"))?;
    let token = frame
        .split_once("data-frame-token=\"")
        .and_then(|(_, rest)| rest.split('"').next())
        .filter(|t| !t.is_empty())
        .ok_or("the frame page carries no frame token")?
        .to_owned();
    let card =
        json!({"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"});
    let (status, reference) = hub
        .post(
            &format!("/v1/opportunities/{id}/card"),
            &[("postsale-frame-token", &token)],
            &card,
        )
        .await?;
    let reference = reference["payment_reference"]
        .as_str()
        .filter(|_| status == 201)
        .ok_or_else(|| format!("card: {status} {reference}"))?;
    let accept = json!({
        "items": [{"sku": "TRIPOD", "quantity": 1}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"],
            "action": "confirm_button", "amount": "99.00"},
        "payment_reference": reference,
    });
    Ok((
        format!("/v1/opportunities/{id}/accept"),
        format!("key-{order} {token}"),
        accept.to_string(),
    ))
}

/// A run that repeated requests or got refusals measured something else.
fn check(what: &str, run: &Run) -> Result<(), Error> {
    if run.rps <= 0.0 {
        return Err(format!(
            "{what}: no request completed within the run (each took longer than the run lasted); see target/bench/wrk.log"
        ));
    }
    if run.wrapped || run.bad > 0 || run.errors > 0 {
        return Err(format!(
            "{what}: {} answers were not 201, {} socket errors or timeouts (prepared requests ran out: {}); the figures would not be of the path under test",
            run.bad, run.errors, run.wrapped
        ));
    }
    Ok(())
}

impl Plan {
    pub(crate) fn load(&self) -> Load {
        Load {
            connections: 64,
            threads: 2,
            seconds: self.seconds,
        }
    }
}
