//! A merchant's report over a window of days (UTC): the figures merchants
//! use (showings, views, acceptance rate, upsell revenue, refunds
//! subtracted, revenue per transaction, average upsell value), the same
//! figures for the previous window of equal length, each day's figures for
//! a chart, and tables per reason code, per other party and per item. The
//! database adds the rows up (`store::stats`); this puts the sums together.

use std::collections::BTreeMap;

use postsale_protocol::{CurrencyCode, Money};
use serde::Serialize;

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

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day since 1970-01-01, as `YYYY-MM-DD`.
pub(crate) fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A `YYYY-MM-DD` date between 2000 and 2100, as days since 1970-01-01.
pub(crate) fn parse_date(field: &str, text: &str) -> Result<i64, Failure> {
    let bad = || Failure::invalid(field, "must be a date YYYY-MM-DD between 2000 and 2100");
    let mut parts = text.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if y.len() != 4
        || m.len() != 2
        || d.len() != 2
        || !text.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    {
        return Err(bad());
    }
    let (year, month, day): (i64, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) || day == 0 {
        return Err(bad());
    }
    let days = days_from_civil(year, month, day);
    // 2 February 30 is 3 March: a date that does not exist reads otherwise.
    if civil(days) != text {
        return Err(bad());
    }
    Ok(days)
}

/// Money per currency, as decimal strings.
pub(crate) type Amounts = BTreeMap<String, String>;

/// The figures of one window, one reason code or one other party.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Figures {
    /// Offers shown (each opportunity).
    pub(crate) shown: i64,
    /// Offers the customer opened.
    pub(crate) viewed: i64,
    pub(crate) declined: i64,
    /// Upsells paid.
    pub(crate) accepted: i64,
    /// Distinct purchases that showed an offer.
    pub(crate) orders_shown: i64,
    /// `accepted / shown`; 0 when nothing was shown.
    pub(crate) acceptance_rate: f64,
    /// What paid upsells charged.
    #[schema(value_type = BTreeMap<String, String>)]
    pub(crate) revenue: Amounts,
    /// What was refunded in the window.
    #[schema(value_type = BTreeMap<String, String>)]
    pub(crate) refunds: Amounts,
    /// Revenue less refunds.
    #[schema(value_type = BTreeMap<String, String>)]
    pub(crate) net_revenue: Amounts,
    /// Net revenue per purchase that showed an offer.
    #[schema(value_type = BTreeMap<String, String>)]
    pub(crate) revenue_per_transaction: Amounts,
    /// Net revenue per paid upsell.
    #[schema(value_type = BTreeMap<String, String>)]
    pub(crate) average_upsell: Amounts,
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
fn decimal(minor: i64, currency: &str) -> String {
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

/// One day of the chart.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub(crate) date: String,
    pub(crate) shown: i64,
    pub(crate) viewed: i64,
    pub(crate) accepted: i64,
    #[schema(value_type = BTreeMap<String, String>)]
    pub(crate) revenue: Amounts,
    #[schema(value_type = BTreeMap<String, String>)]
    pub(crate) net_revenue: Amounts,
}

/// One row of a table: a reason code or the other party, with its figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Row {
    /// The reason code, or the other party's merchant id.
    pub(crate) key: String,
    #[serde(flatten)]
    pub(crate) figures: Figures,
}

/// What one other party and the merchant owe each other for the orders
/// settled in the window.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Balance {
    pub(crate) counterpart: String,
    /// Positive: owed to the merchant; negative: the merchant owes it.
    #[schema(value_type = BTreeMap<String, String>)]
    pub(crate) owed: Amounts,
}

/// One item's sales at one price.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct ItemRow {
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) unit_price: String,
    pub(crate) currency: String,
    /// Paid orders with the item.
    pub(crate) orders: i64,
    pub(crate) units: i64,
    /// Units times the unit price, before any reward.
    pub(crate) list_revenue: String,
}

/// The report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Report {
    pub(crate) merchant: String,
    /// `affiliate` or `upseller`.
    pub(crate) side: &'static str,
    /// The window's first and last day, inclusive.
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) current: Figures,
    /// The window of equal length just before.
    pub(crate) previous_from: String,
    pub(crate) previous_to: String,
    pub(crate) previous: Figures,
    /// Every day of the window, days without anything included.
    pub(crate) days: Vec<Day>,
    pub(crate) reason_codes: Vec<Row>,
    /// Per other party: upsellers for an affiliate, affiliates for an upseller.
    pub(crate) counterparts: Vec<Row>,
    pub(crate) balances: Vec<Balance>,
    pub(crate) items: Vec<ItemRow>,
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
        return Err(Failure::invalid(
            "to",
            format!("must be on or after from, at most {MAX_DAYS} days in all"),
        ));
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
            .map(|(key, s)| Row {
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
        },
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
                Day {
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
                ItemRow {
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
    fn dates_go_to_days_and_back() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil(0), "1970-01-01");
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for day in (10_957..=47_482).step_by(13) {
            let date = civil(day);
            assert_eq!(parse_date("from", &date).ok(), Some(day), "{date}");
        }
        assert_eq!(parse_date("from", "2024-02-29").ok(), Some(19_782));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "1999-12-31",
            "2101-01-01",
            "2026-1-01",
            "26-01-01",
            "2026-01-01T00",
            "+026-01-01",
            "",
        ] {
            assert!(parse_date("from", bad).is_err(), "{bad}");
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
