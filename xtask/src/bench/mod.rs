//! `cargo xtask bench [--quick]`: what we claim about speed, measured in one
//! run beside its baselines (these machines are noisy, so a figure only means
//! something next to its yardstick measured minutes apart). Release builds
//! throughout; results in `target/bench/report.json` and `report.md`.
//!
//! `--quick` runs everything with fewer repetitions and 2-second load runs:
//! `cargo xtask test` uses it to prove the bench still produces every key,
//! not to judge the targets.

pub(crate) mod hub;
mod page;
mod report;
mod select;
mod server;
mod size;
mod wrk;
mod year;

use std::{path::Path, process::Command};

use report::{Figure, Report};

use crate::{
    postgres::Postgres,
    run::{self, Error, root},
};

/// How much of everything to do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Repetitions of each load run.
    runs: u32,
    /// Seconds per wrk run.
    seconds: u32,
    /// Accepts prepared per accept run: more than the hub serves in
    /// `accept_seconds`, so no request repeats.
    accepts_per_run: u32,
    /// Seconds per accept run (shorter: every accept is prepared first).
    accept_seconds: u32,
    /// Counted page loads of each variant.
    page_loads: u32,
    /// Showings a day in the year the merchant report counts.
    report_per_day: i64,
}

pub(crate) fn run(quick: bool, hub_only: bool, against: Option<&Path>) -> Result<(), Error> {
    let plan = if quick {
        Plan {
            runs: 2,
            seconds: 2,
            accepts_per_run: 12_000,
            accept_seconds: 1,
            page_loads: 3,
            report_per_day: 500,
        }
    } else {
        Plan {
            runs: 5,
            seconds: 10,
            accepts_per_run: 30_000,
            accept_seconds: 3,
            page_loads: 11,
            report_per_day: 3_000,
        }
    };
    let mut command = match (quick, hub_only) {
        (true, true) => "cargo xtask bench --quick --hub",
        (true, false) => "cargo xtask bench --quick",
        (false, true) => "cargo xtask bench --hub",
        (false, false) => "cargo xtask bench",
    }
    .to_owned();
    if let Some(other) = against {
        if !other.is_file() {
            return Err(format!("bench: no hub binary at {}", other.display()));
        }
        command = format!("{command} --against {}", other.display());
    }
    let mut build_notes = Vec::new();
    build(&mut build_notes, hub_only)?;
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let _ = std::fs::remove_file(dir.join("wrk.log"));
    let mut report = Report {
        command,
        notes: build_notes,
        ..Report::default()
    };

    if !hub_only {
        let sizes = size::measure()?;
        report.push(Figure::new("loader_br_bytes", "B", vec![sizes.loader]).at_most(1536.0));
        report.push(Figure::new("widget_br_bytes", "B", vec![sizes.widget]).at_most(61_440.0));
        report.push(Figure::new("frame_br_bytes", "B", vec![sizes.frame]));
        report.push(Figure::new("console_br_bytes", "B", vec![sizes.console]));
        report.steps = size::build_steps()?;
    }

    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("no tokio runtime: {e}"))?;
    runtime.block_on(measure(&plan, hub_only, against, &dir, &mut report))?;

    report.notes.extend(notes(&plan));
    report.write(&dir)?;
    println!("\n{}", report.to_markdown());
    println!(
        "bench: wrote {} and report.md",
        dir.join("report.json").display()
    );
    let missing = report.missing();
    if !missing.is_empty() && !hub_only {
        return Err(format!(
            "bench: keys without a number: {}",
            missing.join(", ")
        ));
    }
    Ok(())
}

async fn measure(
    plan: &Plan,
    hub_only: bool,
    against: Option<&Path>,
    dir: &Path,
    report: &mut Report,
) -> Result<(), Error> {
    if !hub_only {
        page_figures(plan, dir, report).await;
    }
    hub_figures(plan, against, dir, report).await?;
    if !hub_only {
        select_figures(plan, dir, report).await?;
        let (affiliate, upseller, showings) =
            year::measure(plan.report_per_day, plan.runs, dir).await?;
        report.notes.push(format!(
            "Merchant report (`report_year_ms`, `report_year_upseller_ms`): `GET /v1/admin/stats/report` over 365 days on SQLite holding a year of {showings} showings (six in ten viewed, three declined, one in twenty paid with two items, one paid order in ten refunded, each paid order settled), written by a recursive CTE; the affiliate's report and an upseller's (half the showings), timed by the client over loopback, one uncounted report each first."
        ));
        report.push(Figure::new("report_year_ms", "ms", affiliate).at_most(1000.0));
        report.push(Figure::new("report_year_upseller_ms", "ms", upseller).at_most(1000.0));
    }
    Ok(())
}

