//! The settlement ledger: for each charged order between two merchants, who
//! holds the customer's money and what they owe the other. Under
//! `merchant_of_record` the affiliate charged, so it owes the upseller the
//! amount less its commission; in the other modes the upseller was paid and
//! owes the affiliate its commission. Booked in the order's settlement
//! transaction, read by both parties.

use postsale_protocol::{CurrencyCode, HandoffMode, Money};
use serde::Serialize;
use sqlx::Row;

use crate::{db::Db, failure::Failure, ids::now, store::plan::Statement};

/// One ledger entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Settlement {
    pub(crate) order_id: String,
    /// The merchant holding the money.
    pub(crate) debtor: String,
    /// The merchant it is owed to.
    pub(crate) creditor: String,
    pub(crate) mode: HandoffMode,
    /// What the customer paid, decimal.
    pub(crate) order_amount: String,
    /// The affiliate's commission, in basis points of the order amount.
    pub(crate) commission_bps: u32,
    /// What the debtor owes the creditor, decimal, less the refunded share.
    pub(crate) owed: String,
    /// What was refunded of the order so far, decimal.
    pub(crate) refunded: String,
    pub(crate) currency: CurrencyCode,
    pub(crate) at: i64,
}

/// Who owes whom how much for one order, or nothing (a merchant selling its
/// own items, or a zero commission where the upseller was paid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Debt {
    pub(crate) debtor: String,
    pub(crate) creditor: String,
    pub(crate) owed: Money,
}

/// The debt an order leaves between its affiliate and upseller.
pub(crate) fn debt(
    mode: HandoffMode,
    affiliate: &str,
    upseller: &str,
    amount: Money,
    commission_bps: u32,
) -> Option<Debt> {
    if affiliate == upseller {
        return None;
    }
    let commission_minor =
        i64::try_from(i128::from(amount.minor()) * i128::from(commission_bps.min(10_000)) / 10_000)
            .ok()?;
    let (debtor, creditor, owed_minor) = match mode {
        HandoffMode::MerchantOfRecord => (affiliate, upseller, amount.minor() - commission_minor),
        HandoffMode::PaymentReference | HandoffMode::DirectEntry => {
            (upseller, affiliate, commission_minor)
        }
    };
    if owed_minor == 0 {
        return None;
    }
    Some(Debt {
        debtor: debtor.to_owned(),
        creditor: creditor.to_owned(),
        owed: Money::from_minor(owed_minor, amount.currency()).ok()?,
    })
}

/// Books one order's debt inside the settlement transaction (once per order).
pub(crate) fn booking(
    order_id: &str,
    mode: HandoffMode,
    amount: Money,
    commission_bps: u32,
    debt: &Debt,
) -> Statement {
    Statement {
        sql: "INSERT INTO settlements (order_id, debtor_id, creditor_id, mode, order_amount_minor, commission_bps, owed_minor, currency, at) \
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        values: vec![
            order_id.into(),
            (&debt.debtor).into(),
            (&debt.creditor).into(),
            mode.as_str().into(),
            amount.minor().into(),
            i64::from(commission_bps).into(),
            debt.owed.minor().into(),
            amount.currency().as_str().into(),
            now().into(),
        ],
    }
}

/// The entries `merchant` owes or is owed, newest first: at most `fetch`
/// of those before `before` (time, order id). What is owed shrinks with
/// what was refunded of the order, in proportion.
pub(crate) async fn of(
    db: &Db,
    merchant: &str,
    before: (i64, &str),
    fetch: i64,
) -> Result<Vec<Settlement>, Failure> {
    let rows = sqlx::query(
        "SELECT s.order_id, s.debtor_id, s.creditor_id, s.mode, s.order_amount_minor, s.commission_bps, s.owed_minor, \
         s.currency, s.at, COALESCE(o.refunded_minor, 0) AS refunded_minor \
         FROM settlements s LEFT JOIN orders o ON o.id = s.order_id \
         WHERE (s.debtor_id = $1 OR s.creditor_id = $1) AND (s.at < $2 OR (s.at = $2 AND s.order_id < $3)) \
         ORDER BY s.at DESC, s.order_id DESC LIMIT $4",
    )
    .bind(merchant)
    .bind(before.0)
    .bind(before.1)
    .bind(fetch)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let stored = |what: &str| Failure::Internal(format!("stored settlement {what}"));
            let currency = CurrencyCode::parse(&row.try_get::<String, _>("currency")?)
                .map_err(|_| stored("currency"))?;
            let money = |column: &str| -> Result<String, Failure> {
                Money::from_minor(row.try_get(column)?, currency)
                    .map(|m| m.decimal())
                    .map_err(|_| stored(column))
            };
            let amount: i64 = row.try_get("order_amount_minor")?;
            let refunded: i64 = row.try_get::<i64, _>("refunded_minor")?.clamp(0, amount);
            let owed_minor: i64 = row.try_get("owed_minor")?;
            let owed_now = if amount > 0 {
                i64::try_from(
                    i128::from(owed_minor) * i128::from(amount - refunded) / i128::from(amount),
                )
                .map_err(|_| stored("owed"))?
            } else {
                owed_minor
            };
            let decimal = |minor: i64, what: &str| {
                Money::from_minor(minor, currency)
                    .map(|m| m.decimal())
                    .map_err(|_| stored(what))
            };
            Ok(Settlement {
                order_id: row.try_get("order_id")?,
                debtor: row.try_get("debtor_id")?,
                creditor: row.try_get("creditor_id")?,
                mode: HandoffMode::parse(&row.try_get::<String, _>("mode")?)
                    .ok_or_else(|| stored("mode"))?,
                order_amount: money("order_amount_minor")?,
                commission_bps: u32::try_from(row.try_get::<i64, _>("commission_bps")?)
                    .map_err(|_| stored("commission"))?,
                owed: decimal(owed_now, "owed")?,
                refunded: decimal(refunded, "refunded")?,
                currency,
                at: row.try_get("at")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, CurrencyCode::parse("USD").expect("USD")).expect("money")
    }

    #[test]
    fn under_merchant_of_record_the_affiliate_owes_the_amount_less_its_commission() {
        let owed = debt(
            HandoffMode::MerchantOfRecord,
            "shop",
            "lens",
            usd(10_000),
            1_500,
        )
        .expect("a debt");
        assert_eq!(owed.debtor, "shop");
        assert_eq!(owed.creditor, "lens");
        assert_eq!(owed.owed, usd(8_500));
    }

    #[test]
    fn where_the_upseller_was_paid_it_owes_the_commission_or_nothing() {
        let owed =
            debt(HandoffMode::DirectEntry, "shop", "trail", usd(9_999), 1_000).expect("a debt");
        assert_eq!(
            (owed.debtor.as_str(), owed.creditor.as_str()),
            ("trail", "shop")
        );
        assert_eq!(owed.owed, usd(999), "rounded down to the cent");
        assert_eq!(
            debt(HandoffMode::PaymentReference, "shop", "lens", usd(9_999), 0),
            None
        );
    }

    #[test]
    fn a_merchant_selling_its_own_items_owes_nobody() {
        assert_eq!(
            debt(HandoffMode::MerchantOfRecord, "shop", "shop", usd(500), 0),
            None
        );
    }
}
