//! The learner's arithmetic and its guard rails, on seeded draws.

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

fn arm(price: f64, shown: f64, accepted: f64) -> Arm {
    Arm {
        price,
        evidence: Evidence {
            shown,
            accepted,
            revenue: accepted * price,
        },
        pinned: false,
    }
}

/// How often each arm and reason come out of `draws` choices.
fn tally(arms: &[Arm], policy: &Policy, draws: u32, seed: u64) -> (Vec<u32>, Vec<(Why, u32)>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut per_arm = vec![0; arms.len()];
    let mut reasons: Vec<(Why, u32)> = Vec::new();
    for _ in 0..draws {
        let choice = choose(arms, policy, &mut rng).expect("a choice");
        per_arm[choice.arm] += 1;
        match reasons.iter_mut().find(|(why, _)| *why == choice.why) {
            Some((_, n)) => *n += 1,
            None => reasons.push((choice.why, 1)),
        }
    }
    (per_arm, reasons)
}

fn count(reasons: &[(Why, u32)], why: Why) -> u32 {
    reasons
        .iter()
        .find(|(w, _)| *w == why)
        .map_or(0, |(_, n)| *n)
}

#[test]
fn the_posterior_counts_closed_showings_accepts_and_refunds() {
    let evidence = Evidence::default()
        .closed(Some(2_900.0))
        .closed(None)
        .closed(None)
        .closed(Some(2_900.0));
    assert_eq!(evidence.shown, 4.0);
    assert_eq!(evidence.accepted, 2.0);
    assert_eq!(evidence.revenue, 5_800.0);
    assert_eq!(evidence.posterior(Prior::FLAT), (3.0, 3.0));
    assert!((evidence.acceptance(Prior::FLAT) - 0.5).abs() < 1e-12);
    // Beta(3, 3): variance 9 / (36 * 7).
    assert!((evidence.spread(Prior::FLAT) - (9.0_f64 / 252.0).sqrt()).abs() < 1e-12);
    // A refund takes money back, never below nothing.
    let refunded = evidence.refunded(2_900.0);
    assert_eq!(refunded.revenue, 2_900.0);
    assert_eq!(refunded.accepted, 2.0);
    assert_eq!(evidence.refunded(1e9).revenue, 0.0);
    // What an accept brings: the price as one accept's prior, then what
    // the accepts kept: (5800 + 2900) / 3, and after the refund less.
    assert!((evidence.per_accept(2_900.0) - 2_900.0).abs() < 1e-9);
    assert!((refunded.per_accept(2_900.0) - 5_800.0 / 3.0).abs() < 1e-9);
    // Ageing weighs the past less, all of it alike.
    let aged = evidence.aged(0.5, 2);
    assert_eq!(
        (aged.shown, aged.accepted, aged.revenue),
        (1.0, 0.5, 1_450.0)
    );
    assert_eq!(evidence.aged(1.0, 1_000), evidence);
    // No evidence: a uniform prior.
    assert_eq!(Evidence::default().posterior(Prior::FLAT), (1.0, 1.0));
}

#[test]
fn beta_draws_have_the_posteriors_mean_and_spread() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for (a, b) in [(1.0, 1.0), (3.0, 7.0), (40.0, 12.0), (1.0, 300.0)] {
        let n = 40_000;
        let draws: Vec<f64> = (0..n).map(|_| beta(&mut rng, a, b)).collect();
        let mean = draws.iter().sum::<f64>() / f64::from(n);
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n);
        let (want_mean, want_var) = (a / (a + b), a * b / ((a + b).powi(2) * (a + b + 1.0)));
        // Four standard errors of the mean.
        assert!(
            (mean - want_mean).abs() < 4.0 * (want_var / f64::from(n)).sqrt(),
            "{a},{b}: {mean}"
        );
        assert!(
            (var - want_var).abs() < 0.1 * want_var,
            "{a},{b}: {var} vs {want_var}"
        );
        assert!(draws.iter().all(|x| (0.0..=1.0).contains(x)));
    }
}

