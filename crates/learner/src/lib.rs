//! Offer selection that learns. For one affiliate, reason code and context
//! bucket (what the merchant can see: an order-value band and a device
//! class, nothing personal), the eligible offers are arms; each showing
//! goes to the arm with the highest sampled expected revenue per showing:
//! an acceptance drawn from the arm's Beta posterior, times what an accept
//! of it brings (its price after incentives, moved toward the revenue it
//! actually kept once refunds are known).
//!
//! Guard rails, in the order [`choose`] applies them: an arm the merchant
//! pinned is always shown; with learning off the plain rules decide; a
//! holdout share is served by the plain rules so that the gain is measured,
//! not assumed; an arm whose expected revenue stays below the merchant's
//! reserve, even at its optimistic bound, is not shown; a floor share goes
//! to a uniformly chosen arm so that none starves.
//!
//! Evidence is discounted: each closed showing of the bucket makes what
//! came before weigh [`Policy::keep`] as much, so the learner follows a
//! market that drifts. Rewards are delayed: a showing counts only when it
//! closes (declined, expired or accepted), a refund later takes its money
//! back. The hub keeps the evidence in its database, so replicas share it
//! and a restart loses nothing; this crate is the arithmetic alone, pure
//! and seeded by its caller, so `cargo xtask simulate` runs exactly the
//! hub's choice.

use rand::Rng;

/// What an arm's closed showings taught, discounted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    /// Closed showings (declined, expired or accepted).
    pub shown: f64,
    /// Of those, accepted.
    pub accepted: f64,
    /// Money the accepts kept (charged, less refunds), in minor units.
    pub revenue: f64,
}

impl Evidence {
    /// This evidence `steps` closed showings of its bucket later: each
    /// weighs `keep` as much as the one before.
    #[must_use]
    pub fn aged(self, keep: f64, steps: u64) -> Self {
        let factor = keep.clamp(0.0, 1.0).powf(steps as f64);
        Self {
            shown: self.shown * factor,
            accepted: self.accepted * factor,
            revenue: self.revenue * factor,
        }
    }

    /// One more closed showing: accepted with `charged` minor units, or not
    /// (`None`: declined or expired).
    #[must_use]
    pub fn closed(self, charged: Option<f64>) -> Self {
        Self {
            shown: self.shown + 1.0,
            accepted: self.accepted + f64::from(u8::from(charged.is_some())),
            revenue: self.revenue + charged.unwrap_or(0.0).max(0.0),
        }
    }

    /// A refund of `amount` minor units of an earlier accept.
    #[must_use]
    pub fn refunded(self, amount: f64) -> Self {
        Self {
            revenue: (self.revenue - amount.max(0.0)).max(0.0),
            ..self
        }
    }

    /// The posterior of the acceptance from `prior`: Beta(prior's α +
    /// accepted, prior's β + declined).
    pub fn posterior(&self, prior: Prior) -> (f64, f64) {
        let accepted = self.accepted.max(0.0);
        let declined = (self.shown - accepted).max(0.0);
        (prior.alpha + accepted, prior.beta + declined)
    }

    /// The posterior's mean acceptance.
    pub fn acceptance(&self, prior: Prior) -> f64 {
        let (a, b) = self.posterior(prior);
        a / (a + b)
    }

    /// The posterior's standard deviation.
    pub fn spread(&self, prior: Prior) -> f64 {
        let (a, b) = self.posterior(prior);
        (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt()
    }

    /// What an accept brings, in minor units: `price` (after incentives)
    /// as one accept's worth of prior, with the revenue kept by the accepts
    /// seen; refunds pull it down.
    pub fn per_accept(&self, price: f64) -> f64 {
        (self.revenue + price) / (self.accepted.max(0.0) + 1.0)
    }

    /// Its optimistic bound: the acceptance two standard deviations up.
    pub fn optimistic(&self, price: f64, prior: Prior) -> f64 {
        (self.acceptance(prior) + 2.0 * self.spread(prior)).min(1.0) * self.per_accept(price)
    }
}

/// What an arm's acceptance is believed before its own evidence: a Beta
/// whose mean is the bucket's pooled acceptance (all its arms' evidence
/// together), worth `strength` showings. Post-purchase offers are accepted
/// a few times in a hundred: a flat prior (a coin's even odds) would make
/// every arm the learner has not seen lately look like a sure sale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    pub alpha: f64,
    pub beta: f64,
}

