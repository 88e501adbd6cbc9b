//! `cargo xtask simulate`: a seeded market that the hub's offer selection
//! (`postsale-learner`, the very code the hub runs) learns in, beside an
//! oracle that knows the hidden acceptance rates, the plain rules (always
//! the first eligible offer) and uniform choice, all on the same stream of
//! showings: the same contexts, the same customers' hidden coin flips, the
//! same delays before each showing closes. Halfway through, the market
//! drifts: the rates move between offers. Writes
//! `target/simulate/report.json`, `report.md` and `regret.svg`.

use std::collections::BinaryHeap;
use std::fmt::Write as _;

use postsale_learner::{Arm, Policy, Why, choose};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::run::{Error, root};

/// Showings in a run, and where the market drifts.
const SHOWINGS: usize = 10_000;
const DRIFT_AT: usize = 5_000;
const WINDOW: usize = 1_000;
/// The first run's seed; each run's is the next. Every figure is the mean
/// over the runs, its spread reported beside it.
const SEED: u64 = 20_261_201;
const RUNS: u64 = 10;

/// The offers' prices after incentives, in minor units (the rules' order).
const PRICES: [f64; 4] = [1_900.0, 2_900.0, 4_900.0, 8_900.0];

/// The contexts a merchant can see: order-value band by device class.
const CONTEXTS: [&str; 4] = [
    "under-50:desktop",
    "under-50:phone",
    "over-200:desktop",
    "over-200:phone",
];

/// Hidden acceptance per context and offer, before the drift and after it.
const BEFORE: [[f64; 4]; 4] = [
    [0.30, 0.24, 0.10, 0.03],
    [0.28, 0.12, 0.06, 0.02],
    [0.15, 0.14, 0.12, 0.09],
    [0.20, 0.16, 0.13, 0.05],
];
const AFTER: [[f64; 4]; 4] = [
    [0.12, 0.10, 0.16, 0.03],
    [0.10, 0.20, 0.06, 0.02],
    [0.25, 0.14, 0.06, 0.03],
    [0.20, 0.08, 0.05, 0.06],
];

/// Longest wait, in showings, before a showing closes (declined, expired
/// or accepted); a refund comes up to as long after its accept.
const MAX_DELAY: usize = 300;
/// Share of accepts refunded later.
const REFUND_SHARE: f64 = 0.05;

/// One showing as the market decides it, whoever chooses the offer.
#[derive(Debug, Clone)]
struct Showing {
    context: usize,
    /// The customer's hidden coin per offer: accepted when below its rate.
    coins: [f64; 4],
    /// Showings until it closes.
    delay: usize,
    /// Whether an accept of it is refunded, and how much later.
    refund: Option<usize>,
}

fn rates(at: usize) -> &'static [[f64; 4]; 4] {
    if at < DRIFT_AT { &BEFORE } else { &AFTER }
}

fn stream(seed: u64) -> Vec<Showing> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..SHOWINGS)
        .map(|_| Showing {
            context: rng.gen_range(0..CONTEXTS.len()),
            coins: [rng.r#gen(), rng.r#gen(), rng.r#gen(), rng.r#gen()],
            delay: rng.gen_range(1..=MAX_DELAY),
            refund: rng
                .gen_bool(REFUND_SHARE)
                .then(|| rng.gen_range(1..=MAX_DELAY)),
        })
        .collect()
}

/// Who chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chooser {
    Oracle,
    Rules,
    Uniform,
    Learner,
}

/// What one chooser made of the stream: revenue kept per showing, and for
/// the learner why each showing got its offer.
#[derive(Debug, Default)]
struct Run {
    revenue: Vec<f64>,
    why: Vec<Option<Why>>,
    /// How often the learner said the market moved.
    drifts: usize,
}

/// A later event of a showing, for the learner: it closes, or its accept
/// is refunded.
#[derive(Debug, PartialEq, Eq)]
struct Later {
    at: usize,
    showing: usize,
    refund: bool,
}

impl Ord for Later {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.at, other.showing, other.refund).cmp(&(self.at, self.showing, self.refund))
    }
}