/// Page first, on a quiet machine. A page that never pops up costs its
/// three keys (so the run fails at the end), not the server figures.
async fn page_figures(plan: &Plan, dir: &std::path::Path, report: &mut Report) {
    match page::measure(plan.page_loads, dir).await {
        Ok(page::Measured {
            with,
            without,
            console_ms,
        }) => {
            let popups = with.iter().filter_map(|l| l.popup_ms).collect();
            report.push(Figure::new("time_to_popup_ms", "ms", popups).at_most(300.0));
            let pairs = with.iter().zip(&without);
            let long = pairs
                .clone()
                .map(|(w, o)| w.long_task_ms - o.long_task_ms)
                .collect();
            report.push(Figure::new("host_long_task_ms_added", "ms", long).at_most(30.0));
            let cls = pairs.map(|(w, o)| w.cls - o.cls).collect();
            report.push(Figure::new("cls_added", "", cls).at_most(0.0));
            report.push(Figure::new("console_first_paint_ms", "ms", console_ms).at_most(1000.0));
        }
        Err(err) => {
            eprintln!("bench: page figures failed: {err}");
            report.notes.push(format!("Page figures FAILED: {err}"));
        }
    }
}

/// Opportunities beside the bare baseline (and beside another hub build
/// when one is given), accepts, and opportunities on PostgreSQL.
async fn hub_figures(
    plan: &Plan,
    against: Option<&Path>,
    dir: &Path,
    report: &mut Report,
) -> Result<(), Error> {
    let (_, sqlite) = hub::fresh_sqlite(dir, "opportunities")?;
    // The widget build gives the hub its frame page (card entry needs one).
    let dist = root().join("dist").to_string_lossy().into_owned();
    let assets = ["--assets", dist.as_str()];
    let hub = hub::Hub::start(&sqlite, &dir.join("hub-sqlite.log"), &assets).await?;
    hub.seed().await?;
    let other = match against {
        Some(binary) => {
            let (_, database) = hub::fresh_sqlite(dir, "against")?;
            let log = dir.join("hub-against.log");
            let other =
                hub::Hub::start_binary(binary, &database, &log, &assets, hub::Telemetry::Full)
                    .await?;
            other.seed().await?;
            Some(other)
        }
        None => None,
    };
    // The same build, telling its operator nothing: what logging and
    // metrics cost.
    let (_, database) = hub::fresh_sqlite(dir, "quiet")?;
    let quiet = hub::Hub::start_binary(
        &root().join("target/release/postsale"),
        &database,
        &dir.join("hub-quiet.log"),
        &assets,
        hub::Telemetry::Quiet,
    )
    .await?;
    quiet.seed().await?;
    let baseline = server::Baseline::start(server::answer_size(&hub).await?)?;
    // Each opportunity run is paired with the baseline run right after it,
    // so a machine that slows down or speeds up during the bench moves both
    // sides of each ratio alike; the other build's run, if any, sits
    // between them.
    let requests = server::baseline_requests(dir)?;
    let (mut opp, mut base, mut opp_cpu, mut base_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut theirs, mut their_cpu) = (Vec::new(), Vec::new());
    let (mut quiets, mut quiet_cpu) = (Vec::new(), Vec::new());
    for r in 0..plan.runs {
        let (run, cpu) = server::opportunity_run(&hub, plan, "sq", r, dir)?;
        opp.push(run);
        opp_cpu.push(cpu);
        let (run, cpu) = server::opportunity_run(&quiet, plan, "qt", r, dir)?;
        quiets.push(run);
        quiet_cpu.push(cpu);
        if let Some(other) = &other {
            let (run, cpu) = server::opportunity_run(other, plan, "ab", r, dir)?;
            theirs.push(run);
            their_cpu.push(cpu);
        }
        let (run, cpu) = server::baseline_run(&baseline, &hub, &requests, plan, r, dir)?;
        base.push(run);
        base_cpu.push(cpu);
    }
    drop(other);
    drop(quiet);
    report.push(Figure::new(
        "quiet_rps",
        "req/s",
        quiets.iter().map(|r| r.rps).collect(),
    ));
    report.push(Figure::new("quiet_cpu_us", "µs", quiet_cpu.clone()));
    report.push(Figure::new(
        "telemetry_cpu_us",
        "µs",
        opp_cpu.iter().zip(&quiet_cpu).map(|(o, q)| o - q).collect(),
    ));
    report.push(Figure::new(
        "opportunity_vs_quiet",
        "",
        opp.iter()
            .zip(&quiets)
            .map(|(o, q)| o.rps / q.rps)
            .collect(),
    ));
    report.notes.push("Telemetry: every hub of the bench runs as in production (a JSON log line per request at `info`, metrics counted), but for `quiet`: the same build with `--no-metrics` and `RUST_LOG=warn`, on its own fresh SQLite file, seeded alike, its opportunity run right after this build's in each round. `telemetry_cpu_us` is the hub CPU per request the log lines and the metrics cost (each round's difference), `opportunity_vs_quiet` the rate with them over the rate without.".into());
    if !theirs.is_empty() {
        let ratios = opp
            .iter()
            .zip(&theirs)
            .map(|(o, t)| o.rps / t.rps)
            .collect();
        report.push(Figure::new(
            "against_rps",
            "req/s",
            theirs.iter().map(|r| r.rps).collect(),
        ));
        report.push(Figure::new(
            "against_p99_ms",
            "ms",
            theirs.iter().map(|r| r.p99_ms).collect(),
        ));
        report.push(Figure::new("against_cpu_us", "µs", their_cpu));
        report.push(Figure::new("opportunity_vs_against", "", ratios));
        report.notes.push(format!(
            "Against: the same opportunity runs on `{}` (its own fresh SQLite file, seeded alike), each right after this build's run of the same round; `opportunity_vs_against` divides the two runs of each round.",
            against.map(|p| p.display().to_string()).unwrap_or_default()
        ));
    }
    drop(baseline);
    let rps: Vec<f64> = opp.iter().map(|r| r.rps).collect();
    let rps_sqlite = rps.clone();
    let base_rps: Vec<f64> = base.iter().map(|r| r.rps).collect();
    let ratios = rps.iter().zip(&base_rps).map(|(o, b)| o / b).collect();
    report.push(Figure::new("opportunity_rps", "req/s", rps));
    report.push(Figure::new(
        "opportunity_p50_ms",
        "ms",
        opp.iter().map(|r| r.p50_ms).collect(),
    ));
    report.push(
        Figure::new(
            "opportunity_p99_ms",
            "ms",
            opp.iter().map(|r| r.p99_ms).collect(),
        )
        .at_most(10.0),
    );
    report.push(Figure::new("baseline_rps", "req/s", base_rps));
    report.push(Figure::new("opportunity_vs_baseline", "", ratios).at_least(0.5));
    report.push(Figure::new("opportunity_cpu_us", "µs", opp_cpu));
    report.push(Figure::new("baseline_cpu_us", "µs", base_cpu));

    let accepts = server::accept_runs(&hub, plan, dir).await?;
    drop(hub);
    report.push(Figure::new(
        "accept_rps",
        "req/s",
        accepts.iter().map(|r| r.rps).collect(),
    ));
    report.push(
        Figure::new(
            "accept_p99_ms",
            "ms",
            accepts.iter().map(|r| r.p99_ms).collect(),
        )
        .at_most(50.0),
    );

    let pg = Postgres::start()?;
    let hub = hub::Hub::start(&pg.url, &dir.join("hub-pg.log"), &assets).await?;
    hub.seed().await?;
    let opp_pg = server::opportunity_runs(&hub, plan, "pg", dir)?;
    drop(hub);
    drop(pg);
    let pg = Figure::new(
        "opportunity_rps_pg",
        "req/s",
        opp_pg.iter().map(|r| r.rps).collect(),
    );
    let sqlite_median = Figure::new("opportunity_rps", "req/s", rps_sqlite).median();
    report.push(
        Figure::new(
            "opportunity_pg_vs_sqlite",
            "",
            vec![pg.median() / sqlite_median],
        )
        .at_least(0.5),
    );
    report.push(pg);
    Ok(())
}

