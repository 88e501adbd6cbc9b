//! A merchant's report over a window of days (UTC): the figures merchants
//! use (showings, views, acceptance rate, upsell revenue, refunds
//! subtracted, revenue per transaction, average upsell value), the same
//! figures for the previous window of equal length, each day's figures for
//! a chart, and tables per reason code, per other party and per item. The
//! database adds the rows up (`store::stats`); this puts the sums together.

use std::collections::BTreeMap;

use postsale_protocol::{
    Amounts, Balance, CurrencyCode, Figures, ItemSales, Money, Report, ReportDay, ReportRow,
    day_text as civil,
};

use crate::{
    db::Db,
    failure::Failure,
    store::{
        Store,
        stats::{self, DayTally, Side},
    },
};

/// The longest window a report covers, in days.
pub(crate) const MAX_DAYS: i64 = 366;
const DAY: i64 = 86_400;

/// A `YYYY-MM-DD` date, as days since 1970-01-01.
pub(crate) fn parse_date(field: &str, text: &str) -> Result<i64, Failure> {
    postsale_protocol::parse_day(text)
        .ok_or_else(|| Failure::invalid(field, "must be a date, YYYY-MM-DD"))
}

/// Counts and sums before they become figures.
#[derive(Debug, Default, Clone)]
struct Sums {
    shown: i64,
    viewed: i64,
    declined: i64,
    accepted: i64,
    orders_shown: i64,
    revenue: BTreeMap<String, i64>,
    refunds: BTreeMap<String, i64>,
}

impl Sums {
    fn add(&mut self, tally: &DayTally) {
        match tally.kind.as_str() {
            "shown" => self.shown += tally.count,
            "viewed" => self.viewed += tally.count,
            "declined" => self.declined += tally.count,
            "accepted" => {
                self.accepted += tally.count;
                *self.revenue.entry(tally.currency.clone()).or_default() += tally.amount_minor;
            }
            "refunded" => {
                *self.refunds.entry(tally.currency.clone()).or_default() += tally.amount_minor;
            }
            _ => {}
        }
    }

    fn figures(&self) -> Figures {
        let net: BTreeMap<String, i64> = self
            .revenue
            .keys()
            .chain(self.refunds.keys())
            .map(|c| {
                let minor = self.revenue.get(c).copied().unwrap_or(0)
                    - self.refunds.get(c).copied().unwrap_or(0);
                (c.clone(), minor)
            })
            .collect();
        let per = |count: i64| -> Amounts {
            if count == 0 {
                return Amounts::new();
            }
            // Rounded half away from zero, to the currency's minor unit.
            net.iter()
                .map(|(c, minor)| {
                    let share = (2 * minor + minor.signum() * count) / (2 * count);
                    (c.clone(), decimal(share, c))
                })
                .collect()
        };
        Figures {
            shown: self.shown,
            viewed: self.viewed,
            declined: self.declined,
            accepted: self.accepted,
            orders_shown: self.orders_shown,
            acceptance_rate: if self.shown == 0 {
                0.0
            } else {
                self.accepted as f64 / self.shown as f64
            },
            revenue: amounts(&self.revenue),
            refunds: amounts(&self.refunds),
            revenue_per_transaction: per(self.orders_shown),
            average_upsell: per(self.accepted),
            net_revenue: amounts(&net),
        }
    }
}

/// Minor units as a decimal string in the currency's style; a debt is
/// negative.
pub(crate) fn decimal(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    CurrencyCode::parse(currency)
        .ok()
        .and_then(|c| Money::from_minor(minor.saturating_abs(), c).ok())
        .map_or_else(|| minor.to_string(), |m| format!("{sign}{}", m.decimal()))
}

fn amounts(minor: &BTreeMap<String, i64>) -> Amounts {
    minor
        .iter()
        .filter(|(currency, _)| !currency.is_empty())
        .map(|(c, m)| (c.clone(), decimal(*m, c)))
        .collect()
}