impl PartialOrd for Later {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The learner's memory per context and offer, as the hub keeps it per
/// bucket.
type Memories = [[postsale_learner::Memory; 4]; 4];

fn simulate(showings: &[Showing], chooser: Chooser, seed: u64) -> Run {
    let policy = Policy::default();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut memory: Memories = Default::default();
    let mut drifts = 0;
    let mut later: BinaryHeap<Later> = BinaryHeap::new();
    let mut chosen = vec![0_usize; showings.len()];
    let mut run = Run::default();
    for (i, showing) in showings.iter().enumerate() {
        // What closed by now teaches the learner.
        while later.peek().is_some_and(|l| l.at <= i) {
            let Some(event) = later.pop() else { break };
            let s = &showings[event.showing];
            let arm = chosen[event.showing];
            let price = PRICES[arm];
            let bucket = &mut memory[s.context];
            if event.refund {
                bucket[arm].evidence = bucket[arm].evidence.refunded(price);
                continue;
            }
            let accepted = s.coins[arm] < rates(event.showing)[s.context][arm];
            if postsale_learner::close(bucket, arm, accepted.then_some(price), &policy) {
                drifts += 1;
            }
        }
        let (arm, why) = match chooser {
            Chooser::Oracle => {
                let r = &rates(i)[showing.context];
                let best = (0..PRICES.len())
                    .max_by(|&a, &b| (r[a] * PRICES[a]).total_cmp(&(r[b] * PRICES[b])))
                    .unwrap_or(0);
                (best, None)
            }
            Chooser::Rules => (0, None),
            Chooser::Uniform => (rng.gen_range(0..PRICES.len()), None),
            Chooser::Learner => {
                let arms: Vec<Arm> = (0..PRICES.len())
                    .map(|a| Arm {
                        price: PRICES[a],
                        evidence: memory[showing.context][a].evidence,
                        pinned: false,
                    })
                    .collect();
                match choose(&arms, &policy, &mut rng) {
                    Some(choice) => (choice.arm, Some(choice.why)),
                    None => (0, None),
                }
            }
        };
        chosen[i] = arm;
        let accepted = showing.coins[arm] < rates(i)[showing.context][arm];
        let refunded = accepted && showing.refund.is_some();
        run.revenue.push(if accepted && !refunded {
            PRICES[arm]
        } else {
            0.0
        });
        run.why.push(why);
        run.drifts = drifts;
        later.push(Later {
            at: i + showing.delay,
            showing: i,
            refund: false,
        });
        if let (true, Some(after)) = (accepted, showing.refund) {
            later.push(Later {
                at: i + showing.delay + after,
                showing: i,
                refund: true,
            });
        }
    }
    run
}

/// Revenue per showing over showings `from..to` (the learner's own: the
/// holdout's, served by the rules by design, are counted apart).
fn rpt(run: &Run, from: usize, to: usize, learned_only: bool) -> f64 {
    let kept: Vec<f64> = (from..to)
        .filter(|&i| !learned_only || !matches!(run.why[i], Some(Why::Holdout)))
        .map(|i| run.revenue[i])
        .collect();
    if kept.is_empty() {
        0.0
    } else {
        kept.iter().sum::<f64>() / kept.len() as f64 / 100.0
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// Cumulative regret against the oracle, one point per 100 showings.
fn regret(oracle: &Run, run: &Run) -> Vec<f64> {
    let mut total = 0.0;
    let mut points = Vec::new();
    for i in 0..SHOWINGS {
        total += (oracle.revenue[i] - run.revenue[i]) / 100.0;
        if (i + 1) % 100 == 0 {
            points.push(total);
        }
    }
    points
}

fn svg(curves: &[(&str, &str, Vec<f64>)]) -> String {
    let (w, h, pad) = (720.0, 360.0, 48.0);
    let max = curves
        .iter()
        .flat_map(|(_, _, c)| c.iter().copied())
        .fold(1.0_f64, f64::max);
    let min = curves
        .iter()
        .flat_map(|(_, _, c)| c.iter().copied())
        .fold(0.0_f64, f64::min);
    let x = |i: usize, n: usize| pad + (w - 2.0 * pad) * (i as f64 + 1.0) / n as f64;
    let y = |v: f64| h - pad - (h - 2.0 * pad) * (v - min) / (max - min);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"t\">\
         <title id=\"t\">Cumulative regret against the oracle, by showing</title>\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\
         <line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#444\"/>\
         <line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{b}\" stroke=\"#444\"/>\
         <text x=\"{pad}\" y=\"{t}\" font-size=\"12\">regret (major units, cumulative): max {max:.0}</text>\
         <text x=\"{r}\" y=\"{l}\" font-size=\"12\" text-anchor=\"end\">{SHOWINGS} showings; drift at {DRIFT_AT}</text>",
        b = h - pad,
        r = w - pad,
        t = pad - 12.0,
        l = h - pad + 20.0,
    );
    let drift = pad + (w - 2.0 * pad) * DRIFT_AT as f64 / SHOWINGS as f64;
    let _ = write!(
        out,
        "<line x1=\"{drift}\" y1=\"{pad}\" x2=\"{drift}\" y2=\"{b}\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>",
        b = h - pad
    );
    for (n, (name, colour, curve)) in curves.iter().enumerate() {
        let points: Vec<String> = curve
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i, curve.len()), y(*v)))
            .collect();
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\
             <text x=\"{lx}\" y=\"{ly}\" font-size=\"12\" fill=\"{colour}\">{name}</text>",
            points.join(" "),
            lx = pad + 8.0,
            ly = pad + 16.0 * (n as f64 + 1.0),
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The keys of one run, in the report's order.
const KEYS: [&str; 11] = [
    "rpt_oracle",
    "rpt_learner",
    "rpt_learner_with_holdout",
    "rpt_rules",
    "rpt_uniform",
    "rpt_holdout",
    "holdout_share",
    "drifts_detected",
    "learner_vs_oracle_last_1k",
    "learner_vs_rules_first_1k",
    "learner_vs_oracle_after_drift",
];

/// One seeded run: its keys' values (in [`KEYS`] order), revenue per
/// showing by window (oracle, learner, rules, uniform) and the regret
/// curves (learner, rules, uniform).
struct Outcome {
    values: Vec<f64>,
    windows: Vec<[f64; 4]>,
    regret: [Vec<f64>; 3],
}

fn outcome(seed: u64) -> Outcome {
    let showings = stream(seed);
    let oracle = simulate(&showings, Chooser::Oracle, seed);
    let rules = simulate(&showings, Chooser::Rules, seed);
    let uniform = simulate(&showings, Chooser::Uniform, seed);
    let learner = simulate(&showings, Chooser::Learner, seed);
    let whole = |run: &Run, learned| rpt(run, 0, SHOWINGS, learned);
    let last = SHOWINGS - WINDOW;
    let after_drift = DRIFT_AT + 2 * WINDOW;
    let held: Vec<usize> = (0..SHOWINGS)
        .filter(|&i| matches!(learner.why[i], Some(Why::Holdout)))
        .collect();
    let holdout_rpt =
        held.iter().map(|&i| learner.revenue[i]).sum::<f64>() / held.len().max(1) as f64 / 100.0;
    let values = vec![
        whole(&oracle, false),
        whole(&learner, true),
        whole(&learner, false),
        whole(&rules, false),
        whole(&uniform, false),
        holdout_rpt,
        held.len() as f64 / SHOWINGS as f64,
        learner.drifts as f64,
        ratio(
            rpt(&learner, last, SHOWINGS, true),
            rpt(&oracle, last, SHOWINGS, false),
        ),
        ratio(
            rpt(&learner, 0, WINDOW, true),
            rpt(&rules, 0, WINDOW, false),
        ),
        ratio(
            rpt(&learner, after_drift - WINDOW, after_drift, true),
            rpt(&oracle, after_drift - WINDOW, after_drift, false),
        ),
    ];
    let windows = (0..SHOWINGS / WINDOW)
        .map(|w| {
            let (from, to) = (w * WINDOW, (w + 1) * WINDOW);
            [
                rpt(&oracle, from, to, false),
                rpt(&learner, from, to, true),
                rpt(&rules, from, to, false),
                rpt(&uniform, from, to, false),
            ]
        })
        .collect();
    Outcome {
        values,
        windows,
        regret: [
            regret(&oracle, &learner),
            regret(&oracle, &rules),
            regret(&oracle, &uniform),
        ],
    }
}

/// The mean of each column of `rows`.
fn means(rows: &[Vec<f64>]) -> Vec<f64> {
    let n = rows.len().max(1) as f64;
    (0..rows.first().map_or(0, Vec::len))
        .map(|i| rows.iter().map(|r| r[i]).sum::<f64>() / n)
        .collect()
}

/// The learner's settings, as the report states them.
fn describe(p: &Policy) -> String {
    format!(
        "holdout {:.0}%, floor {:.0}%, each closed showing of a context keeps {} of the evidence before it, \
         a prior at the context's pooled acceptance worth {} showings, sampled acceptance {}× as sure as the posterior, \
         a moved market said by a CUSUM of each arm's outcomes at {} (once it holds {} showings) and then each arm's evidence shrunk to {} showings' worth",
        p.holdout * 100.0,
        p.floor * 100.0,
        p.keep,
        p.prior_strength,
        p.sharpness,
        p.drift_h,
        p.drift_min,
        p.after_drift,
    )
}

/// Runs the market; with `quick`, only checks that every key is produced.
pub(crate) fn run(quick: bool) -> Result<(), Error> {
    let outcomes: Vec<Outcome> = (0..RUNS).map(|k| outcome(SEED + k)).collect();
    let values: Vec<Vec<f64>> = outcomes.iter().map(|o| o.values.clone()).collect();
    let mean = means(&values);
    let mut report = json!({
        "showings": SHOWINGS,
        "drift_at": DRIFT_AT,
        "seeds": (0..RUNS).map(|k| SEED + k).collect::<Vec<_>>(),
    });
    let mut spread = serde_json::Map::new();
    for (i, key) in KEYS.iter().enumerate() {
        report[*key] = json!(mean[i]);
        let column = values.iter().map(|v| v[i]);
        let (low, high) = column.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
            (l.min(x), h.max(x))
        });
        spread.insert((*key).to_owned(), json!([low, high]));
    }
    report["spread"] = Value::Object(spread);
    let windows: Vec<Value> = (0..SHOWINGS / WINDOW)
        .map(|w| {
            let rows: Vec<Vec<f64>> = outcomes.iter().map(|o| o.windows[w].to_vec()).collect();
            let m = means(&rows);
            json!({"from": w * WINDOW + 1, "to": (w + 1) * WINDOW,
                "oracle": m[0], "learner": m[1], "rules": m[2], "uniform": m[3]})
        })
        .collect();
    report["windows"] = Value::Array(windows);
    let last = SHOWINGS - WINDOW;
    let after_drift = DRIFT_AT + 2 * WINDOW;
    let curve = |k: usize| {
        means(
            &outcomes
                .iter()
                .map(|o| o.regret[k].clone())
                .collect::<Vec<_>>(),
        )
    };
    let dir = root().join("target/simulate");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let write = |name: &str, text: String| {
        std::fs::write(dir.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))
    };
    write(
        "report.json",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?,
    )?;
    let curves = [
        ("learner", "#1f6feb", curve(0)),
        ("rules", "#d1242f", curve(1)),
        ("uniform", "#9a6700", curve(2)),
    ];
    write("regret.svg", svg(&curves))?;
    let targets = [
        ("learner_vs_oracle_last_1k", 0.95),
        ("learner_vs_rules_first_1k", 0.95),
        ("learner_vs_oracle_after_drift", 0.90),
    ];
    let mut md = format!(
        "# postsale offer selection, simulated\n\n\
         Produced by `cargo xtask simulate`: one market, {RUNS} seeded runs, the same stream of showings for each chooser within a run; each figure is the mean over the runs, with the lowest and highest run beside it.\n\n\
         | key | mean | lowest | highest | target | |\n|---|---:|---:|---:|---|---|\n",
    );
    let mut missed = Vec::new();
    for key in KEYS {
        let value = report[key]
            .as_f64()
            .ok_or_else(|| format!("simulate: no number for {key}"))?;
        let target = targets.iter().find(|(k, _)| *k == key).map(|(_, t)| *t);
        let verdict = match target {
            Some(t) if value >= t => "met",
            Some(_) => {
                missed.push(key);
                "**missed**"
            }
            None => "—",
        };
        let target = target.map_or("reported".to_owned(), |t| format!(">= {t}"));
        let (low, high) = (
            report["spread"][key][0].as_f64().unwrap_or(f64::NAN),
            report["spread"][key][1].as_f64().unwrap_or(f64::NAN),
        );
        let _ = writeln!(
            md,
            "| `{key}` | {value:.3} | {low:.3} | {high:.3} | {target} | {verdict} |"
        );
    }
    let _ = write!(
        md,
        "\n## How\n\n\
         - {SHOWINGS} showings, contexts {CONTEXTS:?} drawn uniformly; four offers priced {PRICES:?} (minor units, after incentives), listed in the plain rules' order.\n\
         - Hidden acceptance per context and offer; at showing {DRIFT_AT} the rates move between offers (`BEFORE` and `AFTER` in `xtask/src/simulate.rs`).\n\
         - Each showing closes 1 to {MAX_DELAY} showings later (declined, expired or accepted): only then does the learner hear of it; {pct:.0}% of accepts are refunded up to {MAX_DELAY} showings after that, and their money taken back.\n\
         - Every chooser meets the same customers: one seeded coin per showing and offer decides an accept, whoever chose the offer.\n\
         - oracle: the offer with the highest hidden rate × price; rules: always the first offer; uniform: any offer alike; learner: `postsale_learner::choose` and `postsale_learner::close`, the hub's code, with its defaults ({policy}).\n\
         - rpt = revenue kept per showing, in major units. The learner's figures count the showings it chose; the holdout's (served by the rules, by design) are `rpt_holdout`, and `rpt_learner_with_holdout` counts all of them.\n\
         - learner_vs_oracle_last_1k: showings {a}–{SHOWINGS}; learner_vs_rules_first_1k: showings 1–{WINDOW}; learner_vs_oracle_after_drift: showings {b}–{after_drift}, the last {WINDOW} of the {c} after the drift.\n\
         - `regret.svg`: cumulative regret against the oracle of each chooser, the mean over the runs.\n",
        pct = REFUND_SHARE * 100.0,
        policy = describe(&Policy::default()),
        a = last + 1,
        b = after_drift - WINDOW + 1,
        c = 2 * WINDOW,
    );
    write("report.md", md.clone())?;
    println!("{md}");
    println!("simulate: wrote {}", dir.join("report.json").display());
    if !quick && !missed.is_empty() {
        return Err(format!("simulate: missed {}", missed.join(", ")));
    }
    Ok(())
}