/// Selection's cost at three registry sizes.
async fn select_figures(
    plan: &Plan,
    dir: &std::path::Path,
    report: &mut Report,
) -> Result<(), Error> {
    let s10 = select::measure(10, plan, dir).await?;
    let s1k = select::measure(1_000, plan, dir).await?;
    let s100k = select::measure(100_000, plan, dir).await?;
    let limit = 2.0 * Figure::new("select_ns_10", "ns", s10.clone()).median();
    report.push(Figure::new("select_ns_10", "ns", s10));
    report.push(Figure::new("select_ns_1k", "ns", s1k));
    report.push(
        Figure::new("select_ns_100k", "ns", s100k)
            .at_most_labelled(limit, "<= 2 × select_ns_10".into()),
    );
    Ok(())
}

/// Release builds of the widget, the hub and the baseline server.
fn build(notes: &mut Vec<String>, hub_only: bool) -> Result<(), Error> {
    // Another trunk build in the same tree (a colleague's) can pull dist's
    // staging folder from under this one: one retry. If the widget does not
    // build at all (work in progress in the shared tree), the last dist/ is
    // measured and the report says so.
    let built = if hub_only {
        Ok(None)
    } else {
        crate::widget::build(true).map(Some).or_else(|_| {
            eprintln!("bench: trunk build failed; retrying once");
            std::thread::sleep(std::time::Duration::from_secs(5));
            crate::widget::build(true).map(Some)
        })
    };
    match built {
        Ok(Some(how)) => notes.push(format!("The widget measured here was built on {how}.")),
        Ok(None) => notes.push(
            "`--hub`: the hub's load figures alone; the widget was neither built nor measured."
                .into(),
        ),
        Err(err) => {
            if !root().join("dist/widget/postsale-widget_bg.wasm").is_file() {
                return Err(err);
            }
            notes.push("`trunk build --release` FAILED in this run (the widget did not compile in the working tree); sizes and page figures are of the dist/ left by the last successful build.".into());
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for (package, bin) in [
        ("postsale-server", "postsale"),
        ("xtask", "postsale-bench-baseline"),
    ] {
        let mut cmd = Command::new(&cargo);
        cmd.args(["build", "--release", "--package", package, "--bin", bin])
            .current_dir(root());
        if !run::status(&mut cmd)? {
            return Err(format!("cargo build --release --bin {bin} failed"));
        }
    }
    Ok(())
}

fn notes(plan: &Plan) -> Vec<String> {
    vec![
        format!("Each load figure is over {} wrk runs of {} s (wrk 4.1, 2 threads, 64 connections, loopback, Lua replay of pre-signed requests, each used once; a run that repeats a request or gets a non-201 answer aborts the bench).", plan.runs, plan.seconds),
        "Sizes: the `brotli -q 11` copy of each file of `dist/widget/` that the widget build leaves and the hub sends to browsers accepting br, counted one by one as served; deterministic, so one sample. widget_br_bytes is the build merchants' pages load (postsale-widget wasm + glue); frame_br_bytes the hub IFRAME page's build with the card form (postsale-frame wasm + glue + frame.js), which only the IFRAME presentation loads, inside the frame; console_br_bytes the merchant console (`dist/console`: wasm, glue and styles as served, its page as is), which no checkout page loads.".into(),
        "Opportunities: `POST /v1/opportunities` to the release hub on a fresh SQLite file (WAL), reason code CAMERA-HIGH (payment_reference, two complementing items), a distinct order, customer and nonce per request, `Origin` set as a browser would. `opportunity_rps_pg`: the same on a throwaway PostgreSQL cluster (fsync off); `opportunity_pg_vs_sqlite` is its median over SQLite's.".into(),
        "Baseline: a bare axum 0.8 handler (release, separate process) answering the same request bodies with 201 and a JSON body of the hub's answer's length; each of its runs comes right after one opportunity run, once the hub has gone quiet (under a clock tick of CPU in a quarter second), and `opportunity_vs_baseline` divides the two runs of each pair.".into(),
        "CPU per request (`opportunity_cpu_us`, `baseline_cpu_us`): the server process's user and system time (`/proc/PID/stat`, 10 ms ticks) from before a run until the process has gone quiet after it, over the requests it answered; the hub's includes copying its log back into the database file. Less sensitive than req/s to a machine that slows down during the bench, as wrk's share of the two cores is not in it.".into(),
        "Accepts: OUTDOOR (direct_entry, sandbox gateway) opportunities, offers and card references made before each timed run; then one accept per opportunity with its own Idempotency-Key.".into(),
        format!("Accept runs last {} s each (every accept is prepared before its run, and each is used once).", plan.accept_seconds),
        "select_ns_N: NOT the selection function alone (the hub does not expose it): the median (wrk p50) latency of the whole `POST /v1/opportunities` at 1 connection with N reason codes and 10N offer items (and 10N complement rows) in the registry, written straight into SQLite; every request names a different reason code and buys the SKU its ten items complement; one uncounted run first warms the hub's registry cache, and the counted runs ask for the same codes again with fresh orders. It includes ticket verification, the HTTP stack and the opportunity insert, so it bounds selection from above.".into(),
        format!("Page: headless Chromium over chromedriver, demo order page from a `--demo` hub, browser cache cleared before each load, {} counted loads per variant after one warm-up, alternating with/without snippet. time_to_popup = first animation frame where `postsale-widget`'s shadowRoot holds `[role=dialog]` minus the loader's resource-timing startTime. Long tasks and layout shifts (PerformanceObserver, installed before any page script) are summed over each load's first 3 s; the 'without' page is the same page with the snippet removed, served by a second hub. console_first_paint_ms: the merchant console at `/console/`, signed out, browser cache cleared before each of as many loads (after one warm-up): the first animation frame showing its page's heading (the sign-in page, drawn by its wasm after asking the hub who is signed in), in ms since navigation started.", plan.page_loads),
    ]
}