impl Prior {
    /// The flat prior: Beta(1, 1).
    pub const FLAT: Self = Self {
        alpha: 1.0,
        beta: 1.0,
    };

    /// The bucket's pooled acceptance over `arms`, worth `strength`
    /// showings (its mean moved toward one half by one accept and one
    /// decline, so that a bucket with no evidence has the flat prior's).
    pub fn pooled(arms: &[Arm], strength: f64) -> Self {
        let shown: f64 = arms.iter().map(|a| a.evidence.shown.max(0.0)).sum();
        let accepted: f64 = arms.iter().map(|a| a.evidence.accepted.max(0.0)).sum();
        let mean = (accepted + 1.0) / (shown + 2.0);
        let strength = strength.max(0.01);
        Self {
            alpha: strength * mean,
            beta: strength * (1.0 - mean),
        }
    }
}

/// What the bucket remembers of one arm: the evidence the learner chooses
/// by, and two cumulative sums (Page's CUSUM of the log-likelihood ratio)
/// that notice when its acceptance halved or doubled.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Memory {
    pub evidence: Evidence,
    pub fell: f64,
    pub rose: f64,
}

/// The log-likelihood ratio of one outcome under `p1` against `p0`.
fn llr(accepted: bool, p1: f64, p0: f64) -> f64 {
    if accepted {
        (p1 / p0).ln()
    } else {
        ((1.0 - p1) / (1.0 - p0)).ln()
    }
}

/// One closed showing of `arm` in a bucket of `memories`: accepted with
/// `charged` minor units, or not. Every arm's evidence ages one step by
/// [`Policy::keep`]. When the arm's outcomes since it was last reset make
/// a halved or a doubled acceptance more likely than the one its evidence
/// holds by a factor of e^[`Policy::drift_h`], the market moved: every
/// arm's evidence shrinks to at most [`Policy::after_drift`] showings'
/// worth, and the learner explores again. Answers whether it did.
pub fn close(memories: &mut [Memory], arm: usize, charged: Option<f64>, policy: &Policy) -> bool {
    for memory in memories.iter_mut() {
        memory.evidence = memory.evidence.aged(policy.keep, 1);
    }
    let Some(memory) = memories.get_mut(arm) else {
        return false;
    };
    let before = memory.evidence;
    memory.evidence = before.closed(charged);
    if before.shown < policy.drift_min {
        return false;
    }
    let p0 = ((before.accepted + 1.0) / (before.shown + 2.0)).clamp(1e-4, 1.0 - 1e-4);
    let accepted = charged.is_some();
    memory.fell = (memory.fell + llr(accepted, p0 / 2.0, p0)).max(0.0);
    memory.rose = (memory.rose + llr(accepted, (2.0 * p0).min((1.0 + p0) / 2.0), p0)).max(0.0);
    if memory.fell.max(memory.rose) < policy.drift_h {
        return false;
    }
    for memory in memories.iter_mut() {
        let weight = memory.evidence.shown;
        if weight > policy.after_drift {
            memory.evidence = memory.evidence.aged(policy.after_drift / weight, 1);
        }
        memory.fell = 0.0;
        memory.rose = 0.0;
    }
    true
}

/// One eligible offer, in the plain rules' order (the first is what they
/// would show).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arm {
    /// Its price after the incentive, in minor units.
    pub price: f64,
    pub evidence: Evidence,
    /// The merchant pinned it: always shown.
    pub pinned: bool,
}