#[test]
fn the_holdout_share_holds_within_its_confidence_bounds() {
    let arms = [arm(1_900.0, 50.0, 10.0), arm(4_900.0, 50.0, 10.0)];
    for holdout in [0.05, 0.10, 0.25] {
        let policy = Policy {
            holdout,
            ..Policy::default()
        };
        let draws = 20_000;
        let (per_arm, reasons) = tally(&arms, &policy, draws, 3);
        let share = f64::from(count(&reasons, Why::Holdout)) / f64::from(draws);
        let sd = (holdout * (1.0 - holdout) / f64::from(draws)).sqrt();
        assert!(
            (share - holdout).abs() < 4.0 * sd,
            "holdout {holdout}: {share}"
        );
        // The holdout is the plain rules' arm: the first.
        assert!(per_arm[0] >= count(&reasons, Why::Holdout));
    }
}

#[test]
fn no_arm_starves_however_sure_the_learner_is() {
    // The second arm is far better and known to be: the others still get
    // their share of the floor.
    let arms = [
        arm(1_000.0, 5_000.0, 50.0),
        arm(5_000.0, 5_000.0, 2_500.0),
        arm(1_000.0, 5_000.0, 50.0),
        arm(1_000.0, 5_000.0, 50.0),
    ];
    let policy = Policy::default();
    let draws = 40_000;
    let (per_arm, reasons) = tally(&arms, &policy, draws, 5);
    let learned = f64::from(draws) * (1.0 - policy.holdout);
    // Each arm's floor share: floor / arms of the learner's showings.
    let floor_each = learned * policy.floor / arms.len() as f64;
    for (i, n) in per_arm.iter().enumerate() {
        assert!(f64::from(*n) > floor_each * 0.75, "arm {i}: {n} of {draws}");
    }
    assert!(f64::from(per_arm[1]) > learned * 0.95, "{per_arm:?}");
    assert!(count(&reasons, Why::Explored) > 0);
}

#[test]
fn a_reserve_hides_what_surely_earns_too_little_and_learning_off_is_the_rules() {
    let arms = [
        arm(1_000.0, 2_000.0, 20.0),  // 10 per showing, surely
        arm(4_000.0, 2_000.0, 200.0), // 400
        arm(9_000.0, 0.0, 0.0),       // unknown: optimistic
    ];
    let policy = Policy {
        reserve: 100.0,
        holdout: 0.0,
        ..Policy::default()
    };
    let (per_arm, _) = tally(&arms, &policy, 5_000, 9);
    assert_eq!(per_arm[0], 0, "below the reserve: never shown");
    let poor = [arm(1_000.0, 2_000.0, 20.0), arm(1_000.0, 2_000.0, 10.0)];
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    assert_eq!(choose(&poor, &policy, &mut rng), None);
    assert_eq!(choose(&[], &Policy::default(), &mut rng), None);
    let off = Policy {
        learning: false,
        ..Policy::default()
    };
    let (per_arm, reasons) = tally(&arms, &off, 1_000, 2);
    assert_eq!(per_arm, vec![1_000, 0, 0]);
    assert_eq!(reasons, vec![(Why::Rules, 1_000)]);
}

