//! What a choice of offered items costs once the customer's thank-you reward
//! applies. The widget shows this total and the hub charges it, so both ends
//! compute it here, in minor units:
//!
//! - the subtotal is the sum of unit price × quantity;
//! - a percentage discount is that share of the subtotal, rounded half up to
//!   the minor unit (10% of 0.15 is 0.02); a fixed discount is capped at the
//!   subtotal; neither touches shipping;
//! - shipping is one parcel from one seller: the highest shipping fee among
//!   the chosen lines, waived by a free-shipping reward;
//! - the total is subtotal − discount + shipping.

use serde::{Deserialize, Serialize};

use crate::{CurrencyCode, Money};

/// The reward the customer's offer is priced with. One incentive does one
/// thing: at most one of its fields is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppliedIncentive {
    /// The incentive's id.
    pub id: String,
    /// What the customer reads.
    pub label: String,
    /// Whole percent off the items' subtotal (1 to 90); 0 for none.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub percent_off: u8,
    /// A fixed amount off the items' subtotal, decimal string in the
    /// offer's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_off: Option<String>,
    /// Shipping is waived.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub free_shipping: bool,
    /// Loyalty points on top of the offer's own, credited when it is paid.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub bonus_points: u32,
    /// The customer's points this reward spends (its `amount_off` is what
    /// they are worth), taken when the offer is accepted.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub redeem_points: u32,
}

impl AppliedIncentive {
    /// Whether it changes what is charged (bonus points do not).
    pub fn changes_price(&self) -> bool {
        self.percent_off > 0 || self.amount_off.is_some() || self.free_shipping
    }
}

fn is_zero_u8(n: &u8) -> bool {
    *n == 0
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

/// One chosen line: the price of one, how many, and the line's shipping fee.
#[derive(Debug, Clone, Copy)]
pub struct PricedLine {
    /// Price of one.
    pub unit: Money,
    /// How many.
    pub quantity: u32,
    /// What shipping this line costs (zero for none).
    pub shipping: Money,
}

/// What the customer pays, line by line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// Unit price × quantity, summed.
    pub subtotal: Money,
    /// Taken off the subtotal by the reward.
    pub discount: Money,
    /// The shipping fee before any waiver.
    pub shipping: Money,
    /// Whether the reward waives `shipping`.
    pub shipping_waived: bool,
    /// What is charged.
    pub total: Money,
}

impl Quote {
    /// The total without the reward, shown struck through beside `total`.
    pub fn before(&self) -> Money {
        // Both sums were computed without overflow on the way to `total`.
        Money::from_minor(
            self.subtotal.minor().saturating_add(self.shipping.minor()),
            self.total.currency(),
        )
        .unwrap_or(self.total)
    }

    /// The shipping fee charged.
    pub fn shipping_charged(&self) -> Money {
        if self.shipping_waived {
            Money::from_minor(0, self.total.currency()).unwrap_or(self.total)
        } else {
            self.shipping
        }
    }
}