/// The report of `merchant` on `side` for the days `first..=last` (days
/// since 1970-01-01, checked by the caller).
pub(crate) async fn report(
    db: &Db,
    merchant: &str,
    side: Side,
    first: i64,
    last: i64,
) -> Result<Report, Failure> {
    let length = last - first + 1;
    if !(1..=MAX_DAYS).contains(&length) {
        return Err(Failure::invalid("days", format!("must be 1 to {MAX_DAYS}")));
    }
    let (from, to) = (first * DAY, (last + 1) * DAY);
    let previous_from = from - length * DAY;
    let pool = &db.pool;
    let postgres = matches!(db.store, Store::Postgres(_));
    let (tallies, earlier, shown, shown_before, items, owed) = tokio::try_join!(
        stats::day_tallies(pool, merchant, side, from, to),
        stats::day_tallies(pool, merchant, side, previous_from, from),
        stats::orders_shown(pool, merchant, side, from, to),
        stats::orders_shown(pool, merchant, side, previous_from, from),
        stats::item_tallies(pool, postgres, merchant, side, from, to),
        stats::balances(pool, merchant, from, to),
    )?;

    let mut current = Sums::default();
    let mut days: BTreeMap<i64, Sums> = (first..=last).map(|d| (d, Sums::default())).collect();
    let mut codes: BTreeMap<String, Sums> = BTreeMap::new();
    let mut parties: BTreeMap<String, Sums> = BTreeMap::new();
    for tally in &tallies {
        current.add(tally);
        days.entry(tally.day).or_default().add(tally);
        codes
            .entry(tally.reason_code.clone())
            .or_default()
            .add(tally);
        parties
            .entry(tally.counterpart.clone())
            .or_default()
            .add(tally);
    }
    current.orders_shown = shown.0;
    for (code, orders) in shown.1 {
        codes.entry(code).or_default().orders_shown = orders;
    }
    let mut previous = Sums::default();
    for tally in &earlier {
        previous.add(tally);
    }
    previous.orders_shown = shown_before.0;

    let rows = |sums: BTreeMap<String, Sums>| {
        sums.into_iter()
            .map(|(key, s)| ReportRow {
                key,
                figures: s.figures(),
            })
            .collect()
    };
    let mut balances: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (counterpart, currency, minor) in owed {
        *balances
            .entry(counterpart)
            .or_default()
            .entry(currency)
            .or_default() += minor;
    }
    Ok(Report {
        merchant: merchant.to_owned(),
        side: match side {
            Side::Affiliate => "affiliate",
            Side::Upseller => "upseller",
        }
        .to_owned(),
        from: civil(first),
        to: civil(last),
        current: current.figures(),
        previous_from: civil(first - length),
        previous_to: civil(first - 1),
        previous: previous.figures(),
        days: days
            .into_iter()
            .filter(|(day, _)| (first..=last).contains(day))
            .map(|(day, s)| {
                let f = s.figures();
                ReportDay {
                    date: civil(day),
                    shown: f.shown,
                    viewed: f.viewed,
                    accepted: f.accepted,
                    revenue: f.revenue,
                    net_revenue: f.net_revenue,
                }
            })
            .collect(),
        reason_codes: rows(codes),
        counterparts: rows(parties),
        balances: balances
            .into_iter()
            .map(|(counterpart, owed)| Balance {
                counterpart,
                owed: amounts(&owed),
            })
            .collect(),
        items: items
            .into_iter()
            .map(|item| {
                let list = CurrencyCode::parse(&item.currency)
                    .ok()
                    .and_then(|c| Money::parse(&item.unit_price, c).ok())
                    .and_then(|price| price.minor().checked_mul(item.units))
                    .map_or_else(String::new, |minor| decimal(minor, &item.currency));
                ItemSales {
                    sku: item.sku,
                    name: item.name,
                    unit_price: item.unit_price,
                    currency: item.currency,
                    orders: item.orders,
                    units: item.units,
                    list_revenue: list,
                }
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_ends_on_a_date_that_exists() {
        assert_eq!(parse_date("to", "2024-02-29").ok(), Some(19_782));
        for bad in ["2023-02-29", "2026-1-01", "", "2026-01-01T00:00"] {
            assert!(parse_date("to", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shares_round_half_away_from_zero_in_minor_units() {
        let sums = Sums {
            shown: 4,
            accepted: 3,
            orders_shown: 3,
            revenue: BTreeMap::from([("USD".to_owned(), 1000)]),
            refunds: BTreeMap::from([("USD".to_owned(), 1)]),
            ..Sums::default()
        };
        let f = sums.figures();
        assert_eq!(f.net_revenue["USD"], "9.99");
        // 999 / 3 = 333; 10.00 - 0.01 over three paid upsells.
        assert_eq!(f.average_upsell["USD"], "3.33");
        assert_eq!(f.acceptance_rate, 0.75);
        let halves = Sums {
            accepted: 2,
            revenue: BTreeMap::from([("USD".to_owned(), 5)]),
            ..Sums::default()
        };
        assert_eq!(halves.figures().average_upsell["USD"], "0.03");
        assert!(Sums::default().figures().average_upsell.is_empty());
    }
}