/// How one affiliate and reason code learns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Share of showings served by the plain rules, to measure the gain.
    pub holdout: f64,
    /// Share of the learner's showings given to a uniformly chosen arm.
    pub floor: f64,
    /// Expected revenue per showing, in minor units, below which an arm is
    /// not shown (0: no reserve).
    pub reserve: f64,
    /// Whether the learner decides at all (off: the plain rules).
    pub learning: bool,
    /// How much each closed showing of the bucket keeps of what came
    /// before (1: nothing is forgotten).
    pub keep: f64,
    /// How many showings the pooled prior is worth ([`Prior::pooled`]).
    pub prior_strength: f64,
    /// The log-likelihood ratio at which an arm's outcomes say the market
    /// moved ([`close`]).
    pub drift_h: f64,
    /// The fewest showings an arm's evidence must hold before its outcomes
    /// are tested.
    pub drift_min: f64,
    /// What a moved market leaves of each arm's evidence, in showings.
    pub after_drift: f64,
    /// How much more the sampled acceptance trusts the evidence than a
    /// posterior would (1: plain Thompson sampling; more explores less,
    /// the floor still keeps every arm in sight).
    pub sharpness: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            holdout: 0.10,
            floor: 0.02,
            reserve: 0.0,
            learning: true,
            keep: 0.998,
            prior_strength: 4.0,
            drift_h: 5.0,
            drift_min: 30.0,
            after_drift: 30.0,
            sharpness: 4.0,
        }
    }
}

/// Why an arm was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The merchant pinned it.
    Pinned,
    /// Learning is off: the plain rules chose.
    Rules,
    /// The holdout: the plain rules chose, to measure against.
    Holdout,
    /// The exploration floor.
    Explored,
    /// The highest sampled expected revenue.
    Learned,
}

/// The arm to show, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub arm: usize,
    pub why: Why,
}

/// Chooses among `arms` (the plain rules' order) under `policy`, drawing
/// from `rng`. `None`: nothing to show (no arm, or every arm below the
/// reserve).
pub fn choose(arms: &[Arm], policy: &Policy, rng: &mut impl Rng) -> Option<Choice> {
    if arms.is_empty() {
        return None;
    }
    if let Some(arm) = arms.iter().position(|a| a.pinned) {
        return Some(Choice {
            arm,
            why: Why::Pinned,
        });
    }
    if !policy.learning || arms.len() == 1 {
        return Some(Choice {
            arm: 0,
            why: Why::Rules,
        });
    }
    if rng.gen_bool(policy.holdout.clamp(0.0, 1.0)) {
        return Some(Choice {
            arm: 0,
            why: Why::Holdout,
        });
    }
    let prior = Prior::pooled(arms, policy.prior_strength);
    let open: Vec<usize> = (0..arms.len())
        .filter(|&i| arms[i].evidence.optimistic(arms[i].price, prior) >= policy.reserve)
        .collect();
    if open.is_empty() {
        return None;
    }
    if rng.gen_bool(policy.floor.clamp(0.0, 1.0)) {
        return Some(Choice {
            arm: open[rng.gen_range(0..open.len())],
            why: Why::Explored,
        });
    }
    let mut best = (open[0], f64::NEG_INFINITY);
    for &i in &open {
        let evidence = arms[i].evidence;
        let sharpened = Evidence {
            shown: evidence.shown * policy.sharpness,
            accepted: evidence.accepted * policy.sharpness,
            revenue: evidence.revenue,
        };
        let (a, b) = sharpened.posterior(prior);
        let value = beta(rng, a, b) * evidence.per_accept(arms[i].price);
        if value > best.1 {
            best = (i, value);
        }
    }
    Some(Choice {
        arm: best.0,
        why: Why::Learned,
    })
}

/// A draw from Beta(`a`, `b`), both positive.
pub fn beta(rng: &mut impl Rng, a: f64, b: f64) -> f64 {
    let x = gamma(rng, a.max(1e-3));
    let y = gamma(rng, b.max(1e-3));
    if x + y > 0.0 {
        x / (x + y)
    } else {
        a / (a + b)
    }
}

/// A draw from Gamma(`shape`, 1) (Marsaglia and Tsang; below shape 1,
/// boosted by a uniform's `1 / shape` power).
fn gamma(rng: &mut impl Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u: f64 = rng.r#gen::<f64>().max(f64::MIN_POSITIVE);
        return gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.r#gen();
        if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// A standard normal draw (Box and Muller).
fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = rng.r#gen::<f64>().max(f64::MIN_POSITIVE);
    let v: f64 = rng.r#gen();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests;