/// Prices `lines` in `currency` with `reward`; `None` when an amount is
/// unreadable, in another currency, or overflows.
pub fn quote(
    lines: impl IntoIterator<Item = PricedLine>,
    currency: CurrencyCode,
    reward: Option<&AppliedIncentive>,
) -> Option<Quote> {
    let mut subtotal: i64 = 0;
    let mut shipping: i64 = 0;
    for line in lines {
        if line.unit.currency() != currency || line.shipping.currency() != currency {
            return None;
        }
        subtotal = subtotal.checked_add(line.unit.times(line.quantity)?.minor())?;
        shipping = shipping.max(line.shipping.minor());
    }
    let mut discount: i64 = 0;
    let mut waived = false;
    if let Some(reward) = reward {
        if reward.percent_off > 0 {
            let percent = i64::from(reward.percent_off.min(100));
            // Half up: add half of the divisor before dividing.
            discount = subtotal.checked_mul(percent)?.checked_add(50)? / 100;
        }
        if let Some(off) = &reward.amount_off {
            discount = Money::parse(off, currency).ok()?.minor();
        }
        waived = reward.free_shipping;
    }
    let discount = discount.min(subtotal);
    let charged_shipping = if waived { 0 } else { shipping };
    let total = (subtotal - discount).checked_add(charged_shipping)?;
    let money = |minor| Money::from_minor(minor, currency).ok();
    Some(Quote {
        subtotal: money(subtotal)?,
        discount: money(discount)?,
        shipping: money(shipping)?,
        shipping_waived: waived,
        total: money(total)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> CurrencyCode {
        CurrencyCode::parse("EUR").expect("EUR")
    }

    fn line(unit: &str, quantity: u32, shipping: &str) -> PricedLine {
        PricedLine {
            unit: Money::parse(unit, eur()).expect("unit"),
            quantity,
            shipping: Money::parse(shipping, eur()).expect("shipping"),
        }
    }

    fn percent(p: u8) -> AppliedIncentive {
        AppliedIncentive {
            percent_off: p,
            ..AppliedIncentive::default()
        }
    }

    fn total(q: &Quote) -> String {
        q.total.decimal()
    }

    #[test]
    fn without_a_reward_the_total_is_the_lines_and_the_highest_shipping_fee() {
        let q = quote(
            [line("10.00", 2, "4.95"), line("3.50", 1, "2.00")],
            eur(),
            None,
        )
        .expect("quote");
        assert_eq!(q.subtotal.decimal(), "23.50");
        assert_eq!(q.shipping.decimal(), "4.95");
        assert_eq!(total(&q), "28.45");
        assert_eq!(q.before(), q.total);
    }

    #[test]
    fn a_percentage_comes_off_the_subtotal_rounded_half_up() {
        // 10% of 0.15 is 0.015: half up makes it 0.02.
        let q = quote([line("0.15", 1, "0")], eur(), Some(&percent(10))).expect("quote");
        assert_eq!(q.discount.decimal(), "0.02");
        assert_eq!(total(&q), "0.13");
        // 15% of 0.10 is 0.015 again; 15% of 0.09 is 0.0135: down to 0.01.
        let q = quote([line("0.09", 1, "0")], eur(), Some(&percent(15))).expect("quote");
        assert_eq!(q.discount.decimal(), "0.01");
        // The subtotal, not each line, is what the percentage is taken of.
        let q = quote(
            [line("0.05", 1, "0"), line("0.05", 1, "0")],
            eur(),
            Some(&percent(10)),
        )
        .expect("quote");
        assert_eq!(q.discount.decimal(), "0.01");
    }

    #[test]
    fn a_discount_leaves_shipping_alone_and_free_shipping_waives_it() {
        let q = quote([line("100.00", 1, "5.00")], eur(), Some(&percent(20))).expect("quote");
        assert_eq!(total(&q), "85.00");
        assert_eq!(q.before().decimal(), "105.00");
        let free = AppliedIncentive {
            free_shipping: true,
            ..AppliedIncentive::default()
        };
        let q = quote([line("100.00", 1, "5.00")], eur(), Some(&free)).expect("quote");
        assert_eq!(total(&q), "100.00");
        assert_eq!(q.shipping_charged().decimal(), "0.00");
        assert_eq!(q.before().decimal(), "105.00");
    }

    #[test]
    fn a_fixed_discount_is_capped_at_the_subtotal() {
        let off = |amount: &str| AppliedIncentive {
            amount_off: Some(amount.into()),
            ..AppliedIncentive::default()
        };
        let q = quote([line("30.00", 1, "4.00")], eur(), Some(&off("5"))).expect("quote");
        assert_eq!(total(&q), "29.00");
        let q = quote([line("3.00", 1, "4.00")], eur(), Some(&off("5.00"))).expect("quote");
        assert_eq!(q.discount.decimal(), "3.00");
        assert_eq!(total(&q), "4.00");
        assert!(quote([line("3.00", 1, "0")], eur(), Some(&off("x"))).is_none());
    }

    #[test]
    fn bonus_points_do_not_change_the_price() {
        let points = AppliedIncentive {
            bonus_points: 200,
            ..AppliedIncentive::default()
        };
        let q = quote([line("12.00", 3, "1.00")], eur(), Some(&points)).expect("quote");
        assert_eq!(total(&q), "37.00");
    }

    #[test]
    fn another_currency_or_an_overflow_prices_nothing() {
        let usd = CurrencyCode::parse("USD").expect("USD");
        assert!(quote([line("1.00", 1, "0")], usd, None).is_none());
        let huge = PricedLine {
            unit: Money::from_minor(i64::MAX / 2, eur()).expect("huge"),
            quantity: 3,
            shipping: Money::from_minor(0, eur()).expect("zero"),
        };
        assert!(quote([huge], eur(), None).is_none());
    }
}