#[test]
fn thompson_sampling_finds_the_better_arm() {
    // Two arms, hidden acceptances 0.30 at 10.00 and 0.10 at 50.00: the
    // second earns 5.00 a showing against 3.00.
    let rates = [0.30, 0.10];
    let prices = [1_000.0, 5_000.0];
    let policy = Policy {
        holdout: 0.0,
        keep: 1.0,
        ..Policy::default()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let mut evidence = [Evidence::default(); 2];
    let mut late = 0;
    for step in 0..4_000 {
        let arms: Vec<Arm> = (0..2)
            .map(|i| Arm {
                price: prices[i],
                evidence: evidence[i],
                pinned: false,
            })
            .collect();
        let choice = choose(&arms, &policy, &mut rng).expect("choice");
        let accepted = rng.gen_bool(rates[choice.arm]);
        evidence[choice.arm] = evidence[choice.arm].closed(accepted.then_some(prices[choice.arm]));
        if step >= 3_000 && choice.arm == 1 {
            late += 1;
        }
    }
    assert!(late > 900, "the better arm in the last 1000: {late}");
}

#[test]
fn the_prior_sits_at_the_buckets_pooled_acceptance() {
    let arms = [arm(1_000.0, 90.0, 9.0), arm(1_000.0, 8.0, 0.0)];
    let prior = Prior::pooled(&arms, 4.0);
    // (9 + 1) / (98 + 2) = 0.1, worth four showings.
    assert!((prior.alpha - 0.4).abs() < 1e-12 && (prior.beta - 3.6).abs() < 1e-12);
    // No evidence at all: the flat prior's mean.
    let none = Prior::pooled(&[arm(1.0, 0.0, 0.0)], 2.0);
    assert_eq!(none, Prior::FLAT);
    // An arm not seen yet is believed as likely as the bucket's others,
    // not a coin's even odds.
    assert!((arms[1].evidence.acceptance(prior) - 0.4 / 12.0).abs() < 1e-12);
}

#[test]
fn a_market_that_moves_is_noticed_and_a_steady_one_is_not() {
    let policy = Policy::default();
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let mut bucket = [Memory::default(); 3];
    let mut said = 0;
    // Steady: 20% accept the first arm, 10% the others, 20,000 closings.
    for step in 0..20_000 {
        let arm = step % 3;
        let rate = if arm == 0 { 0.20 } else { 0.10 };
        let charged = rng.gen_bool(rate).then_some(1_000.0);
        if close(&mut bucket, arm, charged, &policy) {
            said += 1;
        }
    }
    // At most one false alarm in 5,000 closings.
    assert!(said <= 4, "a steady market was said to move {said} times");
    // Every arm aged with each closing, so none holds more than the keep allows.
    let most = 1.0 / (1.0 - policy.keep);
    assert!(bucket.iter().all(|m| m.evidence.shown <= most + 1e-6));
    // The first arm's acceptance halves: noticed within a few hundred of its showings.
    let mut when = None;
    for step in 0..3_000 {
        let arm = step % 3;
        let rate = if arm == 0 { 0.08 } else { 0.10 };
        let charged = rng.gen_bool(rate).then_some(1_000.0);
        if close(&mut bucket, arm, charged, &policy) {
            when = Some(step);
            break;
        }
    }
    let when = when.expect("the drop was noticed");
    assert!(when < 1_500, "noticed after {when} closings");
    // Then each arm's evidence is worth at most a few showings: it explores again.
    assert!(
        bucket
            .iter()
            .all(|m| m.evidence.shown <= policy.after_drift + 1.0)
    );
}

proptest! {
    #[test]
    fn a_pinned_arm_is_always_chosen(
        prices in proptest::collection::vec(1.0f64..100_000.0, 1..8),
        pin in 0usize..8,
        seed in any::<u64>(),
        holdout in 0.0f64..1.0,
        learning in any::<bool>(),
    ) {
        let pin = pin % prices.len();
        let arms: Vec<Arm> = prices
            .iter()
            .enumerate()
            .map(|(i, p)| Arm { pinned: i == pin, ..arm(*p, 10.0, 1.0) })
            .collect();
        let policy = Policy { holdout, learning, reserve: 1e12, ..Policy::default() };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        prop_assert_eq!(choose(&arms, &policy, &mut rng), Some(Choice { arm: pin, why: Why::Pinned }));
    }

    #[test]
    fn a_choice_is_always_an_arm_and_the_posterior_stays_proper(
        outcomes in proptest::collection::vec(proptest::option::of(0.0f64..10_000.0), 0..200),
        keep in 0.9f64..=1.0,
        seed in any::<u64>(),
    ) {
        let mut evidence = Evidence::default();
        for outcome in &outcomes {
            evidence = evidence.aged(keep, 1).closed(*outcome);
            let (a, b) = evidence.posterior(Prior::FLAT);
            prop_assert!(a >= 1.0 && b >= 1.0);
            prop_assert!(evidence.accepted <= evidence.shown + 1e-9);
            prop_assert!((0.0..=1.0).contains(&evidence.acceptance(Prior::FLAT)));
        }
        let arms = [Arm { price: 100.0, evidence, pinned: false }, arm(200.0, 3.0, 1.0)];
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let choice = choose(&arms, &Policy::default(), &mut rng);
        prop_assert!(choice.is_some_and(|c| c.arm < 2));
    }
}
